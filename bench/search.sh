#!/usr/bin/env bash
# The directory searches under wrk at 10,000 families, for builds side by side: before and
# after a change to search, measured back to back, query by query (issue #10).
#
#   bench/search.sh BUILD_DIR [BUILD_DIR...]
#
# Each BUILD_DIR holds a Release build's schoolhub and schoolhub-bench. Per backend, each
# build seeds its own database with its own loader (schoolhub-bench seed, same seed, same
# rows) and starts its server; then every query runs once per build, one build right after
# the other, so the machine's load weighs on both alike. Prints one Markdown row per query
# and build, and the load average before and after.
#
# The machine is often shared, so each row also gives the CPU time per request, which load
# barely moves: utime + stime (/proc/PID/stat) of the server's pid, of the PostgreSQL
# backends serving its database (their pids from pg_stat_activity) and of wrk itself, over
# the run, divided by the requests served. Their sum is what one request costs the
# machine: 2 cores / that sum is the ceiling of requests/s. A path without "items" (e.g.
# SEARCH_QUERIES=users/me, the floor of an authenticated read) shows "-" for them.
#
# Environment (defaults in brackets):
#   SEARCH_BACKENDS ["sqlite postgres"]  SEARCH_FAMILIES [10000]  SEARCH_SECONDS [10]
#   SEARCH_CONNECTIONS [50]  SEARCH_QUERIES [the list below, paths under /api/v1]
#   SCHOOLHUB_BENCH_PG_URL (required for postgres: a server where it may CREATE DATABASE)
# Every server it starts is stopped by its pid on exit, and its databases are dropped
# (scripts/lib/server.sh).
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
# shellcheck source=scripts/lib/server.sh
. "$SH_ROOT/scripts/lib/server.sh"

(($# >= 1)) || sh_die "usage: $0 BUILD_DIR [BUILD_DIR...]"
BACKENDS=${SEARCH_BACKENDS:-sqlite postgres}
FAMILIES=${SEARCH_FAMILIES:-10000}
SECONDS_EACH=${SEARCH_SECONDS:-10}
CONNS=${SEARCH_CONNECTIONS:-50}
# garde: the full bench's search (a word of 2 service kinds in 25, and a category name);
# plomberie: one kind in 25; zzzz: no match (LIKE reads every row); fiets: a category's
# Dutch word; piano: a rare word of no category (one kind in 24: the sparse SEL plan);
# ma, vermeulen: a common name prefix, a surname of one family in 40.
QUERIES=${SEARCH_QUERIES:-sel/services?q=garde sel/services?q=plomberie sel/services?q=zzzz sel/services?q=fiets sel/services?q=piano users?q=ma users?q=vermeulen users?q=zzzz}
SECRET="bench-secret-key-0123456789-abcdefghijklmnopqrstuv"

sh_work_dir schoolhub-search-bench
WORK=$SH_WORK

# start BACKEND INDEX BUILD_DIR: seeds a database, starts the server; sets URL[i], TOKEN[i].
declare -a URL TOKEN PID DB
start() {
	local backend=$1 i=$2 build=$3 db password port
	if [[ $backend == sqlite ]]; then
		db="sqlite:///$WORK/search$i.db"
	else
		[[ -n ${SCHOOLHUB_BENCH_PG_URL:-} ]] || sh_die "postgres needs SCHOOLHUB_BENCH_PG_URL"
		sh_pg_db_create "$SCHOOLHUB_BENCH_PG_URL" "sh_search_$$_$i" || sh_die "CREATE DATABASE failed"
		db=$SH_PG_DB_URL
	fi
	local env=(SCHOOLHUB_ENV=development DATABASE_URL="$db" SCHOOLHUB_DATA_DIR="$WORK"
		SCHOOLHUB_LOG_LEVEL=warn SCHOOLHUB_SECRET_KEY="$SECRET" SCHOOLHUB_MAX_CONNECTIONS_PER_IP=4096)
	env "${env[@]}" "$build/schoolhub-bench" seed --families "$FAMILIES" >"$WORK/seed$i.out" 2>&1 ||
		{ cat "$WORK/seed$i.out" >&2; sh_die "seed failed ($build)"; }
	# Statistics now, as a live database has them: otherwise autovacuum analyses the fresh
	# tables while the first scenarios run.
	[[ $backend == sqlite ]] || psql -X -q "$db" -c ANALYZE >/dev/null
	password="$(sed -n 's/^Bench logins (password for all, generated for this load: \([A-Za-z0-9_-]*\)):$/\1/p' "$WORK/seed$i.out")"
	sh_log "  $build: $(head -n 1 "$WORK/seed$i.out")"
	# Its log level (warn) hides the "listening on" line: the port is chosen here.
	port="$(sh_free_port)"
	sh_server_launch "$WORK/serve$i.log" "$build/schoolhub" "${env[@]}" SCHOOLHUB_PORT="$port"
	PID[i]=$SH_SERVER_PID
	DB[i]=$db
	URL[i]="http://127.0.0.1:$port"
	sh_server_wait_ready "${URL[i]}" 30 "${PID[i]}" || { cat "$WORK/serve$i.log" >&2; sh_die "not ready"; }
	sh_http POST "${URL[i]}/api/v1/auth/login" "" \
		"{\"email\":\"parent1a@bench.schoolhub.be\",\"password\":\"$password\"}"
	[[ $SH_HTTP_STATUS == 200 ]] || sh_die "login failed: $SH_HTTP_STATUS"
	TOKEN[i]="$(sh_json_str access_token <<<"$SH_HTTP_BODY")"
}

# cpu_ticks PID...: user + system clock ticks these processes used so far.
cpu_ticks() {
	local pid sum=0 stat
	for pid in "$@"; do
		stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
		stat=${stat##*) } # after "(comm) ": fields from the 3rd on
		read -r -a f <<<"$stat"
		sum=$((sum + f[11] + f[12]))
	done
	echo "$sum"
}

# children_ticks: user + system ticks of the script's waited-for children (wrk's, once run).
children_ticks() {
	local stat
	stat="$(cat "/proc/$$/stat")" # $$: the script, not this $(...) subshell
	stat=${stat##*) }
	read -r -a f <<<"$stat"
	echo $((f[13] + f[14]))
}

# pg_backends INDEX: the pids of the PostgreSQL backends connected to build INDEX's database.
pg_backends() {
	[[ ${DB[$1]} == sqlite* ]] && return 0
	psql -X -qAt "${DB[$1]}" -c "SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()"
}

# per_request TICKS REQUESTS: microseconds of CPU per request.
per_request() {
	awk -v d="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.0f", (n > 0 ? d * 1e6 / hz / n : 0)}'
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| backend | query | build | requests/s | p50 | p99 | items on page 1 | server µs/req | PostgreSQL µs/req | wrk µs/req |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for backend in $BACKENDS; do
	sh_info "$backend: seeding $FAMILIES families per build" >&2
	i=0
	for build in "$@"; do
		start "$backend" "$i" "$build" >&2
		i=$((i + 1))
	done
	for query in $QUERIES; do
		i=0
		for build in "$@"; do
			auth="Authorization: Bearer ${TOKEN[i]}"
			items="$(curl -fsS -H "$auth" "${URL[i]}/api/v1/$query" |
				python3 -c 'import json, sys; print(len(json.load(sys.stdin).get("items", "-")))')"
			mapfile -t backends < <(pg_backends "$i")
			s0=$(cpu_ticks "${PID[i]}") p0=$(cpu_ticks "${backends[@]}") w0=$(children_ticks)
			out="$(wrk -t2 -c"$CONNS" -d"${SECONDS_EACH}s" --latency -H "$auth" "${URL[i]}/api/v1/$query")"
			# A backend the pool opened during the run started from 0 ticks.
			mapfile -t -O "${#backends[@]}" backends < <(pg_backends "$i")
			# shellcheck disable=SC2046 # a list of pids
			s1=$(cpu_ticks "${PID[i]}") p1=$(cpu_ticks $(printf '%s\n' "${backends[@]}" | sort -u)) w1=$(children_ticks)
			n="$(awk '/requests in/ {print $1}' <<<"$out")"
			srv_us=$(per_request $((s1 - s0)) "$n")
			pg_us=$(per_request $((p1 - p0)) "$n")
			wrk_us=$(per_request $((w1 - w0)) "$n")
			[[ ${DB[i]} != sqlite* ]] || pg_us="—"
			rps="$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out")"
			p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
			p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
			non2xx="$(awk '/Non-2xx or 3xx responses/ {print $NF}' <<<"$out")"
			[[ -z $non2xx ]] || sh_die "$query: $non2xx answers were not 2xx"
			echo "| $backend | \`$query\` | $build | $rps | $p50 | $p99 | $items | $srv_us | $pg_us | $wrk_us |"
			i=$((i + 1))
		done
	done
	i=0
	for build in "$@"; do
		sh_pid_stop "${PID[i]}"
		[[ $backend == sqlite ]] && rm -f "$WORK/search$i".db*
		i=$((i + 1))
	done
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
