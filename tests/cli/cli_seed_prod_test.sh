#!/usr/bin/env bash
# Tests of the demo seeder and of production's safe defaults, run by ctest once per backend:
#
#   tests/cli/cli_seed_prod_test.sh PATH/TO/schoolhub sqlite|postgres
#
# seed-demo loads the demo school and its time bank once, refuses a database that holds
# members and refuses production (set or by default); production refuses to serve while a
# demo login keeps the published password, and SCHOOLHUB_ENV unset is production
# (invitation-only registration, no secret.key written). Shared helpers: cli_lib.sh.
set -euo pipefail

# shellcheck source=tests/cli/cli_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_lib.sh"

echo "cli tests: $BIN on $BACKEND ($DB_KIND), work directory $WORK"

run "${DB_ENV[@]}" -- migrate
check "migrate on an empty database: exit 0" "$(last)" rc_is 0

# === 1. seed-demo, twice ============================================================

# The demo time bank, as rows: services (count, owners, categories) and transactions by
# kind and status (opening for each of the 5 members who exchanged, 6 payments, requests:
# 1 accepted, 1 declined, 1 pending for the demo parent), then the ledger entries.
demo_sel_rows() {
	sql "SELECT count(*) || ' services, ' || count(DISTINCT user_id) || ' owners, ' ||
		count(DISTINCT category) || ' categories' FROM sel_services"
	sql "SELECT kind || '/' || status || ': ' || count(*) FROM sel_transactions
		GROUP BY kind, status ORDER BY kind, status"
	sql "SELECT count(*) || ' pending for the demo parent' FROM sel_transactions t
		JOIN users u ON u.id = t.from_user_id
		WHERE t.status = 'pending' AND u.email = '$DEMO_PARENT'"
	sql "SELECT count(*) || ' entries' FROM sel_entries"
}
DEMO_SEL_ROWS="9 services, 5 owners, 8 categories
opening/completed: 5
payment/completed: 6
request/completed: 1
request/declined: 1
request/pending: 1
1 pending for the demo parent
24 entries"

run "${DB_ENV[@]}" -- seed-demo
if rc_is 0 && out_has "Demo school loaded." && out_has "$DEMO_PARENT" &&
	out_has admin@demo.schoolhub.be && out_has "$DEMO_PASSWORD" && [[ -z $ERR ]]; then
	ok "seed-demo loads the demo school and prints the logins"
else bad "seed-demo loads the demo school and prints the logins" "$(last)"; fi
sel_rows="$(demo_sel_rows)"
if [[ -n $sel_rows ]]; then
	check "seed-demo loads the demo time bank (services, exchanges, ledger)" \
		"expected:"$'\n'"$DEMO_SEL_ROWS"$'\n'"found:"$'\n'"$sel_rows" [ "$sel_rows" = "$DEMO_SEL_ROWS" ]
fi
run "${DB_ENV[@]}" -- seed-demo
if rc_is 3 && [[ -z $OUT ]] && err_lines_are 1 && err_has "already holds 6 member(s)"; then
	ok "second seed-demo refuses a database holding members: exit 3, one line"
else bad "second seed-demo refuses a database holding members: exit 3, one line" "$(last)"; fi
users="$(sql "SELECT count(*) FROM users WHERE email LIKE '%@demo.schoolhub.be'")"
if [[ -n $users ]]; then
	check "seed-demo twice: 6 demo members, not more" "found $users" [ "$users" = 6 ]
fi
sel_rows="$(demo_sel_rows)"
if [[ -n $sel_rows ]]; then
	check "seed-demo twice: the same time bank, nothing added" \
		"expected:"$'\n'"$DEMO_SEL_ROWS"$'\n'"found:"$'\n'"$sel_rows" [ "$sel_rows" = "$DEMO_SEL_ROWS" ]
fi
# Production, set or by default, refuses before touching the database (not even migrations).
other_db prod-seed
run "DATABASE_URL=$OTHER_URL" "SCHOOLHUB_DATA_DIR=$WORK/data" SCHOOLHUB_ENV=production \
	SCHOOLHUB_SECRET_KEY="$SECRET" -- seed-demo
tables="$(sql_on "$OTHER_URL" "SELECT COUNT(*) FROM users" 2>/dev/null)"
if rc_is 3 && err_lines_are 1 && err_has "SCHOOLHUB_ENV is production" && [[ $tables != 0 ]]; then
	ok "seed-demo refuses SCHOOLHUB_ENV=production: exit 3, one line, database untouched"
else bad "seed-demo refuses SCHOOLHUB_ENV=production: exit 3, one line, database untouched" \
	"$(last)"$'\n'"users: $tables"; fi
unset_env_run "DATABASE_URL=$OTHER_URL" "SCHOOLHUB_DATA_DIR=$WORK/data" -- seed-demo
tables="$(sql_on "$OTHER_URL" "SELECT COUNT(*) FROM users" 2>/dev/null)"
if rc_is 3 && err_lines_are 1 && err_has "the default when unset" &&
	err_has "SCHOOLHUB_ENV=development" && [[ $tables != 0 ]]; then
	ok "seed-demo with SCHOOLHUB_ENV unset refuses (production), saying what to set"
else bad "seed-demo with SCHOOLHUB_ENV unset refuses (production), saying what to set" \
	"$(last)"$'\n'"users: $tables"; fi

# The issue's reproduction: a school in use (one member registered), then seed-demo. It
# must add no login with the README's password.
other_db inuse
inuse_env=("DATABASE_URL=$OTHER_URL" "SCHOOLHUB_DATA_DIR=$WORK/inuse-data")
if start_server inuse "${inuse_env[@]}" SCHOOLHUB_SECRET_KEY="$SECRET"; then
	register "real.parent.$$@example.be"
	check "a member registers on the school in use: 201" "$(reply)" status_is 201
	stop_server TERM
	run "${inuse_env[@]}" -- seed-demo
	demo="$(sql_on "$OTHER_URL" "SELECT COUNT(*) FROM users WHERE email LIKE '%@demo.schoolhub.be'")"
	members="$(sql_on "$OTHER_URL" "SELECT COUNT(*) FROM users")"
	if rc_is 3 && [[ -z $OUT ]] && err_lines_are 1 && err_has "already holds 1 member(s)" &&
		[[ -z $demo || ($demo == 0 && $members == 1) ]]; then
		ok "seed-demo on a school in use: refused (exit 3), no demo login added"
	else bad "seed-demo on a school in use: refused (exit 3), no demo login added" \
		"$(last)"$'\n'"demo users: $demo, members: $members"; fi
fi
# Limits much tighter than the defaults refuse the demo exchanges: the school and its
# services load without them, with one line saying so (once: the backend does not matter).
if [[ $BACKEND == sqlite ]] && command -v sqlite3 >/dev/null; then
	tight_db="$WORK/db/tight-limits.db"
	tight_env=("DATABASE_URL=sqlite:///$tight_db" "SCHOOLHUB_DATA_DIR=$WORK/data" SEL_MIN_BALANCE=0)
	run "${tight_env[@]}" -- migrate
	run "${tight_env[@]}" -- seed-demo
	tight="$(sqlite3 "$tight_db" "SELECT (SELECT count(*) FROM users) || ' members, ' ||
		(SELECT count(*) FROM sel_services) || ' services, ' ||
		(SELECT count(*) FROM sel_transactions) || ' transactions'")"
	if rc_is 0 && out_has "Demo school loaded." && err_lines_are 1 && err_has SEL_MIN_BALANCE &&
		[[ $tight == "6 members, 9 services, 0 transactions" ]]; then
		ok "seed-demo with SEL_MIN_BALANCE=0: the school and its services, no exchanges, one line"
	else bad "seed-demo with SEL_MIN_BALANCE=0: the school and its services, no exchanges, one line" \
		"$(last)"$'\n'"found: $tight"; fi
fi

# === 2. production: registration needs an invite by default ===========================

# The database tried with the demo (scripts/run.sh), then served in production: the demo
# logins' password is in the source, so production refuses to start while one still has it.
RUN_TIMEOUT=20 run "DATABASE_URL=$DB_URL" "SCHOOLHUB_DATA_DIR=$WORK/demo-prod-data" SCHOOLHUB_PORT=0 \
	SCHOOLHUB_ENV=production SCHOOLHUB_SECRET_KEY="$SECRET" -- serve
if rc_is 1 && err_lines_are 1 && err_has "6 demo login(s)" && ! err_has "$DEMO_PASSWORD"; then
	ok "production refuses a database whose demo logins keep the published password"
else bad "production refuses a database whose demo logins keep the published password" "$(last)"; fi

# SCHOOLHUB_ENV unset, with a secret: production, so registration needs an invitation
# (on a database of its own: the test database holds the demo school).
other_db prod-unset
unset SCHOOLHUB_ENV
if start_server unset "DATABASE_URL=$OTHER_URL" "SCHOOLHUB_DATA_DIR=$WORK/unset-data" \
	SCHOOLHUB_SECRET_KEY="$SECRET"; then
	register "unset.$$.${RANDOM}@example.be"
	check "SCHOOLHUB_ENV unset: register is 403 invite_required (production)" \
		"$(reply)" problem_is 403 invite_required
	check "SCHOOLHUB_ENV unset with SCHOOLHUB_SECRET_KEY writes no secret.key" "" \
		test ! -e "$WORK/unset-data/secret.key"
	stop_server TERM
	expect_clean_stop SIGTERM
fi
export SCHOOLHUB_ENV=development

other_db prod-set
if start_server prod "DATABASE_URL=$OTHER_URL" "SCHOOLHUB_DATA_DIR=$WORK/prod-data" \
	SCHOOLHUB_ENV=production SCHOOLHUB_SECRET_KEY="$SECRET"; then
	register "prod.$$.${RANDOM}@example.be"
	check "production without SCHOOLHUB_REGISTRATION: register is 403 invite_required" \
		"$(reply)" problem_is 403 invite_required
	check "production with SCHOOLHUB_SECRET_KEY writes no secret.key" "" \
		test ! -e "$WORK/prod-data/secret.key"
	stop_server TERM
	expect_clean_stop SIGTERM
fi

cli_summary
