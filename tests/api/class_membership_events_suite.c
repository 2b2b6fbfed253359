/*
 * conversation.updated when a class conversation's derived members change through the
 * children, invitations and classes routes (src/modules/messages/class_membership.h): the
 * events read back from member_events, and GET /conversations agreeing with them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conversations_support.h"
#include "schoolhub/store.h"

/* How many conversation.updated events about conversation "conv" "user_id" has. */
static int64_t updates_of(const char *user_id, const char *conv)
{
	return api_db_count("SELECT COUNT(*) FROM member_events WHERE user_id = $1 AND kind = "
			    "'conversation.updated' AND data LIKE '%\"id\":\"' || $2 || '\"%'",
			    user_id, conv);
}

/* members_count in "user_id"'s newest conversation.updated event. */
static int64_t last_count(const char *user_id)
{
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(th_current->app->db, &error);
	ck_assert_msg(conn != NULL, "%s", error ? error : "");
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT data FROM member_events WHERE user_id = $1 AND "
					"kind = 'conversation.updated' ORDER BY id DESC LIMIT 1",
					SH_ARGS(SH_TEXT(user_id)), &st);
	ck_assert_int_eq(rc, SH_DB_ROW);
	json_t *data = json_loads(sh_stmt_col_text(st, 0), 0, NULL);
	sh_stmt_free(&st);
	sh_conn_close(&conn);
	ck_assert_ptr_nonnull(data);
	int64_t n = json_integer_value(json_object_get(data, "members_count"));
	json_decref(data);
	return n;
}

/* members_count of class conversation "conv" as its member "token" reads it. */
static int64_t listed_count(const char *token, const char *conv)
{
	json_t *row = conv_listed(token, conv);
	ck_assert_ptr_nonnull(row);
	int64_t n = json_integer_value(json_object_get(row, "members_count"));
	json_decref(row);
	return n;
}

static char *child_in(const char *token, const char *class_name)
{
	struct th_resp *r = th_json("POST", "/api/v1/children", token, "{s:s, s:s, s:s}",
				    "first_name", "Noa", "last_name", "Evt", "class_name",
				    class_name);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

static void staff_put(const char *admin_token, const char *klass, const char *user_id)
{
	char path[64];
	snprintf(path, sizeof(path), "/api/v1/admin/classes/%s/staff", klass);
	struct th_resp *r = user_id != NULL ? th_json("PUT", path, admin_token, "{s:[s]}",
						      "user_ids", user_id)
					    : th_json("PUT", path, admin_token, "{s:[]}", "user_ids");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
}

/* A child added, edited, moved and deleted: its guardian joins and leaves, the class's
 * staff hears of every change of members, and an edit that moves nobody tells no one. */
START_TEST(child_changes_tell_the_class_members)
{
	struct th_member p, t, admin;
	th_member_register(&p, "cmevp");
	th_member_register(&t, "cmevt");
	th_member_register(&admin, "cmevadmin");
	api_promote(&t, "teacher");
	api_promote(&admin, "admin");
	const char *p5 = conv_class_id("P5"), *p6 = conv_class_id("P6");
	staff_put(admin.access_token, "P5", t.id);
	ck_assert_int_eq(updates_of(t.id, p5), 1); /* the teacher joined P5 */
	char *child = child_in(p.access_token, "P5");
	ck_assert_int_eq(updates_of(p.id, p5), 1);
	ck_assert_int_eq(updates_of(t.id, p5), 2);
	ck_assert_int_eq(last_count(t.id), listed_count(t.access_token, p5));
	ck_assert_int_eq(last_count(p.id), listed_count(p.access_token, p5));
	/* A second child in the same class changes no membership: no event. */
	char *sibling = child_in(p.access_token, "P5");
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/children/%s", child);
	struct th_resp *r = th_json("PATCH", path, p.access_token, "{s:s}", "photo_consent", "yes");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	ck_assert_int_eq(updates_of(p.id, p5), 1);
	ck_assert_int_eq(updates_of(t.id, p5), 2);
	/* Both children move to P6: the parent leaves P5 (told, and it leaves the list). */
	r = th_json("PATCH", path, p.access_token, "{s:s}", "class_name", "P6");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	ck_assert_int_eq(updates_of(p.id, p6), 1); /* still in P5 through the sibling */
	ck_assert_int_eq(updates_of(p.id, p5), 1);
	snprintf(path, sizeof(path), "/api/v1/children/%s", sibling);
	r = th_json("PATCH", path, p.access_token, "{s:s}", "class_name", "P6");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	ck_assert_int_eq(updates_of(p.id, p5), 2);
	ck_assert_int_eq(updates_of(t.id, p5), 3);
	ck_assert_int_eq(last_count(t.id), listed_count(t.access_token, p5));
	ck_assert_ptr_null(conv_listed(p.access_token, p5));
	json_t *row = conv_listed(p.access_token, p6);
	ck_assert_ptr_nonnull(row);
	json_decref(row);
	/* Deleting one child of two in P6 moves no one; deleting the last one does. */
	r = th_request("DELETE", path, p.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(updates_of(p.id, p6), 1);
	snprintf(path, sizeof(path), "/api/v1/children/%s", child);
	r = th_request("DELETE", path, p.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(updates_of(p.id, p6), 2);
	ck_assert_ptr_null(conv_listed(p.access_token, p6));
	free(child);
	free(sibling);
	th_member_free(&p);
	th_member_free(&t);
	th_member_free(&admin);
}
END_TEST

/* A co-parent linked by an accepted invitation joins; unlinked, leaves; both told, and the
 * other members too. A refused unlink (404) tells no one. */
START_TEST(guardian_link_and_unlink_tell_the_class_members)
{
	struct th_member p, q;
	th_member_register(&p, "cmevlinkp");
	th_member_register(&q, "cmevlinkq");
	const char *m3 = conv_class_id("M3");
	char *child = child_in(p.access_token, "M3");
	int64_t p_before = updates_of(p.id, m3);
	ck_assert_int_eq(p_before, 1);
	api_link_coparent(p.access_token, child, &q);
	ck_assert_int_eq(updates_of(q.id, m3), 1);
	ck_assert_int_eq(updates_of(p.id, m3), 2);
	ck_assert_int_eq(last_count(q.id), listed_count(q.access_token, m3));
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/children/%s/guardians/%s", child, p.id);
	struct th_resp *r = th_request("DELETE", path, q.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(updates_of(p.id, m3), 3); /* the one who left is told */
	ck_assert_int_eq(updates_of(q.id, m3), 2);
	ck_assert_ptr_null(conv_listed(p.access_token, m3));
	ck_assert_int_eq(last_count(q.id), listed_count(q.access_token, m3));
	r = th_request("DELETE", path, q.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 404);
	th_resp_free(&r);
	ck_assert_int_eq(updates_of(q.id, m3), 2);
	free(child);
	th_member_free(&p);
	th_member_free(&q);
}
END_TEST

/* Staff replaced: the teacher who leaves and the one who joins are told, the guardians
 * too; the same staff again tells no one. */
START_TEST(staff_changes_tell_the_class_members)
{
	struct th_member p, t1, t2, admin;
	th_member_register(&p, "cmevstp");
	th_member_register(&t1, "cmevst1");
	th_member_register(&t2, "cmevst2");
	th_member_register(&admin, "cmevstadmin");
	api_promote(&t1, "teacher");
	api_promote(&t2, "teacher");
	api_promote(&admin, "admin");
	const char *m2 = conv_class_id("M2");
	char *child = child_in(p.access_token, "M2");
	staff_put(admin.access_token, "M2", t1.id);
	ck_assert_int_eq(updates_of(t1.id, m2), 1);
	ck_assert_int_eq(updates_of(p.id, m2), 2);
	staff_put(admin.access_token, "M2", t1.id);
	ck_assert_int_eq(updates_of(t1.id, m2), 1);
	ck_assert_int_eq(updates_of(p.id, m2), 2);
	staff_put(admin.access_token, "M2", t2.id);
	ck_assert_int_eq(updates_of(t1.id, m2), 2);
	ck_assert_int_eq(updates_of(t2.id, m2), 1);
	ck_assert_int_eq(updates_of(p.id, m2), 3);
	ck_assert_ptr_null(conv_listed(t1.access_token, m2));
	ck_assert_int_eq(last_count(t2.id), listed_count(t2.access_token, m2));
	ck_assert_int_eq(updates_of(admin.id, m2), 0);
	staff_put(admin.access_token, "M2", NULL);
	ck_assert_int_eq(updates_of(t2.id, m2), 2);
	ck_assert_ptr_null(conv_listed(t2.access_token, m2));
	free(child);
	th_member_free(&p);
	th_member_free(&t1);
	th_member_free(&t2);
	th_member_free(&admin);
}
END_TEST

Suite *api_class_membership_events_suite(void)
{
	Suite *s = suite_create("class_membership_events");
	TCase *tc = tcase_create("class membership events");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, child_changes_tell_the_class_members);
	tcase_add_test(tc, guardian_link_and_unlink_tell_the_class_members);
	tcase_add_test(tc, staff_changes_tell_the_class_members);
	suite_add_tcase(s, tc);
	return s;
}
