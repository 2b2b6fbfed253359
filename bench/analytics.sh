#!/usr/bin/env bash
# GET /api/v1/admin/analytics at 10,000 families (issue #15): latency under wrk and the
# server's CPU time per request, per backend and period (JSON and CSV).
#
#   bench/analytics.sh BUILD_DIR
#
# BUILD_DIR holds a Release build's schoolhub and schoolhub-bench. Per backend, the
# database is seeded by schoolhub-bench seed (as bench/search.sh does: the SEL history of
# every family), the admin signs in, and each query runs for ANALYTICS_SECONDS under wrk.
# After seeding, `schoolhub analytics rollup` rolls up the finished weeks and months (the
# hourly job's work; its time is printed), so the requests read the rollup for the past and
# count only the current week and month live; ANALYTICS_ROLLUP=0 leaves it out (every
# figure counted from the raw tables, as before session 9).
# The machine may be shared: besides the latencies it prints the CPU seconds the server
# process spent (utime + stime from /proc) divided by the requests served, which load on
# other processes does not inflate much; for PostgreSQL, when its server runs on this
# machine, also the CPU its backends serving the bench database spent per request.
#
# Environment (defaults in brackets):
#   ANALYTICS_BACKENDS ["sqlite postgres"]  ANALYTICS_FAMILIES [10000]
#   ANALYTICS_ROLLUP [1]  ANALYTICS_SECONDS [20]  ANALYTICS_CONNECTIONS [1: an admin's screen, one request at a time]
#   ANALYTICS_QUERIES [the 13 weeks by default, 1 year, 2 years, 2 years as CSV]
#   SCHOOLHUB_BENCH_PG_URL (required for postgres: a server where it may CREATE DATABASE)
# The server is stopped by its pid on exit and its database dropped (scripts/lib/server.sh).
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
# shellcheck source=scripts/lib/server.sh
. "$SH_ROOT/scripts/lib/server.sh"

(($# == 1)) || sh_die "usage: $0 BUILD_DIR"
BUILD=$1
BACKENDS=${ANALYTICS_BACKENDS:-sqlite postgres}
FAMILIES=${ANALYTICS_FAMILIES:-10000}
SECONDS_EACH=${ANALYTICS_SECONDS:-20}
CONNS=${ANALYTICS_CONNECTIONS:-1}
ROLLUP=${ANALYTICS_ROLLUP:-1}
today=$(date -u +%F)
year_ago=$(date -u -d "$today - 364 days" +%F)
two_years_ago=$(date -u -d "$today - 730 days" +%F)
QUERIES=${ANALYTICS_QUERIES:-"admin/analytics admin/analytics?from=$year_ago&to=$today admin/analytics?from=$two_years_ago&to=$today admin/analytics?from=$two_years_ago&to=$today&format=csv"}
SECRET="bench-secret-key-0123456789-abcdefghijklmnopqrstuv"

sh_work_dir schoolhub-analytics-bench
WORK=$SH_WORK

# CPU seconds (user + system) the process "pid" has used so far.
cpu_seconds() {
	awk -v hz="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / hz}' "/proc/$1/stat"
}

# The same summed over the PostgreSQL backends serving database "db" ("-" for SQLite, or
# when the database server is not on this machine): their work is not the server's.
db_cpu_seconds() {
	local db=$1 pid total=0
	[[ $db == postgres* ]] || { echo -; return; }
	for pid in $(psql -X -Atq "$db" -c "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"); do
		[[ -r /proc/$pid/stat ]] || { echo -; return; }
		total=$(awk -v t="$total" -v hz="$(getconf CLK_TCK)" '{printf "%.3f", t + ($14 + $15) / hz}' "/proc/$pid/stat")
	done
	echo "$total"
}

# start BACKEND: seeds a database, starts the server, signs the admin in; sets URL, TOKEN, PID.
start() {
	local backend=$1 db password port
	if [[ $backend == sqlite ]]; then
		db="sqlite:///$WORK/analytics.db"
	else
		[[ -n ${SCHOOLHUB_BENCH_PG_URL:-} ]] || sh_die "postgres needs SCHOOLHUB_BENCH_PG_URL"
		sh_pg_db_create "$SCHOOLHUB_BENCH_PG_URL" "sh_analytics_$$" || sh_die "CREATE DATABASE failed"
		db=$SH_PG_DB_URL
	fi
	DB=$db
	local env=(SCHOOLHUB_ENV=development DATABASE_URL="$db" SCHOOLHUB_DATA_DIR="$WORK"
		SCHOOLHUB_LOG_LEVEL=warn SCHOOLHUB_SECRET_KEY="$SECRET" SCHOOLHUB_MAX_CONNECTIONS_PER_IP=4096)
	env "${env[@]}" "$BUILD/schoolhub-bench" seed --families "$FAMILIES" >"$WORK/seed.out" 2>&1 ||
		{ cat "$WORK/seed.out" >&2; sh_die "seed failed"; }
	[[ $backend == sqlite ]] || psql -X -q "$db" -c ANALYZE >/dev/null
	if [[ $ROLLUP == 1 ]]; then
		local t0=$SECONDS rolled
		rolled="$(env "${env[@]}" "$BUILD/schoolhub" analytics rollup)" || sh_die "rollup failed"
		sh_log "  $rolled in $((SECONDS - t0)) s"
	fi
	password="$(sed -n 's/^Bench logins (password for all, generated for this load: \([A-Za-z0-9_-]*\)):$/\1/p' "$WORK/seed.out")"
	sh_log "  $(head -n 1 "$WORK/seed.out")"
	port="$(sh_free_port)"
	sh_server_launch "$WORK/serve.log" "$BUILD/schoolhub" "${env[@]}" SCHOOLHUB_PORT="$port"
	PID=$SH_SERVER_PID
	URL="http://127.0.0.1:$port"
	sh_server_wait_ready "$URL" 30 "$PID" || { cat "$WORK/serve.log" >&2; sh_die "not ready"; }
	sh_http POST "$URL/api/v1/auth/login" "" \
		"{\"email\":\"admin@bench.schoolhub.be\",\"password\":\"$password\"}"
	[[ $SH_HTTP_STATUS == 200 ]] || sh_die "login failed: $SH_HTTP_STATUS"
	TOKEN="$(sh_json_str access_token <<<"$SH_HTTP_BODY")"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| backend | query | requests/s | p50 | p99 | server CPU ms/request | bytes | PostgreSQL CPU ms/request |"
echo "|---|---|---|---|---|---|---|---|"
for backend in $BACKENDS; do
	sh_info "$backend: seeding $FAMILIES families" >&2
	start "$backend" >&2
	for query in $QUERIES; do
		auth="Authorization: Bearer $TOKEN"
		bytes="$(curl -fsS -H "$auth" "$URL/api/v1/$query" | wc -c)"
		cpu0="$(cpu_seconds "$PID")" db0="$(db_cpu_seconds "$DB")"
		out="$(wrk -t1 -c"$CONNS" -d"${SECONDS_EACH}s" --timeout 60s --latency -H "$auth" "$URL/api/v1/$query")"
		cpu1="$(cpu_seconds "$PID")" db1="$(db_cpu_seconds "$DB")"
		requests="$(awk '/requests in/ {print $1}' <<<"$out")"
		rps="$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out")"
		p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
		p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
		non2xx="$(awk '/Non-2xx or 3xx responses/ {print $NF}' <<<"$out")"
		[[ -z $non2xx ]] || sh_die "$query: $non2xx answers were not 2xx"
		cpu_ms="$(awk -v a="$cpu0" -v b="$cpu1" -v n="$requests" 'BEGIN {printf "%.2f", (b - a) * 1000 / n}')"
		db_ms=-
		[[ $db0 == - || $db1 == - ]] ||
			db_ms="$(awk -v a="$db0" -v b="$db1" -v n="$requests" 'BEGIN {printf "%.2f", (b - a) * 1000 / n}')"
		echo "| $backend | \`${query//$today/TODAY}\` | $rps | $p50 | $p99 | $cpu_ms | $bytes | $db_ms |"
	done
	sh_pid_stop "$PID"
	[[ $backend == sqlite ]] && rm -f "$WORK"/analytics.db*
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
