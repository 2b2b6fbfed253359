/*
 * What module "announcements" tells members through the notifications module (schoolhub/
 * notify.h), in the publishing transaction:
 * - "announcement" to every active guardian of a child in the frozen audience, once per
 *   person however many of their children it reaches (DISTINCT here, and the announcement
 *   id as ref in notify), never to its author; urgent (through quiet hours) when an admin
 *   publishes, as notify defines urgent ("urgent announcements from admins"). Staff are
 *   told by the realtime event and the list, not by a notification: the bell is for
 *   families.
 * - when it asks for an acknowledgement, the reminder job, due 48 hours later on the
 *   notification clock and queued once across instances (sh_notify_schedule_once). When it
 *   runs it notifies "announcement_ack_reminder" to the guardians with a child still not
 *   acknowledged then (once per person), the author included if they are such a guardian:
 *   the acknowledgement is about their child, not about having written it.
 */
#include <string.h>

#include "modules/announcements/announcement_notify.h"
#include "schoolhub/app.h"
#include "schoolhub/notify.h"
#include "schoolhub/util.h"

#define ACK_REMINDER_DELAY_S (48 * 3600)
#define EXCERPT_CHARS 140

/* Active guardians of the audience of $1 (DISTINCT: one row per person). */
#define GUARDIANS_SQL                                                                        \
	"SELECT DISTINCT u.id FROM announcement_children ac "                                \
	"JOIN child_guardians g ON g.child_id = ac.child_id JOIN users u ON u.id = g.user_id " \
	"WHERE ac.announcement_id = $1 AND u.active AND u.deleted_at IS NULL "

static const char *excerpt(struct sh_arena *arena, const char *body)
{
	size_t chars = 0;
	for (size_t i = 0; body[i] != '\0'; i++)
		if (((unsigned char)body[i] & 0xC0) != 0x80 && chars++ == EXCERPT_CHARS)
			return sh_arena_printf(arena, "%.*s…", (int)i, body);
	return body;
}

/* Notifies of "kind" each member "sql" with "args" lists. */
static enum sh_db_rc notify_each(struct sh_app *app, struct sh_conn *conn, const char *sql,
				 struct sh_args args, const char *kind,
				 json_t *params, const struct sh_notify_opts *o)
{
	json_t *users = json_array();
	struct sh_stmt *st = sh_query(conn, sql, args);
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(users, json_string(sh_stmt_col_text(st, 0)));
	sh_stmt_free(&st);
	size_t i;
	json_t *u;
	json_array_foreach(users, i, u)
	{
		if (rc != SH_DB_OK)
			break;
		rc = sh_notify(app, conn, json_string_value(u), kind, params, o);
	}
	json_decref(users);
	return rc;
}

static json_t *params_of(struct sh_arena *arena, const char *title, const char *body)
{
	return json_pack("{s:s, s:s}", "title", title, "excerpt", excerpt(arena, body));
}

enum sh_db_rc sh_ann_notify_published(struct sh_request *req, struct sh_conn *conn,
				      const struct sh_ann_new *a)
{
	json_t *params = params_of(req->arena, a->title, a->body);
	struct sh_notify_opts o = {
		.link = sh_arena_printf(req->arena, "/announcements/%s", a->id),
		.ref = a->id,
		.urgent = req->user.role == SH_ROLE_ADMIN};
	enum sh_db_rc rc = notify_each(req->app, conn, GUARDIANS_SQL "AND u.id <> $2",
				       SH_ARGS(SH_TEXT(a->id), SH_TEXT(a->author_id)), "announcement",
				       params, &o);
	json_decref(params);
	if (rc != SH_DB_OK || !a->requires_ack)
		return rc;
	json_t *payload = json_pack("{s:s}", "announcement_id", a->id);
	rc = sh_notify_schedule_once(conn, sh_arena_printf(req->arena, "ack-reminder:%s", a->id),
				     sh_notify_now() + ACK_REMINDER_DELAY_S, SH_ANN_JOB_ACK_REMINDER,
				     payload);
	json_decref(payload);
	return rc;
}

struct reminder {
	struct sh_app *app;
	struct sh_arena *arena;
	const char *id;
};

static enum sh_db_rc reminder_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct reminder *r = ctx;
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn, "SELECT title, body FROM announcements WHERE id = $1",
					SH_ARGS(SH_TEXT(r->id)), &st);
	json_t *params = rc == SH_DB_ROW ? params_of(r->arena, sh_stmt_col_text(st, 0),
						     sh_stmt_col_text(st, 1))
					 : NULL; /* json_pack copies: the statement may go */
	sh_stmt_free(&st);
	if (rc != SH_DB_ROW)
		return rc; /* SH_DB_OK: the announcement is gone, nothing to remind */
	struct sh_notify_opts o = {.link = sh_arena_printf(r->arena, "/announcements/%s", r->id),
				   .ref = r->id};
	rc = notify_each(r->app, conn,
			 GUARDIANS_SQL "AND NOT EXISTS (SELECT 1 FROM announcement_acks k "
				       "WHERE k.announcement_id = ac.announcement_id "
				       "AND k.child_id = ac.child_id)",
			 SH_ARGS(SH_TEXT(r->id)), "announcement_ack_reminder", params, &o);
	json_decref(params);
	return rc;
}

enum sh_job_outcome sh_ann_ack_reminder_run(struct sh_app *app, struct sh_conn *conn,
					    const struct sh_job *job, const char **error_r)
{
	const char *id = json_string_value(json_object_get(job->payload, "announcement_id"));
	if (id == NULL || !sh_uuid_valid(id)) {
		*error_r = "payload without announcement_id";
		return SH_JOB_FAIL;
	}
	struct reminder r = {.app = app, .arena = job->arena, .id = id};
	enum sh_db_rc rc = sh_conn_transaction(conn, SH_TX_WRITE, reminder_in_tx, &r);
	if (rc != SH_DB_OK) {
		*error_r = "database error sending the acknowledgement reminders";
		return SH_JOB_RETRY;
	}
	sh_notify_wake(app);
	return SH_JOB_DONE;
}

const struct sh_job_kind sh_ann_job_kinds[1] = {
	{SH_ANN_JOB_ACK_REMINDER, sh_ann_ack_reminder_run},
};
