#!/usr/bin/env bash
# The nightly backup, for cron: `schoolhub backup --to DIR` with the service's env file,
# optionally encrypted to a public key with age, then the time of this good backup written
# for the monitoring (alert SchoolHubBackupTooOld, docker/monitoring/alerts.yml).
#
#   scripts/backup.sh [-e ENV_FILE] [-r RECIPIENT] [-m METRIC_FILE] DIR
#
# Settings (an option wins over its variable):
#   -e  SCHOOLHUB_ENV_FILE              the service's env file    /etc/schoolhub/schoolhub.env
#                                       ("-": the settings are in the environment already,
#                                       as in the compose stages' backup container)
#   -r  SCHOOLHUB_BACKUP_AGE_RECIPIENT  age recipient (age1..., an ssh public key, or a file
#                                       of recipients); empty: no encryption
#   -m  SCHOOLHUB_BACKUP_METRIC_FILE    node-exporter textfile
#                       /var/lib/prometheus/node-exporter/schoolhub_backup.prom
#       SCHOOLHUB_BIN                   the schoolhub binary      schoolhub on PATH
#
# With a recipient the backup becomes DIR/schoolhub-<time>.db.age (or .dump.age), its
# checksum DIR/….age.sha256; the plain file is removed, its checksum (….db.sha256) and its
# manifest (….db.manifest.json: per table a row count and a checksum, no personal data)
# kept in the clear so that `schoolhub restore` checks the decrypted file end to end
# (docs/OPERATIONS.md).
# Encrypted backups are rotated here as `schoolhub backup` rotates plain ones: the newest of
# each of the last 7 days and of each of the last 4 weeks.
#
# Exit 0: backup written (and encrypted), metric updated. Any failure: exit 1, and the metric
# file is left as it was (so the alert fires when no good backup comes).
set -euo pipefail
umask 077

die() {
	printf 'backup: %s\n' "$*" >&2
	exit 1
}

ENV_FILE=${SCHOOLHUB_ENV_FILE:-/etc/schoolhub/schoolhub.env}
RECIPIENT=${SCHOOLHUB_BACKUP_AGE_RECIPIENT:-}
METRIC=${SCHOOLHUB_BACKUP_METRIC_FILE:-/var/lib/prometheus/node-exporter/schoolhub_backup.prom}
BIN=${SCHOOLHUB_BIN:-$(command -v schoolhub || true)}
usage="usage: $0 [-e ENV_FILE] [-r AGE_RECIPIENT] [-m METRIC_FILE] DIR"
while getopts 'e:r:m:' opt; do
	case $opt in
	e) ENV_FILE=$OPTARG ;;
	r) RECIPIENT=$OPTARG ;;
	m) METRIC=$OPTARG ;;
	*) die "$usage" ;;
	esac
done
shift $((OPTIND - 1))
(($# == 1)) || die "$usage"
DIR=$1
[[ -x $BIN ]] || die "schoolhub not found (set SCHOOLHUB_BIN=/path/to/schoolhub)"
[[ $ENV_FILE == - || -r $ENV_FILE ]] || die "no readable env file $ENV_FILE (set SCHOOLHUB_ENV_FILE or -e)"
[[ -n $METRIC && -d $(dirname "$METRIC") ]] ||
	die "no directory for the metric file '$METRIC' (set SCHOOLHUB_BACKUP_METRIC_FILE or -m)"
if [[ -n $RECIPIENT ]]; then
	command -v age >/dev/null || die "age is not installed (apt-get install age)"
	age_args=(-r "$RECIPIENT")
	[[ ! -f $RECIPIENT ]] || age_args=(-R "$RECIPIENT")
fi

# The env file as systemd's EnvironmentFile reads it: NAME=value lines (optional "export ",
# optional quotes), comments and blank lines skipped; never executed as shell code.
load_env() {
	local line name value
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line#"${line%%[![:space:]]*}"}
		[[ -z $line || $line == '#'* || $line == ';'* ]] && continue
		line=${line#export }
		[[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
		name=${BASH_REMATCH[1]}
		value=${BASH_REMATCH[2]}
		if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then
			value=${BASH_REMATCH[1]}
		fi
		export "$name=$value"
	done <"$1"
}
[[ $ENV_FILE == - ]] || load_env "$ENV_FILE"

STARTED=$(date +%s)
mkdir -p "$DIR"
# One backup at a time in DIR (a slow night's run still going when the next one starts).
exec 9>"$DIR/.backup.lock"
flock -n 9 || die "another backup is running in $DIR"
FILE=$("$BIN" backup --to "$DIR" | tail -n1) || die "schoolhub backup failed"
[[ -f $FILE && -f $FILE.sha256 && -f $FILE.manifest.json ]] ||
	die "schoolhub backup printed '$FILE', which is not a backup (with its checksum and manifest)"

sha256_beside() { # FILE: FILE.sha256 in sha256sum's format, written atomically
	(cd "$(dirname "$1")" && sha256sum "$(basename "$1")" >".$(basename "$1").sha256.partial" &&
		mv -f ".$(basename "$1").sha256.partial" "$(basename "$1").sha256")
}

# rotate_encrypted: the policy of `schoolhub backup` (src/store/db_backup.c) on the .age
# files: newest first, keep the newest of each of the last 7 days and 4 weeks (Monday to
# Sunday, UTC), counted from the newest backup; remove the others with their checksums and
# manifests.
rotate_encrypted() {
	local name t day week keep_day=() keep_week=() newest_day="" newest_week="" f
	local -A keep=()
	while IFS= read -r name; do
		[[ $name =~ ^schoolhub-([0-9]{8})T([0-9]{2})([0-9]{2})([0-9]{2})Z\.(db|dump)\.age$ ]] || continue
		t=$(date -u -d "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}:${BASH_REMATCH[3]}:${BASH_REMATCH[4]}" +%s) || continue
		day=$((t / 86400))
		week=$(((day + 3) / 7))
		[[ -n $newest_day ]] || { newest_day=$day; newest_week=$week; }
		if ((day > newest_day - 7)) && [[ ${keep_day[*]:-} != *" $day "* ]]; then
			keep_day+=(" $day ")
			keep[$name]=1
		fi
		if ((week > newest_week - 4)) && [[ ${keep_week[*]:-} != *" $week "* ]]; then
			keep_week+=(" $week ")
			keep[$name]=1
		fi
	done < <(cd "$DIR" && find . -maxdepth 1 -name 'schoolhub-*.age' -printf '%f\n' | sort -r)
	while IFS= read -r name; do
		[[ -n ${keep[$name]:-} ]] && continue
		f=$DIR/$name
		rm -f "$f" "$f.sha256" "${f%.age}.sha256" "${f%.age}.manifest.json" ||
			printf 'backup: warning: could not remove the old backup %s\n' "$f" >&2
	done < <(cd "$DIR" && find . -maxdepth 1 -regextype posix-extended \
		-regex '\./schoolhub-[0-9]{8}T[0-9]{6}Z\.(db|dump)\.age' -printf '%f\n')
}

if [[ -n $RECIPIENT ]]; then
	partial="$DIR/.$(basename "$FILE").age.partial"
	age "${age_args[@]}" -o "$partial" "$FILE" || { rm -f "$partial"; die "age failed on $FILE"; }
	mv -f "$partial" "$FILE.age"
	sha256_beside "$FILE.age" || die "cannot write $FILE.age.sha256"
	rm -f "$FILE" || die "cannot remove the plain $FILE"
	FILE=$FILE.age
	rotate_encrypted
fi

# The metric, atomically: a temporary file in the same directory, then rename.
tmp="$METRIC.$$.tmp"
if ! {
	echo '# HELP schoolhub_backup_last_success_timestamp_seconds Unix time of the last good backup (its start).'
	echo '# TYPE schoolhub_backup_last_success_timestamp_seconds gauge'
	echo "schoolhub_backup_last_success_timestamp_seconds $STARTED"
} >"$tmp" || ! chmod 644 "$tmp" || ! mv -f "$tmp" "$METRIC"; then
	rm -f "$tmp"
	die "cannot write the metric file $METRIC"
fi
echo "$FILE"
