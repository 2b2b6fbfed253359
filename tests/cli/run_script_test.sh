#!/usr/bin/env bash
# scripts/run.sh gives development (open registration) only to a database it owns: with
# the caller's DATABASE_URL and no SCHOOLHUB_ENV it refuses before anything else, since
# that database may be a school's.
#
#   tests/cli/run_script_test.sh
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$(env -u SCHOOLHUB_ENV DATABASE_URL="sqlite:///$(mktemp -u /tmp/sh-run-XXXXXX).db" \
	bash "$root/scripts/run.sh" 2>&1 </dev/null)
rc=$?
if [[ $rc -ne 1 || "$out" != *"DATABASE_URL is set but SCHOOLHUB_ENV is not"* ]]; then
	echo "run_script_test: FAIL: expected the refusal (exit 1), got exit $rc:" >&2
	echo "$out" | tail -n 5 >&2
	exit 1
fi
echo "run_script_test: ok (DATABASE_URL without SCHOOLHUB_ENV refused: exit 1)"
