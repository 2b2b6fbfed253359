#!/usr/bin/env bash
# Crash safety of the SEL ledger: a payment load runs against `schoolhub serve`, the server
# is killed with SIGKILL in the middle of it and restarted on the same database; every
# payment that was answered 201 must still be there, and the audit must be ok.
#
# usage: tests/crash/crash_test.sh PATH/TO/schoolhub sqlite|postgres
# postgres needs SCHOOLHUB_TEST_PG_URL (a server where we may create a database; the one
# created here is dropped at the end). Needs bash, curl, grep, sed (and psql for postgres).
#
# Environment: CRASH_LOAD_SECONDS (default 4): load before the kill; CRASH_CLIENTS (8).
set -euo pipefail

BIN=${1:-}
BACKEND=${2:-}
if [[ -z "$BIN" || ! -x "$BIN" || ( "$BACKEND" != sqlite && "$BACKEND" != postgres ) ]]; then
	echo "usage: $0 PATH/TO/schoolhub sqlite|postgres" >&2
	exit 2
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
LOAD_SECONDS=${CRASH_LOAD_SECONDS:-4}
CLIENTS=${CRASH_CLIENTS:-8}
MEMBERS=10

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sh-crash.XXXXXX")
SERVER_PID=""
LOAD_PIDS=()
PG_ADMIN_URL=""
PG_DB=""

log() { echo "crash_test ($BACKEND): $*" >&2; }

# shellcheck disable=SC2317 # only called through the EXIT trap
cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM HUP
	for pid in "${LOAD_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${LOAD_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	if [[ -n "$SERVER_PID" ]]; then
		kill -TERM "$SERVER_PID" 2>/dev/null
		for _ in $(seq 1 50); do
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	if [[ -n "$PG_DB" ]]; then
		psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 ||
			log "could not drop database $PG_DB"
	fi
	if [[ $rc -ne 0 && -f "$WORK/server.log" ]]; then
		log "server log (last lines):"
		tail -n 20 "$WORK/server.log" >&2
	fi
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

fail() {
	log "FAIL: $*"
	exit 1
}

# --- the database ----------------------------------------------------------------------
if [[ "$BACKEND" == sqlite ]]; then
	DATABASE_URL="sqlite:///$WORK/crash.db" # four slashes: an absolute path
else
	PG_ADMIN_URL=${SCHOOLHUB_TEST_PG_URL:-}
	[[ -n "$PG_ADMIN_URL" ]] || fail "SCHOOLHUB_TEST_PG_URL is not set"
	command -v psql >/dev/null || fail "psql is missing"
	PG_DB="sh_crash_$$_$RANDOM"
	psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE \"$PG_DB\"" >/dev/null ||
		fail "cannot create database $PG_DB"
	# Same server, our database: replace the path of the URL (keeping any ?query).
	base=${PG_ADMIN_URL%%\?*}
	query=""
	[[ "$PG_ADMIN_URL" == *\?* ]] && query="?${PG_ADMIN_URL#*\?}"
	DATABASE_URL="${base%/*}/$PG_DB$query"
fi
export DATABASE_URL
export SCHOOLHUB_DATA_DIR="$WORK"
export SCHOOLHUB_SECRET_KEY="crash-test-secret-key-0123456789-abcdefghijklmnop"
export SCHOOLHUB_PORT=0
export SCHOOLHUB_LOG_LEVEL=info
export SCHOOLHUB_MAX_CONNECTIONS_PER_IP=1024
unset SCHOOLHUB_REGISTRATION SCHOOLHUB_MODULES SCHOOLHUB_HOST

# --- the server ----------------------------------------------------------------------------
BASE=""
start_server() {
	: >"$WORK/server.log"
	"$BIN" serve >>"$WORK/server.log" 2>&1 &
	SERVER_PID=$!
	local port=""
	for _ in $(seq 1 100); do
		port=$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9][0-9]*\).*/\1/p' "$WORK/server.log" | head -n 1)
		[[ -n "$port" ]] && break
		kill -0 "$SERVER_PID" 2>/dev/null || fail "the server exited at startup"
		sleep 0.1
	done
	[[ -n "$port" ]] || fail "the server did not start"
	BASE="http://127.0.0.1:$port"
	curl -fsS "$BASE/health" >/dev/null || fail "no /health"
}

# json_str KEY FILE: the first string value of "KEY" in a JSON file.
json_str() {
	grep -o "\"$1\":\"[^\"]*\"" "$2" | head -n 1 | sed "s/^\"$1\":\"//; s/\"\$//"
}

start_server
log "server $SERVER_PID on $BASE, database $DATABASE_URL"

# --- members -------------------------------------------------------------------------------
TOKENS=()
IDS=()
register() {
	local email=$1 out="$WORK/register.json" code
	code=$(curl -sS -o "$out" -w '%{http_code}' -X POST "$BASE/api/v1/auth/register" \
		-H 'Content-Type: application/json' \
		-d "{\"email\":\"$email\",\"password\":\"crash test password\",\"first_name\":\"Crash\",\"last_name\":\"Test\"}")
	[[ "$code" == 201 ]] || fail "register $email: $code $(cat "$out")"
	TOKENS+=("$(json_str access_token "$out")")
	# The user object comes after the tokens: its "id" is the first one in the answer.
	IDS+=("$(json_str id "$out")")
}
for i in $(seq 0 $((MEMBERS - 1))); do
	register "crash.member$i.$$@example.be"
done
register "crash.admin.$$@example.be"
ADMIN_TOKEN=${TOKENS[$MEMBERS]}
"$BIN" user promote "crash.admin.$$@example.be" --role admin >/dev/null 2>&1 ||
	fail "schoolhub user promote failed"

# --- the load: each client pays around a ring (balances stay far from the limits) --------
# load_client N: member N pays member N+1, forever, BATCH payments per curl run (starting a
# process costs more than a payment); every 201 id goes to ok.N as "id payer".
BATCH=20
load_client() {
	local n=$1 payer to token body dir="$WORK/c$1"
	payer=$((n % MEMBERS))
	to=$(((n + 1) % MEMBERS))
	token=${TOKENS[$payer]}
	body="{\"to_user_id\":\"${IDS[$to]}\",\"units\":1,\"description\":\"crash load $n\"}"
	mkdir -p "$dir"
	while :; do
		rm -f "$dir"/r.*
		curl -s --max-time 20 -X POST "$BASE/api/v1/sel/transactions?batch=[1-$BATCH]" \
			-H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
			-d "$body" -o "$dir/r.#1" -w '%{http_code}\n' >"$dir/codes" || true
		# A transaction's JSON starts with its id; problem answers have no "id".
		grep -ho '^{"id":"[0-9a-f-]*"' "$dir"/r.* 2>/dev/null |
			sed "s/^{\"id\":\"//; s/\"\$/ $payer/" >>"$WORK/ok.$n" || true
		# 503 (database contention, Retry-After) books nothing and is counted apart;
		# the concurrency suite is where it fails a test.
		grep -c '^503$' "$dir/codes" >>"$WORK/busy.$n" || true
		grep -vE '^(201|000|503)$' "$dir/codes" >>"$WORK/unexpected.$n" || true
	done
}
for n in $(seq 0 $((CLIENTS - 1))); do
	: >"$WORK/ok.$n"
	load_client "$n" &
	LOAD_PIDS+=($!)
done

sleep "$LOAD_SECONDS"
before=$(cat "$WORK"/ok.* | wc -l)
[[ "$before" -gt 0 ]] || fail "no payment succeeded before the kill"
log "SIGKILL the server after $before payments answered 201 (load still running)"
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
sleep 0.5
for pid in "${LOAD_PIDS[@]}"; do
	kill "$pid" 2>/dev/null || true
done
for pid in "${LOAD_PIDS[@]}"; do
	wait "$pid" 2>/dev/null || true
done
LOAD_PIDS=()

# Only 201/000 may have been seen: any other answer during the load is a failure.
if cat "$WORK"/unexpected.* >"$WORK/unexpected" 2>/dev/null && [[ -s "$WORK/unexpected" ]]; then
	fail "unexpected answers during the load: $(head -n 3 "$WORK/unexpected")"
fi

busy=$(cat "$WORK"/busy.* 2>/dev/null | awk '{n += $1} END {print n + 0}')
[[ "$busy" -eq 0 ]] || log "warning: $busy payments answered 503 service_unavailable during the load"

# --- restart on the same database and check ---------------------------------------------------
start_server
log "restarted as $SERVER_PID on $BASE"
cat "$WORK"/ok.* | sort >"$WORK/ok.all"
total=$(wc -l <"$WORK/ok.all")
distinct=$(cut -d' ' -f1 "$WORK/ok.all" | sort -u | wc -l)
[[ "$total" -eq "$distinct" ]] || fail "$total ids answered 201 but only $distinct distinct"
# One curl run per payer reads all of its ids (GET /transactions/{id} as a party).
missing=0
cut -d' ' -f2 "$WORK/ok.all" | sort -u >"$WORK/payers"
while read -r payer; do
	: >"$WORK/urls"
	count=0
	while read -r id who; do
		[[ "$who" == "$payer" ]] || continue
		[[ "$id" =~ ^[0-9a-f-]{36}$ ]] || fail "bad id recorded: $id"
		echo "url = \"$BASE/api/v1/sel/transactions/$id\"" >>"$WORK/urls"
		count=$((count + 1))
	done <"$WORK/ok.all"
	curl -s -K "$WORK/urls" -H "Authorization: Bearer ${TOKENS[$payer]}" \
		-w '\n%{http_code} %{url_effective}\n' >"$WORK/read.$payer" </dev/null || true
	found=$(grep -c '^200 ' "$WORK/read.$payer" || true)
	completed=$(grep -o '"status":"completed"' "$WORK/read.$payer" | wc -l)
	if [[ "$found" -ne "$count" || "$completed" -ne "$count" ]]; then
		grep -E '^[0-9]{3} ' "$WORK/read.$payer" | grep -v '^200 ' | head -n 5 >&2 || true
		missing=$((missing + count - (found < completed ? found : completed)))
	fi
done <"$WORK/payers"
[[ "$missing" -eq 0 ]] || fail "$missing of $total payments answered 201 are gone"

code=$(curl -s -o "$WORK/audit.json" -w '%{http_code}' "$BASE/api/v1/admin/sel/audit" \
	-H "Authorization: Bearer $ADMIN_TOKEN")
[[ "$code" == 200 ]] || fail "audit: $code $(cat "$WORK/audit.json")"
grep -q '"ok":true' "$WORK/audit.json" || fail "audit not ok: $(cat "$WORK/audit.json")"
grep -q '"sum_of_balances":0[,}]' "$WORK/audit.json" || fail "sum of balances: $(cat "$WORK/audit.json")"

# The server still books after the restart.
code=$(curl -s -o "$WORK/after.json" -w '%{http_code}' -X POST "$BASE/api/v1/sel/transactions" \
	-H "Authorization: Bearer ${TOKENS[0]}" -H 'Content-Type: application/json' \
	-d "{\"to_user_id\":\"${IDS[1]}\",\"units\":1}")
[[ "$code" == 201 ]] || fail "payment after the restart: $code $(cat "$WORK/after.json")"

log "ok: all $total payments answered 201 before the SIGKILL are there; audit ok"
