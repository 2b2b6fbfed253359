#!/usr/bin/env bash
# Moves a running school from one stage to the next (docs/OPERATIONS.md, "From SQLite to
# PostgreSQL"). Stage 1: SQLite to PostgreSQL, for one volunteer on the school's server:
#
#   sudo scripts/upgrade-stage.sh 1 'postgresql://schoolhub:PASSWORD@localhost/schoolhub'
#
# What it does, stopping at the first problem (the school then runs on SQLite as before):
#   1. checks the env file's DATABASE_URL is SQLite and the new PostgreSQL database answers;
#   2. stops the service (nobody can write during the copy);
#   3. backs the SQLite file up next to it (schoolhub.db.before-stage1-<UTC time>);
#   4. `schoolhub db copy`: every table in one transaction, verified (nothing is written to
#      PostgreSQL unless the whole copy matches);
#   5. switches DATABASE_URL in the env file (the old file kept as <file>.before-stage1-...);
#   6. starts the service and waits for /ready; if it does not come, puts the old env file
#      back and starts the service on SQLite again.
#
# Settings (environment; the defaults fit the install in docs/OPERATIONS.md):
#   SCHOOLHUB_ENV_FILE   the service's env file            /etc/schoolhub/schoolhub.env
#   SCHOOLHUB_BIN        the schoolhub binary               schoolhub on PATH
#   SCHOOLHUB_SERVICE    the systemd unit                   schoolhub
#   SCHOOLHUB_STOP_CMD   how to stop the service            systemctl stop $SCHOOLHUB_SERVICE
#   SCHOOLHUB_START_CMD  how to start it                    systemctl start $SCHOOLHUB_SERVICE
#   SCHOOLHUB_READY_URL  what must answer 200 afterwards    http://127.0.0.1:PORT/ready
#                        (PORT: SCHOOLHUB_PORT of the env file, else 8080)
#   SCHOOLHUB_READY_WAIT seconds to wait for it             60
#   SCHOOLHUB_WORKDIR    the service's working directory, for a relative sqlite:///file.db
#                                                           the current directory
set -euo pipefail
# Everything this script creates (the SQLite backup, the new env file with the secret key
# and the database password) is the owner's alone from its first byte.
umask 077

say() { printf '==> %s\n' "$*"; }
die() {
	printf 'upgrade-stage: %s\n' "$*" >&2
	exit 1
}

(($# == 2)) || die "usage: $0 1 'postgresql://USER:PASSWORD@HOST/DB'  (stage 1: SQLite to PostgreSQL)"
[[ $1 == 1 ]] || die "only stage 1 (SQLite to PostgreSQL) is done by this script"
TARGET=$2
[[ $TARGET == postgresql://* || $TARGET == postgres://* ]] ||
	die "the second argument must be a postgresql:// URL"

ENV_FILE=${SCHOOLHUB_ENV_FILE:-/etc/schoolhub/schoolhub.env}
BIN=${SCHOOLHUB_BIN:-$(command -v schoolhub || true)}
SERVICE=${SCHOOLHUB_SERVICE:-schoolhub}
STOP_CMD=${SCHOOLHUB_STOP_CMD:-systemctl stop $SERVICE}
START_CMD=${SCHOOLHUB_START_CMD:-systemctl start $SERVICE}
READY_WAIT=${SCHOOLHUB_READY_WAIT:-60}
[[ -x $BIN ]] || die "schoolhub not found (set SCHOOLHUB_BIN=/path/to/schoolhub)"
[[ -f $ENV_FILE ]] || die "no env file $ENV_FILE (set SCHOOLHUB_ENV_FILE)"

# The value of NAME in the env file (NAME=value, optional quotes), empty when absent.
env_value() {
	sed -n "s/^[[:space:]]*\(export[[:space:]]\+\)\?$1=//p" "$ENV_FILE" | tail -n1 |
		sed "s/^[\"']//; s/[\"']\$//"
}

SOURCE=$(env_value DATABASE_URL)
[[ $SOURCE == sqlite://* ]] || die "DATABASE_URL in $ENV_FILE is not SQLite: nothing to upgrade"
SQLITE_FILE=${SOURCE#sqlite://}
SQLITE_FILE=${SQLITE_FILE#/} # sqlite:///rel.db is rel.db, sqlite:////abs.db is /abs.db
[[ $SQLITE_FILE == /* ]] || SQLITE_FILE="${SCHOOLHUB_WORKDIR:-$PWD}/$SQLITE_FILE"
[[ -f $SQLITE_FILE ]] || die "the SQLite file $SQLITE_FILE does not exist"
PORT=$(env_value SCHOOLHUB_PORT)
READY_URL=${SCHOOLHUB_READY_URL:-http://127.0.0.1:${PORT:-8080}/ready}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)

# 1. PostgreSQL answers before anything stops (psql when installed; the copy checks anyway).
if command -v psql >/dev/null; then
	psql -X -qAt "$TARGET" -c 'SELECT 1' >/dev/null ||
		die "cannot connect to the PostgreSQL database: check the URL, the password and that it exists"
fi

# 2. Nobody writes during the copy. From here on, any failure starts the service again on
# SQLite (the env file is switched only after a verified copy).
say "stopping the service ($STOP_CMD)"
eval "$STOP_CMD"
SWITCHED=0
# shellcheck disable=SC2317 # run by the EXIT trap
restart_on_sqlite() {
	local rc=$?
	if ((rc != 0)); then
		if ((SWITCHED)); then
			cp -p "$ENV_FILE.before-stage1-$STAMP" "$ENV_FILE"
		fi
		echo "upgrade-stage: FAILED; starting the service on SQLite again" >&2
		eval "$STOP_CMD" >/dev/null 2>&1 || true
		eval "$START_CMD" || echo "upgrade-stage: the service did not start: start it by hand" >&2
	fi
	exit "$rc"
}
trap restart_on_sqlite EXIT

# 3. A backup of the SQLite file as it is now, one consistent file.
BACKUP="$SQLITE_FILE.before-stage1-$STAMP"
say "backing up $SQLITE_FILE to $BACKUP"
if command -v sqlite3 >/dev/null; then
	sqlite3 "$SQLITE_FILE" ".backup '$BACKUP'"
else
	cp -p "$SQLITE_FILE" "$BACKUP"
	for ext in -wal -shm; do [[ ! -f $SQLITE_FILE$ext ]] || cp -p "$SQLITE_FILE$ext" "$BACKUP$ext"; done
fi
chmod 600 "$BACKUP"

# 4. The copy: one transaction, verified, or nothing.
say "copying into PostgreSQL (schoolhub db copy)"
# The URL (with its password) through the environment, not argv: `ps` shows argv to all.
SCHOOLHUB_COPY_TO="$TARGET" "$BIN" db copy --from "sqlite:///$SQLITE_FILE"

# 5. DATABASE_URL now names PostgreSQL; the old env file is kept beside it.
say "switching DATABASE_URL in $ENV_FILE (old file: $ENV_FILE.before-stage1-$STAMP)"
cp -p "$ENV_FILE" "$ENV_FILE.before-stage1-$STAMP"
SWITCHED=1
{
	grep -v "^[[:space:]]*\(export[[:space:]]\+\)\?DATABASE_URL=" "$ENV_FILE.before-stage1-$STAMP" || true
	printf 'DATABASE_URL=%s\n' "$TARGET"
} >"$ENV_FILE.new"
chmod --reference="$ENV_FILE" "$ENV_FILE.new"
mv "$ENV_FILE.new" "$ENV_FILE"

# 6. Start and wait for /ready.
say "starting the service ($START_CMD)"
eval "$START_CMD"
for ((i = 0; i < READY_WAIT * 2; i++)); do
	if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$READY_URL" || true) == 200 ]]; then
		trap - EXIT
		say "done: the school runs on PostgreSQL ($READY_URL answers 200)"
		say "keep $BACKUP until you have checked the school works; the SQLite file is no longer used"
		exit 0
	fi
	sleep 0.5
done
die "$READY_URL did not answer 200 within $READY_WAIT s"
