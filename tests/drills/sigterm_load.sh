#!/usr/bin/env bash
# Fault drill: SIGTERM during a load.
#
#   tests/drills/sigterm_load.sh PATH/TO/schoolhub
#
# "schoolhub serve" (SQLite, 4 threads) under a load of payments, reads and logins (argon2id,
# the slowest request), plus one login whose body trickles in for ~1.5 s, so requests are
# surely in flight when SIGTERM arrives. Asserts:
#   - the server exits 0 within 10 s, logging "stopped cleanly";
#   - every request in flight at the signal is answered in full (2xx): the trickling login
#     gets its token, and no client sees a reset connection, an empty reply or a 5xx;
#     requests made after the signal are refused at connect (curl exit 7), never half-served;
#   - every payment answered 201 is in the database, and nothing else is.
# (SIGKILL during SEL writes is tests/crash/crash_test.sh: nothing acknowledged is lost.)
set -euo pipefail

DRILL=sigterm_load
BIN=${1:-}
[[ -n $BIN && -x $BIN && ! -d $BIN ]] || {
	echo "usage: $0 PATH/TO/schoolhub" >&2
	exit 2
}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

# shellcheck source=tests/drills/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 is missing"

DB="$DRILL_WORK/schoolhub.db"
server_start "$BIN" main DATABASE_URL="sqlite:///$DB" SCHOOLHUB_THREADS=4
register_members 6
load_start write write read read login login
sleep 2

# One login whose 150 kB body takes ~1.5 s to arrive: in flight whatever the timing.
{
	printf '{"email":"%s","password":"drill password 0"' "${EMAILS[0]}"
	head -c 150000 /dev/zero | tr '\0' ' '
	printf '}'
} >"$DRILL_WORK/slow.json"
curl -s --max-time 30 -o "$DRILL_WORK/slow.body" -w '%{http_code}' -H 'Expect:' \
	-H 'Content-Type: application/json' --limit-rate 100K \
	--data-binary @"$DRILL_WORK/slow.json" "$BASE/api/v1/auth/login" >"$DRILL_WORK/slow.status" &
SLOW=$!
sh_pid_track "$SLOW"
sleep 0.5

T_TERM=$(now)
server_stop TERM
T_EXIT=$(now)
STOP_SECONDS=$(elapsed "$T_TERM" "$T_EXIT")
sh_pid_reap "$SLOW"
slow_rc=$SH_PID_RC
sleep 0.5 # the clients meet the closed port
load_stop

[[ $SERVER_RC == 0 ]] || fail "the server exited $SERVER_RC on SIGTERM"
if ! grep -q 'received SIGTERM' "$SERVER_LOG" || ! grep -q 'stopped cleanly' "$SERVER_LOG"; then
	fail "no \"received SIGTERM\" ... \"stopped cleanly\" in the log"
fi
awk -v s="$STOP_SECONDS" 'BEGIN {exit !(s < 10)}' || fail "the server took $STOP_SECONDS s to stop"
if [[ $slow_rc != 0 || $(<"$DRILL_WORK/slow.status") != 200 ]] || ! grep -q access_token "$DRILL_WORK/slow.body"; then
	fail "the login in flight at SIGTERM: curl exit $slow_rc, HTTP $(cat "$DRILL_WORK/slow.status")"
fi

# Requests the server answered between the signal and its exit: in flight at SIGTERM.
in_flight=$(sed -n '/received SIGTERM/,/stopped cleanly/p' "$SERVER_LOG" | grep -c '"msg":"request"' || true)

load_records >"$DRILL_WORK/records"
total=$(wc -l <"$DRILL_WORK/records")
answered=$(awk '$4 ~ /^2/' "$DRILL_WORK/records" | wc -l)
refused=$(awk '$4 == "000" && $7 == 7' "$DRILL_WORK/records" | wc -l)
bad=$(awk '!($4 ~ /^2/ || ($4 == "000" && $7 == 7))' "$DRILL_WORK/records" | wc -l)
if ((bad > 0)); then
	awk '!($4 ~ /^2/ || ($4 == "000" && $7 == 7)) {print $3, "HTTP", $4, $5, "curl exit", $7}' \
		"$DRILL_WORK/records" | sort | uniq -c >&2
	fail "$bad of $total requests were neither answered 2xx nor refused at connect"
fi
late=$(awk -v t="$T_EXIT" '$4 ~ /^2/ && $1 > t' "$DRILL_WORK/records" | wc -l)
((late == 0)) || fail "$late requests started after the server exited were answered?"
((refused > 0)) || fail "no request met the closed port: the load stopped too early"

created=$(awk '$3 == "write" && $4 == 201' "$DRILL_WORK/records" | wc -l)
booked=$(sqlite3 "$DB" "SELECT count(*) FROM sel_transactions WHERE kind = 'payment'")
[[ $booked == "$created" ]] || fail "$created payments answered 201 but $booked booked"
check=$(sqlite3 "$DB" 'PRAGMA integrity_check')
[[ $check == ok ]] || fail "integrity_check: $check"

log "ok: stopped in $STOP_SECONDS s, exit 0; $in_flight requests in flight at SIGTERM all answered (with the 1.5 s login); $total requests: $answered answered 2xx, $refused refused at connect after the signal, none reset or 5xx; $created payments answered 201 = $booked booked"
