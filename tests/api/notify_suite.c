/*
 * Notifications in the app (issue #13): a SEL payment, a payment request and its answer,
 * and a co-parent joining write the recipient's notification in the same transaction;
 * the list, read and read-all routes with their errors; a member sees only their own;
 * the texts in the member's language; preferences (defaults, partial update, every 422);
 * sh_notify called directly as the messages/announcements/events modules will (unknown
 * kinds refused, one notification per ref); GDPR export and erasure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_support.h"
#include "schoolhub/app.h"
#include "schoolhub/notify.h"
#include "schoolhub/store.h"
#include "schoolhub/util.h"

static json_t *item(const struct th_resp *r, size_t i)
{
	return json_array_get(json_object_get(r->json, "items"), i);
}

static const char *item_str(const struct th_resp *r, size_t i, const char *key)
{
	return json_string_value(json_object_get(item(r, i), key));
}

START_TEST(test_payment_notifies_payee)
{
	struct th_member a, b;
	th_member_register(&a, "payer");
	th_member_register(&b, "payee");
	char *tx = nt_pay(&a, &b, 5);
	struct th_resp *r = nt_list(&b, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "unread_count")), 1);
	ck_assert_str_eq(item_str(r, 0, "kind"), "payment_received");
	ck_assert_str_eq(item_str(r, 0, "title"), "Paiement reçu");
	ck_assert_msg(strstr(item_str(r, 0, "body"), " vous a payé 5 unités.") != NULL, "%s",
		      item_str(r, 0, "body"));
	ck_assert_str_eq(item_str(r, 0, "link"), "/sel");
	ck_assert(json_is_false(json_object_get(item(r, 0), "read")));
	ck_assert(json_is_string(json_object_get(item(r, 0), "created_at")));
	th_resp_free(&r);
	/* The realtime channel's event, written in the same transaction. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM member_events WHERE user_id = $1 AND "
				      "kind = $2 AND data LIKE '%Paiement reçu%'",
				      b.id, "notification.created"),
			 1);
	/* The payer hears nothing; the row is there with the kind's default (daily). */
	ck_assert_int_eq(nt_unread(&a), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM notifications WHERE user_id = $1 "
				      "AND ref = $2 AND email_mode = 'daily'",
				      b.id, tx),
			 1);
	/* Daily: no immediate e-mail job. */
	ck_assert_int_eq(api_db_count(NOTIFY_JOBS_OF_REF, b.id, tx), 0);
	free(tx);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

/* A request notifies the payer (immediate e-mail queued in the same transaction); the
 * answer notifies the requester, accepted or declined; a refused exchange tells nobody. */
START_TEST(test_request_and_answer)
{
	struct th_member a, b;
	th_member_register(&a, "asker");
	th_member_register(&b, "asked");
	char *tx = nt_ask(&a, &b, 7);
	struct th_resp *r = nt_list(&b, NULL);
	ck_assert_str_eq(item_str(r, 0, "kind"), "payment_request");
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count(NOTIFY_JOBS_OF_REF, b.id, tx), 1);
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/sel/transactions/%s/accept", tx);
	r = th_request("POST", path, b.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = nt_list(&a, NULL);
	ck_assert_str_eq(item_str(r, 0, "kind"), "request_answered");
	ck_assert_str_eq(item_str(r, 0, "title"), "Demande acceptée");
	th_resp_free(&r);

	char *tx2 = nt_ask(&a, &b, 3);
	snprintf(path, sizeof(path), "/api/v1/sel/transactions/%s/decline", tx2);
	r = th_request("POST", path, b.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = nt_list(&a, NULL);
	ck_assert_str_eq(item_str(r, 0, "title"), "Demande refusée");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "unread_count")), 2);
	th_resp_free(&r);

	/* A payment over the limit is refused: no notification, no event. */
	int64_t before = nt_unread(&b);
	int64_t events = api_db_count("SELECT COUNT(*) FROM member_events WHERE user_id = $1",
				      b.id, NULL);
	r = th_json("POST", "/api/v1/sel/transactions", a.access_token, "{s:s, s:i, s:s}",
		    "to_user_id", b.id, "units", 900, "description", "Trop");
	ck_assert_int_eq(r->status, 409);
	th_resp_free(&r);
	ck_assert_int_eq(nt_unread(&b), before);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM member_events WHERE user_id = $1",
				      b.id, NULL),
			 events);
	free(tx);
	free(tx2);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(test_coparent_linked)
{
	struct th_member a, b;
	th_member_register(&a, "inviter");
	th_member_register(&b, "coparent");
	struct th_resp *r = th_json("POST", "/api/v1/children", a.access_token,
				    "{s:s, s:s, s:s, s:s, s:s}", "first_name", "Léonie", "last_name",
				    "Dubois", "class_name", "M2", "birth_date", "2021-02-28",
				    "photo_consent", "yes");
	ck_assert_int_eq(r->status, 201);
	char *child = strdup(th_str(r, "id"));
	th_resp_free(&r);
	api_link_coparent(a.access_token, child, &b);
	r = nt_list(&a, NULL);
	ck_assert_str_eq(item_str(r, 0, "kind"), "coparent_linked");
	ck_assert_msg(strstr(item_str(r, 0, "body"), "suit désormais Léonie avec vous") != NULL,
		      "%s", item_str(r, 0, "body"));
	th_resp_free(&r);
	free(child);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

/* Rendered at read time in the member's language of that moment. */
START_TEST(test_member_language)
{
	struct th_member a, b;
	th_member_register(&a, "langpayer");
	th_member_register(&b, "langpayee");
	free(nt_pay(&a, &b, 2));
	static const char *const want[][2] = {{"nl", "Betaling ontvangen"},
					      {"en", "Payment received"}};
	for (size_t i = 0; i < 2; i++) {
		struct th_resp *r = th_json("PATCH", "/api/v1/users/me", b.access_token, "{s:s}",
					    "locale", want[i][0]);
		ck_assert_int_eq(r->status, 200);
		th_resp_free(&r);
		r = nt_list(&b, NULL);
		ck_assert_str_eq(item_str(r, 0, "title"), want[i][1]);
		th_resp_free(&r);
	}
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(test_read_and_errors)
{
	struct th_member a, b;
	th_member_register(&a, "reader1");
	th_member_register(&b, "reader2");
	for (int i = 1; i <= 3; i++)
		free(nt_pay(&a, &b, i));
	/* Pages, newest first. */
	struct th_resp *r = nt_list(&b, "?limit=2");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 2);
	ck_assert_msg(strstr(item_str(r, 0, "body"), "3 unités") != NULL, "%s", item_str(r, 0, "body"));
	const char *next = json_string_value(json_object_get(r->json, "next_cursor"));
	ck_assert_ptr_nonnull(next);
	char path[400];
	snprintf(path, sizeof(path), "?limit=2&cursor=%s", next);
	char *first = strdup(item_str(r, 0, "id"));
	th_resp_free(&r);
	r = nt_list(&b, path);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
	th_resp_free(&r);

	/* Someone else's notification: 404, and it stays unread. */
	snprintf(path, sizeof(path), "/api/v1/notifications/%s/read", first);
	r = th_request("POST", path, a.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = th_request("POST", "/api/v1/notifications/not-a-uuid/read", b.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = th_request("POST", "/api/v1/notifications/3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69/read",
		       b.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	ck_assert_int_eq(nt_unread(&b), 3);

	r = th_request("POST", path, b.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "unread_count")), 2);
	th_resp_free(&r);
	/* Twice is once. */
	r = th_request("POST", path, b.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = nt_list(&b, "?unread=true");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 2);
	th_resp_free(&r);
	r = th_request("POST", "/api/v1/notifications/read-all", b.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "unread_count")), 0);
	th_resp_free(&r);
	r = nt_list(&b, "?unread=false");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 3);
	ck_assert(json_is_true(json_object_get(item(r, 0), "read")));
	th_resp_free(&r);

	static const char *const bad[][2] = {{"?unread=yes", "unread"},
					     {"?cursor=%%%", "cursor"},
					     {"?cursor=WyJ4Il0", "cursor"}};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/api/v1/notifications%s", bad[i][0]);
		r = th_request("GET", path, b.access_token, NULL, NULL, NULL);
		assert_field_error(r, bad[i][1], i == 0 ? "invalid_value" : "invalid_cursor");
		th_resp_free(&r);
	}
	r = th_request("GET", "/api/v1/notifications?limit=0", b.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 422, "validation_failed");
	th_resp_free(&r);
	free(first);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(test_unauthorized)
{
	static const struct api_call calls[] = {
		{"GET", "/api/v1/notifications", NULL},
		{"POST", "/api/v1/notifications/read-all", NULL},
		{"POST", "/api/v1/notifications/3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69/read", NULL},
		{"GET", "/api/v1/users/me/notifications", NULL},
		{"PUT", "/api/v1/users/me/notifications", "{}"},
	};
	api_assert_all_unauthorized(calls, sizeof(calls) / sizeof(calls[0]));
}
END_TEST

static json_t *kind_prefs(const struct th_resp *r, const char *kind)
{
	return json_object_get(json_object_get(r->json, "kinds"), kind);
}

START_TEST(test_preferences)
{
	struct th_member m;
	th_member_register(&m, "prefs");
	struct th_resp *r = th_request("GET", "/api/v1/users/me/notifications", m.access_token,
				       NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_object_size(json_object_get(r->json, "kinds")), 12);
	ck_assert_str_eq(json_string_value(json_object_get(kind_prefs(r, "payment_received"), "email")),
			 "daily");
	json_t *q = json_object_get(r->json, "quiet_hours");
	ck_assert_str_eq(json_string_value(json_object_get(q, "start")), "20:00");
	ck_assert_str_eq(json_string_value(json_object_get(q, "end")), "07:00");
	ck_assert(json_is_true(json_object_get(q, "weekends")));
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "digest_hour")), 18);
	th_resp_free(&r);

	r = th_json("PUT", "/api/v1/users/me/notifications", m.access_token,
		    "{s:{s:{s:s, s:b}}, s:{s:s, s:s, s:b}, s:i}", "kinds", "payment_request",
		    "email", "weekly", "in_app", 0, "quiet_hours", "start", "21:30", "end", "06:45",
		    "weekends", 0, "digest_hour", 8);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/users/me/notifications", m.access_token, NULL, NULL, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(kind_prefs(r, "payment_request"), "email")),
			 "weekly");
	ck_assert(json_is_false(json_object_get(kind_prefs(r, "payment_request"), "in_app")));
	ck_assert_str_eq(json_string_value(json_object_get(kind_prefs(r, "announcement"), "email")),
			 "immediate");
	q = json_object_get(r->json, "quiet_hours");
	ck_assert_str_eq(json_string_value(json_object_get(q, "start")), "21:30");
	ck_assert(json_is_false(json_object_get(q, "weekends")));
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "digest_hour")), 8);
	th_resp_free(&r);

	/* Each bad member: 422 with its field, and nothing written. */
	static const struct {
		const char *body, *field, *code;
	} bad[] = {
		{"{\"kinds\":{\"fireworks\":{\"email\":\"off\"}}}", "kinds.fireworks", "unknown_kind"},
		{"{\"kinds\":{\"announcement\":{\"email\":\"hourly\"}}}", "kinds.announcement.email",
		 "invalid_value"},
		{"{\"kinds\":{\"announcement\":{\"in_app\":\"yes\"}}}", "kinds.announcement.in_app",
		 "invalid_type"},
		{"{\"kinds\":{\"announcement\":{\"sms\":true}}}", "kinds.announcement.sms", "unknown_field"},
		{"{\"kinds\":[]}", "kinds", "invalid_type"},
		{"{\"quiet_hours\":{\"start\":\"25:00\"}}", "quiet_hours.start", "invalid_time"},
		{"{\"quiet_hours\":{\"end\":\"7h\"}}", "quiet_hours.end", "invalid_time"},
		{"{\"quiet_hours\":{\"weekends\":1}}", "quiet_hours.weekends", "invalid_type"},
		{"{\"quiet_hours\":\"never\"}", "quiet_hours", "invalid_type"},
		{"{\"digest_hour\":24}", "digest_hour", "out_of_range"},
		{"{\"digest_hour\":\"8\"}", "digest_hour", "invalid_type"},
		{"{\"digest_hour\":9,\"sound\":true}", "sound", "unknown_field"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = th_request("PUT", "/api/v1/users/me/notifications", m.access_token, bad[i].body,
			       NULL, NULL);
		assert_field_error(r, bad[i].field, bad[i].code);
		th_resp_free(&r);
	}
	r = th_request("GET", "/api/v1/users/me/notifications", m.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "digest_hour")), 8);
	th_resp_free(&r);
	r = th_request("PUT", "/api/v1/users/me/notifications", m.access_token, "[]", NULL, NULL);
	ck_assert_int_eq(r->status, 400);
	th_resp_free(&r);
	th_member_free(&m);
}
END_TEST

/* In the bell off and e-mail off: nothing is written; bell off alone: e-mail only. */
START_TEST(test_kind_turned_off)
{
	struct th_member a, b;
	th_member_register(&a, "offpayer");
	th_member_register(&b, "offpayee");
	struct th_resp *r = th_request("PUT", "/api/v1/users/me/notifications", b.access_token,
				       "{\"kinds\":{\"payment_received\":{\"email\":\"off\",\"in_app\":false},"
				       "\"payment_request\":{\"in_app\":false}}}",
				       NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	free(nt_pay(&a, &b, 1));
	free(nt_ask(&a, &b, 1));
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = $2",
				      b.id, "payment_received"),
			 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = $2",
				      b.id, "payment_request"),
			 1);
	ck_assert_int_eq(nt_unread(&b), 0);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

/* What the announcements/messages/events modules will call. */
START_TEST(test_sh_notify_direct)
{
	struct th_member m;
	th_member_register(&m, "direct");
	json_t *p = json_pack("{s:s, s:s}", "title", "Fancy-fair", "excerpt", "Samedi 14 juin");
	ck_assert_int_eq(nt_direct(m.id, "fireworks", p, NULL, 0), SH_DB_CHECK);
	/* One notification (and one e-mail job) per announcement, however many children. */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(nt_direct(m.id, "announcement", p, "announcement:42", 0), SH_DB_OK);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND ref = $2",
				      m.id, "announcement:42"),
			 1);
	ck_assert_int_eq(api_db_count(NOTIFY_JOBS_OF_REF, m.id, "announcement:42"), 1);
	struct th_resp *r = nt_list(&m, NULL);
	ck_assert_str_eq(item_str(r, 0, "title"), "Annonce : Fancy-fair");
	ck_assert_str_eq(item_str(r, 0, "body"), "Samedi 14 juin");
	ck_assert_str_eq(item_str(r, 0, "link"), "/announcements");
	th_resp_free(&r);
	json_decref(p);

	/* A direct message is e-mailed only if still unread 10 minutes later; reading the
	 * conversation (sh_notify_read_ref) marks it read, and the job then sends nothing. */
	p = json_pack("{s:s, s:s}", "name", "Anne", "excerpt", "Tu prends Léo ?");
	ck_assert_int_eq(nt_direct(m.id, "direct_message", p, "conversation:7", 0), SH_DB_OK);
	json_decref(p);
	char from[32], sql[400];
	sh_time_format(time(NULL) + 540, from);
	ck_assert_int_eq(api_db_count(NOTIFY_JOBS_OF_REF, m.id, "conversation:7"), 1);
	/* Due at least 10 minutes on (quiet hours may hold it longer: the test runs at any hour). */
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM jobs j JOIN notifications n ON j.payload "
		 "LIKE '%%' || CAST(n.id AS TEXT) || '%%' WHERE n.user_id = $1 AND n.ref = $2 "
		 "AND j.run_at > '%s'", from);
	ck_assert_int_eq(api_db_count(sql, m.id, "conversation:7"), 1);
	struct sh_conn *conn = sh_db_connect(th_current->app->db, NULL);
	ck_assert_int_eq(sh_notify_read_ref(conn, m.id, "conversation:7"), SH_DB_OK);
	sh_conn_close(&conn);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND "
				      "ref = $2 AND read_at IS NOT NULL", m.id, "conversation:7"), 1);
	th_member_free(&m);
}
END_TEST

struct once {
	const char *name;
	time_t due;
	json_t *payload;
};

static enum sh_db_rc once_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct once *o = ctx;
	return sh_notify_schedule_once(conn, o->name, o->due, "notifications.digest", o->payload);
}

/* A reminder scheduled by several callers (instances, retries) is queued once per due time. */
START_TEST(test_schedule_once)
{
	json_t *payload = json_pack("{s:s, s:b}", "user_id", "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69",
				    "marker_once", 1);
	time_t due = time(NULL) + 48 * 3600;
	due -= due % 60;
	struct sh_conn *c1 = sh_db_connect(th_current->app->db, NULL);
	struct sh_conn *c2 = sh_db_connect(th_current->app->db, NULL);
	struct once o = {"ack-reminder:42", due, payload};
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(sh_conn_transaction(c1, SH_TX_WRITE, once_in_tx, &o), SH_DB_OK);
		ck_assert_int_eq(sh_conn_transaction(c2, SH_TX_WRITE, once_in_tx, &o), SH_DB_OK);
	}
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM jobs WHERE payload LIKE $1",
				      "%marker_once%", NULL), 1);
	o.due = due + 3600; /* another due time: another job */
	ck_assert_int_eq(sh_conn_transaction(c2, SH_TX_WRITE, once_in_tx, &o), SH_DB_OK);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM jobs WHERE payload LIKE $1",
				      "%marker_once%", NULL), 2);
	sh_conn_close(&c1);
	sh_conn_close(&c2);
	json_decref(payload);
}
END_TEST

START_TEST(test_gdpr)
{
	struct th_member a, b;
	th_member_register(&a, "gdpr1");
	th_member_register(&b, "gdpr2");
	free(nt_pay(&a, &b, 4));
	struct th_resp *r = th_request("GET", "/api/v1/users/me/export", b.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	json_t *n = json_object_get(r->json, "notifications");
	ck_assert_int_eq(json_array_size(json_object_get(n, "items")), 1);
	ck_assert_int_eq(json_object_size(json_object_get(json_object_get(n, "preferences"), "kinds")), 12);
	th_resp_free(&r);
	r = th_json("PUT", "/api/v1/users/me/notifications", b.access_token, "{s:i}", "digest_hour", 9);
	th_resp_free(&r);
	r = th_json("DELETE", "/api/v1/users/me", b.access_token, "{s:s}", "password", b.password);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM notifications WHERE user_id = $1", b.id, NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM notification_prefs WHERE user_id = $1", b.id, NULL), 0);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

Suite *api_notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("in_app");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_add_test(tc, test_payment_notifies_payee);
	tcase_add_test(tc, test_request_and_answer);
	tcase_add_test(tc, test_coparent_linked);
	tcase_add_test(tc, test_member_language);
	tcase_add_test(tc, test_read_and_errors);
	tcase_add_test(tc, test_unauthorized);
	tcase_add_test(tc, test_preferences);
	tcase_add_test(tc, test_kind_turned_off);
	tcase_add_test(tc, test_sh_notify_direct);
	tcase_add_test(tc, test_schedule_once);
	tcase_add_test(tc, test_gdpr);
	suite_add_tcase(s, tc);
	return s;
}
