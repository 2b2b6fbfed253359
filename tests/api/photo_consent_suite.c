/*
 * Photo consent (issue #15): a guardian answers yes/no/ask for their child, recorded with
 * who and when; the class's staff and admins list a class's answers (leavers excluded),
 * each look one audit row that the guardians see in their GDPR export.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_support.h"

#define RANDOM_UUID "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69"
#define VIEWED "class.photo_consents_viewed"

static char *child_named(const struct th_member *parent, const char *first, const char *last,
			 const char *class_name, const char *consent)
{
	struct th_resp *r = th_json("POST", "/api/v1/children", parent->access_token,
				    "{s:s, s:s, s:s, s:s}", "first_name", first, "last_name", last,
				    "class_name", class_name, "photo_consent", consent);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

static struct th_resp *consent_patch(const char *token, const char *child, const char *fmt,
				     ...)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/children/%s", child);
	va_list ap;
	va_start(ap, fmt);
	json_t *body = json_vpack_ex(NULL, 0, fmt, ap);
	va_end(ap);
	ck_assert_ptr_nonnull(body);
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	struct th_resp *r = th_request("PATCH", path, token, text, NULL, NULL);
	free(text);
	return r;
}

static int64_t stored(const char *child, const char *consent)
{
	return api_db_count("SELECT COUNT(*) FROM children WHERE id = $1 AND photo_consent = $2",
			    child, consent);
}

START_TEST(guardian_sets_the_consent)
{
	struct th_member a, stranger;
	admin_register(&a, "consentparent", NULL);
	admin_register(&stranger, "consentstranger", NULL);
	char *child = admin_child(&a, "Noor", "P2");
	ck_assert_int_eq(stored(child, "ask"), 1); /* nobody answered yet */

	struct th_resp *r = consent_patch(a.access_token, child, "{s:s}", "photo_consent", "no");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "photo_consent"), "no");
	json_t *by = json_object_get(r->json, "photo_consent_by");
	ck_assert_str_eq(json_string_value(json_object_get(by, "id")), a.id);
	ck_assert_str_eq(json_string_value(json_object_get(by, "first_name")), "consentparent");
	char *at = strdup(th_str(r, "photo_consent_at"));
	ck_assert_int_eq(strlen(at), 20);
	th_resp_free(&r);
	ck_assert_int_eq(stored(child, "no"), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM children WHERE id = $1 AND "
				      "CAST(photo_consent_by AS TEXT) = $2 AND "
				      "photo_consent_at IS NOT NULL",
				      child, a.id),
			 1);

	/* Each answer is accepted; a wrong one changes nothing. */
	static const char *const answers[] = {"yes", "ask", "no"};
	for (size_t i = 0; i < 3; i++) {
		r = consent_patch(a.access_token, child, "{s:s}", "photo_consent", answers[i]);
		ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
		ck_assert_str_eq(th_str(r, "photo_consent"), answers[i]);
		th_resp_free(&r);
		ck_assert_int_eq(stored(child, answers[i]), 1);
	}
	static const char *const wrong[] = {"maybe", "", "YES", "oui"};
	for (size_t i = 0; i < 4; i++) {
		r = consent_patch(a.access_token, child, "{s:s}", "photo_consent", wrong[i]);
		assert_field_error(r, "photo_consent", "invalid_value");
		th_resp_free(&r);
	}
	r = consent_patch(a.access_token, child, "{s:b}", "photo_consent", 1);
	assert_field_error(r, "photo_consent", "invalid_type");
	th_resp_free(&r);
	r = consent_patch(a.access_token, child, "{s:n}", "photo_consent");
	assert_field_error(r, "photo_consent", "invalid_type");
	th_resp_free(&r);
	ck_assert_int_eq(stored(child, "no"), 1);

	/* Another family: 404 whatever the body, the same as for no child at all. */
	r = consent_patch(stranger.access_token, child, "{s:s}", "photo_consent", "yes");
	ck_assert_problem(r, 404, "not_found");
	struct th_resp *ghost = consent_patch(stranger.access_token, RANDOM_UUID, "{s:s}",
					      "photo_consent", "yes");
	ck_assert_str_eq(r->body, ghost->body);
	th_resp_free(&r);
	th_resp_free(&ghost);
	r = consent_patch(stranger.access_token, child, "{s:s}", "photo_consent", "maybe");
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	ck_assert_int_eq(stored(child, "no"), 1);

	/* The GDPR export holds the answer with who gave it. */
	r = admin_get(a.access_token, "/api/v1/users/me/export", 200);
	json_t *c = json_array_get(json_object_get(r->json, "children"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(c, "photo_consent")), "no");
	by = json_object_get(c, "photo_consent_by");
	ck_assert_str_eq(json_string_value(json_object_get(by, "id")), a.id);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(c, "photo_consent_at")));
	th_resp_free(&r);
	free(at);
	free(child);
	th_member_free(&a);
	th_member_free(&stranger);
}
END_TEST

START_TEST(same_answer_keeps_who_and_when)
{
	struct th_member a, b;
	admin_register(&a, "consentfirst", NULL);
	admin_register(&b, "consentsecond", NULL);
	char *child = child_named(&a, "Lou", "Vandamme", "P2", "yes");
	api_link_coparent(a.access_token, child, &b);
	/* The co-parent saves the same answer: the first guardian's decision stands. */
	struct th_resp *r = consent_patch(b.access_token, child, "{s:s, s:s}", "photo_consent",
					  "yes", "first_name", "Louise");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	json_t *by = json_object_get(r->json, "photo_consent_by");
	ck_assert_str_eq(json_string_value(json_object_get(by, "id")), a.id);
	th_resp_free(&r);
	/* A different answer names the co-parent. */
	r = consent_patch(b.access_token, child, "{s:s}", "photo_consent", "no");
	ck_assert_int_eq(r->status, 200);
	by = json_object_get(r->json, "photo_consent_by");
	ck_assert_str_eq(json_string_value(json_object_get(by, "id")), b.id);
	th_resp_free(&r);
	/* Erasing the co-parent's account keeps the answer, no longer naming them. */
	r = th_json("DELETE", "/api/v1/users/me", b.access_token, "{s:s}", "password", b.password);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM children WHERE id = $1 AND "
				      "photo_consent = $2 AND photo_consent_by IS NULL",
				      child, "no"),
			 1);
	free(child);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

/* A child who left: the guardian may still change (withdraw) the photo answer, nothing else. */
START_TEST(left_child_consent_can_still_be_withdrawn)
{
	struct th_member a;
	admin_register(&a, "consentleaver", NULL);
	char *child = child_named(&a, "Sam", "Peeters", "P6", "yes");
	api_db_exec("UPDATE children SET left_at = updated_at WHERE id = $1", child, NULL);
	struct th_resp *r = consent_patch(a.access_token, child, "{s:s}", "photo_consent", "no");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "photo_consent"), "no");
	ck_assert(json_is_string(json_object_get(r->json, "left_at")));
	th_resp_free(&r);
	ck_assert_int_eq(stored(child, "no"), 1);
	/* An invalid answer is still a field error, not a change. */
	r = consent_patch(a.access_token, child, "{s:s}", "photo_consent", "maybe");
	assert_field_error(r, "photo_consent", "invalid_value");
	th_resp_free(&r);
	/* Anything besides the answer is refused whole. */
	r = consent_patch(a.access_token, child, "{s:s, s:s}", "photo_consent", "yes",
			  "first_name", "Samuel");
	ck_assert_problem(r, 409, "child_left");
	th_resp_free(&r);
	r = consent_patch(a.access_token, child, "{s:s}", "class_name", "P5");
	ck_assert_problem(r, 409, "child_left");
	th_resp_free(&r);
	r = consent_patch(a.access_token, child, "{}");
	ck_assert_problem(r, 409, "child_left");
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM children WHERE id = $1 AND "
				      "photo_consent = 'no' AND first_name = 'Sam' AND "
				      "class_name = $2",
				      child, "P6"),
			 1);
	free(child);
	th_member_free(&a);
}
END_TEST

/* Removing a guardian keeps the answer, no longer naming them as the one who gave it. */
START_TEST(removed_guardian_no_longer_named)
{
	struct th_member a, b;
	admin_register(&a, "consentstays", NULL);
	admin_register(&b, "consentremoved", NULL);
	char *child = child_named(&a, "Mila", "Janssens", "P1", "ask");
	char *other = child_named(&b, "Tom", "Janssens", "P3", "ask");
	api_link_coparent(a.access_token, child, &b);
	struct th_resp *r = consent_patch(b.access_token, child, "{s:s}", "photo_consent", "yes");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = consent_patch(b.access_token, other, "{s:s}", "photo_consent", "no");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/children/%s/guardians/%s", child, b.id);
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM children WHERE id = $1 AND "
				      "photo_consent = $2 AND photo_consent_by IS NULL",
				      child, "yes"),
			 1);
	r = admin_get(a.access_token, "/api/v1/children", 200);
	json_t *c = json_array_get(json_object_get(r->json, "items"), 0);
	ck_assert(json_is_null(json_object_get(c, "photo_consent_by")));
	th_resp_free(&r);
	/* Their answer for their own child still names them. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM children WHERE id = $1 AND "
				      "CAST(photo_consent_by AS TEXT) = $2",
				      other, b.id),
			 1);
	free(child);
	free(other);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

static struct th_resp *consents_get(const char *token, const char *class_name)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/classes/%s/photo-consents", class_name);
	return th_request("GET", path, token, NULL, NULL, NULL);
}

static void staff_set(const char *admin_token, const char *class_name, const char *user_id)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/admin/classes/%s/staff", class_name);
	struct th_resp *r = th_json("PUT", path, admin_token, "{s:[s]}", "user_ids", user_id);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
}

static void assert_item(json_t *item, const char *child, const char *first, const char *consent,
			bool set)
{
	ck_assert_int_eq(json_object_size(item), 5);
	ck_assert_str_eq(json_string_value(json_object_get(item, "child_id")), child);
	ck_assert_str_eq(json_string_value(json_object_get(item, "first_name")), first);
	ck_assert_str_eq(json_string_value(json_object_get(item, "photo_consent")), consent);
	json_t *at = json_object_get(item, "set_at");
	ck_assert_msg(set ? json_is_string(at) : json_is_null(at), "set_at of %s", first);
}

START_TEST(class_list_for_staff_and_admins)
{
	struct th_member admin, teacher, other, parent;
	admin_register(&admin, "consentadmin", "admin");
	admin_register(&teacher, "consentteacher", "teacher");
	admin_register(&other, "consentother", "teacher");
	admin_register(&parent, "consentfamily", NULL);
	staff_set(admin.access_token, "M1", teacher.id);
	staff_set(admin.access_token, "M2", other.id);
	char *zoe = child_named(&parent, "Zoé", "Zeller", "M1", "yes");
	char *anne = child_named(&parent, "Anne", "Adam", "M1", "ask");
	char *bob = child_named(&parent, "Bob", "Adam", "M1", "no");
	char *elsewhere = child_named(&parent, "Eli", "Adam", "M2", "yes");
	char *leaver = child_named(&parent, "Léo", "Adam", "M1", "yes");
	api_db_exec("UPDATE children SET left_at = updated_at WHERE id = $1", leaver, NULL);
	/* "ask" given by nobody: no date. */
	api_db_exec("UPDATE children SET photo_consent_by = NULL, photo_consent_at = NULL "
		    "WHERE id = $1",
		    anne, NULL);

	struct th_resp *r = consents_get(teacher.access_token, "M1");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_int_eq(json_object_size(r->json), 1);
	ck_assert_int_eq(json_array_size(items), 3); /* the leaver and M2's child are not in */
	assert_item(json_array_get(items, 0), anne, "Anne", "ask", false);
	assert_item(json_array_get(items, 1), bob, "Bob", "no", true);
	assert_item(json_array_get(items, 2), zoe, "Zoé", "yes", true);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "last_name")),
			 "Adam");
	th_resp_free(&r);
	/* One audit row per look, naming the class and each child listed, not the others. */
	ck_assert_int_eq(admin_audit_rows(VIEWED, teacher.id, NULL), 1);
	ck_assert_int_eq(admin_audit_rows(VIEWED, teacher.id, "M1"), 1);
	ck_assert_int_eq(admin_audit_rows(VIEWED, teacher.id, zoe), 1);
	ck_assert_int_eq(admin_audit_rows(VIEWED, teacher.id, leaver), 0);
	ck_assert_int_eq(admin_audit_rows(VIEWED, teacher.id, elsewhere), 0);
	r = consents_get(teacher.access_token, "M1");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	ck_assert_int_eq(admin_audit_rows(VIEWED, teacher.id, anne), 2);

	/* Admins see every class, staffed by them or not. */
	r = consents_get(admin.access_token, "M2");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
	th_resp_free(&r);
	ck_assert_int_eq(admin_audit_rows(VIEWED, admin.id, elsewhere), 1);

	/* A teacher of another class and a parent: 403, nothing audited. */
	r = consents_get(other.access_token, "M1");
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	r = consents_get(parent.access_token, "M1");
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	ck_assert_int_eq(admin_audit_rows(VIEWED, other.id, NULL), 0);
	ck_assert_int_eq(admin_audit_rows(VIEWED, parent.id, NULL), 0);
	/* No such class, even for an admin. */
	static const char *const unknown[] = {"P7", "m1", "X"};
	for (size_t i = 0; i < 3; i++) {
		r = consents_get(admin.access_token, unknown[i]);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
	}
	r = consents_get(NULL, "M1");
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);

	/* The guardians see each look in their GDPR export. */
	r = admin_get(parent.access_token, "/api/v1/users/me/export", 200);
	json_t *accesses = json_object_get(r->json, "data_accesses");
	int64_t by_teacher = 0;
	for (size_t i = 0; i < json_array_size(accesses); i++) {
		json_t *a = json_array_get(accesses, i);
		if (strcmp(json_string_value(json_object_get(a, "action")), VIEWED) == 0 &&
		    strcmp(json_string_value(json_object_get(a, "actor_id")), teacher.id) == 0)
			by_teacher++;
	}
	ck_assert_int_eq(by_teacher, 2);
	th_resp_free(&r);
	free(zoe);
	free(anne);
	free(bob);
	free(elsewhere);
	free(leaver);
	th_member_free(&admin);
	th_member_free(&teacher);
	th_member_free(&other);
	th_member_free(&parent);
}
END_TEST

Suite *api_photo_consent_suite(void)
{
	Suite *s = suite_create("photo consent");
	TCase *tc = tcase_create("answers and class lists");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, guardian_sets_the_consent);
	tcase_add_test(tc, same_answer_keeps_who_and_when);
	tcase_add_test(tc, class_list_for_staff_and_admins);
	tcase_add_test(tc, left_child_consent_can_still_be_withdrawn);
	tcase_add_test(tc, removed_guardian_no_longer_named);
	suite_add_tcase(s, tc);
	return s;
}
