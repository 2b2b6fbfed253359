#!/usr/bin/env bash
# Soak test (not in CI): the Release build under a mixed load for a long time, to see
# memory or latency creep. wrk with 200 connections runs bench/soak.lua (about 70 % reads,
# 30 % SEL payments, all authenticated) in back-to-back 30 s runs; after each run one line:
# requests/s, errors (non-2xx and socket errors), p50/p99 and the server's RSS. At the end,
# a verdict: the highest RSS of the second half of the soak must stay within 5 % of the
# highest of the first half (which holds the warm-up: SQLite page caches, connection
# buffers, malloc arenas; comparing peaks with peaks ignores the sampling jitter), errors
# must be 0 and the SEL audit ok.
#
# usage: bench/soak.sh [sqlite|postgres (default sqlite)]
# Environment:
#   SOAK_SECONDS          total duration (default 600: 10 minutes)
#   SOAK_INTERVAL         seconds per wrk run, one report line each (default 30)
#   SOAK_CONNECTIONS      wrk connections (default 200)
#   SOAK_MEMBERS_N        members the load is spread over (default 40)
#   SOAK_RSS_GROWTH_PCT   RSS growth allowed over the second half (default 5)
#   BUILD_DIR             Release build holding schoolhub (default build)
#   SCHOOLHUB_TEST_PG_URL PostgreSQL server for a throwaway database (postgres)
# Exit status: 0 when the verdict is "flat" with no errors, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/common.sh
. scripts/lib/common.sh
# shellcheck source=scripts/lib/server.sh
. scripts/lib/server.sh
BACKEND=${1:-sqlite}
SECONDS_TOTAL=${SOAK_SECONDS:-600}
INTERVAL=${SOAK_INTERVAL:-30}
CONNS=${SOAK_CONNECTIONS:-200}
MEMBERS_N=${SOAK_MEMBERS_N:-40}
GROWTH_PCT=${SOAK_RSS_GROWTH_PCT:-5}
BUILD=${BUILD_DIR:-build}
[[ $BACKEND == sqlite || $BACKEND == postgres ]] || { echo "usage: $0 [sqlite|postgres]" >&2; exit 2; }
((SECONDS_TOTAL >= 2 * INTERVAL)) || { echo "soak: SOAK_SECONDS must be at least 2 x SOAK_INTERVAL" >&2; exit 2; }

sh_install_packages "${SH_BENCH_PACKAGES[@]}"
[[ -x "$BUILD/schoolhub" ]] || {
	echo "soak: build first: cmake -S . -B $BUILD -DCMAKE_BUILD_TYPE=Release && cmake --build $BUILD -j" >&2
	exit 1
}
grep -q 'CMAKE_BUILD_TYPE:STRING=Release' "$BUILD/CMakeCache.txt" 2>/dev/null ||
	echo "soak: warning: $BUILD is not a Release build" >&2

# The server, wrk and the database are stopped and dropped on exit (server.sh).
sh_work_dir schoolhub-soak
WORK=$SH_WORK

field() { awk -v k="$1" '{for (i = 1; i <= NF; i++) {split($i, a, "="); if (a[1] == k) print a[2]}}' <<<"$2"; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"; }

# --- the server ---------------------------------------------------------------------------
if [[ $BACKEND == sqlite ]]; then
	url="sqlite:///$WORK/soak.db"
else
	[[ -n ${SCHOOLHUB_TEST_PG_URL:-} ]] || { echo "soak: SCHOOLHUB_TEST_PG_URL is not set" >&2; exit 1; }
	sh_pg_db_create "$SCHOOLHUB_TEST_PG_URL" "sh_soak_$$"
	url=$SH_PG_DB_URL
fi
# The startup line is info, not logged at warn: a free port, then /ready.
port=$(sh_free_port) || { echo "soak: no free port" >&2; exit 1; }
sh_server_launch "$WORK/server.log" "$BUILD/schoolhub" SCHOOLHUB_ENV=development DATABASE_URL="$url" SCHOOLHUB_DATA_DIR="$WORK" \
	SCHOOLHUB_PORT="$port" SCHOOLHUB_LOG_LEVEL=warn SCHOOLHUB_MAX_CONNECTIONS_PER_IP=4096 \
	SCHOOLHUB_SECRET_KEY="soak-secret-key-0123456789-abcdefghijklmnopqrstuvw"
SERVER_PID=$SH_SERVER_PID
BASE="http://127.0.0.1:$port"
sh_server_wait_ready "$BASE" 10 "$SERVER_PID" || {
	cat "$WORK/server.log" >&2
	echo "soak: the server did not start" >&2
	exit 1
}

# Members: access tokens live 15 minutes, longer than the default soak.
: >"$WORK/members"
for i in $(seq 0 "$MEMBERS_N"); do
	curl -fsS -o "$WORK/reg.json" -X POST "$BASE/api/v1/auth/register" -H 'Content-Type: application/json' \
		-d "{\"email\":\"soak$i@example.be\",\"password\":\"soak password $i\",\"first_name\":\"Soak\",\"last_name\":\"M$i\"}"
	if ((i == MEMBERS_N)); then
		admin_token=$(sh_json_str access_token "$WORK/reg.json")
	else
		echo "$(sh_json_str access_token "$WORK/reg.json") $(sh_json_str id "$WORK/reg.json")" >>"$WORK/members"
	fi
done
DATABASE_URL="$url" "$BUILD/schoolhub" user promote "soak$MEMBERS_N@example.be" --role admin >/dev/null

runs=$((SECONDS_TOTAL / INTERVAL))
echo "soak: $BACKEND, $runs x ${INTERVAL}s of wrk -t2 -c$CONNS (bench/soak.lua: 70 % reads, 30 % payments), $MEMBERS_N members, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ), server RSS at start $(rss_kb) kB"
printf '%8s %10s %8s %8s %9s %9s %10s\n' elapsed req/s errors non2xx p50_ms p99_ms rss_kB
errors_total=0
RSS=()
for ((r = 1; r <= runs; r++)); do
	SOAK_MEMBERS="$WORK/members" wrk -t2 -c"$CONNS" -d"${INTERVAL}s" --timeout 10s \
		-s bench/soak.lua "$BASE" >"$WORK/wrk.out" 2>&1 &
	WRK_PID=$!
	sh_pid_track "$WRK_PID"
	sh_pid_reap "$WRK_PID"
	((SH_PID_RC == 0)) || { cat "$WORK/wrk.out" >&2; exit 1; }
	sh_pid_running "$SERVER_PID" || { echo "soak: the server died" >&2; tail -n 20 "$WORK/server.log" >&2; exit 1; }
	line=$(grep '^SOAK' "$WORK/wrk.out") || { cat "$WORK/wrk.out" >&2; exit 1; }
	non2xx=$(field non2xx "$line")
	socket=$(($(field connect "$line") + $(field read "$line") + $(field write "$line") + $(field timeout "$line")))
	errors=$((non2xx + socket))
	errors_total=$((errors_total + errors))
	rss=$(rss_kb)
	RSS+=("$rss")
	rate=$(awk -v n="$(field requests "$line")" -v s="$(field seconds "$line")" 'BEGIN {printf "%.0f", n / s}')
	printf '%7ds %10s %8s %8s %9s %9s %10s\n' "$((r * INTERVAL))" "$rate" "$errors" "$non2xx" \
		"$(field p50_ms "$line")" "$(field p99_ms "$line")" "$rss"
done

# --- verdict -------------------------------------------------------------------------------
code=$(curl -s -o "$WORK/audit.json" -w '%{http_code}' "$BASE/api/v1/admin/sel/audit" -H "Authorization: Bearer $admin_token")
audit=bad
[[ $code == 200 ]] && grep -q '"ok":true' "$WORK/audit.json" && audit=ok
half=$((runs / 2))
first_max=0
second_max=0
for ((i = 0; i < runs; i++)); do
	if ((i < half)); then
		((RSS[i] > first_max)) && first_max=${RSS[i]}
	else
		((RSS[i] > second_max)) && second_max=${RSS[i]}
	fi
done
growth=$(awk -v a="$first_max" -v b="$second_max" 'BEGIN {printf "%.1f", (b - a) * 100 / a}')
flat=$(awk -v g="$growth" -v l="$GROWTH_PCT" 'BEGIN {print (g < l) ? "flat" : "GROWING"}')
echo "verdict: RSS $flat (peak ${first_max} kB in the first $((half * INTERVAL))s, ${second_max} kB after: ${growth} %, limit +${GROWTH_PCT} %); errors $errors_total; SEL audit $audit"
[[ $flat == flat && $errors_total == 0 && $audit == ok ]]
