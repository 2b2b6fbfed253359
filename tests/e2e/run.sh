#!/usr/bin/env bash
# Browser tests of the web app: starts the real server (SQLite, a throwaway
# database) and drives Debian's Chromium through it with playwright-core
# (web/e2e/app.e2e.mjs): two parents, children, co-parent, SEL, languages, and
# an axe-core accessibility check of every screen.
#
# usage: tests/e2e/run.sh PATH/TO/schoolhub [SCREENSHOT_DIR]
#   SCREENSHOT_DIR: where to write the 390×844 and 1280×800 screenshots
#   (scripts/screenshots.sh passes docs/screenshots); default: a temporary directory.
# Environment: CHROMIUM (default /usr/bin/chromium).
set -euo pipefail

BIN=${1:-}
if [[ -z "$BIN" || ! -x "$BIN" ]]; then
	echo "usage: $0 PATH/TO/schoolhub [SCREENSHOT_DIR]" >&2
	exit 2
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sh-e2e.XXXXXX")
SHOTS=${2:-$WORK/screenshots}
SERVER_PID=""

log() { echo "e2e: $*" >&2; }

# shellcheck disable=SC2317 # only called through the EXIT trap
cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM HUP
	if [[ -n "$SERVER_PID" ]]; then
		kill -TERM "$SERVER_PID" 2>/dev/null
		for _ in $(seq 1 50); do
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	if [[ $rc -ne 0 && -f "$WORK/server.log" ]]; then
		log "server log (last lines):"
		tail -n 30 "$WORK/server.log" >&2
	fi
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[[ -x "$CHROMIUM" ]] || { log "Chromium not found at $CHROMIUM (apt-get install chromium)"; exit 1; }
[[ -d "$ROOT/web/node_modules/playwright-core" && -d "$ROOT/web/node_modules/axe-core" ]] || {
	log "web/node_modules lacks playwright-core or axe-core (cd web && npm ci)"
	exit 1
}

export DATABASE_URL="sqlite:///$WORK/e2e.db"
export SCHOOLHUB_DATA_DIR="$WORK"
export SCHOOLHUB_SECRET_KEY="e2e-test-secret-key-0123456789-abcdefghijklmnopq"
export SCHOOLHUB_PORT=0
export SCHOOLHUB_LOG_LEVEL=info
unset SCHOOLHUB_REGISTRATION SCHOOLHUB_MODULES SCHOOLHUB_HOST SCHOOLHUB_ENV

"$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
port=""
for _ in $(seq 1 100); do
	port=$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9][0-9]*\).*/\1/p' "$WORK/server.log" | head -n 1)
	[[ -n "$port" ]] && break
	kill -0 "$SERVER_PID" 2>/dev/null || { log "the server exited at startup"; exit 1; }
	sleep 0.1
done
[[ -n "$port" ]] || { log "the server did not start"; exit 1; }
BASE="http://127.0.0.1:$port"
curl -fsS "$BASE/ready" >/dev/null || { log "server not ready"; exit 1; }
log "server $SERVER_PID on $BASE"

mkdir -p "$SHOTS"
E2E_BASE_URL="$BASE" E2E_SCREENSHOTS="$SHOTS" CHROMIUM="$CHROMIUM" \
	node "$ROOT/web/e2e/app.e2e.mjs"
