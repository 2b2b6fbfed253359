#!/usr/bin/env bash
# The `backup` service of the compose stages (docker/compose/stageN.yml, image target
# `backup` of docker/Dockerfile): scripts/backup.sh once a day at HH:MM UTC, for ever.
#
#   backup-loop.sh HH:MM [AGE_RECIPIENT]
#
# Each run: `schoolhub backup --to /backups` (the backup, its .sha256 and its
# .manifest.json, 7 daily and 4 weekly kept), encrypted with age to AGE_RECIPIENT when one
# is given, and the metric schoolhub_backup_last_success_timestamp_seconds written to
# /metrics/schoolhub_backup.prom (the node exporter's textfile directory in stage 4). The
# settings (DATABASE_URL...) are the container's environment (backup.sh -e -). A failed run
# is logged and the loop goes on: the metric keeps its old time, so SchoolHubBackupTooOld
# fires. docs/OPERATIONS.md, "Backups with Docker Compose".
set -uo pipefail

AT=${1:-}
RECIPIENT=${2:-}
if ! [[ $AT =~ ^([01][0-9]|2[0-3]):[0-5][0-9]$ ]]; then
	echo "backup-loop: the time of the backup must be HH:MM (UTC, BACKUP_AT), not '$AT'" >&2
	exit 2
fi
# PID 1 of its container: stop at once on `docker-compose stop` while it sleeps; a backup
# under way finishes first (bash runs the trap once backup.sh returns), as long as docker
# waits: the stage files give the service `stop_grace_period: 30m` (the default, 10 s, then
# SIGKILL, would cut it short). A backup cut short all the same (SIGKILL, a power cut)
# leaves only its hidden .partial files, which the next `schoolhub backup` removes once
# they are an hour old.
trap 'exit 0' TERM INT

while true; do
	now=$(date -u +%s)
	next=$(date -u -d "today $AT" +%s)
	((next > now)) || next=$(date -u -d "tomorrow $AT" +%s)
	echo "backup-loop: next backup at $(date -u -d "@$next" +%FT%TZ)"
	sleep $((next - now)) &
	wait $! || exit 0
	if SCHOOLHUB_BACKUP_AGE_RECIPIENT="$RECIPIENT" /usr/local/bin/backup.sh -e - \
		-m /metrics/schoolhub_backup.prom /backups; then
		echo "backup-loop: backup done at $(date -u +%FT%TZ)"
	else
		echo "backup-loop: the backup FAILED at $(date -u +%FT%TZ) (the metric keeps the last good one)" >&2
	fi
done
