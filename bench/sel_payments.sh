#!/usr/bin/env bash
# Committed SEL payments per second with 16 concurrent clients (wrk, bench/sel_payments.lua)
# against the Release build, on SQLite and on PostgreSQL, with the ledger invariants checked
# after each run (admin audit ok, sum of balances 0, every 201 booked exactly once).
# Targets (issue #3): >= 3,000/s on SQLite, >= 1,000/s on a local PostgreSQL.
#
# usage: bench/sel_payments.sh [seconds (default 10)] [sqlite|postgres|both (default both)]
# Environment:
#   BUILD_DIR             Release build holding schoolhub (default build)
#   SCHOOLHUB_TEST_PG_URL PostgreSQL server where a throwaway database is created (postgres)
#   SEL_BENCH_MEMBERS_N   members in the payment ring (default 32)
#   SEL_BENCH_THREADS     SCHOOLHUB_THREADS of the server (default: the server's default)
#   SEL_BENCH_PERF=1      record a perf profile of the server during the run (perf.<backend>.data)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
WHICH=${2:-both}
BUILD=${BUILD_DIR:-build}
CONNS=16
MEMBERS_N=${SEL_BENCH_MEMBERS_N:-32}

command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
[[ -x "$BUILD/schoolhub" ]] || {
	echo "bench: build first: cmake -S . -B $BUILD -DCMAKE_BUILD_TYPE=Release && cmake --build $BUILD -j" >&2
	exit 1
}
grep -q 'CMAKE_BUILD_TYPE:STRING=Release' "$BUILD/CMakeCache.txt" 2>/dev/null ||
	echo "bench: warning: $BUILD is not a Release build" >&2

WORK=$(mktemp -d)
SERVER_PID=""
PERF_PID=""
PG_ADMIN_URL=${SCHOOLHUB_TEST_PG_URL:-}
PG_DB=""
# shellcheck disable=SC2317 # only called through the EXIT trap
cleanup() {
	set +e
	[[ -n "$PERF_PID" ]] && kill -INT "$PERF_PID" 2>/dev/null && wait "$PERF_PID" 2>/dev/null
	if [[ -n "$SERVER_PID" ]]; then
		kill "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	[[ -n "$PG_DB" ]] && psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

# field KEY LINE: the value of KEY=value in the wrk script's summary line.
field() { awk -v k="$1" '{for (i = 1; i <= NF; i++) {split($i, a, "="); if (a[1] == k) print a[2]}}' <<<"$2"; }
json_str() { grep -o "\"$1\":\"[^\"]*\"" "$2" | head -n 1 | sed "s/^\"$1\":\"//; s/\"\$//"; }

# run_backend sqlite|postgres: prints one Markdown table row.
run_backend() {
	local backend=$1 url port
	if [[ "$backend" == sqlite ]]; then
		rm -f "$WORK"/bench.db*
		url="sqlite:///$WORK/bench.db"
	else
		[[ -n "$PG_ADMIN_URL" ]] || { echo "bench: SCHOOLHUB_TEST_PG_URL is not set" >&2; return 1; }
		PG_DB="sh_bench_$$"
		psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE \"$PG_DB\"" >/dev/null
		local base=${PG_ADMIN_URL%%\?*}
		url="${base%/*}/$PG_DB"
	fi
	: >"$WORK/server.log"
	env DATABASE_URL="$url" SCHOOLHUB_DATA_DIR="$WORK" SCHOOLHUB_PORT=0 SCHOOLHUB_LOG_LEVEL=warn \
		SCHOOLHUB_SECRET_KEY="bench-secret-key-0123456789-abcdefghijklmnopqrstuv" \
		SCHOOLHUB_MAX_CONNECTIONS_PER_IP=1024 ${SEL_BENCH_THREADS:+SCHOOLHUB_THREADS=$SEL_BENCH_THREADS} \
		"$BUILD/schoolhub" serve >"$WORK/server.log" 2>&1 &
	SERVER_PID=$!
	# The port is chosen by the kernel; the startup line (info) is not logged at warn, so
	# read it from /proc.
	port=""
	for _ in $(seq 1 100); do
		port=$(ss -Hltnp 2>/dev/null | grep "pid=$SERVER_PID," | sed -n 's/.*:\([0-9][0-9]*\) .*/\1/p' | head -n 1 || true)
		[[ -n "$port" ]] && break
		sleep 0.1
	done
	[[ -n "$port" ]] || { echo "bench: the server did not start" >&2; cat "$WORK/server.log" >&2; return 1; }
	local base_url="http://127.0.0.1:$port"

	: >"$WORK/members"
	local i admin_token
	for i in $(seq 0 "$MEMBERS_N"); do
		curl -fsS -o "$WORK/reg.json" -X POST "$base_url/api/v1/auth/register" \
			-H 'Content-Type: application/json' \
			-d "{\"email\":\"bench$i@example.be\",\"password\":\"benchmark password\",\"first_name\":\"Bench\",\"last_name\":\"M$i\"}"
		if [[ "$i" -eq "$MEMBERS_N" ]]; then
			admin_token=$(json_str access_token "$WORK/reg.json")
		else
			echo "$(json_str access_token "$WORK/reg.json") $(json_str id "$WORK/reg.json")" >>"$WORK/members"
		fi
	done
	DATABASE_URL="$url" "$BUILD/schoolhub" user promote "bench$MEMBERS_N@example.be" --role admin >/dev/null

	if [[ "${SEL_BENCH_PERF:-0}" == 1 ]]; then
		perf record -g -o "perf.$backend.data" -p "$SERVER_PID" >/dev/null 2>&1 &
		PERF_PID=$!
	fi
	local out
	out=$(SEL_BENCH_MEMBERS="$WORK/members" wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency \
		-s bench/sel_payments.lua "$base_url")
	if [[ -n "$PERF_PID" ]]; then
		kill -INT "$PERF_PID" 2>/dev/null
		wait "$PERF_PID" 2>/dev/null || true
		PERF_PID=""
	fi
	local line created other seconds p50 p99
	line=$(grep '^SEL_BENCH' <<<"$out")
	created=$(field created "$line")
	other=$(field other "$line")
	seconds=$(field seconds "$line")
	p50=$(field p50_ms "$line")
	p99=$(field p99_ms "$line")

	# Invariants after the run.
	curl -fsS -o "$WORK/audit.json" "$base_url/api/v1/admin/sel/audit" -H "Authorization: Bearer $admin_token"
	grep -q '"ok":true' "$WORK/audit.json" || { echo "bench: audit not ok: $(cat "$WORK/audit.json")" >&2; return 1; }
	grep -q '"sum_of_balances":0[,}]' "$WORK/audit.json" || { echo "bench: sum not 0" >&2; return 1; }
	local booked
	booked=$(if [[ "$backend" == sqlite ]]; then
			sqlite3 "$WORK/bench.db" "SELECT COUNT(*) FROM sel_transactions WHERE kind = 'payment'" 2>/dev/null
		else
			psql -Atq "${PG_ADMIN_URL%/*}/$PG_DB" -c "SELECT COUNT(*) FROM sel_transactions WHERE kind = 'payment'"
		fi) || booked="?"
	# wrk drops the answers still in flight when the time is up: at most one per connection
	# may be booked without having been counted.
	if [[ "$booked" != "?" ]] && ((booked < created || booked > created + CONNS)); then
		echo "bench: $created payments answered 201 but $booked booked" >&2
		return 1
	fi
	[[ "$other" -eq 0 ]] || echo "bench: $backend: $other answers were not 201" >&2

	kill "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=""
	if [[ "$backend" == postgres ]]; then
		psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null
		PG_DB=""
	fi
	local rate
	rate=$(awk -v c="$created" -v s="$seconds" 'BEGIN {printf "%.0f", c / s}')
	echo "| $backend | $rate | $created | $other | $p50 ms | $p99 ms | ok (booked: $booked) |"
}

echo "wrk -t2 -c$CONNS -d${DURATION}s, $MEMBERS_N members paying 1 unit around a ring, $(nproc) cores, $(date -u +%Y-%m-%d), Release build ($BUILD)"
echo
echo "| backend | committed payments/s | 201 | other | p50 | p99 | invariants |"
echo "|---|---|---|---|---|---|---|"
[[ "$WHICH" == sqlite || "$WHICH" == both ]] && run_backend sqlite
[[ "$WHICH" == postgres || "$WHICH" == both ]] && run_backend postgres
exit 0
