/*
 * The realtime channel's event log and the GDPR erasure: DELETE /api/v1/users/me deletes
 * the member's member_events rows in the erasure's transaction, and no one else's.
 */
#include <check.h>

#include "api.h"
#include "schoolhub/events.h"
#include "sel_support.h"

static void add_events(const char *user_id, int n)
{
	struct sh_conn *conn = sel_db();
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_WRITE), SH_DB_OK);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(sh_event_add(conn, user_id, "message.created", "{\"n\":1}", NULL),
				 SH_DB_OK);
	ck_assert_int_eq(sh_conn_commit(conn), SH_DB_OK);
}

static int64_t events_of(const char *user_id)
{
	return sel_db_int("SELECT COUNT(*) FROM member_events WHERE user_id = $1", user_id, NULL);
}

START_TEST(erasure_deletes_the_members_events)
{
	struct th_member leaver, stayer;
	th_member_register(&leaver, "eventsleaver");
	th_member_register(&stayer, "eventsstayer");
	add_events(leaver.id, 2);
	add_events(stayer.id, 1);
	ck_assert_int_eq(events_of(leaver.id), 2);

	/* A wrong password erases nothing. */
	struct th_resp *r = th_json("DELETE", "/api/v1/users/me", leaver.access_token, "{s:s}",
				    "password", "not the password");
	ck_assert_int_ne(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(events_of(leaver.id), 2);

	r = th_json("DELETE", "/api/v1/users/me", leaver.access_token, "{s:s}", "password",
		    leaver.password);
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	ck_assert_int_eq(events_of(leaver.id), 0);
	ck_assert_int_eq(events_of(stayer.id), 1);
	th_member_free(&leaver);
	th_member_free(&stayer);
}
END_TEST

Suite *api_member_events_suite(void)
{
	Suite *s = suite_create("member_events");
	TCase *tc = tcase_create("gdpr");
	tcase_add_unchecked_fixture(tc, sel_suite_start, sel_suite_stop); /* sel_db() */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, erasure_deletes_the_members_events);
	suite_add_tcase(s, tc);
	return s;
}
