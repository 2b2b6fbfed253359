#!/usr/bin/env bash
# Tests of the schoolhub command line and of its operation, run by ctest once per backend:
#
#   tests/cli/cli_test.sh PATH/TO/schoolhub sqlite|postgres
#
# It runs the real binary: version and usage, configuration errors, migrate, seed-demo,
# user promote, invite create, and serve (health, readiness, SIGTERM with a request in
# flight, SIGINT, the development secret key, production registration), and the safe
# default: SCHOOLHUB_ENV unset is production (a secret required, invitation-only
# registration, no demo seeder), and seed-demo refuses a database that holds members.
#
# "sqlite" works in a mktemp directory. "postgres" needs $SCHOOLHUB_TEST_PG_URL, a server
# where we may CREATE DATABASE (e.g. postgresql://postgres@127.0.0.1:55432/postgres); it
# creates a database sh_cli_<pid>_<random> there and drops it on exit. Every process
# started here is stopped by its pid on exit, whatever happens (scripts/lib/server.sh).
#
# Every schoolhub command's exit status is checked, and any sanitizer report in its
# output fails the test. The last line is "cli tests: N passed" (or "N passed, M failed");
# the exit status is non-zero when anything failed.
set -euo pipefail

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
	body="{\"email\":\"$1\",\"password\":\"correct horse battery\",\"first_name\":\"Test\",\"last_name\":\"Cli\""
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

echo "cli tests: $BIN on $BACKEND ($DB_KIND), work directory $WORK"

# === 1. version, usage, help ========================================================

run -- version
if rc_is 0 && [[ $OUT =~ ^schoolhub\ [0-9]+\.[0-9]+\.[0-9]+ ]]; then
	ok "version prints the version"
else bad "version prints the version" "$(last)"; fi

run -- frobnicate
if rc_is 2 && [[ -z $OUT ]] && err_has "usage: schoolhub"; then
	ok "unknown command: exit 2, usage on stderr, nothing on stdout"
else bad "unknown command: exit 2, usage on stderr, nothing on stdout" "$(last)"; fi

run -- serve --help
check "serve --help exits 0" "$(last)" rc_is 0
# The first column of the tables: | `NAME` |
mapfile -t documented < <(grep -oE '^\| .[A-Z][A-Z0-9_]+. ' "$ROOT/docs/CONFIG.md" | tr -dc 'A-Z0-9_\n' | sort -u)
if ((${#documented[@]} < 10)); then
	bad "docs/CONFIG.md lists the variables" "found only: ${documented[*]}"
fi
missing=()
for var in "${documented[@]}"; do
	grep -qw -- "$var" "$WORK/out" || missing+=("$var")
done
if ((${#missing[@]} == 0)); then
	ok "serve --help lists the ${#documented[@]} variables of docs/CONFIG.md"
else bad "serve --help lists the variables of docs/CONFIG.md" "missing: ${missing[*]}"; fi
# The other direction is only reported: the docs may lag behind a new variable.
while read -r var; do
	[[ " ${documented[*]} " == *" $var "* ]] ||
		echo "note: $var is in serve --help but not in docs/CONFIG.md"
done < <(grep -oE '^  [A-Z][A-Z0-9_]+' "$WORK/out" | tr -d ' ' | sort -u)

# === 2. configuration errors: one line naming the variable, non-zero exit ===========

# config_error DESCRIPTION NEEDLE [NAME=VALUE...]: "serve" with that environment exits
# non-zero (not killed by the timeout: it must not start) printing exactly one line on
# stderr, containing NEEDLE and not "hunter2" (the password of the URLs below).
config_error() {
	local desc="bad config, $1: non-zero exit, one line naming $2" needle=$2 RUN_TIMEOUT=20
	shift 2
	run "${DB_ENV[@]}" SCHOOLHUB_DATA_DIR="$WORK/cfg-data" SCHOOLHUB_SECRET_KEY="$SECRET" "$@" -- serve
	if [[ $RC != 0 && $RC != 124 ]] && err_lines_are 1 && err_has "$needle" && err_lacks hunter2; then
		ok "$desc"
	else bad "$desc" "$(last)"; fi
}
config_error "unsupported DATABASE_URL scheme" DATABASE_URL DATABASE_URL=mysql://root:hunter2@db.example/school
config_error "SQLite URL with two slashes" DATABASE_URL DATABASE_URL=sqlite://db.sqlite
config_error "unknown module" SCHOOLHUB_MODULES SCHOOLHUB_MODULES=auth,shop
config_error "production without a secret" SCHOOLHUB_SECRET_KEY SCHOOLHUB_ENV=production SCHOOLHUB_SECRET_KEY=
config_error "short secret" SCHOOLHUB_SECRET_KEY SCHOOLHUB_SECRET_KEY=too-short-12
config_error "port not a number" SCHOOLHUB_PORT SCHOOLHUB_PORT=80a
config_error "port out of range" SCHOOLHUB_PORT SCHOOLHUB_PORT=65536
config_error "negative port" SCHOOLHUB_PORT SCHOOLHUB_PORT=-1
config_error "unknown environment" SCHOOLHUB_ENV SCHOOLHUB_ENV=prod
config_error "unknown registration mode" SCHOOLHUB_REGISTRATION SCHOOLHUB_REGISTRATION=maybe
config_error "unknown log level" SCHOOLHUB_LOG_LEVEL SCHOOLHUB_LOG_LEVEL=trace
config_error "CORS wildcard" SCHOOLHUB_CORS_ORIGINS "SCHOOLHUB_CORS_ORIGINS=*"
config_error "CORS origin without scheme" SCHOOLHUB_CORS_ORIGINS SCHOOLHUB_CORS_ORIGINS=ecole.example.be
config_error "zero threads" SCHOOLHUB_THREADS SCHOOLHUB_THREADS=0
config_error "tiny body limit" SCHOOLHUB_MAX_BODY_BYTES SCHOOLHUB_MAX_BODY_BYTES=10
config_error "unreachable PostgreSQL" postgresql \
	"DATABASE_URL=postgresql://sh:hunter2@127.0.0.1:1/nothing?connect_timeout=2"

# Nothing set is production: no generated secret; the one line says what to set, the
# laptop's SCHOOLHUB_ENV=development included.
RUN_TIMEOUT=20 unset_env_run "${DB_ENV[@]}" SCHOOLHUB_DATA_DIR="$WORK/unset-data" -- serve
if [[ $RC != 0 && $RC != 124 ]] && err_lines_are 1 && err_has "SCHOOLHUB_SECRET_KEY: required" &&
	err_has "the default when SCHOOLHUB_ENV is unset" && err_has "set SCHOOLHUB_ENV=development" &&
	[[ ! -e $WORK/unset-data/secret.key ]]; then
	ok "SCHOOLHUB_ENV unset, no secret: serve refuses in one line naming what to set, writes no secret.key"
else bad "SCHOOLHUB_ENV unset, no secret: serve refuses in one line naming what to set, writes no secret.key" \
	"$(last)"; fi

# === 3. migrate, twice ==============================================================

expected="$(find "$ROOT/migrations/$BACKEND" -maxdepth 1 -name '*.sql' | wc -l)"
run "${DB_ENV[@]}" -- migrate
applied="$(grep -o 'applied [0-9]* migration(s)' "$WORK/err" | grep -o '[0-9]*' || true)"
if rc_is 0 && out_has "database is up to date ($DB_KIND)"; then
	ok "migrate on an empty database: exit 0, up to date ($DB_KIND)"
else bad "migrate on an empty database: exit 0, up to date ($DB_KIND)" "$(last)"; fi
check "migrate on an empty database logs \"applied $expected migration(s)\" (migrations/$BACKEND)" \
	"$(last)" [ "$applied" = "$expected" ]
if [[ $BACKEND == sqlite ]]; then
	check "migrate creates the SQLite file at the URL's absolute path" "$SQLITE_FILE" test -f "$SQLITE_FILE"
fi
rows_before="$(sql 'SELECT count(*) FROM schema_migrations')"
run "${DB_ENV[@]}" -- migrate
if rc_is 0 && out_has "database is up to date" && err_lacks applied; then
	ok "second migrate: exit 0, applies nothing"
else bad "second migrate: exit 0, applies nothing" "$(last)"; fi
if [[ -n $rows_before ]]; then
	rows_after="$(sql 'SELECT count(*) FROM schema_migrations')"
	if [[ $rows_before == "$expected" && $rows_after == "$expected" ]]; then
		ok "schema_migrations has $expected rows after each migrate"
	else bad "schema_migrations has $expected rows after each migrate" \
		"before $rows_before, after $rows_after"; fi
fi

# === 4. seed-demo, twice ============================================================

# The demo time bank, as rows: services (count, owners, categories) and transactions by
# kind and status (opening for each of the 5 members who exchanged, 6 payments, requests:
# 1 accepted, 1 declined, 1 pending for the demo parent), then the ledger entries.
demo_sel_rows() {
	sql "SELECT count(*) || ' services, ' || count(DISTINCT user_id) || ' owners, ' ||
		count(DISTINCT category) || ' categories' FROM sel_services"
	sql "SELECT kind || '/' || status || ': ' || count(*) FROM sel_transactions
		GROUP BY kind, status ORDER BY kind, status"
	sql "SELECT count(*) || ' pending for the demo parent' FROM sel_transactions t
		JOIN users u ON u.id = t.from_user_id
		WHERE t.status = 'pending' AND u.email = '$DEMO_PARENT'"
	sql "SELECT count(*) || ' entries' FROM sel_entries"
}
DEMO_SEL_ROWS="9 services, 5 owners, 8 categories
opening/completed: 5
payment/completed: 6
request/completed: 1
request/declined: 1
request/pending: 1
1 pending for the demo parent
24 entries"

run "${DB_ENV[@]}" -- seed-demo
if rc_is 0 && out_has "Demo school loaded." && out_has "$DEMO_PARENT" &&
	out_has admin@demo.schoolhub.be && out_has "$DEMO_PASSWORD" && [[ -z $ERR ]]; then
	ok "seed-demo loads the demo school and prints the logins"
else bad "seed-demo loads the demo school and prints the logins" "$(last)"; fi
sel_rows="$(demo_sel_rows)"
if [[ -n $sel_rows ]]; then
	check "seed-demo loads the demo time bank (services, exchanges, ledger)" \
		"expected:"$'\n'"$DEMO_SEL_ROWS"$'\n'"found:"$'\n'"$sel_rows" [ "$sel_rows" = "$DEMO_SEL_ROWS" ]
fi
run "${DB_ENV[@]}" -- seed-demo
if rc_is 3 && [[ -z $OUT ]] && err_lines_are 1 && err_has "already holds 6 member(s)"; then
	ok "second seed-demo refuses a database holding members: exit 3, one line"
else bad "second seed-demo refuses a database holding members: exit 3, one line" "$(last)"; fi
users="$(sql "SELECT count(*) FROM users WHERE email LIKE '%@demo.schoolhub.be'")"
if [[ -n $users ]]; then
	check "seed-demo twice: 6 demo members, not more" "found $users" [ "$users" = 6 ]
fi
sel_rows="$(demo_sel_rows)"
if [[ -n $sel_rows ]]; then
	check "seed-demo twice: the same time bank, nothing added" \
		"expected:"$'\n'"$DEMO_SEL_ROWS"$'\n'"found:"$'\n'"$sel_rows" [ "$sel_rows" = "$DEMO_SEL_ROWS" ]
fi
# Production, set or by default, refuses before touching the database (not even migrations).
other_db prod-seed
run "DATABASE_URL=$OTHER_URL" "SCHOOLHUB_DATA_DIR=$WORK/data" SCHOOLHUB_ENV=production \
	SCHOOLHUB_SECRET_KEY="$SECRET" -- seed-demo
tables="$(sql_on "$OTHER_URL" "SELECT COUNT(*) FROM users" 2>/dev/null)"
if rc_is 3 && err_lines_are 1 && err_has "SCHOOLHUB_ENV is production" && [[ $tables != 0 ]]; then
	ok "seed-demo refuses SCHOOLHUB_ENV=production: exit 3, one line, database untouched"
else bad "seed-demo refuses SCHOOLHUB_ENV=production: exit 3, one line, database untouched" \
	"$(last)"$'\n'"users: $tables"; fi
unset_env_run "DATABASE_URL=$OTHER_URL" "SCHOOLHUB_DATA_DIR=$WORK/data" -- seed-demo
tables="$(sql_on "$OTHER_URL" "SELECT COUNT(*) FROM users" 2>/dev/null)"
if rc_is 3 && err_lines_are 1 && err_has "the default when unset" &&
	err_has "SCHOOLHUB_ENV=development" && [[ $tables != 0 ]]; then
	ok "seed-demo with SCHOOLHUB_ENV unset refuses (production), saying what to set"
else bad "seed-demo with SCHOOLHUB_ENV unset refuses (production), saying what to set" \
	"$(last)"$'\n'"users: $tables"; fi

# The issue's reproduction: a school in use (one member registered), then seed-demo. It
# must add no login with the README's password.
other_db inuse
inuse_env=("DATABASE_URL=$OTHER_URL" "SCHOOLHUB_DATA_DIR=$WORK/inuse-data")
if start_server inuse "${inuse_env[@]}" SCHOOLHUB_SECRET_KEY="$SECRET"; then
	register "real.parent.$$@example.be"
	check "a member registers on the school in use: 201" "$(reply)" status_is 201
	stop_server TERM
	run "${inuse_env[@]}" -- seed-demo
	demo="$(sql_on "$OTHER_URL" "SELECT COUNT(*) FROM users WHERE email LIKE '%@demo.schoolhub.be'")"
	members="$(sql_on "$OTHER_URL" "SELECT COUNT(*) FROM users")"
	if rc_is 3 && [[ -z $OUT ]] && err_lines_are 1 && err_has "already holds 1 member(s)" &&
		[[ -z $demo || ($demo == 0 && $members == 1) ]]; then
		ok "seed-demo on a school in use: refused (exit 3), no demo login added"
	else bad "seed-demo on a school in use: refused (exit 3), no demo login added" \
		"$(last)"$'\n'"demo users: $demo, members: $members"; fi
fi
# Limits much tighter than the defaults refuse the demo exchanges: the school and its
# services load without them, with one line saying so (once: the backend does not matter).
if [[ $BACKEND == sqlite ]] && command -v sqlite3 >/dev/null; then
	tight_db="$WORK/db/tight-limits.db"
	tight_env=("DATABASE_URL=sqlite:///$tight_db" "SCHOOLHUB_DATA_DIR=$WORK/data" SEL_MIN_BALANCE=0)
	run "${tight_env[@]}" -- migrate
	run "${tight_env[@]}" -- seed-demo
	tight="$(sqlite3 "$tight_db" "SELECT (SELECT count(*) FROM users) || ' members, ' ||
		(SELECT count(*) FROM sel_services) || ' services, ' ||
		(SELECT count(*) FROM sel_transactions) || ' transactions'")"
	if rc_is 0 && out_has "Demo school loaded." && err_lines_are 1 && err_has SEL_MIN_BALANCE &&
		[[ $tight == "6 members, 9 services, 0 transactions" ]]; then
		ok "seed-demo with SEL_MIN_BALANCE=0: the school and its services, no exchanges, one line"
	else bad "seed-demo with SEL_MIN_BALANCE=0: the school and its services, no exchanges, one line" \
		"$(last)"$'\n'"found: $tight"; fi
fi

# === 5. a server: health, demo data, invites, promote, SIGTERM in flight ===========

if start_server main "${DB_ENV[@]}" SCHOOLHUB_SECRET_KEY="$SECRET" SCHOOLHUB_REGISTRATION=invite; then
	http GET /health
	if status_is 200 && [[ $(json_str status) == ok ]]; then
		ok "GET /health: 200 ok"
	else bad "GET /health: 200 ok" "$(reply)"; fi
	http GET /ready
	if status_is 200 && [[ $(json_str status) == ready && $(json_str database) == "$DB_KIND" ]]; then
		ok "GET /ready: 200, database $DB_KIND"
	else bad "GET /ready: 200, database $DB_KIND" "$(reply)"; fi

	# Two instances on one port would share its connections: the second must refuse.
	RUN_TIMEOUT=20 run "${DB_ENV[@]}" SCHOOLHUB_SECRET_KEY="$SECRET" SCHOOLHUB_PORT="$PORT" -- serve
	if [[ $RC != 0 && $RC != 124 ]] && err_lines_are 1; then
		ok "serve on a port already in use: non-zero exit, one line"
	else bad "serve on a port already in use: non-zero exit, one line" "$(last)"; fi

	# After two seed-demo runs the demo parent sees exactly her two children.
	login "$DEMO_PARENT" "$DEMO_PASSWORD"
	token="$(json_str access_token)"
	if status_is 200 && [[ -n $token ]]; then
		ok "demo parent logs in"
	else bad "demo parent logs in" "$(reply)"; fi
	http GET /api/v1/children "$token"
	classes="$(grep -o '"class_name":"[^"]*"' <<<"$BODY" | sort | tr '\n' ' ' || true)"
	if status_is 200 && [[ $classes == '"class_name":"M2" "class_name":"P3" ' ]]; then
		ok "demo parent's children: exactly the demo children (M2, P3)"
	else bad "demo parent's children: exactly the demo children (M2, P3)" "$(reply)"; fi

	# The demo time bank through the API: what the demo parent sees, and the audit.
	http GET /api/v1/sel/services "$token"
	services="$(grep -o '"units_per_hour":' <<<"$BODY" | wc -l)"
	if status_is 200 && [[ $services == 9 ]]; then
		ok "demo SEL directory: 9 services"
	else bad "demo SEL directory: 9 services (found $services)" "$(reply)"; fi
	http GET /api/v1/sel/balance "$token"
	if status_is 200 && [[ $BODY == *'"balance":90,"total_given":210,"total_received":180,'* ]]; then
		ok "demo parent's SEL balance: 90 units (210 given, 180 received)"
	else bad "demo parent's SEL balance: 90 units (210 given, 180 received)" "$(reply)"; fi
	http GET /api/v1/sel/transactions "$token"
	history="$(grep -o '"status":"[a-z]*"' <<<"$BODY" | sort | uniq -c | tr -s ' ' | tr '\n' ' ' || true)"
	if status_is 200 && [[ $history == ' 5 "status":"completed"  1 "status":"declined"  1 "status":"pending" ' ]]; then
		ok "demo parent's SEL history: 5 completed (with her opening), 1 declined, 1 pending"
	else bad "demo parent's SEL history: 5 completed (with her opening), 1 declined, 1 pending" \
		"found: $history"$'\n'"$(reply)"; fi
	login admin@demo.schoolhub.be "$DEMO_PASSWORD"
	admin_token="$(json_str access_token)"
	# GET /api/v1/admin/sel/audit: ok when the balances are 0 and the ledger consistent.
	audit_ok() {
		http GET /api/v1/admin/sel/audit "$admin_token"
		status_is 200 && [[ $BODY == *'"accounts":6,"sum_of_balances":0,"mismatched_accounts":[],"unbalanced_transactions":0,"ok":true}' ]]
	}
	if audit_ok; then
		ok "demo SEL audit: 6 accounts, sum of balances 0, ledger consistent"
	else bad "demo SEL audit: 6 accounts, sum of balances 0, ledger consistent" "$(reply)"; fi
	# The request waiting for her can be answered with the API like any other.
	http GET '/api/v1/sel/transactions?status=pending' "$token"
	pending_id="$(json_str id)"
	http POST "/api/v1/sel/transactions/$pending_id/accept" "$token"
	if status_is 200 && [[ $(json_str status) == completed ]]; then
		ok "demo parent accepts the pending request: 200 completed"
	else bad "demo parent accepts the pending request: 200 completed" "$(reply)"; fi
	http GET /api/v1/sel/balance "$token"
	if status_is 200 && [[ $BODY == *'"balance":-30,'* ]]; then
		ok "after accepting, her balance is 90 - 120 = -30"
	else bad "after accepting, her balance is 90 - 120 = -30" "$(reply)"; fi
	if audit_ok; then
		ok "after accepting, the SEL audit is still ok"
	else bad "after accepting, the SEL audit is still ok" "$(reply)"; fi

	# invite create, and registration with SCHOOLHUB_REGISTRATION=invite.
	run "${DB_ENV[@]}" -- invite create
	code="$OUT"
	if rc_is 0 && [[ $code =~ ^[A-Za-z0-9_-]{8,}$ ]] && err_has "valid until"; then
		ok "invite create prints a code"
	else bad "invite create prints a code" "$(last)"; fi
	email="cli.$$.${RANDOM}@example.be"
	register "$email"
	check "register without a code: 403 invite_required" "$(reply)" problem_is 403 invite_required
	register "$email" "$code"
	member_token="$(json_str access_token)"
	if status_is 201 && [[ -n $member_token ]]; then
		ok "register with the code: 201"
	else bad "register with the code: 201" "$(reply)"; fi
	register "other.$email" "$code"
	check "register reusing the code: 403 invalid_invite" "$(reply)" problem_is 403 invalid_invite
	run "${DB_ENV[@]}" -- invite create --days 0
	check "invite create --days 0: exit 2" "$(last)" rc_is 2
	run "${DB_ENV[@]}" -- invite
	if rc_is 2 && err_has usage; then
		ok "invite without create: exit 2 with usage"
	else bad "invite without create: exit 2 with usage" "$(last)"; fi

	# user promote.
	http POST /api/v1/admin/invites "$member_token" '{}'
	check "a parent may not create invites: 403 forbidden" "$(reply)" problem_is 403 forbidden
	run "${DB_ENV[@]}" -- user promote "${email^^}" --role admin
	if rc_is 0 && out_has "$email is now admin"; then
		ok "user promote EMAIL --role admin (email given in capitals)"
	else bad "user promote EMAIL --role admin (email given in capitals)" "$(last)"; fi
	http POST /api/v1/admin/invites "$member_token" '{}'
	if status_is 201 && [[ -n $(json_str code) ]]; then
		ok "the promoted member creates an invite with the same token: 201"
	else bad "the promoted member creates an invite with the same token: 201" "$(reply)"; fi
	run "${DB_ENV[@]}" -- user promote "nobody.$email" --role teacher
	if rc_is 1 && err_has "no member"; then
		ok "user promote of an unknown email: exit 1, says so"
	else bad "user promote of an unknown email: exit 1, says so" "$(last)"; fi
	run "${DB_ENV[@]}" -- user promote "$email" --role emperor
	if rc_is 2 && err_has emperor; then
		ok "user promote with a bad role: exit 2"
	else bad "user promote with a bad role: exit 2" "$(last)"; fi
	run "${DB_ENV[@]}" -- user promote "$email"
	if rc_is 2 && err_has usage; then
		ok "user promote without --role: exit 2 with usage"
	else bad "user promote without --role: exit 2 with usage" "$(last)"; fi

	# SIGTERM while a login is in flight: its body trickles in for ~1.5 s, then argon2.
	{
		printf '{"email":"%s","password":"%s"' "$DEMO_PARENT" "$DEMO_PASSWORD"
		head -c 150000 /dev/zero | tr '\0' ' '
		printf '}'
	} >"$WORK/slow.json"
	curl -s --max-time 60 -o "$WORK/slow.body" -w '%{http_code}' -H 'Expect:' \
		-H 'Content-Type: application/json' --limit-rate 100K \
		--data-binary @"$WORK/slow.json" "$BASE/api/v1/auth/login" >"$WORK/slow.status" &
	slow=$!
	sh_pid_track "$slow"
	sleep 0.5
	kill -TERM "$SERVER_PID"
	sleep 0.3
	http GET /health
	check "while draining after SIGTERM, new connections are refused" "$(reply)" status_is 000
	sh_pid_reap "$slow"
	slow_rc=$SH_PID_RC
	if [[ $slow_rc == 0 && $(<"$WORK/slow.status") == 200 ]] && grep -q access_token "$WORK/slow.body"; then
		ok "the login in flight at SIGTERM still gets its answer (200 with a token)"
	else bad "the login in flight at SIGTERM still gets its answer (200 with a token)" \
		"curl exit $slow_rc, HTTP $(cat "$WORK/slow.status"): $(cat "$WORK/slow.body")"; fi
	wait_server
	expect_clean_stop SIGTERM
	check "the in-flight login was answered after the signal (log order)" "$(cat "$SERVER_LOG")" \
		grep -q 'received SIGTERM.*"route":"/api/v1/auth/login".*stopped cleanly' <(tr '\n' ' ' <"$SERVER_LOG")
fi

# === 6. SIGINT, on an explicit free port =============================================

if port="$(sh_free_port)" && start_server sigint "${DB_ENV[@]}" SCHOOLHUB_SECRET_KEY="$SECRET" SCHOOLHUB_PORT="$port"; then
	check "serve listens on SCHOOLHUB_PORT=$port" "listening on $PORT" [ "$PORT" = "$port" ]
	http GET /health
	check "GET /health on port $port: 200" "$(reply)" status_is 200
	stop_server INT
	expect_clean_stop SIGINT
fi

# === 7. development secret key: created 0600, reused across restarts =================

dev_env=("DATABASE_URL=$DB_URL" "SCHOOLHUB_DATA_DIR=$WORK/dev-data")
key="$WORK/dev-data/secret.key"
if start_server dev "${dev_env[@]}"; then
	if [[ -f $key && $(stat -c %a "$key") == 600 && $(stat -c %s "$key") -ge 32 ]]; then
		ok "development creates \$SCHOOLHUB_DATA_DIR/secret.key, mode 0600"
	else bad "development creates \$SCHOOLHUB_DATA_DIR/secret.key, mode 0600" \
		"$(ls -la "$WORK/dev-data" 2>&1)"; fi
	if [[ $(stat -c %a "$WORK/dev-data") == 700 ]]; then
		ok "development creates \$SCHOOLHUB_DATA_DIR, mode 0700"
	else bad "development creates \$SCHOOLHUB_DATA_DIR, mode 0700" "$(ls -lad "$WORK/dev-data")"; fi
	cp "$key" "$WORK/secret.key.before" 2>/dev/null || true
	register "dev.$$.${RANDOM}@example.be"
	dev_token="$(json_str access_token)"
	if status_is 201 && [[ -n $dev_token ]]; then
		ok "development: open registration, 201"
	else bad "development: open registration, 201" "$(reply)"; fi
	stop_server TERM
	expect_clean_stop SIGTERM
	if start_server dev-again "${dev_env[@]}"; then
		check "the next start reuses secret.key unchanged" "" cmp -s "$key" "$WORK/secret.key.before"
		http GET /api/v1/users/me "$dev_token"
		check "a token from before the restart still works" "$(reply)" status_is 200
		stop_server TERM
		expect_clean_stop SIGTERM
	fi
	printf 'short\n' >"$key"
	RUN_TIMEOUT=20 run "${dev_env[@]}" -- serve
	if [[ $RC != 0 && $RC != 124 ]] && err_lines_are 1 && err_has "$key"; then
		ok "a too short secret.key: non-zero exit, one line naming it"
	else bad "a too short secret.key: non-zero exit, one line naming it" "$(last)"; fi
fi

# === 8. production: registration needs an invite by default ===========================

# The database tried with the demo (scripts/run.sh), then served in production: the demo
# logins' password is in the source, so production refuses to start while one still has it.
RUN_TIMEOUT=20 run "DATABASE_URL=$DB_URL" "SCHOOLHUB_DATA_DIR=$WORK/demo-prod-data" SCHOOLHUB_PORT=0 \
	SCHOOLHUB_ENV=production SCHOOLHUB_SECRET_KEY="$SECRET" -- serve
if rc_is 1 && err_lines_are 1 && err_has "6 demo login(s)" && ! err_has "$DEMO_PASSWORD"; then
	ok "production refuses a database whose demo logins keep the published password"
else bad "production refuses a database whose demo logins keep the published password" "$(last)"; fi

# SCHOOLHUB_ENV unset, with a secret: production, so registration needs an invitation
# (on a database of its own: the test database holds the demo school).
other_db prod-unset
unset SCHOOLHUB_ENV
if start_server unset "DATABASE_URL=$OTHER_URL" "SCHOOLHUB_DATA_DIR=$WORK/unset-data" \
	SCHOOLHUB_SECRET_KEY="$SECRET"; then
	register "unset.$$.${RANDOM}@example.be"
	check "SCHOOLHUB_ENV unset: register is 403 invite_required (production)" \
		"$(reply)" problem_is 403 invite_required
	check "SCHOOLHUB_ENV unset with SCHOOLHUB_SECRET_KEY writes no secret.key" "" \
		test ! -e "$WORK/unset-data/secret.key"
	stop_server TERM
	expect_clean_stop SIGTERM
fi
export SCHOOLHUB_ENV=development

other_db prod-set
if start_server prod "DATABASE_URL=$OTHER_URL" "SCHOOLHUB_DATA_DIR=$WORK/prod-data" \
	SCHOOLHUB_ENV=production SCHOOLHUB_SECRET_KEY="$SECRET"; then
	register "prod.$$.${RANDOM}@example.be"
	check "production without SCHOOLHUB_REGISTRATION: register is 403 invite_required" \
		"$(reply)" problem_is 403 invite_required
	check "production with SCHOOLHUB_SECRET_KEY writes no secret.key" "" \
		test ! -e "$WORK/prod-data/secret.key"
	stop_server TERM
	expect_clean_stop SIGTERM
fi

# === summary ===========================================================================

if ((${#FAILURES[@]} > 0)); then
	echo "failed:" >&2
	printf '  %s\n' "${FAILURES[@]}" >&2
	echo "cli tests: $PASSED passed, ${#FAILURES[@]} failed"
	exit 1
fi
echo "cli tests: $PASSED passed"
