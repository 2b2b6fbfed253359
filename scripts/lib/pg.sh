# shellcheck shell=bash
# A throwaway PostgreSQL for scripts/test.sh and scripts/bench.sh. Source it, don't run it:
#   . "$SH_ROOT/scripts/lib/pg.sh"
#   pg_start [-c name=value ...]   initdb in a mktemp directory under /tmp, start on a free
#                                  port in 55433-55532 (extra server settings as given),
#                                  export SCHOOLHUB_TEST_PG_URL
#   pg_stop                        stop it (call it from the caller's EXIT trap); only ever
#                                  signals the postmaster of our own data directory

PG_TMP=""  # mktemp -d directory holding data/, the socket and the log
PG_DATA="" # data directory, set before the server is started
PG_PID=""  # postmaster pid read from postmaster.pid
PG_BIN=""
PG_AS=() # runs a command as the postgres user when we are root

# True while PID is alive and is the postmaster of our data directory (never
# someone else's process that got the pid later, never another PostgreSQL).
pg_is_ours() {
	local pid="$1" cmdline
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
	[[ "$cmdline" == *postgres* && "$cmdline" == *"$PG_DATA"* ]]
}

port_in_use() {
	timeout 2 bash -c ": </dev/tcp/127.0.0.1/$1" 2>/dev/null
}

pg_start() {
	local port started=0 attempts=0 i
	PG_BIN="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' \
		-printf '%h\n' 2>/dev/null | sort -V | tail -n1)"
	if [[ -z "$PG_BIN" ]]; then
		echo "no PostgreSQL server under /usr/lib/postgresql/*/bin" >&2
		return 1
	fi
	# Under /tmp whatever TMPDIR says: the postgres user must be able to reach it.
	PG_TMP="$(mktemp -d /tmp/schoolhub-pg.XXXXXX)"
	PG_DATA="$PG_TMP/data"
	if ((EUID == 0)); then
		chown postgres:postgres "$PG_TMP" || return 1
		PG_AS=(runuser -u postgres --)
	fi
	# initdb from a directory postgres can read (the caller's cwd may be /root).
	if ! (cd "$PG_TMP" && "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres \
		-E UTF8 --locale=C.UTF-8 >"$PG_TMP/initdb.log" 2>&1); then
		cat "$PG_TMP/initdb.log" >&2
		return 1
	fi
	for port in $(seq 55433 55532); do
		port_in_use "$port" && continue
		attempts=$((attempts + 1))
		if (cd "$PG_TMP" && "${PG_AS[@]}" "$PG_BIN/pg_ctl" start -D "$PG_DATA" -w -t 60 \
			-l "$PG_TMP/postgres.log" \
			-o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 $*" \
			>/dev/null 2>&1); then
			started=1
			break
		fi
		# Lost a race for the port? Then try the next one; anything else is fatal.
		if ! grep -q 'could not bind\|Address already in use' "$PG_TMP/postgres.log" ||
			((attempts >= 5)); then
			cat "$PG_TMP/postgres.log" >&2
			return 1
		fi
	done
	if ((!started)); then
		echo "no free port for PostgreSQL in 55433-55532" >&2
		return 1
	fi
	PG_PID="$(head -n1 "$PG_DATA/postmaster.pid")"
	for i in $(seq 1 60); do
		"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres && break
		((i == 60)) && {
			echo "PostgreSQL did not become ready" >&2
			return 1
		}
		sleep 0.5
	done
	export SCHOOLHUB_TEST_PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
	echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') pid $PG_PID on port $port, data in $PG_DATA"
	echo "SCHOOLHUB_TEST_PG_URL=$SCHOOLHUB_TEST_PG_URL"
}

pg_stop() {
	if [[ -n "$PG_DATA" && -d "$PG_DATA" ]]; then
		if [[ -f "$PG_DATA/postmaster.pid" ]]; then
			"${PG_AS[@]}" "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 30 >/dev/null 2>&1
		fi
		if [[ -z "$PG_PID" && -f "$PG_DATA/postmaster.pid" ]]; then
			PG_PID="$(head -n1 "$PG_DATA/postmaster.pid" 2>/dev/null)"
		fi
	fi
	if [[ -n "$PG_PID" ]] && pg_is_ours "$PG_PID"; then
		echo "PostgreSQL $PG_PID still running after pg_ctl stop: sending SIGTERM" >&2
		kill -TERM "$PG_PID" 2>/dev/null
		for _ in $(seq 1 50); do
			pg_is_ours "$PG_PID" || break
			sleep 0.1
		done
		if pg_is_ours "$PG_PID"; then
			echo "PostgreSQL $PG_PID still running: sending SIGKILL" >&2
			kill -KILL "$PG_PID" 2>/dev/null
		fi
	fi
	[[ -n "$PG_TMP" ]] && rm -rf "$PG_TMP"
	PG_TMP="" PG_DATA="" PG_PID=""
	return 0
}
