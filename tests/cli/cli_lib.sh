# What the command-line tests share (sourced by cli_test.sh and cli_seed_prod_test.sh, run
# as "SCRIPT PATH/TO/schoolhub sqlite|postgres"): the arguments, a known environment, the
# results (ok, bad, check), running the binary (run), HTTP, servers, and the test database.
#
# "sqlite" works in a mktemp directory. "postgres" needs $SCHOOLHUB_TEST_PG_URL, a server
# where we may CREATE DATABASE (e.g. postgresql://postgres@127.0.0.1:55432/postgres); it
# creates a database sh_cli_<pid>_<random> there and drops it on exit. Every process
# started here is stopped by its pid on exit, whatever happens (scripts/lib/server.sh).
#
# Every schoolhub command's exit status is checked, and any sanitizer report in its
# output fails the test. cli_summary prints the last line, "cli tests: N passed" (or
# "N passed, M failed"), and exits non-zero when anything failed.
# shellcheck shell=bash disable=SC2034 # the settings are read by the scripts sourcing this

usage() {
	echo "usage: $0 PATH/TO/schoolhub sqlite|postgres" >&2
	exit 2
}
(($# == 2)) || usage
BACKEND=$2
case $BACKEND in
sqlite | postgres) ;;
*) usage ;;
esac
if [[ ! -x $1 || -d $1 ]]; then
	echo "cli tests: $1 is not an executable" >&2
	exit 1
fi
BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/lib/server.sh
. "$ROOT/scripts/lib/server.sh"

# A known environment: none of the operator's settings leak into the tests.
sh_server_clean_env SCHOOLHUB_TEST_PG_URL
export SCHOOLHUB_HOST=127.0.0.1 SCHOOLHUB_THREADS=2 SCHOOLHUB_LOG_LEVEL=info
# Unset is production: these tests run in development unless they say otherwise (the
# default itself is tested with unset_env_run and in section 8).
export SCHOOLHUB_ENV=development

SECRET="cli-test-secret-key-0123456789-abcdefghijklmnop"
DEMO_PASSWORD="evere-demo-2026"
DEMO_PARENT="sophie.dubois@demo.schoolhub.be"
RUN_TIMEOUT=120     # seconds for one command (argon2 under AddressSanitizer is slow)
SH_HTTP_MAX_TIME=60 # seconds for one request, likewise

PASSED=0
FAILURES=()

# --- results -----------------------------------------------------------------------

ok() {
	PASSED=$((PASSED + 1))
	echo "ok: $1"
}

# bad DESCRIPTION [DETAIL]
bad() {
	FAILURES+=("$1")
	echo "FAIL: $1" >&2
	if [[ -n ${2:-} ]]; then
		head -n 30 <<<"$2" | while IFS= read -r line; do echo "    $line"; done >&2
	fi
}

# check DESCRIPTION DETAIL COMMAND...: ok when COMMAND succeeds.
check() {
	local desc=$1 detail=$2
	shift 2
	if "$@"; then ok "$desc"; else bad "$desc" "$detail"; fi
}

# Any sanitizer report in FILE is a failure of WHAT, whatever the exit status was.
sanitizer_check() {
	if sh_sanitizer_report "$1"; then
		bad "$2: sanitizer report" "$(cat "$1")"
	fi
}

# --- running the binary ------------------------------------------------------------

# run [NAME=VALUE...] -- ARGS...: runs schoolhub with that environment added (later
# assignments win); sets RC, OUT, ERR and WHAT. 124 means it was still running after
# $RUN_TIMEOUT seconds.
run() {
	local envs=()
	while (($# > 0)) && [[ $1 != -- ]]; do
		envs+=("$1")
		shift
	done
	shift
	WHAT="schoolhub $*"
	RC=0
	timeout -k 5 "$RUN_TIMEOUT" env "${envs[@]}" "$BIN" "$@" >"$WORK/out" 2>"$WORK/err" || RC=$?
	OUT="$(<"$WORK/out")"
	ERR="$(<"$WORK/err")"
	sanitizer_check "$WORK/err" "$WHAT"
}

# unset_env_run [NAME=VALUE...] -- ARGS...: run with SCHOOLHUB_ENV unset, as an operator
# who set nothing would.
unset_env_run() {
	unset SCHOOLHUB_ENV
	run "$@"
	export SCHOOLHUB_ENV=development
}

# What the last run printed, for failure messages.
last() {
	printf '%s: exit %s\nstdout: %s\nstderr: %s\n' "$WHAT" "$RC" "$OUT" "$ERR"
}

rc_is() { [[ $RC == "$1" ]]; }
out_has() { grep -qF -- "$1" "$WORK/out"; }
err_has() { grep -qF -- "$1" "$WORK/err"; }
err_lacks() { ! grep -qF -- "$1" "$WORK/err"; }
err_lines_are() { [[ "$(wc -l <"$WORK/err")" == "$1" ]]; }

# Environment of the test database.
db_env() {
	printf '%s\n' "DATABASE_URL=$DB_URL" "SCHOOLHUB_DATA_DIR=$WORK/data"
}

# --- HTTP --------------------------------------------------------------------------

# http METHOD PATH [TOKEN] [JSON]: sets STATUS (000: no answer), BODY, HEADERS.
http() {
	sh_http "$1" "$BASE$2" "${3:-}" "${4:-}"
	STATUS=$SH_HTTP_STATUS BODY=$SH_HTTP_BODY HEADERS=$SH_HTTP_HEADERS
}

# json_str KEY: the first string member KEY of BODY.
json_str() { sh_json_str "$1" <<<"$BODY"; }

# header NAME: value of a response header of the last http call.
header() {
	grep -i "^$1:" <<<"$HEADERS" | tail -n1 | sed 's/^[^:]*: *//' || true
}

status_is() { [[ $STATUS == "$1" ]]; }
problem_is() {
	[[ $STATUS == "$1" && "$(json_str code)" == "$2" && "$(header Content-Type)" == application/problem+json* ]]
}
reply() { printf 'HTTP %s %s\n%s\n' "$STATUS" "$BODY" "$HEADERS"; }

# register EMAIL [INVITE_CODE]
register() {
	local body
	body="{\"email\":\"$1\",\"password\":\"correct horse battery\",\"first_name\":\"Test\",\"last_name\":\"Cli\",\"privacy_version\":\"2026-12-09\""
	[[ -z ${2:-} ]] || body+=",\"invite_code\":\"$2\""
	http POST /api/v1/auth/register "" "$body}"
}

login() {
	http POST /api/v1/auth/login "" "{\"email\":\"$1\",\"password\":\"$2\"}"
}

# --- servers -----------------------------------------------------------------------

# start_server NAME [NAME=VALUE...]: "schoolhub serve" in the background, on the port the
# kernel picks (SCHOOLHUB_PORT=0, unless given), read back from its log line. Sets
# SERVER_PID, SERVER_LOG, PORT and BASE; fails (reported) when it doesn't start listening.
start_server() {
	local name=$1 started=0
	shift
	SERVER_LOG="$WORK/serve-$name.log"
	sh_server_start "$SERVER_LOG" "$BIN" "$@" && started=1
	SERVER_PID=$SH_SERVER_PID PORT=$SH_SERVER_PORT
	if ((!started)); then
		stop_server KILL
		bad "serve ($name) did not start listening (exit $STOP_RC)" "$(cat "$SERVER_LOG")"
		return 1
	fi
	BASE=$SH_SERVER_BASE
}

# wait_server: waits (30 s at most, then SIGKILL) for the server to exit; sets STOP_RC.
wait_server() {
	sh_pid_reap "$SERVER_PID" 30
	STOP_RC=$SH_PID_RC
	sanitizer_check "$SERVER_LOG" "serve"
}

# stop_server SIGNAL: sends SIGNAL and waits; sets STOP_RC.
stop_server() {
	kill -"$1" "$SERVER_PID" 2>/dev/null || true
	wait_server
}

# expect_clean_stop SIGNAME: the server exited 0 and logged it.
expect_clean_stop() {
	check "serve exits 0 on $1" "exit $STOP_RC; log: $(tail -n 5 "$SERVER_LOG")" [ "$STOP_RC" = 0 ]
	check "serve logs \"received $1\" and \"stopped cleanly\"" "$(tail -n 5 "$SERVER_LOG")" \
		grep -q "received $1.*stopped cleanly" <(tr '\n' ' ' <"$SERVER_LOG")
}

# --- the database ------------------------------------------------------------------

sh_work_dir schoolhub-cli
WORK=$SH_WORK
if [[ $BACKEND == sqlite ]]; then
	SQLITE_FILE="$WORK/db/schoolhub.db"
	DB_URL="sqlite:///$SQLITE_FILE" # WORK is absolute: four slashes, sqlite:////tmp/...
	DB_KIND=sqlite
else
	if [[ -z ${SCHOOLHUB_TEST_PG_URL:-} ]]; then
		echo "cli tests: the postgres backend needs SCHOOLHUB_TEST_PG_URL" >&2
		exit 1
	fi
	command -v psql >/dev/null || {
		echo "cli tests: psql is needed for the postgres backend" >&2
		exit 1
	}
	sh_pg_db_create "$SCHOOLHUB_TEST_PG_URL" "sh_cli_$$_${RANDOM}${RANDOM}"
	DB_URL=$SH_PG_DB_URL
	DB_KIND=postgresql
fi
mapfile -t DB_ENV < <(db_env)

# other_db NAME: sets OTHER_URL to another empty database of the backend (dropped on exit).
other_db() {
	if [[ $BACKEND == sqlite ]]; then
		OTHER_URL="sqlite:///$WORK/db/$1.db"
	else
		sh_pg_db_create "$SCHOOLHUB_TEST_PG_URL" "sh_cli_$$_${RANDOM}${RANDOM}_$1"
		OTHER_URL=$SH_PG_DB_URL
	fi
}

# sql_on URL QUERY: like sql, on another database of the backend.
sql_on() {
	if [[ $BACKEND == postgres ]]; then
		psql -X -qAt -v ON_ERROR_STOP=1 "$1" -c "$2" || echo "psql failed"
	elif command -v sqlite3 >/dev/null; then
		sqlite3 "${1#sqlite://}" "$2" || echo "sqlite3 failed"
	fi
	return 0
}

# sql QUERY: one value from the test database; empty when no client is available.
sql() {
	if [[ $BACKEND == postgres ]]; then
		psql -X -qAt -v ON_ERROR_STOP=1 "$DB_URL" -c "$1" || echo "psql failed"
	elif command -v sqlite3 >/dev/null; then
		sqlite3 "$SQLITE_FILE" "$1" || echo "sqlite3 failed"
	fi
	return 0
}

# --- summary ---------------------------------------------------------------------

cli_summary() {
	if ((${#FAILURES[@]} > 0)); then
		echo "failed:" >&2
		printf '  %s\n' "${FAILURES[@]}" >&2
		echo "cli tests: $PASSED passed, ${#FAILURES[@]} failed"
		exit 1
	fi
	echo "cli tests: $PASSED passed"
}
