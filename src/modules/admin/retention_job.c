/*
 * The daily retention purge as a durable job. Each run queues the next one first (02:00
 * UTC the next day, a quiet hour in Brussels), and every serving instance queues the next
 * at start-up, so the chain survives restarts; sh_notify_schedule_once queues one job per
 * due time across instances, and the job queue's lease runs it on one worker at a time.
 * A day missed while nothing ran is not caught up: the next run purges what is due then.
 */
#include <string.h>

#include "modules/admin/retention.h"
#include "schoolhub/app.h"
#include "schoolhub/jobs.h"
#include "schoolhub/mem.h"
#include "schoolhub/notify.h"
#include "schoolhub/util.h"

#define DAY (24 * 3600)
#define RUN_AT_S (2 * 3600) /* 02:00 UTC */
#define SCHEDULE_NAME "retention"

/* The first 02:00 UTC strictly after "t". */
static time_t next_run(time_t t)
{
	time_t today = t - t % DAY + RUN_AT_S;
	return today > t ? today : today + DAY;
}

static enum sh_db_rc schedule_at(struct sh_conn *conn, time_t due)
{
	char due_text[SH_TIME_LEN + 1], old[SH_TIME_LEN + 1];
	sh_time_format(due, due_text);
	sh_time_format(due - 7 * DAY, old);
	/* The schedule's own old rows (the notifications tick drops them too, when it runs). */
	enum sh_db_rc rc = sh_exec(conn,
				   "DELETE FROM notification_schedule WHERE name = $1 AND due_at < $2",
				   SH_ARGS(SH_TEXT(SCHEDULE_NAME), SH_TEXT(old)), NULL);
	if (rc != SH_DB_OK)
		return rc;
	json_t *payload = json_pack("{s:s}", "due", due_text);
	rc = sh_notify_schedule_once(conn, SCHEDULE_NAME, due, SH_RETENTION_JOB, payload);
	json_decref(payload);
	return rc;
}

static enum sh_db_rc schedule_next_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	const time_t *after = ctx;
	return schedule_at(conn, next_run(*after));
}

enum sh_db_rc sh_retention_schedule_next(struct sh_conn *conn)
{
	time_t now = sh_notify_now();
	return sh_conn_transaction(conn, SH_TX_WRITE, schedule_next_in_tx, &now);
}

int sh_retention_init(struct sh_app *app, char **error_r)
{
	if (!app->cfg.job_worker) /* commands that never run jobs leave the schedule alone */
		return 0;
	struct sh_conn *conn = sh_db_connect(app->db, error_r);
	if (conn == NULL)
		return -1;
	enum sh_db_rc rc = sh_retention_schedule_next(conn);
	sh_conn_close(&conn);
	if (rc != SH_DB_OK) {
		*error_r = sh_strdup("cannot queue the retention purge");
		return -1;
	}
	return 0;
}

enum sh_job_outcome sh_retention_job(struct sh_app *app, struct sh_conn *conn,
				     const struct sh_job *job, const char **error_r)
{
	(void)job;
	/* The next day first: after a long stop, from now, not from the missed day. */
	time_t now = sh_notify_now();
	if (sh_conn_transaction(conn, SH_TX_WRITE, schedule_next_in_tx, &now) != SH_DB_OK) {
		*error_r = "database error queueing the next retention purge";
		return SH_JOB_RETRY;
	}
	struct sh_purge_counts counts;
	if (sh_retention_purge(conn, sh_retention_settings(&app->cfg)->days, now, false,
			       &counts) != SH_DB_OK) {
		*error_r = "database error in the retention purge";
		return SH_JOB_RETRY; /* what is done stays done; the rest runs again */
	}
	return SH_JOB_DONE;
}
