/*
 * The school-year rollover (POST /api/v1/admin/school-year/rollover, issue #15): refused to
 * parents and teachers and to bad bodies, the dry run changes nothing and answers what the
 * real run then does, P6 leavers archived (left_at, read-only, their guardians notified),
 * the class conversations, GET /classes, announcement audiences and the admins' class
 * filter leaving them out, one run per school year (409 already_rolled_over within 300 days
 * of the last run, whatever the school-year label; force), one
 * audit row per run. The cases share one server and run in order.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_support.h"
#include "announcements_support.h"
#include "conversations_support.h"
#include "events_support.h"
#include "notify_support.h"

#define ROLLOVER "/api/v1/admin/school-year/rollover"

static char anna_id[37]; /* the M1 child of the second case, followed by the third */

static struct th_resp *rollover(const char *token, const char *body)
{
	return th_request("POST", ROLLOVER, token, body, NULL, NULL);
}

static struct th_resp *rollover_ok(const char *token, const char *body)
{
	struct th_resp *r = rollover(token, body);
	ck_assert_msg(r->status == 200, "%s: %ld %s", body, r->status, r->body);
	return r;
}

/* The move of "child_id" in an answer ("to" of it), or NULL. */
static const char *move_to(const struct th_resp *r, const char *child_id)
{
	json_t *moves = json_object_get(r->json, "moves");
	for (size_t i = 0; i < json_array_size(moves); i++) {
		json_t *m = json_array_get(moves, i);
		if (strcmp(json_string_value(json_object_get(m, "child_id")), child_id) == 0)
			return json_string_value(json_object_get(m, "to"));
	}
	return NULL;
}

/* "before" or "after" of class "name" in an answer's counts. */
static json_int_t count_in(const struct th_resp *r, const char *name, const char *which)
{
	json_t *counts = json_object_get(r->json, "counts");
	for (size_t i = 0; i < json_array_size(counts); i++) {
		json_t *c = json_array_get(counts, i);
		if (strcmp(json_string_value(json_object_get(c, "class_name")), name) == 0)
			return json_integer_value(json_object_get(c, which));
	}
	ck_abort_msg("no class %s", name);
	return -1;
}

static json_int_t classes_children(const char *token, const char *name)
{
	struct th_resp *r = admin_get(token, "/api/v1/classes", 200);
	json_t *items = json_object_get(r->json, "items");
	json_int_t n = -1;
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *c = json_array_get(items, i);
		if (strcmp(json_string_value(json_object_get(c, "name")), name) == 0)
			n = json_integer_value(json_object_get(c, "children"));
	}
	th_resp_free(&r);
	return n;
}

/* The runs recorded (a query without parameters). */
static int64_t runs(void)
{
	struct sh_conn *conn = admin_db();
	int64_t n = -1;
	ck_assert_int_eq(sh_query_int64(conn, "SELECT COUNT(*) FROM school_year_rollovers",
					SH_ARGS(), &n),
			 SH_DB_ROW);
	sh_conn_close(&conn);
	return n;
}

static int64_t class_of(const char *child_id, const char *klass)
{
	return api_db_count("SELECT COUNT(*) FROM children WHERE CAST(id AS TEXT) = $1 AND "
			    "class_name = $2 AND left_at IS NULL",
			    child_id, klass);
}

START_TEST(refused_to_parents_teachers_and_bad_bodies)
{
	struct th_member admin, teacher, parent;
	admin_register(&admin, "roadmin0", "admin");
	admin_register(&teacher, "roteacher0", "teacher");
	th_member_register(&parent, "roparent0");
	const char *dry = "{\"dry_run\":true}";
	struct th_resp *r = rollover(parent.access_token, dry);
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	r = rollover(teacher.access_token, "{\"dry_run\":false}");
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	r = rollover(admin.access_token, "{}");
	assert_field_error(r, "dry_run", "required");
	th_resp_free(&r);
	r = rollover(admin.access_token, "{\"dry_run\":\"yes\"}");
	assert_field_error(r, "dry_run", "invalid_type");
	th_resp_free(&r);
	r = rollover(admin.access_token, "{\"dry_run\":false,\"force\":1}");
	assert_field_error(r, "force", "invalid_type");
	th_resp_free(&r);
	r = rollover(admin.access_token, "{\"dry_run\":false,\"year\":2026}");
	assert_field_error(r, "year", "unknown_field");
	th_resp_free(&r);
	ck_assert_int_eq(runs(), 0);
	ck_assert_int_eq(admin_audit_rows("school_year.rollover", admin.id, NULL), 0);
	th_member_free(&admin);
	th_member_free(&teacher);
	th_member_free(&parent);
}
END_TEST

START_TEST(dry_run_then_run_moves_everyone_up)
{
	struct th_member admin, teacher, p, q;
	admin_register(&admin, "roadmin", "admin");
	admin_register(&teacher, "roteacher", "teacher");
	th_member_register(&p, "roparentp");
	th_member_register(&q, "roparentq");
	char *anna = admin_child(&p, "Anna", "M1");
	char *zoe = admin_child(&p, "Zoé", "P6");
	char *bram = admin_child(&q, "Bram", "P5");
	snprintf(anna_id, sizeof(anna_id), "%s", anna);
	nt_clock(nt_utc(2026, 10, 1, 12, 0, 2)); /* school year 2026-2027 */

	struct th_resp *dry = rollover_ok(admin.access_token, "{\"dry_run\":true}");
	ck_assert(json_is_true(json_object_get(dry->json, "dry_run")));
	ck_assert_str_eq(th_str(dry, "school_year"), "2026-2027");
	ck_assert_str_eq(move_to(dry, anna), "M2");
	ck_assert_str_eq(move_to(dry, zoe), "left");
	ck_assert_str_eq(move_to(dry, bram), "P6");
	ck_assert_int_eq(json_integer_value(json_object_get(dry->json, "leaving")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(dry->json, "moved")), 2);
	ck_assert_int_eq(count_in(dry, "M1", "before"), 1);
	ck_assert_int_eq(count_in(dry, "M1", "after"), 0);
	ck_assert_int_eq(count_in(dry, "M2", "after"), 1);
	ck_assert_int_eq(count_in(dry, "P6", "before"), 1);
	ck_assert_int_eq(count_in(dry, "P6", "after"), 1);
	ck_assert_ptr_null(json_object_get(dry->json, "run_id"));
	/* Nothing written by the dry run. */
	ck_assert_int_eq(class_of(anna, "M1") + class_of(zoe, "P6") + class_of(bram, "P5"), 3);
	ck_assert_int_eq(runs(), 0);
	ck_assert_int_eq(admin_audit_rows("school_year.rollover", admin.id, NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM notifications WHERE kind = $1",
				      "child_left", NULL),
			 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM children WHERE updated_at > "
				      "created_at AND (id = $1 OR id = $2)",
				      anna, zoe),
			 0);
	/* ... but the admin's look at every child's name is audited: one row, ids only. */
	ck_assert_int_eq(admin_audit_rows("school_year.rollover_previewed", admin.id, NULL), 1);
	ck_assert_int_eq(admin_audit_rows("school_year.rollover_previewed", admin.id, anna), 1);
	ck_assert_int_eq(admin_audit_rows("school_year.rollover_previewed", admin.id, zoe), 1);
	ck_assert_int_eq(admin_audit_rows("school_year.rollover_previewed", admin.id, bram), 1);

	struct th_resp *run = rollover_ok(admin.access_token, "{\"dry_run\":false}");
	ck_assert(json_is_false(json_object_get(run->json, "dry_run")));
	ck_assert(json_is_false(json_object_get(run->json, "forced")));
	ck_assert(json_equal(json_object_get(dry->json, "moves"),
			     json_object_get(run->json, "moves")));
	ck_assert(json_equal(json_object_get(dry->json, "counts"),
			     json_object_get(run->json, "counts")));
	const char *run_id = th_str(run, "run_id");
	ck_assert_ptr_nonnull(run_id);
	/* The database: moved up, Zoé archived in her last class. */
	ck_assert_int_eq(class_of(anna, "M2") + class_of(bram, "P6"), 2);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM children WHERE CAST(id AS TEXT) = $1 "
				      "AND class_name = 'P6' AND left_at IS NOT NULL",
				      zoe, NULL),
			 1);
	ck_assert_int_eq(
		api_db_count("SELECT COUNT(*) FROM school_year_rollovers WHERE "
			     "school_year = $1 AND CAST(ran_by AS TEXT) = $2 AND moved = 2 "
			     "AND left_count = 1",
			     "2026-2027", admin.id),
		1);
	ck_assert_int_eq(admin_audit_rows("school_year.rollover", admin.id, run_id), 1);
	ck_assert_int_eq(admin_audit_rows("school_year.rollover", admin.id, zoe), 1);
	/* Zoé's guardian is told once; Bram's is not. */
	char *ref = NULL;
	ck_assert(asprintf(&ref, "child_left:%s", zoe) > 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND "
				      "kind = 'child_left' AND ref = $2",
				      p.id, ref),
			 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND "
				      "kind = 'child_left'",
				      q.id, NULL),
			 0);
	free(ref);
	th_resp_free(&dry);
	th_resp_free(&run);

	/* The guardian still sees Zoé, marked as left, read-only. */
	struct th_resp *r = admin_get(p.access_token, "/api/v1/children", 200);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_int_eq(json_array_size(items), 2);
	for (size_t i = 0; i < 2; i++) {
		json_t *c = json_array_get(items, i);
		bool is_zoe = strcmp(json_string_value(json_object_get(c, "id")), zoe) == 0;
		ck_assert(is_zoe ? json_is_string(json_object_get(c, "left_at")) :
				   json_is_null(json_object_get(c, "left_at")));
	}
	th_resp_free(&r);
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/children/%s", zoe);
	r = th_json("PATCH", path, p.access_token, "{s:s}", "class_name", "P5");
	ck_assert_problem(r, 409, "child_left");
	th_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/children/%s/guardians", zoe);
	r = th_json("POST", path, p.access_token, "{s:s}", "email", "grand-mere.zoe@example.be");
	ck_assert_problem(r, 409, "child_left");
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE "
				      "CAST(child_id AS TEXT) = $1",
				      zoe, NULL),
			 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM children WHERE CAST(id AS TEXT) = $1 "
				      "AND class_name = 'P6'",
				      zoe, NULL),
			 1);

	/* No class counts Zoé: GET /classes, the P6 conversation, an audience, a filter. */
	ck_assert_int_eq(classes_children(teacher.access_token, "P6"), 1);
	ck_assert_int_eq(classes_children(teacher.access_token, "M1"), 0);
	ck_assert_int_eq(classes_children(teacher.access_token, "M2"), 1);
	json_t *row = conv_listed(p.access_token, conv_class_id("P6"));
	ck_assert_ptr_null(row);
	row = conv_listed(q.access_token, conv_class_id("P6"));
	ck_assert_ptr_nonnull(row);
	ck_assert_int_eq(json_integer_value(json_object_get(row, "members_count")), 1);
	json_decref(row);
	row = conv_listed(p.access_token, conv_class_id("M2"));
	ck_assert_ptr_nonnull(row);
	json_decref(row);
	ck_assert_int_ge(
		api_db_count("SELECT COUNT(*) FROM member_events WHERE user_id = $1 AND "
			     "kind = 'conversation.updated' AND data LIKE '%' || $2 || '%'",
			     p.id, conv_class_id("P6")),
		1);
	char *ann = ann_publish(admin.access_token, "Fancy-fair", "P6", false);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM announcement_children WHERE "
				      "CAST(child_id AS TEXT) = $1",
				      zoe, NULL),
			 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM announcement_children WHERE "
				      "CAST(child_id AS TEXT) = $1",
				      bram, NULL),
			 1);
	free(ann);
	/* A P6 event: Bram's parent sees it, Zoé's (her other child is in M2) does not. */
	char *event = ev_create(admin.access_token, "Excursion P6", "{\"classes\":[\"P6\"]}", "");
	r = ev_call("GET", q.access_token, event, "", NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = ev_call("GET", p.access_token, event, "", NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	free(event);
	r = admin_get(admin.access_token, "/api/v1/admin/users?class=P6", 200);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
	th_resp_free(&r);
	nt_clock_reset();
	free(anna);
	free(zoe);
	free(bram);
	th_member_free(&admin);
	th_member_free(&teacher);
	th_member_free(&p);
	th_member_free(&q);
}
END_TEST

START_TEST(once_a_school_year_unless_forced)
{
	struct th_member admin;
	admin_register(&admin, "roadmin2", "admin");
	nt_clock(nt_utc(2027, 7, 20, 10, 0, 2)); /* 292 days after the run of 2026-10-01 */
	struct th_resp *r = rollover(admin.access_token, "{\"dry_run\":false}");
	ck_assert_problem(r, 409, "already_rolled_over");
	th_resp_free(&r);
	r = rollover(admin.access_token, "{\"dry_run\":true}");
	ck_assert_problem(r, 409, "already_rolled_over");
	th_resp_free(&r);
	ck_assert_int_eq(runs(), 1);
	/* Forced: it runs (Bram, now in P6, leaves), and says so. */
	r = rollover_ok(admin.access_token, "{\"dry_run\":false,\"force\":true}");
	ck_assert(json_is_true(json_object_get(r->json, "forced")));
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "leaving")), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM school_year_rollovers WHERE "
				      "school_year = $1 AND CASE WHEN forced THEN 1 ELSE 0 END = 1",
				      "2026-2027", NULL),
			 1);
	ck_assert_int_eq(admin_audit_rows("school_year.rollover", admin.id, th_str(r, "run_id")),
			 1);
	th_resp_free(&r);
	/* A year on, a school starting on the last Monday of August rolls over on 25 August
	 * (labelled 2027-2028): nothing to force. */
	nt_clock(nt_utc(2028, 8, 25, 8, 0, 2));
	r = rollover_ok(admin.access_token, "{\"dry_run\":false}");
	ck_assert_str_eq(th_str(r, "school_year"), "2027-2028");
	ck_assert(json_is_false(json_object_get(r->json, "forced")));
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "leaving")), 0);
	th_resp_free(&r);
	/* A second click on 2 September carries another label (2028-2029) but is the same
	 * year's rollover: refused, children moved once. */
	nt_clock(nt_utc(2028, 9, 2, 8, 0, 2));
	r = rollover(admin.access_token, "{\"dry_run\":false}");
	ck_assert_problem(r, 409, "already_rolled_over");
	th_resp_free(&r);
	r = rollover(admin.access_token, "{\"dry_run\":true}");
	ck_assert_problem(r, 409, "already_rolled_over");
	th_resp_free(&r);
	ck_assert_int_eq(runs(), 3);
	ck_assert_int_eq(class_of(anna_id, "P1"), 1); /* M2, M3 forced, P1 */
	nt_clock_reset();
	th_member_free(&admin);
}
END_TEST

static void *run_once(void *token)
{
	struct th_resp *r = rollover(token, "{\"dry_run\":false}");
	long *status = malloc(sizeof(*status));
	*status = r->status;
	th_resp_free(&r);
	return status;
}

/* Two admins' clicks at once in a new school year: one runs, the other is refused. */
START_TEST(two_runs_at_once_make_one)
{
	struct th_member admin;
	admin_register(&admin, "roadmin3", "admin");
	nt_clock(nt_utc(2029, 9, 3, 8, 0, 2)); /* 2029-2030, a year after the last run */
	pthread_t threads[2];
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, run_once, admin.access_token),
				 0);
	long ok = 0, refused = 0;
	for (int i = 0; i < 2; i++) {
		long *status = NULL;
		pthread_join(threads[i], (void **)&status);
		ok += *status == 200;
		refused += *status == 409;
		free(status);
	}
	ck_assert_int_eq(ok, 1);
	ck_assert_int_eq(refused, 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM school_year_rollovers WHERE "
				      "school_year = $1",
				      "2029-2030", NULL),
			 1);
	ck_assert_int_eq(class_of(anna_id, "P2"), 1); /* moved once, not twice */
	nt_clock_reset();
	th_member_free(&admin);
}
END_TEST

Suite *api_rollover_suite(void)
{
	Suite *s = suite_create("rollover");
	TCase *tc = tcase_create("school year");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, refused_to_parents_teachers_and_bad_bodies);
	tcase_add_test(tc, dry_run_then_run_moves_everyone_up);
	tcase_add_test(tc, once_a_school_year_unless_forced);
	tcase_add_test(tc, two_runs_at_once_make_one);
	suite_add_tcase(s, tc);
	return s;
}
