/*
 * What module "events" tells members through the notifications module (schoolhub/
 * notify.h), each in the transaction of the change it reports:
 * - "event_published" to the event's audience (everyone for the school, else the families
 *   and staff of its classes), not to its organiser, when it is published;
 * - "waitlist_promoted" to the member of each waiting registration that got its seats;
 *   inside the account-erasure transaction (which has no app to notify with) a job
 *   queued in that transaction does it right after;
 * - "event_cancelled" to every member registered (confirmed or waiting) when it is
 *   cancelled;
 * - "event_reminder" to the confirmed members 24 hours before the start: a job queued
 *   once per start time (sh_notify_schedule_once) when the event is published or moved.
 *   A reminder for a start time the event no longer has does nothing.
 * Texts take the title and the start in Brussels time ({title}, {date}).
 */
#include <string.h>

#include "modules/events/events.h"
#include "modules/messages/membership_sql.h"
#include "schoolhub/jobs.h"
#include "schoolhub/notify.h"

#define REMINDER_BEFORE_S (24 * 3600)

/* The title and start of event "id" as notification parameters, or NULL (no event). */
static enum sh_db_rc params_of(struct sh_conn *conn, struct sh_arena *arena, const char *id,
			       json_t **params_r, const char **starts_r)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn, "SELECT title, starts_at FROM events WHERE id = $1",
					SH_ARGS(SH_TEXT(id)), &st);
	*params_r = NULL;
	if (rc == SH_DB_ROW) {
		const char *starts = sh_stmt_col_time(st, 1);
		*params_r = json_pack("{s:s, s:s}", "title", sh_stmt_col_text(st, 0), "date",
				      sh_event_local_text(arena, sh_event_time_of(starts)));
		if (starts_r != NULL)
			*starts_r = sh_arena_strdup(arena, starts);
	}
	sh_stmt_free(&st);
	return rc;
}

/* Notifies of "kind" about event "id" each member "sql" lists ($1 is the event's id). */
static enum sh_db_rc notify_each(struct sh_app *app, struct sh_conn *conn, struct sh_arena *arena,
				 const char *id, const char *sql, struct sh_args args,
				 const char *kind, const char *ref)
{
	json_t *params;
	enum sh_db_rc rc = params_of(conn, arena, id, &params, NULL);
	if (rc != SH_DB_ROW)
		return rc;
	json_t *users = json_array();
	struct sh_stmt *st = sh_query(conn, sql, args);
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(users, json_string(sh_stmt_col_text(st, 0)));
	sh_stmt_free(&st);
	struct sh_notify_opts o = {.link = sh_arena_printf(arena, "/events/%s", id), .ref = ref};
	size_t i;
	json_t *u;
	json_array_foreach(users, i, u)
	{
		if (rc != SH_DB_OK)
			break;
		rc = sh_notify(app, conn, json_string_value(u), kind, params, &o);
	}
	json_decref(users);
	json_decref(params);
	return rc;
}

enum sh_db_rc sh_events_notify_published(struct sh_app *app, struct sh_conn *conn,
					 struct sh_arena *arena, const char *event_id)
{
	static const char audience[] =
		"SELECT u.id FROM users u JOIN events e ON e.id = $1 WHERE u.active "
		"AND u.deleted_at IS NULL AND u.id <> e.organiser_id AND (e.audience = 'school' "
		"OR EXISTS (SELECT 1 FROM event_classes ec WHERE ec.event_id = e.id AND "
		"ec.class_name IN (" SH_CLASSES_OF_MEMBER("u.id") ")))";
	enum sh_db_rc rc = notify_each(app, conn, arena, event_id, audience,
				       SH_ARGS(SH_TEXT(event_id)), "event_published",
				       sh_arena_printf(arena, "event:%s", event_id));
	if (rc != SH_DB_OK)
		return rc;
	struct sh_stmt *st;
	rc = sh_query_row(conn, "SELECT starts_at FROM events WHERE id = $1",
			  SH_ARGS(SH_TEXT(event_id)), &st);
	time_t starts = rc == SH_DB_ROW ? sh_event_time_of(sh_stmt_col_time(st, 0)) : 0;
	sh_stmt_free(&st);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc;
	return sh_events_schedule_reminder(conn, arena, event_id, starts);
}

enum sh_db_rc sh_events_notify_cancelled(struct sh_app *app, struct sh_conn *conn,
					 struct sh_arena *arena, const char *event_id)
{
	return notify_each(app, conn, arena, event_id,
			   "SELECT r.user_id FROM event_registrations r JOIN users u ON "
			   "u.id = r.user_id WHERE r.event_id = $1 AND u.active AND "
			   "u.deleted_at IS NULL",
			   SH_ARGS(SH_TEXT(event_id)), "event_cancelled",
			   sh_arena_printf(arena, "event:%s", event_id));
}

/* The promotion of registration "reg_id", told to its member. */
static enum sh_db_rc tell_promoted(struct sh_app *app, struct sh_conn *conn, struct sh_arena *arena,
				   const char *reg_id)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT event_id FROM event_registrations WHERE id = $1 "
					"AND status = 'confirmed' AND user_id IS NOT NULL",
					SH_ARGS(SH_TEXT(reg_id)), &st);
	const char *event_id = rc == SH_DB_ROW ? sh_arena_strdup(arena, sh_stmt_col_text(st, 0)) :
						 NULL;
	sh_stmt_free(&st);
	if (rc != SH_DB_ROW)
		return rc; /* SH_DB_OK: withdrawn since, nothing to tell */
	return notify_each(app, conn, arena, event_id,
			   "SELECT r.user_id FROM event_registrations r JOIN users u ON "
			   "u.id = r.user_id WHERE r.id = $2 AND r.event_id = $1 AND u.active "
			   "AND u.deleted_at IS NULL",
			   SH_ARGS(SH_TEXT(event_id), SH_TEXT(reg_id)), "waitlist_promoted",
			   sh_arena_printf(arena, "registration:%s", reg_id));
}

enum sh_db_rc sh_events_notify_promoted(struct sh_app *app, struct sh_conn *conn,
					struct sh_arena *arena, const char *reg_id)
{
	if (app != NULL)
		return tell_promoted(app, conn, arena, reg_id);
	json_t *payload = json_pack("{s:s}", "registration_id", reg_id);
	enum sh_db_rc rc =
		sh_notify_schedule_once(conn, sh_arena_printf(arena, "promoted:%s", reg_id),
					sh_notify_now(), SH_EVENTS_JOB_PROMOTED, payload);
	json_decref(payload);
	return rc;
}

enum sh_db_rc sh_events_schedule_reminder(struct sh_conn *conn, struct sh_arena *arena,
					  const char *event_id, time_t starts)
{
	time_t due = starts - REMINDER_BEFORE_S;
	if (due <= sh_notify_now())
		return SH_DB_OK; /* less than a day ahead: the publication itself is the news */
	char at[SH_TIME_LEN + 1];
	sh_time_format(starts, at);
	json_t *payload = json_pack("{s:s, s:s}", "event_id", event_id, "starts_at", at);
	enum sh_db_rc rc = sh_notify_schedule_once(
		conn, sh_arena_printf(arena, "event-reminder:%s:%s", event_id, at), due,
		SH_EVENTS_JOB_REMINDER, payload);
	json_decref(payload);
	return rc;
}

struct job_tx {
	struct sh_app *app;
	struct sh_arena *arena;
	const char *id, *starts_at;
};

static enum sh_db_rc reminder_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct job_tx *t = ctx;
	int64_t due = 0;
	enum sh_db_rc rc = sh_query_int64(conn,
					  "SELECT COUNT(*) FROM events WHERE id = $1 AND "
					  "status = 'published' AND starts_at = $2",
					  SH_ARGS(SH_TEXT(t->id), SH_TEXT(t->starts_at)), &due);
	if (rc != SH_DB_ROW || due == 0)
		return rc == SH_DB_ROW ? SH_DB_OK : rc; /* moved, cancelled or gone */
	return notify_each(t->app, conn, t->arena, t->id,
			   "SELECT r.user_id FROM event_registrations r JOIN users u ON "
			   "u.id = r.user_id WHERE r.event_id = $1 AND r.status = 'confirmed' "
			   "AND u.active AND u.deleted_at IS NULL",
			   SH_ARGS(SH_TEXT(t->id)), "event_reminder",
			   sh_arena_printf(t->arena, "event:%s:%s", t->id, t->starts_at));
}

static enum sh_job_outcome reminder_run(struct sh_app *app, struct sh_conn *conn,
					const struct sh_job *job, const char **error_r)
{
	const char *id = json_string_value(json_object_get(job->payload, "event_id"));
	const char *at = json_string_value(json_object_get(job->payload, "starts_at"));
	if (id == NULL || !sh_uuid_valid(id) || at == NULL || !sh_time_is_canonical(at)) {
		*error_r = "payload without event_id and starts_at";
		return SH_JOB_FAIL;
	}
	struct job_tx t = {.app = app, .arena = job->arena, .id = id, .starts_at = at};
	if (sh_conn_transaction(conn, SH_TX_WRITE, reminder_in_tx, &t) != SH_DB_OK) {
		*error_r = "database error sending the event reminders";
		return SH_JOB_RETRY;
	}
	sh_notify_wake(app);
	return SH_JOB_DONE;
}

static enum sh_db_rc promoted_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct job_tx *t = ctx;
	return tell_promoted(t->app, conn, t->arena, t->id);
}

static enum sh_job_outcome promoted_run(struct sh_app *app, struct sh_conn *conn,
					const struct sh_job *job, const char **error_r)
{
	const char *id = json_string_value(json_object_get(job->payload, "registration_id"));
	if (id == NULL || !sh_uuid_valid(id)) {
		*error_r = "payload without registration_id";
		return SH_JOB_FAIL;
	}
	struct job_tx t = {.app = app, .arena = job->arena, .id = id};
	if (sh_conn_transaction(conn, SH_TX_WRITE, promoted_in_tx, &t) != SH_DB_OK) {
		*error_r = "database error telling a promoted member";
		return SH_JOB_RETRY;
	}
	sh_notify_wake(app);
	return SH_JOB_DONE;
}

const struct sh_job_kind sh_events_job_kinds[2] = {
	{SH_EVENTS_JOB_REMINDER, reminder_run},
	{SH_EVENTS_JOB_PROMOTED, promoted_run},
};
