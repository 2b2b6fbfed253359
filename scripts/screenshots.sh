#!/usr/bin/env bash
# Regenerates docs/screenshots/ (390×844 and 1280×800) from the browser test:
#   scripts/screenshots.sh
# Builds build/ (Release) first if needed; needs Debian's chromium.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$SH_ROOT"
sh_install_packages "${SH_RUNTIME_PACKAGES[@]}" chromium
sh_check_npm
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(sh_jobs)"
mkdir -p docs/screenshots
bash tests/e2e/run.sh build/schoolhub "$PWD/docs/screenshots"
echo "screenshots written to docs/screenshots/"
