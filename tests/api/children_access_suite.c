/* Object-level authorization on children (only guardians see or change a child, whatever
 * the id's spelling) and unlinking a co-parent. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "children_suite.h"

/* --- Who may see and change a child ------------------------------------------------ */

START_TEST(other_parent_cannot_touch_child)
{
	struct th_member a, b;
	th_member_register(&a, "owner");
	th_member_register(&b, "intruder");
	char *id = create_child(a.access_token, "Privé", "M3");
	char path[160];
	child_path(path, sizeof(path), id);

	struct th_resp *r = get_child(b.access_token, id);
	ck_assert_problem(r, 404, "not_found");
	ck_assert_ptr_null(strstr(r->body, "Priv"));
	th_resp_free(&r);
	r = th_json("PATCH", path, b.access_token, "{s:s, s:s}", "first_name", "Hacked",
		    "photo_consent", "yes");
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	/* Even with an invalid body: existence is not revealed by a 422. */
	r = th_json("PATCH", path, b.access_token, "{s:s}", "class_name", "P9");
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = th_request("DELETE", path, b.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	/* Same answer as for a child that does not exist. */
	struct th_resp *ghost = get_child(b.access_token, RANDOM_UUID);
	ck_assert_problem(ghost, 404, "not_found");
	r = get_child(b.access_token, id);
	ck_assert_str_eq(r->body, ghost->body);
	th_resp_free(&r);
	th_resp_free(&ghost);
	r = list_children(b.access_token);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
	th_resp_free(&r);

	/* Unchanged and still there for its guardian. */
	r = get_child(a.access_token, id);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "first_name"), "Privé");
	ck_assert_str_eq(th_str(r, "class_name"), "M3");
	ck_assert_str_eq(th_str(r, "photo_consent"), "ask");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "guardians")), 1);
	th_resp_free(&r);
	ck_assert_int_eq(child_rows(id), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM children WHERE id = $1 AND first_name = $2", id, "Privé"), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM child_guardians WHERE user_id = $1", b.id, NULL), 0);
	free(id);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(bad_and_unknown_ids_are_404)
{
	struct th_member a;
	th_member_register(&a, "badids");
	char *real = create_child(a.access_token, "Real", "P4");
	static const char *const ids[] = {"not-a-uuid", "123", RANDOM_UUID,
					  "3F2C8E1A-7B4D-4C9E-8A1F-0D2E3C4B5A6", "%27%20OR%201%3D1--",
					  "00000000-0000-0000-0000-000000000000"};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char path[200];
		child_path(path, sizeof(path), ids[i]);
		struct th_resp *r = th_request("GET", path, a.access_token, NULL, NULL, NULL);
		ck_assert_msg(r->status == 404, "GET %s gave %ld", ids[i], r->status);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
		r = th_json("PATCH", path, a.access_token, "{s:s}", "class_name", "P1");
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
		r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
		guardians_path(path, sizeof(path), ids[i]);
		r = th_json("POST", path, a.access_token, "{s:s}", "email", a.email);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
		guardian_path(path, sizeof(path), ids[i], a.id);
		r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
	}
	/* The real child was not touched by any of it. */
	struct th_resp *r = get_child(a.access_token, real);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "class_name"), "P4");
	th_resp_free(&r);
	free(real);
	th_member_free(&a);
}
END_TEST

/* UUIDs are case-insensitive: an upper-case id names the same child on both backends. */
static void upper(char *out, const char *id)
{
	for (size_t i = 0; i <= strlen(id); i++)
		out[i] = (char)(id[i] >= 'a' && id[i] <= 'f' ? id[i] - 'a' + 'A' : id[i]);
}

START_TEST(upper_case_ids_name_the_same_child)
{
	struct th_member a, co, b;
	th_member_register(&a, "uppera");
	th_member_register(&co, "upperco");
	th_member_register(&b, "upperb");
	char *id = create_child(a.access_token, "Upper", "P3");
	char up[40], up_co[40], path[200];
	upper(up, id);
	upper(up_co, co.id);
	ck_assert_str_ne(up, id);

	struct th_resp *r = get_child(a.access_token, up);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "id"), id);
	th_resp_free(&r);
	r = th_json("PATCH", child_path(path, sizeof(path), up), a.access_token, "{s:s}",
		    "class_name", "P4");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = get_child(a.access_token, id);
	ck_assert_str_eq(th_str(r, "class_name"), "P4");
	th_resp_free(&r);
	api_link_coparent(a.access_token, up, &co);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM child_guardians WHERE child_id = $1 AND user_id = $2", id, co.id), 1);
	/* Still no way in for a stranger. */
	r = get_child(b.access_token, up);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = th_request("DELETE", guardian_path(path, sizeof(path), up, up_co), a.access_token,
		       NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(guardian_rows(id), 1);
	r = th_request("DELETE", child_path(path, sizeof(path), up), a.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(child_rows(id), 0);
	free(id);
	th_member_free(&a);
	th_member_free(&co);
	th_member_free(&b);
}
END_TEST

/* POST /api/v1/children/{id}/guardians (invitations): guardian_invitations_suite.c */

/* --- DELETE /api/v1/children/{id}/guardians/{user_id} ---------------------------- */

START_TEST(unlink_guardian)
{
	struct th_member a, co, b;
	th_member_register(&a, "unlinka");
	th_member_register(&co, "unlinkco");
	th_member_register(&b, "unlinkb");
	char *id = create_child(a.access_token, "Split", "P2");
	char *b_child = create_child(b.access_token, "Other", "P2");
	char path[200];
	api_link_coparent(a.access_token, id, &co);
	struct th_resp *r;

	/* A user who is not a guardian of this child (exists, but guards another one). */
	guardian_path(path, sizeof(path), id, b.id);
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	guardian_path(path, sizeof(path), id, RANDOM_UUID);
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	guardian_path(path, sizeof(path), id, "not-a-uuid");
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);

	/* A caller who is not a guardian: 404, whoever they try to remove. */
	guardian_path(path, sizeof(path), id, co.id);
	r = th_request("DELETE", path, b.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	guardian_path(path, sizeof(path), id, a.id);
	r = th_request("DELETE", path, b.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	/* Nor can a guardian of one child unlink people from another family's child. */
	guardian_path(path, sizeof(path), b_child, b.id);
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	ck_assert_int_eq(guardian_rows(id), 2);
	ck_assert_int_eq(guardian_rows(b_child), 1);

	/* Removing the co-parent: they lose access at once. */
	guardian_path(path, sizeof(path), id, co.id);
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	ck_assert_int_eq(r->body_len, 0);
	th_resp_free(&r);
	ck_assert_int_eq(guardian_rows(id), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM child_guardians WHERE child_id = $1 AND user_id = $2", id, co.id), 0);
	r = get_child(co.access_token, id);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = list_children(co.access_token);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
	th_resp_free(&r);
	char cpath[160];
	child_path(cpath, sizeof(cpath), id);
	r = th_json("PATCH", cpath, co.access_token, "{s:s}", "class_name", "M1");
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = th_request("DELETE", cpath, co.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	/* Already removed: 404 now. */
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = get_child(a.access_token, id);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "guardians")), 1);
	ck_assert_str_eq(th_str(r, "class_name"), "P2");
	th_resp_free(&r);

	/* The last guardian cannot leave: a child always has one. */
	guardian_path(path, sizeof(path), id, a.id);
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 409, "conflict");
	th_resp_free(&r);
	ck_assert_int_eq(guardian_rows(id), 1);
	ck_assert_int_eq(child_rows(id), 1);

	/* A guardian may remove themselves while another remains. */
	api_link_coparent(a.access_token, id, &co);
	guardian_path(path, sizeof(path), id, a.id);
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	r = get_child(a.access_token, id);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = get_child(co.access_token, id);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "guardians")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r->json, "guardians"), 0), "user_id")), co.id);
	th_resp_free(&r);
	free(id);
	free(b_child);
	th_member_free(&a);
	th_member_free(&co);
	th_member_free(&b);
}
END_TEST

void api_children_access_tests(TCase *tc)
{
	tcase_add_test(tc, other_parent_cannot_touch_child);
	tcase_add_test(tc, bad_and_unknown_ids_are_404);
	tcase_add_test(tc, upper_case_ids_name_the_same_child);
	tcase_add_test(tc, unlink_guardian);
}
