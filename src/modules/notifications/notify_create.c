/*
 * sh_notify: what other modules call, inside their own transaction, when a member should
 * hear about something. It reads the member's preferences once and writes:
 * - the notification row (unless the member turned both the bell and the e-mail off for
 *   the kind), de-duplicated by (member, kind, ref);
 * - for an immediate e-mail, its job, due when the member's quiet hours end (urgent ones:
 *   now) plus the kind's delay; the job looks again at read state, preferences and quiet
 *   hours when it runs (notify_mail.c). Daily and weekly ones wait for the digest;
 * - the realtime event "notification.created" in member_events (when the bell lists it),
 *   written last, as events.h asks (its lock is then held only until the commit).
 */
#include <stdlib.h>
#include <string.h>

#include "modules/notifications/notify.h"
#include "schoolhub/app.h"
#include "schoolhub/events.h"
#include "schoolhub/modules.h"
#include "schoolhub/util.h"

enum sh_db_rc notify_email_enqueue(struct sh_conn *conn, const char *id, time_t run_at)
{
	char due[SH_TIME_LEN + 1];
	sh_time_format(run_at, due);
	json_t *payload = json_pack("{s:s}", "notification_id", id);
	enum sh_db_rc rc = sh_job_enqueue_at(conn, NOTIFY_JOB_EMAIL, payload, due, NULL);
	json_decref(payload);
	return rc;
}

/* The row; "*inserted_r" false when (member, kind, ref) was notified before. */
static enum sh_db_rc insert_row(struct sh_conn *conn, const char *id, const char *user_id,
				const char *kind, json_t *params, const struct sh_notify_opts *o,
				bool in_app, enum notify_email email, bool *inserted_r)
{
	char now[SH_TIME_LEN + 1];
	sh_time_format(sh_notify_now(), now);
	char *text = params != NULL ? json_dumps(params, JSON_COMPACT) : strdup("{}");
	if (text == NULL)
		return SH_DB_ERROR;
	int64_t changed = 0;
	enum sh_db_rc rc = sh_exec(
		conn,
		"INSERT INTO notifications (id, user_id, kind, params, link, ref, urgent, in_app, "
		"email_mode, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
		"ON CONFLICT (user_id, kind, ref) WHERE ref IS NOT NULL DO NOTHING",
		SH_ARGS(SH_TEXT(id), SH_TEXT(user_id), SH_TEXT(kind), SH_TEXT(text),
			SH_TEXT(o->link), SH_TEXT(o->ref), SH_BOOL(o->urgent), SH_BOOL(in_app),
			SH_TEXT(notify_email_name(email)), SH_TEXT(now)),
		&changed);
	free(text);
	*inserted_r = changed == 1;
	return rc;
}

/* The realtime event "notification.created" whose data is the notification as the list
 * shows it, in the member's language (member_events, same transaction; written last). */
static enum sh_db_rc push_event(struct sh_conn *conn, const char *id, const char *user_id,
				const char *kind, json_t *params, const struct sh_notify_opts *o)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn, "SELECT locale FROM users WHERE id = $1",
					SH_ARGS(SH_TEXT(user_id)), &st);
	enum sh_lang lang = SH_LANG_FR;
	if (rc == SH_DB_ROW)
		sh_lang_parse(sh_stmt_col_text(st, 0), &lang);
	sh_stmt_free(&st);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_FOREIGN : rc; /* no such member */
	char now[SH_TIME_LEN + 1];
	sh_time_format(sh_notify_now(), now);
	struct sh_arena *arena = sh_arena_create();
	char *p = params != NULL ? json_dumps(params, JSON_COMPACT) : strdup("{}");
	json_t *item = notify_item_json(arena, lang, id, kind, p, o->link, now, false);
	char *data = json_dumps(item, JSON_COMPACT);
	rc = data != NULL ? sh_event_add(conn, user_id, "notification.created", data, NULL)
			  : SH_DB_ERROR;
	free(data);
	json_decref(item);
	free(p);
	sh_arena_destroy(&arena);
	return rc;
}

enum sh_db_rc sh_notify(struct sh_app *app, struct sh_conn *conn, const char *user_id,
			const char *kind, json_t *params, const struct sh_notify_opts *opts)
{
	if ((app->cfg.modules & SH_MODULE_NOTIFICATIONS) == 0)
		return SH_DB_OK;
	int k = notify_kind_index(kind);
	if (k < 0 || (params != NULL && !json_is_object(params)))
		return SH_DB_CHECK;
	static const struct sh_notify_opts none = {0};
	const struct sh_notify_opts *o = opts != NULL ? opts : &none;
	struct notify_prefs p;
	enum sh_db_rc rc = notify_prefs_load(conn, user_id, &p);
	if (rc != SH_DB_OK || (!p.in_app[k] && p.email[k] == NOTIFY_OFF))
		return rc;
	char id[SH_UUID_LEN + 1];
	sh_uuid_v7(id);
	bool inserted = false;
	rc = insert_row(conn, id, user_id, kind, params, o, p.in_app[k], p.email[k], &inserted);
	if (rc != SH_DB_OK || !inserted)
		return rc;
	if (p.email[k] == NOTIFY_IMMEDIATE) {
		time_t now = sh_notify_now() + notify_kinds[k].delay_s;
		time_t due = o->urgent ? now : notify_quiet_end(&p, now);
		if ((rc = notify_email_enqueue(conn, id, notify_real_time(due))) != SH_DB_OK)
			return rc;
	}
	return p.in_app[k] ? push_event(conn, id, user_id, kind, params, o) : SH_DB_OK;
}

enum sh_db_rc sh_notify_read_ref(struct sh_conn *conn, const char *user_id, const char *ref)
{
	char now[SH_TIME_LEN + 1];
	sh_time_format(sh_notify_now(), now);
	return sh_exec(conn,
		       "UPDATE notifications SET read_at = $3 "
		       "WHERE user_id = $1 AND ref = $2 AND read_at IS NULL",
		       SH_ARGS(SH_TEXT(user_id), SH_TEXT(ref), SH_TEXT(now)), NULL);
}

void sh_notify_wake(struct sh_app *app)
{
	sh_jobs_wake(app);
	sh_events_wake(app);
}
