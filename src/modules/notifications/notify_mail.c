/*
 * The e-mails of notifications: one at a time (kind "immediate") and the daily/weekly
 * digests. Everything is decided again when the job runs, not when it was queued: a
 * notification read in the app meanwhile, a kind turned off (one-click unsubscribe), an
 * address not proved, or quiet hours that began since (the member changed them) send
 * nothing or wait. Every such e-mail carries List-Unsubscribe for its kind (unsubscribe.c).
 */
#include <string.h>

#include "modules/notifications/notify.h"
#include "schoolhub/app.h"
#include "schoolhub/mail.h"
#include "schoolhub/mail_compose.h"
#include "schoolhub/util.h"

struct recipient {
	const char *id, *email, *first_name;
	enum sh_lang lang;
	bool reachable; /* an active account with a proved address */
};

/* "tpl" with its one {placeholder} replaced by "value". */
static const char *put_in(struct sh_arena *arena, const char *tpl, const char *value)
{
	const char *open = strchr(tpl, '{'), *close = open ? strchr(open, '}') : NULL;
	if (close == NULL)
		return tpl;
	return sh_arena_printf(arena, "%.*s%s%s", (int)(open - tpl), tpl, value, close + 1);
}

static enum sh_db_rc load_recipient(struct sh_conn *conn, struct sh_arena *arena,
				    const char *user_id, struct recipient *r)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT email, first_name, locale, is_verified, active, "
					"deleted_at FROM users WHERE id = $1",
					SH_ARGS(SH_TEXT(user_id)), &st);
	if (rc == SH_DB_ROW) {
		r->id = user_id;
		r->email = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		r->first_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
		r->lang = SH_LANG_FR;
		sh_lang_parse(sh_stmt_col_text(st, 2), &r->lang);
		r->reachable = sh_stmt_col_bool(st, 3) && sh_stmt_col_bool(st, 4) &&
			       sh_stmt_col_is_null(st, 5);
	}
	sh_stmt_free(&st);
	return rc;
}

/* Sends one message for "job" to "r" with the unsubscribe link of "kind". */
static int send_listed(struct sh_app *app, const struct sh_job *job, const struct recipient *r,
		       const char *kind, const char *subject, const char *text, const char *html,
		       const char **error_r)
{
	const char *token = notify_unsubscribe_token(job->arena, &app->cfg, r->id, kind);
	const char *post = sh_arena_printf(job->arena, "<%s/api/v1/notifications/unsubscribe?token=%s>",
					   app->cfg.public_url, token);
	return sh_mail_send_listed_for_job(app, job->arena, job->id, r->email,
					   sh_lang_code(r->lang), subject, text, html, post, error_r);
}

static const char *unsubscribe_page(struct sh_app *app, const struct sh_job *job,
				    const struct recipient *r, const char *kind)
{
	return sh_arena_printf(job->arena, "%s/unsubscribe?token=%s", app->cfg.public_url,
			       notify_unsubscribe_token(job->arena, &app->cfg, r->id, kind));
}

/* --- one notification --------------------------------------------------------------- */

struct pending {
	const char *user_id, *kind, *params, *link;
	bool urgent, done; /* done: read or e-mailed already */
};

static enum sh_db_rc load_pending(struct sh_conn *conn, struct sh_arena *arena, const char *id,
				  struct pending *n)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT user_id, kind, params, link, urgent, read_at, emailed_at "
					"FROM notifications WHERE id = $1",
					SH_ARGS(SH_TEXT(id)), &st);
	if (rc == SH_DB_ROW) {
		n->user_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		n->kind = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
		n->params = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
		n->link = sh_arena_strdup(arena, sh_stmt_col_text(st, 3));
		n->urgent = sh_stmt_col_bool(st, 4);
		n->done = !sh_stmt_col_is_null(st, 5) || !sh_stmt_col_is_null(st, 6);
	}
	sh_stmt_free(&st);
	return rc;
}

static enum sh_db_rc mark_emailed(struct sh_conn *conn, const char *id)
{
	char now[SH_TIME_LEN + 1];
	sh_time_format(sh_notify_now(), now);
	return sh_exec(conn, "UPDATE notifications SET emailed_at = $2 WHERE id = $1",
		       SH_ARGS(SH_TEXT(id), SH_TEXT(now)), NULL);
}

static enum sh_job_outcome send_one(struct sh_app *app, struct sh_conn *conn,
				    const struct sh_job *job, const char *id, const struct pending *n,
				    const struct recipient *r, const char **error_r)
{
	json_t *params = json_loads(n->params, 0, NULL);
	const char *title, *body;
	notify_render(job->arena, r->lang, n->kind, params, &title, &body);
	json_decref(params);
	const struct notify_mail_texts *t = notify_mail_texts(r->lang);
	struct sh_mail_layout l = {
		.lang = sh_lang_code(r->lang),
		.title = title,
		.greeting = put_in(job->arena, t->greeting, r->first_name),
		.paragraphs = {body},
		.link = sh_arena_printf(job->arena, "%s%s", app->cfg.public_url,
					n->link != NULL ? n->link : "/"),
		.link_label = t->open,
		.footer = put_in(job->arena, t->footer, unsubscribe_page(app, job, r, n->kind)),
	};
	const char *text, *html;
	sh_mail_compose(job->arena, &l, &text, &html);
	if (send_listed(app, job, r, n->kind, title, text, html, error_r) != 0)
		return SH_JOB_RETRY;
	if (mark_emailed(conn, id) != SH_DB_OK) {
		*error_r = "database error marking the notification e-mailed";
		return SH_JOB_RETRY; /* sent again with the same Message-ID */
	}
	return SH_JOB_DONE;
}

enum sh_job_outcome notify_email_run(struct sh_app *app, struct sh_conn *conn,
				     const struct sh_job *job, const char **error_r)
{
	const char *id = json_string_value(json_object_get(job->payload, "notification_id"));
	if (id == NULL || !sh_uuid_valid(id)) {
		*error_r = "payload without notification_id";
		return SH_JOB_FAIL;
	}
	struct pending n = {0};
	struct recipient r = {0};
	struct notify_prefs p;
	enum sh_db_rc rc = load_pending(conn, job->arena, id, &n);
	if (rc == SH_DB_ROW && !n.done)
		rc = load_recipient(conn, job->arena, n.user_id, &r);
	if (rc == SH_DB_ROW && !n.done && r.reachable)
		rc = notify_prefs_load(conn, n.user_id, &p) == SH_DB_OK ? SH_DB_ROW : SH_DB_ERROR;
	if (rc == SH_DB_OK || (rc == SH_DB_ROW && (n.done || !r.reachable)))
		return SH_JOB_DONE; /* erased, read, sent, or nowhere to send */
	if (rc != SH_DB_ROW) {
		*error_r = "database error reading the notification";
		return SH_JOB_RETRY;
	}
	int k = notify_kind_index(n.kind);
	if (k < 0 || p.email[k] == NOTIFY_OFF)
		return SH_JOB_DONE;
	if (p.email[k] != NOTIFY_IMMEDIATE) { /* switched to a digest meanwhile: it goes there */
		rc = sh_exec(conn, "UPDATE notifications SET email_mode = $2 WHERE id = $1",
			     SH_ARGS(SH_TEXT(id), SH_TEXT(notify_email_name(p.email[k]))), NULL);
		return rc == SH_DB_OK ? SH_JOB_DONE : SH_JOB_RETRY;
	}
	time_t now = sh_notify_now();
	if (!n.urgent && notify_is_quiet(&p, now)) { /* quiet hours began meanwhile: wait */
		rc = notify_email_enqueue(conn, id, notify_real_time(notify_quiet_end(&p, now)));
		if (rc == SH_DB_OK)
			return SH_JOB_DONE;
		*error_r = "database error holding the e-mail";
		return SH_JOB_RETRY;
	}
	return send_one(app, conn, job, id, &n, &r, error_r);
}

/* --- digests ------------------------------------------------------------------------ */

#define DIGEST_MAX 50 /* items in one e-mail; the rest come in the next one */

struct digest {
	const char *ids[DIGEST_MAX];
	size_t count;
	const char *text, *html; /* the list, growing */
};

/* The member's unread, not yet e-mailed notifications of the digest's period whose kind
 * is still on, rendered as a list. */
static enum sh_db_rc gather(struct sh_conn *conn, const struct sh_job *job,
			    const struct recipient *r, const struct notify_prefs *p, bool weekly,
			    struct digest *d)
{
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT id, kind, params FROM notifications WHERE user_id = $1 AND read_at IS NULL "
		"AND emailed_at IS NULL AND (email_mode = 'daily' OR "
		"(CAST($2 AS INTEGER) = 1 AND email_mode = 'weekly')) ORDER BY id LIMIT $3",
		SH_ARGS(SH_TEXT(r->id), SH_INT(weekly ? 1 : 0), SH_INT(DIGEST_MAX)));
	enum sh_db_rc rc;
	d->text = "";
	d->html = "<ul>\n";
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		int k = notify_kind_index(sh_stmt_col_text(st, 1));
		if (k < 0 || p->email[k] == NOTIFY_OFF)
			continue;
		json_t *params = json_loads(sh_stmt_col_text(st, 2), 0, NULL);
		const char *title, *body;
		notify_render(job->arena, r->lang, notify_kinds[k].name, params, &title, &body);
		json_decref(params);
		d->ids[d->count++] = sh_arena_strdup(job->arena, sh_stmt_col_text(st, 0));
		d->text = sh_arena_printf(job->arena, "%s- %s: %s\n", d->text, title, body);
		d->html = sh_arena_printf(job->arena, "%s<li><strong>%s</strong>: %s</li>\n", d->html,
					  sh_html_escape(job->arena, title),
					  sh_html_escape(job->arena, body));
	}
	sh_stmt_free(&st);
	d->html = sh_arena_printf(job->arena, "%s</ul>", d->html);
	return rc;
}

static enum sh_job_outcome send_digest(struct sh_app *app, struct sh_conn *conn,
				       const struct sh_job *job, const struct recipient *r,
				       bool weekly, const struct digest *d, const char **error_r)
{
	const struct notify_mail_texts *t = notify_mail_texts(r->lang);
	struct sh_arena *a = job->arena;
	const char *subject = weekly ? t->digest_weekly : t->digest_daily;
	const char *hello = put_in(a, t->greeting, r->first_name);
	const char *open = sh_arena_printf(a, "%s/", app->cfg.public_url);
	/* Unsubscribing from a digest turns off every kind that comes by digest. */
	const char *footer = put_in(a, t->footer, unsubscribe_page(app, job, r, NOTIFY_DIGEST_TOKEN));
	const char *text = sh_arena_printf(a, "%s\n\n%s\n\n%s\n%s\n\n%s\n", hello, t->digest_intro,
					   d->text, open, footer);
	const char *html = sh_arena_printf(
		a,
		"<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><title>%s</title>"
		"</head>\n<body style=\"font-family: sans-serif; line-height: 1.5\">\n<p>%s</p>\n"
		"<p>%s</p>\n%s\n<p><a href=\"%s\">%s</a></p>\n<p style=\"color: #555\">%s</p>\n"
		"</body></html>\n",
		sh_lang_code(r->lang), sh_html_escape(a, subject), sh_html_escape(a, hello),
		sh_html_escape(a, t->digest_intro), d->html, sh_html_escape(a, open),
		sh_html_escape(a, t->open), sh_html_escape(a, footer));
	if (send_listed(app, job, r, NOTIFY_DIGEST_TOKEN, subject, text, html, error_r) != 0)
		return SH_JOB_RETRY;
	for (size_t i = 0; i < d->count; i++)
		if (mark_emailed(conn, d->ids[i]) != SH_DB_OK) {
			*error_r = "database error marking the digest e-mailed";
			return SH_JOB_RETRY;
		}
	return SH_JOB_DONE;
}

enum sh_job_outcome notify_digest_run(struct sh_app *app, struct sh_conn *conn,
				      const struct sh_job *job, const char **error_r)
{
	const char *user_id = json_string_value(json_object_get(job->payload, "user_id"));
	bool weekly = json_is_true(json_object_get(job->payload, "weekly"));
	if (user_id == NULL || !sh_uuid_valid(user_id)) {
		*error_r = "payload without user_id";
		return SH_JOB_FAIL;
	}
	struct recipient r = {0};
	struct notify_prefs p;
	struct digest d = {.count = 0};
	enum sh_db_rc rc = load_recipient(conn, job->arena, user_id, &r);
	if (rc == SH_DB_ROW && r.reachable)
		rc = notify_prefs_load(conn, user_id, &p) == SH_DB_OK ? SH_DB_ROW : SH_DB_ERROR;
	if (rc == SH_DB_ROW && r.reachable)
		rc = gather(conn, job, &r, &p, weekly, &d) == SH_DB_OK ? SH_DB_ROW : SH_DB_ERROR;
	if (rc == SH_DB_OK || (rc == SH_DB_ROW && (!r.reachable || d.count == 0)))
		return SH_JOB_DONE; /* nothing to tell: no e-mail */
	if (rc != SH_DB_ROW) {
		*error_r = "database error gathering the digest";
		return SH_JOB_RETRY;
	}
	return send_digest(app, conn, job, &r, weekly, &d, error_r);
}
