#!/usr/bin/env bash
# Fault drill: PostgreSQL restarted during a load.
#
#   tests/drills/pg_restart.sh PATH/TO/schoolhub
#
# Starts a private PostgreSQL (initdb in a temporary directory, free port; never the server
# of SCHOOLHUB_TEST_PG_URL), "schoolhub serve" on it with 8 threads, and a load of
# authenticated reads and SEL payments (one curl per request). Then stops PostgreSQL
# (pg_ctl stop -m fast), keeps it down DRILL_PG_DOWN_SECONDS (default 4), starts it again.
#
# Asserts:
#   - while it is down, every request answers 503 problem+json service_unavailable, each
#     within 1 s (no hang), and /ready answers 503;
#   - /ready is 200 within 5 s of PostgreSQL accepting connections again (the server
#     reconnects by itself, nobody restarts it);
#   - every request started after that /ready answers 2xx (no 5xx, no lost connection),
#     and no request of the whole run got a 500 or no answer at all;
#   - afterwards the SEL audit is ok and every payment answered 201 is booked.
# Prints the measured numbers (503 latency, time to /ready) on its last line.
# shellcheck disable=SC2016 # awk programs are single-quoted on purpose
set -euo pipefail

DRILL=pg_restart
BIN=${1:-}
[[ -n $BIN && -x $BIN && ! -d $BIN ]] || {
	echo "usage: $0 PATH/TO/schoolhub" >&2
	exit 2
}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
DOWN_SECONDS=${DRILL_PG_DOWN_SECONDS:-4}
READY_WITHIN=5 # seconds, from PostgreSQL accepting connections to /ready 200
FAST=1         # seconds: the most a request may take while PostgreSQL is down
MEMBERS=6

# shellcheck source=tests/drills/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v psql >/dev/null || skip "psql is missing"

pg_private_start
PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT"
psql -X -q -v ON_ERROR_STOP=1 "$PG_URL/postgres" -c "CREATE DATABASE schoolhub" >/dev/null ||
	fail "cannot create the database"
log "private PostgreSQL on port $PG_PORT ($PG_DATA)"

# 8 threads for 4 clients: some per-thread connections stay idle through the outage.
server_start "$BIN" main DATABASE_URL="$PG_URL/schoolhub" SCHOOLHUB_THREADS=8
log "server $SERVER_PID on $BASE"
register_members "$MEMBERS"
admin_email="drill.admin.$$@example.be"
[[ $(http_code POST /api/v1/auth/register "" \
	"{\"email\":\"$admin_email\",\"password\":\"drill admin password\",\"first_name\":\"A\",\"last_name\":\"D\",\"privacy_version\":\"2026-12-09\"}") == 201 ]] ||
	fail "register the admin"
ADMIN_TOKEN=$(sh_json_str access_token "$DRILL_WORK/http.body")
DATABASE_URL="$PG_URL/schoolhub" "$BIN" user promote "$admin_email" --role admin >/dev/null 2>&1 ||
	fail "schoolhub user promote"

load_start write read write read
sleep 3

# --- the fault ---------------------------------------------------------------------------
T_STOP=$(now)
pg_private_down || fail "pg_ctl stop failed"
T_DOWN=$(now)
log "PostgreSQL stopped in $(elapsed "$T_STOP" "$T_DOWN") s; down for $DOWN_SECONDS s"
sleep 1
code=$(curl -s --max-time 5 -o "$DRILL_WORK/ready.body" -w '%{http_code}' "$BASE/ready") || code=000
[[ $code == 503 ]] || fail "/ready while PostgreSQL is down: $code $(cat "$DRILL_WORK/ready.body")"
sleep "$((DOWN_SECONDS - 1))"
T_START=$(now)
pg_private_up || fail "PostgreSQL did not start again: $(tail -n 5 "$PG_TMP/postgres.log")"
T_UP=$(now)
sh_server_wait_ready "$BASE" "$READY_WITHIN" "$SERVER_PID" "$DRILL_WORK/ready.log" || fail "/ready not 200 within $READY_WITHIN s of PostgreSQL being back"
T_READY=$(now)
READY_AFTER=$(elapsed "$T_UP" "$T_READY")
READY_POLLS=$(wc -l <"$DRILL_WORK/ready.log")
log "PostgreSQL accepting connections again (pg_ctl start took $(elapsed "$T_START" "$T_UP") s); /ready 200 after $READY_AFTER s"
# Every worker thread's connection must work now, also one left idle through the outage
# (its session was ended by the shutdown; the server must notice before using it).
burst_codes=$(burst 32 /api/v1/users/me "${TOKENS[0]}" | sort | uniq -c | tr -s ' \n' ' ')
[[ $burst_codes == " 32 200 " ]] || fail "32 parallel requests once /ready was 200:$burst_codes(count status)"
sleep 4
load_stop

# --- what the clients saw ------------------------------------------------------------------
load_records >"$DRILL_WORK/records"
total=$(wc -l <"$DRILL_WORK/records")
# phase: before (ended before the stop), down (started after PostgreSQL was down and ended
# before it was started again), after (started once /ready was 200), edge (the rest).
awk -v stop="$T_STOP" -v down="$T_DOWN" -v start="$T_START" -v ready="$T_READY" '
	{ t0 = $1; t1 = $2
	  if (t1 < stop) p = "before"; else if (t0 >= down && t1 < start) p = "down";
	  else if (t0 >= ready) p = "after"; else p = "edge"
	  printf "%s %s %s %s %s\n", p, $6, $3, $4, $5 }' "$DRILL_WORK/records" >"$DRILL_WORK/phased"

count() { awk "$1" "$DRILL_WORK/phased" | wc -l; }
show() { awk "$1" "$DRILL_WORK/phased" | sort | uniq -c | sort -rn | head -n 5 >&2; }

n_before=$(count '$1 == "before"')
n_down=$(count '$1 == "down"')
n_after=$(count '$1 == "after"')
((n_before > 0 && n_down > 0 && n_after > 0)) ||
	fail "too few requests: $n_before before, $n_down while down, $n_after after ($total in all)"

bad=$(count '$1 == "before" && $4 !~ /^2/')
((bad == 0)) || { show '$1 == "before" && $4 !~ /^2/ {print $4, $5}'; fail "$bad requests failed before the stop"; }

bad=$(count '$1 == "down" && !($4 == 503 && $5 == "service_unavailable")')
((bad == 0)) || {
	show '$1 == "down" && !($4 == 503 && $5 == "service_unavailable") {print $3, $4, $5}'
	fail "$bad of $n_down requests while PostgreSQL was down were not 503 service_unavailable"
}
slow=$(count "\$1 == \"down\" && \$2 >= $FAST")
((slow == 0)) || fail "$slow requests took $FAST s or more while PostgreSQL was down (no fail-fast)"
down_max=$(awk '$1 == "down" {if ($2 > m) m = $2} END {printf "%.0f", m * 1000}' "$DRILL_WORK/phased")
down_p50=$(awk '$1 == "down" {print $2}' "$DRILL_WORK/phased" | sort -n |
	awk '{a[NR] = $1} END {printf "%.1f", a[int((NR + 1) / 2)] * 1000}')

bad=$(count '$1 == "after" && $4 !~ /^2/')
((bad == 0)) || {
	show '$1 == "after" && $4 !~ /^2/ {print $3, $4, $5}'
	fail "$bad of $n_after requests after /ready was 200 again did not succeed"
}
# Around the transitions a request may succeed or get 503; never a 500 or no answer.
bad=$(count '$4 !~ /^2/ && $4 != 503')
((bad == 0)) || { show '$4 !~ /^2/ && $4 != 503 {print $1, $3, $4, $5}'; fail "$bad answers neither 2xx nor 503"; }
edge_503=$(count '$1 == "edge" && $4 == 503')

# --- the data ------------------------------------------------------------------------------
code=$(http_code GET /api/v1/admin/sel/audit "$ADMIN_TOKEN")
[[ $code == 200 ]] || fail "audit: $code $(cat "$DRILL_WORK/http.body")"
grep -q '"ok":true' "$DRILL_WORK/http.body" || fail "audit not ok: $(cat "$DRILL_WORK/http.body")"
created=$(awk '$3 == "write" && $4 == 201' "$DRILL_WORK/records" | wc -l)
booked=$(psql -X -Atq "$PG_URL/schoolhub" -c "SELECT count(*) FROM sel_transactions WHERE kind = 'payment'")
((booked >= created)) || fail "$created payments answered 201 but only $booked booked"

server_stop TERM
[[ $SERVER_RC == 0 ]] || fail "the server exited $SERVER_RC on SIGTERM"
grep -q 're-established' "$SERVER_LOG" || fail "the server did not log a reconnection"

log "ok: $total requests ($n_before before, $n_down while down, $n_after after, $edge_503 x 503 around the transitions); 503 while down: p50 $down_p50 ms, max $down_max ms; /ready 200 ${READY_AFTER} s after PostgreSQL was back (poll $READY_POLLS, every 50 ms); $created payments answered 201, $booked booked, audit ok"
