#!/usr/bin/env bash
# `schoolhub db copy` (SQLite to PostgreSQL, #16) with the real binary: the demo school,
# used a little on SQLite (a login, a refresh token, an idempotent SEL payment, an invite
# that writes the audit log), is copied into a new PostgreSQL database; a server on the
# copy then accepts the same password, rotates the same refresh token, shows the same SEL
# balance, history and statement, replays the same idempotency key and books a new payment
# (the identity sequences moved past the copy); `audit verify` holds on the copy. Refusals:
# a non-empty target, a target at another migration version, bad arguments. A copy that
# does not match its source (a trigger on the target alters one table's rows) rolls back,
# names the table and leaves the target empty; the same migrated-but-empty target then
# takes the copy.
#
# usage: tests/cli/db_copy_test.sh PATH/TO/schoolhub postgres
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/cli_lib.sh"
[[ $BACKEND == postgres ]] || { echo "db copy: the target is PostgreSQL: run with postgres" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "db copy: sqlite3 is needed" >&2; exit 1; }

SRC_FILE="$WORK/src/schoolhub.db"
SRC_URL="sqlite:///$SRC_FILE"
SRC_ENV=(DATABASE_URL="$SRC_URL" SCHOOLHUB_DATA_DIR="$WORK/src-data" SCHOOLHUB_SECRET_KEY="$SECRET")
PG_ENV=(DATABASE_URL="$DB_URL" SCHOOLHUB_DATA_DIR="$WORK/pg-data" SCHOOLHUB_SECRET_KEY="$SECRET")
MARC=marc.dubois@demo.schoolhub.be
PAY_KEY="db-copy-test-payment-1"

# pay TOKEN JSON: POST /api/v1/sel/transactions with the Idempotency-Key $PAY_KEY.
pay() {
	STATUS=$(curl -s --max-time "$SH_HTTP_MAX_TIME" -o "$WORK/pay.body" -w '%{http_code}' \
		-H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
		-H "Idempotency-Key: $PAY_KEY" --data-binary "$2" "$BASE/api/v1/sel/transactions") ||
		STATUS=000
	BODY=$(<"$WORK/pay.body")
}

# what_she_sees TOKEN: her balance, history and CSV statement, one text to compare.
what_she_sees() {
	local all=""
	for path in /api/v1/sel/balance /api/v1/sel/transactions /api/v1/sel/statement.csv; do
		http GET "$path" "$1"
		all+="$path $STATUS $BODY"$'\n'
	done
	printf '%s' "$all"
}

# --- 1. the demo school on SQLite, used a little -------------------------------------------
run "${SRC_ENV[@]}" -- seed-demo
check "seed-demo into SQLite" "$(last)" rc_is 0
for n in 1 2; do
	run "${SRC_ENV[@]}" -- invite create
	check "invite create $n writes the audit log on SQLite" "$(last)" rc_is 0
done
# A reply whose key sorts before the message it answers (its reference to its own table is
# checked at the end of the copy), with a tab, a newline, a backslash and accents.
SOPHIE_ID=$(sqlite3 "$SRC_FILE" "SELECT id FROM users WHERE email = '$DEMO_PARENT'")
PARENT_MSG=ffffffff-ffff-4fff-8fff-ffffffffffff REPLY_MSG=00000000-0000-4000-8000-0000000000aa
sqlite3 "$SRC_FILE" "INSERT INTO messages (id, conversation_id, seq, author_id, body, created_at)
VALUES ('$PARENT_MSG', '00000000-0000-4000-8000-00000000c002', 1, '$SOPHIE_ID',
	'Bonjour' || char(9) || 'à tous' || char(10) || 'C:\\école', '2026-12-01T08:00:00Z');
INSERT INTO messages (id, conversation_id, seq, author_id, body, reply_to, created_at)
VALUES ('$REPLY_MSG', '00000000-0000-4000-8000-00000000c002', 2, '$SOPHIE_ID', 'Merci',
	'$PARENT_MSG', '2026-12-01T08:05:00Z');" || bad "inserting the test messages into SQLite"
SRC_AUDIT=$(sqlite3 "$SRC_FILE" "SELECT COUNT(*) FROM audit_log")
check "the source's audit log has rows" "audit_log: $SRC_AUDIT" [ "${SRC_AUDIT:-0}" -gt 0 ]
MARC_ID=$(sqlite3 "$SRC_FILE" "SELECT id FROM users WHERE email = '$MARC'")
PAYMENT="{\"to_user_id\":\"$MARC_ID\",\"units\":5,\"description\":\"db copy test\"}"
REFRESH="" BEFORE="" FIRST_PAY=""
if start_server sqlite "${SRC_ENV[@]}"; then
	login "$DEMO_PARENT" "$DEMO_PASSWORD"
	check "login on SQLite: 200" "$(reply)" status_is 200
	token=$(json_str access_token) REFRESH=$(json_str refresh_token)
	pay "$token" "$PAYMENT"
	check "idempotent payment on SQLite: 201" "$STATUS $BODY" status_is 201
	FIRST_PAY=$BODY
	BEFORE=$(what_she_sees "$token")
	stop_server TERM
fi

# --- 2. the copy into a new PostgreSQL database -------------------------------------------
run -- db copy --from "$SRC_URL" --to "$DB_URL"
check "db copy into a new database: exit 0, copied and verified" "$(last)" \
	eval 'rc_is 0 && out_has "copied and verified"'
check "no progress lines when stdout is not a terminal" "$(last)" eval '! out_has "[1/"'
check "the source is untouched (no migration of its own, same audit rows)" "$(last)" \
	[ "$(sqlite3 "$SRC_FILE" "SELECT COUNT(*) FROM audit_log")" = "$SRC_AUDIT" ]
for table in users sel_transactions sel_entries audit_log user_search_words sel_idempotency messages; do
	src=$(sqlite3 "$SRC_FILE" "SELECT COUNT(*) FROM $table" 2>&1)
	dst=$(sql "SELECT COUNT(*) FROM $table")
	check "table $table: $src row(s) on both sides" "source $src, copy $dst" [ "$src" = "$dst" ]
done
check "timestamps are timestamptz on the copy, identical instants" \
	"$(sql "SELECT pg_typeof(created_at) FROM users LIMIT 1")" \
	[ "$(sql "SELECT to_char(MIN(created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM sel_transactions")" = \
	  "$(sqlite3 "$SRC_FILE" "SELECT MIN(created_at) FROM sel_transactions")" ]
check "the reply still names its message, the reference NOT DEFERRABLE again" \
	"$(sql "SELECT reply_to FROM messages WHERE id = '$REPLY_MSG'")" \
	eval '[[ $(sql "SELECT reply_to FROM messages WHERE id = '\''$REPLY_MSG'\''") == "$PARENT_MSG" &&
		$(sql "SELECT bool_or(condeferrable) FROM pg_constraint WHERE contype = '\''f'\''") == f ]]'
check "text with a tab, a newline, a backslash and accents copied byte for byte" \
	"$(sql "SELECT body FROM messages WHERE id = '$PARENT_MSG'")" \
	[ "$(sql "SELECT md5(body) FROM messages WHERE id = '$PARENT_MSG'")" = \
	  "$(sqlite3 "$SRC_FILE" "SELECT body FROM messages WHERE id = '$PARENT_MSG'" | head -c -1 | md5sum | cut -d' ' -f1)" ]
run "${PG_ENV[@]}" -- audit verify
check "audit verify on the copy: intact, $SRC_AUDIT row(s)" "$(last)" \
	eval "rc_is 0 && out_has 'audit log intact: $SRC_AUDIT row(s)'"

# --- 3. the hidden details survive: a server on the copy ----------------------------------
if start_server postgres "${PG_ENV[@]}"; then
	login "$DEMO_PARENT" "$DEMO_PASSWORD"
	check "the copied password hash logs in: 200" "$(reply)" status_is 200
	token=$(json_str access_token)
	http POST /api/v1/auth/refresh "" "{\"refresh_token\":\"$REFRESH\"}"
	check "the refresh token issued on SQLite rotates on the copy: 200, a new one" "$(reply)" \
		eval 'status_is 200 && [[ -n $(json_str refresh_token) && $(json_str refresh_token) != "$REFRESH" ]]'
	AFTER=$(what_she_sees "$token")
	check "SEL balance, history and statement identical on the copy" \
		"$(diff <(printf '%s' "$BEFORE") <(printf '%s' "$AFTER") | head -20)" [ "$BEFORE" = "$AFTER" ]
	pay "$token" "$PAYMENT"
	check "the idempotency key answers the same on the copy (201, same body)" "$STATUS $BODY" \
		eval 'status_is 201 && [[ $BODY == "$FIRST_PAY" ]]'
	PAY_KEY="db-copy-test-payment-2"
	pay "$token" "$PAYMENT"
	check "a new payment books on the copy (identities past the copied ids)" "$STATUS $BODY" \
		eval 'status_is 201 && [[ $(json_str id) != $(sh_json_str id <<<"$FIRST_PAY") ]]'
	stop_server TERM
fi

# --- 4. refusals: a non-empty target, another version, bad arguments ----------------------
run -- db copy --from "$SRC_URL" --to "$DB_URL"
check "a second copy into the same database: refused (3), names a table" "$(last)" \
	eval 'rc_is 3 && err_has "the target is not empty: table"'
other_db older
run DATABASE_URL="$OTHER_URL" SCHOOLHUB_DATA_DIR="$WORK/older" -- migrate
sql_on "$OTHER_URL" "DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)" >/dev/null
run -- db copy --from "$SRC_URL" --to "$OTHER_URL"
check "a target at another migration version: refused (3), says which" "$(last)" \
	eval 'rc_is 3 && err_has "the target is at migration"'
sqlite3 "$SRC_FILE" ".backup '$WORK/behind.db'"
sqlite3 "$WORK/behind.db" "DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)"
other_db fresh
run -- db copy --from "sqlite:///$WORK/behind.db" --to "$OTHER_URL"
check "a source behind this binary's migrations: refused (3), the new target left untouched" \
	"$(last)" eval 'rc_is 3 && err_has "the source is at migration" &&
		[[ $(sql_on "$OTHER_URL" "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()") == 0 ]]'
run -- db copy --from "$SRC_URL"
check "db copy without --to: usage, exit 2" "$(last)" eval 'rc_is 2 && err_has "usage: schoolhub db copy"'
run -- db copy --from "sqlite:///$WORK/nowhere/none.db" --to "$OTHER_URL"
check "a source file that does not exist: refused (3), not created" "$(last)" \
	eval 'rc_is 3 && err_has "cannot be read" && [[ ! -e $WORK/nowhere ]]'
run -- db copy --from "$DB_URL" --to "$DB_URL"
check "db copy from PostgreSQL: refused (3)" "$(last)" eval 'rc_is 3 && err_has "sqlite:///"'

# --- 5. a copy that does not match rolls back and names the table -------------------------
other_db tampered
run DATABASE_URL="$OTHER_URL" SCHOOLHUB_DATA_DIR="$WORK/tampered" -- migrate
check "a migrated, empty target" "$(last)" rc_is 0
sql_on "$OTHER_URL" "CREATE FUNCTION tamper() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN NEW.title := NEW.title || ' (altered)'; RETURN NEW; END \$\$;
CREATE TRIGGER tamper BEFORE INSERT ON sel_services FOR EACH ROW EXECUTE FUNCTION tamper();" >/dev/null
run -- db copy --from "$SRC_URL" --to "$OTHER_URL"
check "a copy altered on the way: exit 1, rolled back, names sel_services" "$(last)" \
	eval 'rc_is 1 && err_has "nothing committed" && err_has "table sel_services: row id=" &&
		err_has "differs in column title" && err_lacks "(altered)"'
check "after the rollback the target holds no member" "$(sql_on "$OTHER_URL" "SELECT COUNT(*) FROM users")" \
	[ "$(sql_on "$OTHER_URL" "SELECT COUNT(*) FROM users")" = 0 ]
sql_on "$OTHER_URL" "DROP TRIGGER tamper ON sel_services" >/dev/null
run -- db copy --from "$SRC_URL" --to "$OTHER_URL"
check "the same migrated-but-empty target then takes the copy: exit 0" "$(last)" rc_is 0

# --- 6a. the conversions the SchoolHub schema does not use yet: BLOB to bytea, and times
# with a zone offset or a fraction (a table of the operator's own, in both databases).
sqlite3 "$SRC_FILE" ".backup '$WORK/probe.db'"
sqlite3 "$WORK/probe.db" "CREATE TABLE copy_probe (id INTEGER PRIMARY KEY, data BLOB, flag INTEGER,
	at TEXT, note TEXT);
INSERT INTO copy_probe VALUES (1, x'00ff10', 1, '2026-12-01T10:00:00.5+01:00', 'a' || char(9) || 'b'),
	(2, NULL, 0, '2026-12-01 09:00:00', NULL), (3, x'', 1, '2026-12-01T09:00:00.123456Z', '');"
other_db probe
run DATABASE_URL="$OTHER_URL" SCHOOLHUB_DATA_DIR="$WORK/probe" -- migrate
sql_on "$OTHER_URL" "CREATE TABLE copy_probe (id BIGINT PRIMARY KEY, data BYTEA, flag BOOLEAN,
	at TIMESTAMPTZ, note TEXT)" >/dev/null
run -- db copy --from "sqlite:///$WORK/probe.db" --to "$OTHER_URL"
PROBE=$(sql_on "$OTHER_URL" "SELECT string_agg(concat_ws('|', id, encode(data, 'hex'), flag,
	to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), replace(note, chr(9), '<tab>')), ';' ORDER BY id)
	FROM copy_probe")
# (concat_ws leaves NULLs out: row 2's NULL data shows as nothing, row 3's empty one as "")
check "BLOB to bytea (NULL stays NULL), 0/1 to boolean, zoned and fractional times to timestamptz" \
	"$(last); $PROBE" eval 'rc_is 0 && err_lacks "no such table" && [[ $PROBE == "1|00ff10|t|2026-12-01 09:00:00.500000|a<tab>b;2|f|2026-12-01 09:00:00.000000;3||t|2026-12-01 09:00:00.123456|" ]]'

# --- 6b. a value the target's type refuses (22P02): the table, the SQLSTATE and the rows'
# keys in the message, never the value (nor the server's text, which quotes it).
sqlite3 "$SRC_FILE" ".backup '$WORK/badcast.db'"
sqlite3 "$WORK/badcast.db" "CREATE TABLE copy_cast (id INTEGER PRIMARY KEY, n TEXT);
INSERT INTO copy_cast VALUES (7, '12'), (8, 'secret-value-42');"
other_db badcast
run DATABASE_URL="$OTHER_URL" SCHOOLHUB_DATA_DIR="$WORK/badcast" -- migrate
sql_on "$OTHER_URL" "CREATE TABLE copy_cast (id BIGINT PRIMARY KEY, n INTEGER)" >/dev/null
run -- db copy --from "sqlite:///$WORK/badcast.db" --to "$OTHER_URL"
check "a value the target's type refuses: exit 1, names the table, SQLSTATE and keys, not the value" \
	"$(last)" eval 'rc_is 1 && err_has "copying table copy_cast: SQLSTATE 22P02 in the rows id=7 to id=8" &&
		err_lacks "secret-value-42" && ! grep -q "^schoolhub:.*invalid input syntax" "$WORK/err"'

# --- 6c. the target URL from SCHOOLHUB_COPY_TO (no --to): a password stays out of `ps`.
other_db fromenv
run SCHOOLHUB_COPY_TO="$OTHER_URL" -- db copy --from "$SRC_URL"
check "db copy without --to takes SCHOOLHUB_COPY_TO: exit 0, the members copied" "$(last)" \
	eval 'rc_is 0 && [[ $(sql_on "$OTHER_URL" "SELECT COUNT(*) FROM users") == $(sql_on "$DB_URL" "SELECT COUNT(*) FROM users") ]]'
run -- db copy --from "$SRC_URL"
check "db copy with neither --to nor SCHOOLHUB_COPY_TO: usage naming both, exit 2" "$(last)" \
	eval 'rc_is 2 && err_has "--to postgresql://" && err_has "SCHOOLHUB_COPY_TO"'

# --- 6. scripts/upgrade-stage.sh 1: a service on SQLite moved to PostgreSQL, and back ----------
# The "service" is a schoolhub serve started from the env file by the START command and
# stopped by its pid, as systemctl would; the script is run as the operator would.
UPGRADE="$ROOT/scripts/upgrade-stage.sh"
ENV_FILE="$WORK/schoolhub.env"
SVC_PORT=$(sh_free_port)
printf '%s\n' "DATABASE_URL=$SRC_URL" "SCHOOLHUB_ENV=development" "SCHOOLHUB_HOST=127.0.0.1" \
	"SCHOOLHUB_PORT=$SVC_PORT" "SCHOOLHUB_SECRET_KEY=$SECRET" "SCHOOLHUB_DATA_DIR=$WORK/svc-data" \
	"SCHOOLHUB_THREADS=2" >"$ENV_FILE"
chmod 600 "$ENV_FILE"
PIDFILE="$WORK/svc.pid"
# The script's schoolhub records its arguments: the target URL must not be among them.
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s"\nexec "%s" "$@"\n' "$WORK/bin-argv.log" "$BIN" >"$WORK/bin-rec"
chmod +x "$WORK/bin-rec"
export SCHOOLHUB_ENV_FILE="$ENV_FILE" SCHOOLHUB_BIN="$WORK/bin-rec" SCHOOLHUB_READY_WAIT=60
export SCHOOLHUB_START_CMD="(set -a; . '$ENV_FILE'; exec '$BIN' serve) >>'$WORK/svc.log' 2>&1 & echo \$! >'$PIDFILE'"
export SCHOOLHUB_STOP_CMD="if [ -f '$PIDFILE' ]; then p=\$(cat '$PIDFILE'); kill \$p 2>/dev/null; while kill -0 \$p 2>/dev/null; do sleep 0.1; done; rm -f '$PIDFILE'; fi"
ready_within_30s() {
	for _ in $(seq 150); do
		[[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true) == 200 ]] && return 0
		sleep 0.2
	done
	return 1
}
svc_db() { # the database kind the running service logged last
	grep -o 'database: [a-z]*' "$WORK/svc.log" | tail -n1 | cut -d' ' -f2
}
eval "$SCHOOLHUB_START_CMD"
sh_pid_track "$(cat "$PIDFILE")"
# Into the first copy's database (not empty): refused, the service back on SQLite.
: >"$WORK/svc.log"
RC=0
"$UPGRADE" 1 "$DB_URL" >"$WORK/out" 2>"$WORK/err" || RC=$?
[[ ! -f $PIDFILE ]] || sh_pid_track "$(cat "$PIDFILE")"
check "upgrade-stage into a non-empty database: fails, env file unchanged, service on SQLite" \
	"exit $RC; $(cat "$WORK/err"); service: $(svc_db)" \
	eval '((RC != 0)) && grep -q "^DATABASE_URL=$SRC_URL\$" "$ENV_FILE" && err_has "not empty" &&
		ready_within_30s "http://127.0.0.1:$SVC_PORT/ready" && [[ $(svc_db) == sqlite ]]'
other_db stage1
RC=0
"$UPGRADE" 1 "$OTHER_URL" >"$WORK/out" 2>"$WORK/err" || RC=$?
[[ ! -f $PIDFILE ]] || sh_pid_track "$(cat "$PIDFILE")"
check "upgrade-stage 1 into a new database: exit 0, DATABASE_URL switched, serving on PostgreSQL" \
	"exit $RC; $(cat "$WORK/out" "$WORK/err"); service: $(svc_db)" \
	eval '((RC == 0)) && grep -q "^DATABASE_URL=$OTHER_URL\$" "$ENV_FILE" && [[ $(svc_db) == postgresql ]]'
check "the SQLite backup and the old env file are kept (mode 600)" "$(ls -l "$WORK/src" "$WORK")" \
	eval '[[ $(stat -c %a "$SRC_FILE".before-stage1-* "$ENV_FILE".before-stage1-* | sort -u) == 600 ]]'
check "upgrade-stage ran db copy without the target URL on its command line" "$(cat "$WORK/bin-argv.log")" \
	eval 'grep -q "^db copy --from" "$WORK/bin-argv.log" && ! grep -qF "$OTHER_URL" "$WORK/bin-argv.log"'
eval "$SCHOOLHUB_STOP_CMD"

cli_summary
