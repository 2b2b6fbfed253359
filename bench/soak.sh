#!/usr/bin/env bash
# Soak test (scripts/test.sh runs a short one: 90 s on SQLite, 60 s on PostgreSQL): the Release build under a mixed load for a long time, to see
# memory or latency creep. wrk with 200 connections runs bench/soak.lua (about 70 % reads,
# 30 % SEL payments, all authenticated) in back-to-back 30 s runs; after each run one line:
# requests/s, errors (non-2xx and socket errors), p50/p99 and the server's RSS. At the end,
# a verdict: the median RSS of the second half of the soak must stay within 5 % of the
# median of the first half (see "RSS growth" below for why medians, not peaks), errors
# must be 0 and the SEL audit ok. Also checked: p99 of every run under SOAK_P99_MAX_MS, the
# SQLite write-ahead log (sampled every SOAK_SAMPLE seconds, beside wrk) never past
# SOAK_WAL_MAX_MB, and the server stopping within SOAK_STOP_SECONDS of SIGTERM.
#
# usage: bench/soak.sh [sqlite|postgres (default sqlite)]
# Environment:
#   SOAK_SECONDS          total duration (default 600: 10 minutes)
#   SOAK_INTERVAL         seconds per wrk run, one report line each (default 30)
#   SOAK_CONNECTIONS      wrk connections (default 200)
#   SOAK_MEMBERS_N        members the load is spread over (default 40)
#   SOAK_RSS_GROWTH_PCT   RSS growth allowed over the second half (default 5)
#   SOAK_P99_MAX_MS       p99 allowed in every run (default 250)
#   SOAK_P99_RATIO_MAX    if set, a run's p99 over SOAK_P99_MAX_MS still passes while it
#                         stays under this many times the run's p50: on a starved CPU
#                         every request is slower alike, a stall makes p99 stand out (CI)
#   SOAK_WAL_MAX_MB       largest SQLite WAL file allowed (default 160)
#   SOAK_STOP_SECONDS     time allowed from SIGTERM to the server's exit (default 15)
#   SOAK_SAMPLE           seconds between WAL/RSS samples (default 5; log in $SOAK_SAMPLES_LOG)
#   BUILD_DIR             Release build holding schoolhub (default build)
#   SCHOOLHUB_TEST_PG_URL PostgreSQL server for a throwaway database (postgres)
# Exit status: 0 when every check passed (the last line says "soak: PASS"), 1 otherwise.
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
P99_MAX_MS=${SOAK_P99_MAX_MS:-250}
P99_RATIO_MAX=${SOAK_P99_RATIO_MAX:-0}
WAL_MAX_MB=${SOAK_WAL_MAX_MB:-160}
STOP_SECONDS=${SOAK_STOP_SECONDS:-15}
SAMPLE=${SOAK_SAMPLE:-5}
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
		-d "{\"email\":\"soak$i@example.be\",\"password\":\"soak password $i\",\"first_name\":\"Soak\",\"last_name\":\"M$i\",\"privacy_version\":\"2026-12-09\"}"
	if ((i == MEMBERS_N)); then
		admin_token=$(sh_json_str access_token "$WORK/reg.json")
	else
		echo "$(sh_json_str access_token "$WORK/reg.json") $(sh_json_str id "$WORK/reg.json")" >>"$WORK/members"
	fi
done
DATABASE_URL="$url" "$BUILD/schoolhub" user promote "soak$MEMBERS_N@example.be" --role admin >/dev/null

# The WAL file (SQLite) and the RSS every SAMPLE seconds, one "epoch wal_bytes rss_kB" line
# each: a run's row shows the largest WAL seen during it.
WAL_FILE="$WORK/soak.db-wal"
SAMPLES=${SOAK_SAMPLES_LOG:-$WORK/samples}
: >"$SAMPLES"
(
	while sleep "$SAMPLE"; do
		echo "$(date +%s) $(stat -c %s "$WAL_FILE" 2>/dev/null || echo 0) $(rss_kb 2>/dev/null || echo 0)"
	done >>"$SAMPLES"
) &
SAMPLER_PID=$!
sh_pid_track "$SAMPLER_PID"
wal_max_since() { awk -v t="$1" '$1 >= t && $2 > m {m = $2} END {printf "%.1f", m / 1048576}' "$SAMPLES"; }

runs=$((SECONDS_TOTAL / INTERVAL))
echo "soak: $BACKEND, $runs x ${INTERVAL}s of wrk -t2 -c$CONNS (bench/soak.lua: 70 % reads, 30 % payments), $MEMBERS_N members, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ), server RSS at start $(rss_kb) kB"
printf '%8s %10s %8s %8s %9s %9s %10s %10s\n' elapsed req/s errors non2xx p50_ms p99_ms rss_kB wal_max_MB
errors_total=0
slow_runs=0
p99_worst=0
RSS=()
for ((r = 1; r <= runs; r++)); do
	run_start=$(date +%s)
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
	p99=$(field p99_ms "$line")
	awk -v p="$p99" -v m="$P99_MAX_MS" -v p50="$(field p50_ms "$line")" -v r="$P99_RATIO_MAX" \
		'BEGIN {exit !(p > m && (r == 0 || p > r * p50))}' && slow_runs=$((slow_runs + 1))
	p99_worst=$(awk -v p="$p99" -v w="$p99_worst" 'BEGIN {print (p > w) ? p : w}')
	printf '%7ds %10s %8s %8s %9s %9s %10s %10s\n' "$((r * INTERVAL))" "$rate" "$errors" "$non2xx" \
		"$(field p50_ms "$line")" "$p99" "$rss" "$(wal_max_since "$run_start")"
done

# --- verdict -------------------------------------------------------------------------------
code=$(curl -s -o "$WORK/audit.json" -w '%{http_code}' "$BASE/api/v1/admin/sel/audit" -H "Authorization: Bearer $admin_token")
audit=bad
[[ $code == 200 ]] && grep -q '"ok":true' "$WORK/audit.json" && audit=ok
# RSS growth compares the medians of the runs' end-of-run RSS, first half against second: a
# leak lifts every sample, while one run's burst of connection buffers and malloc arenas
# (seen on both backends: +1.5 MB for a run or two under a busy CPU, then back down) lifts
# only a peak. The first half holds the warm-up, so its median errs low: the check stays
# on the strict side. Peaks are still reported.
half=$((runs / 2))
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
peak() { printf '%s\n' "$@" | sort -n | tail -n1; }
first_median=$(median "${RSS[@]:0:half}")
second_median=$(median "${RSS[@]:half}")
first_max=$(peak "${RSS[@]:0:half}")
second_max=$(peak "${RSS[@]:half}")
growth=$(awk -v a="$first_median" -v b="$second_median" 'BEGIN {printf "%.1f", (b - a) * 100 / a}')
flat=$(awk -v g="$growth" -v l="$GROWTH_PCT" 'BEGIN {print (g < l) ? "flat" : "GROWING"}')
wal_max=$(wal_max_since 0)
wal=$(awk -v w="$wal_max" -v m="$WAL_MAX_MB" 'BEGIN {print (w <= m) ? "bounded" : "UNBOUNDED"}')
latency=$( ((slow_runs == 0)) && echo ok || echo SLOW)
# The stop: SIGTERM with the load just over; the server drains, closes the database
# (SQLite checkpoints what is left of the WAL) and exits.
sh_pid_stop "$SAMPLER_PID" TERM 5
stop_start=$(date +%s%N)
sh_pid_stop "$SERVER_PID" TERM "$STOP_SECONDS"
stop_ms=$((($(date +%s%N) - stop_start) / 1000000))
stopped=$( ((SH_PID_RC == 0)) && echo clean || echo "NOT CLEAN (status $SH_PID_RC)")
echo "verdict: RSS $flat (median ${first_median} kB in the first $((half * INTERVAL))s, ${second_median} kB after: ${growth} %, limit +${GROWTH_PCT} %; peaks ${first_max} and ${second_max} kB); errors $errors_total; SEL audit $audit"
ratio_text=$( ((P99_RATIO_MAX == 0)) || echo " and ${P99_RATIO_MAX} x p50")
echo "verdict: p99 $latency (worst ${p99_worst} ms, $slow_runs of $runs runs over ${P99_MAX_MS} ms$ratio_text); WAL $wal (largest ${wal_max} MB, limit ${WAL_MAX_MB} MB); stop $stopped in ${stop_ms} ms (limit ${STOP_SECONDS} s)"
if [[ $flat == flat && $errors_total == 0 && $audit == ok && $latency == ok && $wal == bounded && $stopped == clean ]]; then
	echo "soak: PASS ($BACKEND)"
else
	echo "soak: FAIL ($BACKEND)"
	exit 1
fi
