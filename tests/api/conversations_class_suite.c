/*
 * Class conversations: one per class, its members derived from the children's guardians and
 * the class's staff, following a child's class change, a co-parent linked, staff replaced,
 * a child deleted; never edited by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conversations_support.h"

static struct th_resp *member_add(const char *token, const char *conv, const char *user)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/conversations/%s/members", conv);
	return th_json("POST", path, token, "{s:s}", "user_id", user);
}

static char *child_in(const char *token, const char *class_name)
{
	struct th_resp *r = th_json("POST", "/api/v1/children", token, "{s:s, s:s, s:s}",
				    "first_name", "Lou", "last_name", "Klas", "class_name",
				    class_name);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

static const char *role_of(const struct th_resp *r, const char *user_id)
{
	json_t *members = json_object_get(r->json, "members");
	for (size_t i = 0; i < json_array_size(members); i++) {
		json_t *m = json_array_get(members, i);
		if (strcmp(json_string_value(json_object_get(m, "id")), user_id) == 0)
			return json_string_value(json_object_get(m, "role"));
	}
	return NULL;
}

START_TEST(class_members_follow_children_guardians_and_staff)
{
	struct th_member p, q, t, admin;
	th_member_register(&p, "classp");
	th_member_register(&q, "classq");
	th_member_register(&t, "classt");
	th_member_register(&admin, "classadmin");
	api_promote(&t, "teacher");
	api_promote(&admin, "admin");
	const char *p3 = conv_class_id("P3"), *p4 = conv_class_id("P4");
	struct th_resp *r = conv_get(p.access_token, "/api/v1/conversations/%s", p3);
	ck_assert_int_eq(r->status, 404);
	th_resp_free(&r);
	char *child = child_in(p.access_token, "P3");
	r = conv_get(p.access_token, "/api/v1/conversations/%s", p3);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "kind"), "class");
	ck_assert_str_eq(th_str(r, "class_name"), "P3");
	ck_assert_str_eq(role_of(r, p.id), "guardian");
	th_resp_free(&r);
	/* Staff assigned: a member at once. */
	r = th_json("PUT", "/api/v1/admin/classes/P3/staff", admin.access_token, "{s:[s]}",
		    "user_ids", t.id);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	free(msg_new(t.access_token, p3, "Bienvenue en P3"));
	json_t *row = conv_listed(p.access_token, p3);
	ck_assert_ptr_nonnull(row);
	ck_assert_int_eq(json_integer_value(json_object_get(row, "members_count")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(row, "unread_count")), 1);
	json_decref(row);
	/* A co-parent linked (invitation accepted) is a member. */
	api_link_coparent(p.access_token, child, &q);
	r = conv_get(q.access_token, "/api/v1/conversations/%s", p3);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(role_of(r, t.id), "staff");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "members_count")), 3);
	th_resp_free(&r);
	/* Hand-editing is refused. */
	r = member_add(t.access_token, p3, admin.id);
	ck_assert_problem(r, 409, "not_a_group");
	th_resp_free(&r);
	/* The child moves to P4: both guardians follow. */
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/children/%s", child);
	r = th_json("PATCH", path, p.access_token, "{s:s}", "class_name", "P4");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = conv_get(q.access_token, "/api/v1/conversations/%s/messages", p3);
	ck_assert_int_eq(r->status, 404);
	th_resp_free(&r);
	ck_assert_ptr_null(conv_listed(p.access_token, p3));
	row = conv_listed(p.access_token, p4);
	ck_assert_ptr_nonnull(row);
	json_decref(row);
	/* Staff replaced: the teacher is out. */
	r = th_json("PUT", "/api/v1/admin/classes/P3/staff", admin.access_token, "{s:[]}",
		    "user_ids");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = msg_post(t.access_token, p3, "encore là ?");
	ck_assert_int_eq(r->status, 404);
	th_resp_free(&r);
	/* The child removed: no class conversation left for p. */
	r = th_request("DELETE", path, p.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_ptr_null(conv_listed(p.access_token, p4));
	free(child);
	th_member_free(&p);
	th_member_free(&q);
	th_member_free(&t);
	th_member_free(&admin);
}
END_TEST

/* A teacher who is also a parent in the class is one member, as staff; a staff member
 * demoted to parent stops being one at once. */
START_TEST(staff_who_is_a_parent_counts_once)
{
	struct th_member t, admin;
	th_member_register(&t, "classtwice");
	th_member_register(&admin, "classtwiceadmin");
	api_promote(&t, "teacher");
	api_promote(&admin, "admin");
	char *child = child_in(t.access_token, "M1");
	struct th_resp *r = th_json("PUT", "/api/v1/admin/classes/M1/staff", admin.access_token,
				    "{s:[s]}", "user_ids", t.id);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	const char *m1 = conv_class_id("M1");
	r = conv_get(t.access_token, "/api/v1/conversations/%s", m1);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "members_count")), 1);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "members")), 1);
	ck_assert_str_eq(role_of(r, t.id), "staff");
	th_resp_free(&r);
	/* Back to parent: still a guardian there, so a member, now as such. */
	api_promote(&t, "parent");
	r = conv_get(t.access_token, "/api/v1/conversations/%s", m1);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(role_of(r, t.id), "guardian");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "members_count")), 1);
	th_resp_free(&r);
	/* The admin, who staffs nothing and has no child there, is not in it. */
	r = conv_get(admin.access_token, "/api/v1/conversations/%s", m1);
	ck_assert_int_eq(r->status, 404);
	th_resp_free(&r);
	free(child);
	th_member_free(&t);
	th_member_free(&admin);
}
END_TEST

Suite *api_conversations_class_suite(void)
{
	Suite *s = suite_create("conversations_class");
	TCase *tc = tcase_create("class conversations");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, class_members_follow_children_guardians_and_staff);
	tcase_add_test(tc, staff_who_is_a_parent_counts_once);
	suite_add_tcase(s, tc);
	return s;
}
