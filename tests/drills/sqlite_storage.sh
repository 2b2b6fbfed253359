#!/usr/bin/env bash
# Fault drill: the SQLite database on a full, then a read-only, file system.
#
#   tests/drills/sqlite_storage.sh PATH/TO/schoolhub
#
# The database lives on a small ext4 file system of its own (a loop-mounted image, in a
# private mount namespace so nothing outlives the drill). "schoolhub serve" runs on it:
#
# 1. Full: a filler file takes every free block. Payments must answer 503 problem+json
#    storage_unavailable (never 500, never a dropped connection), reads and /ready keep
#    answering 200; once the filler is deleted, payments are booked again and
#    PRAGMA integrity_check is ok.
# 2. Read-only: an ext4 error is triggered (/sys/fs/ext4/<dev>/trigger_fs_error) and the
#    kernel remounts the file system read-only (errors=remount-ro), as it does on a real
#    disk fault. Payments answer 503 storage_unavailable, reads 200; SIGTERM still stops
#    the server cleanly. The operator's repair is then replayed: unmount, e2fsck, mount;
#    PRAGMA integrity_check is ok, and a restarted server books payments again with the
#    SEL audit ok.
#
# What survives: by default (SCHOOLHUB_SQLITE_SYNC=full) SQLite syncs the WAL at every
# commit, so every payment answered 201 must survive the failing file system, like a power
# cut. With SCHOOLHUB_SQLITE_SYNC=normal a commit is durable only once the WAL reaches the
# disk (checkpoint, or the kernel's writeback): the drill then checks that weaker contract
# (every payment answered 201 before the last sync(1) is there) and reports how many later
# ones were lost. In both modes nothing is there that was not answered 201.
#
# Needs root (mount, loop devices), e2fsprogs, util-linux and sqlite3; exits 77 (skipped)
# when the mount is not permitted.
set -euo pipefail

DRILL=sqlite_storage
BIN=${1:-}
[[ -n $BIN && -x $BIN && ! -d $BIN ]] || {
	echo "usage: $0 PATH/TO/schoolhub" >&2
	exit 2
}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

# Mounts made in a private namespace vanish with it, even if this script is SIGKILLed.
if [[ -z ${DRILL_IN_MOUNT_NS:-} ]] && ((EUID == 0)) && command -v unshare >/dev/null &&
	unshare --mount --propagation private true 2>/dev/null; then
	export DRILL_IN_MOUNT_NS=1
	exec unshare --mount --propagation private bash "$0" "$BIN"
fi

# The durability mode under test, read before lib.sh clears the operator's SCHOOLHUB_*.
SQLITE_SYNC=${SCHOOLHUB_SQLITE_SYNC:-full}
MNT=""
IMG=""
MOUNTED=0
# shellcheck disable=SC2317 # only called on exit
unmount_all() {
	if ((MOUNTED)); then
		umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null ||
			echo "$DRILL: could not unmount $MNT" >&2
	fi
}
# shellcheck source=tests/drills/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
sh_on_exit unmount_all
export SCHOOLHUB_SQLITE_SYNC=$SQLITE_SYNC

((EUID == 0)) || skip "needs root to mount a file system"
for tool in mount umount mkfs.ext4 e2fsck sqlite3; do
	command -v "$tool" >/dev/null || skip "$tool is missing"
done

# --- the file system ---------------------------------------------------------------------
IMG="$DRILL_WORK/fs.img"
MNT="$DRILL_WORK/mnt"
mkdir -p "$MNT"
truncate -s 16M "$IMG"
mkfs.ext4 -q -F -m 0 "$IMG" >/dev/null 2>&1 || fail "mkfs.ext4 failed"
mount -o loop,errors=remount-ro "$IMG" "$MNT" 2>"$DRILL_WORK/mount.err" ||
	skip "cannot loop-mount an ext4 image here: $(head -n1 "$DRILL_WORK/mount.err")"
MOUNTED=1
DEV=$(findmnt -n -o SOURCE "$MNT")
SYSFS="/sys/fs/ext4/$(basename "$DEV")"
DB="$MNT/schoolhub.db"
export DATABASE_URL="sqlite:///$DB"
log "ext4 image on $DEV mounted at $MNT"

integrity() { sqlite3 "$DB" 'PRAGMA integrity_check' 2>&1 | tr '\n' ' ' | sed 's/ $//'; }

server_start "$BIN" main
register_members 4
admin_email="drill.admin.$$@example.be"
[[ $(http_code POST /api/v1/auth/register "" \
	"{\"email\":\"$admin_email\",\"password\":\"drill admin password\",\"first_name\":\"A\",\"last_name\":\"D\",\"privacy_version\":\"2026-12-09\"}") == 201 ]] ||
	fail "register the admin"
ADMIN_TOKEN=$(sh_json_str access_token "$DRILL_WORK/http.body")
"$BIN" user promote "$admin_email" --role admin >/dev/null 2>&1 || fail "schoolhub user promote"

# pay N: N payments from one member to the next (one curl run, a keep-alive connection).
# $DRILL_WORK/answers gets "status retry-after content-type" per payment, body i in pay.i;
# the statuses are appended to $DRILL_WORK/paid and the ids of the 201s to ids.
: >"$DRILL_WORK/paid"
: >"$DRILL_WORK/ids"
PAYER=0
pay() {
	local n=$1 to=$(((PAYER + 1) % 4))
	rm -f "$DRILL_WORK"/pay.*
	curl -s --max-time 60 -X POST "$BASE/api/v1/sel/transactions?n=[1-$n]" -H 'Expect:' \
		-H "Authorization: Bearer ${TOKENS[$PAYER]}" -H 'Content-Type: application/json' \
		--data-binary "{\"to_user_id\":\"${IDS[$to]}\",\"units\":1}" \
		-o "$DRILL_WORK/pay.#1" -w '%{http_code} %header{retry-after} %{content_type}\n' \
		>"$DRILL_WORK/answers" || true
	cut -d' ' -f1 "$DRILL_WORK/answers" >"$DRILL_WORK/codes"
	cat "$DRILL_WORK/codes" >>"$DRILL_WORK/paid"
	grep -ho '^{"id":"[0-9a-f-]*"' "$DRILL_WORK"/pay.* 2>/dev/null >>"$DRILL_WORK/ids" || true
	PAYER=$(((PAYER + 1) % 4))
}
# codes: "count status" summary of the last pay.
codes() { sort "$DRILL_WORK/codes" | uniq -c | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'; }

# expect_storage_503 WHAT: the last pay run got 201s and/or 503 storage_unavailable only,
# at least one 503, each a problem+json with Retry-After.
expect_storage_503() {
	local i=0 status retry ctype n503=0 bad=0
	SAMPLE_503=""
	while read -r status retry ctype; do
		i=$((i + 1))
		if [[ $status == 503 ]]; then
			n503=$((n503 + 1))
			if [[ $retry =~ ^[0-9]+$ && $ctype == application/problem+json* &&
				$(sh_json_str code "$DRILL_WORK/pay.$i") == storage_unavailable ]]; then
				[[ -n $SAMPLE_503 ]] || SAMPLE_503="Retry-After: $retry, $(cat "$DRILL_WORK/pay.$i")"
			else
				bad=$((bad + 1))
			fi
		elif [[ $status != 201 ]]; then
			bad=$((bad + 1))
		fi
	done <"$DRILL_WORK/answers"
	((bad == 0)) || fail "$1: answers other than 201 and 503 storage_unavailable: $(cat "$DRILL_WORK/answers")"
	((n503 > 0)) || fail "$1: no payment was refused: $(codes)"
}

expect_reads_ok() {
	local code
	code=$(http_code GET /api/v1/sel/balance "${TOKENS[0]}")
	[[ $code == 200 ]] || fail "$1: GET balance $code $(cat "$DRILL_WORK/http.body")"
	code=$(http_code GET /api/v1/sel/transactions "${TOKENS[1]}")
	[[ $code == 200 ]] || fail "$1: GET transactions $code $(cat "$DRILL_WORK/http.body")"
	code=$(http_code GET /ready)
	[[ $code == 200 ]] || fail "$1: /ready $code $(cat "$DRILL_WORK/http.body")"
}

pay 20
[[ $(codes) == "20 201" ]] || fail "payments before the fault: $(codes)"

# --- 1. full -------------------------------------------------------------------------------
dd if=/dev/zero of="$MNT/filler" bs=64k status=none 2>/dev/null || true
sync
DURABLE=$(wc -l <"$DRILL_WORK/ids") # payments on disk for sure: answered 201 before a sync
log "file system full: $(df -h --output=avail "$MNT" | tail -n1 | tr -d ' ') left"
# The WAL may still hold room for a few commits: pay until refused, 400 at most.
for _ in $(seq 1 20); do
	pay 20
	grep -q '^503$' "$DRILL_WORK/codes" && break
done
expect_storage_503 "disk full"
log "disk full: payments answer 503 storage_unavailable: $SAMPLE_503"
pay 10
[[ $(codes) == "10 503" ]] || fail "disk full: once refused, payments keep answering 503: $(codes)"
expect_reads_ok "disk full"
grep -q 'disk is full' "$SERVER_LOG" || fail "disk full: the server log does not say so"

rm -f "$MNT/filler"
sync
pay 10
[[ $(codes) == "10 201" ]] || fail "space freed: payments are not booked again: $(codes)"
check=$(integrity)
[[ $check == ok ]] || fail "integrity_check after the disk was full: $check"
log "space freed: payments booked again; integrity_check ok"

# --- 2. read-only --------------------------------------------------------------------------
[[ -w $SYSFS/trigger_fs_error ]] || skip "no $SYSFS/trigger_fs_error: cannot make ext4 fail (the full disk part passed)"
echo "schoolhub storage drill" >"$SYSFS/trigger_fs_error"
if touch "$MNT/probe" 2>/dev/null; then
	fail "the file system is still writable after the ext4 error"
fi
log "ext4 error triggered: $MNT is read-only ($(findmnt -n -o OPTIONS "$MNT"))"
pay 10
expect_storage_503 "read-only"
[[ $(codes) == "10 503" ]] || fail "read-only: payments: $(codes)"
expect_reads_ok "read-only"
server_stop TERM
[[ $SERVER_RC == 0 ]] || fail "read-only: the server exited $SERVER_RC on SIGTERM"

# The operator's repair: unmount, fsck, mount again.
umount "$MNT" || fail "umount after the ext4 error"
MOUNTED=0
fsck_rc=0
e2fsck -fy "$IMG" >"$DRILL_WORK/fsck.log" 2>&1 || fsck_rc=$?
((fsck_rc <= 1)) || fail "e2fsck exit $fsck_rc: $(tail -n 5 "$DRILL_WORK/fsck.log")"
mount -o loop,errors=remount-ro "$IMG" "$MNT" || fail "mount after e2fsck"
MOUNTED=1
check=$(integrity)
[[ $check == ok ]] || fail "integrity_check after the read-only file system: $check"

created=$(grep -c '^201$' "$DRILL_WORK/paid" || true)
[[ $(wc -l <"$DRILL_WORK/ids") == "$created" ]] || fail "$created answers 201 but $(wc -l <"$DRILL_WORK/ids") ids"
sed 's/^{"id":"//; s/"$//' "$DRILL_WORK/ids" >"$DRILL_WORK/acked"
sqlite3 "$DB" "SELECT id FROM sel_transactions WHERE kind = 'payment'" | sort >"$DRILL_WORK/booked"
booked=$(wc -l <"$DRILL_WORK/booked")
phantom=$(sort "$DRILL_WORK/acked" | comm -13 - "$DRILL_WORK/booked" | wc -l)
((phantom == 0)) || fail "$phantom payments booked that were never answered 201"
lost_durable=$(head -n "$DURABLE" "$DRILL_WORK/acked" | sort | comm -23 - "$DRILL_WORK/booked" | wc -l)
((lost_durable == 0)) || fail "$lost_durable payments answered 201 before the last sync are gone"
lost=$((created - booked))
if [[ $SQLITE_SYNC == full ]]; then
	((lost == 0)) || fail "$lost payments answered 201 are gone with SCHOOLHUB_SQLITE_SYNC=full"
fi

server_start "$BIN" again
pay 5
[[ $(codes) == "5 201" ]] || fail "after the repair: payments $(codes)"
code=$(http_code GET /api/v1/admin/sel/audit "$ADMIN_TOKEN")
if [[ $code != 200 ]] || ! grep -q '"ok":true' "$DRILL_WORK/http.body"; then
	fail "audit after the repair: $code $(cat "$DRILL_WORK/http.body")"
fi
server_stop TERM
[[ $SERVER_RC == 0 ]] || fail "after the repair: the server exited $SERVER_RC on SIGTERM"
refused=$(grep -c '^503$' "$DRILL_WORK/paid" || true)
log "ok: disk full and read-only: $refused payments refused with 503 storage_unavailable, none 500; reads 200 throughout; integrity_check ok after each; $booked of $created payments answered 201 are booked (all $DURABLE synced ones; $lost written after the last sync lost with the file system, SCHOOLHUB_SQLITE_SYNC=$SQLITE_SYNC); audit ok"
