/* Children: create, list, read, change, delete. Linking co-parents is by invitation
 * (guardian_invitations_suite.c); who may see a child and unlinking co-parents are in
 * children_access_suite.c. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "children_suite.h"
#include "schoolhub/util.h"

static bool list_has(const struct th_resp *r, const char *id)
{
	json_t *items = json_object_get(r->json, "items");
	for (size_t i = 0; i < json_array_size(items); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(items, i), "id")), id) == 0)
			return true;
	return false;
}

/* --- POST /api/v1/children ------------------------------------------------------- */

START_TEST(create_success_and_shape)
{
	struct th_member a;
	th_member_register(&a, "creator");
	struct th_resp *r = th_json("POST", "/api/v1/children", a.access_token,
				    "{s:s, s:s, s:s, s:s, s:s}", "first_name", " Léonie ",
				    "last_name", "Dubois", "class_name", "M2", "birth_date",
				    "2021-02-28", "photo_consent", "yes");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_header(r, "Content-Type"), "application/json");
	static const char *const keys[] = {"id", "first_name", "last_name", "class_name",
					   "birth_date", "photo_consent", "photo_consent_by",
					   "photo_consent_at", "guardians", "created_at", "left_at"};
	ck_assert_int_eq(json_object_size(r->json), sizeof(keys) / sizeof(keys[0]));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ck_assert_msg(json_object_get(r->json, keys[i]) != NULL, "missing %s", keys[i]);
	const char *id = th_str(r, "id");
	ck_assert(sh_uuid_valid(id));
	ck_assert_str_eq(th_str(r, "first_name"), "Léonie");
	ck_assert_str_eq(th_str(r, "last_name"), "Dubois");
	ck_assert_str_eq(th_str(r, "class_name"), "M2");
	ck_assert_str_eq(th_str(r, "birth_date"), "2021-02-28");
	ck_assert_str_eq(th_str(r, "photo_consent"), "yes");
	/* An answer given at creation names the guardian who gave it, and when. */
	json_t *by = json_object_get(r->json, "photo_consent_by");
	ck_assert_str_eq(json_string_value(json_object_get(by, "id")), a.id);
	ck_assert_str_eq(json_string_value(json_object_get(by, "first_name")), "creator");
	ck_assert_int_eq(strlen(th_str(r, "photo_consent_at")), 20);
	ck_assert_int_eq(strlen(th_str(r, "created_at")), 20);
	json_t *guardians = json_object_get(r->json, "guardians");
	ck_assert_int_eq(json_array_size(guardians), 1);
	json_t *g = json_array_get(guardians, 0);
	ck_assert_int_eq(json_object_size(g), 4);
	ck_assert_str_eq(json_string_value(json_object_get(g, "user_id")), a.id);
	ck_assert_str_eq(json_string_value(json_object_get(g, "first_name")), "creator");
	ck_assert_str_eq(json_string_value(json_object_get(g, "last_name")), "Test");
	ck_assert_str_eq(json_string_value(json_object_get(g, "relationship")), "parent");
	/* Guardians are shown by name, never by contact data. */
	ck_assert_ptr_null(strstr(r->body, "email"));
	ck_assert_ptr_null(strstr(r->body, a.email));
	char *child = strdup(id);
	th_resp_free(&r);

	/* Stored: read back, and the rows are there. */
	r = get_child(a.access_token, child);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "first_name"), "Léonie");
	ck_assert_str_eq(th_str(r, "birth_date"), "2021-02-28");
	ck_assert_str_eq(th_str(r, "photo_consent"), "yes");
	th_resp_free(&r);
	ck_assert_int_eq(child_rows(child), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM child_guardians WHERE child_id = $1 AND user_id = $2", child, a.id), 1);

	/* Minimal body: no birth date, no consent by default; every class is accepted. */
	static const char *const classes[] = {"M1", "M2", "M3", "P1", "P2", "P3", "P4", "P5", "P6"};
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		r = th_json("POST", "/api/v1/children", a.access_token, "{s:s, s:s, s:s}",
			    "first_name", "Min", "last_name", "Imal", "class_name", classes[i]);
		ck_assert_msg(r->status == 201, "%s: %ld %s", classes[i], r->status, r->body);
		ck_assert_str_eq(th_str(r, "class_name"), classes[i]);
		ck_assert(json_is_null(json_object_get(r->json, "birth_date")));
		ck_assert_str_eq(th_str(r, "photo_consent"), "ask");
		ck_assert(json_is_null(json_object_get(r->json, "photo_consent_by")));
		ck_assert(json_is_null(json_object_get(r->json, "photo_consent_at")));
		th_resp_free(&r);
	}
	r = th_json("POST", "/api/v1/children", a.access_token, "{s:s, s:s, s:s, s:n}",
		    "first_name", "Null", "last_name", "Birth", "class_name", "P1", "birth_date");
	ck_assert_int_eq(r->status, 201);
	ck_assert(json_is_null(json_object_get(r->json, "birth_date")));
	th_resp_free(&r);
	r = list_children(a.access_token);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 11);
	th_resp_free(&r);
	free(child);
	th_member_free(&a);
}
END_TEST

START_TEST(create_validation)
{
	struct th_member a;
	th_member_register(&a, "cval");
	static const char *const bad_classes[] = {"P7", "p1", "", "M0", "M4", "P0", "P1 ", "1P"};
	for (size_t i = 0; i < sizeof(bad_classes) / sizeof(bad_classes[0]); i++) {
		struct th_resp *r = th_json("POST", "/api/v1/children", a.access_token,
					    "{s:s, s:s, s:s}", "first_name", "A", "last_name", "B",
					    "class_name", bad_classes[i]);
		ck_assert_msg(r->status == 422, "class '%s' gave %ld", bad_classes[i], r->status);
		assert_field_error(r, "class_name", "invalid_class");
		ck_assert_int_eq(api_err_count(r), 1);
		th_resp_free(&r);
	}

	static const char *const bad_dates[] = {"2023-02-30", "2021-13-01", "2021-00-10",
						"2021-04-31", "17/05/2019", "2019-5-17",
						"2019-05-17T00:00:00Z", "", "yesterday", "1899-12-31"};
	for (size_t i = 0; i < sizeof(bad_dates) / sizeof(bad_dates[0]); i++) {
		struct th_resp *r = th_json("POST", "/api/v1/children", a.access_token,
					    "{s:s, s:s, s:s, s:s}", "first_name", "A", "last_name",
					    "B", "class_name", "P1", "birth_date", bad_dates[i]);
		ck_assert_msg(r->status == 422, "date '%s' gave %ld", bad_dates[i], r->status);
		assert_field_error(r, "birth_date", "invalid_date");
		th_resp_free(&r);
	}
	/* A leap day exists in 2020 but not in 2023. */
	struct th_resp *r = th_json("POST", "/api/v1/children", a.access_token,
				    "{s:s, s:s, s:s, s:s}", "first_name", "Leap", "last_name", "Day",
				    "class_name", "P1", "birth_date", "2020-02-29");
	ck_assert_int_eq(r->status, 201);
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/children", a.access_token, "{s:s, s:s, s:s, s:s}",
		    "first_name", "A", "last_name", "B", "class_name", "P1", "birth_date",
		    "2999-01-01");
	assert_field_error(r, "birth_date", "date_in_future");
	th_resp_free(&r);

	/* Everything required missing. */
	r = th_json("POST", "/api/v1/children", a.access_token, "{}");
	ck_assert_problem(r, 422, "validation_failed");
	ck_assert_int_eq(api_err_count(r), 3);
	ck_assert_str_eq(api_err_field(r, 0), "first_name");
	ck_assert_str_eq(api_err_code(r, 0), "required");
	ck_assert_str_eq(api_err_field(r, 1), "last_name");
	ck_assert_str_eq(api_err_code(r, 1), "required");
	ck_assert_str_eq(api_err_field(r, 2), "class_name");
	ck_assert_str_eq(api_err_code(r, 2), "required");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/children", a.access_token, "{s:s, s:s, s:s}", "first_name",
		    "  ", "last_name", "B", "class_name", "P1");
	assert_field_error(r, "first_name", "required");
	th_resp_free(&r);

	/* Unknown fields, wrong types. */
	r = th_json("POST", "/api/v1/children", a.access_token, "{s:s, s:s, s:s, s:s}",
		    "first_name", "A", "last_name", "B", "class_name", "P1", "id", RANDOM_UUID);
	assert_field_error(r, "id", "unknown_field");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/children", a.access_token, "{s:s, s:s, s:s, s:[s]}",
		    "first_name", "A", "last_name", "B", "class_name", "P1", "guardians", a.id);
	assert_field_error(r, "guardians", "unknown_field");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/children", a.access_token, "{s:s, s:s, s:s, s:s}",
		    "first_name", "A", "last_name", "B", "class_name", "P1", "photo_consent", "maybe");
	assert_field_error(r, "photo_consent", "invalid_value");
	ck_assert_int_eq(api_err_count(r), 1);
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/children", a.access_token, "{s:s, s:s, s:s, s:i}",
		    "first_name", "A", "last_name", "B", "class_name", "P1", "photo_consent", 1);
	assert_field_error(r, "photo_consent", "invalid_type");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/children", a.access_token, "{s:i, s:s, s:i, s:i}",
		    "first_name", 1, "last_name", "B", "class_name", 1, "birth_date", 20190517);
	ck_assert_problem(r, 422, "validation_failed");
	assert_field_error(r, "first_name", "invalid_type");
	assert_field_error(r, "class_name", "invalid_type");
	assert_field_error(r, "birth_date", "invalid_type");
	th_resp_free(&r);
	char longname[128];
	memset(longname, 'n', 101);
	longname[101] = '\0';
	r = th_json("POST", "/api/v1/children", a.access_token, "{s:s, s:s, s:s}", "first_name",
		    longname, "last_name", "B", "class_name", "P1");
	assert_field_error(r, "first_name", "too_long");
	th_resp_free(&r);

	r = th_request("POST", "/api/v1/children", a.access_token, "first_name=A",
		       "application/x-www-form-urlencoded", NULL);
	ck_assert_problem(r, 415, "unsupported_media_type");
	th_resp_free(&r);
	r = th_request("POST", "/api/v1/children", a.access_token, "[]", NULL, NULL);
	ck_assert_problem(r, 400, "invalid_json");
	th_resp_free(&r);

	/* None of the refused requests created anything; only the leap-day child exists. */
	r = list_children(a.access_token);
	ck_assert_int_eq(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_int_eq(json_array_size(items), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "first_name")), "Leap");
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM child_guardians WHERE user_id = $1", a.id, NULL), 1);
	th_member_free(&a);
}
END_TEST

/* --- GET /api/v1/children -------------------------------------------------------- */

START_TEST(list_shows_only_own_children)
{
	struct th_member a, b, c;
	th_member_register(&a, "lista");
	th_member_register(&b, "listb");
	th_member_register(&c, "listc");
	char *a1 = create_child(a.access_token, "Aone", "P1");
	char *a2 = create_child(a.access_token, "Atwo", "P3");
	char *b1 = create_child(b.access_token, "Bone", "M1");

	struct th_resp *r = list_children(a.access_token);
	ck_assert_int_eq(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_int_eq(json_array_size(items), 2);
	ck_assert(list_has(r, a1) && list_has(r, a2));
	ck_assert_int_eq(json_array_size(json_object_get(json_array_get(items, 0), "guardians")), 1);
	ck_assert_ptr_null(strstr(r->body, "Bone"));
	ck_assert_ptr_null(strstr(r->body, b1));
	th_resp_free(&r);

	r = list_children(b.access_token);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
	ck_assert(list_has(r, b1));
	ck_assert_ptr_null(strstr(r->body, "Aone"));
	th_resp_free(&r);

	r = list_children(c.access_token);
	ck_assert_int_eq(r->status, 200);
	ck_assert(json_is_array(json_object_get(r->json, "items")));
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
	th_resp_free(&r);

	r = list_children(NULL);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	free(a1);
	free(a2);
	free(b1);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&c);
}
END_TEST

/* --- GET/PATCH/DELETE /api/v1/children/{id} -------------------------------------- */

START_TEST(guardian_reads_patches_deletes)
{
	struct th_member a;
	th_member_register(&a, "guardian");
	char *id = create_child(a.access_token, "Noor", "P1");
	char path[160];
	child_path(path, sizeof(path), id);

	struct th_resp *r = get_child(a.access_token, id);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "id"), id);
	ck_assert_str_eq(th_str(r, "first_name"), "Noor");
	ck_assert_str_eq(th_str(r, "class_name"), "P1");
	char *created_at = strdup(th_str(r, "created_at"));
	th_resp_free(&r);

	/* Partial update: only what is sent changes. */
	r = th_json("PATCH", path, a.access_token, "{s:s, s:s}", "class_name", "P2",
		    "photo_consent", "yes");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "class_name"), "P2");
	ck_assert_str_eq(th_str(r, "photo_consent"), "yes");
	ck_assert_str_eq(th_str(r, "first_name"), "Noor");
	ck_assert_str_eq(th_str(r, "last_name"), "Kind");
	ck_assert_str_eq(th_str(r, "birth_date"), "2019-05-17");
	ck_assert_str_eq(th_str(r, "created_at"), created_at);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "guardians")), 1);
	th_resp_free(&r);
	r = get_child(a.access_token, id);
	ck_assert_str_eq(th_str(r, "class_name"), "P2");
	ck_assert_str_eq(th_str(r, "photo_consent"), "yes");
	ck_assert_str_eq(th_str(r, "birth_date"), "2019-05-17");
	th_resp_free(&r);

	r = th_json("PATCH", path, a.access_token, "{s:s, s:s, s:s}", "first_name", "Nora",
		    "last_name", "Peeters", "photo_consent", "no");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	/* birth_date: null clears it. */
	r = th_json("PATCH", path, a.access_token, "{s:n}", "birth_date");
	ck_assert_int_eq(r->status, 200);
	ck_assert(json_is_null(json_object_get(r->json, "birth_date")));
	th_resp_free(&r);
	r = get_child(a.access_token, id);
	ck_assert_str_eq(th_str(r, "first_name"), "Nora");
	ck_assert_str_eq(th_str(r, "last_name"), "Peeters");
	ck_assert_str_eq(th_str(r, "class_name"), "P2");
	ck_assert_str_eq(th_str(r, "photo_consent"), "no");
	ck_assert(json_is_null(json_object_get(r->json, "birth_date")));
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM children WHERE id = $1 AND birth_date IS NULL AND first_name = $2", id, "Nora"), 1);
	/* Changing something else keeps the cleared date cleared. */
	r = th_json("PATCH", path, a.access_token, "{s:s}", "class_name", "P3");
	ck_assert_int_eq(r->status, 200);
	ck_assert(json_is_null(json_object_get(r->json, "birth_date")));
	th_resp_free(&r);
	r = th_json("PATCH", path, a.access_token, "{s:s}", "class_name", "P2");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM children WHERE id = $1 AND birth_date IS NULL", id, NULL), 1);
	r = th_json("PATCH", path, a.access_token, "{s:s}", "birth_date", "2018-09-01");
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "birth_date"), "2018-09-01");
	th_resp_free(&r);
	r = th_json("PATCH", path, a.access_token, "{}");
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "birth_date"), "2018-09-01");
	th_resp_free(&r);

	/* PATCH validation: nothing applied. */
	r = th_json("PATCH", path, a.access_token, "{s:s}", "class_name", "P7");
	assert_field_error(r, "class_name", "invalid_class");
	th_resp_free(&r);
	r = th_json("PATCH", path, a.access_token, "{s:n}", "class_name");
	assert_field_error(r, "class_name", "invalid_type");
	th_resp_free(&r);
	r = th_json("PATCH", path, a.access_token, "{s:s}", "birth_date", "2023-02-30");
	assert_field_error(r, "birth_date", "invalid_date");
	th_resp_free(&r);
	r = th_json("PATCH", path, a.access_token, "{s:s}", "birth_date", "2999-12-31");
	assert_field_error(r, "birth_date", "date_in_future");
	th_resp_free(&r);
	r = th_json("PATCH", path, a.access_token, "{s:s}", "first_name", "");
	assert_field_error(r, "first_name", "required");
	th_resp_free(&r);
	r = th_json("PATCH", path, a.access_token, "{s:s, s:s}", "first_name", "Changed",
		    "created_at", "2000-01-01T00:00:00Z");
	assert_field_error(r, "created_at", "unknown_field");
	th_resp_free(&r);
	r = th_json("PATCH", path, a.access_token, "{s:b}", "photo_consent", 1);
	assert_field_error(r, "photo_consent", "invalid_type");
	th_resp_free(&r);
	r = th_request("PATCH", path, a.access_token, "class_name=P3", "text/plain", NULL);
	ck_assert_problem(r, 415, "unsupported_media_type");
	th_resp_free(&r);
	r = get_child(a.access_token, id);
	ck_assert_str_eq(th_str(r, "first_name"), "Nora");
	ck_assert_str_eq(th_str(r, "class_name"), "P2");
	ck_assert_str_eq(th_str(r, "birth_date"), "2018-09-01");
	ck_assert_str_eq(th_str(r, "photo_consent"), "no");
	th_resp_free(&r);

	/* Delete: gone from the API and from the database, links included. */
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	ck_assert_int_eq(r->body_len, 0);
	th_resp_free(&r);
	r = get_child(a.access_token, id);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = th_json("PATCH", path, a.access_token, "{s:s}", "class_name", "P3");
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = list_children(a.access_token);
	ck_assert(!list_has(r, id));
	th_resp_free(&r);
	ck_assert_int_eq(child_rows(id), 0);
	ck_assert_int_eq(guardian_rows(id), 0);
	free(created_at);
	free(id);
	th_member_free(&a);
}
END_TEST

/* --- Authentication on every route ----------------------------------------------- */

START_TEST(every_route_needs_a_token)
{
	struct th_member a;
	th_member_register(&a, "tokenless");
	char *id = create_child(a.access_token, "Guarded", "P3");
	char child[160], guardians[160], guardian[200];
	child_path(child, sizeof(child), id);
	guardians_path(guardians, sizeof(guardians), id);
	guardian_path(guardian, sizeof(guardian), id, a.id);
	const struct api_call calls[] = {
		{"GET", "/api/v1/children", NULL},
		{"POST", "/api/v1/children", "{\"first_name\":\"A\",\"last_name\":\"B\",\"class_name\":\"P1\"}"},
		{"GET", child, NULL},
		{"PATCH", child, "{\"class_name\":\"P1\"}"},
		{"DELETE", child, NULL},
		{"POST", guardians, "{\"email\":\"x@example.be\"}"},
		{"DELETE", guardian, NULL},
	};
	api_assert_all_unauthorized(calls, sizeof(calls) / sizeof(calls[0]));
	/* Nothing happened. */
	struct th_resp *r = get_child(a.access_token, id);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "class_name"), "P3");
	th_resp_free(&r);
	r = list_children(a.access_token);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
	th_resp_free(&r);
	free(id);
	th_member_free(&a);
}
END_TEST

Suite *api_children_suite(void)
{
	Suite *s = suite_create("children");
	TCase *tc = tcase_create("family");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, create_success_and_shape);
	tcase_add_test(tc, create_validation);
	tcase_add_test(tc, list_shows_only_own_children);
	tcase_add_test(tc, guardian_reads_patches_deletes);
	api_children_access_tests(tc);
	tcase_add_test(tc, every_route_needs_a_token);
	suite_add_tcase(s, tc);
	return s;
}
