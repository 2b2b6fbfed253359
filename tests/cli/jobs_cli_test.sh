#!/usr/bin/env bash
# `schoolhub jobs` and the job queue with the real binary and a real SMTP server
# (tests/support/smtp_sink.py, python3-aiosmtpd, started and stopped by its pid):
# list / run / retry from the command line (cron-style operation), a server SIGKILLed while
# its worker is in the middle of an SMTP exchange loses no e-mail (its lease runs out and
# the job runs again), and production refuses an SMTP URL without SCHOOLHUB_PUBLIC_URL.
#
# usage: tests/cli/jobs_cli_test.sh PATH/TO/schoolhub sqlite|postgres
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/cli_lib.sh"

SINK="$ROOT/tests/support/smtp_sink.py"
# Debian's interpreter, for which python3-aiosmtpd is installed (PATH may have another).
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3
"$PY" -c 'import aiosmtpd' 2>/dev/null || { echo "jobs cli: python3-aiosmtpd is missing" >&2; exit 1; }

# start_sink DIR PORT [--hang]: the sink in the background; SINK_PID; waits until it listens
# (it writes DIR/.port then: a connect() could reach another process that took the port).
start_sink() {
	mkdir -p "$1"
	"$PY" "$SINK" "$1" "$2" ${3:+"$3"} >"$WORK/sink.log" 2>&1 &
	SINK_PID=$!
	sh_pid_track "$SINK_PID"
	for _ in $(seq 100); do
		[[ -s $1/.port ]] && return 0
		kill -0 "$SINK_PID" 2>/dev/null || break
		sleep 0.1
	done
	bad "the SMTP sink did not start" "$(cat "$WORK/sink.log")"
	return 1
}
mails() { find "$1" -maxdepth 1 -name '*.eml' | wc -l; }

COMMON=("${DB_ENV[@]}" SCHOOLHUB_SECRET_KEY="$SECRET" SCHOOLHUB_PUBLIC_URL=https://school.example)

# --- 1. cron-style: a server without workers, `schoolhub jobs run` sends --------------------
SMTP_PORT=$(sh_free_port)
start_sink "$WORK/mail1" "$SMTP_PORT"
if start_server noworkers "${COMMON[@]}" SCHOOLHUB_JOBS_WORKERS=0 \
	SCHOOLHUB_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT"; then
	register "cron.parent@example.be"
	check "register: 201" "$(reply)" status_is 201
	sleep 0.5
	check "no worker: nothing sent by the server" "$(mails "$WORK/mail1") e-mails" [ "$(mails "$WORK/mail1")" = 0 ]
	run "${COMMON[@]}" -- jobs list --state queued
	check "jobs list --state queued shows the verification e-mail" "$(last)" \
		grep -q '"kind":"auth.verify_email","state":"queued"' "$WORK/out"
	run "${COMMON[@]}" SCHOOLHUB_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" -- jobs run
	check "jobs run: ran 1 job(s)" "$(last)" out_has "ran 1 job(s)"
	check "jobs run: the e-mail reached the SMTP server" "$(mails "$WORK/mail1") e-mails" [ "$(mails "$WORK/mail1")" = 1 ]
	check "the e-mail goes to the new member" "$(cat "$WORK"/mail1/*.eml | head -20)" \
		grep -q '^To: cron.parent@example.be' "$WORK"/mail1/000001.eml
	run "${COMMON[@]}" -- jobs run
	check "jobs run again: nothing due" "$(last)" out_has "ran 0 job(s)"
	run "${COMMON[@]}" -- jobs list --state done
	JOB_ID=$(grep -o '"id":"[0-9a-f-]*"' "$WORK/out" | head -n1 | cut -d'"' -f4)
	check "jobs list --state done shows it" "$(last)" [ -n "$JOB_ID" ]
	run "${COMMON[@]}" -- jobs retry "$JOB_ID"
	check "jobs retry of a done job: exit 1, not dead" "$(last)" eval 'rc_is 1 && err_has "is not dead"'
	run "${COMMON[@]}" -- jobs retry not-a-job
	check "jobs retry of a non-id: exit 2" "$(last)" rc_is 2
	run "${COMMON[@]}" -- jobs frobnicate
	check "jobs with an unknown command: usage, exit 2" "$(last)" eval 'rc_is 2 && err_has "usage: schoolhub jobs"'
	stop_server TERM
	expect_clean_stop SIGTERM
fi
sh_pid_stop "$SINK_PID" TERM 10

# --- 2. SIGKILL in the middle of an SMTP exchange -------------------------------------------
HANG_PORT=$(sh_free_port)
start_sink "$WORK/hang" "$HANG_PORT" --hang
if start_server killed "${COMMON[@]}" SCHOOLHUB_JOBS_LEASE_S=3 \
	SCHOOLHUB_SMTP_URL="smtp://127.0.0.1:$HANG_PORT"; then
	register "killed.parent@example.be"
	check "register: 201" "$(reply)" status_is 201
	sleep 1 # the worker is now waiting for the SMTP server's greeting
	run "${COMMON[@]}" -- jobs list --state running
	check "the job is running when the server is killed" "$(last)" \
		grep -q '"state":"running"' "$WORK/out"
	stop_server KILL
	sh_pid_stop "$SINK_PID" TERM 10
	SMTP_PORT=$(sh_free_port)
	start_sink "$WORK/mail2" "$SMTP_PORT"
	if start_server restarted "${COMMON[@]}" SCHOOLHUB_JOBS_POLL_MS=100 \
		SCHOOLHUB_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT"; then
		for _ in $(seq 100); do
			[ "$(mails "$WORK/mail2")" -ge 1 ] && break
			sleep 0.1
		done
		# cron.parent's e-mail was sent before; killed.parent's runs again after its lease.
		check "after the lease, the killed server's e-mail is delivered once" \
			"$(mails "$WORK/mail2") e-mails; $(tail -n 5 "$SERVER_LOG")" \
			grep -lq '^To: killed.parent@example.be' "$WORK"/mail2/*.eml
		sleep 1
		check "exactly one copy" "$(grep -l '^To: killed.parent' "$WORK"/mail2/*.eml)" \
			[ "$(grep -l '^To: killed.parent@example.be' "$WORK"/mail2/*.eml | wc -l)" = 1 ]
		check "serve logs where e-mail goes" "$(head -n 5 "$SERVER_LOG")" \
			grep -q "e-mail: SMTP via smtp://127.0.0.1:$SMTP_PORT" "$SERVER_LOG"
		stop_server TERM
		expect_clean_stop SIGTERM
	fi
	sh_pid_stop "$SINK_PID" TERM 10
fi

# --- 3. production fails closed -------------------------------------------------------------
run "${DB_ENV[@]}" SCHOOLHUB_ENV=production SCHOOLHUB_SECRET_KEY="$SECRET" \
	SCHOOLHUB_SMTP_URL=smtp://relay.example:587 SCHOOLHUB_MAIL_FROM=ecole@school.example -- serve
check "production with an SMTP URL and no public URL refuses to start" "$(last)" \
	eval 'rc_is 1 && err_has "SCHOOLHUB_PUBLIC_URL: required in production"'
run "${DB_ENV[@]}" SCHOOLHUB_SMTP_URL=smtp://me:hunter2pass@relay.example -- serve
check "a password in the SMTP URL is refused and not repeated" "$(last)" \
	eval 'rc_is 1 && err_has "SCHOOLHUB_SMTP_USER" && err_lacks hunter2pass'

cli_summary
