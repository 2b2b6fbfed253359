#!/usr/bin/env bash
# Tests of the schoolhub command line and of its operation, run by ctest once per backend:
#
#   tests/cli/cli_test.sh PATH/TO/schoolhub sqlite|postgres
#
# It runs the real binary: version and usage, configuration errors, migrate, user promote,
# invite create, and serve (health, readiness, SIGTERM with a request in flight, SIGINT,
# the development secret key). The demo seeder and production's defaults are tested by
# cli_seed_prod_test.sh; what both share (and how the backends work) is in cli_lib.sh.
set -euo pipefail

# shellcheck source=tests/cli/cli_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli_lib.sh"

echo "cli tests: $BIN on $BACKEND ($DB_KIND), work directory $WORK"

# === 1. version, usage, help ========================================================

run -- version
if rc_is 0 && [[ $OUT =~ ^schoolhub\ [0-9]+\.[0-9]+\.[0-9]+ ]]; then
	ok "version prints the version"
else bad "version prints the version" "$(last)"; fi

run -- frobnicate
if rc_is 2 && [[ -z $OUT ]] && err_has "usage: schoolhub"; then
	ok "unknown command: exit 2, usage on stderr, nothing on stdout"
else bad "unknown command: exit 2, usage on stderr, nothing on stdout" "$(last)"; fi

run -- serve --help
check "serve --help exits 0" "$(last)" rc_is 0
# The first column of the tables: | `NAME` |
mapfile -t documented < <(grep -oE '^\| .[A-Z][A-Z0-9_]+. ' "$ROOT/docs/CONFIG.md" | tr -dc 'A-Z0-9_\n' | sort -u)
if ((${#documented[@]} < 10)); then
	bad "docs/CONFIG.md lists the variables" "found only: ${documented[*]}"
fi
missing=()
for var in "${documented[@]}"; do
	grep -qw -- "$var" "$WORK/out" || missing+=("$var")
done
if ((${#missing[@]} == 0)); then
	ok "serve --help lists the ${#documented[@]} variables of docs/CONFIG.md"
else bad "serve --help lists the variables of docs/CONFIG.md" "missing: ${missing[*]}"; fi
# The other direction is only reported: the docs may lag behind a new variable.
while read -r var; do
	[[ " ${documented[*]} " == *" $var "* ]] ||
		echo "note: $var is in serve --help but not in docs/CONFIG.md"
done < <(grep -oE '^  [A-Z][A-Z0-9_]+' "$WORK/out" | tr -d ' ' | sort -u)

# === 2. configuration errors: one line naming the variable, non-zero exit ===========

# config_error DESCRIPTION NEEDLE [NAME=VALUE...]: "serve" with that environment exits
# non-zero (not killed by the timeout: it must not start) printing exactly one line on
# stderr, containing NEEDLE and not "hunter2" (the password of the URLs below).
config_error() {
	local desc="bad config, $1: non-zero exit, one line naming $2" needle=$2 RUN_TIMEOUT=20
	shift 2
	run "${DB_ENV[@]}" SCHOOLHUB_DATA_DIR="$WORK/cfg-data" SCHOOLHUB_SECRET_KEY="$SECRET" "$@" -- serve
	if [[ $RC != 0 && $RC != 124 ]] && err_lines_are 1 && err_has "$needle" && err_lacks hunter2; then
		ok "$desc"
	else bad "$desc" "$(last)"; fi
}
config_error "unsupported DATABASE_URL scheme" DATABASE_URL DATABASE_URL=mysql://root:hunter2@db.example/school
config_error "SQLite URL with two slashes" DATABASE_URL DATABASE_URL=sqlite://db.sqlite
config_error "unknown module" SCHOOLHUB_MODULES SCHOOLHUB_MODULES=auth,shop
config_error "production without a secret" SCHOOLHUB_SECRET_KEY SCHOOLHUB_ENV=production SCHOOLHUB_SECRET_KEY=
config_error "short secret" SCHOOLHUB_SECRET_KEY SCHOOLHUB_SECRET_KEY=too-short-12
config_error "port not a number" SCHOOLHUB_PORT SCHOOLHUB_PORT=80a
config_error "port out of range" SCHOOLHUB_PORT SCHOOLHUB_PORT=65536
config_error "negative port" SCHOOLHUB_PORT SCHOOLHUB_PORT=-1
config_error "unknown environment" SCHOOLHUB_ENV SCHOOLHUB_ENV=prod
config_error "unknown registration mode" SCHOOLHUB_REGISTRATION SCHOOLHUB_REGISTRATION=maybe
config_error "unknown log level" SCHOOLHUB_LOG_LEVEL SCHOOLHUB_LOG_LEVEL=trace
config_error "CORS wildcard" SCHOOLHUB_CORS_ORIGINS "SCHOOLHUB_CORS_ORIGINS=*"
config_error "CORS origin without scheme" SCHOOLHUB_CORS_ORIGINS SCHOOLHUB_CORS_ORIGINS=ecole.example.be
config_error "zero threads" SCHOOLHUB_THREADS SCHOOLHUB_THREADS=0
config_error "tiny body limit" SCHOOLHUB_MAX_BODY_BYTES SCHOOLHUB_MAX_BODY_BYTES=10
config_error "account cap below the per-address limit" "SCHOOLHUB_AUTH_ACCOUNT_LIMIT: expected a whole number between 10 and 1000000" \
	SCHOOLHUB_AUTH_ACCOUNT_LIMIT=5
config_error "unreachable PostgreSQL" postgresql \
	"DATABASE_URL=postgresql://sh:hunter2@127.0.0.1:1/nothing?connect_timeout=2"

# Nothing set is production: no generated secret; the one line says what to set, the
# laptop's SCHOOLHUB_ENV=development included.
RUN_TIMEOUT=20 unset_env_run "${DB_ENV[@]}" SCHOOLHUB_DATA_DIR="$WORK/unset-data" -- serve
if [[ $RC != 0 && $RC != 124 ]] && err_lines_are 1 && err_has "SCHOOLHUB_SECRET_KEY: required" &&
	err_has "the default when SCHOOLHUB_ENV is unset" && err_has "set SCHOOLHUB_ENV=development" &&
	[[ ! -e $WORK/unset-data/secret.key ]]; then
	ok "SCHOOLHUB_ENV unset, no secret: serve refuses in one line naming what to set, writes no secret.key"
else bad "SCHOOLHUB_ENV unset, no secret: serve refuses in one line naming what to set, writes no secret.key" \
	"$(last)"; fi

# === 3. migrate, twice ==============================================================

expected="$(find "$ROOT/migrations/$BACKEND" -maxdepth 1 -name '*.sql' | wc -l)"
run "${DB_ENV[@]}" -- migrate
applied="$(grep -o 'applied [0-9]* migration(s)' "$WORK/err" | grep -o '[0-9]*' || true)"
if rc_is 0 && out_has "database is up to date ($DB_KIND)"; then
	ok "migrate on an empty database: exit 0, up to date ($DB_KIND)"
else bad "migrate on an empty database: exit 0, up to date ($DB_KIND)" "$(last)"; fi
check "migrate on an empty database logs \"applied $expected migration(s)\" (migrations/$BACKEND)" \
	"$(last)" [ "$applied" = "$expected" ]
if [[ $BACKEND == sqlite ]]; then
	check "migrate creates the SQLite file at the URL's absolute path" "$SQLITE_FILE" test -f "$SQLITE_FILE"
fi
rows_before="$(sql 'SELECT count(*) FROM schema_migrations')"
run "${DB_ENV[@]}" -- migrate
if rc_is 0 && out_has "database is up to date" && err_lacks applied; then
	ok "second migrate: exit 0, applies nothing"
else bad "second migrate: exit 0, applies nothing" "$(last)"; fi
if [[ -n $rows_before ]]; then
	rows_after="$(sql 'SELECT count(*) FROM schema_migrations')"
	if [[ $rows_before == "$expected" && $rows_after == "$expected" ]]; then
		ok "schema_migrations has $expected rows after each migrate"
	else bad "schema_migrations has $expected rows after each migrate" \
		"before $rows_before, after $rows_after"; fi
fi

# === 4. seed-demo (its refusals and the time bank: cli_seed_prod_test.sh) ===========

# Section 5 logs in with the demo logins.
run "${DB_ENV[@]}" -- seed-demo
if rc_is 0 && out_has "Demo school loaded." && out_has "$DEMO_PARENT" && [[ -z $ERR ]]; then
	ok "seed-demo loads the demo school"
else bad "seed-demo loads the demo school" "$(last)"; fi

# === 5. a server: health, demo data, invites, promote, SIGTERM in flight ===========

if start_server main "${DB_ENV[@]}" SCHOOLHUB_SECRET_KEY="$SECRET" SCHOOLHUB_REGISTRATION=invite; then
	http GET /health
	if status_is 200 && [[ $(json_str status) == ok ]]; then
		ok "GET /health: 200 ok"
	else bad "GET /health: 200 ok" "$(reply)"; fi
	http GET /ready
	if status_is 200 && [[ $(json_str status) == ready && $(json_str database) == "$DB_KIND" ]]; then
		ok "GET /ready: 200, database $DB_KIND"
	else bad "GET /ready: 200, database $DB_KIND" "$(reply)"; fi

	# Two instances on one port would share its connections: the second must refuse.
	RUN_TIMEOUT=20 run "${DB_ENV[@]}" SCHOOLHUB_SECRET_KEY="$SECRET" SCHOOLHUB_PORT="$PORT" -- serve
	if [[ $RC != 0 && $RC != 124 ]] && err_lines_are 1; then
		ok "serve on a port already in use: non-zero exit, one line"
	else bad "serve on a port already in use: non-zero exit, one line" "$(last)"; fi

	# After two seed-demo runs the demo parent sees exactly her two children.
	login "$DEMO_PARENT" "$DEMO_PASSWORD"
	token="$(json_str access_token)"
	if status_is 200 && [[ -n $token ]]; then
		ok "demo parent logs in"
	else bad "demo parent logs in" "$(reply)"; fi
	http GET /api/v1/children "$token"
	classes="$(grep -o '"class_name":"[^"]*"' <<<"$BODY" | sort | tr '\n' ' ' || true)"
	if status_is 200 && [[ $classes == '"class_name":"M2" "class_name":"P3" ' ]]; then
		ok "demo parent's children: exactly the demo children (M2, P3)"
	else bad "demo parent's children: exactly the demo children (M2, P3)" "$(reply)"; fi
	# The classes: counts only, and the demo teacher staffs P3.
	http GET /api/v1/classes "$token"
	if status_is 200 && [[ $BODY == *'{"name":"P3","children":1,"families":1,"staff":[{"id":"'*'","first_name":"Claire","last_name":"Lambert"}]}'* &&
		$BODY == *'{"name":"M2","children":1,"families":1,"staff":[]}'* && $BODY != *'Léa'* ]]; then
		ok "demo classes: P3 has one child, one family and Claire Lambert as staff; no names"
	else bad "demo classes: P3 has one child, one family and Claire Lambert as staff; no names" "$(reply)"; fi

	# The demo time bank through the API: what the demo parent sees, and the audit.
	http GET /api/v1/sel/services "$token"
	services="$(grep -o '"units_per_hour":' <<<"$BODY" | wc -l)"
	if status_is 200 && [[ $services == 9 ]]; then
		ok "demo SEL directory: 9 services"
	else bad "demo SEL directory: 9 services (found $services)" "$(reply)"; fi
	http GET /api/v1/sel/balance "$token"
	if status_is 200 && [[ $BODY == *'"balance":90,"total_given":210,"total_received":180,'* ]]; then
		ok "demo parent's SEL balance: 90 units (210 given, 180 received)"
	else bad "demo parent's SEL balance: 90 units (210 given, 180 received)" "$(reply)"; fi
	http GET /api/v1/sel/transactions "$token"
	history="$(grep -o '"status":"[a-z]*"' <<<"$BODY" | sort | uniq -c | tr -s ' ' | tr '\n' ' ' || true)"
	if status_is 200 && [[ $history == ' 5 "status":"completed"  1 "status":"declined"  1 "status":"pending" ' ]]; then
		ok "demo parent's SEL history: 5 completed (with her opening), 1 declined, 1 pending"
	else bad "demo parent's SEL history: 5 completed (with her opening), 1 declined, 1 pending" \
		"found: $history"$'\n'"$(reply)"; fi
	login admin@demo.schoolhub.be "$DEMO_PASSWORD"
	admin_token="$(json_str access_token)"
	# GET /api/v1/admin/sel/audit: ok when the balances are 0 and the ledger consistent.
	audit_ok() {
		http GET /api/v1/admin/sel/audit "$admin_token"
		status_is 200 && [[ $BODY == *'"accounts":6,"sum_of_balances":0,"mismatched_accounts":[],"unbalanced_transactions":0,"ok":true}' ]]
	}
	if audit_ok; then
		ok "demo SEL audit: 6 accounts, sum of balances 0, ledger consistent"
	else bad "demo SEL audit: 6 accounts, sum of balances 0, ledger consistent" "$(reply)"; fi
	# The request waiting for her can be answered with the API like any other.
	http GET '/api/v1/sel/transactions?status=pending' "$token"
	pending_id="$(json_str id)"
	http POST "/api/v1/sel/transactions/$pending_id/accept" "$token"
	if status_is 200 && [[ $(json_str status) == completed ]]; then
		ok "demo parent accepts the pending request: 200 completed"
	else bad "demo parent accepts the pending request: 200 completed" "$(reply)"; fi
	http GET /api/v1/sel/balance "$token"
	if status_is 200 && [[ $BODY == *'"balance":-30,'* ]]; then
		ok "after accepting, her balance is 90 - 120 = -30"
	else bad "after accepting, her balance is 90 - 120 = -30" "$(reply)"; fi
	if audit_ok; then
		ok "after accepting, the SEL audit is still ok"
	else bad "after accepting, the SEL audit is still ok" "$(reply)"; fi

	# invite create, and registration with SCHOOLHUB_REGISTRATION=invite.
	run "${DB_ENV[@]}" -- invite create
	code="$OUT"
	if rc_is 0 && [[ $code =~ ^[A-Za-z0-9_-]{8,}$ ]] && err_has "valid until"; then
		ok "invite create prints a code"
	else bad "invite create prints a code" "$(last)"; fi
	email="cli.$$.${RANDOM}@example.be"
	register "$email"
	check "register without a code: 403 invite_required" "$(reply)" problem_is 403 invite_required
	register "$email" "$code"
	member_token="$(json_str access_token)"
	if status_is 201 && [[ -n $member_token ]]; then
		ok "register with the code: 201"
	else bad "register with the code: 201" "$(reply)"; fi
	register "other.$email" "$code"
	check "register reusing the code: 403 invalid_invite" "$(reply)" problem_is 403 invalid_invite
	run "${DB_ENV[@]}" -- invite create --days 0
	check "invite create --days 0: exit 2" "$(last)" rc_is 2
	run "${DB_ENV[@]}" -- invite
	if rc_is 2 && err_has usage; then
		ok "invite without create: exit 2 with usage"
	else bad "invite without create: exit 2 with usage" "$(last)"; fi

	# user promote.
	http POST /api/v1/admin/invites "$member_token" '{}'
	check "a parent may not create invites: 403 forbidden" "$(reply)" problem_is 403 forbidden
	run "${DB_ENV[@]}" -- user promote "${email^^}" --role admin
	if rc_is 0 && out_has "$email is now admin"; then
		ok "user promote EMAIL --role admin (email given in capitals)"
	else bad "user promote EMAIL --role admin (email given in capitals)" "$(last)"; fi
	http POST /api/v1/admin/invites "$member_token" '{}'
	if status_is 201 && [[ -n $(json_str code) ]]; then
		ok "the promoted member creates an invite with the same token: 201"
	else bad "the promoted member creates an invite with the same token: 201" "$(reply)"; fi
	run "${DB_ENV[@]}" -- user promote "nobody.$email" --role teacher
	if rc_is 1 && err_has "no member"; then
		ok "user promote of an unknown email: exit 1, says so"
	else bad "user promote of an unknown email: exit 1, says so" "$(last)"; fi
	run "${DB_ENV[@]}" -- user promote "$email" --role emperor
	if rc_is 2 && err_has emperor; then
		ok "user promote with a bad role: exit 2"
	else bad "user promote with a bad role: exit 2" "$(last)"; fi
	run "${DB_ENV[@]}" -- user promote "$email"
	if rc_is 2 && err_has usage; then
		ok "user promote without --role: exit 2 with usage"
	else bad "user promote without --role: exit 2 with usage" "$(last)"; fi

	# Each account change by the command line is an audit row with no actor, on the member.
	member_id="$(sql "SELECT id FROM users WHERE email = '$email'")"
	cli_rows() { # ACTION: the audit rows with no actor on the member
		sql "SELECT count(*) FROM audit_log l JOIN audit_targets t ON t.seq = l.seq
			WHERE l.action = '$1' AND l.actor_id IS NULL AND t.target_id = '$member_id'"
	}
	check "user promote wrote one audit row member.role_changed, actor none, on the member" \
		"$(cli_rows member.role_changed)" [ "$(cli_rows member.role_changed)" = 1 ]
	# user pending: the account waits for approval again, as registration by approval leaves it.
	run "${DB_ENV[@]}" -- user pending "${email^^}"
	if rc_is 0 && out_has "$email now waits for approval" &&
		[[ $(cli_rows member.made_pending) == 1 ]]; then
		ok "user pending EMAIL: exit 0, one audit row member.made_pending, actor none"
	else bad "user pending EMAIL: exit 0, one audit row member.made_pending, actor none" \
		"$(last)"$'\n'"rows: $(cli_rows member.made_pending)"; fi
	http GET /api/v1/sel/services "$member_token"
	check "the pending member's token reaches only its profile: 403 pending_approval" "$(reply)" \
		problem_is 403 pending_approval
	run "${DB_ENV[@]}" -- user pending "nobody.$email"
	if rc_is 1 && err_has "no member"; then
		ok "user pending of an unknown email: exit 1, says so"
	else bad "user pending of an unknown email: exit 1, says so" "$(last)"; fi
	run "${DB_ENV[@]}" -- user pending
	if rc_is 2 && err_has "user pending EMAIL"; then
		ok "user pending without an email: exit 2 with usage"
	else bad "user pending without an email: exit 2 with usage" "$(last)"; fi
	# promote approves the waiting account: a second role row and an approval row.
	run "${DB_ENV[@]}" -- user promote "$email" --role admin
	http POST /api/v1/admin/invites "$member_token" '{}'
	if rc_is 0 && status_is 201 && [[ $(cli_rows member.role_changed) == 2 &&
		$(cli_rows member.approved) == 1 ]]; then
		ok "user promote of a pending account approves it: 201, rows role_changed and approved"
	else bad "user promote of a pending account approves it: 201, rows role_changed and approved" \
		"$(reply)"$'\n'"rows: $(cli_rows member.role_changed) $(cli_rows member.approved)"; fi

	# audit verify: the invites above wrote audit rows; an edit made in the database behind
	# the triggers' back (dropped on SQLite, disabled on PostgreSQL) is named by its row.
	run "${DB_ENV[@]}" -- audit verify
	if rc_is 0 && out_has "audit log intact"; then
		ok "audit verify on an untouched log: exit 0"
	else bad "audit verify on an untouched log: exit 0" "$(last)"; fi
	run "${DB_ENV[@]}" -- audit
	check "audit without verify: exit 2" "$(last)" rc_is 2
	if [[ $BACKEND == sqlite ]]; then
		sqlite3 "$SQLITE_FILE" "DROP TRIGGER audit_log_no_update;
			UPDATE audit_log SET action = 'nothing' WHERE seq = 1;" >/dev/null
	else
		psql -qAt "$DB_URL" -c "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only" \
			-c "UPDATE audit_log SET action = 'nothing' WHERE seq = 1" >/dev/null
	fi
	run "${DB_ENV[@]}" -- audit verify
	if rc_is 1 && err_has "broken at row 1"; then
		ok "audit verify after a direct edit: exit 1, names row 1"
	else bad "audit verify after a direct edit: exit 1, names row 1" "$(last)"; fi

	# SIGTERM while a login is in flight: its body trickles in for ~1.5 s, then argon2.
	{
		printf '{"email":"%s","password":"%s"' "$DEMO_PARENT" "$DEMO_PASSWORD"
		head -c 150000 /dev/zero | tr '\0' ' '
		printf '}'
	} >"$WORK/slow.json"
	curl -s --max-time 60 -o "$WORK/slow.body" -w '%{http_code}' -H 'Expect:' \
		-H 'Content-Type: application/json' --limit-rate 100K \
		--data-binary @"$WORK/slow.json" "$BASE/api/v1/auth/login" >"$WORK/slow.status" &
	slow=$!
	sh_pid_track "$slow"
	sleep 0.5
	kill -TERM "$SERVER_PID"
	sleep 0.3
	http GET /health
	check "while draining after SIGTERM, new connections are refused" "$(reply)" status_is 000
	sh_pid_reap "$slow"
	slow_rc=$SH_PID_RC
	if [[ $slow_rc == 0 && $(<"$WORK/slow.status") == 200 ]] && grep -q access_token "$WORK/slow.body"; then
		ok "the login in flight at SIGTERM still gets its answer (200 with a token)"
	else bad "the login in flight at SIGTERM still gets its answer (200 with a token)" \
		"curl exit $slow_rc, HTTP $(cat "$WORK/slow.status"): $(cat "$WORK/slow.body")"; fi
	wait_server
	expect_clean_stop SIGTERM
	check "the in-flight login was answered after the signal (log order)" "$(cat "$SERVER_LOG")" \
		grep -q 'received SIGTERM.*"route":"/api/v1/auth/login".*stopped cleanly' <(tr '\n' ' ' <"$SERVER_LOG")
fi

# === 6. SIGINT, on an explicit free port =============================================

if port="$(sh_free_port)" && start_server sigint "${DB_ENV[@]}" SCHOOLHUB_SECRET_KEY="$SECRET" SCHOOLHUB_PORT="$port"; then
	check "serve listens on SCHOOLHUB_PORT=$port" "listening on $PORT" [ "$PORT" = "$port" ]
	http GET /health
	check "GET /health on port $port: 200" "$(reply)" status_is 200
	stop_server INT
	expect_clean_stop SIGINT
fi

# === 7. development secret key: created 0600, reused across restarts =================

dev_env=("DATABASE_URL=$DB_URL" "SCHOOLHUB_DATA_DIR=$WORK/dev-data")
key="$WORK/dev-data/secret.key"
if start_server dev "${dev_env[@]}"; then
	if [[ -f $key && $(stat -c %a "$key") == 600 && $(stat -c %s "$key") -ge 32 ]]; then
		ok "development creates \$SCHOOLHUB_DATA_DIR/secret.key, mode 0600"
	else bad "development creates \$SCHOOLHUB_DATA_DIR/secret.key, mode 0600" \
		"$(ls -la "$WORK/dev-data" 2>&1)"; fi
	if [[ $(stat -c %a "$WORK/dev-data") == 700 ]]; then
		ok "development creates \$SCHOOLHUB_DATA_DIR, mode 0700"
	else bad "development creates \$SCHOOLHUB_DATA_DIR, mode 0700" "$(ls -lad "$WORK/dev-data")"; fi
	cp "$key" "$WORK/secret.key.before" 2>/dev/null || true
	register "dev.$$.${RANDOM}@example.be"
	dev_token="$(json_str access_token)"
	if status_is 201 && [[ -n $dev_token ]]; then
		ok "development: open registration, 201"
	else bad "development: open registration, 201" "$(reply)"; fi
	stop_server TERM
	expect_clean_stop SIGTERM
	if start_server dev-again "${dev_env[@]}"; then
		check "the next start reuses secret.key unchanged" "" cmp -s "$key" "$WORK/secret.key.before"
		http GET /api/v1/users/me "$dev_token"
		check "a token from before the restart still works" "$(reply)" status_is 200
		stop_server TERM
		expect_clean_stop SIGTERM
	fi
	printf 'short\n' >"$key"
	RUN_TIMEOUT=20 run "${dev_env[@]}" -- serve
	if [[ $RC != 0 && $RC != 124 ]] && err_lines_are 1 && err_has "$key"; then
		ok "a too short secret.key: non-zero exit, one line naming it"
	else bad "a too short secret.key: non-zero exit, one line naming it" "$(last)"; fi
fi

cli_summary
