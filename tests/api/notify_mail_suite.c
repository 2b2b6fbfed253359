/*
 * Notification e-mails against a real SMTP server (tests/support/smtp_sink.py), with the
 * notification clock moved by the test hook (sh_notify_clock_set): an immediate e-mail
 * with List-Unsubscribe (RFC 8058) whose one-click POST works without a session while
 * forged tokens fail; quiet hours hold an e-mail until 07:00 Brussels time (across a DST
 * change too) unless it is urgent; the daily digest gathers the unread notifications and
 * is not sent when there is nothing; two instances run one scheduled digest once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail_support.h"
#include "notify_support.h"
#include "schoolhub/app.h"
#include "schoolhub/notify.h"
#include "schoolhub/util.h"

#define EMAIL_KIND "notifications.email"

/* 2027-03-23 is a Tuesday; Brussels is UTC+1 until 2027-03-28 01:00 UTC. */
#define TUESDAY(h, mi, s) (nt_utc(2027, 3, 23, (h), (mi), 1) + (s))

static void start(struct th_server *s, struct th_smtp_sink *sink)
{
	th_smtp_sink_start(sink, 0, false);
	mail_server_start(s, sink->port, NULL);
}

static void stop(struct th_server *s, struct th_smtp_sink *sink)
{
	nt_clock_reset();
	th_server_stop(s);
	th_smtp_sink_stop(sink);
}

/* The token in a List-Unsubscribe value "<https://.../unsubscribe?token=T>" (malloc'ed). */
static char *header_token(const char *value)
{
	const char *t = strstr(value, "?token=");
	ck_assert_ptr_nonnull(t);
	t += 7;
	size_t n = strcspn(t, ">");
	return strndup(t, n);
}

static struct th_resp *unsubscribe(const char *token)
{
	char path[700];
	snprintf(path, sizeof(path), "/api/v1/notifications/unsubscribe%s%s", token ? "?token=" : "",
		 token ? token : "");
	return th_request("POST", path, NULL, "List-Unsubscribe=One-Click",
			  "application/x-www-form-urlencoded", NULL);
}

static const char *email_pref(const struct th_member *m, const char *kind, char out[16])
{
	struct th_resp *r = th_request("GET", "/api/v1/users/me/notifications", m->access_token,
				       NULL, NULL, NULL);
	json_t *k = json_object_get(json_object_get(r->json, "kinds"), kind);
	snprintf(out, 16, "%s", json_string_value(json_object_get(k, "email")));
	th_resp_free(&r);
	return out;
}

START_TEST(test_email_and_one_click_unsubscribe)
{
	struct th_smtp_sink sink;
	struct th_server s = {0};
	start(&s, &sink);
	nt_clock(TUESDAY(10, 0, 0));
	struct th_member a, b;
	th_member_register(&a, "mailasker");
	th_member_register(&b, "mailasked");
	char *tx = nt_ask(&a, &b, 4);
	char *msg = nt_wait_notification(&sink, b.email, 10);
	ck_assert_msg(msg != NULL, "no notification e-mail");
	char *subject = th_mail_header(msg, "Subject");
	ck_assert_str_eq(subject, "Demande de paiement");
	char *text = th_mail_part(msg, "text/plain");
	ck_assert_msg(strstr(text, "vous demande 4 unit") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "https://school.example/sel") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "https://school.example/unsubscribe?token=") != NULL, "%s", text);
	char *post = th_mail_header(msg, "List-Unsubscribe-Post");
	ck_assert_str_eq(post, "List-Unsubscribe=One-Click");
	char *list = th_mail_header(msg, "List-Unsubscribe");
	ck_assert_msg(strncmp(list, "<https://school.example/api/v1/notifications/unsubscribe?token=",
			      63) == 0,
		      "%s", list);
	char *token = header_token(list);
	/* Sent once and marked. */
	for (int i = 0; i < 100 && api_db_count("SELECT COUNT(*) FROM notifications WHERE ref = $1 "
						"AND emailed_at IS NOT NULL", tx, NULL) == 0; i++)
		usleep(50000);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM notifications WHERE ref = $1 "
				      "AND emailed_at IS NOT NULL", tx, NULL), 1);

	/* Forged tokens: another member, another kind, a changed MAC, none at all. */
	char forged[300];
	snprintf(forged, sizeof(forged), "%s%s", a.id, token + 36);
	struct th_resp *r = unsubscribe(forged);
	ck_assert_problem(r, 400, "invalid_token");
	th_resp_free(&r);
	char *mac = strrchr(token, '.');
	snprintf(forged, sizeof(forged), "%s.announcement%s", b.id, mac);
	r = unsubscribe(forged);
	ck_assert_problem(r, 400, "invalid_token");
	th_resp_free(&r);
	snprintf(forged, sizeof(forged), "%s", token);
	forged[strlen(forged) - 1] = forged[strlen(forged) - 1] == 'A' ? 'B' : 'A';
	r = unsubscribe(forged);
	ck_assert_problem(r, 400, "invalid_token");
	th_resp_free(&r);
	r = unsubscribe(NULL);
	ck_assert_problem(r, 400, "invalid_token");
	th_resp_free(&r);
	char pref[16];
	ck_assert_str_eq(email_pref(&b, "payment_request", pref), "immediate");

	/* A GET (a mail scanner) changes nothing: it leads to the page with the button. */
	char path[400];
	snprintf(path, sizeof(path), "/api/v1/notifications/unsubscribe?token=%s", token);
	r = th_request("GET", path, NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	char location[400];
	snprintf(location, sizeof(location), "url=/unsubscribe?token=%s\"", token);
	ck_assert_msg(strstr(r->body, location) != NULL, "%s", r->body);
	th_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/notifications/unsubscribe?token=%s", forged);
	r = th_request("GET", path, NULL, NULL, NULL, NULL);
	ck_assert_problem(r, 400, "invalid_token");
	th_resp_free(&r);
	ck_assert_str_eq(email_pref(&b, "payment_request", pref), "immediate");

	/* One click, no session. */
	r = unsubscribe(token);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "kind"), "payment_request");
	th_resp_free(&r);
	ck_assert_str_eq(email_pref(&b, "payment_request", pref), "off");
	ck_assert_str_eq(email_pref(&b, "announcement", pref), "immediate");
	/* The next request is in the bell, not in the mailbox. */
	char *tx2 = nt_ask(&a, &b, 5);
	ck_assert_int_eq(api_db_count(NOTIFY_JOBS_OF_REF, b.id, tx2), 0);
	ck_assert_int_eq(nt_unread(&b), 2);

	free(tx);
	free(tx2);
	free(token);
	free(list);
	free(post);
	free(text);
	free(subject);
	free(msg);
	th_member_free(&a);
	th_member_free(&b);
	stop(&s, &sink);
}
END_TEST

/* Jobs due between lo and hi seconds from now for member $1's ref. */
static int64_t held_between(const char *user_id, const char *ref, long lo, long hi)
{
	char from[SH_TIME_LEN + 1], to[SH_TIME_LEN + 1];
	sh_time_format(time(NULL) + lo, from);
	sh_time_format(time(NULL) + hi, to);
	char sql[400];
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM jobs j JOIN notifications n ON j.payload LIKE '%%' || "
		 "CAST(n.id AS TEXT) || '%%' WHERE n.user_id = $1 AND n.ref = $2 AND j.state = "
		 "'queued' AND j.run_at > '%s' AND j.run_at < '%s'",
		 from, to);
	return api_db_count(sql, user_id, ref);
}

START_TEST(test_quiet_hours)
{
	struct th_smtp_sink sink;
	struct th_server s = {0};
	start(&s, &sink);
	struct th_member a, b;
	th_member_register(&a, "quietasker");
	th_member_register(&b, "quietasked");

	/* 22:00 on a Tuesday: held until 07:00 on Wednesday, nine hours on. */
	nt_clock(TUESDAY(22, 0, 0));
	char *late = nt_ask(&a, &b, 1);
	ck_assert_int_eq(held_between(b.id, late, 9 * 3600 - 60, 9 * 3600 + 60), 1);

	/* Across the change to summer time: Saturday 27 March 2027 22:00 (weekends not quiet
	 * for this member) is held until Sunday 07:00 CEST, eight hours on, not nine. */
	struct th_resp *r = th_request("PUT", "/api/v1/users/me/notifications", b.access_token,
				       "{\"quiet_hours\":{\"weekends\":false}}", NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	nt_clock(nt_utc(2027, 3, 27, 22, 0, 1));
	char *dst = nt_ask(&a, &b, 1);
	ck_assert_int_eq(held_between(b.id, dst, 8 * 3600 - 60, 8 * 3600 + 60), 1);

	/* 06:59:57: held three seconds, then sent at 07:00. */
	nt_clock(TUESDAY(6, 59, 57) + 86400);
	char *dawn = nt_ask(&a, &b, 6);
	ck_assert_int_eq(held_between(b.id, dawn, 1, 5), 1);
	ck_assert_int_eq(nt_sink_count_to(&sink, b.email), 0);
	char *msg = nt_wait_notification(&sink, b.email, 15);
	ck_assert_msg(msg != NULL, "the held e-mail never came");
	char *text = th_mail_part(msg, "text/plain");
	ck_assert_msg(strstr(text, "6 unit") != NULL, "%s", text);
	ck_assert_int_eq(nt_sink_count_to(&sink, b.email), 1);

	/* An urgent announcement passes through quiet hours. */
	nt_clock(TUESDAY(23, 0, 0));
	json_t *p = json_pack("{s:s, s:s}", "title", "École fermée", "excerpt", "Tempête");
	ck_assert_int_eq(nt_direct(b.id, "announcement", p, "announcement:urgent", 1), SH_DB_OK);
	json_decref(p);
	for (int i = 0; i < 200 && nt_sink_count_to(&sink, b.email) < 2; i++)
		usleep(50000);
	ck_assert_msg(nt_sink_count_to(&sink, b.email) == 2, "the urgent e-mail was held");

	free(text);
	free(msg);
	free(late);
	free(dst);
	free(dawn);
	th_member_free(&a);
	th_member_free(&b);
	stop(&s, &sink);
}
END_TEST

/* Queues the next hourly slot from the current server's database. */
static void schedule_next(const struct th_server *s)
{
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(s->app->db, &error);
	ck_assert_msg(conn != NULL, "%s", error ? error : "");
	ck_assert_int_eq(sh_notify_schedule_next(conn), SH_DB_OK);
	sh_conn_close(&conn);
}

START_TEST(test_daily_digest)
{
	struct th_smtp_sink sink;
	struct th_server s = {0};
	start(&s, &sink);
	struct th_member a, b, c, d;
	th_member_register(&a, "digestpayer");
	th_member_register(&b, "digestpayee");
	th_member_register(&c, "digestread");
	th_member_register(&d, "digestoff");
	/* 17:59:57: the 18:00 slot (the default digest hour) is three seconds away. */
	nt_clock(TUESDAY(17, 59, 57));
	free(nt_pay(&a, &b, 2));
	free(nt_pay(&a, &b, 3));
	free(nt_pay(&a, &c, 4)); /* read before the digest: nothing to send */
	struct th_resp *r = th_request("POST", "/api/v1/notifications/read-all", c.access_token,
				       NULL, NULL, NULL);
	th_resp_free(&r);
	free(nt_pay(&a, &d, 5)); /* its kind turned off since: the digest finds nothing */
	r = th_request("PUT", "/api/v1/users/me/notifications", d.access_token,
		       "{\"kinds\":{\"payment_received\":{\"email\":\"off\"}}}", NULL, NULL);
	th_resp_free(&r);
	ck_assert_int_eq(nt_sink_count_to(&sink, b.email), 0);
	schedule_next(&s);

	char *msg = nt_wait_notification(&sink, b.email, 20);
	ck_assert_msg(msg != NULL, "no digest");
	char *text = th_mail_part(msg, "text/plain");
	ck_assert_msg(strstr(text, "2 unités") != NULL && strstr(text, "3 unités") != NULL, "%s", text);
	char *post = th_mail_header(msg, "List-Unsubscribe-Post");
	ck_assert_str_eq(post, "List-Unsubscribe=One-Click");
	ck_assert(mail_wait_job_state("notifications.digest", "done", 10));
	usleep(500000);
	ck_assert_int_eq(nt_sink_count_to(&sink, b.email), 1);
	ck_assert_int_eq(nt_sink_count_to(&sink, c.email), 0);
	ck_assert_int_eq(nt_sink_count_to(&sink, d.email), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND "
				      "emailed_at IS NOT NULL", b.id, NULL), 2);
	/* D's digest ran and sent nothing; C was never due. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM jobs WHERE kind = $1 AND payload LIKE $2 "
				      "AND state = 'done'", "notifications.digest", "%"), 2);
	/* The digest's own one-click link turns off every kind that came by digest. */
	char *list = th_mail_header(msg, "List-Unsubscribe");
	char *token = header_token(list);
	struct th_resp *u = unsubscribe(token);
	ck_assert_msg(u->status == 200, "%ld %s", u->status, u->body);
	ck_assert_str_eq(th_str(u, "kind"), "digest");
	th_resp_free(&u);
	char pref[16];
	ck_assert_str_eq(email_pref(&b, "payment_received", pref), "off");
	ck_assert_str_eq(email_pref(&b, "event_published", pref), "off");
	ck_assert_str_eq(email_pref(&b, "payment_request", pref), "immediate");
	free(token);
	free(list);
	/* The next slot is queued by the one that ran. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM notification_schedule WHERE name = $1",
				      "tick", NULL) >= 2, 1);

	free(post);
	free(text);
	free(msg);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&c);
	th_member_free(&d);
	stop(&s, &sink);
}
END_TEST

/* Two instances with two workers each both queue the 18:00 slot: one tick, one digest. */
START_TEST(test_two_instances_one_digest)
{
	struct th_smtp_sink sink;
	struct th_server one = {0}, two = {0};
	start(&one, &sink);
	struct th_member a, b;
	th_member_register(&a, "twopayer");
	th_member_register(&b, "twopayee");
	nt_clock(TUESDAY(17, 59, 57));
	free(nt_pay(&a, &b, 2));
	char url[80];
	snprintf(url, sizeof(url), "SCHOOLHUB_SMTP_URL=smtp://127.0.0.1:%u", sink.port);
	const char *env[] = {url, "SCHOOLHUB_PUBLIC_URL=https://school.example",
			     "SCHOOLHUB_JOBS_WORKERS=2", "SCHOOLHUB_JOBS_POLL_MS=10", NULL};
	th_server_start_beside(&two, &one, env);
	const char *racing[] = {"SCHOOLHUB_JOBS_WORKERS=2", "SCHOOLHUB_JOBS_POLL_MS=10", NULL};
	mail_server_start(&one, sink.port, racing);
	schedule_next(&one);
	schedule_next(&two);
	char *msg = nt_wait_notification(&sink, b.email, 20);
	ck_assert_msg(msg != NULL, "no digest");
	sleep(1); /* a second copy would arrive now */
	ck_assert_int_eq(nt_sink_count_to(&sink, b.email), 1);
	char due[SH_TIME_LEN + 1], like[40];
	sh_time_format(TUESDAY(18, 0, 0), due);
	snprintf(like, sizeof(like), "%%%s%%", due);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM jobs WHERE kind = $1 AND payload LIKE $2",
				      "notifications.tick", like), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state = 'done' "
				      "AND attempts = 1", "notifications.digest", NULL), 1);
	free(msg);
	th_member_free(&a);
	th_member_free(&b);
	nt_clock_reset();
	th_server_stop(&two);
	th_current = &one;
	stop(&one, &sink);
}
END_TEST

/* The test clock cannot be turned on in production. */
START_TEST(test_clock_fails_closed)
{
	struct sh_config prod = {.env = SH_ENV_PRODUCTION}, dev = {.env = SH_ENV_DEVELOPMENT};
	ck_assert_int_eq(sh_notify_clock_set(&dev, time(NULL)), 0);
	ck_assert_int_eq(sh_notify_clock_set(&prod, 0), -1);
	ck_assert_int_eq(sh_notify_clock_set(NULL, 0), -1);
	time_t now = time(NULL), seen = sh_notify_now();
	ck_assert(seen >= now && seen <= now + 1);
}
END_TEST

Suite *api_notify_mail_suite(void)
{
	Suite *s = suite_create("notify_mail");
	TCase *tc = tcase_create("email");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_email_and_one_click_unsubscribe);
	tcase_add_test(tc, test_quiet_hours);
	tcase_add_test(tc, test_daily_digest);
	tcase_add_test(tc, test_two_instances_one_digest);
	tcase_add_test(tc, test_clock_fails_closed);
	suite_add_tcase(s, tc);
	return s;
}
