#!/usr/bin/env bash
# Browser tests of the web app: starts the real server (SQLite, a throwaway
# database; one server per group of files, see E2E_JOBS) and drives Debian's Chromium
# through it with playwright-core
# (web/e2e/*.e2e.mjs, helpers in web/e2e/lib.mjs): two parents, children, co-parent, SEL, languages, and
# an axe-core accessibility check of every screen.
#
# usage: tests/e2e/run.sh PATH/TO/schoolhub [SCREENSHOT_DIR]
#   SCREENSHOT_DIR: where to write the 390×844 and 1280×800 screenshots
#   (scripts/screenshots.sh passes docs/screenshots); default: a temporary directory.
# Environment: CHROMIUM (default /usr/bin/chromium); E2E_ONLY, E2E_JOBS (default 2) (see below).
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

log() { echo "e2e: $*" >&2; }

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[[ -x "$CHROMIUM" ]] || { log "Chromium not found at $CHROMIUM (apt-get install chromium)"; exit 1; }
[[ -d "$ROOT/web/node_modules/playwright-core" && -d "$ROOT/web/node_modules/axe-core" ]] || {
	log "web/node_modules lacks playwright-core or axe-core (cd web && npm ci)"
	exit 1
}

sh_server_clean_env # none of the operator's SCHOOLHUB_*, DATABASE_URL or SEL_* leak in
export SCHOOLHUB_ENV=development # unset is production: invitation-only registration
export SCHOOLHUB_SECRET_KEY="e2e-test-secret-key-0123456789-abcdefghijklmnopq"
export SCHOOLHUB_LOG_LEVEL=info
# Every browser of every test file signs in from 127.0.0.1: the per-address limit on /auth/*
# (100 per 15 minutes, sized for a school behind one NAT) would refuse the later files
# (429 on a session refresh). 0 turns it off, as CONFIG.md says for test rigs; the API suites
# test the limit itself.
export SCHOOLHUB_AUTH_IP_LIMIT=0

# E2E_JOBS groups of files run side by side, each group one after another against its own
# server (its own database and outbox): the files register their own members and share no
# state, and a browser test mostly waits (on the server, on timers), so two groups on two
# cores take little more than half the time of one.
JOBS=${E2E_JOBS:-2}
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || { log "E2E_JOBS must be a positive integer"; exit 2; }

# Every web/e2e/*.e2e.mjs: app.e2e.mjs (the whole journey of two parents) first, then the
# files of single topics.
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
# A file whose first lines say "// e2e: alone" runs after the groups, on a fresh server of its
# own with nothing beside it: compress.e2e.mjs measures time (home shown within 500 ms of
# signing in), admin.e2e.mjs switches a module off for its whole server.
alone=()
shared=()
for test in "${tests[@]}"; do
	if head -n 20 "$test" | grep -q '^// e2e: alone'; then alone+=("$test"); else shared+=("$test"); fi
done
tests=("${shared[@]}")
((JOBS <= ${#tests[@]})) || JOBS=${#tests[@]}
((JOBS > 0)) || JOBS=1
((${#tests[@]} + ${#alone[@]} > 0)) || { log "no test file to run"; exit 1; }

# Files to groups: each next file (in the order above) to the group with the fewest bytes of
# test so far: a file's size is a fair guess of its length, and app.e2e.mjs leads group 0.
groups=()
weights=()
for ((g = 0; g < JOBS; g++)); do
	groups[g]=""
	weights[g]=0
done
for test in "${tests[@]}"; do
	best=0
	for ((g = 1; g < JOBS; g++)); do
		((weights[g] < weights[best])) && best=$g
	done
	groups[best]+="$test"$'\n'
	weights[best]=$((weights[best] + $(stat -c %s "$test")))
done

mkdir -p "$SHOTS"
bases=()
for ((g = 0; g < JOBS; g++)); do
	mkdir -p "$WORK/g$g"
	sh_server_start "$WORK/g$g/server.log" "$BIN" DATABASE_URL="sqlite:///$WORK/g$g/e2e.db" \
		SCHOOLHUB_DATA_DIR="$WORK/g$g" || { log "server $g did not start listening"; exit 1; }
	bases[g]=$SH_SERVER_BASE
	curl -fsS "${bases[g]}/ready" >/dev/null || { log "server $g not ready"; exit 1; }
	log "group $g: server $SH_SERVER_PID on ${bases[g]}"
done

# run_group G: the group's files one after another; its exit status is 1 when any failed.
run_group() {
	local g=$1 test status=0
	while IFS= read -r test; do
		[[ -n $test ]] || continue
		log "$(basename "$test")"
		# E2E_SCHOOLHUB_BIN: for `schoolhub user promote` on this server's database (staff
		# screens); it reads DATABASE_URL, so each group passes its own.
		# E2E_OUTBOX: the file outbox where the server writes e-mails (no SMTP URL here).
		DATABASE_URL="sqlite:///$WORK/g$g/e2e.db" E2E_BASE_URL="${bases[g]}" E2E_SCREENSHOTS="$SHOTS" \
			E2E_SCHOOLHUB_BIN="$BIN" E2E_OUTBOX="$WORK/g$g/outbox" CHROMIUM="$CHROMIUM" \
			node "$test" || { status=1; log "FAILED: $(basename "$test")"; }
	done <<<"${groups[g]}"
	return $status
}

# Each group's lines carry its number; a failing group shows the end of its server's log.
pids=()
for ((g = 0; g < JOBS; g++)); do
	(
		set -o pipefail
		run_group "$g" 2>&1 | sed -u "s/^/[$g] /"
	) &
	pids[g]=$!
done
status=0
for ((g = 0; g < JOBS; g++)); do
	if ! wait "${pids[g]}"; then
		status=1
		log "group $g failed; its server's log (last 30 lines):"
		tail -n 30 "$WORK/g$g/server.log" >&2
	fi
done
# Each "alone" file on a fresh server of its own, nothing beside it (admin.e2e.mjs switches a
# module off for its whole server; compress.e2e.mjs times the app).
for test in "${alone[@]}"; do
	g=${#bases[@]}
	mkdir -p "$WORK/g$g"
	sh_server_start "$WORK/g$g/server.log" "$BIN" DATABASE_URL="sqlite:///$WORK/g$g/e2e.db" \
		SCHOOLHUB_DATA_DIR="$WORK/g$g" || { log "server $g did not start listening"; exit 1; }
	bases[g]=$SH_SERVER_BASE
	groups[g]="$test"
	if ! run_group "$g"; then
		status=1
		log "its server's log (last 30 lines):"
		tail -n 30 "$WORK/g$g/server.log" >&2
	fi
done
exit $status
