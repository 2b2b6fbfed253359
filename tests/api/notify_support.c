/* Helpers of the notification suites: lists, SEL exchanges, sh_notify called directly,
 * the test clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail_support.h"
#include "notify_support.h"
#include "schoolhub/app.h"
#include "schoolhub/notify.h"

struct th_resp *nt_list(const struct th_member *m, const char *query)
{
	char path[300];
	snprintf(path, sizeof(path), "/api/v1/notifications%s", query != NULL ? query : "");
	struct th_resp *r = th_request("GET", path, m->access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "list: %ld %s", r->status, r->body);
	return r;
}

int64_t nt_unread(const struct th_member *m)
{
	struct th_resp *r = nt_list(m, NULL);
	int64_t n = json_integer_value(json_object_get(r->json, "unread_count"));
	th_resp_free(&r);
	return n;
}

static char *exchange(const struct th_member *m, const char *field, const char *other,
		      int units)
{
	struct th_resp *r = th_json("POST", "/api/v1/sel/transactions", m->access_token,
				    "{s:s, s:i, s:s}", field, other, "units", units, "description",
				    "Covoiturage");
	ck_assert_msg(r->status == 201, "exchange: %ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

char *nt_pay(const struct th_member *m, const struct th_member *to, int units)
{
	return exchange(m, "to_user_id", to->id, units);
}

char *nt_ask(const struct th_member *m, const struct th_member *to, int units)
{
	return exchange(m, "from_user_id", to->id, units);
}

struct direct {
	const char *user_id, *kind, *ref;
	json_t *params;
	int urgent;
};

static enum sh_db_rc direct_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct direct *d = ctx;
	struct sh_notify_opts o = {.link = "/announcements", .ref = d->ref, .urgent = d->urgent != 0};
	enum sh_db_rc rc = sh_notify(th_current->app, conn, d->user_id, d->kind, d->params, &o);
	if (rc == SH_DB_CHECK)
		*rollback_r = true;
	return rc;
}

int nt_direct(const char *user_id, const char *kind, json_t *params, const char *ref,
		  int urgent)
{
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(th_current->app->db, &error);
	ck_assert_msg(conn != NULL, "%s", error ? error : "");
	struct direct d = {user_id, kind, ref, params, urgent};
	enum sh_db_rc rc = sh_conn_transaction(conn, SH_TX_WRITE, direct_in_tx, &d);
	sh_conn_close(&conn);
	sh_notify_wake(th_current->app);
	return (int)rc;
}

time_t nt_utc(int y, int mo, int d, int h, int mi, int offset_h)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			.tm_min = mi};
	return timegm(&tm) - offset_h * 3600;
}

void nt_clock(time_t fake_now)
{
	ck_assert_int_eq(sh_notify_clock_set(&th_current->app->cfg, fake_now), 0);
}

void nt_clock_reset(void)
{
	nt_clock(time(NULL));
}

/* Notification e-mails (those with List-Unsubscribe: not the verification e-mail of
 * registration) to "to": their number, and the first one when "first_r" is not NULL. */
static size_t notifications_to(const struct th_smtp_sink *sink, const char *to, char **first_r)
{
	size_t n = 0;
	for (size_t i = 0;; i++) {
		char *msg = th_smtp_sink_message(sink, i);
		if (msg == NULL)
			break;
		char *rcpt = th_mail_header(msg, "To"), *list = th_mail_header(msg, "List-Unsubscribe");
		bool match = rcpt != NULL && list != NULL && strcmp(rcpt, to) == 0;
		n += match;
		if (match && first_r != NULL && *first_r == NULL)
			*first_r = msg;
		else
			free(msg);
		free(rcpt);
		free(list);
	}
	return n;
}

size_t nt_sink_count_to(const struct th_smtp_sink *sink, const char *to)
{
	return notifications_to(sink, to, NULL);
}

char *nt_wait_notification(const struct th_smtp_sink *sink, const char *to, double timeout_s)
{
	for (double waited = 0; waited <= timeout_s; waited += 0.05) {
		char *msg = NULL;
		notifications_to(sink, to, &msg);
		if (msg != NULL)
			return msg;
		usleep(50000);
	}
	return NULL;
}
