#!/usr/bin/env bash
# `schoolhub backup` and `schoolhub restore` with the real binary, on either backend: a
# backup of the demo school (with an audit row) and its checksum (checked by sha256sum),
# the rotation of older backups (7 daily, 4 weekly), a restore into a new database that
# passes `audit verify` and holds the same members; refusals: a database that is not
# empty, a backup that no longer matches its checksum, a backup directory open to others.
#
# usage: tests/cli/backup_test.sh PATH/TO/schoolhub sqlite|postgres
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/cli_lib.sh"

ENVS=("${DB_ENV[@]}" SCHOOLHUB_SECRET_KEY="$SECRET")
BK="$WORK/backups"
EXT=db
[[ $BACKEND == sqlite ]] || EXT=dump
users_on() { sql_on "$1" "SELECT COUNT(*) FROM users"; }
tables_on() {
	if [[ $BACKEND == sqlite ]]; then
		sql_on "$1" "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
	else
		sql_on "$1" "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()"
	fi
}

run "${ENVS[@]}" -- seed-demo
check "seed-demo" "$(last)" rc_is 0
run "${ENVS[@]}" -- invite create
check "invite create writes an audit row" "$(last)" rc_is 0

# Older backups, as earlier nights would have left them: 1 to 6 days ago and 40 days ago.
mkdir -p "$BK"
for days in 1 2 3 4 5 6 40; do
	name="schoolhub-$(date -u -d "-$days days" +%Y%m%dT%H%M%SZ).$EXT"
	echo "old" >"$BK/$name"
	(cd "$BK" && sha256sum "$name" >"$name.sha256")
done
OLD40="schoolhub-$(date -u -d "-40 days" +%Y%m%dT%H%M%SZ).$EXT"

# A directory group or others can enter: refused, nothing written in it.
chmod 750 "$BK"
run "${ENVS[@]}" -- backup --to "$BK"
check "backup into a directory open to the group (750): refused (1), nothing written" "$(last)" \
	eval 'rc_is 1 && err_has "open to group or others" && [[ $(ls -A "$BK" | wc -l) == 14 ]]'
chmod 700 "$BK"

# Under a umask that would leave everything world-readable: the backup's files are 600
# anyway (created 0600 exclusively, the process's umask set to 077 first).
SAVED_UMASK=$(umask)
umask 000
run "${ENVS[@]}" -- backup --to "$BK"
umask "$SAVED_UMASK"
FILE=$OUT
check "backup: exit 0, prints the new file" "$(last)" eval 'rc_is 0 && [[ -f $FILE && $FILE == "$BK"/schoolhub-*Z.$EXT ]]'
check "the backup and its checksum are readable by their owner only (600), even under umask 000" \
	"$(stat -c '%a %n' "$FILE" "$FILE.sha256" 2>&1)" \
	[ "$(stat -c %a "$FILE" "$FILE.sha256" 2>/dev/null | sort -u)" = 600 ]
check "sha256sum -c accepts the checksum file" "$(cd "$BK" && sha256sum -c "$(basename "$FILE").sha256" 2>&1)" \
	eval '(cd "$BK" && sha256sum --quiet -c "$(basename "$FILE").sha256")'
check "rotation: the 6 previous days kept, 40 days ago removed with its checksum" "$(ls "$BK")" \
	eval '[[ $(find "$BK" -name "schoolhub-*.$EXT" | wc -l) == 7 && ! -e $BK/$OLD40 && ! -e $BK/$OLD40.sha256 ]]'
check "no partial file left" "$(ls -a "$BK")" eval '! ls -a "$BK" | grep -q partial'

other_db restored
run DATABASE_URL="$OTHER_URL" SCHOOLHUB_DATA_DIR="$WORK/restored" -- restore "$FILE"
check "restore into a new database: exit 0" "$(last)" eval 'rc_is 0 && out_has "restored"'
check "the restored database holds the same members" "source $(users_on "$DB_URL"), restored $(users_on "$OTHER_URL")" \
	[ "$(users_on "$DB_URL")" = "$(users_on "$OTHER_URL")" ]
run DATABASE_URL="$OTHER_URL" SCHOOLHUB_DATA_DIR="$WORK/restored" -- audit verify
check "audit verify on the restored database: intact, 1 row" "$(last)" \
	eval 'rc_is 0 && out_has "audit log intact: 1 row(s)"'

run DATABASE_URL="$OTHER_URL" SCHOOLHUB_DATA_DIR="$WORK/restored" -- restore "$FILE"
check "restore into a database that has tables: refused (3)" "$(last)" \
	eval 'rc_is 3 && err_has "not empty"'
BROKEN="$WORK/$(basename "$FILE")"
cp "$FILE" "$BROKEN" && cp "$FILE.sha256" "$BROKEN.sha256"
printf 'X' | dd of="$BROKEN" bs=1 seek=2000 conv=notrunc status=none
other_db broken
run DATABASE_URL="$OTHER_URL" SCHOOLHUB_DATA_DIR="$WORK/broken" -- restore "$BROKEN"
check "a backup changed after it was written: refused (3), the database untouched" "$(last)" \
	eval 'rc_is 3 && err_has "does not match its checksum" && [[ $(tables_on "$OTHER_URL") == 0 ]]'
run -- restore
check "restore without a file: usage, exit 2" "$(last)" eval 'rc_is 2 && err_has "usage: schoolhub restore"'

cli_summary
