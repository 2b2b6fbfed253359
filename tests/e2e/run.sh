#!/usr/bin/env bash
# Browser tests of the web app: starts the real server (SQLite, a throwaway
# database) and drives Debian's Chromium through it with playwright-core
# (web/e2e/*.e2e.mjs, helpers in web/e2e/lib.mjs): two parents, children, co-parent, SEL, languages, and
# an axe-core accessibility check of every screen.
#
# usage: tests/e2e/run.sh PATH/TO/schoolhub [SCREENSHOT_DIR]
#   SCREENSHOT_DIR: where to write the 390×844 and 1280×800 screenshots
#   (scripts/screenshots.sh passes docs/screenshots); default: a temporary directory.
# Environment: CHROMIUM (default /usr/bin/chromium); E2E_ONLY (see below).
set -euo pipefail

BIN=${1:-}
if [[ -z "$BIN" || ! -x "$BIN" ]]; then
	echo "usage: $0 PATH/TO/schoolhub [SCREENSHOT_DIR]" >&2
	exit 2
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/lib/server.sh
. "$ROOT/scripts/lib/server.sh"
sh_work_dir sh-e2e
WORK=$SH_WORK
SHOTS=${2:-$WORK/screenshots}
sh_server_log_on_failure 30

log() { echo "e2e: $*" >&2; }

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[[ -x "$CHROMIUM" ]] || { log "Chromium not found at $CHROMIUM (apt-get install chromium)"; exit 1; }
[[ -d "$ROOT/web/node_modules/playwright-core" && -d "$ROOT/web/node_modules/axe-core" ]] || {
	log "web/node_modules lacks playwright-core or axe-core (cd web && npm ci)"
	exit 1
}

sh_server_clean_env # none of the operator's SCHOOLHUB_*, DATABASE_URL or SEL_* leak in
export DATABASE_URL="sqlite:///$WORK/e2e.db"
export SCHOOLHUB_ENV=development # unset is production: invitation-only registration
export SCHOOLHUB_DATA_DIR="$WORK"
export SCHOOLHUB_SECRET_KEY="e2e-test-secret-key-0123456789-abcdefghijklmnopq"
export SCHOOLHUB_LOG_LEVEL=info
# Every browser of every test file signs in from 127.0.0.1: the per-address limit on /auth/*
# (100 per 15 minutes, sized for a school behind one NAT) would refuse the later files
# (429 on a session refresh). 0 turns it off, as CONFIG.md says for test rigs; the API suites
# test the limit itself.
export SCHOOLHUB_AUTH_IP_LIMIT=0

sh_server_start "$WORK/server.log" "$BIN" || { log "the server did not start listening"; exit 1; }
BASE=$SH_SERVER_BASE
curl -fsS "$BASE/ready" >/dev/null || { log "server not ready"; exit 1; }
log "server $SH_SERVER_PID on $BASE"

mkdir -p "$SHOTS"
# Every web/e2e/*.e2e.mjs, one after another against this server: app.e2e.mjs (the whole
# journey of two parents) first, then the files of single topics. Each registers its own
# members, so they share the server but no state.
tests=("$ROOT/web/e2e/app.e2e.mjs")
for test in "$ROOT"/web/e2e/*.e2e.mjs; do
	[[ $test == "${tests[0]}" ]] || tests+=("$test")
done
# E2E_ONLY=name[,name]: run only those files (e.g. E2E_ONLY=langui,mail), for a quick check.
if [[ -n ${E2E_ONLY:-} ]]; then
	only=()
	for test in "${tests[@]}"; do
		[[ ",$E2E_ONLY," == *",$(basename "$test" .e2e.mjs),"* ]] && only+=("$test")
	done
	tests=("${only[@]}")
fi
status=0
for test in "${tests[@]}"; do
	log "$(basename "$test")"
	# E2E_SCHOOLHUB_BIN: for `schoolhub user promote` on this server's database (staff screens).
	# E2E_OUTBOX: the file outbox where the server writes e-mails (no SMTP URL here).
	E2E_BASE_URL="$BASE" E2E_SCREENSHOTS="$SHOTS" E2E_SCHOOLHUB_BIN="$BIN" E2E_OUTBOX="$WORK/outbox" CHROMIUM="$CHROMIUM" node "$test" || status=1
done
exit $status
