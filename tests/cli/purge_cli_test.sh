#!/usr/bin/env bash
# `schoolhub purge [--dry-run]` with the real binary (issue #15, retention): counts per kind
# on stdout, a dry run that changes nothing, what is past SCHOOLHUB_RETENTION_DAYS erased and
# what is not kept, one audit row per kind that erases (in its transaction) (the chain still verifies), a second
# run that finds nothing, the counts in the log without personal data, and a bad
# SCHOOLHUB_RETENTION_DAYS refused with one line naming it (purge and serve); and
# `schoolhub analytics rollup`, which rolls the past up once (those rows give it a past).
#
# usage: tests/cli/purge_cli_test.sh PATH/TO/schoolhub sqlite|postgres
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/cli_lib.sh"

# sql STATEMENT: runs one statement on the test database, prints the first column.
sql() {
	if [[ $BACKEND == sqlite ]]; then
		sqlite3 "$SQLITE_FILE" "$1"
	else
		psql -qAt "$DB_URL" -c "$1"
	fi
}
ago() { date -u -d "$1 days ago" +%Y-%m-%dT%H:%M:%SZ; }

run "${DB_ENV[@]}" -- migrate
check "migrate: exit 0" "$(last)" rc_is 0

OLD=$(ago 400) RECENT=$(ago 330)
U_OLD=0a000000-0000-4000-8000-000000000001
U_RECENT=0a000000-0000-4000-8000-000000000002
C_OLD=0c000000-0000-4000-8000-000000000001
C_RECENT=0c000000-0000-4000-8000-000000000002
for u in "$U_OLD $OLD old" "$U_RECENT $RECENT recent"; do
	read -r id when who <<<"$u"
	sql "INSERT INTO users (id, email, password_hash, first_name, last_name, active, created_at,
		updated_at, deactivated_at) VALUES ('$id', '$who.gone@example.be', 'x', 'Purge', '$who',
		(1 = 0), '$when', '$when', '$when')" >/dev/null
done
for c in "$C_OLD $OLD" "$C_RECENT $RECENT"; do
	read -r id when <<<"$c"
	sql "INSERT INTO children (id, first_name, last_name, class_name, created_at, updated_at,
		left_at) VALUES ('$id', 'Leaver', 'Purge', 'P6', '$when', '$when', '$when')" >/dev/null
done
sql "INSERT INTO login_failures (id, email, client_ip, failed_at) VALUES
	('0f000000-0000-4000-8000-000000000001', 'stranger@example.be', '192.0.2.1', '$(ago 2)'),
	('0f000000-0000-4000-8000-000000000002', 'stranger@example.be', '192.0.2.1',
	 '$(date -u +%Y-%m-%dT%H:%M:%SZ)')" >/dev/null
state() {
	sql "SELECT (SELECT COUNT(*) FROM users WHERE deleted_at IS NULL) || ' ' ||
		(SELECT COUNT(*) FROM children) || ' ' || (SELECT COUNT(*) FROM login_failures) || ' ' ||
		(SELECT COUNT(*) FROM audit_log WHERE action = 'retention.purged')"
}
check "the rows are in place" "$(state)" [ "$(state)" = "2 2 2 0" ]

run "${DB_ENV[@]}" -- purge --dry-run
check "purge --dry-run: counts per kind, exit 0" "$(last)" eval 'rc_is 0 &&
	out_has "would purge (retention 365 days):" && grep -qE "^  accounts +1$" "$WORK/out" &&
	grep -qE "^  children +1$" "$WORK/out" && grep -qE "^  login_attempts +1$" "$WORK/out" &&
	grep -qE "^  sessions +0$" "$WORK/out"'
check "purge --dry-run changes nothing" "$(state)" [ "$(state)" = "2 2 2 0" ]

run "${DB_ENV[@]}" -- purge
check "purge: the same counts, exit 0" "$(last)" eval 'rc_is 0 && out_has "purged (retention 365 days):" &&
	grep -qE "^  accounts +1$" "$WORK/out" && grep -qE "^  children +1$" "$WORK/out" &&
	grep -qE "^  login_attempts +1$" "$WORK/out"'
check "purge: past the period erased, the rest kept, one audit row per kind erased" "$(state)" \
	[ "$(state)" = "1 1 1 3" ]
check "purge: the old account is pseudonymised, the recent one untouched" \
	"$(sql "SELECT id, email, deleted_at FROM users")" \
	[ "$(sql "SELECT COUNT(*) FROM users WHERE (id = '$U_OLD' AND email LIKE 'deleted-%@invalid'
		AND deleted_at IS NOT NULL) OR (id = '$U_RECENT' AND email = 'recent.gone@example.be')")" = 2 ]
check "purge: the old leaver is gone, the recent one stays" "$(sql "SELECT id FROM children")" \
	[ "$(sql "SELECT CAST(id AS TEXT) FROM children")" = "$C_RECENT" ]
check "purge: the audit row names the erased ids only" "$(sql "SELECT target_ids FROM audit_log")" \
	[ "$(sql "SELECT target_ids FROM audit_log WHERE action = 'retention.purged' AND target_ids <> ''
		ORDER BY seq" | tr '\n' ' ')" = "$U_OLD $C_OLD " ]
check "purge: the counts are logged, no address" "$(last)" eval \
	'err_has "retention purge (365 days): accounts=1 children=1" && err_lacks "@example.be"'
run "${DB_ENV[@]}" -- audit verify
check "the audit chain still holds" "$(last)" eval 'rc_is 0 && out_has "audit log intact"'

run "${DB_ENV[@]}" -- purge
check "purge again: nothing left, no second audit row" "$(last) $(state)" eval 'rc_is 0 &&
	! grep -qE " [1-9][0-9]*$" "$WORK/out" && [ "$(state)" = "1 1 1 3" ]'

run "${DB_ENV[@]}" SCHOOLHUB_RETENTION_DAYS=300 -- purge --dry-run
check "SCHOOLHUB_RETENTION_DAYS=300: the recent ones are due" "$(last)" eval 'rc_is 0 &&
	out_has "retention 300 days" && grep -qE "^  accounts +1$" "$WORK/out" &&
	grep -qE "^  children +1$" "$WORK/out"'

for bad_value in 0 -3 abc 12days; do
	run "${DB_ENV[@]}" SCHOOLHUB_RETENTION_DAYS="$bad_value" -- purge
	check "SCHOOLHUB_RETENTION_DAYS=$bad_value: refused, exit 1, naming it" "$(last)" eval \
		'rc_is 1 && err_has "SCHOOLHUB_RETENTION_DAYS: expected a whole number between 1 and 36500"'
done
RUN_TIMEOUT=20 run "${DB_ENV[@]}" SCHOOLHUB_SECRET_KEY="$SECRET" SCHOOLHUB_RETENTION_DAYS=0 -- serve
check "serve with SCHOOLHUB_RETENTION_DAYS=0 does not start: one line naming it" "$(last)" eval \
	'[[ $RC != 0 && $RC != 124 ]] && err_lines_are 1 && err_has SCHOOLHUB_RETENTION_DAYS'
check "nothing was purged by the refused runs" "$(state)" [ "$(state)" = "1 1 1 3" ]

run "${DB_ENV[@]}" -- purge --everything
check "purge with an unknown option: usage, exit 2" "$(last)" eval 'rc_is 2 && err_has "usage: schoolhub purge"'

# `schoolhub analytics rollup` (the analytics rollup's job, by hand): the finished weeks and
# months, and the SEL's Brussels days, since the oldest row (the accounts of 400 days ago,
# kept as "Ancien membre"), once.
run "${DB_ENV[@]}" -- analytics rollup
check "analytics rollup: the past weeks and months, exit 0" "$(last)" eval 'rc_is 0 &&
	grep -qE "^rolled up (5[6-9]|60) week\(s\), 1[34] month\(s\) and (39[0-9]|40[0-9]) day\(s\)$" "$WORK/out" &&
	[ "$(sql "SELECT COUNT(*) FROM analytics_weeks")" -ge 56 ]'
run "${DB_ENV[@]}" -- analytics rollup
check "analytics rollup again: nothing more" "$(last)" eval 'rc_is 0 &&
	out_has "rolled up 0 week(s), 0 month(s) and 0 day(s)"'
run "${DB_ENV[@]}" -- analytics
check "analytics without rollup: usage, exit 2" "$(last)" eval 'rc_is 2 &&
	err_has "usage: schoolhub analytics rollup"'

cli_summary
