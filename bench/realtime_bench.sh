#!/usr/bin/env bash
# The realtime channel under many sockets (docs/PERFORMANCE.md, "Realtime"): seeds a fresh
# database with 10,000 members, the first 1,000 of them guardians of a child in P1 (so P1's
# class conversation has 1,000 members), starts `schoolhub serve` on it and runs
# build/bench_realtime_clients against it:
#   fanout  1,000 sockets, one per P1 member; ROUNDS messages posted to P1, each timed from
#           the POST to every socket's receipt;
#   idle    10,000 sockets, one per member, authenticated and left idle for SECONDS.
#
#   bench/realtime_bench.sh build/schoolhub sqlite|postgres [fanout|idle|all] [ROUNDS] [SECONDS]
#
# postgres uses SCHOOLHUB_TEST_PG_URL (a server where it may create and drop a database).
# Prints the load average with every number: on a shared machine they move with it.
set -euo pipefail
bin=$(realpath "$1") backend=$2 mode=${3:-all} rounds=${4:-20} seconds=${5:-30}
here=$(cd "$(dirname "$0")" && pwd)
client=${BENCH_CLIENT:-$(dirname "$bin")/bench_realtime_clients}
members=10000 class_members=1000

# 10,000 authenticated sockets need 10,000 descriptors on each side.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt $((members + 1000)) ]; then
	echo "ulimit -n is $(ulimit -n): raise the hard limit to at least $((members + 1000))" >&2
	exit 1
fi

work=$(mktemp -d /tmp/rtbench.XXXXXX)
server_pid= pg_db=
cleanup() {
	if [ -n "$server_pid" ]; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [ -n "$pg_db" ]; then
		psql -X -q "$SCHOOLHUB_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

case $backend in
sqlite) url=sqlite:///$work/bench.db ;;
postgres)
	: "${SCHOOLHUB_TEST_PG_URL:?set SCHOOLHUB_TEST_PG_URL}"
	pg_db=rtbench_$$
	psql -X -q "$SCHOOLHUB_TEST_PG_URL" -c "CREATE DATABASE $pg_db"
	url=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit((p.scheme, p.netloc, "/" + sys.argv[2], p.query, "")))' "$SCHOOLHUB_TEST_PG_URL" "$pg_db")
	;;
*) echo "backend: sqlite or postgres" >&2; exit 2 ;;
esac
DATABASE_URL=$url "$bin" migrate >/dev/null

seed_sql() { # $1: an SQL expression that writes the number @N@ as 12 digits
	local d=$1
	cat <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $members)
INSERT INTO users (id, email, password_hash, first_name, last_name, created_at, updated_at)
SELECT CAST('40000000-0000-4000-8000-' || ${d//@N@/i} AS UUIDTYPE), 'rt' || i || '@bench.invalid', 'x', 'F' || i, 'L' || i,
       CAST('2026-01-01T00:00:00Z' AS TSTYPE), CAST('2026-01-01T00:00:00Z' AS TSTYPE) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $class_members)
INSERT INTO children (id, first_name, last_name, class_name, created_at, updated_at)
SELECT CAST('50000000-0000-4000-8000-' || ${d//@N@/i} AS UUIDTYPE), 'C', 'K', 'P1',
       CAST('2026-01-01T00:00:00Z' AS TSTYPE), CAST('2026-01-01T00:00:00Z' AS TSTYPE) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $class_members)
INSERT INTO child_guardians (child_id, user_id, created_at)
SELECT CAST('50000000-0000-4000-8000-' || ${d//@N@/i} AS UUIDTYPE), CAST('40000000-0000-4000-8000-' || ${d//@N@/i} AS UUIDTYPE),
       CAST('2026-01-01T00:00:00Z' AS TSTYPE) FROM n;
COMMIT;
SQL
}
case $backend in
sqlite)
	seed_sql "printf('%012d', @N@)" | sed 's/AS UUIDTYPE/AS TEXT/g; s/AS TSTYPE/AS TEXT/g' | sqlite3 "$work/bench.db"
	conv=$(sqlite3 "$work/bench.db" "SELECT id FROM conversations WHERE class_name = 'P1'")
	;;
postgres)
	seed_sql "lpad(CAST(@N@ AS TEXT), 12, '0')" | sed 's/AS UUIDTYPE/AS UUID/g; s/AS TSTYPE/AS TIMESTAMPTZ/g' |
		psql -X -q -v ON_ERROR_STOP=1 "$url"
	psql -X -q "$url" -c ANALYZE
	conv=$(psql -X -qAt "$url" -c "SELECT id FROM conversations WHERE class_name = 'P1'")
	;;
esac
for i in $(seq 1 $members); do printf '40000000-0000-4000-8000-%012d\n' "$i"; done >"$work/members"
head -n $class_members "$work/members" >"$work/class_members"

export SCHOOLHUB_SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
mkdir -p "$work/data"
env -i PATH="$PATH" HOME="$HOME" SCHOOLHUB_ENV=development SCHOOLHUB_SECRET_KEY="$SCHOOLHUB_SECRET_KEY" \
	SCHOOLHUB_HOST=127.0.0.1 SCHOOLHUB_PORT=0 SCHOOLHUB_REALTIME_PORT=0 DATABASE_URL="$url" \
	SCHOOLHUB_DATA_DIR="$work/data" SCHOOLHUB_THREADS="${SCHOOLHUB_THREADS:-2}" \
	SCHOOLHUB_LOG_LEVEL=info SCHOOLHUB_AUTH_IP_LIMIT=0 \
	SCHOOLHUB_REALTIME_MAX_PER_IP=65536 \
	"$bin" serve >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
	http_port=$(sed -n 's|.*listening on http://[^ ]*:\([0-9]*\).*|\1|p' "$work/serve.log" | head -n1)
	ws_port=$(sed -n 's|.*realtime listening on ws://[^ ]*:\([0-9]*\)/.*|\1|p' "$work/serve.log" | head -n1)
	[ -n "$http_port" ] && [ -n "$ws_port" ] && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
	sleep 0.1
done
[ -n "$ws_port" ] || { echo "the server did not start" >&2; cat "$work/serve.log" >&2; exit 1; }
export BENCH_SERVER_PID=$server_pid
echo "== $backend, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
perf_pid=
if [ -n "${BENCH_PERF:-}" ]; then # BENCH_PERF=1: where the server spends its CPU (perf record)
	perf record -q -F 499 -g -p "$server_pid" -o "$work/perf.data" >/dev/null 2>&1 &
	perf_pid=$!
fi
if [ "$mode" = fanout ] || [ "$mode" = all ]; then
	"$client" fanout 127.0.0.1 "$ws_port" "$http_port" "$work/class_members" $class_members "$rounds" "$conv" || status=1
fi
if [ "$mode" = idle ] || [ "$mode" = all ]; then
	"$client" idle 127.0.0.1 "$ws_port" "$http_port" "$work/members" $members "$seconds" || status=1
fi
if [ -n "$perf_pid" ]; then
	kill -INT "$perf_pid"
	wait "$perf_pid" || true
	perf report -i "$work/perf.data" --stdio --no-children --sort comm,dso,symbol 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -n "${BENCH_PERF_LINES:-25}"
fi
if [ $status -ne 0 ]; then
	echo "--- server log (last lines)" >&2
	tail -n 20 "$work/serve.log" >&2
fi
exit $status
