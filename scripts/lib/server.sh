# shellcheck shell=bash disable=SC2034 # the SH_* results are read by the scripts sourcing this
# Running "schoolhub serve" from the test and benchmark scripts (tests/cli, tests/crash,
# tests/drills, tests/e2e, scripts/bench.sh, bench/soak.sh). Source it, don't run it:
#   . "$ROOT/scripts/lib/server.sh"
#
#   sh_work_dir PREFIX                 SH_WORK: a new temporary directory, removed on exit
#   sh_server_clean_env KEEP...        unset the operator's SCHOOLHUB_*, DATABASE_URL, SEL_*
#   sh_server_start LOG BIN [N=V...]   "BIN serve" in the background (SCHOOLHUB_PORT=0 unless
#                                      given), waits for its "listening on" line; sets
#                                      SH_SERVER_PID, SH_SERVER_PORT, SH_SERVER_BASE
#   sh_server_launch LOG BIN [N=V...]  the same without waiting (SH_SERVER_PID only)
#   sh_server_wait_ready BASE SECONDS PID [POLL_LOG]   until GET BASE/ready answers 200
#   sh_free_port                       a TCP port nobody listens on now
#   sh_pid_stop PID [SIGNAL] [SECONDS] signal, wait, SIGKILL after SECONDS; SH_PID_RC
#   sh_pid_reap PID [SECONDS]          wait for its exit (SIGKILL after SECONDS); SH_PID_RC
#   sh_pid_track PID...                stop these on exit too
#   sh_pg_db_create ADMIN_URL NAME     CREATE DATABASE, dropped on exit; SH_PG_DB_URL
#   sh_http METHOD URL [TOKEN] [JSON]  one request; SH_HTTP_STATUS, SH_HTTP_BODY, SH_HTTP_HEADERS
#   sh_json_str KEY [FILE]             the first string member KEY (FILE or stdin)
#   sh_on_exit HOOK                    run HOOK on exit ($SH_EXIT_RC is the exit status)
#   sh_server_log_on_failure LINES     on a failing exit, show the end of the last server log
#
# The server's mode is the caller's to say: schoolhub runs as production when SCHOOLHUB_ENV is
# unset (a secret required, invitation-only registration, no seeders), and nothing here
# sets it, so each script exports SCHOOLHUB_ENV=development (or passes it) when it needs
# open registration, and a test of the default can leave it unset.
#
# Cleanup is by pid, never by name, and always happens: the first function that registers
# something (a process, a database, the work directory, a hook) installs an EXIT trap, and
# INT/TERM/HUP traps that exit 130/143/129. On exit the tracked processes are stopped (last
# started first), the end of the server log shown (on failure, when asked), the databases
# dropped, the hooks run in order, then SH_WORK is removed (unless SH_KEEP_WORK is set).
# A script using this file sets no EXIT trap of its own. Exit status 77 means "skipped"
# (ctest's SKIP_RETURN_CODE), not failed.

if [[ -n ${SH_SERVER_LIB_LOADED:-} ]]; then
	return 0
fi
SH_SERVER_LIB_LOADED=1

SH_WORK=""       # sh_work_dir
SH_KEEP_WORK=""  # non-empty: SH_WORK is left in place on exit
SH_EXIT_RC=""    # the exit status, for the hooks
SH_EXIT_HOOKS=() # sh_on_exit
SH_PIDS=()       # processes stopped on exit
SH_PG_DBS=()     # "ADMIN_URL NAME" of the databases dropped on exit
SH_TRAP_SET=""
SH_PID_RC=""
SH_SERVER_PID=""
SH_SERVER_LOG=""       # the log of the last server started
SH_SERVER_LOG_LINES="" # sh_server_log_on_failure
SH_SERVER_PORT=""
SH_SERVER_BASE=""
SH_PG_DB_URL=""
SH_HTTP_MAX_TIME=${SH_HTTP_MAX_TIME:-30} # seconds for one sh_http request
SH_HTTP_STATUS=""
SH_HTTP_BODY=""
SH_HTTP_HEADERS=""

# --- exit --------------------------------------------------------------------------------

sh_trap_install() {
	[[ -z $SH_TRAP_SET ]] || return 0
	SH_TRAP_SET=1
	trap sh_exit_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

# shellcheck disable=SC2317 # only called through the EXIT trap
sh_exit_cleanup() {
	SH_EXIT_RC=$?
	local pids=("${SH_PIDS[@]}") i db hook
	set +e
	trap - EXIT INT TERM HUP
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		sh_pid_stop "${pids[i]}"
	done
	if [[ -n $SH_SERVER_LOG_LINES && $SH_EXIT_RC != 0 && $SH_EXIT_RC != 77 && -f $SH_SERVER_LOG ]]; then
		echo "server log $SH_SERVER_LOG (last $SH_SERVER_LOG_LINES lines):" >&2
		tail -n "$SH_SERVER_LOG_LINES" "$SH_SERVER_LOG" >&2
	fi
	for db in "${SH_PG_DBS[@]}"; do
		sh_pg_db_drop "${db%% *}" "${db#* }"
	done
	for hook in "${SH_EXIT_HOOKS[@]}"; do
		"$hook"
	done
	[[ -z $SH_WORK || -n $SH_KEEP_WORK ]] || rm -rf "$SH_WORK"
	exit "$SH_EXIT_RC"
}

sh_on_exit() {
	sh_trap_install
	SH_EXIT_HOOKS+=("$1")
}

# sh_server_log_on_failure LINES: on an exit other than 0 and 77, the last LINES of the log
# of the last server started go to stderr.
sh_server_log_on_failure() {
	sh_trap_install
	SH_SERVER_LOG_LINES=$1
}

# sh_work_dir PREFIX: SH_WORK is a new directory under $TMPDIR (or /tmp), absolute path.
sh_work_dir() {
	sh_trap_install
	SH_WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	SH_WORK=$(cd "$SH_WORK" && pwd)
}

# --- processes ---------------------------------------------------------------------------

# True while PID is a live (not zombie) process.
sh_pid_running() {
	local state
	[[ $1 =~ ^[0-9]+$ ]] || return 1
	state=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
	[[ -n $state && $state != Z ]]
}

sh_pid_track() {
	sh_trap_install
	SH_PIDS+=("$@")
}

# A reaped pid may be reused by someone else's process: it is never signalled again.
sh_pid_untrack() {
	local kept=() pid
	for pid in "${SH_PIDS[@]}"; do
		[[ $pid == "$1" ]] || kept+=("$pid")
	done
	SH_PIDS=("${kept[@]}")
}

# sh_pid_wait PID SECONDS: true when PID has exited within SECONDS (it is not reaped).
sh_pid_wait() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		sh_pid_running "$1" || return 0
		sleep 0.1
	done
	! sh_pid_running "$1"
}

# sh_pid_reap PID [SECONDS]: waits for PID to exit (SIGKILL after SECONDS; without SECONDS
# as long as it takes), reaps it when it is our child and forgets it. SH_PID_RC is its exit
# status (128 + N when killed by signal N).
sh_pid_reap() {
	local pid=$1 seconds=${2:-}
	SH_PID_RC=0
	[[ $pid =~ ^[0-9]+$ ]] || return 0
	if [[ -n $seconds ]] && ! sh_pid_wait "$pid" "$seconds"; then
		echo "process $pid still running after $seconds s: SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || SH_PID_RC=$?
	sh_pid_untrack "$pid"
	return 0
}

# sh_pid_stop PID [SIGNAL] [SECONDS]: sends SIGNAL (TERM) unless PID is gone already, then
# sh_pid_reap PID SECONDS (10).
sh_pid_stop() {
	local pid=$1 signal=${2:-TERM} seconds=${3:-10}
	SH_PID_RC=0
	[[ $pid =~ ^[0-9]+$ ]] || return 0
	if sh_pid_running "$pid"; then
		kill -"$signal" "$pid" 2>/dev/null || true
	fi
	sh_pid_reap "$pid" "$seconds"
}

# --- the server ----------------------------------------------------------------------------

# sh_server_clean_env KEEP...: a known environment, none of the operator's settings leak
# into the server: unsets SCHOOLHUB_*, DATABASE_URL and SEL_* but the variables named KEEP
# (e.g. SCHOOLHUB_TEST_PG_URL).
sh_server_clean_env() {
	local name
	while read -r name; do
		[[ " $* " != *" $name "* ]] || continue
		case $name in
		SCHOOLHUB_* | DATABASE_URL | REDIS_URL | SEL_*) unset "$name" ;;
		esac
	done < <(compgen -e)
}

# sh_free_port: a TCP port nobody listens on now (SCHOOLHUB_PORT=0 has no race at all).
sh_free_port() {
	local port i
	for ((i = 0; i < 200; i++)); do
		# Below the kernel's ephemeral range (32768+), where outgoing connections of
		# tests running in parallel could hold the port without listening on it.
		port=$((20000 + RANDOM % 12000))
		if ! (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

# sh_server_launch LOG BIN [NAME=VALUE...]: "BIN serve" in the background with that
# environment added (SCHOOLHUB_PORT=0, the port the kernel picks, unless given; the realtime
# channel's port likewise, rather than the HTTP port + 1, which a test's chosen port does not
# promise free), stdout and stderr to LOG. Sets SH_SERVER_PID; the server is stopped on exit.
sh_server_launch() {
	local log=$1 bin=$2
	shift 2
	SH_SERVER_LOG=$log
	# Emptied here, not by the child's redirection: a restart on the same log would
	# otherwise let sh_server_port read the previous server's "listening on" line (and its
	# port) before the new process has truncated the file.
	: >"$log"
	env SCHOOLHUB_PORT=0 SCHOOLHUB_REALTIME_PORT=0 "$@" "$bin" serve >"$log" 2>&1 &
	SH_SERVER_PID=$!
	sh_pid_track "$SH_SERVER_PID"
}

# sh_server_port PID LOG [SECONDS]: prints the port of the startup line "listening on
# http://HOST:PORT" in LOG (60 s at most); false when PID exited or the time ran out.
sh_server_port() {
	local pid=$1 log=$2 seconds=${3:-60} port i
	for ((i = 0; i < seconds * 10; i++)); do
		port=$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$log" | head -n1)
		if [[ -n $port ]]; then
			echo "$port"
			return 0
		fi
		sh_pid_running "$pid" || return 1
		sleep 0.1
	done
	return 1
}

# sh_server_start LOG BIN [NAME=VALUE...]: sh_server_launch, then waits for the startup
# line; sets SH_SERVER_PORT and SH_SERVER_BASE (http://127.0.0.1:PORT). False when the
# server exited or is not listening after 60 s (it is still tracked: sh_pid_stop it to
# read its exit status).
sh_server_start() {
	SH_SERVER_PORT=""
	SH_SERVER_BASE=""
	sh_server_launch "$@"
	SH_SERVER_PORT=$(sh_server_port "$SH_SERVER_PID" "$1") || return 1
	SH_SERVER_BASE="http://127.0.0.1:$SH_SERVER_PORT"
}

# sh_server_wait_ready BASE SECONDS PID [POLL_LOG]: polls BASE/ready every 50 ms until it
# answers 200 (true), PID exits or SECONDS pass (false). Each poll appends "epoch status
# seconds" to POLL_LOG when given.
sh_server_wait_ready() {
	local base=$1 seconds=$2 pid=$3 poll_log=${4:-/dev/null} deadline res
	deadline=$(awk -v t="$EPOCHREALTIME" -v s="$seconds" 'BEGIN {printf "%.6f", t + s}')
	while :; do
		res=$(curl -s --max-time 2 -o /dev/null -w '%{http_code} %{time_total}' "$base/ready") || true
		echo "$EPOCHREALTIME $res" >>"$poll_log"
		[[ $res == 200* ]] && return 0
		sh_pid_running "$pid" || return 1
		awk -v t="$EPOCHREALTIME" -v d="$deadline" 'BEGIN {exit !(t >= d)}' && return 1
		sleep 0.05
	done
}

# True when FILE (a server's or command's output) holds a sanitizer report.
sh_sanitizer_report() {
	grep -qE 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|SUMMARY: [A-Za-z]+Sanitizer' "$1"
}

# --- a throwaway PostgreSQL database -------------------------------------------------------

# sh_pg_db_create ADMIN_URL NAME: CREATE DATABASE NAME on the server of ADMIN_URL (where we
# may create databases), dropped on exit. SH_PG_DB_URL is ADMIN_URL with its database
# replaced by NAME, keeping its query string. NAME: lower case, digits, underscores.
sh_pg_db_create() {
	local admin=$1 name=$2 base query="" authority
	sh_trap_install
	# Dropped on exit only once it is ours: a name taken by another run stays theirs.
	psql -X -q -v ON_ERROR_STOP=1 "$admin" -c "CREATE DATABASE \"$name\"" >/dev/null || return 1
	SH_PG_DBS+=("$admin $name")
	base=${admin%%\?*}
	[[ $admin != *\?* ]] || query="?${admin#*\?}"
	authority=${base#*://}
	authority=${authority%%/*}
	SH_PG_DB_URL="${base%%://*}://$authority/$name$query"
}

# sh_pg_db_drop ADMIN_URL NAME: drops it now (sessions still on it are ended).
sh_pg_db_drop() {
	PGOPTIONS="-c client_min_messages=warning" psql -X -q "$1" \
		-c "DROP DATABASE IF EXISTS \"$2\" WITH (FORCE)" >/dev/null && return 0
	echo "could not drop database $2" >&2
	return 1
}

# --- HTTP ----------------------------------------------------------------------------------

# sh_http METHOD URL [TOKEN] [JSON]: one request with curl ($SH_HTTP_MAX_TIME s at most).
# Sets SH_HTTP_STATUS (000: no full answer), SH_HTTP_BODY and SH_HTTP_HEADERS (without CRs);
# the body also stays in $SH_WORK/http.body (sh_work_dir first).
sh_http() {
	local args=(-s --max-time "$SH_HTTP_MAX_TIME" -X "$1" -o "$SH_WORK/http.body"
		-D "$SH_WORK/http.headers" -w '%{http_code}' -H 'Expect:')
	[[ -z ${3:-} ]] || args+=(-H "Authorization: Bearer $3")
	[[ -z ${4:-} ]] || args+=(-H 'Content-Type: application/json' --data-binary "$4")
	: >"$SH_WORK/http.body"
	: >"$SH_WORK/http.headers"
	SH_HTTP_STATUS=$(curl "${args[@]}" "$2") || SH_HTTP_STATUS=000
	SH_HTTP_BODY=$(<"$SH_WORK/http.body")
	SH_HTTP_HEADERS=$(tr -d '\r' <"$SH_WORK/http.headers")
}

# sh_json_str KEY [FILE]: the first string member KEY of a JSON text (FILE, or stdin), by a
# flat grep (enough for our replies); empty when there is none.
sh_json_str() {
	grep -o "\"$1\":\"[^\"]*\"" "${2:--}" | head -n1 | sed 's/^"[^"]*":"//; s/"$//' || true
}
