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

# shellcheck source=scripts/lib/server.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/server.sh"
sh_work_dir sh-crash
WORK=$SH_WORK
SERVER_PID=""
LOAD_PIDS=()

sh_server_log_on_failure 20

log() { echo "crash_test ($BACKEND): $*" >&2; }

fail() {
	log "FAIL: $*"
	exit 1
}

# --- the database ----------------------------------------------------------------------
sh_server_clean_env SCHOOLHUB_TEST_PG_URL # none of the operator's settings leak in
if [[ "$BACKEND" == sqlite ]]; then
	DATABASE_URL="sqlite:///$WORK/crash.db" # four slashes: an absolute path
else
	[[ -n ${SCHOOLHUB_TEST_PG_URL:-} ]] || fail "SCHOOLHUB_TEST_PG_URL is not set"
	command -v psql >/dev/null || fail "psql is missing"
	sh_pg_db_create "$SCHOOLHUB_TEST_PG_URL" "sh_crash_$$_$RANDOM" || fail "cannot create the database"
	DATABASE_URL=$SH_PG_DB_URL
fi
export DATABASE_URL
export SCHOOLHUB_ENV=development # unset is production: invitation-only registration
export SCHOOLHUB_DATA_DIR="$WORK"
export SCHOOLHUB_SECRET_KEY="crash-test-secret-key-0123456789-abcdefghijklmnop"
export SCHOOLHUB_LOG_LEVEL=info
export SCHOOLHUB_MAX_CONNECTIONS_PER_IP=1024

# --- the server ----------------------------------------------------------------------------
BASE=""
start_server() {
	sh_server_start "$WORK/server.log" "$BIN" || fail "the server did not start listening"
	SERVER_PID=$SH_SERVER_PID
	BASE=$SH_SERVER_BASE
	curl -fsS "$BASE/health" >/dev/null || fail "no /health"
}

start_server
log "server $SERVER_PID on $BASE, database $DATABASE_URL"

# --- members -------------------------------------------------------------------------------
TOKENS=()
IDS=()
register() {
	local email=$1
	sh_http POST "$BASE/api/v1/auth/register" "" \
		"{\"email\":\"$email\",\"password\":\"crash test password\",\"first_name\":\"Crash\",\"last_name\":\"Test\",\"privacy_version\":\"2026-12-09\"}"
	[[ "$SH_HTTP_STATUS" == 201 ]] || fail "register $email: $SH_HTTP_STATUS $SH_HTTP_BODY"
	TOKENS+=("$(sh_json_str access_token <<<"$SH_HTTP_BODY")")
	# The user object comes after the tokens: its "id" is the first one in the answer.
	IDS+=("$(sh_json_str id <<<"$SH_HTTP_BODY")")
}
for i in $(seq 0 $((MEMBERS - 1))); do
	register "crash.member$i.$$@example.be"
done
register "crash.admin.$$@example.be"
ADMIN_TOKEN=${TOKENS[$MEMBERS]}
"$BIN" user promote "crash.admin.$$@example.be" --role admin >/dev/null 2>&1 ||
	fail "schoolhub user promote failed"

# --- the load: each client pays back and forth between two neighbours of a ring ----------
# load_client N: member N pays member N+1 BATCH times in one curl run (starting a process
# costs more than a payment), then N+1 pays N back, and so on: whatever the clients' speeds,
# no balance drifts more than BATCH units from where it started, far from the limits (a
# one-way ring drifted: on a loaded machine one client ran ahead and its payer reached the
# -300 floor, 409 payer_limit). Every 201 id goes to ok.N as "id payer".
BATCH=20
load_client() {
	local n=$1 a b payer to tmp dir="$WORK/c$1"
	a=$((n % MEMBERS))
	b=$(((n + 1) % MEMBERS))
	payer=$a
	to=$b
	mkdir -p "$dir"
	while :; do
		rm -f "$dir"/r.*
		curl -s --max-time 20 -X POST "$BASE/api/v1/sel/transactions?batch=[1-$BATCH]" \
			-H "Authorization: Bearer ${TOKENS[$payer]}" -H 'Content-Type: application/json' \
			-d "{\"to_user_id\":\"${IDS[$to]}\",\"units\":1,\"description\":\"crash load $n\"}" \
			-o "$dir/r.#1" -w '%{http_code}\n' >"$dir/codes" || true
		# A transaction's JSON starts with its id; problem answers have no "id".
		grep -ho '^{"id":"[0-9a-f-]*"' "$dir"/r.* 2>/dev/null |
			sed "s/^{\"id\":\"//; s/\"\$/ $payer/" >>"$WORK/ok.$n" || true
		# 503 (database contention, Retry-After) books nothing and is counted apart;
		# the concurrency suite is where it fails a test.
		grep -c '^503$' "$dir/codes" >>"$WORK/busy.$n" || true
		grep -vE '^(201|000|503)$' "$dir/codes" >>"$WORK/unexpected.$n" || true
		tmp=$payer
		payer=$to
		to=$tmp
	done
}
for n in $(seq 0 $((CLIENTS - 1))); do
	: >"$WORK/ok.$n"
	load_client "$n" &
	LOAD_PIDS+=($!)
	sh_pid_track $!
done

sleep "$LOAD_SECONDS"
before=$(cat "$WORK"/ok.* | wc -l)
[[ "$before" -gt 0 ]] || fail "no payment succeeded before the kill"
log "SIGKILL the server after $before payments answered 201 (load still running)"
sh_pid_stop "$SERVER_PID" KILL
SERVER_PID=""
sleep 0.5
for pid in "${LOAD_PIDS[@]}"; do
	sh_pid_stop "$pid"
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

sh_http GET "$BASE/api/v1/admin/sel/audit" "$ADMIN_TOKEN"
[[ "$SH_HTTP_STATUS" == 200 ]] || fail "audit: $SH_HTTP_STATUS $SH_HTTP_BODY"
grep -q '"ok":true' <<<"$SH_HTTP_BODY" || fail "audit not ok: $SH_HTTP_BODY"
grep -q '"sum_of_balances":0[,}]' <<<"$SH_HTTP_BODY" || fail "sum of balances: $SH_HTTP_BODY"

# The server still books after the restart.
sh_http POST "$BASE/api/v1/sel/transactions" "${TOKENS[0]}" "{\"to_user_id\":\"${IDS[1]}\",\"units\":1}"
[[ "$SH_HTTP_STATUS" == 201 ]] || fail "payment after the restart: $SH_HTTP_STATUS $SH_HTTP_BODY"

log "ok: all $total payments answered 201 before the SIGKILL are there; audit ok"
