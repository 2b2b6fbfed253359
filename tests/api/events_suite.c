/*
 * Events: who may create what for whom (admins anyone, teachers their classes, parents a
 * proposal), what a body must be, who sees an event (everyone else gets 404), the agenda's
 * filters and pages, changes (the iCal sequence), publishing and cancelling. Sign-ups are
 * in events_registrations_suite.c, the races in events_race_suite.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events_support.h"

#define RANDOM_UUID "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69"

Suite *api_events_suite(void);

START_TEST(every_route_needs_a_token)
{
	static const struct api_call calls[] = {
		{"POST", "/api/v1/events", "{}"},
		{"GET", "/api/v1/events", NULL},
		{"GET", "/api/v1/events/" RANDOM_UUID, NULL},
		{"PATCH", "/api/v1/events/" RANDOM_UUID, "{}"},
		{"POST", "/api/v1/events/" RANDOM_UUID "/publish", NULL},
		{"POST", "/api/v1/events/" RANDOM_UUID "/cancel", "{}"},
		{"POST", "/api/v1/events/" RANDOM_UUID "/registrations", "{}"},
		{"GET", "/api/v1/events/" RANDOM_UUID "/registrations", NULL},
		{"PATCH", "/api/v1/events/" RANDOM_UUID "/registrations/me", "{}"},
		{"DELETE", "/api/v1/events/" RANDOM_UUID "/registrations/me", NULL},
	};
	api_assert_all_unauthorized(calls, sizeof(calls) / sizeof(calls[0]));
}
END_TEST

START_TEST(admin_creates_a_school_event)
{
	char body[512];
	snprintf(body, sizeof(body),
		 "{\"title\":\"  Fête de l'école \",\"description\":\"Jeux.\\r\\nRepas.\","
		 "\"location\":\"Cour\",\"starts_at\":\"%.10sT14:00:00+01:00\","
		 "\"ends_at\":\"%.10sT18:00:00+01:00\",\"audience\":{\"school\":true},"
		 "\"capacity\":120,\"signup\":\"family\"}",
		 ev_at(30, 0), ev_at(30, 0));
	int64_t before = ev_notified(ev.pb.id, "event_published");
	struct th_resp *r = ev_post(ev.admin.access_token, body);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	const char *id = th_str(r, "id");
	char location[128], starts[32];
	snprintf(location, sizeof(location), "/api/v1/events/%s", id);
	ck_assert_str_eq(th_header(r, "Location"), location);
	ck_assert_str_eq(th_str(r, "title"), "Fête de l'école");
	ck_assert_str_eq(th_str(r, "description"), "Jeux.\nRepas.");
	ck_assert_str_eq(th_str(r, "status"), "published");
	/* Stored in UTC: 14:00 in Brussels in winter is 13:00Z. */
	snprintf(starts, sizeof(starts), "%.10sT13:00:00Z", ev_at(30, 0));
	ck_assert_str_eq(th_str(r, "starts_at"), starts);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "sequence")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "capacity")), 120);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "seats_taken")), 0);
	ck_assert(json_is_true(json_object_get(json_object_get(r->json, "audience"), "school")));
	ck_assert(json_is_null(json_object_get(r->json, "registration")));
	ck_assert(json_is_true(json_object_get(r->json, "can_manage")));
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(r->json, "organiser"), "id")),
		ev.admin.id);
	/* Told to the school (a family without a child in any class included), and the
	 * reminder is queued for 24 hours before. */
	ck_assert_int_eq(ev_notified(ev.pb.id, "event_published"), before + 1);
	ck_assert_int_eq(ev_notified(ev.admin.id, "event_published"), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM jobs WHERE kind = 'events.reminder' "
				      "AND payload LIKE '%' || $1 || '%'",
				      id, NULL),
			 1);
	th_resp_free(&r);
}
END_TEST

START_TEST(teachers_address_only_their_classes)
{
	int64_t before = api_db_count("SELECT COUNT(*) FROM events WHERE organiser_id = $1",
				      ev.teacher.id, NULL);
	char *id = ev_create(ev.teacher.access_token, "Sortie P3", "{\"classes\":[\"P3\"]}", "");
	struct th_resp *r = ev_call("GET", ev.teacher.access_token, id, "", NULL);
	ck_assert_str_eq(th_str(r, "status"), "published");
	json_t *classes = json_object_get(json_object_get(r->json, "audience"), "classes");
	ck_assert_str_eq(json_string_value(json_array_get(classes, 0)), "P3");
	th_resp_free(&r);
	char body[256];
	const char *audiences[] = {"{\"classes\":[\"P3\",\"P5\"]}", "{\"school\":true}"};
	for (int i = 0; i < 2; i++) {
		snprintf(body, sizeof(body),
			 "{\"title\":\"Non\",\"starts_at\":\"%s\",\"audience\":%s}", ev_at(3, 0),
			 audiences[i]);
		r = ev_post(ev.teacher.access_token, body);
		ck_assert_problem(r, 403, "audience_not_allowed");
		/* The code is shared with announcements: its title speaks of neither. */
		ck_assert_str_eq(th_str(r, "title"),
				 "Vous ne pouvez vous adresser qu'aux classes dont vous avez la charge");
		th_resp_free(&r);
	}
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM events WHERE organiser_id = $1",
				      ev.teacher.id, NULL),
			 before + 1);
	free(id);
}
END_TEST

START_TEST(bad_bodies_are_422_and_write_nothing)
{
	static const struct {
		const char *body, *field, *code;
	} cases[] = {
		{"{\"starts_at\":\"2030-05-01T10:00:00Z\",\"audience\":{\"school\":true}}", "title",
		 "required"},
		{"{\"title\":\"x\",\"audience\":{\"school\":true}}", "starts_at", "required"},
		{"{\"title\":\"x\",\"starts_at\":\"2030-05-01T10:00:00Z\"}", "audience",
		 "required"},
		{"{\"title\":\"x\",\"starts_at\":\"2030-05-01T10:00:00\",\"audience\":{\"school\":true}}",
		 "starts_at", "invalid_time"},
		{"{\"title\":\"x\",\"starts_at\":\"2030-02-30T10:00:00Z\",\"audience\":{\"school\":true}}",
		 "starts_at", "invalid_time"},
		{"{\"title\":\"x\",\"starts_at\":\"1999-05-01T10:00:00Z\",\"audience\":{\"school\":true}}",
		 "starts_at", "out_of_range"},
		{"{\"title\":\"x\",\"starts_at\":\"2030-05-01T10:00:00+02:00\",\"ends_at\":"
		 "\"2030-05-01T09:00:00+02:00\",\"audience\":{\"school\":true}}",
		 "ends_at", "before_start"},
		{"{\"title\":\"x\",\"starts_at\":\"2030-05-01T10:00:00Z\",\"ends_at\":"
		 "\"2032-05-01T09:00:00Z\",\"audience\":{\"school\":true}}",
		 "ends_at", "out_of_range"},
		{"{\"title\":\"x\",\"starts_at\":\"2030-05-01T10:00:00Z\",\"signup_deadline\":"
		 "\"2030-05-02T10:00:00Z\",\"audience\":{\"school\":true}}",
		 "signup_deadline", "after_start"},
		{"{\"title\":\"x\",\"starts_at\":\"2030-05-01T10:00:00Z\",\"capacity\":0,"
		 "\"audience\":{\"school\":true}}",
		 "capacity", "out_of_range"},
		{"{\"title\":\"x\",\"starts_at\":\"2030-05-01T10:00:00Z\",\"capacity\":\"10\","
		 "\"audience\":{\"school\":true}}",
		 "capacity", "invalid_type"},
		{"{\"title\":\"x\",\"starts_at\":\"2030-05-01T10:00:00Z\",\"signup\":\"all\","
		 "\"audience\":{\"school\":true}}",
		 "signup", "invalid_value"},
		{"{\"title\":\"x\",\"starts_at\":\"2030-05-01T10:00:00Z\",\"audience\":"
		 "{\"classes\":[\"P7\"]}}",
		 "audience.classes[0]", "invalid_class"},
		{"{\"title\":\"x\",\"starts_at\":\"2030-05-01T10:00:00Z\",\"audience\":"
		 "{\"school\":true,\"classes\":[\"P3\"]}}",
		 "audience", "invalid_audience"},
		{"{\"title\":\"a\\u0007b\",\"starts_at\":\"2030-05-01T10:00:00Z\",\"audience\":"
		 "{\"school\":true}}",
		 "title", "invalid_text"},
		{"{\"title\":\"x\",\"starts_at\":\"2030-05-01T10:00:00Z\",\"audience\":"
		 "{\"school\":true},\"colour\":\"red\"}",
		 "colour", "unknown_field"},
	};
	int64_t before = api_db_count("SELECT COUNT(*) FROM events WHERE organiser_id = $1",
				      ev.admin.id, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct th_resp *r = ev_post(ev.admin.access_token, cases[i].body);
		assert_field_error(r, cases[i].field, cases[i].code);
		th_resp_free(&r);
	}
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM events WHERE organiser_id = $1",
				      ev.admin.id, NULL),
			 before);
}
END_TEST

/* Whether GET /api/v1/events<query> for "token" lists "id". */
static bool listed(const char *token, const char *query, const char *id)
{
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/events%s", query);
	struct th_resp *r = th_request("GET", path, token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	json_t *items = json_object_get(r->json, "items");
	bool found = false;
	for (size_t i = 0; i < json_array_size(items); i++)
		found |= strcmp(json_string_value(json_object_get(json_array_get(items, i), "id")),
				id) == 0;
	th_resp_free(&r);
	return found;
}

static long status_of(const char *method, const char *token, const char *id, const char *suffix)
{
	struct th_resp *r = ev_call(method, token, id, suffix, NULL);
	long status = r->status;
	th_resp_free(&r);
	return status;
}

START_TEST(only_the_audience_sees_a_class_event)
{
	char *id = ev_create(ev.admin.access_token, "Piscine P3", "{\"classes\":[\"P3\"]}", "");
	/* The family of a P3 child, P3's teacher and admins see it; the others get 404. */
	ck_assert_int_eq(status_of("GET", ev.pa.access_token, id, ""), 200);
	ck_assert_int_eq(status_of("GET", ev.teacher.access_token, id, ""), 200);
	ck_assert_int_eq(status_of("GET", ev.pb.access_token, id, ""), 404);
	ck_assert_int_eq(status_of("GET", ev.outsider.access_token, id, ""), 404);
	ck_assert_int_eq(status_of("GET", ev.pb.access_token, RANDOM_UUID, ""), 404);
	ck_assert_int_eq(status_of("GET", ev.pb.access_token, "not-a-uuid", ""), 404);
	ck_assert(listed(ev.pa.access_token, "?limit=100", id));
	ck_assert(listed(ev.teacher.access_token, "?limit=100", id));
	ck_assert(!listed(ev.pb.access_token, "?limit=100", id));
	ck_assert(!listed(ev.outsider.access_token, "?limit=100", id));
	/* Nor may they sign up, change or cancel it: it does not exist for them. */
	struct th_resp *r = ev_register(ev.pb.access_token, id, 1, 0);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = ev_call("POST", ev.pb.access_token, id, "/cancel", "{\"reason\":\"non\"}");
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	free(id);
}
END_TEST

START_TEST(agenda_filters_and_pages)
{
	char *ids[3];
	const char *audiences[3] = {"{\"classes\":[\"P5\"]}", "{\"classes\":[\"P5\",\"P6\"]}",
				    "{\"school\":true}"};
	for (int i = 0; i < 3; i++) {
		char body[320];
		snprintf(body, sizeof(body),
			 "{\"title\":\"Agenda %d\",\"starts_at\":\"%s\",\"audience\":%s}", i,
			 ev_at(400 + i, 0), audiences[i]);
		struct th_resp *r = ev_post(ev.admin.access_token, body);
		ck_assert_int_eq(r->status, 201);
		ids[i] = strdup(th_str(r, "id"));
		th_resp_free(&r);
	}
	char query[200];
	/* from/to select the window, by start time. */
	snprintf(query, sizeof(query), "?from=%s&to=%s&limit=100", ev_at(399, 0), ev_at(403, 0));
	char path[300];
	snprintf(path, sizeof(path), "/api/v1/events%s", query);
	struct th_resp *r = th_request("GET", path, ev.pb.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_int_eq(json_array_size(items), 3);
	for (int i = 0; i < 3; i++)
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, i), "id")),
				 ids[i]);
	th_resp_free(&r);
	/* class=P6: the events addressed to P6 only. */
	snprintf(query, sizeof(query), "?from=%s&class=P6", ev_at(399, 0));
	ck_assert(listed(ev.admin.access_token, query, ids[1]));
	ck_assert(!listed(ev.admin.access_token, query, ids[0]));
	ck_assert(!listed(ev.admin.access_token, query, ids[2]));
	/* Pages of one, in start order, with the cursor. */
	snprintf(path, sizeof(path), "/api/v1/events?from=%s&limit=1", ev_at(399, 0));
	char *cursor = NULL;
	for (int i = 0; i < 3; i++) {
		char page[600];
		snprintf(page, sizeof(page), "%s%s%s", path, cursor ? "&cursor=" : "",
			 cursor ? cursor : "");
		r = th_request("GET", page, ev.pb.access_token, NULL, NULL, NULL);
		ck_assert_int_eq(r->status, 200);
		items = json_object_get(r->json, "items");
		ck_assert_int_eq(json_array_size(items), 1);
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "id")),
				 ids[i]);
		free(cursor);
		json_t *next = json_object_get(r->json, "next_cursor");
		cursor = json_is_string(next) ? strdup(json_string_value(next)) : NULL;
		th_resp_free(&r);
	}
	ck_assert_ptr_null(cursor);
	static const char *const bad[][2] = {
		{"?class=P9", "class"},	   {"?from=tomorrow", "from"},	{"?to=2030-01-01", "to"},
		{"?cursor=abc", "cursor"}, {"?status=draft", "status"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "/api/v1/events%s", bad[i][0]);
		r = th_request("GET", path, ev.pb.access_token, NULL, NULL, NULL);
		ck_assert_int_eq(r->status, 422);
		ck_assert_str_eq(api_err_field(r, 0), bad[i][1]);
		th_resp_free(&r);
	}
	for (int i = 0; i < 3; i++)
		free(ids[i]);
}
END_TEST

START_TEST(parents_propose_and_admins_publish)
{
	char body[256];
	snprintf(
		body, sizeof(body),
		"{\"title\":\"Vente de gâteaux\",\"starts_at\":\"%s\",\"audience\":{\"school\":true}}",
		ev_at(20, 0));
	int64_t told = ev_notified(ev.pb.id, "event_published");
	struct th_resp *r = ev_post(ev.pa.access_token, body);
	ck_assert_int_eq(r->status, 201);
	ck_assert_str_eq(th_str(r, "status"), "proposed");
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	ck_assert_int_eq(ev_notified(ev.pb.id, "event_published"), told);
	/* A proposal: its author and admins, nobody else; not in the agenda. */
	ck_assert_int_eq(status_of("GET", ev.pa.access_token, id, ""), 200);
	ck_assert_int_eq(status_of("GET", ev.admin.access_token, id, ""), 200);
	ck_assert_int_eq(status_of("GET", ev.pb.access_token, id, ""), 404);
	ck_assert_int_eq(status_of("GET", ev.teacher.access_token, id, ""), 404);
	ck_assert(listed(ev.pa.access_token, "?status=proposed&limit=100", id));
	ck_assert(listed(ev.admin.access_token, "?status=proposed&limit=100", id));
	ck_assert(!listed(ev.pb.access_token, "?status=proposed&limit=100", id));
	ck_assert(!listed(ev.admin.access_token, "?limit=100", id));
	r = ev_register(ev.pa.access_token, id, 1, 0);
	ck_assert_problem(r, 409, "signup_not_open");
	th_resp_free(&r);
	/* Only admins publish. */
	r = ev_call("POST", ev.pa.access_token, id, "/publish", NULL);
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	r = ev_call("POST", ev.admin.access_token, id, "/publish", NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "status"), "published");
	th_resp_free(&r);
	ck_assert_int_eq(ev_notified(ev.pb.id, "event_published"), told + 1);
	ck_assert_int_eq(status_of("GET", ev.pb.access_token, id, ""), 200);
	r = ev_call("POST", ev.admin.access_token, id, "/publish", NULL);
	ck_assert_problem(r, 409, "not_proposed");
	th_resp_free(&r);
	ck_assert_int_eq(status_of("POST", ev.admin.access_token, RANDOM_UUID, "/publish"), 404);
	free(id);
}
END_TEST

START_TEST(changes_bump_the_sequence_on_a_new_time)
{
	char *id = ev_create(ev.teacher.access_token, "Réunion P3", "{\"classes\":[\"P3\"]}",
			     ",\"capacity\":2");
	struct th_resp *r = ev_call("PATCH", ev.teacher.access_token, id, "",
				    "{\"title\":\"Réunion des parents\",\"location\":\"Salle 2\"}");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "title"), "Réunion des parents");
	ck_assert_str_eq(th_str(r, "location"), "Salle 2");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "sequence")), 0);
	th_resp_free(&r);
	char body[128];
	snprintf(body, sizeof(body), "{\"starts_at\":\"%s\"}", ev_at(8, 0));
	r = ev_call("PATCH", ev.teacher.access_token, id, "", body);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "sequence")), 1);
	th_resp_free(&r);
	/* Merged with what is stored: an end before the stored start is refused. */
	snprintf(body, sizeof(body), "{\"ends_at\":\"%s\"}", ev_at(7, 0));
	r = ev_call("PATCH", ev.teacher.access_token, id, "", body);
	assert_field_error(r, "ends_at", "before_start");
	th_resp_free(&r);
	r = ev_call("PATCH", ev.teacher.access_token, id, "", "{\"capacity\":-3}");
	assert_field_error(r, "capacity", "out_of_range");
	th_resp_free(&r);
	/* A member of the audience who is not the organiser: 403; someone else: 404. */
	r = ev_call("PATCH", ev.pa.access_token, id, "", "{\"title\":\"Non\"}");
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	r = ev_call("PATCH", ev.pb.access_token, id, "", "{\"title\":\"Non\"}");
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = ev_call("PATCH", ev.teacher.access_token, id, "", "{\"audience\":{\"school\":true}}");
	ck_assert_problem(r, 403, "audience_not_allowed");
	th_resp_free(&r);
	/* Two seats taken: the capacity cannot go below them. */
	r = ev_register(ev.pa.access_token, id, 1, 1);
	ck_assert_int_eq(r->status, 201);
	th_resp_free(&r);
	r = ev_call("PATCH", ev.admin.access_token, id, "", "{\"capacity\":1}");
	ck_assert_problem(r, 409, "capacity_below_taken");
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT capacity FROM events WHERE id = $1", id, NULL), 2);
	ck_assert_int_eq(api_db_count("SELECT sequence FROM events WHERE id = $1", id, NULL), 1);
	free(id);
}
END_TEST

START_TEST(cancelling_tells_the_registered)
{
	char *id = ev_create(ev.admin.access_token, "Spectacle", "{\"school\":true}",
			     ",\"capacity\":1");
	struct th_resp *r = ev_register(ev.pa.access_token, id, 1, 0);
	ck_assert_int_eq(r->status, 201);
	th_resp_free(&r);
	r = ev_register(ev.pb.access_token, id, 1, 0);
	ck_assert_str_eq(th_str(r, "status"), "waiting");
	th_resp_free(&r);
	int64_t a = ev_notified(ev.pa.id, "event_cancelled"),
		b = ev_notified(ev.pb.id, "event_cancelled"),
		o = ev_notified(ev.outsider.id, "event_cancelled");
	r = ev_call("POST", ev.admin.access_token, id, "/cancel", "{}");
	assert_field_error(r, "reason", "required");
	th_resp_free(&r);
	r = ev_call("POST", ev.admin.access_token, id, "/cancel", "{\"reason\":\"\"}");
	assert_field_error(r, "reason", "required");
	th_resp_free(&r);
	r = ev_call("POST", ev.pa.access_token, id, "/cancel", "{\"reason\":\"Pluie\"}");
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	r = ev_call("POST", ev.admin.access_token, id, "/cancel", "{\"reason\":\"Pluie\"}");
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "status"), "cancelled");
	ck_assert_str_eq(th_str(r, "cancel_reason"), "Pluie");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "sequence")), 1);
	th_resp_free(&r);
	ck_assert_int_eq(ev_notified(ev.pa.id, "event_cancelled"), a + 1);
	ck_assert_int_eq(ev_notified(ev.pb.id, "event_cancelled"), b + 1);
	ck_assert_int_eq(ev_notified(ev.outsider.id, "event_cancelled"), o);
	/* Still in the agenda, marked cancelled; nothing changes any more. */
	ck_assert(listed(ev.outsider.access_token, "?limit=100", id));
	r = ev_call("POST", ev.admin.access_token, id, "/cancel", "{\"reason\":\"Encore\"}");
	ck_assert_problem(r, 409, "event_cancelled");
	th_resp_free(&r);
	r = ev_call("PATCH", ev.admin.access_token, id, "", "{\"title\":\"Non\"}");
	ck_assert_problem(r, 409, "event_cancelled");
	th_resp_free(&r);
	r = ev_register(ev.outsider.access_token, id, 1, 0);
	ck_assert_problem(r, 409, "event_cancelled");
	th_resp_free(&r);
	r = ev_call("DELETE", ev.pa.access_token, id, "/registrations/me", NULL);
	ck_assert_problem(r, 409, "event_cancelled");
	th_resp_free(&r);
	free(id);
}
END_TEST

Suite *api_events_suite(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("events");
	tcase_add_unchecked_fixture(tc, ev_school_start, ev_school_stop);
	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, every_route_needs_a_token);
	tcase_add_test(tc, admin_creates_a_school_event);
	tcase_add_test(tc, teachers_address_only_their_classes);
	tcase_add_test(tc, bad_bodies_are_422_and_write_nothing);
	tcase_add_test(tc, only_the_audience_sees_a_class_event);
	tcase_add_test(tc, agenda_filters_and_pages);
	tcase_add_test(tc, parents_propose_and_admins_publish);
	tcase_add_test(tc, changes_bump_the_sequence_on_a_new_time);
	tcase_add_test(tc, cancelling_tells_the_registered);
	events_registrations_tests(tc);
	events_race_tests(tc);
	events_gdpr_tests(tc);
	suite_add_tcase(s, tc);
	return s;
}
