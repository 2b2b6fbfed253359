#!/usr/bin/env bash
# Authenticated reads against the bare baseline, A/B: one or more builds of schoolhub on the
# same seeded database, measured in turns (round 1: A then B, round 2: A then B...), each
# turn beside its own run of the bare libmicrohttpd server (bench/bare_server.c), so that the
# ratio of a turn compares two measures taken a few seconds apart. On a machine shared with
# other jobs the absolute numbers drift by tens of percent within minutes; the ratios of
# back-to-back turns are what to compare.
#
#   bench/auth_reads.sh before=/path/to/old/schoolhub after=build/schoolhub
#   BENCH_BACKENDS=postgres BENCH_ROUNDS=5 bench/auth_reads.sh build/schoolhub
#
# Arguments: LABEL=BINARY[:NAME=VALUE...] (or just BINARY, labelled by its directory); the
# NAME=VALUE words after the binary are added to that build's environment, e.g.
# t8=build/schoolhub:SCHOOLHUB_THREADS=8. Every binary must accept the schema the seeder
# of $BUILD_DIR writes (same migrations).
#
# Each turn: start the binary on the database, log in a parent, then wrk -t2 -c$CONNS for
# $BENCH_SECONDS on the bare server and on each path of $BENCH_PATHS; the share of idle CPU
# of the machine (/proc/stat) during each wrk run is printed beside it, so a turn that ran
# while other jobs took the cores stands out.
#
# Environment (defaults in brackets):
#   BENCH_BACKENDS ["postgres sqlite"]  BENCH_ROUNDS [3]  BENCH_SECONDS [5]
#   BENCH_CONNECTIONS [50]  BENCH_FAMILIES [2000]  BENCH_SERVER_THREADS [the server's default]
#   BENCH_PATHS ["/api/v1/users/me /api/v1/sel/balance"]
#   BUILD_DIR [build]: Release build holding bench_bare and schoolhub-bench
#   SCHOOLHUB_BENCH_PG_URL [none: a throwaway PostgreSQL, scripts/lib/pg.sh]
#   BENCH_PG_SOCKET [empty: TCP to 127.0.0.1; set: the throwaway server's Unix socket]
#
# Prints one Markdown table row per turn and path (requests/s, p99, ratio to the turn's
# bare run, idle CPU), then the median ratio per backend, build and path.
# Every process it starts is stopped by its pid on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/common.sh
. scripts/lib/common.sh
# shellcheck source=scripts/lib/pg.sh
. scripts/lib/pg.sh
# shellcheck source=scripts/lib/server.sh
. scripts/lib/server.sh

BACKENDS=${BENCH_BACKENDS:-postgres sqlite}
ROUNDS=${BENCH_ROUNDS:-3}
SECONDS_EACH=${BENCH_SECONDS:-5}
CONNS=${BENCH_CONNECTIONS:-50}
FAMILIES=${BENCH_FAMILIES:-2000}
PATHS=${BENCH_PATHS:-/api/v1/users/me /api/v1/sel/balance}
BUILD=${BUILD_DIR:-build}
SECRET="bench-secret-key-0123456789-abcdefghijklmnopqrstuv"

(($# > 0)) || { sed -n '2,30p' "$0" >&2; exit 2; }
LABELS=() BINS=() ENVS=()
for arg in "$@"; do
	label="" bin=$arg
	if [[ ${arg%%:*} == *=* ]]; then
		label=${arg%%=*} bin=${arg#*=}
	fi
	extra=""
	if [[ $bin == *:* ]]; then
		extra=${bin#*:} bin=${bin%%:*}
	fi
	[[ -x $bin ]] || sh_die "not an executable: $bin"
	LABELS+=("${label:-$(basename "$(dirname "$bin")")}")
	BINS+=("$(realpath "$bin")")
	ENVS+=("${extra//:/ }")
done
for tool in bench_bare schoolhub-bench; do
	[[ -x $BUILD/$tool ]] || sh_die "build $BUILD/$tool first (cmake --build $BUILD --target $tool)"
done
command -v wrk >/dev/null || sh_die "wrk is missing (apt-get install wrk)"

sh_work_dir schoolhub-auth-reads
WORK=$SH_WORK
sh_on_exit pg_stop

# cpu_sample: "busy total" jiffies of the whole machine, from /proc/stat.
cpu_sample() { awk '$1 == "cpu" {t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t}' /proc/stat; }

# cpu_ticks PID...: user + system clock ticks used so far by these processes (the
# PostgreSQL postmaster's children are counted through their pids, read from /proc).
cpu_ticks() {
	local pid sum=0 stat
	for pid in "$@"; do
		stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
		stat=${stat##*) } # after "(comm) "; fields from the 3rd on
		read -r -a f <<<"$stat"
		sum=$((sum + f[11] + f[12]))
	done
	echo "$sum"
}

# pg_backends: pids of the throwaway PostgreSQL's processes (none for a given server).
pg_backends() {
	[[ -n ${PG_PID:-} ]] || return 0
	echo "$PG_PID"
	awk -v p="$PG_PID" '$4 == p {print $1}' /proc/[0-9]*/stat 2>/dev/null || true
}

# wrk_turn URL SERVER_PID [wrk options]: sets RPS, P99, ERRORS, IDLE (% of the machine's CPU
# idle) and the CPU time per request of the server (SRV_US) and of PostgreSQL (PG_US), in
# microseconds: unlike requests/s, these barely move when other jobs take the cores.
wrk_turn() {
	local url=$1 pid=$2 out b0 t0 b1 t1 s0 s1 p0 p1 n hz
	shift 2
	read -r b0 t0 < <(cpu_sample)
	s0=$(cpu_ticks "$pid")
	# shellcheck disable=SC2046 # a list of pids
	p0=$(cpu_ticks $(pg_backends))
	out="$(wrk -t2 -c"$CONNS" -d"${SECONDS_EACH}s" --latency "$@" "$url")"
	s1=$(cpu_ticks "$pid")
	# shellcheck disable=SC2046
	p1=$(cpu_ticks $(pg_backends))
	read -r b1 t1 < <(cpu_sample)
	echo "$out" >>"$WORK/wrk.log"
	RPS="$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out")"
	P99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
	ERRORS="$(awk '/Non-2xx or 3xx responses/ {print $NF}' <<<"$out")"
	ERRORS=${ERRORS:-0}
	IDLE="$(awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) 'BEGIN {printf "%.0f", (t > 0 ? 100 * (t - b) / t : 0)}')"
	n="$(awk '/requests in/ {print $1}' <<<"$out")"
	hz=$(getconf CLK_TCK)
	SRV_US="$(awk -v d=$((s1 - s0)) -v n="$n" -v hz="$hz" 'BEGIN {printf "%.0f", (n > 0 ? d * 1e6 / hz / n : 0)}')"
	PG_US="$(awk -v d=$((p1 - p0)) -v n="$n" -v hz="$hz" 'BEGIN {printf "%.0f", (n > 0 ? d * 1e6 / hz / n : 0)}')"
}

server_env() {
	echo SCHOOLHUB_ENV=development DATABASE_URL="$DB_URL" SCHOOLHUB_DATA_DIR="$WORK" \
		SCHOOLHUB_LOG_LEVEL=warn SCHOOLHUB_SECRET_KEY="$SECRET" \
		SCHOOLHUB_MAX_CONNECTIONS_PER_IP=4096 \
		${BENCH_SERVER_THREADS:+SCHOOLHUB_THREADS=$BENCH_SERVER_THREADS}
}

BARE_PORT="$(sh_free_port)"
"$BUILD/bench_bare" "$BARE_PORT" "$(nproc)" &
BARE_PID=$!
sh_pid_track "$BARE_PID"

ROWS="$WORK/rows" # backend|label|path|rps|p99|ratio|idle
: >"$ROWS"
echo "| backend | round | build | path | requests/s | p99 | bare requests/s | vs bare | idle CPU | server µs/req | PostgreSQL µs/req |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for backend in $BACKENDS; do
	if [[ $backend == postgres ]]; then
		if [[ -z ${PG_ADMIN:-} ]]; then
			if [[ -n ${SCHOOLHUB_BENCH_PG_URL:-} ]]; then
				PG_ADMIN=$SCHOOLHUB_BENCH_PG_URL
			else
				pg_start -c fsync=on >"$WORK/pg.log" || { cat "$WORK/pg.log" >&2; exit 1; }
				PG_ADMIN=$SCHOOLHUB_TEST_PG_URL
				if [[ -n ${BENCH_PG_SOCKET:-} ]]; then
					# The same server through its Unix socket (in $PG_TMP) instead of TCP.
					port=${PG_ADMIN##*:}
					port=${port%%/*}
					PG_ADMIN="postgresql://postgres@/postgres?host=$PG_TMP&port=$port"
				fi
			fi
		fi
		sh_pg_db_create "$PG_ADMIN" "sh_auth_reads_$$" || sh_die "cannot create a database"
		DB_URL=$SH_PG_DB_URL
	else
		DB_URL="sqlite:///$WORK/auth_reads.db"
	fi
	# shellcheck disable=SC2046 # server_env is a list of NAME=VALUE words
	env $(server_env) "$BUILD/schoolhub-bench" seed --families "$FAMILIES" >"$WORK/seed.out" 2>&1 ||
		{ cat "$WORK/seed.out" >&2; sh_die "$backend: seeding failed"; }
	PASSWORD="$(sed -n 's/^Bench logins (password for all, generated for this load: \([A-Za-z0-9_-]*\)):$/\1/p' "$WORK/seed.out")"
	for round in $(seq 1 "$ROUNDS"); do
		for i in "${!BINS[@]}"; do
			port="$(sh_free_port)"
			# shellcheck disable=SC2046,SC2086 # NAME=VALUE word lists
			sh_server_launch "$WORK/serve.log" "${BINS[i]}" $(server_env) ${ENVS[i]} SCHOOLHUB_PORT="$port"
			pid=$SH_SERVER_PID
			base="http://127.0.0.1:$port"
			sh_server_wait_ready "$base" 30 "$pid" || { cat "$WORK/serve.log" >&2; sh_die "not ready"; }
			sh_http POST "$base/api/v1/auth/login" "" \
				"{\"email\":\"parent1a@bench.schoolhub.be\",\"password\":\"$PASSWORD\"}"
			[[ $SH_HTTP_STATUS == 200 ]] || sh_die "login failed: $SH_HTTP_STATUS"
			token="$(sh_json_str access_token <<<"$SH_HTTP_BODY")"
			wrk_turn "http://127.0.0.1:$BARE_PORT/" "$BARE_PID"
			bare=$RPS bare_idle=$IDLE
			echo "$backend|${LABELS[i]}|bare|$RPS|$P99|1.00|$IDLE|$SRV_US|0" >>"$ROWS"
			for path in $PATHS; do
				wrk_turn "$base$path" "$pid" -H "Authorization: Bearer $token"
				((ERRORS == 0)) || sh_die "$backend $path: $ERRORS non-2xx answers"
				ratio="$(awk -v a="$RPS" -v b="$bare" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')"
				echo "$backend|${LABELS[i]}|$path|$RPS|$P99|$ratio|$IDLE|$SRV_US|$PG_US" >>"$ROWS"
				echo "| $backend | $round | ${LABELS[i]} | $path | $RPS | $P99 | $bare (idle $bare_idle %) | ${ratio}× | $IDLE % | $SRV_US | $PG_US |"
			done
			sh_pid_stop "$pid"
		done
	done
	if [[ $backend == postgres ]]; then
		sh_pg_db_drop "$PG_ADMIN" "sh_auth_reads_$$"
	fi
done

echo
echo "Median ratio to the bare server ($ROUNDS rounds, load average at the end $(cut -d' ' -f1-3 /proc/loadavg)):"
echo
echo "| backend | build | path | median vs bare | ratios | median server µs/req | median PostgreSQL µs/req |"
echo "|---|---|---|---|---|---|---|"
for backend in $BACKENDS; do
	for label in "${LABELS[@]}"; do
		for path in bare $PATHS; do
			awk -F'|' -v b="$backend" -v l="$label" -v p="$path" '
				function median(x, n,    i, j, t) {
					for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (x[j] < x[i]) {t = x[i]; x[i] = x[j]; x[j] = t}
					return n % 2 ? x[(n - 1) / 2] : (x[n / 2 - 1] + x[n / 2]) / 2
				}
				BEGIN {n = 0}
				$1 == b && $2 == l && $3 == p {r[n] = $6 + 0; s[n] = $8 + 0; q[n] = $9 + 0; all = all " " $6; n++}
				END {
					if (n == 0) exit
					printf "| %s | %s | %s | %.2f× |%s | %.0f | %.0f |\n", b, l, p, median(r, n), all, median(s, n), median(q, n)
				}' "$ROWS"
		done
	done
done
