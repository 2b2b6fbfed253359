# shellcheck shell=bash
# Shared by the fault drills in tests/drills/ (sourced, not run). Each drill drives the
# real binary: it starts "schoolhub serve" (and, for some, its own PostgreSQL or file
# system), injects one fault under a load of curl clients, and checks what clients saw.
#
# Everything a drill starts is registered with scripts/lib/server.sh and stopped by its pid
# on exit, whatever happens; then drill_cleanup runs (the private PostgreSQL), then the
# drill's own steps, registered with sh_on_exit (umount, ...).
#
# A drill sets DRILL (its name) before sourcing this file. Exit status 77 means "skipped"
# (ctest SKIP_RETURN_CODE), for a drill that lacks a privilege it needs. DRILL_KEEP=1 keeps
# the work directory (server log, one line per request of the load) for a look afterwards.

# shellcheck source=scripts/lib/server.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/server.sh"
sh_work_dir "sh-drill-$DRILL"
DRILL_WORK=$SH_WORK
SERVER_PID=""     # the running "schoolhub serve"
SERVER_LOG=""
SERVER_RC=""      # exit status of the last server_stop (read by the drills)
BASE=""
PG_TMP=""         # private PostgreSQL (pg_private_start): data, socket, log
PG_DATA=""
PG_BIN=""
PG_PORT=""
PG_AS=()          # runs a command as the postgres user when we are root

log() { echo "$DRILL: $*" >&2; }

fail() {
	log "FAIL: $*"
	exit 1
}

skip() {
	log "SKIPPED: $*"
	exit 77
}

# True while PID is the postmaster of our private data directory (never someone else's).
pg_is_ours() {
	local pid=$1 cmdline
	[[ $pid =~ ^[0-9]+$ && -n $PG_DATA ]] || return 1
	sh_pid_running "$pid" || return 1
	cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
	[[ $cmdline == *postgres* && $cmdline == *"$PG_DATA"* ]]
}

# shellcheck disable=SC2317 # only called on exit, once the processes are stopped
drill_cleanup() {
	local pid
	if [[ -n $PG_DATA && -f $PG_DATA/postmaster.pid ]]; then
		pid=$(head -n1 "$PG_DATA/postmaster.pid" 2>/dev/null)
		"${PG_AS[@]}" "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m immediate -w -t 30 >/dev/null 2>&1
		if pg_is_ours "$pid"; then
			log "PostgreSQL $pid still running after pg_ctl stop: SIGKILL"
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	[[ -n $PG_TMP ]] && rm -rf "$PG_TMP"
	if [[ -n ${DRILL_KEEP:-} ]]; then
		log "DRILL_KEEP is set: records and logs kept in $DRILL_WORK"
		SH_KEEP_WORK=1
	fi
}
sh_on_exit drill_cleanup
sh_server_log_on_failure 25

# A known environment: none of the operator's settings leak into the drill.
sh_server_clean_env SCHOOLHUB_TEST_PG_URL
export SCHOOLHUB_ENV=development # unset is production: invitation-only registration
export SCHOOLHUB_HOST=127.0.0.1 SCHOOLHUB_LOG_LEVEL=info SCHOOLHUB_MAX_CONNECTIONS_PER_IP=1024
export SCHOOLHUB_SECRET_KEY="drill-secret-key-0123456789-abcdefghijklmnopqrstuv"
export SCHOOLHUB_DATA_DIR="$DRILL_WORK/data"

# now: seconds since the epoch with microseconds, without a fork.
now() { echo "$EPOCHREALTIME"; }
# elapsed FROM [TO]: seconds between two now values, 3 decimals.
elapsed() { awk -v a="$1" -v b="${2:-$EPOCHREALTIME}" 'BEGIN {printf "%.3f", b - a}'; }

# --- the server -------------------------------------------------------------------------

# server_start BIN NAME [NAME=VALUE...]: "schoolhub serve" in the background on a port the
# kernel picks, read back from its startup line; sets SERVER_PID, SERVER_LOG and BASE.
server_start() {
	local bin=$1 name=$2
	shift 2
	SERVER_LOG="$DRILL_WORK/serve-$name.log"
	sh_server_start "$SERVER_LOG" "$bin" "$@" ||
		fail "the server did not start listening: $(tail -n 3 "$SERVER_LOG")"
	SERVER_PID=$SH_SERVER_PID
	BASE=$SH_SERVER_BASE
}

# server_stop SIGNAL: signals the server and waits (30 s at most); sets SERVER_RC.
server_stop() {
	sh_pid_stop "$SERVER_PID" "$1" 30
	# shellcheck disable=SC2034 # read by the drills
	SERVER_RC=$SH_PID_RC
	SERVER_PID=""
	# The drills also run on the AddressSanitizer build: a report is a failure.
	if sh_sanitizer_report "$SERVER_LOG"; then
		fail "sanitizer report in the server log: $(grep -m1 -E 'Sanitizer|runtime error:' "$SERVER_LOG")"
	fi
}

# http_code METHOD PATH [TOKEN] [JSON]: prints the status (000: no answer); body in $DRILL_WORK/http.body.
SH_HTTP_MAX_TIME=10
http_code() {
	sh_http "$1" "$BASE$2" "${3:-}" "${4:-}"
	echo "$SH_HTTP_STATUS"
}

# register_members N: EMAILS[i], TOKENS[i] and IDS[i] of N new members; member i's
# password is "drill password i".
EMAILS=()
TOKENS=()
IDS=()
register_members() {
	local i code
	for ((i = 0; i < $1; i++)); do
		EMAILS+=("drill$i.$$@example.be")
		code=$(http_code POST /api/v1/auth/register "" \
			"{\"email\":\"${EMAILS[$i]}\",\"password\":\"drill password $i\",\"first_name\":\"Drill\",\"last_name\":\"M$i\",\"privacy_version\":\"2026-12-09\"}")
		[[ $code == 201 ]] || fail "register member $i: $code $(cat "$DRILL_WORK/http.body")"
		TOKENS+=("$(sh_json_str access_token "$DRILL_WORK/http.body")")
		# The user object comes after the tokens: its "id" is the first one in the answer.
		IDS+=("$(sh_json_str id "$DRILL_WORK/http.body")")
	done
}

# --- the load ---------------------------------------------------------------------------

# load_client N KIND OUT: one request after another until $DRILL_WORK/stop exists, one
# curl each (a new connection per request), appending per request to OUT:
#   start end kind status problem_code seconds curl_exit
# start and end are wall-clock times around the curl process; seconds is curl's own
# time_total (the request alone, without starting a process on a busy machine); status
# 000 is no answer, and curl_exit says why (7 refused, 52 empty reply, 56 reset, 28 timeout).
# KIND: read (GET balance, GET /users/me in turn), write (1-unit payment from member N
# to member N+1) or login (member N's password: argon2id, the slowest request).
load_client() {
	local n=$1 kind=$2 out=$3 i=0 members=${#TOKENS[@]} t0 t1 res rc code pcode secs
	local body="$DRILL_WORK/load.$n.body"
	local m=$((n % members))
	local token=${TOKENS[$m]}
	local to=${IDS[$(((n + 1) % members))]}
	local args=()
	until [[ -e $DRILL_WORK/stop ]]; do
		i=$((i + 1))
		case $kind in
		write)
			args=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json'
				--data-binary "{\"to_user_id\":\"$to\",\"units\":1,\"description\":\"drill\"}"
				"$BASE/api/v1/sel/transactions") ;;
		login)
			args=(-H 'Content-Type: application/json'
				--data-binary "{\"email\":\"${EMAILS[$m]}\",\"password\":\"drill password $m\"}"
				"$BASE/api/v1/auth/login") ;;
		*)
			args=(-H "Authorization: Bearer $token" "$BASE/api/v1/users/me")
			((i % 2 == 0)) || args[2]="$BASE/api/v1/sel/balance" ;;
		esac
		t0=$EPOCHREALTIME
		rc=0
		res=$(curl -s --max-time 10 -o "$body" -w '%{http_code} %{time_total}' -H 'Expect:' \
			"${args[@]}") || rc=$?
		t1=$EPOCHREALTIME
		code=${res%% *}
		[[ $code =~ ^[0-9]{3}$ ]] || code=000
		pcode=-
		if [[ $code != 2* && -s $body ]]; then
			pcode=$(sh_json_str code "$body")
			[[ -n $pcode ]] || pcode='?'
		fi
		secs=-
		[[ $res != *" "* ]] || secs=${res#* }
		echo "$t0 $t1 $kind $code $pcode $secs $rc" >>"$out"
	done
}

# load_start KIND...: one load client per KIND (write, read or login); their records go
# to $DRILL_WORK/load.*.log (load_records concatenates them).
LOAD_PIDS=()
load_start() {
	local n=${#LOAD_PIDS[@]} kind
	rm -f "$DRILL_WORK/stop"
	for kind in "$@"; do
		: >"$DRILL_WORK/load.$n.log"
		load_client "$n" "$kind" "$DRILL_WORK/load.$n.log" &
		LOAD_PIDS+=($!)
		sh_pid_track $!
		n=$((n + 1))
	done
}

# load_stop: each client finishes its request and records it (15 s at most), then exits.
load_stop() {
	local pid
	touch "$DRILL_WORK/stop"
	for pid in "${LOAD_PIDS[@]}"; do
		sh_pid_wait "$pid" 15 || true
		sh_pid_stop "$pid"
	done
	LOAD_PIDS=()
}

load_records() { cat "$DRILL_WORK"/load.*.log; }

# burst N PATH TOKEN: N requests at once, each on its own connection (so every worker
# thread of the server gets some); prints one status per request.
burst() {
	local i
	for ((i = 0; i < $1; i++)); do
		printf 'url = "%s"\noutput = "/dev/null"\n' "$BASE$2"
	done >"$DRILL_WORK/burst.cfg"
	curl -s --parallel --parallel-immediate --parallel-max "$1" --max-time 10 \
		-H "Authorization: Bearer $3" -K "$DRILL_WORK/burst.cfg" -w '%{http_code}\n' 2>/dev/null || true
}

# --- a private PostgreSQL the drill may stop and start ------------------------------------

# pg_private_start: initdb in a temporary directory and start it on a free port (as the
# postgres user when we are root, like scripts/test.sh). Sets PG_PORT; never touches the
# server in SCHOOLHUB_TEST_PG_URL.
pg_private_start() {
	local port started=0 attempts=0
	PG_BIN=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' \
		-printf '%h\n' 2>/dev/null | sort -V | tail -n1)
	[[ -n $PG_BIN ]] || skip "no PostgreSQL server under /usr/lib/postgresql/*/bin"
	# Under /tmp whatever TMPDIR says: the postgres user must be able to reach it.
	PG_TMP=$(mktemp -d /tmp/sh-drill-pg.XXXXXX)
	PG_DATA="$PG_TMP/data"
	if ((EUID == 0)); then
		chown postgres:postgres "$PG_TMP" || fail "chown $PG_TMP"
		PG_AS=(runuser -u postgres --)
	fi
	(cd "$PG_TMP" && "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres \
		-E UTF8 --locale=C.UTF-8 >"$PG_TMP/initdb.log" 2>&1) ||
		fail "initdb: $(tail -n 5 "$PG_TMP/initdb.log")"
	for port in $(seq $((56000 + RANDOM % 500)) 56999); do
		(: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
		attempts=$((attempts + 1))
		PG_PORT=$port
		if pg_private_up; then
			started=1
			break
		fi
		# Lost a race for the port? Then try the next one; anything else is fatal.
		if ! grep -q 'could not bind\|Address already in use' "$PG_TMP/postgres.log" ||
			((attempts >= 5)); then
			fail "PostgreSQL did not start: $(tail -n 5 "$PG_TMP/postgres.log")"
		fi
	done
	((started)) || fail "no free port for PostgreSQL"
}

# pg_private_up: starts the private PostgreSQL on PG_PORT and waits until it accepts
# connections (pg_ctl -w).
pg_private_up() {
	(cd "$PG_TMP" && "${PG_AS[@]}" "$PG_BIN/pg_ctl" start -D "$PG_DATA" -w -t 60 \
		-l "$PG_TMP/postgres.log" \
		-o "-p $PG_PORT -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off" \
		>/dev/null 2>&1)
}

# pg_private_down: fast shutdown (active sessions are ended), waiting until it is down.
pg_private_down() {
	(cd "$PG_TMP" && "${PG_AS[@]}" "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 60 \
		>/dev/null 2>&1)
}
