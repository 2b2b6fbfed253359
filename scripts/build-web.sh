#!/usr/bin/env bash
# Builds the single-page app in web/ into OUTDIR (called by CMake; the C build
# embeds OUTDIR into the binary).
#   scripts/build-web.sh OUTDIR
# Needs Node.js >= 18 and npm (Debian 12: apt-get install nodejs npm).
set -euo pipefail

if [ "$#" -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi

# OUTDIR is taken relative to the caller's directory, before we move.
case "$1" in
  /*) outdir=$1 ;;
  *) outdir=$PWD/$1 ;;
esac

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
cd -- "$script_dir/../web"

for tool in node npm npx; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "build-web: '$tool' not found; install Node.js >= 18 and npm (apt-get install nodejs npm)" >&2
    exit 1
  fi
done

# Install dependencies only when node_modules is missing or older than the lockfile.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
  touch node_modules # npm ci may keep an old mtime; mark it as fresh
fi

npx --no -- vite build --outDir "$outdir" --emptyOutDir

test -f "$outdir/index.html" || { echo "build-web: $outdir/index.html was not produced" >&2; exit 1; }

# The compressed sizes of the scripts are printed by scripts/precompress-web.sh, which CMake
# runs next.
