#!/usr/bin/env bash
# SchoolHub's benchmark: the Release build under wrk, on SQLite and on a local PostgreSQL,
# each beside the bare libmicrohttpd baseline (bench/bare_server.c) in the same run.
#
#   scripts/bench.sh            # full run: ~10 s per scenario, 10,000 families
#   BENCH_SECONDS=2 BENCH_FAMILIES=500 BENCH_LIST_SIZES="1000 10000" scripts/bench.sh
#                               # a quick check that everything works (numbers meaningless)
#
# 1. installs what is missing (wrk, PostgreSQL, sqlite3...), builds Release in $BUILD_DIR;
# 2. starts a throwaway PostgreSQL (scripts/lib/pg.sh; fsync on, like a real one) unless
#    SCHOOLHUB_BENCH_PG_URL names a server where it may CREATE DATABASE;
# 3. per backend: seeds $BENCH_FAMILIES families (schoolhub seed-bench, timed) plus a member
#    with $BENCH_HOT_TX transactions, starts the server, runs the scenarios below, checks the
#    SEL audit after the write scenario, measures cold start (exec to first 200 /ready,
#    median of $BENCH_COLD_RUNS) and idle RSS;
# 4. list latency as one member's history grows ($BENCH_LIST_SIZES transactions): page 1
#    and the page of the oldest transactions (keyset pagination should keep both flat);
# 5. prints the Markdown for docs/PERFORMANCE.md: one table of the scenarios, the list
#    latency table, and cold start, idle RSS, binary size, seeding time.
#
# Scenarios (wrk -t$BENCH_WRK_THREADS -c$BENCH_CONNECTIONS -d$BENCH_SECONDS --latency):
#   bare libmicrohttpd; GET /health; GET /api/v1/users/me; GET /api/v1/sel/balance;
#   GET /api/v1/sel/services?q=$BENCH_SEARCH; GET /api/v1/sel/transactions (page 1) and
#   ?cursor=<deep> (the oldest page), both as the member with the long history;
#   POST /api/v1/sel/transactions with 16 connections (bench/sel_payments.lua: 32 members
#   paying 1 unit around a ring); GET /index.html (the embedded web app).
#
# Environment (defaults in brackets):
#   BENCH_SECONDS [10]  BENCH_CONNECTIONS [50]  BENCH_WRK_THREADS [2]  BENCH_FAMILIES [10000]
#   BENCH_HOT_TX [10000]  BENCH_BACKENDS ["sqlite postgres"]  BENCH_COLD_RUNS [7]
#   BENCH_LIST_SIZES ["1000 10000 100000 1000000"; empty to skip]  BENCH_SEARCH [garde]
#   BENCH_SERVER_THREADS [the server's default]  BUILD_DIR [build-bench]
#   SCHOOLHUB_BENCH_PG_URL [none: a throwaway PostgreSQL]
#
# Every process it starts (servers, the baseline, PostgreSQL) is stopped by its pid on exit.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=scripts/lib/pg.sh
. "$SH_ROOT/scripts/lib/pg.sh"
# shellcheck source=scripts/lib/server.sh
. "$SH_ROOT/scripts/lib/server.sh"
cd "$SH_ROOT"

SECONDS_EACH=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-50}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
FAMILIES=${BENCH_FAMILIES:-10000}
HOT_TX=${BENCH_HOT_TX:-10000}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
COLD_RUNS=${BENCH_COLD_RUNS:-7}
LIST_SIZES=${BENCH_LIST_SIZES-1000 10000 100000 1000000}
SEARCH=${BENCH_SEARCH:-garde}
BUILD=${BUILD_DIR:-build-bench}
PAY_CONNS=16
RING=32
PASSWORD="bench-password-2026" # what seed-bench gives every bench login
SECRET="bench-secret-key-0123456789-abcdefghijklmnopqrstuv"

# Servers, the baseline and the databases are stopped and dropped on exit (server.sh),
# then the throwaway PostgreSQL.
sh_work_dir schoolhub-bench
WORK=$SH_WORK
sh_on_exit pg_stop
PG_ADMIN="" # the PostgreSQL server's URL (its "postgres" database)

# free_port: a port nobody listens on.
free_port() { sh_free_port || sh_die "no free port"; }

kb_of() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
mb() { awk -v k="$1" 'BEGIN {printf "%.1f MB", k / 1024}'; }

# --- 1. packages, build ---------------------------------------------------------------
sh_info "packages"
sh_install_packages "${SH_RUNTIME_PACKAGES[@]}" wrk sqlite3 postgresql
sh_info "Release build in $BUILD/"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSCHOOLHUB_SANITIZE=OFF \
	-DSCHOOLHUB_BUILD_TESTS=OFF >"$WORK/cmake.log" || { cat "$WORK/cmake.log"; exit 1; }
cmake --build "$BUILD" -j"$(sh_jobs)" --target schoolhub bench_bare bench_cold_start >"$WORK/build.log" ||
	{ tail -n 50 "$WORK/build.log"; exit 1; }
BIN="$SH_ROOT/$BUILD/schoolhub"

# --- 2. PostgreSQL ----------------------------------------------------------------------
if [[ " $BACKENDS " == *" postgres "* ]]; then
	if [[ -n ${SCHOOLHUB_BENCH_PG_URL:-} ]]; then
		PG_ADMIN=$SCHOOLHUB_BENCH_PG_URL
		sh_info "PostgreSQL: $PG_ADMIN (given)"
	else
		sh_info "PostgreSQL: a throwaway server"
		pg_start -c fsync=on >"$WORK/pg.log" || { cat "$WORK/pg.log"; exit 1; }
		PG_ADMIN=$SCHOOLHUB_TEST_PG_URL
	fi
	PG_VERSION="$(psql -X -qAt "$PG_ADMIN" -c 'SHOW server_version' | awk '{print $1}')"
fi

# new_db BACKEND NAME: sets DB_URL to an empty database.
new_db() {
	if [[ $1 == sqlite ]]; then
		DB_URL="sqlite:///$WORK/$2.db"
		rm -f "$WORK/$2".db*
		return
	fi
	sh_pg_db_create "$PG_ADMIN" "sh_bench_$$_$2" || sh_die "cannot create database sh_bench_$$_$2"
	DB_URL=$SH_PG_DB_URL
}

# drop_db BACKEND NAME: the big list databases go as soon as they are measured.
drop_db() {
	if [[ $1 == sqlite ]]; then
		rm -f "$WORK/$2".db*
	else
		sh_pg_db_drop "$PG_ADMIN" "sh_bench_$$_$2"
	fi
}

# sql BACKEND QUERY: rows of QUERY on $DB_URL, "|" between columns.
sql() {
	if [[ $1 == sqlite ]]; then
		sqlite3 "${DB_URL#sqlite://}" "$2"
	else
		psql -X -qAt -v ON_ERROR_STOP=1 "$DB_URL" -c "$2"
	fi
}

server_env() {
	echo DATABASE_URL="$DB_URL" SCHOOLHUB_DATA_DIR="$WORK" SCHOOLHUB_LOG_LEVEL=warn \
		SCHOOLHUB_SECRET_KEY="$SECRET" SCHOOLHUB_MAX_CONNECTIONS_PER_IP=4096 \
		${BENCH_SERVER_THREADS:+SCHOOLHUB_THREADS=$BENCH_SERVER_THREADS}
}

# seed ARGS...: seed-bench on $DB_URL; sets SEED_OUT, SEED_SECONDS, DEEP.
seed() {
	# shellcheck disable=SC2046 # server_env is a list of NAME=VALUE words
	env $(server_env) "$BIN" seed-bench "$@" >"$WORK/seed.out" 2>&1 ||
		{ cat "$WORK/seed.out" >&2; sh_die "seed-bench $* failed"; }
	SEED_OUT="$(head -n 1 "$WORK/seed.out")"
	SEED_SECONDS="$(sed -n 's/^Bench data loaded in \([0-9.]*\) s.*/\1/p' "$WORK/seed.out")"
	DEEP="$(sed -n 's/.*deep cursor: \([0-9a-z]*\)$/\1/p' "$WORK/seed.out")"
}

# serve: starts the server on $DB_URL; sets SERVER_PID, PORT, BASE once /ready says 200.
serve() {
	PORT="$(free_port)"
	# shellcheck disable=SC2046
	sh_server_launch "$WORK/serve.log" "$BIN" $(server_env) SCHOOLHUB_PORT="$PORT"
	SERVER_PID=$SH_SERVER_PID
	BASE="http://127.0.0.1:$PORT"
	sh_server_wait_ready "$BASE" 30 "$SERVER_PID" && return 0
	cat "$WORK/serve.log" >&2
	sh_die "the server did not become ready"
}

# login EMAIL: prints "token user_id".
login() {
	sh_http POST "$BASE/api/v1/auth/login" "" "{\"email\":\"$1\",\"password\":\"$PASSWORD\"}"
	[[ $SH_HTTP_STATUS == 200 ]] || sh_die "login of $1 failed: $SH_HTTP_STATUS $SH_HTTP_BODY"
	echo "$(sh_json_str access_token <<<"$SH_HTTP_BODY") $(sh_json_str id <<<"$SH_HTTP_BODY")"
}

# wrk_run NAME PID URL [-c CONNS] [wrk options...]: appends "NAME|rps|p50|p99|errors|peak" to $ROWS.
# PID is the process whose peak RSS (VmHWM) is reported.
wrk_run() {
	local name=$1 pid=$2 url=$3 out conns=$CONNS
	shift 3
	[[ ${1:-} == -c ]] && { conns=$2; shift 2; }
	out="$(wrk -t"$WRK_THREADS" -c"$conns" -d"${SECONDS_EACH}s" --latency "$@" "$url")"
	echo "$out" >>"$WORK/wrk.log"
	local rps p50 p99 non2xx sock
	rps="$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out")"
	p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
	p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
	non2xx="$(awk '/Non-2xx or 3xx responses/ {print $NF}' <<<"$out")"
	sock="$(awk '/Socket errors/ {s = 0; for (i = 3; i <= NF; i += 2) s += $(i + 1) + 0; print s}' \
		<<<"$out" | tr -d ,)"
	echo "$name|$rps|$p50|$p99|$((${non2xx:-0} + ${sock:-0}))|$(kb_of "$pid" VmHWM)" >>"$ROWS"
	sh_log "  $name: $rps req/s, p50 $p50, p99 $p99"
}

# --- 3. the scenarios, per backend --------------------------------------------------------
BARE_PORT="$(free_port)"
"$BUILD/bench_bare" "$BARE_PORT" "$(nproc)" &
BARE_PID=$!
sh_pid_track "$BARE_PID"
ROWS="$WORK/rows"
: >"$ROWS"
: >"$WORK/notes"
for backend in $BACKENDS; do
	sh_info "$backend: seeding $FAMILIES families (+ a member with $HOT_TX transactions)"
	new_db "$backend" main
	seed --families "$FAMILIES" --hot-member-transactions "$HOT_TX"
	sh_log "  $SEED_OUT"
	echo "seed|$backend|$SEED_SECONDS|$SEED_OUT" >>"$WORK/notes"

	sh_info "$backend: cold start ($COLD_RUNS runs)"
	port="$(free_port)"
	# shellcheck disable=SC2046
	cold="$(env $(server_env) SCHOOLHUB_PORT="$port" "$BUILD/bench_cold_start" "$port" "$COLD_RUNS" \
		"$BIN" serve)" || sh_die "cold start measure failed"
	sh_log "  $(head -n 1 <<<"$cold")"
	echo "cold|$backend|$(sed -n 's/^median //p' <<<"$cold")|$(sed -n 's/.*(ms): //p' <<<"$cold")" >>"$WORK/notes"

	serve
	sleep 1
	echo "idle|$backend|$(kb_of "$SERVER_PID" VmRSS)" >>"$WORK/notes"
	read -r parent_token _ < <(login parent1a@bench.schoolhub.be)
	read -r hot_token _ < <(login hot@bench.schoolhub.be)
	read -r admin_token _ < <(login admin@bench.schoolhub.be)
	[[ -n $parent_token && -n $hot_token && -n $admin_token ]] || sh_die "$backend: bench logins failed"
	# The payment ring: members comfortably inside the limits, so nobody reaches one.
	: >"$WORK/members"
	while read -r email; do
		login "$email" >>"$WORK/members"
	done < <(sql "$backend" "SELECT u.email FROM users u JOIN sel_accounts a ON a.user_id = u.id
		WHERE u.email LIKE 'parent%' AND a.balance BETWEEN -150 AND 450 ORDER BY u.email LIMIT $RING")
	(($(wc -l <"$WORK/members") >= 2)) || sh_die "$backend: no members for the payment ring"

	sh_info "$backend: scenarios, ${SECONDS_EACH} s each"
	echo "backend|$backend" >>"$ROWS"
	auth=(-H "Authorization: Bearer $parent_token")
	hot=(-H "Authorization: Bearer $hot_token")
	wrk_run "bare libmicrohttpd" "$BARE_PID" "http://127.0.0.1:$BARE_PORT/"
	wrk_run "GET /health" "$SERVER_PID" "$BASE/health"
	wrk_run "GET /api/v1/users/me" "$SERVER_PID" "$BASE/api/v1/users/me" "${auth[@]}"
	wrk_run "GET /api/v1/sel/balance" "$SERVER_PID" "$BASE/api/v1/sel/balance" "${auth[@]}"
	wrk_run "GET /api/v1/sel/services?q=$SEARCH" "$SERVER_PID" "$BASE/api/v1/sel/services?q=$SEARCH" "${auth[@]}"
	wrk_run "GET /api/v1/sel/transactions (page 1 of $((HOT_TX + 1)))" "$SERVER_PID" \
		"$BASE/api/v1/sel/transactions?limit=20" "${hot[@]}"
	wrk_run "GET /api/v1/sel/transactions?cursor= (oldest page)" "$SERVER_PID" \
		"$BASE/api/v1/sel/transactions?limit=20&cursor=$DEEP" "${hot[@]}"
	payments_before="$(sql "$backend" "SELECT COUNT(*) FROM sel_transactions WHERE kind = 'payment'")"
	SEL_BENCH_MEMBERS="$WORK/members" wrk_run "POST /api/v1/sel/transactions ($PAY_CONNS conn.)" \
		"$SERVER_PID" "$BASE" -c "$PAY_CONNS" -s bench/sel_payments.lua
	# The ledger after the write scenario: the admin audit, and every 201 booked once.
	curl -fsS -o "$WORK/audit.json" "$BASE/api/v1/admin/sel/audit" -H "Authorization: Bearer $admin_token"
	if ! grep -q '"ok":true' "$WORK/audit.json" || ! grep -q '"sum_of_balances":0[,}]' "$WORK/audit.json"; then
		sh_die "$backend: SEL audit not ok after the payments: $(cat "$WORK/audit.json")"
	fi
	created="$(grep -o 'SEL_BENCH created=[0-9]*' "$WORK/wrk.log" | tail -n 1 | sed 's/.*=//')"
	booked=$(($(sql "$backend" "SELECT COUNT(*) FROM sel_transactions WHERE kind = 'payment'") - payments_before))
	# wrk drops the answers in flight when time is up: at most one per connection.
	((booked >= created && booked <= created + PAY_CONNS)) ||
		sh_die "$backend: $created payments answered 201 but $booked booked"
	echo "audit|$backend|ok after the write scenario ($booked payments booked, $created answered 201)" >>"$WORK/notes"
	wrk_run "GET /index.html" "$SERVER_PID" "$BASE/index.html"
	sh_pid_stop "$SERVER_PID"
done
sh_pid_stop "$BARE_PID"

# --- 4. list latency as one member's history grows ------------------------------------------
: >"$WORK/list"
for backend in $BACKENDS; do
	for k in $LIST_SIZES; do
		sh_info "$backend: list latency with $k transactions on one member"
		new_db "$backend" "list$k"
		seed --families 200 --transactions-per-family 5 --hot-member-transactions "$k"
		serve
		read -r hot_token _ < <(login hot@bench.schoolhub.be)
		ROWS="$WORK/rows.list"
		: >"$ROWS"
		wrk_run page1 "$SERVER_PID" "$BASE/api/v1/sel/transactions?limit=20" \
			-H "Authorization: Bearer $hot_token"
		wrk_run deep "$SERVER_PID" "$BASE/api/v1/sel/transactions?limit=20&cursor=$DEEP" \
			-H "Authorization: Bearer $hot_token"
		{
			printf '%s|%s|%s|' "$backend" "$k" "$SEED_SECONDS"
			awk -F'|' '{printf "%s|%s|%s|%s|", $2, $3, $4, $5}' "$ROWS"
			echo
		} >>"$WORK/list"
		sh_pid_stop "$SERVER_PID"
		drop_db "$backend" "list$k"
	done
done

# --- 5. the report ---------------------------------------------------------------------------
strip -o "$WORK/stripped" "$BIN"
echo
echo "### $(date -u +%Y-%m-%d) — scripts/bench.sh"
echo
echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), load average at the end $(cut -d' ' -f1-3 /proc/loadavg)." \
	"wrk -t$WRK_THREADS -c$CONNS -d${SECONDS_EACH}s on the same machine; $FAMILIES families;" \
	"SQLite $(sqlite3 --version | awk '{print $1}')${PG_VERSION:+, PostgreSQL $PG_VERSION}; Release build."
echo
echo "| backend | scenario | requests/s | p50 | p99 | errors | vs bare | server peak RSS |"
echo "|---|---|---|---|---|---|---|---|"
backend="" bare=""
while IFS='|' read -r name rps p50 p99 errors peak; do
	if [[ $name == backend ]]; then
		backend=$rps
		continue
	fi
	[[ $name == "bare libmicrohttpd" ]] && bare=$rps
	ratio="$(awk -v a="$rps" -v b="$bare" 'BEGIN {if (b > 0) printf "%.2f×", a / b; else print "-"}')"
	[[ $name == "bare libmicrohttpd" ]] && peak="" ratio="1.00×"
	echo "| $backend | $name | $rps | $p50 | $p99 | $errors | $ratio | ${peak:+$(mb "$peak")} |"
done <"$WORK/rows"
echo
if [[ -s $WORK/list ]]; then
	echo "List latency, GET /api/v1/sel/transactions?limit=20 of one member (wrk -c$CONNS):"
	echo
	echo "| backend | member's transactions | page 1 req/s | page 1 p50 / p99 | oldest page req/s | oldest page p50 / p99 |"
	echo "|---|---|---|---|---|---|"
	while IFS='|' read -r b k _ r1 a1 z1 _ r2 a2 z2 _; do
		echo "| $b | $k | $r1 | $a1 / $z1 | $r2 | $a2 / $z2 |"
	done <"$WORK/list"
	echo
fi
while IFS='|' read -r what b v rest; do
	case $what in
	seed) echo "- $b: seed-bench of $FAMILIES families: ${v} s ($rest)" ;;
	cold) echo "- $b: cold start to the first 200 /ready: median ${v} ms (runs: $rest)" ;;
	idle) echo "- $b: idle RSS after start on the seeded database: $(mb "$v")" ;;
	audit) echo "- $b: SEL audit $v" ;;
	esac
done <"$WORK/notes"
echo "- binary: $(stat -c %s "$BIN" | awk '{printf "%.2f MB", $1 / 1048576}')" \
	"($(stat -c %s "$WORK/stripped" | awk '{printf "%.2f MB", $1 / 1048576}') stripped, the web app embedded)"
