/*
 * Event sign-ups: confirmed while all of a family's people fit, else waiting with a
 * position; one registration per member; the deadline, the start and cancellation; the
 * waiting list promoted in arrival order, each only if it fits whole, when seats free up
 * (a withdrawal, a smaller party, a larger capacity); the organiser's list as JSON and CSV.
 * The concurrent cases are in events_race_suite.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events_support.h"

Suite *api_events_registrations_suite(void);

static void expect_registration(struct th_resp *r, long status, const char *state, long position)
{
	ck_assert_msg(r->status == status, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "status"), state);
	json_t *p = json_object_get(r->json, "position");
	if (position == 0)
		ck_assert(json_is_null(p));
	else
		ck_assert_int_eq(json_integer_value(p), position);
}

START_TEST(seats_confirm_then_wait_in_order)
{
	char *id =
		ev_create(ev.admin.access_token, "Théâtre", "{\"school\":true}", ",\"capacity\":4");
	struct th_resp *r = ev_register(ev.pa.access_token, id, 2, 1);
	expect_registration(r, 201, "confirmed", 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "adults")), 2);
	th_resp_free(&r);
	/* Two people do not fit in the one seat left: the whole family waits. */
	r = ev_register(ev.pb.access_token, id, 1, 1);
	expect_registration(r, 201, "waiting", 1);
	th_resp_free(&r);
	r = ev_register(ev.outsider.access_token, id, 1, 0);
	expect_registration(r, 201, "confirmed", 0); /* one fits */
	th_resp_free(&r);
	r = ev_register(ev.teacher.access_token, id, 1, 0);
	expect_registration(r, 201, "waiting", 2);
	th_resp_free(&r);
	ck_assert_int_eq(ev_seats(id), 4);
	r = ev_call("GET", ev.pb.access_token, id, "", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "seats_taken")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "waiting")), 2);
	json_t *mine = json_object_get(r->json, "registration");
	ck_assert_str_eq(json_string_value(json_object_get(mine, "status")), "waiting");
	ck_assert_int_eq(json_integer_value(json_object_get(mine, "position")), 1);
	th_resp_free(&r);
	/* One registration per member. */
	r = ev_register(ev.pa.access_token, id, 1, 0);
	ck_assert_problem(r, 409, "already_registered");
	th_resp_free(&r);
	ck_assert_int_eq(ev_seats(id), 4);
	free(id);
}
END_TEST

START_TEST(bad_parties_are_422)
{
	char *id = ev_create(ev.admin.access_token, "Party", "{\"school\":true}", "");
	static const struct {
		const char *body, *field, *code;
	} cases[] = {
		{"{\"adults\":0,\"children\":0}", "adults", "party_size"},
		{"{\"adults\":0,\"children\":0}", "children", "party_size"},
		{"{\"adults\":15,\"children\":6}", "adults", "party_size"},
		{"{\"adults\":-1,\"children\":2}", "adults", "out_of_range"},
		{"{\"adults\":1,\"children\":21}", "children", "out_of_range"},
		{"{\"adults\":\"2\",\"children\":0}", "adults", "invalid_type"},
		{"{\"children\":1}", "adults", "required"},
		{"{\"adults\":1,\"children\":0,\"pets\":1}", "pets", "unknown_field"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct th_resp *r =
			ev_call("POST", ev.pa.access_token, id, "/registrations", cases[i].body);
		assert_field_error(r, cases[i].field, cases[i].code);
		th_resp_free(&r);
	}
	ck_assert_int_eq(ev_count(id, "confirmed") + ev_count(id, "waiting"), 0);
	free(id);
}
END_TEST

START_TEST(sign_up_rules_deadline_start_and_kind)
{
	char extra[160];
	snprintf(extra, sizeof(extra), ",\"signup_deadline\":\"%s\"", ev_at(-1, 0));
	char *closed = ev_create(ev.admin.access_token, "Clos", "{\"school\":true}", extra);
	struct th_resp *r = ev_register(ev.pa.access_token, closed, 1, 0);
	ck_assert_problem(r, 409, "signup_closed");
	th_resp_free(&r);
	/* No sign-up on an event that takes none. */
	char body[256];
	snprintf(body, sizeof(body),
		 "{\"title\":\"Info\",\"starts_at\":\"%s\",\"audience\":{\"school\":true}}",
		 ev_at(5, 0));
	r = ev_post(ev.admin.access_token, body);
	ck_assert_str_eq(th_str(r, "signup"), "none");
	char *none = strdup(th_str(r, "id"));
	th_resp_free(&r);
	r = ev_register(ev.pa.access_token, none, 1, 0);
	ck_assert_problem(r, 409, "signup_not_open");
	th_resp_free(&r);
	/* Once it started: no sign-up, no change, no withdrawal. */
	char *started = ev_create(ev.admin.access_token, "Commencé", "{\"school\":true}", "");
	r = ev_register(ev.pa.access_token, started, 1, 0);
	ck_assert_int_eq(r->status, 201);
	th_resp_free(&r);
	api_db_exec("UPDATE events SET starts_at = $2 WHERE id = $1", started,
		    "2020-01-01T10:00:00Z");
	r = ev_register(ev.pb.access_token, started, 1, 0);
	ck_assert_problem(r, 409, "signup_closed");
	th_resp_free(&r);
	r = ev_call("PATCH", ev.pa.access_token, started, "/registrations/me",
		    "{\"adults\":2,\"children\":0}");
	ck_assert_problem(r, 409, "signup_closed");
	th_resp_free(&r);
	r = ev_call("DELETE", ev.pa.access_token, started, "/registrations/me", NULL);
	ck_assert_problem(r, 409, "signup_closed");
	th_resp_free(&r);
	ck_assert_int_eq(ev_count(started, "confirmed"), 1);
	free(closed);
	free(none);
	free(started);
}
END_TEST

START_TEST(freed_seats_promote_in_order_each_only_whole)
{
	char *id = ev_create(ev.admin.access_token, "Excursion", "{\"school\":true}",
			     ",\"capacity\":4");
	struct th_resp *r = ev_register(ev.admin.access_token, id, 4, 0);
	expect_registration(r, 201, "confirmed", 0);
	th_resp_free(&r);
	r = ev_register(ev.pa.access_token, id, 1, 2); /* 3: waits first */
	expect_registration(r, 201, "waiting", 1);
	th_resp_free(&r);
	r = ev_register(ev.pb.access_token, id, 1, 0); /* 1: waits second */
	expect_registration(r, 201, "waiting", 2);
	th_resp_free(&r);
	r = ev_register(ev.outsider.access_token, id, 2, 0); /* 2: waits third */
	expect_registration(r, 201, "waiting", 3);
	th_resp_free(&r);
	int64_t told_a = ev_notified(ev.pa.id, "waitlist_promoted"),
		told_b = ev_notified(ev.pb.id, "waitlist_promoted");
	/* Two seats free: the family of three does not fit, the single one behind it does,
	 * the pair after that no longer. */
	r = ev_call("PATCH", ev.admin.access_token, id, "/registrations/me",
		    "{\"adults\":2,\"children\":0}");
	expect_registration(r, 200, "confirmed", 0);
	th_resp_free(&r);
	ck_assert_int_eq(ev_seats(id), 3);
	ck_assert_int_eq(ev_notified(ev.pb.id, "waitlist_promoted"), told_b + 1);
	ck_assert_int_eq(ev_notified(ev.pa.id, "waitlist_promoted"), told_a);
	r = ev_call("GET", ev.outsider.access_token, id, "", NULL);
	json_t *mine = json_object_get(r->json, "registration");
	ck_assert_int_eq(json_integer_value(json_object_get(mine, "position")), 2);
	th_resp_free(&r);
	/* A confirmed family cannot grow past the free seats: it stays as it was. */
	r = ev_call("PATCH", ev.pb.access_token, id, "/registrations/me",
		    "{\"adults\":1,\"children\":2}");
	ck_assert_problem(r, 409, "seats_unavailable");
	th_resp_free(&r);
	ck_assert_int_eq(ev_seats(id), 3);
	/* The organiser withdraws: 2 seats free, 3 in all; the family of three comes first. */
	r = ev_call("DELETE", ev.admin.access_token, id, "/registrations/me", NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(ev_seats(id), 4);
	ck_assert_int_eq(ev_notified(ev.pa.id, "waitlist_promoted"), told_a + 1);
	ck_assert_int_eq(ev_count(id, "waiting"), 1);
	r = ev_call("DELETE", ev.admin.access_token, id, "/registrations/me", NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = ev_call("PATCH", ev.admin.access_token, id, "/registrations/me",
		    "{\"adults\":1,\"children\":0}");
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	/* A larger capacity lets the last one in. */
	r = ev_call("PATCH", ev.admin.access_token, id, "", "{\"capacity\":6}");
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "waiting")), 0);
	th_resp_free(&r);
	ck_assert_int_eq(ev_seats(id), 6);
	free(id);
}
END_TEST

START_TEST(organisers_read_the_list_as_json_and_csv)
{
	char *id = ev_create(ev.teacher.access_token, "Conférence", "{\"classes\":[\"P3\"]}",
			     ",\"capacity\":2");
	api_db_exec("UPDATE users SET first_name = $2 WHERE id = $1", ev.pa.id,
		    "=HYPERLINK(\"x\")");
	struct th_resp *r = ev_register(ev.pa.access_token, id, 2, 0);
	ck_assert_int_eq(r->status, 201);
	th_resp_free(&r);
	r = ev_register(ev.admin.access_token, id, 1, 0);
	ck_assert_int_eq(r->status, 201);
	th_resp_free(&r);
	r = ev_call("GET", ev.teacher.access_token, id, "/registrations", NULL);
	ck_assert_int_eq(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_int_eq(json_array_size(items), 2);
	json_t *first = json_array_get(items, 0);
	ck_assert_str_eq(json_string_value(json_object_get(first, "status")), "confirmed");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(first, "member"), "id")),
			 ev.pa.id);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(items, 1), "position")),
			 1);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "seats_taken")), 2);
	th_resp_free(&r);
	static const char *const csv[] = {"Accept: text/csv", NULL};
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/events/%s/registrations", id);
	r = th_request("GET", path, ev.admin.access_token, NULL, NULL, csv);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_header(r, "Content-Type"), "text/csv; charset=utf-8");
	ck_assert(strncmp(r->body, "\xEF\xBB\xBFlast_name;first_name;email;", 23) == 0);
	/* The formula is quoted and defused; the waiting line has its position. */
	ck_assert_ptr_nonnull(strstr(r->body, ";\"'=HYPERLINK(\"\"x\"\")\";"));
	ck_assert_ptr_nonnull(strstr(r->body, ";1;0;\"waiting\";1;\""));
	th_resp_free(&r);
	/* In the audience but not organising: 403; outside it: 404. */
	r = ev_call("GET", ev.pa.access_token, id, "/registrations", NULL);
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	r = ev_call("GET", ev.pb.access_token, id, "/registrations", NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	api_db_exec("UPDATE users SET first_name = $2 WHERE id = $1", ev.pa.id, "evparenta");
	free(id);
}
END_TEST

Suite *api_events_registrations_suite(void)
{
	Suite *s = suite_create("events registrations");
	TCase *tc = tcase_create("registrations");
	tcase_add_unchecked_fixture(tc, ev_school_start, ev_school_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, seats_confirm_then_wait_in_order);
	tcase_add_test(tc, bad_parties_are_422);
	tcase_add_test(tc, sign_up_rules_deadline_start_and_kind);
	tcase_add_test(tc, freed_seats_promote_in_order_each_only_whole);
	tcase_add_test(tc, organisers_read_the_list_as_json_and_csv);
	suite_add_tcase(s, tc);
	return s;
}
