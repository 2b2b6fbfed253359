#!/usr/bin/env bash
# Tests of "schoolhub seed-bench", run by ctest once per backend:
#
#   tests/cli/seed_bench_test.sh PATH/TO/schoolhub sqlite|postgres
#
# Seeds 50 families and a hot member with 60 transactions, then checks the rows (counts,
# guardians, openings, limits), the SEL audit through the real server (GET
# /api/v1/admin/sel/audit must say ok), the bench logins, the hot member's history through
# every page of GET /api/v1/sel/transactions and its printed deep cursor, a second run
# (nothing loaded twice), determinism (same seed, same rows; another seed, other rows),
# the refusals (production, bad options).
#
# "postgres" needs $SCHOOLHUB_TEST_PG_URL (a server where we may CREATE DATABASE); its
# databases are dropped on exit. Every process started here is stopped by its pid.
set -euo pipefail

if (($# != 2)) || [[ $2 != sqlite && $2 != postgres ]]; then
	echo "usage: $0 PATH/TO/schoolhub sqlite|postgres" >&2
	exit 2
fi
BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
BACKEND=$2
# shellcheck source=scripts/lib/server.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/server.sh"
sh_server_clean_env SCHOOLHUB_TEST_PG_URL
export SCHOOLHUB_HOST=127.0.0.1 SCHOOLHUB_THREADS=2 SCHOOLHUB_LOG_LEVEL=info
SECRET="seed-bench-test-secret-0123456789-abcdefghijkl"
PASSWORD="bench-password-2026"
FAMILIES=50
PER_FAMILY=20
HOT=60

PASSED=0
FAILURES=()
sh_work_dir schoolhub-seed-bench
WORK=$SH_WORK

ok() {
	PASSED=$((PASSED + 1))
	echo "ok: $1"
}
bad() {
	FAILURES+=("$1")
	echo "FAIL: $1" >&2
	[[ -z ${2:-} ]] || head -n 30 <<<"$2" | sed 's/^/    /' >&2
}
# check DESCRIPTION DETAIL COMMAND...
check() {
	local desc=$1 detail=$2
	shift 2
	if "$@"; then ok "$desc"; else bad "$desc" "$detail"; fi
}

# new_db NAME: sets URL to a fresh database of the backend.
new_db() {
	if [[ $BACKEND == sqlite ]]; then
		URL="sqlite:///$WORK/$1.db"
		return
	fi
	sh_pg_db_create "$SCHOOLHUB_TEST_PG_URL" "sh_seedbench_$$_${RANDOM}_$1"
	URL=$SH_PG_DB_URL
}

# sql URL QUERY: the rows of QUERY, one per line, columns separated by "|".
sql() {
	if [[ $BACKEND == sqlite ]]; then
		sqlite3 "${1#sqlite://}" "$2"
	else
		psql -X -qAt -v ON_ERROR_STOP=1 "$1" -c "$2"
	fi
}

# seed URL ARGS...: runs seed-bench; sets RC, OUT, ERR.
seed() {
	local url=$1
	shift
	RC=0
	env DATABASE_URL="$url" SCHOOLHUB_DATA_DIR="$WORK" "$@" >"$WORK/out" 2>"$WORK/err" || RC=$?
	OUT="$(<"$WORK/out")"
	ERR="$(<"$WORK/err")"
}
last() { printf 'exit %s\nstdout: %s\nstderr: %s\n' "$RC" "$OUT" "$ERR"; }

# http METHOD PATH [TOKEN] [JSON]: sets STATUS and BODY.
http() {
	sh_http "$1" "$BASE$2" "${3:-}" "${4:-}"
	STATUS=$SH_HTTP_STATUS BODY=$SH_HTTP_BODY
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" <<<"$BODY"; }
login() {
	http POST /api/v1/auth/login "" "{\"email\":\"$1\",\"password\":\"$PASSWORD\"}"
	[[ $STATUS == 200 ]] && json 'd["access_token"]'
}

# === seeding =========================================================================

new_db main
MAIN=$URL
seed "$MAIN" "$BIN" seed-bench --families "$FAMILIES" --hot-member-transactions "$HOT"
if [[ $RC == 0 ]] && grep -q "Bench data loaded" <<<"$OUT" && grep -q "$PASSWORD" <<<"$OUT"; then
	ok "seed-bench --families $FAMILIES loads and prints the shared password"
else bad "seed-bench --families $FAMILIES loads and prints the shared password" "$(last)"; fi
DEEP="$(sed -n 's/.*deep cursor: \([0-9a-z]*\)$/\1/p' <<<"$OUT")"

parents_a="$(sql "$MAIN" "SELECT COUNT(*) FROM users WHERE email LIKE 'parent%a@bench.schoolhub.be'")"
check "one first parent per family" "$parents_a" [ "$parents_a" = "$FAMILIES" ]
orphans="$(sql "$MAIN" "SELECT COUNT(*) FROM children c WHERE NOT EXISTS (SELECT 1 FROM child_guardians g WHERE g.child_id = c.id)")"
children="$(sql "$MAIN" "SELECT COUNT(*) FROM children")"
check "$children children (1 to 3 per family), each with a guardian" "children $children, orphans $orphans" \
	[ "$children" -ge "$FAMILIES" ] && [ "$children" -le $((3 * FAMILIES)) ] && [ "$orphans" = 0 ]
classes="$(sql "$MAIN" "SELECT COUNT(DISTINCT class_name) FROM children")"
check "children across the classes M1-P6" "$classes classes" [ "$classes" -ge 6 ]
members="$(sql "$MAIN" "SELECT COUNT(*) FROM users WHERE role = 'parent'")"
accounts="$(sql "$MAIN" "SELECT COUNT(*) FROM sel_accounts WHERE kind = 'member'")"
openings="$(sql "$MAIN" "SELECT COUNT(*) FROM sel_transactions WHERE kind = 'opening'")"
check "every parent has a SEL account and its opening" "parents $members, accounts $accounts, openings $openings" \
	[ "$members" = "$accounts" ] && [ "$accounts" = "$openings" ]
history="$(sql "$MAIN" "SELECT COUNT(*) FROM sel_transactions WHERE kind <> 'opening'")"
check "$((FAMILIES * PER_FAMILY + HOT)) transactions besides the openings" "$history" \
	[ "$history" = $((FAMILIES * PER_FAMILY + HOT)) ]
kinds="$(sql "$MAIN" "SELECT COUNT(DISTINCT kind || status) FROM sel_transactions")"
check "payments and requests in every status" "$kinds kind/status pairs" [ "$kinds" -ge 5 ]
services="$(sql "$MAIN" "SELECT COUNT(*) FROM sel_services")"
check "SEL services were offered" "$services" [ "$services" -gt 0 ]
outside="$(sql "$MAIN" "SELECT COUNT(*) FROM sel_accounts WHERE kind = 'member' AND (balance < -300 OR balance > 600)")"
check "no member balance outside the default limits" "$outside" [ "$outside" = 0 ]
running="$(sql "$MAIN" "SELECT COUNT(*) FROM sel_entries e WHERE e.account_id <> '00000000-0000-0000-0000-000000000000' AND e.balance_after <> (SELECT SUM(p.amount) FROM sel_entries p WHERE p.account_id = e.account_id AND p.seq <= e.seq)")"
check "every entry's balance_after is the running sum of its account" "$running wrong" [ "$running" = 0 ]
totals="$(sql "$MAIN" "SELECT COUNT(*) FROM sel_accounts a WHERE a.kind = 'member' AND (a.total_given <> (SELECT COALESCE(SUM(t.units), 0) FROM sel_transactions t WHERE t.from_account = a.id AND t.status = 'completed') OR a.total_received + 120 <> (SELECT COALESCE(SUM(t.units), 0) FROM sel_transactions t WHERE t.to_account = a.id AND t.status = 'completed'))")"
check "total_given / total_received match the completed exchanges" "$totals wrong" [ "$totals" = 0 ]

# === through the server: audit, logins, the hot member's pages =======================

sh_server_start "$WORK/serve.log" "$BIN" DATABASE_URL="$MAIN" SCHOOLHUB_DATA_DIR="$WORK" \
	SCHOOLHUB_SECRET_KEY="$SECRET" || {
	bad "serve started" "$(cat "$WORK/serve.log")"
	exit 1
}
BASE=$SH_SERVER_BASE

admin="$(login admin@bench.schoolhub.be)" || admin=""
http GET /api/v1/admin/sel/audit "$admin"
if [[ $STATUS == 200 ]] && [[ "$(json 'd["ok"]')" == True ]] && [[ "$(json 'd["sum_of_balances"]')" == 0 ]]; then
	ok "the admin audit of the seeded ledger: ok, sum of balances 0"
else bad "the admin audit of the seeded ledger: ok, sum of balances 0" "HTTP $STATUS $BODY"; fi

parent="$(login parent${FAMILIES}a@bench.schoolhub.be)" || parent=""
http GET /api/v1/sel/balance "$parent"
check "a bench parent logs in with the shared password and has a balance" "HTTP $STATUS $BODY" \
	[ "$STATUS" = 200 ]

hot="$(login hot@bench.schoolhub.be)" || hot=""
: >"$WORK/pages"
cursor=""
pages=0
while :; do
	http GET "/api/v1/sel/transactions?limit=20${cursor:+&cursor=$cursor}" "$hot"
	[[ $STATUS == 200 ]] || break
	json '"\n".join(i["id"] for i in d["items"])' >>"$WORK/pages"
	pages=$((pages + 1))
	cursor="$(json 'd.get("next_cursor") or ""')"
	[[ -n $cursor && $pages -lt 100 ]] || break
done
hot_id="$(sql "$MAIN" "SELECT id FROM users WHERE email = 'hot@bench.schoolhub.be'")"
sql "$MAIN" "SELECT id FROM sel_transactions WHERE from_user_id = '$hot_id' OR to_user_id = '$hot_id' ORDER BY seq DESC" >"$WORK/expected"
check "the hot member's pages list its $((HOT + 1)) transactions once each, newest first" \
	"$(diff "$WORK/expected" <(grep . "$WORK/pages") | head -n 10)" diff -q "$WORK/expected" <(grep . "$WORK/pages")
http GET "/api/v1/sel/transactions?limit=20&cursor=$DEEP" "$hot"
if [[ $STATUS == 200 ]] && [[ "$(json 'len(d["items"])')" == 20 ]] &&
	[[ "$(json 'd.get("next_cursor")')" == None ]] &&
	[[ "$(json 'd["items"][-1]["kind"]')" == opening ]]; then
	ok "the printed deep cursor opens the page of the 20 oldest transactions"
else bad "the printed deep cursor opens the page of the 20 oldest transactions" "cursor '$DEEP': HTTP $STATUS $BODY"; fi
http GET "/api/v1/sel/transactions?limit=5&status=pending" "$parent"
check "the status filter still works" "HTTP $STATUS $BODY" [ "$STATUS" = 200 ]
sh_pid_stop "$SH_SERVER_PID"

# === again, determinism, refusals ====================================================

before="$(sql "$MAIN" "SELECT COUNT(*) FROM users")"
seed "$MAIN" "$BIN" seed-bench --families "$FAMILIES"
after="$(sql "$MAIN" "SELECT COUNT(*) FROM users")"
if [[ $RC == 0 ]] && grep -q "already present" <<<"$OUT" && [[ $before == "$after" ]]; then
	ok "a second seed-bench loads nothing"
else bad "a second seed-bench loads nothing" "$(last) users $before -> $after"; fi

ids="SELECT id FROM sel_transactions ORDER BY seq"
new_db same
seed "$URL" "$BIN" seed-bench --families "$FAMILIES" --hot-member-transactions "$HOT"
sql "$MAIN" "$ids" >"$WORK/ids.main"
sql "$URL" "$ids" >"$WORK/ids.same"
check "the same seed gives the same rows" "$(last)" cmp -s "$WORK/ids.main" "$WORK/ids.same"
new_db other
seed "$URL" "$BIN" seed-bench --families "$FAMILIES" --hot-member-transactions "$HOT" --seed 7
sql "$URL" "$ids" >"$WORK/ids.other"
check "another seed gives other rows" "$(last)" \
	[ -s "$WORK/ids.other" ] && ! cmp -s "$WORK/ids.main" "$WORK/ids.other"

new_db prod
seed "$URL" env SCHOOLHUB_ENV=production SCHOOLHUB_SECRET_KEY="$SECRET" "$BIN" seed-bench --families 5
if [[ $RC == 1 ]] && grep -q production <<<"$ERR"; then
	ok "seed-bench refuses SCHOOLHUB_ENV=production"
else bad "seed-bench refuses SCHOOLHUB_ENV=production" "$(last)"; fi
for args in "" "--families 0" "--families" "--families 5 --hops 3" "--families 5 --seed x"; do
	# shellcheck disable=SC2086 # the options are meant to split
	seed "$URL" "$BIN" seed-bench $args
	check "seed-bench $args: exit 2" "$(last)" [ "$RC" = 2 ]
done

if ((${#FAILURES[@]} > 0)); then
	echo "seed-bench tests: $PASSED passed, ${#FAILURES[@]} failed"
	exit 1
fi
echo "seed-bench tests: $PASSED passed"
