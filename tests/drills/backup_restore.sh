#!/usr/bin/env bash
# Restore drill: a backup taken under a write load, the database lost, the school restored.
#
#   tests/drills/backup_restore.sh PATH/TO/schoolhub
#
# On SQLite, then on PostgreSQL (a database of its own on SCHOOLHUB_TEST_PG_URL's server;
# skipped when that is unset): "schoolhub serve", members paying each other SEL units (one
# curl per payment, each with its own Idempotency-Key); while they pay, scripts/backup.sh
# (on SQLite encrypted to an age key when age is installed). Then the server is stopped,
# the database wiped (the file deleted; the database dropped and created again), the backup
# restored with `schoolhub restore` (after `age -d`), the server started on it.
#
# Asserts:
#   - scripts/backup.sh exits 0, writes the metric the alert reads
#     (schoolhub_backup_last_success_timestamp_seconds = its start time); with age: only the
#     .age file is left, its checksum holds, the decrypted file restores;
#   - a failing backup (database unreachable), or a second one while the first holds DIR's
#     lock, exits non-zero and leaves the metric as it was;
#   - `schoolhub restore` (every table matching the manifest read from the backup's own
#     snapshot, under load) and `schoolhub audit verify` exit 0 on the restored database;
#   - every payment answered 201 BEFORE the backup started is in it with the same id, and
#     replaying its Idempotency-Key answers the same id; no payment is there that was never
#     asked for; the SEL audit (GET /admin/sel/audit) is ok.
# Payments answered after the backup began may or may not be in it (SQLite's backup API and
# pg_dump each copy one snapshot taken at some moment during the run): counted, not checked.
set -euo pipefail

DRILL=backup_restore
BIN=${1:-}
[[ -n $BIN && -x $BIN && ! -d $BIN ]] || {
	echo "usage: $0 PATH/TO/schoolhub" >&2
	exit 2
}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
BACKUP_SH=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../scripts" && pwd)/backup.sh
umask 077 # backups, keys and decrypted files: the owner's only, as on a server
MEMBERS=4
PAYERS=3

# shellcheck source=tests/drills/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PG_ADMIN_URL=${SCHOOLHUB_TEST_PG_URL:-}
unset SCHOOLHUB_TEST_PG_URL

# payer N OUT: payments of 1 unit from member N to member N+1 until $DRILL_WORK/stop
# exists, each with a new Idempotency-Key; one line per payment to OUT:
#   start end key status transaction_id
payer() {
	local n=$1 out=$2 i=0 t0 t1 code id key body="$DRILL_WORK/pay.$1.body"
	local token=${TOKENS[$n]} to=${IDS[$(((n + 1) % MEMBERS))]}
	until [[ -e $DRILL_WORK/stop ]]; do
		i=$((i + 1))
		key="drill-$n-$i-$$"
		t0=$EPOCHREALTIME
		code=$(curl -s --max-time 10 -o "$body" -w '%{http_code}' -H 'Expect:' \
			-H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
			-H "Idempotency-Key: $key" \
			--data-binary "{\"to_user_id\":\"$to\",\"units\":1,\"description\":\"drill\"}" \
			"$BASE/api/v1/sel/transactions") || true
		t1=$EPOCHREALTIME
		[[ $code =~ ^[0-9]{3}$ ]] || code=000
		id=-
		[[ $code != 201 ]] || id=$(sh_json_str id "$body")
		echo "$t0 $t1 $key $code $id" >>"$out"
	done
}

# sql URL QUERY: the rows of QUERY, one value a line.
sql() {
	if [[ $1 == sqlite://* ]]; then
		sqlite3 "${1#sqlite://}" "$2"
	else
		psql -X -qAt -v ON_ERROR_STOP=1 "$1" -c "$2"
	fi
}

# old_encrypted_backups DIR: .age backups as earlier nights would have left them (with both
# checksums): 1, 2, 4, 5 and 6 days ago, two 3 days ago (00:30 and 01:00 UTC: the older one
# must go) and one 40 days ago (beyond the 4 weeks: must go).
OLD_KEPT=()
OLD_GONE=()
old_encrypted_backups() {
	local dir=$1 when name day3
	mkdir -p "$dir" # 700: the umask above
	day3=$(date -u -d '-3 days' +%F)
	for when in '-1 days' '-2 days' '-4 days' '-5 days' '-6 days' "$day3 01:00:00" \
		"$day3 00:30:00" '-40 days'; do
		name="schoolhub-$(date -u -d "$when" +%Y%m%dT%H%M%SZ).db.age"
		echo "old" >"$dir/$name"
		echo "0  ${name%.age}" >"$dir/${name%.age}.sha256"
		echo '{}' >"$dir/${name%.age}.manifest.json"
		(cd "$dir" && sha256sum "$name" >"$name.sha256")
		case $when in
		'-40 days' | *00:30:00) OLD_GONE+=("$name") ;;
		*) OLD_KEPT+=("$name") ;;
		esac
	done
}

# check_encrypted_rotation DIR NEW: the 7-daily/4-weekly rotation applied to the .age files.
check_encrypted_rotation() {
	local dir=$1 new=$2 name
	for name in "${OLD_KEPT[@]}" "$(basename "$new")"; do
		[[ -f $dir/$name && -f $dir/$name.sha256 ]] || fail "rotation removed $name: $(ls "$dir")"
	done
	for name in "${OLD_GONE[@]}"; do
		[[ ! -e $dir/$name && ! -e $dir/$name.sha256 && ! -e $dir/${name%.age}.sha256 &&
			! -e $dir/${name%.age}.manifest.json ]] ||
			fail "rotation kept $name (or a checksum or manifest of it): $(ls "$dir")"
	done
}

# drill_backend NAME URL [AGE_RECIPIENT]: the whole drill on one database.
drill_backend() {
	local name=$1 url=$2 recipient=${3:-} t_backup t_backup_s file metric env pids=() n
	local started
	started=$(now)
	EMAILS=() TOKENS=() IDS=()
	env="$DRILL_WORK/$name.env"
	metric="$DRILL_WORK/$name.prom"
	printf 'DATABASE_URL="%s"\nSCHOOLHUB_SECRET_KEY=%s\nexport SCHOOLHUB_DATA_DIR=%s\n' \
		"$url" "$SCHOOLHUB_SECRET_KEY" "$DRILL_WORK/$name-data" >"$env"
	# Limits no run reaches (member 0 only pays, member PAYERS only receives).
	server_start "$BIN" "$name" DATABASE_URL="$url" SEL_MIN_BALANCE=-100000 SEL_MAX_BALANCE=100000
	register_members "$MEMBERS"
	local admin_email="drill.admin.$name.$$@example.be"
	[[ $(http_code POST /api/v1/auth/register "" \
		"{\"email\":\"$admin_email\",\"password\":\"drill admin password\",\"first_name\":\"A\",\"last_name\":\"D\",\"privacy_version\":\"2026-12-09\"}") == 201 ]] ||
		fail "$name: register the admin"
	DATABASE_URL="$url" "$BIN" user promote "$admin_email" --role admin >/dev/null 2>&1 ||
		fail "$name: schoolhub user promote"

	# --- a backup under load ---------------------------------------------------------------
	rm -f "$DRILL_WORK/stop" "$DRILL_WORK"/pay.*.log
	for ((n = 0; n < PAYERS; n++)); do
		: >"$DRILL_WORK/pay.$n.log"
		payer "$n" "$DRILL_WORK/pay.$n.log" &
		pids+=($!)
		sh_pid_track $!
	done
	[[ -z $recipient ]] || old_encrypted_backups "$DRILL_WORK/$name-backups"
	sleep 2
	t_backup=$(now)
	t_backup_s=${t_backup%.*}
	file=$(SCHOOLHUB_BIN="$BIN" SCHOOLHUB_BACKUP_AGE_RECIPIENT="$recipient" \
		"$BACKUP_SH" -e "$env" -m "$metric" "$DRILL_WORK/$name-backups" 2>"$DRILL_WORK/backup.err") ||
		fail "$name: scripts/backup.sh failed: $(cat "$DRILL_WORK/backup.err")"
	sleep 1
	touch "$DRILL_WORK/stop"
	for n in "${pids[@]}"; do
		sh_pid_wait "$n" 15 || true
		sh_pid_stop "$n"
	done
	cat "$DRILL_WORK"/pay.*.log >"$DRILL_WORK/$name.payments"

	[[ -z $recipient ]] || check_encrypted_rotation "$DRILL_WORK/$name-backups" "$file"
	# The metric the alert SchoolHubBackupTooOld reads: the backup's start time.
	local value
	value=$(awk '$1 == "schoolhub_backup_last_success_timestamp_seconds" {print $2}' "$metric")
	if ! [[ $value =~ ^[0-9]+$ ]] || ((value < t_backup_s || value > ${EPOCHREALTIME%.*})); then
		fail "$name: metric file: $(cat "$metric")"
	fi
	grep -q '^# TYPE schoolhub_backup_last_success_timestamp_seconds gauge$' "$metric" ||
		fail "$name: no TYPE line in the metric file"
	# A failing backup: exit non-zero, the metric untouched.
	cp "$metric" "$DRILL_WORK/metric.before"
	printf 'DATABASE_URL=postgresql://drill@127.0.0.1:1/none?connect_timeout=2\n' >"$DRILL_WORK/bad.env"
	if SCHOOLHUB_BIN="$BIN" "$BACKUP_SH" -e "$DRILL_WORK/bad.env" -m "$metric" \
		"$DRILL_WORK/bad-backups" >/dev/null 2>&1; then
		fail "$name: scripts/backup.sh exited 0 on an unreachable database"
	fi
	cmp -s "$metric" "$DRILL_WORK/metric.before" || fail "$name: a failed backup changed the metric"
	# A second run while one holds the lock of DIR: refused, nothing written.
	if flock "$DRILL_WORK/$name-backups/.backup.lock" env SCHOOLHUB_BIN="$BIN" "$BACKUP_SH" \
		-e "$env" -m "$metric" "$DRILL_WORK/$name-backups" >/dev/null 2>"$DRILL_WORK/lock.err"; then
		fail "$name: scripts/backup.sh ran while another held the lock"
	fi
	grep -q 'another backup is running' "$DRILL_WORK/lock.err" || fail "$name: lock: $(cat "$DRILL_WORK/lock.err")"
	cmp -s "$metric" "$DRILL_WORK/metric.before" || fail "$name: a refused backup changed the metric"

	# --- the loss ----------------------------------------------------------------------------
	server_stop TERM
	[[ $SERVER_RC == 0 ]] || fail "$name: the server exited $SERVER_RC on SIGTERM"
	if [[ $url == sqlite://* ]]; then
		local db=${url#sqlite://}
		rm -f "$db" "$db-wal" "$db-shm"
	else
		sh_pg_db_drop "$PG_ADMIN_URL" "${url##*/}" || fail "drop the database"
		psql -X -q -v ON_ERROR_STOP=1 "$PG_ADMIN_URL" -c "CREATE DATABASE \"${url##*/}\"" >/dev/null ||
			fail "create the database again"
	fi

	# --- the restore -------------------------------------------------------------------------
	if [[ -n $recipient ]]; then
		[[ $file == *.age && -f $file && -f $file.sha256 && ! -e ${file%.age} ]] ||
			fail "$name: encrypted backup: $file; $(ls "$DRILL_WORK/$name-backups")"
		(cd "$(dirname "$file")" && sha256sum --quiet -c "$(basename "$file").sha256") ||
			fail "$name: the .age checksum does not hold"
		age -d -i "$DRILL_WORK/age.key" -o "${file%.age}" "$file" || fail "$name: age -d failed"
		file=${file%.age}
	fi
	# The manifest was read from the backup's own snapshot (the SQLite copy; pg_dump's exported
	# snapshot): taken under load, every table still matches it.
	DATABASE_URL="$url" "$BIN" restore "$file" >"$DRILL_WORK/restore.out" 2>&1 ||
		fail "$name: schoolhub restore: $(cat "$DRILL_WORK/restore.out")"
	grep -q 'every table matches its manifest' "$DRILL_WORK/restore.out" ||
		fail "$name: schoolhub restore did not check the manifest: $(cat "$DRILL_WORK/restore.out")"
	DATABASE_URL="$url" "$BIN" audit verify >"$DRILL_WORK/verify.out" 2>&1 ||
		fail "$name: schoolhub audit verify: $(cat "$DRILL_WORK/verify.out")"
	server_start "$BIN" "$name-restored" DATABASE_URL="$url" SEL_MIN_BALANCE=-100000 \
		SEL_MAX_BALANCE=100000

	# --- what survived -------------------------------------------------------------------------
	sql "$url" "SELECT id FROM sel_transactions WHERE kind = 'payment'" | sort >"$DRILL_WORK/restored.ids"
	awk -v b="$t_backup" '$4 == 201 && $2 < b {print $5}' "$DRILL_WORK/$name.payments" |
		sort >"$DRILL_WORK/before.ids"
	awk '$4 == 201 {print $5}' "$DRILL_WORK/$name.payments" | sort >"$DRILL_WORK/acked.ids"
	local before missing after kept phantom unanswered
	before=$(wc -l <"$DRILL_WORK/before.ids")
	((before > 0)) || fail "$name: no payment answered 201 before the backup"
	missing=$(comm -23 "$DRILL_WORK/before.ids" "$DRILL_WORK/restored.ids" | wc -l)
	((missing == 0)) || fail "$name: $missing of $before payments acknowledged before the backup are not restored"
	unanswered=$(awk '$4 != 201' "$DRILL_WORK/$name.payments" | wc -l)
	phantom=$(comm -13 "$DRILL_WORK/acked.ids" "$DRILL_WORK/restored.ids" | wc -l)
	((phantom <= unanswered)) ||
		fail "$name: $phantom restored payments were never answered 201 ($unanswered requests without a 201)"
	after=$(awk -v b="$t_backup" '$4 == 201 && $2 >= b' "$DRILL_WORK/$name.payments" | wc -l)
	kept=$(($(comm -12 "$DRILL_WORK/acked.ids" "$DRILL_WORK/restored.ids" | wc -l) - before))

	# Replaying a key acknowledged before the backup answers the same payment (the
	# idempotency records came back with the ledger): the first 5 of each payer.
	local key id payer_n
	while read -r _ _ key _ id; do
		payer_n=${key#drill-}
		payer_n=${payer_n%%-*}
		[[ $(curl -s --max-time 10 -o "$DRILL_WORK/replay.body" -w '%{http_code}' \
			-H "Authorization: Bearer ${TOKENS[$payer_n]}" -H 'Content-Type: application/json' \
			-H "Idempotency-Key: $key" \
			--data-binary "{\"to_user_id\":\"${IDS[$(((payer_n + 1) % MEMBERS))]}\",\"units\":1,\"description\":\"drill\"}" \
			"$BASE/api/v1/sel/transactions") == 201 &&
			$(sh_json_str id "$DRILL_WORK/replay.body") == "$id" ]] ||
			fail "$name: replay of $key: $(cat "$DRILL_WORK/replay.body") (expected id $id)"
	done < <(awk -v b="$t_backup" '$4 == 201 && $2 < b {split($3, k, "-"); if (++seen[k[2]] <= 5) print}' \
		"$DRILL_WORK/$name.payments")

	[[ $(http_code POST /api/v1/auth/login "" \
		"{\"email\":\"$admin_email\",\"password\":\"drill admin password\"}") == 200 ]] ||
		fail "$name: admin login on the restored database: $(cat "$DRILL_WORK/http.body")"
	local admin_token
	admin_token=$(sh_json_str access_token "$DRILL_WORK/http.body")
	[[ $(http_code GET /api/v1/admin/sel/audit "$admin_token") == 200 ]] ||
		fail "$name: SEL audit after the restore: $(cat "$DRILL_WORK/http.body")"
	grep -q '"ok":true' "$DRILL_WORK/http.body" ||
		fail "$name: SEL audit after the restore: $(cat "$DRILL_WORK/http.body")"
	server_stop TERM
	[[ $SERVER_RC == 0 ]] || fail "$name: the restored server exited $SERVER_RC on SIGTERM"

	log "$name ok${recipient:+ (age)}: $before payments acknowledged before the backup, all restored with their ids; $after acknowledged after it began, $kept of them in the backup; $unanswered answered otherwise ($(awk '$4 != 201 {print $4}' "$DRILL_WORK/$name.payments" | sort | uniq -c | tr -s ' \n' ' ')); audit chain and SEL audit ok; $(elapsed "$started") s"
}

command -v sqlite3 >/dev/null || skip "sqlite3 is missing"
RECIPIENT=""
if command -v age-keygen >/dev/null && command -v age >/dev/null; then
	age-keygen -o "$DRILL_WORK/age.key" 2>/dev/null || fail "age-keygen"
	RECIPIENT=$(age-keygen -y "$DRILL_WORK/age.key")
else
	log "age is not installed: the encrypted backup is not drilled"
fi
drill_backend sqlite "sqlite:///$DRILL_WORK/sqlite.db" "$RECIPIENT"

if [[ -z $PG_ADMIN_URL ]]; then
	log "SCHOOLHUB_TEST_PG_URL is unset: PostgreSQL not drilled"
else
	command -v psql >/dev/null || fail "psql is missing"
	command -v pg_dump >/dev/null || fail "pg_dump is missing"
	sh_pg_db_create "$PG_ADMIN_URL" "sh_drill_backup_$$_$RANDOM" || fail "create the database"
	drill_backend postgres "$SH_PG_DB_URL"
fi
