/*
 * Scheduled work: an hourly "tick" job queues the digests due at that hour (each member's
 * digest_hour, Europe/Brussels; weekly ones on Mondays) and purges old rows. Each tick
 * queues the next one, and every serving instance queues the next at start-up, so the
 * chain survives restarts; a slot missed while nothing ran is skipped, not caught up.
 *
 * Once per due time across instances: a job is queued only by the transaction that
 * inserts (name, due_at) into notification_schedule; another instance's insert meets the
 * primary key and queues nothing (ON CONFLICT DO NOTHING, on SQLite and PostgreSQL).
 * A tick run twice (a lease ran out) therefore queues each digest once, and a digest run
 * twice finds its notifications already marked e-mailed.
 */
#include <string.h>

#include "modules/notifications/notify.h"
#include "schoolhub/brussels_time.h"
#include "schoolhub/util.h"

#define HOUR 3600
#define SCHEDULE_KEEP_S (2 * 24 * HOUR)
#define READ_KEEP_S (90 * 24 * HOUR) /* read notifications older than this are deleted */

enum sh_db_rc sh_notify_schedule_once(struct sh_conn *conn, const char *name, time_t due,
				   const char *kind, json_t *payload)
{
	char due_text[SH_TIME_LEN + 1], run_at[SH_TIME_LEN + 1];
	sh_time_format(due, due_text);
	sh_time_format(notify_real_time(due), run_at);
	int64_t changed = 0;
	enum sh_db_rc rc = sh_exec(conn,
				   "INSERT INTO notification_schedule (name, due_at) VALUES ($1, $2) "
				   "ON CONFLICT (name, due_at) DO NOTHING",
				   SH_ARGS(SH_TEXT(name), SH_TEXT(due_text)), &changed);
	if (rc != SH_DB_OK || changed != 1)
		return rc; /* another instance (or an earlier run) queued it */
	return sh_job_enqueue_at(conn, kind, payload, run_at, NULL);
}

static enum sh_db_rc schedule_tick(struct sh_conn *conn, time_t due)
{
	char due_text[SH_TIME_LEN + 1];
	sh_time_format(due, due_text);
	json_t *payload = json_pack("{s:s}", "due", due_text);
	enum sh_db_rc rc = sh_notify_schedule_once(conn, "tick", due, NOTIFY_JOB_TICK, payload);
	json_decref(payload);
	return rc;
}

static time_t next_hour(time_t t)
{
	return t - t % HOUR + HOUR;
}

static enum sh_db_rc schedule_next_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)ctx, (void)rollback_r;
	return schedule_tick(conn, next_hour(sh_notify_now()));
}

enum sh_db_rc sh_notify_schedule_next(struct sh_conn *conn)
{
	return sh_conn_transaction(conn, SH_TX_WRITE, schedule_next_in_tx, NULL);
}

struct tick {
	time_t due;
	struct sh_arena *arena;
};

/* The members with notifications waiting for a digest whose digest hour is "hour". */
static enum sh_db_rc due_members(struct sh_conn *conn, int hour, bool weekly, json_t *out)
{
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT DISTINCT n.user_id FROM notifications n "
		"LEFT JOIN notification_prefs p ON p.user_id = n.user_id "
		"WHERE n.read_at IS NULL AND n.emailed_at IS NULL AND (n.email_mode = 'daily' OR "
		"(CAST($2 AS INTEGER) = 1 AND n.email_mode = 'weekly')) "
		"AND COALESCE(p.digest_hour, $3) = $1",
		SH_ARGS(SH_INT(hour), SH_INT(weekly ? 1 : 0), SH_INT(NOTIFY_DEFAULT_DIGEST_HOUR)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(out, json_string(sh_stmt_col_text(st, 0)));
	sh_stmt_free(&st);
	return rc;
}

static enum sh_db_rc tick_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct tick *t = ctx;
	/* The next slot first: after a long stop, the next one from now, not from then. */
	time_t next = next_hour(t->due);
	time_t soonest = next_hour(sh_notify_now());
	enum sh_db_rc rc = schedule_tick(conn, next > soonest ? next : soonest);
	if (rc != SH_DB_OK)
		return rc;
	struct tm local;
	sh_brussels_tm(t->due, &local);
	bool weekly = local.tm_wday == 1; /* Mondays */
	json_t *members = json_array();
	rc = due_members(conn, local.tm_hour, weekly, members);
	size_t i;
	json_t *m;
	json_array_foreach(members, i, m)
	{
		if (rc != SH_DB_OK)
			break;
		const char *user_id = json_string_value(m);
		json_t *payload = json_pack("{s:s, s:b}", "user_id", user_id, "weekly", weekly);
		rc = sh_notify_schedule_once(conn, sh_arena_printf(t->arena, "digest:%s", user_id),
					  t->due, NOTIFY_JOB_DIGEST, payload);
		json_decref(payload);
	}
	json_decref(members);
	if (rc != SH_DB_OK)
		return rc;
	char old[SH_TIME_LEN + 1], stale[SH_TIME_LEN + 1];
	sh_time_format(t->due - SCHEDULE_KEEP_S, old);
	sh_time_format(t->due - READ_KEEP_S, stale);
	rc = sh_exec(conn, "DELETE FROM notification_schedule WHERE due_at < $1",
		     SH_ARGS(SH_TEXT(old)), NULL);
	if (rc == SH_DB_OK)
		rc = sh_exec(conn, "DELETE FROM notifications WHERE read_at < $1",
			     SH_ARGS(SH_TEXT(stale)), NULL);
	return rc;
}

enum sh_job_outcome notify_tick_run(struct sh_app *app, struct sh_conn *conn,
				    const struct sh_job *job, const char **error_r)
{
	(void)app;
	const char *due = json_string_value(json_object_get(job->payload, "due"));
	struct tm tm = {0};
	const char *end = due != NULL ? strptime(due, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
	if (end == NULL || *end != '\0') {
		*error_r = "payload without due";
		return SH_JOB_FAIL;
	}
	struct tick t = {.due = timegm(&tm), .arena = job->arena};
	enum sh_db_rc rc = sh_conn_transaction(conn, SH_TX_WRITE, tick_in_tx, &t);
	if (rc != SH_DB_OK) {
		*error_r = "database error running the schedule";
		return SH_JOB_RETRY;
	}
	return SH_JOB_DONE;
}

const struct sh_job_kind notify_job_kinds[NOTIFY_JOB_KIND_COUNT] = {
	{NOTIFY_JOB_EMAIL, notify_email_run},
	{NOTIFY_JOB_TICK, notify_tick_run},
	{NOTIFY_JOB_DIGEST, notify_digest_run},
};
