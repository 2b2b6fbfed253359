#!/usr/bin/env bash
# Throughput and latency of the Release build with wrk, against the bare libmicrohttpd
# baseline in the same run. Prints a Markdown table for docs/PERFORMANCE.md.
#
# usage: bench/run.sh [seconds-per-run (default 10)] [connections (default 50)]
# Needs: wrk (apt-get install wrk), a Release build in build/ (scripts/test.sh makes one).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNS=${2:-50}
THREADS=$(nproc)
BUILD=${BUILD_DIR:-build}

command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
[ -x "$BUILD/schoolhub" ] && [ -x "$BUILD/bench_bare" ] || {
	echo "bench: build first: cmake -S . -B $BUILD -DCMAKE_BUILD_TYPE=Release && cmake --build $BUILD -j" >&2
	exit 1
}

WORK=$(mktemp -d)
PIDS=()
cleanup() {
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap cleanup EXIT

BARE_PORT=18181
APP_PORT=18182
"$BUILD/bench_bare" "$BARE_PORT" "$THREADS" &
PIDS+=($!)
DATABASE_URL="sqlite:///$WORK/bench.db" SCHOOLHUB_DATA_DIR="$WORK" SCHOOLHUB_PORT=$APP_PORT \
	SCHOOLHUB_LOG_LEVEL=warn SCHOOLHUB_MAX_CONNECTIONS_PER_IP=1024 \
	"$BUILD/schoolhub" serve &
APP_PID=$!
PIDS+=($APP_PID)
for _ in $(seq 50); do
	curl -fs "http://127.0.0.1:$APP_PORT/health" >/dev/null && curl -fs "http://127.0.0.1:$BARE_PORT/" >/dev/null && break
	sleep 0.1
done
sleep 1
IDLE_RSS_KB=$(awk '/VmRSS/ {print $2}' "/proc/$APP_PID/status")

TOKEN=$(curl -fs -X POST "http://127.0.0.1:$APP_PORT/api/v1/auth/register" \
	-H 'Content-Type: application/json' \
	-d '{"email":"bench@example.be","password":"benchmark password","first_name":"Bench","last_name":"Mark"}' |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

# run NAME URL [header]: prints "NAME|requests/s|p50|p99"
run() {
	local name=$1 url=$2 out
	shift 2
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "$@" "$url")
	local rps p50 p99
	rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
	p50=$(awk '$1=="50%" {print $2}' <<<"$out")
	p99=$(awk '$1=="99%" {print $2}' <<<"$out")
	if grep -q "Non-2xx" <<<"$out"; then echo "bench: $name had non-2xx answers" >&2; exit 1; fi
	echo "$name|$rps|$p50|$p99"
}

BARE=$(run "bare libmicrohttpd" "http://127.0.0.1:$BARE_PORT/")
HEALTH=$(run "GET /health" "http://127.0.0.1:$APP_PORT/health")
ME=$(run "GET /api/v1/users/me" "http://127.0.0.1:$APP_PORT/api/v1/users/me" -H "Authorization: Bearer $TOKEN")
BUSY_RSS_KB=$(awk '/VmRSS/ {print $2}' "/proc/$APP_PID/status")

bare_rps=$(cut -d'|' -f2 <<<"$BARE")
echo
echo "wrk -t$THREADS -c$CONNS -d${DURATION}s on $(nproc) cores, $(date -u +%Y-%m-%d), SQLite, Release build"
echo
echo "| endpoint | requests/s | p50 | p99 | vs bare |"
echo "|---|---|---|---|---|"
for row in "$BARE" "$HEALTH" "$ME"; do
	IFS='|' read -r name rps p50 p99 <<<"$row"
	ratio=$(awk -v a="$rps" -v b="$bare_rps" 'BEGIN {printf "%.2f", a / b}')
	echo "| $name | $rps | $p50 | $p99 | ${ratio}x |"
done
echo
echo "Idle RSS: $((IDLE_RSS_KB / 1024)) MB ($IDLE_RSS_KB kB); after the runs: $((BUSY_RSS_KB / 1024)) MB"
