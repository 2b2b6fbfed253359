/*
 * Announcements, publishing and reading: who may publish to which audience, what the
 * body must be, who an announcement is addressed to (everyone else gets 404), the list's
 * pages and the authors' rate limit. Acknowledgements and the tally are in
 * announcement_acks_suite.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announcements_support.h"

#define RANDOM_UUID "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69"

static int64_t announcements_by(const char *author_id)
{
	return api_db_count("SELECT COUNT(*) FROM announcements WHERE author_id = $1", author_id,
			    NULL);
}

START_TEST(every_route_needs_a_token)
{
	static const struct api_call calls[] = {
		{"POST", "/api/v1/announcements", "{}"},
		{"GET", "/api/v1/announcements", NULL},
		{"GET", "/api/v1/announcements/" RANDOM_UUID, NULL},
		{"POST", "/api/v1/announcements/" RANDOM_UUID "/ack", NULL},
		{"GET", "/api/v1/announcements/" RANDOM_UUID "/acks", NULL},
	};
	api_assert_all_unauthorized(calls, sizeof(calls) / sizeof(calls[0]));
}
END_TEST

START_TEST(admin_publishes_to_the_school)
{
	struct th_member admin, parent;
	ann_member(&admin, "annadmin", "admin");
	ann_member(&parent, "annschoolparent", NULL);
	char *child = ann_child(parent.access_token, "Lou", "M2");
	int64_t children = api_db_count("SELECT COUNT(*) FROM children WHERE class_name <> $1", "none", NULL);
	struct th_resp *r = ann_post(admin.access_token,
				     "{\"title\":\"  Fête de l'école  \",\"body\":\"Samedi.\\r\\nVenez !\","
				     "\"audience\":{\"school\":true},\"requires_ack\":true}");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	const char *id = th_str(r, "id");
	char location[128];
	snprintf(location, sizeof(location), "/api/v1/announcements/%s", id);
	ck_assert_str_eq(th_header(r, "Location"), location);
	ck_assert_str_eq(th_str(r, "title"), "Fête de l'école");
	ck_assert_str_eq(th_str(r, "body"), "Samedi.\nVenez !");
	ck_assert(json_is_true(json_object_get(json_object_get(r->json, "audience"), "school")));
	ck_assert_int_eq(json_object_size(json_object_get(r->json, "audience")), 1);
	ck_assert(json_is_true(json_object_get(r->json, "requires_ack")));
	json_t *author = json_object_get(r->json, "author");
	ck_assert_str_eq(json_string_value(json_object_get(author, "id")), admin.id);
	ck_assert_str_eq(json_string_value(json_object_get(author, "first_name")), "annadmin");
	ck_assert_int_eq(strlen(th_str(r, "created_at")), 20);
	/* The admin has no child in the audience: nothing for them to acknowledge. */
	ck_assert(json_is_null(json_object_get(r->json, "acknowledged")));
	/* The audience is every child of the school at this moment. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM announcement_children "
				      "WHERE announcement_id = $1", id, NULL),
			 children);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM announcement_classes "
				      "WHERE announcement_id = $1", id, NULL),
			 0);
	/* The parent sees it, with their acknowledgement still to give. */
	json_t *item = NULL;
	ck_assert(ann_listed(parent.access_token, id, &item));
	ck_assert(json_is_false(json_object_get(item, "acknowledged")));
	json_decref(item);
	th_resp_free(&r);
	free(child);
	th_member_free(&admin);
	th_member_free(&parent);
}
END_TEST

START_TEST(teacher_publishes_only_to_staffed_classes)
{
	struct th_member admin, teacher, parent;
	ann_member(&admin, "annstaffadmin", "admin");
	ann_member(&teacher, "annteacher", "teacher");
	ann_member(&parent, "annparentpub", NULL);
	ann_staff(admin.access_token, "P5", teacher.id);
	char *id = ann_publish(teacher.access_token, "Sortie", "P5", false);
	ck_assert_int_eq(announcements_by(teacher.id), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM announcement_classes "
				      "WHERE announcement_id = $1 AND class_name = 'P5'", id, NULL),
			 1);
	static const char *const refused[] = {
		"{\"title\":\"t\",\"body\":\"b\",\"audience\":{\"classes\":[\"P6\"]}}",
		"{\"title\":\"t\",\"body\":\"b\",\"audience\":{\"classes\":[\"P5\",\"P6\"]}}",
		"{\"title\":\"t\",\"body\":\"b\",\"audience\":{\"school\":true}}",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct th_resp *r = ann_post(teacher.access_token, refused[i]);
		ck_assert_problem(r, 403, "audience_not_allowed");
		th_resp_free(&r);
	}
	/* Parents never publish. */
	struct th_resp *r = ann_post(parent.access_token,
				     "{\"title\":\"t\",\"body\":\"b\",\"audience\":{\"school\":true}}");
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	ck_assert_int_eq(announcements_by(teacher.id), 1);
	ck_assert_int_eq(announcements_by(parent.id), 0);
	/* A teacher taken off the class may no longer publish to it. */
	ann_staff(admin.access_token, "P5", admin.id);
	r = ann_post(teacher.access_token,
		     "{\"title\":\"t\",\"body\":\"b\",\"audience\":{\"classes\":[\"P5\"]}}");
	ck_assert_problem(r, 403, "audience_not_allowed");
	th_resp_free(&r);
	ck_assert_int_eq(announcements_by(teacher.id), 1);
	free(id);
	th_member_free(&admin);
	th_member_free(&teacher);
	th_member_free(&parent);
}
END_TEST

/* Each body must be refused with 422 and "field"/"code" among its errors. */
static const struct bad_body {
	const char *body, *field, *code;
} bad_bodies[] = {
	{"{\"body\":\"b\",\"audience\":{\"school\":true}}", "title", "required"},
	{"{\"title\":\"  \",\"body\":\"b\",\"audience\":{\"school\":true}}", "title", "required"},
	{"{\"title\":7,\"body\":\"b\",\"audience\":{\"school\":true}}", "title", "invalid_type"},
	{"{\"title\":\"a\\nb\",\"body\":\"b\",\"audience\":{\"school\":true}}", "title", "invalid_text"},
	{"{\"title\":\"t\",\"audience\":{\"school\":true}}", "body", "required"},
	{"{\"title\":\"t\",\"body\":\"a\\u0007b\",\"audience\":{\"school\":true}}", "body", "invalid_text"},
	{"{\"title\":\"t\",\"body\":\"b\"}", "audience", "required"},
	{"{\"title\":\"t\",\"body\":\"b\",\"audience\":\"school\"}", "audience", "invalid_type"},
	{"{\"title\":\"t\",\"body\":\"b\",\"audience\":{}}", "audience", "invalid_audience"},
	{"{\"title\":\"t\",\"body\":\"b\",\"audience\":{\"school\":false}}", "audience", "invalid_audience"},
	{"{\"title\":\"t\",\"body\":\"b\",\"audience\":{\"school\":true,\"classes\":[\"P1\"]}}", "audience", "invalid_audience"},
	{"{\"title\":\"t\",\"body\":\"b\",\"audience\":{\"classes\":[]}}", "audience.classes", "required"},
	{"{\"title\":\"t\",\"body\":\"b\",\"audience\":{\"classes\":\"P1\"}}", "audience.classes", "invalid_type"},
	{"{\"title\":\"t\",\"body\":\"b\",\"audience\":{\"classes\":[\"P1\",\"P7\"]}}", "audience.classes[1]", "invalid_class"},
	{"{\"title\":\"t\",\"body\":\"b\",\"audience\":{\"classes\":[\"p1\"]}}", "audience.classes[0]", "invalid_class"},
	{"{\"title\":\"t\",\"body\":\"b\",\"audience\":{\"classes\":[3]}}", "audience.classes[0]", "invalid_type"},
	{"{\"title\":\"t\",\"body\":\"b\",\"audience\":{\"classes\":[\"P1\",\"P1\",\"P1\",\"P1\",\"P1\",\"P1\",\"P1\",\"P1\",\"P1\",\"P1\"]}}", "audience.classes", "too_many_items"},
	{"{\"title\":\"t\",\"body\":\"b\",\"audience\":{\"school\":true,\"everyone\":1}}", "audience.everyone", "unknown_field"},
	{"{\"title\":\"t\",\"body\":\"b\",\"audience\":{\"school\":true},\"requires_ack\":\"yes\"}", "requires_ack", "invalid_type"},
	{"{\"title\":\"t\",\"body\":\"b\",\"audience\":{\"school\":true},\"pinned\":true}", "pinned", "unknown_field"},
};

START_TEST(bad_bodies_are_422_and_write_nothing)
{
	struct th_member admin;
	ann_member(&admin, "annvalidator", "admin");
	for (size_t i = 0; i < sizeof(bad_bodies) / sizeof(bad_bodies[0]); i++) {
		struct th_resp *r = ann_post(admin.access_token, bad_bodies[i].body);
		ck_assert_msg(r->status == 422, "%s: %ld %s", bad_bodies[i].body, r->status, r->body);
		assert_field_error(r, bad_bodies[i].field, bad_bodies[i].code);
		th_resp_free(&r);
	}
	/* Lengths are counted in characters: 200 "é" (400 bytes) pass, 201 do not. */
	char title[1024];
	strcpy(title, "{\"title\":\"");
	for (int i = 0; i < 200; i++)
		strcat(title, "é");
	strcat(title, "\",\"body\":\"b\",\"audience\":{\"school\":true}}");
	struct th_resp *r = ann_post(admin.access_token, title);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	ck_assert_int_eq(announcements_by(admin.id), 1);
	strcpy(title, "{\"title\":\"");
	for (int i = 0; i < 201; i++)
		strcat(title, "é");
	strcat(title, "\",\"body\":\"b\",\"audience\":{\"school\":true}}");
	r = ann_post(admin.access_token, title);
	assert_field_error(r, "title", "too_long");
	th_resp_free(&r);
	/* A body of 10,001 characters. */
	char *long_body = malloc(10100);
	strcpy(long_body, "{\"title\":\"t\",\"audience\":{\"school\":true},\"body\":\"");
	size_t n = strlen(long_body);
	memset(long_body + n, 'x', 10001);
	strcpy(long_body + n + 10001, "\"}");
	r = ann_post(admin.access_token, long_body);
	assert_field_error(r, "body", "too_long");
	th_resp_free(&r);
	free(long_body);
	/* Not JSON at all, or text that is not UTF-8, is the gate's 400. */
	static const char *const not_json[] = {
		"{\"title\":",
		"{\"title\":\"caf\xe9\",\"body\":\"b\",\"audience\":{\"school\":true}}",
		"{\"title\":\"\xed\xa0\x80\",\"body\":\"b\",\"audience\":{\"school\":true}}",
	};
	for (size_t i = 0; i < sizeof(not_json) / sizeof(not_json[0]); i++) {
		r = ann_post(admin.access_token, not_json[i]);
		ck_assert_problem(r, 400, "invalid_json");
		th_resp_free(&r);
	}
	ck_assert_int_eq(announcements_by(admin.id), 1);
	th_member_free(&admin);
}
END_TEST

START_TEST(only_the_addressed_see_an_announcement)
{
	struct th_member admin, teacher, other_teacher, in_class, elsewhere;
	ann_member(&admin, "annaudadmin", "admin");
	ann_member(&teacher, "annaudteacher", "teacher");
	ann_member(&other_teacher, "annaudother", "teacher");
	ann_member(&in_class, "annaudin", NULL);
	ann_member(&elsewhere, "annaudout", NULL);
	ann_staff(admin.access_token, "M3", teacher.id);
	ann_staff(admin.access_token, "M1", other_teacher.id);
	char *c1 = ann_child(in_class.access_token, "Ines", "M3");
	char *c2 = ann_child(elsewhere.access_token, "Oscar", "M1");
	char *id = ann_publish(teacher.access_token, "Piscine", "M3", true);
	/* Addressed: the guardian in the class, the author (its staff), every admin. */
	const struct th_member *seeing[] = {&in_class, &teacher, &admin};
	for (size_t i = 0; i < 3; i++) {
		ck_assert(ann_listed(seeing[i]->access_token, id, NULL));
		struct th_resp *r = ann_call("GET", seeing[i]->access_token, id, "");
		ck_assert_msg(r->status == 200, "%s: %ld %s", seeing[i]->email, r->status, r->body);
		ck_assert_str_eq(th_str(r, "id"), id);
		json_t *classes = json_object_get(json_object_get(r->json, "audience"), "classes");
		ck_assert_int_eq(json_array_size(classes), 1);
		ck_assert_str_eq(json_string_value(json_array_get(classes, 0)), "M3");
		th_resp_free(&r);
	}
	/* Not addressed: a family of another class, a teacher of another class. Every route
	 * answers as if the announcement did not exist. */
	const struct th_member *blind[] = {&elsewhere, &other_teacher};
	for (size_t i = 0; i < 2; i++) {
		ck_assert(!ann_listed(blind[i]->access_token, id, NULL));
		static const char *const calls[][2] = {{"GET", ""}, {"POST", "/ack"}, {"GET", "/acks"}};
		for (size_t k = 0; k < 3; k++) {
			struct th_resp *r = ann_call(calls[k][0], blind[i]->access_token, id, calls[k][1]);
			ck_assert_problem(r, 404, "not_found");
			th_resp_free(&r);
		}
	}
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM announcement_acks "
				      "WHERE announcement_id = $1", id, NULL),
			 0);
	/* Unknown and malformed ids. */
	static const char *const ids[] = {RANDOM_UUID, "not-a-uuid"};
	for (size_t i = 0; i < 2; i++) {
		struct th_resp *r = ann_call("GET", admin.access_token, ids[i], "");
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
	}
	/* A teacher put on the class later sees it (staff is live); once their role goes back
	 * to parent, their staff row counts for nothing. */
	ann_staff(admin.access_token, "M3", other_teacher.id);
	ck_assert(ann_listed(other_teacher.access_token, id, NULL));
	api_promote(&other_teacher, "parent");
	ck_assert(!ann_listed(other_teacher.access_token, id, NULL));
	free(c1);
	free(c2);
	free(id);
	th_member_free(&admin);
	th_member_free(&teacher);
	th_member_free(&other_teacher);
	th_member_free(&in_class);
	th_member_free(&elsewhere);
}
END_TEST

START_TEST(school_announcements_reach_every_teacher)
{
	struct th_member admin, teacher;
	ann_member(&admin, "annschooladmin", "admin");
	ann_member(&teacher, "annschoolteacher", "teacher");
	char *id = ann_publish(admin.access_token, "Congé", NULL, false);
	ck_assert(ann_listed(teacher.access_token, id, NULL));
	free(id);
	th_member_free(&admin);
	th_member_free(&teacher);
}
END_TEST

START_TEST(list_pages_newest_first)
{
	struct th_member admin, parent;
	ann_member(&admin, "annpageadmin", "admin");
	ann_member(&parent, "annpageparent", NULL);
	char *child = ann_child(parent.access_token, "Page", "P1");
	char *ids[3];
	for (int i = 0; i < 3; i++)
		ids[i] = ann_publish(admin.access_token, "Page", "P1", false);
	/* Two in the same second: the id breaks the tie (ids[2] is made the greater one). */
	if (strcmp(ids[1], ids[2]) > 0) {
		char *swap = ids[1];
		ids[1] = ids[2];
		ids[2] = swap;
	}
	api_db_exec("UPDATE announcements SET created_at = '2026-03-01T10:00:00Z' WHERE id = $1",
		    ids[0], NULL);
	api_db_exec("UPDATE announcements SET created_at = '2026-03-02T10:00:00Z' "
		    "WHERE id = $1 OR id = $2",
		    ids[1], ids[2]);
	/* The parent's own list: exactly these three (P1 only, not the school ones written
	 * by earlier tests, before the child existed: the audience is frozen). */
	struct th_resp *r = th_request("GET", "/api/v1/announcements?limit=2", parent.access_token,
				       NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_int_eq(json_array_size(items), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "id")), ids[2]);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 1), "id")), ids[1]);
	const char *cursor = json_string_value(json_object_get(r->json, "next_cursor"));
	ck_assert_ptr_nonnull(cursor);
	char path[512];
	snprintf(path, sizeof(path), "/api/v1/announcements?limit=2&cursor=%s", cursor);
	th_resp_free(&r);
	r = th_request("GET", path, parent.access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	items = json_object_get(r->json, "items");
	ck_assert_int_eq(json_array_size(items), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "id")), ids[0]);
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
	th_resp_free(&r);
	static const char *const bad[] = {"/api/v1/announcements?cursor=nope",
					  "/api/v1/announcements?limit=0",
					  "/api/v1/announcements?limit=101"};
	static const char *const fields[] = {"cursor", "limit", "limit"};
	for (size_t i = 0; i < 3; i++) {
		r = th_request("GET", bad[i], parent.access_token, NULL, NULL, NULL);
		ck_assert_msg(r->status == 422, "%s: %ld", bad[i], r->status);
		ck_assert_str_eq(api_err_field(r, 0), fields[i]);
		th_resp_free(&r);
	}
	for (int i = 0; i < 3; i++)
		free(ids[i]);
	free(child);
	th_member_free(&admin);
	th_member_free(&parent);
}
END_TEST

START_TEST(authors_are_rate_limited)
{
	struct th_member admin;
	ann_member(&admin, "annrateadmin", "admin");
	for (int i = 0; i < 20; i++)
		free(ann_publish(admin.access_token, "Rappel", "P6", false));
	struct th_resp *r = ann_post(admin.access_token,
				     "{\"title\":\"t\",\"body\":\"b\",\"audience\":{\"classes\":[\"P6\"]}}");
	ck_assert_problem(r, 429, "too_many_announcements");
	long retry = strtol(th_header(r, "Retry-After"), NULL, 10);
	ck_assert_msg(retry > 3500 && retry <= 3600, "Retry-After %ld", retry);
	th_resp_free(&r);
	ck_assert_int_eq(announcements_by(admin.id), 20);
	/* An hour later the window has room again. */
	api_db_exec("UPDATE announcements SET created_at = '2020-01-01T00:00:00Z' "
		    "WHERE author_id = $1",
		    admin.id, NULL);
	free(ann_publish(admin.access_token, "Rappel", "P6", false));
	ck_assert_int_eq(announcements_by(admin.id), 21);
	th_member_free(&admin);
}
END_TEST

/* member_events rows of kind announcement.created for "user_id" about announcement "id";
 * "acknowledged" "false", "null" or NULL (any). */
static int64_t events_for(const char *user_id, const char *id, const char *acknowledged)
{
	const char *sql =
		acknowledged == NULL ? "SELECT COUNT(*) FROM member_events WHERE user_id = $1 AND "
				       "kind = 'announcement.created' AND data LIKE "
				       "'{\"id\":\"' || CAST($2 AS TEXT) || '\"%'"
		: strcmp(acknowledged, "false") == 0
			? "SELECT COUNT(*) FROM member_events WHERE user_id = $1 AND "
			  "kind = 'announcement.created' AND data LIKE "
			  "'{\"id\":\"' || CAST($2 AS TEXT) || '\"%\"acknowledged\":false}'"
			: "SELECT COUNT(*) FROM member_events WHERE user_id = $1 AND "
			  "kind = 'announcement.created' AND data LIKE "
			  "'{\"id\":\"' || CAST($2 AS TEXT) || '\"%\"acknowledged\":null}'";
	return api_db_count(sql, user_id, id);
}

START_TEST(publishing_writes_an_event_for_each_addressed_member)
{
	struct th_member admin, teacher, other_teacher, guardian, elsewhere;
	ann_member(&admin, "evadmin", "admin");
	ann_member(&teacher, "evteacher", "teacher");
	ann_member(&other_teacher, "evother", "teacher");
	ann_member(&guardian, "evguardian", NULL);
	ann_member(&elsewhere, "evelsewhere", NULL);
	ann_staff(admin.access_token, "P3", teacher.id);
	char *c1 = ann_child(guardian.access_token, "Eva", "P3");
	char *c2 = ann_child(elsewhere.access_token, "Ugo", "P4");
	int64_t before = api_db_count("SELECT COUNT(*) FROM member_events WHERE kind <> $1", "", NULL);
	/* A refused publication writes no event either. */
	struct th_resp *r = ann_post(other_teacher.access_token,
				     "{\"title\":\"t\",\"body\":\"b\",\"audience\":{\"classes\":[\"P3\"]}}");
	ck_assert_problem(r, 403, "audience_not_allowed");
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM member_events WHERE kind <> $1", "", NULL),
			 before);

	char *id = ann_publish(teacher.access_token, "Réunion", "P3", true);
	/* The guardian's event is the announcement as they see it: to acknowledge. */
	ck_assert_int_eq(events_for(guardian.id, id, "false"), 1);
	ck_assert_int_eq(events_for(guardian.id, id, NULL), 1);
	ck_assert_int_eq(events_for(teacher.id, id, "null"), 1);
	ck_assert_int_eq(events_for(admin.id, id, "null"), 1);
	ck_assert_int_eq(events_for(other_teacher.id, id, NULL), 0);
	ck_assert_int_eq(events_for(elsewhere.id, id, NULL), 0);
	/* Nobody else: the guardian, the author and every active admin; and the guardian's
	 * notification (notification.created, announcement_notify.c). */
	int64_t admins = api_db_count("SELECT COUNT(*) FROM users WHERE role = $1 AND active "
				      "AND deleted_at IS NULL", "admin", NULL);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM member_events WHERE kind <> $1", "", NULL),
			 before + 2 + admins + 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM member_events WHERE user_id = $1 AND "
				      "kind = $2", guardian.id, "notification.created"),
			 1);
	/* The event's data is the announcement's REST representation for that member. */
	struct th_resp *g = ann_call("GET", guardian.access_token, id, "");
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM member_events WHERE user_id = $1 AND "
				      "data = $2", guardian.id, g->body),
			 1);
	th_resp_free(&g);

	/* A school-wide announcement reaches every teacher, staff of a class or not. */
	char *school = ann_publish(admin.access_token, "Journée pédagogique", NULL, false);
	ck_assert_int_eq(events_for(other_teacher.id, school, "null"), 1);
	ck_assert_int_eq(events_for(elsewhere.id, school, "null"), 1);
	free(c1);
	free(c2);
	free(id);
	free(school);
	th_member_free(&admin);
	th_member_free(&teacher);
	th_member_free(&other_teacher);
	th_member_free(&guardian);
	th_member_free(&elsewhere);
}
END_TEST

Suite *api_announcements_suite(void)
{
	Suite *s = suite_create("announcements");
	TCase *tc = tcase_create("publish and read");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, every_route_needs_a_token);
	tcase_add_test(tc, admin_publishes_to_the_school);
	tcase_add_test(tc, teacher_publishes_only_to_staffed_classes);
	tcase_add_test(tc, bad_bodies_are_422_and_write_nothing);
	tcase_add_test(tc, only_the_addressed_see_an_announcement);
	tcase_add_test(tc, school_announcements_reach_every_teacher);
	tcase_add_test(tc, list_pages_newest_first);
	tcase_add_test(tc, authors_are_rate_limited);
	tcase_add_test(tc, publishing_writes_an_event_for_each_addressed_member);
	suite_add_tcase(s, tc);
	return s;
}
