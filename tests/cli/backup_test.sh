#!/usr/bin/env bash
# `schoolhub backup` and `schoolhub restore` with the real binary, on either backend: a
# backup of the demo school (with an audit row) and its checksum (checked by sha256sum),
# the rotation of older backups (7 daily, 4 weekly), a restore into a new database that
# passes `audit verify` and holds the same members; refusals: a database that is not
# empty, a backup that no longer matches its checksum, a backup directory open to others.
# The manifest (issue #16): written 0600 beside the backup with every table's row count and
# checksum and the schema version, rotated with it, without personal data; checked by the
# restore before migrating: an edited count, or a backup swapped for another one with its
# checksum recomputed, is refused naming the table, and the restore undone (the database
# empty again, so the right backup then restores into it); --no-manifest for old backups.
# Review fixes: a malformed or foreign manifest refused before restoring; a table-less
# database holding a view (a function, a sequence) refused and kept; the PostgreSQL undo
# with a view and pg_trgm present; the SQLite backup sealed in journal mode DELETE; no
# backup left without its checksum; stale .partial files removed; the password never on
# pg_dump's or pg_restore's command line; a row written during pg_dump stays out of the
# backup and its manifest.
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
	echo '{}' >"$BK/$name.manifest.json"
done
OLD40="schoolhub-$(date -u -d "-40 days" +%Y%m%dT%H%M%SZ).$EXT"

# A directory group or others can enter: refused, nothing written in it.
chmod 750 "$BK"
run "${ENVS[@]}" -- backup --to "$BK"
check "backup into a directory open to the group (750): refused (1), nothing written" "$(last)" \
	eval 'rc_is 1 && err_has "open to group or others" && [[ $(ls -A "$BK" | wc -l) == 21 ]]'
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
check "rotation: the 6 previous days kept, 40 days ago removed with its checksum and manifest" "$(ls "$BK")" \
	eval '[[ $(find "$BK" -name "schoolhub-*.$EXT" | wc -l) == 7 && ! -e $BK/$OLD40 && ! -e $BK/$OLD40.sha256 && ! -e $BK/$OLD40.manifest.json ]]'
if [[ $BACKEND == sqlite ]]; then
	# Bytes 18-19 of the header: 1 1 in rollback-journal (DELETE) mode, 2 2 in WAL mode.
	HEADER_MODE=$(od -An -tu1 -j18 -N2 "$FILE" | tr -s ' ')
	check "the SQLite backup is sealed in journal mode DELETE (header bytes 18-19: 1 1)" \
		"header bytes 18-19:$HEADER_MODE" [ "$HEADER_MODE" = " 1 1" ]
fi
MANIFEST="$FILE.manifest.json"
# manifest_get EXPRESSION: a value of the manifest (python3: m is the parsed file).
manifest_get() { python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$MANIFEST" "$1" 2>&1; }
MIGRATIONS=("$ROOT/migrations/$BACKEND"/*.sql) # in order: the glob sorts
LAST_MIGRATION=$(basename "${MIGRATIONS[-1]}" .sql)
check "the manifest is beside the backup, readable by its owner only (600)" \
	"$(stat -c '%a %n' "$MANIFEST" 2>&1)" [ "$(stat -c %a "$MANIFEST" 2>/dev/null)" = 600 ]
check "the manifest holds the schema version and each table's row count and checksum" \
	"$(manifest_get '[m["schema_version"], m["tables"]["users"], m["backend"]]')" eval \
	'[[ $(manifest_get "m[\"schema_version\"]") == "$LAST_MIGRATION" &&
	   $(manifest_get "m[\"tables\"][\"users\"][\"rows\"]") == "$(users_on "$DB_URL")" &&
	   $(manifest_get "len(m[\"tables\"][\"audit_log\"][\"blake2b\"])") == 64 &&
	   $(manifest_get "m[\"backend\"]") == "$BACKEND" ]]'
check "the manifest holds no personal data (no e-mail address, no name of the demo school)" \
	"$(grep -c -e '@' -e Dubois "$MANIFEST")" eval '! grep -q -e "@" -e Dubois "$MANIFEST"'
check "no partial file left" "$(ls -a "$BK")" eval '! ls -a "$BK" | grep -q partial'

# The checksum cannot be written (a directory in the way of every NAME.sha256 of the next
# 30 seconds): the backup fails (1) and leaves no backup, manifest or checksum behind (a
# backup without its .sha256 would be counted by the rotation, yet never restore).
NOSUM="$WORK/nosum"
mkdir -m 700 "$NOSUM"
for s in $(seq 0 30); do mkdir "$NOSUM/schoolhub-$(date -u -d "+$s seconds" +%Y%m%dT%H%M%SZ).$EXT.sha256"; done
run "${ENVS[@]}" -- backup --to "$NOSUM"
check "the checksum cannot be written: the backup fails (1), no backup nor manifest left" "$(last)$(ls -a "$NOSUM")" \
	eval 'rc_is 1 && [[ -z $(find "$NOSUM" -type f) ]]'

other_db restored
run DATABASE_URL="$OTHER_URL" SCHOOLHUB_DATA_DIR="$WORK/restored" -- restore "$FILE"
check "restore into a new database: exit 0, every table checked against the manifest" "$(last)" \
	eval 'rc_is 0 && out_has "every table matches its manifest"'
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
# copy_backup FROM DIR [NAME]: FROM's backup, checksum and manifest in DIR (as NAME, the
# checksum recomputed for that name).
copy_backup() {
	local name=${3:-$(basename "$1")}
	mkdir -p "$2" && cp "$1" "$2/$name" && cp "$1.manifest.json" "$2/$name.manifest.json" &&
		(cd "$2" && sha256sum "$name" >"$name.sha256")
}
# emptied URL: the database has no table (SQLite: its file removed).
emptied() {
	if [[ $BACKEND == sqlite ]]; then [[ ! -e ${1#sqlite://} ]]; else [[ $(tables_on "$1") == 0 ]]; fi
}

# One count edited in the manifest: refused (4) naming the table, the restore undone.
copy_backup "$FILE" "$WORK/edited"
EDITED="$WORK/edited/$(basename "$FILE")"
python3 - "$EDITED.manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["tables"]["users"]["rows"] += 1
json.dump(m, open(sys.argv[1], "w"))
PY
other_db edited
run DATABASE_URL="$OTHER_URL" SCHOOLHUB_DATA_DIR="$WORK/edited-data" -- restore "$EDITED"
check "a manifest with one count changed: refused (4) naming the table, the restore undone" "$(last)" \
	eval 'rc_is 4 && err_has "does not match its manifest: table users:" && err_has "undone" && emptied "$OTHER_URL"'
run DATABASE_URL="$OTHER_URL" SCHOOLHUB_DATA_DIR="$WORK/edited-data" -- restore "$FILE"
check "the database a refused restore left behind takes the right backup" "$(last)" \
	eval 'rc_is 0 && out_has "every table matches its manifest"'

# A database without tables but not empty (a DBA's view; on PostgreSQL also a function and a
# sequence): refused (3) before anything is restored, what was there kept (the undo of a
# refused restore would otherwise drop it).
other_db dba
sql_on "$OTHER_URL" "CREATE VIEW dba_view AS SELECT 1 AS one" >/dev/null
[[ $BACKEND == sqlite ]] || sql_on "$OTHER_URL" "CREATE FUNCTION dba_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'; CREATE SEQUENCE dba_seq" >/dev/null
dba_objects() {
	if [[ $BACKEND == sqlite ]]; then
		sql_on "$OTHER_URL" "SELECT COUNT(*) FROM sqlite_master"
	else
		sql_on "$OTHER_URL" "SELECT (SELECT COUNT(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace) + (SELECT COUNT(*) FROM pg_proc WHERE pronamespace = current_schema()::regnamespace)"
	fi
}
DBA_BEFORE=$(dba_objects)
run DATABASE_URL="$OTHER_URL" SCHOOLHUB_DATA_DIR="$WORK/dba-data" -- restore "$EDITED"
check "a database with no table but a view (PostgreSQL: a function, a sequence): refused (3), kept" "$(last)" \
	eval 'rc_is 3 && err_has "not empty" && [[ $(tables_on "$OTHER_URL") == 0 && $(dba_objects) == "$DBA_BEFORE" && $DBA_BEFORE != 0 ]]'

# A manifest of the wrong form or from the other backend: refused (3) before anything is
# restored (not restored and undone as "does not match", 4).
other_db malformed
mkdir -p "$WORK/malformed"
OTHER_BACKEND=postgres
[[ $BACKEND == sqlite ]] || OTHER_BACKEND=sqlite
for variant in empty format checksum backend; do
	copy_backup "$FILE" "$WORK/malformed"
	MALFORMED="$WORK/malformed/$(basename "$FILE")"
	python3 - "$MALFORMED.manifest.json" "$variant" "$OTHER_BACKEND" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
if sys.argv[2] == "empty": m = {}
if sys.argv[2] == "format": m["format"] = 2
if sys.argv[2] == "checksum": m["tables"]["users"]["blake2b"] = m["tables"]["users"]["blake2b"][:63]
if sys.argv[2] == "backend": m["backend"] = sys.argv[3]
json.dump(m, open(sys.argv[1], "w"))
PY
	want="is not a manifest of format 1"
	[[ $variant != backend ]] || want="was taken from a $OTHER_BACKEND database, the target is $BACKEND"
	run DATABASE_URL="$OTHER_URL" SCHOOLHUB_DATA_DIR="$WORK/malformed-data" -- restore "$MALFORMED"
	check "a manifest with $variant wrong: refused (3) before restoring, nothing written" "$(last)" \
		eval 'rc_is 3 && err_has "$want" && [[ $(tables_on "$OTHER_URL") == 0 ]]'
done

# Another backup (one invitation and one audit row more) under the first one's name with its
# checksum recomputed: only the manifest tells them apart.
run "${ENVS[@]}" -- invite create
# Left in its directory by a backup cut short (SIGKILL): two hours old, removed; one of a
# backup running now, kept.
mkdir -m 700 "$WORK/later"
for f in .schoolhub-20200101T000000Z.$EXT.partial .schoolhub-20200101T000000Z.$EXT.manifest.json.partial; do
	touch -d '-2 hours' "$WORK/later/$f"
done
touch "$WORK/later/.schoolhub-20200101T000001Z.$EXT.partial"
run "${ENVS[@]}" -- backup --to "$WORK/later"
LATER=$OUT
check "a later backup" "$(last)" eval 'rc_is 0 && [[ -f $LATER ]]'
check "the backup removes partial files an hour old, keeps a younger one" "$(ls -A "$WORK/later")" \
	eval '[[ $(find "$WORK/later" -name "*.partial" -printf "%f\n") == ".schoolhub-20200101T000001Z.$EXT.partial" ]]'
copy_backup "$LATER" "$WORK/swapped" "$(basename "$FILE")"
cp "$FILE.manifest.json" "$WORK/swapped/$(basename "$FILE").manifest.json"
other_db swapped
run DATABASE_URL="$OTHER_URL" SCHOOLHUB_DATA_DIR="$WORK/swapped-data" -- restore "$WORK/swapped/$(basename "$FILE")"
check "a backup swapped for another (checksum recomputed): refused (4) naming a table, undone" "$(last)" \
	eval 'rc_is 4 && err_has "does not match its manifest: table audit_head:" && emptied "$OTHER_URL"'

# PostgreSQL: the undo of a backup holding a view (dropped with its table by CASCADE before
# its own turn) into a database where an extension (pg_trgm: its functions are the
# extension's, not the backup's) was created first: refused (4), undone, the extension kept.
if [[ $BACKEND == postgres ]]; then
	sql_on "$DB_URL" "CREATE VIEW dba_member_count AS SELECT COUNT(*) AS n FROM users" >/dev/null
	run "${ENVS[@]}" -- backup --to "$WORK/viewed"
	VIEWED=$OUT
	sql_on "$DB_URL" "DROP VIEW dba_member_count" >/dev/null
	python3 -c 'import json,sys; p=sys.argv[1]; m=json.load(open(p)); m["tables"]["users"]["rows"] += 1; json.dump(m, open(p, "w"))' "$VIEWED.manifest.json"
	other_db extension
	sql_on "$OTHER_URL" "CREATE EXTENSION pg_trgm" >/dev/null
	run DATABASE_URL="$OTHER_URL" SCHOOLHUB_DATA_DIR="$WORK/ext-data" -- restore "$VIEWED"
	check "a backup with a view, into a database with pg_trgm, refused: undone (4), the extension kept" "$(last)" \
		eval 'rc_is 4 && err_has "undone" && emptied "$OTHER_URL" &&
		[[ $(sql_on "$OTHER_URL" "SELECT COUNT(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('"'"'v'"'"', '"'"'S'"'"')") == 0 &&
		   $(sql_on "$OTHER_URL" "SELECT similarity('"'"'ab'"'"', '"'"'ab'"'"')") == 1 ]]'
fi

# PostgreSQL: a backup directory whose path leaves room for the backup's name but not for
# its manifest's: the backup fails (1) saying why, nothing left.
if [[ $BACKEND == postgres ]]; then
	LONG="$WORK"
	while ((${#LONG} < 3850)); do LONG="$LONG/$(printf 'd%.0s' {1..200})"; done
	LONG="$LONG/$(head -c $((4050 - ${#LONG})) /dev/zero | tr '\0' e)"
	mkdir -p "$LONG" && chmod 700 "$LONG"
	run "${ENVS[@]}" -- backup --to "$LONG"
	check "a manifest path too long: the backup fails (1) naming the reason, nothing left" "$(last)" \
		eval 'rc_is 1 && err_has "File name too long" && [[ -z $(find "$LONG" -type f) ]]'
fi

# PostgreSQL, with pg_dump and pg_restore spied on (a script first on PATH records its
# arguments and PGPASSWORD, then runs the real tool), DATABASE_URL holding a password (the
# test server trusts: it is not checked, only carried):
# - the password is in the tool's environment, never on its command line (ps shows that);
# - a row written after the backup's snapshot was taken (the spy runs `invite create`
#   before the real pg_dump) is in neither the dump nor its manifest: the restore matches.
if [[ $BACKEND == postgres ]]; then
	SPY="$WORK/spy"
	mkdir -p "$SPY/bin"
	cat >"$SPY/bin/pg_dump" <<'SH'
#!/usr/bin/env bash
tool=$(basename "$0")
printf '%s\n' "$*" >"$SPY/$tool.argv"
printf '%s' "${PGPASSWORD-unset}" >"$SPY/$tool.pgpassword"
if [[ $tool == pg_dump ]]; then "$SPY_SCHOOLHUB" invite create >"$SPY/invite.out" 2>&1 || exit 99; fi
PATH=$SPY_REAL_PATH exec "$tool" "$@"
SH
	chmod 700 "$SPY/bin/pg_dump" && cp -p "$SPY/bin/pg_dump" "$SPY/bin/pg_restore"
	PW="spy-pw-$RANDOM$RANDOM"
	with_pw() { sed "s#://\([^@:/]*\)@#://\1:$PW@#" <<<"$1"; }
	SPY_ENV=(SPY="$SPY" SPY_SCHOOLHUB="$BIN" SPY_REAL_PATH="$PATH" PATH="$SPY/bin:$PATH")
	INVITES_BEFORE=$(sql_on "$DB_URL" "SELECT COUNT(*) FROM invites")
	run "${ENVS[@]}" "${SPY_ENV[@]}" DATABASE_URL="$(with_pw "$DB_URL")" -- backup --to "$WORK/spied"
	SPIED=$OUT
	check "pg_dump: the password in PGPASSWORD, not on its command line" "$(last)$(cat "$SPY"/pg_dump.* 2>&1)" \
		eval 'rc_is 0 && [[ $(<"$SPY/pg_dump.pgpassword") == "$PW" ]] && ! grep -qF "$PW" "$SPY/pg_dump.argv" && grep -q -- "--dbname" "$SPY/pg_dump.argv"'
	check "a row written while pg_dump runs is in the database, not in the backup" "$(cat "$SPY/invite.out")" \
		[ "$(sql_on "$DB_URL" "SELECT COUNT(*) FROM invites")" = "$((INVITES_BEFORE + 1))" ]
	other_db spied
	run "${SPY_ENV[@]}" DATABASE_URL="$(with_pw "$OTHER_URL")" SCHOOLHUB_DATA_DIR="$WORK/spied-data" -- restore "$SPIED"
	check "the backup restores and matches its manifest; pg_restore got the password in PGPASSWORD only" \
		"$(last)$(cat "$SPY"/pg_restore.* 2>&1)" \
		eval 'rc_is 0 && out_has "every table matches its manifest" &&
		[[ $(sql_on "$OTHER_URL" "SELECT COUNT(*) FROM invites") == "$INVITES_BEFORE" &&
		   $(<"$SPY/pg_restore.pgpassword") == "$PW" ]] && ! grep -qF "$PW" "$SPY/pg_restore.argv"'
fi

# No manifest: refused; --no-manifest restores with a warning (a backup from before manifests).
mkdir -p "$WORK/old" && cp "$FILE" "$FILE.sha256" "$WORK/old/"
OLDFILE="$WORK/old/$(basename "$FILE")"
other_db old
run DATABASE_URL="$OTHER_URL" SCHOOLHUB_DATA_DIR="$WORK/old-data" -- restore "$OLDFILE"
check "a backup without its manifest: refused (3), the database untouched" "$(last)" \
	eval 'rc_is 3 && err_has "no readable manifest" && err_has "--no-manifest" && [[ $(tables_on "$OTHER_URL") == 0 ]]'
run DATABASE_URL="$OTHER_URL" SCHOOLHUB_DATA_DIR="$WORK/old-data" -- restore --no-manifest "$OLDFILE"
check "restore --no-manifest: restored, with a warning" "$(last)" \
	eval 'rc_is 0 && err_has "warning: --no-manifest" && [[ $(users_on "$OTHER_URL") == $(users_on "$DB_URL") ]]'

run -- restore
check "restore without a file: usage, exit 2" "$(last)" eval 'rc_is 2 && err_has "usage: schoolhub restore"'

cli_summary
