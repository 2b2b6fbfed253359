/*
 * Events and the member's GDPR rights: the export lists their registrations and the events
 * they organised (proposals included); erasing the account withdraws the registrations of
 * events to come (promoting the waiting list: the promoted member is told by a job),
 * keeps past ones as counts only, and deletes unpublished proposals. And the reminder:
 * 24 hours before the start, the confirmed members are told.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events_support.h"
#include "notify_support.h"

Suite *api_events_gdpr_suite(void);

/* Waits (up to 15 s) until "user_id" has a notification of "kind"; how many then. */
static int64_t wait_notified(const char *user_id, const char *kind, int64_t more_than)
{
	int64_t n = 0;
	for (int i = 0; i < 300 && (n = ev_notified(user_id, kind)) <= more_than; i++)
		usleep(50 * 1000);
	return n;
}

START_TEST(export_and_erasure)
{
	struct th_member m;
	th_member_register(&m, "evleaver");
	char *future =
		ev_create(ev.admin.access_token, "Futur", "{\"school\":true}", ",\"capacity\":2");
	char *past = ev_create(ev.admin.access_token, "Passé", "{\"school\":true}", "");
	struct th_resp *r = ev_register(m.access_token, future, 2, 0);
	ck_assert_str_eq(th_str(r, "status"), "confirmed");
	th_resp_free(&r);
	r = ev_register(ev.pb.access_token, future, 1, 0);
	ck_assert_str_eq(th_str(r, "status"), "waiting");
	th_resp_free(&r);
	r = ev_register(m.access_token, past, 1, 2);
	ck_assert_int_eq(r->status, 201);
	th_resp_free(&r);
	api_db_exec("UPDATE events SET starts_at = $2 WHERE id = $1", past, "2021-03-01T10:00:00Z");
	char body[256];
	snprintf(
		body, sizeof(body),
		"{\"title\":\"Ma proposition\",\"starts_at\":\"%s\",\"audience\":{\"school\":true}}",
		ev_at(9, 0));
	r = ev_post(m.access_token, body);
	ck_assert_int_eq(r->status, 201);
	char *proposal = strdup(th_str(r, "id"));
	th_resp_free(&r);

	r = th_request("GET", "/api/v1/users/me/export", m.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	json_t *regs = json_object_get(r->json, "event_registrations");
	ck_assert_int_eq(json_array_size(regs), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(regs, 0), "event_id")),
			 past); /* by start time */
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(regs, 0), "children")),
			 2);
	json_t *organised = json_object_get(r->json, "events_organised");
	ck_assert_int_eq(json_array_size(organised), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(organised, 0), "status")),
			 "proposed");
	th_resp_free(&r);

	int64_t told = ev_notified(ev.pb.id, "waitlist_promoted");
	r = th_json("DELETE", "/api/v1/users/me", m.access_token, "{s:s}", "password", m.password);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	/* The future seats went to the family waiting, who is told by the job. */
	ck_assert_int_eq(ev_count(future, "confirmed"), 1);
	ck_assert_int_eq(ev_count(future, "waiting"), 0);
	ck_assert_int_eq(ev_seats(future), 1);
	ck_assert_int_eq(wait_notified(ev.pb.id, "waitlist_promoted", told), told + 1);
	/* The past one stays as counts, without the member; the proposal is gone. */
	ck_assert_int_eq(
		api_db_count("SELECT COUNT(*) FROM event_registrations WHERE event_id = $1 "
			     "AND user_id IS NULL AND adults = 1 AND children = 2",
			     past, NULL),
		1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM event_registrations WHERE user_id = $1",
				      m.id, NULL),
			 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM events WHERE id = $1", proposal, NULL),
			 0);
	r = ev_call("GET", ev.admin.access_token, past, "/registrations", NULL);
	ck_assert(json_is_null(
		json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "member")));
	th_resp_free(&r);
	free(future);
	free(past);
	free(proposal);
	th_member_free(&m);
}
END_TEST

START_TEST(the_reminder_comes_a_day_before)
{
	time_t starts = time(NULL) + 10 * 86400;
	starts -= starts % 60;
	/* The notification clock 3 seconds before the reminder is due. */
	nt_clock(starts - 86400 - 3);
	char at[32], body[256];
	struct tm tm;
	gmtime_r(&starts, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(body, sizeof(body),
		 "{\"title\":\"Rappel\",\"starts_at\":\"%s\",\"audience\":{\"school\":true},"
		 "\"signup\":\"family\"}",
		 at);
	struct th_resp *r = ev_post(ev.admin.access_token, body);
	ck_assert_int_eq(r->status, 201);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	int64_t a = ev_notified(ev.pa.id, "event_reminder"),
		b = ev_notified(ev.pb.id, "event_reminder");
	r = ev_register(ev.pa.access_token, id, 1, 0);
	ck_assert_int_eq(r->status, 201);
	th_resp_free(&r);
	ck_assert_int_eq(wait_notified(ev.pa.id, "event_reminder", a), a + 1);
	ck_assert_int_eq(ev_notified(ev.pb.id, "event_reminder"), b); /* not registered */
	nt_clock_reset();
	free(id);
}
END_TEST

Suite *api_events_gdpr_suite(void)
{
	Suite *s = suite_create("events gdpr");
	TCase *tc = tcase_create("gdpr and reminders");
	tcase_add_unchecked_fixture(tc, ev_school_start, ev_school_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, export_and_erasure);
	tcase_add_test(tc, the_reminder_comes_a_day_before);
	suite_add_tcase(s, tc);
	return s;
}
