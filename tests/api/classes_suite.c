/*
 * Classes and their staff: the nine classes with their counts (children, families) and
 * staff, the admins' replacement of a class's staff (roles, validation, atomicity), the
 * helpers other modules use, and the GDPR hooks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "modules/classes/classes.h"
#include "schoolhub/store.h"

#define RANDOM_UUID "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69"

static const char *const school_order[] = {"M1", "M2", "M3", "P1", "P2", "P3", "P4", "P5", "P6"};

static struct th_resp *classes_get(const char *token)
{
	return th_request("GET", "/api/v1/classes", token, NULL, NULL, NULL);
}

static json_t *class_in(const struct th_resp *r, const char *name)
{
	json_t *items = json_object_get(r->json, "items");
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *c = json_array_get(items, i);
		if (strcmp(json_string_value(json_object_get(c, "name")), name) == 0)
			return c;
	}
	ck_abort_msg("no class %s in %s", name, r->body);
	return NULL;
}

/* "children" or "families" of "name", read through GET /api/v1/classes. */
static long long count_of(const char *token, const char *name, const char *what)
{
	struct th_resp *r = classes_get(token);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	long long n = json_integer_value(json_object_get(class_in(r, name), what));
	th_resp_free(&r);
	return n;
}

static struct th_resp *staff_put_raw(const char *token, const char *name, const char *body)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/admin/classes/%s/staff", name);
	return th_request("PUT", path, token, body, NULL, NULL);
}

/* PUT {user_ids: ids[0..n)} */
static struct th_resp *staff_put(const char *token, const char *name, const char *const *ids,
				 size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_string(ids[i]));
	json_t *body = json_pack("{s:o}", "user_ids", list);
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	struct th_resp *r = staff_put_raw(token, name, text);
	free(text);
	return r;
}

static int64_t staff_rows(const char *name)
{
	return api_db_count("SELECT COUNT(*) FROM class_staff WHERE class_name = $1", name, NULL);
}

static int64_t staff_row(const char *name, const char *user_id)
{
	return api_db_count("SELECT COUNT(*) FROM class_staff WHERE class_name = $1 AND user_id = $2",
			    name, user_id);
}

/* The staff ids of a class's JSON, joined by "," (static buffer). */
static const char *staff_ids(json_t *c)
{
	static char buf[1024];
	buf[0] = '\0';
	json_t *staff = json_object_get(c, "staff");
	for (size_t i = 0; i < json_array_size(staff); i++) {
		json_t *m = json_array_get(staff, i);
		ck_assert_int_eq(json_object_size(m), 3);
		ck_assert_ptr_nonnull(json_string_value(json_object_get(m, "first_name")));
		ck_assert_ptr_nonnull(json_string_value(json_object_get(m, "last_name")));
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? "," : "",
			 json_string_value(json_object_get(m, "id")));
	}
	return buf;
}

static char *create_child(const char *token, const char *first, const char *class_name)
{
	struct th_resp *r = th_json("POST", "/api/v1/children", token, "{s:s, s:s, s:s}",
				    "first_name", first, "last_name", "Klas", "class_name",
				    class_name);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

static void register_as(struct th_member *m, const char *who, const char *role)
{
	th_member_register(m, who);
	if (role != NULL)
		api_promote(m, role);
}

/* --- GET /api/v1/classes ------------------------------------------------------------- */

/* First in its test case, on the fresh database of the case's server. */
START_TEST(empty_school_lists_nine_classes_in_order)
{
	struct th_member p;
	register_as(&p, "classlister", NULL);
	struct th_resp *r = classes_get(p.access_token);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_header(r, "Content-Type"), "application/json");
	ck_assert_int_eq(json_object_size(r->json), 1);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_int_eq(json_array_size(items), 9);
	for (size_t i = 0; i < 9; i++) {
		json_t *c = json_array_get(items, i);
		ck_assert_int_eq(json_object_size(c), 4);
		ck_assert_str_eq(json_string_value(json_object_get(c, "name")), school_order[i]);
		ck_assert(json_is_integer(json_object_get(c, "children")));
		ck_assert_int_eq(json_integer_value(json_object_get(c, "children")), 0);
		ck_assert_int_eq(json_integer_value(json_object_get(c, "families")), 0);
		ck_assert(json_is_array(json_object_get(c, "staff")));
		ck_assert_int_eq(json_array_size(json_object_get(c, "staff")), 0);
	}
	th_resp_free(&r);
	th_member_free(&p);
}
END_TEST

/*
 * A family is the children and guardians linked by guardianship: siblings count once, two
 * guardians of one child count once, a guardian's child with another partner joins the
 * same family; a family counts in each class it has a child in.
 */
START_TEST(counts_children_and_families)
{
	struct th_member a, b, c, outsider;
	register_as(&a, "countera", NULL);
	register_as(&b, "counterb", NULL);
	register_as(&c, "counterc", NULL);
	register_as(&outsider, "counterout", NULL);
	const char *t = outsider.access_token; /* any member sees the counts */
	long long p3c = count_of(t, "P3", "children"), p3f = count_of(t, "P3", "families");
	long long p5c = count_of(t, "P5", "children"), p5f = count_of(t, "P5", "families");
	long long m1c = count_of(t, "M1", "children"), m1f = count_of(t, "M1", "families");

	char *a1 = create_child(a.access_token, "Zorglubine", "P3");
	char *a2 = create_child(a.access_token, "Zorglubette", "P3");
	ck_assert_int_eq(count_of(t, "P3", "children"), p3c + 2);
	ck_assert_int_eq(count_of(t, "P3", "families"), p3f + 1); /* siblings */
	api_link_coparent(a.access_token, a1, &b);
	ck_assert_int_eq(count_of(t, "P3", "families"), p3f + 1); /* two guardians, one family */
	char *b1 = create_child(b.access_token, "Zorglubin", "P3");
	ck_assert_int_eq(count_of(t, "P3", "children"), p3c + 3);
	ck_assert_int_eq(count_of(t, "P3", "families"), p3f + 1); /* linked through b */
	char *c1 = create_child(c.access_token, "Zorglubia", "P3");
	char *c2 = create_child(c.access_token, "Zorglubo", "M1");
	char *a3 = create_child(a.access_token, "Zorglubus", "P5");
	struct th_resp *r = classes_get(t);
	ck_assert_int_eq(json_integer_value(json_object_get(class_in(r, "P3"), "children")), p3c + 4);
	ck_assert_int_eq(json_integer_value(json_object_get(class_in(r, "P3"), "families")), p3f + 2);
	ck_assert_int_eq(json_integer_value(json_object_get(class_in(r, "M1"), "children")), m1c + 1);
	ck_assert_int_eq(json_integer_value(json_object_get(class_in(r, "M1"), "families")), m1f + 1);
	ck_assert_int_eq(json_integer_value(json_object_get(class_in(r, "P5"), "children")), p5c + 1);
	ck_assert_int_eq(json_integer_value(json_object_get(class_in(r, "P5"), "families")), p5f + 1);
	/* Counts only: no child's name leaves its guardians. */
	ck_assert_ptr_null(strstr(r->body, "Zorglub"));
	ck_assert_ptr_null(strstr(r->body, "Klas"));
	th_resp_free(&r);

	/* A child who moves class, and one who leaves, are counted where they are now. */
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/children/%s", c1);
	r = th_json("PATCH", path, c.access_token, "{s:s}", "class_name", "P5");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	ck_assert_int_eq(count_of(t, "P3", "families"), p3f + 1);
	ck_assert_int_eq(count_of(t, "P5", "children"), p5c + 2);
	ck_assert_int_eq(count_of(t, "P5", "families"), p5f + 2);
	snprintf(path, sizeof(path), "/api/v1/children/%s", a3);
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(count_of(t, "P5", "children"), p5c + 1);
	ck_assert_int_eq(count_of(t, "P5", "families"), p5f + 1);

	char *ids[] = {a1, a2, b1, c1, c2, a3};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		free(ids[i]);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&c);
	th_member_free(&outsider);
}
END_TEST

START_TEST(every_route_needs_a_token)
{
	const struct api_call calls[] = {
		{"GET", "/api/v1/classes", NULL},
		{"PUT", "/api/v1/admin/classes/P3/staff", "{\"user_ids\":[]}"},
	};
	api_assert_all_unauthorized(calls, sizeof(calls) / sizeof(calls[0]));
}
END_TEST

/* --- PUT /api/v1/admin/classes/{name}/staff --------------------------------------------- */

START_TEST(admin_replaces_staff)
{
	struct th_member admin, t1, t2, admin2;
	register_as(&admin, "staffadmin", "admin");
	register_as(&t1, "staffalice", "teacher");
	register_as(&t2, "staffbruno", "teacher");
	register_as(&admin2, "staffchloe", "admin");
	/* Duplicates collapse; an upper-case id names the same account. */
	char upper[37];
	snprintf(upper, sizeof(upper), "%s", admin2.id);
	for (char *p = upper; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'f' ? *p - 'a' + 'A' : *p);
	const char *ids[] = {t2.id, t1.id, t2.id, upper};
	struct th_resp *r = staff_put(admin.access_token, "P3", ids, 4);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_int_eq(json_object_size(r->json), 4);
	ck_assert_str_eq(th_str(r, "name"), "P3");
	char expected[160];
	/* by last name (all "Test"), then first name */
	snprintf(expected, sizeof(expected), "%s,%s,%s", t1.id, t2.id, admin2.id);
	ck_assert_str_eq(staff_ids(r->json), expected);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(r->json, "staff"), 0), "first_name")),
			 "staffalice");
	th_resp_free(&r);
	ck_assert_int_eq(staff_rows("P3"), 3);
	ck_assert_int_eq(staff_row("P3", admin2.id), 1);

	/* Another class is separate; GET shows both. */
	const char *p1[] = {t1.id};
	r = staff_put(admin.access_token, "P1", p1, 1);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = classes_get(t2.access_token);
	ck_assert_str_eq(staff_ids(class_in(r, "P3")), expected);
	ck_assert_str_eq(staff_ids(class_in(r, "P1")), t1.id);
	ck_assert_str_eq(staff_ids(class_in(r, "P2")), "");
	th_resp_free(&r);

	/* Replacing keeps the rows that stay (and when they were assigned). */
	api_db_exec("UPDATE class_staff SET assigned_at = '2020-01-01T00:00:00Z' WHERE user_id = $1",
		    t1.id, NULL);
	const char *only_t1[] = {t1.id};
	r = staff_put(admin.access_token, "P3", only_t1, 1);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(staff_ids(r->json), t1.id);
	th_resp_free(&r);
	ck_assert_int_eq(staff_rows("P3"), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM class_staff WHERE user_id = $1 AND "
				      "assigned_at < '2021-01-01T00:00:00Z'",
				      t1.id, NULL),
			 2);

	/* An empty list clears the class. */
	r = staff_put(admin.access_token, "P3", NULL, 0);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "staff")), 0);
	th_resp_free(&r);
	ck_assert_int_eq(staff_rows("P3"), 0);
	ck_assert_int_eq(staff_rows("P1"), 1);

	/* A staff member demoted to parent (the command line can) staffs nothing any more. */
	api_promote(&t1, "parent");
	r = classes_get(t1.access_token);
	ck_assert_str_eq(staff_ids(class_in(r, "P1")), "");
	th_resp_free(&r);
	th_member_free(&admin);
	th_member_free(&t1);
	th_member_free(&t2);
	th_member_free(&admin2);
}
END_TEST

START_TEST(only_admins_assign_staff)
{
	struct th_member parent, teacher;
	register_as(&parent, "staffparent", NULL);
	register_as(&teacher, "staffteacher", "teacher");
	const char *self[] = {teacher.id};
	const char *tokens[] = {parent.access_token, teacher.access_token};
	for (size_t i = 0; i < 2; i++) {
		struct th_resp *r = staff_put(tokens[i], "P4", self, 1);
		ck_assert_problem(r, 403, "forbidden");
		th_resp_free(&r);
		/* Before anything else: an unknown class or a bad body is still 403. */
		r = staff_put_raw(tokens[i], "Z9", "{\"user_ids\":7}");
		ck_assert_problem(r, 403, "forbidden");
		th_resp_free(&r);
	}
	ck_assert_int_eq(staff_rows("P4"), 0);
	th_member_free(&parent);
	th_member_free(&teacher);
}
END_TEST

START_TEST(unknown_class_is_404)
{
	struct th_member admin, teacher;
	register_as(&admin, "staff404", "admin");
	register_as(&teacher, "staff404t", "teacher");
	const char *ids[] = {teacher.id};
	static const char *const bad[] = {"P7", "p3", "M0", "P33", "classe"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct th_resp *r = staff_put(admin.access_token, bad[i], ids, 1);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
	}
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM class_staff WHERE user_id = $1",
				      teacher.id, NULL),
			 0);
	th_member_free(&admin);
	th_member_free(&teacher);
}
END_TEST

START_TEST(bad_bodies_are_422)
{
	struct th_member admin;
	register_as(&admin, "staff422", "admin");
	struct {
		const char *body, *field, *code;
	} cases[] = {
		{"{}", "user_ids", "required"},
		{"{\"user_ids\":null}", "user_ids", "invalid_type"},
		{"{\"user_ids\":\"" RANDOM_UUID "\"}", "user_ids", "invalid_type"},
		{"{\"user_ids\":{}}", "user_ids", "invalid_type"},
		{"{\"user_ids\":[7]}", "user_ids[0]", "invalid_type"},
		{"{\"user_ids\":[\"" RANDOM_UUID "\", null]}", "user_ids[1]", "invalid_type"},
		{"{\"user_ids\":[\"not-a-uuid\"]}", "user_ids[0]", "invalid_uuid"},
		{"{\"user_ids\":[], \"class\":\"P3\"}", "class", "unknown_field"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct th_resp *r = staff_put_raw(admin.access_token, "P2", cases[i].body);
		assert_field_error(r, cases[i].field, cases[i].code);
		th_resp_free(&r);
	}
	/* At most 20 ids, duplicates or not. */
	const char *many[21];
	for (size_t i = 0; i < 21; i++)
		many[i] = admin.id;
	struct th_resp *r = staff_put(admin.access_token, "P2", many, 21);
	assert_field_error(r, "user_ids", "too_many_items");
	th_resp_free(&r);
	r = staff_put(admin.access_token, "P2", many, 20);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(staff_ids(r->json), admin.id);
	th_resp_free(&r);
	th_member_free(&admin);
}
END_TEST

/* Each id must be an active teacher or admin; one bad id refuses the whole list. */
START_TEST(only_teachers_and_admins_can_be_staff)
{
	struct th_member admin, teacher, parent, gone;
	register_as(&admin, "staffroles", "admin");
	register_as(&teacher, "staffrolest", "teacher");
	register_as(&parent, "staffrolesp", NULL);
	register_as(&gone, "staffrolesg", "teacher");
	struct th_resp *r = th_json("DELETE", "/api/v1/users/me", gone.access_token, "{s:s}",
				    "password", gone.password);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	const char *before[] = {teacher.id};
	r = staff_put(admin.access_token, "M2", before, 1);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	const char *ids[] = {admin.id, parent.id, RANDOM_UUID, gone.id, teacher.id};
	r = staff_put(admin.access_token, "M2", ids, 5);
	ck_assert_problem(r, 422, "validation_failed");
	ck_assert_int_eq(api_err_count(r), 3);
	ck_assert(api_has_error(r, "user_ids[1]", "not_staff_role"));
	ck_assert(api_has_error(r, "user_ids[2]", "unknown_member"));
	ck_assert(api_has_error(r, "user_ids[3]", "unknown_member"));
	th_resp_free(&r);
	/* Nothing changed. */
	ck_assert_int_eq(staff_rows("M2"), 1);
	ck_assert_int_eq(staff_row("M2", teacher.id), 1);
	th_member_free(&admin);
	th_member_free(&teacher);
	th_member_free(&parent);
	th_member_free(&gone);
}
END_TEST

/* --- what other modules use ------------------------------------------------------------- */

START_TEST(staff_helpers)
{
	struct th_member admin, teacher, parent;
	register_as(&admin, "helperadmin", "admin");
	register_as(&teacher, "helperteacher", "teacher");
	register_as(&parent, "helperparent", NULL);
	const char *ids[] = {teacher.id};
	struct th_resp *r = staff_put(admin.access_token, "M3", ids, 1);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = staff_put(admin.access_token, "P6", ids, 1);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(th_current->app->db, &error);
	ck_assert_msg(conn != NULL, "%s", error ? error : "");
	sh_class_set set = 1;
	ck_assert_int_eq(sh_classes_staffed_by(conn, teacher.id, &set), SH_DB_OK);
	ck_assert_uint_eq(set, SH_CLASS_BIT(sh_class_index("M3")) | SH_CLASS_BIT(sh_class_index("P6")));
	ck_assert_int_eq(sh_class_staff_has(conn, "M3", teacher.id), SH_DB_ROW);
	ck_assert_int_eq(sh_class_staff_has(conn, "P5", teacher.id), SH_DB_OK);
	ck_assert_int_eq(sh_class_staff_has(conn, "Z1", teacher.id), SH_DB_OK);
	ck_assert_int_eq(sh_class_staff_has(conn, "M3", "not a uuid"), SH_DB_OK);
	ck_assert_int_eq(sh_classes_staffed_by(conn, parent.id, &set), SH_DB_OK);
	ck_assert_uint_eq(set, 0);
	ck_assert_int_eq(sh_classes_staffed_by(conn, "nope", &set), SH_DB_OK);
	ck_assert_uint_eq(set, 0);
	/* The role is checked at every call: demoted, the rows no longer count. */
	api_promote(&teacher, "parent");
	ck_assert_int_eq(sh_class_staff_has(conn, "M3", teacher.id), SH_DB_OK);
	ck_assert_int_eq(sh_classes_staffed_by(conn, teacher.id, &set), SH_DB_OK);
	ck_assert_uint_eq(set, 0);
	sh_conn_close(&conn);
	th_member_free(&admin);
	th_member_free(&teacher);
	th_member_free(&parent);
}
END_TEST

/* --- GDPR --------------------------------------------------------------------------------- */

START_TEST(export_lists_and_erasure_removes_assignments)
{
	struct th_member admin, teacher;
	register_as(&admin, "gdpradmin", "admin");
	register_as(&teacher, "gdprteacher", "teacher");
	const char *ids[] = {teacher.id};
	struct th_resp *r = staff_put(admin.access_token, "P4", ids, 1);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = staff_put(admin.access_token, "M1", ids, 1);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	r = th_request("GET", "/api/v1/users/me/export", teacher.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	json_t *items = json_object_get(r->json, "class_staff");
	ck_assert_int_eq(json_array_size(items), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "class_name")), "M1");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 1), "class_name")), "P4");
	ck_assert_int_eq(strlen(json_string_value(json_object_get(json_array_get(items, 0), "assigned_at"))), 20);
	th_resp_free(&r);
	/* Someone else's export has none of it. */
	r = th_request("GET", "/api/v1/users/me/export", admin.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "class_staff")), 0);
	th_resp_free(&r);

	r = th_json("DELETE", "/api/v1/users/me", teacher.access_token, "{s:s}", "password",
		    teacher.password);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM class_staff WHERE user_id = $1",
				      teacher.id, NULL),
			 0);
	r = classes_get(admin.access_token);
	ck_assert_str_eq(staff_ids(class_in(r, "P4")), "");
	th_resp_free(&r);
	th_member_free(&admin);
	th_member_free(&teacher);
}
END_TEST

Suite *api_classes_suite(void)
{
	Suite *s = suite_create("classes");
	TCase *tc = tcase_create("classes and staff");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, empty_school_lists_nine_classes_in_order); /* first: fresh database */
	tcase_add_test(tc, counts_children_and_families);
	tcase_add_test(tc, every_route_needs_a_token);
	tcase_add_test(tc, admin_replaces_staff);
	tcase_add_test(tc, only_admins_assign_staff);
	tcase_add_test(tc, unknown_class_is_404);
	tcase_add_test(tc, bad_bodies_are_422);
	tcase_add_test(tc, only_teachers_and_admins_can_be_staff);
	tcase_add_test(tc, staff_helpers);
	tcase_add_test(tc, export_lists_and_erasure_removes_assignments);
	suite_add_tcase(s, tc);
	return s;
}
