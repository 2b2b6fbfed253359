/*
 * /api/v1/admin/users: who may call it (admins only), the search and its filters, one
 * member's account with children (an audited look, listed in the member's own export),
 * role and status changes with the last-admin rule, and the password-reset e-mail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_support.h"

#define RANDOM_UUID "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69"

static const char *const admin_paths[][2] = {
	{"GET", "/api/v1/admin/audit"},
	{"GET", "/api/v1/admin/users"},
	{"GET", "/api/v1/admin/users/" RANDOM_UUID},
	{"PATCH", "/api/v1/admin/users/" RANDOM_UUID},
	{"POST", "/api/v1/admin/users/" RANDOM_UUID "/password-reset"},
	{"POST", "/api/v1/admin/users/" RANDOM_UUID "/approve"},
	{"POST", "/api/v1/admin/users/" RANDOM_UUID "/refuse"},
	{"GET", "/api/v1/admin/modules"},
	{"PUT", "/api/v1/admin/modules"},
};
#define ADMIN_PATHS (sizeof(admin_paths) / sizeof(admin_paths[0]))

START_TEST(parents_and_teachers_get_403)
{
	struct th_member parent, teacher;
	admin_register(&parent, "admparent", NULL);
	admin_register(&teacher, "admteacher", "teacher");
	struct api_call calls[ADMIN_PATHS];
	for (size_t i = 0; i < ADMIN_PATHS; i++) {
		bool body = strcmp(admin_paths[i][0], "PATCH") == 0 || strcmp(admin_paths[i][0], "PUT") == 0;
		calls[i] = (struct api_call){admin_paths[i][0], admin_paths[i][1], body ? "{}" : NULL};
		const char *tokens[] = {parent.access_token, teacher.access_token};
		for (size_t k = 0; k < 2; k++) {
			struct th_resp *r = th_request(calls[i].method, calls[i].path, tokens[k],
						       calls[i].body, NULL, NULL);
			ck_assert_problem(r, 403, "forbidden");
			th_resp_free(&r);
		}
	}
	api_assert_all_unauthorized(calls, ADMIN_PATHS);
	th_member_free(&parent);
	th_member_free(&teacher);
}
END_TEST

/* The ids of a page's items, joined by "," (static buffer). */
static const char *page_ids(const struct th_resp *r)
{
	static char out[4096];
	out[0] = '\0';
	json_t *items = json_object_get(r->json, "items");
	for (size_t i = 0; i < json_array_size(items); i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? "," : "",
			 json_string_value(json_object_get(json_array_get(items, i), "id")));
	return out;
}

START_TEST(search_filters_and_pages)
{
	struct th_member admin, a, b, t;
	admin_register(&admin, "lstadmin", "admin");
	th_member_register(&a, "lstparenta");
	th_member_register(&b, "lstparentb");
	admin_register(&t, "lstteacher", "teacher");
	char *child = admin_child(&a, "Quintilia", "P2");
	const char *tok = admin.access_token;
	char path[512], enc[128];
	/* By address (part of it), by role, by class of a child, by status. */
	th_url_encode(enc, sizeof(enc), a.email);
	snprintf(path, sizeof(path), "/api/v1/admin/users?q=%s", enc);
	struct th_resp *r = admin_get(tok, path, 200);
	ck_assert_str_eq(page_ids(r), a.id);
	json_t *item = json_array_get(json_object_get(r->json, "items"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(item, "status")), "active");
	ck_assert_str_eq(json_string_value(json_object_get(item, "role")), "parent");
	ck_assert(json_is_string(json_object_get(item, "last_login_at")) ||
		  json_is_null(json_object_get(item, "last_login_at")));
	ck_assert_ptr_null(json_object_get(item, "password_hash"));
	th_resp_free(&r);
	r = admin_get(tok, "/api/v1/admin/users?role=teacher&limit=100", 200);
	ck_assert_ptr_nonnull(strstr(page_ids(r), t.id));
	ck_assert_ptr_null(strstr(page_ids(r), a.id));
	th_resp_free(&r);
	r = admin_get(tok, "/api/v1/admin/users?class=P2&limit=100", 200);
	ck_assert_ptr_nonnull(strstr(page_ids(r), a.id));
	ck_assert_ptr_null(strstr(page_ids(r), b.id));
	th_resp_free(&r);
	/* Wildcards in q are plain characters. */
	r = admin_get(tok, "/api/v1/admin/users?q=%25", 200);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
	th_resp_free(&r);
	/* Pages: every member once, in id order, through the cursor. */
	int seen = 0;
	char cursor[256] = "";
	for (int page = 0; page < 100; page++) {
		snprintf(path, sizeof(path), "/api/v1/admin/users?status=active&limit=2%s%s",
			 cursor[0] ? "&cursor=" : "", cursor);
		r = admin_get(tok, path, 200);
		seen += (int)json_array_size(json_object_get(r->json, "items"));
		json_t *next = json_object_get(r->json, "next_cursor");
		if (!json_is_string(next)) {
			th_resp_free(&r);
			break;
		}
		snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
		th_resp_free(&r);
	}
	ck_assert_int_eq(seen, api_db_count("SELECT COUNT(*) FROM users WHERE deleted_at IS NULL "
					    "AND active AND id <> $1", RANDOM_UUID, NULL));
	/* Bad filters: 422 naming each. */
	r = th_request("GET", "/api/v1/admin/users?role=king&class=P9&status=gone&cursor=x", tok,
		       NULL, NULL, NULL);
	assert_field_error(r, "role", "invalid_value");
	assert_field_error(r, "class", "invalid_value");
	assert_field_error(r, "status", "invalid_value");
	assert_field_error(r, "cursor", "invalid_cursor");
	th_resp_free(&r);
	free(child);
	th_member_free(&admin);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&t);
}
END_TEST

START_TEST(one_member_is_an_audited_look)
{
	struct th_member admin, a, b;
	admin_register(&admin, "viewadmin", "admin");
	th_member_register(&a, "viewparenta");
	th_member_register(&b, "viewparentb");
	char *c1 = admin_child(&a, "Octavie", "M3");
	api_link_coparent(a.access_token, c1, &b);
	struct th_resp *login = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email",
					a.email, "password", a.password);
	ck_assert_int_eq(login->status, 200);
	th_resp_free(&login);
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/admin/users/%s", a.id);
	struct th_resp *r = admin_get(admin.access_token, path, 200);
	ck_assert_str_eq(th_str(r, "id"), a.id);
	ck_assert_str_eq(th_str(r, "email"), a.email);
	ck_assert(json_is_integer(json_object_get(r->json, "sel_balance")));
	ck_assert(json_is_string(json_object_get(r->json, "last_login_at")));
	json_t *kids = json_object_get(r->json, "children");
	ck_assert_int_eq(json_array_size(kids), 1);
	json_t *kid = json_array_get(kids, 0);
	ck_assert_str_eq(json_string_value(json_object_get(kid, "id")), c1);
	ck_assert_str_eq(json_string_value(json_object_get(kid, "class_name")), "M3");
	ck_assert_int_eq(json_array_size(json_object_get(kid, "guardians")), 2);
	th_resp_free(&r);
	/* One audit row naming the member and the child, in the same transaction. */
	ck_assert_int_eq(admin_audit_rows("member.viewed", admin.id, a.id), 1);
	ck_assert_int_eq(admin_audit_rows("member.viewed", admin.id, c1), 1);
	/* Both guardians' exports list the look (the co-parent through the child). */
	const struct th_member *who[] = {&a, &b};
	for (int i = 0; i < 2; i++) {
		r = admin_get(who[i]->access_token, "/api/v1/users/me/export", 200);
		json_t *acc = json_object_get(r->json, "data_accesses");
		ck_assert_int_eq(json_array_size(acc), 1);
		json_t *row = json_array_get(acc, 0);
		ck_assert_str_eq(json_string_value(json_object_get(row, "actor_id")), admin.id);
		ck_assert_str_eq(json_string_value(json_object_get(row, "action")), "member.viewed");
		th_resp_free(&r);
	}
	/* Unknown or malformed id: 404, and nothing audited. */
	int64_t before = api_db_count("SELECT COUNT(*) FROM audit_log WHERE action = $1",
				      "member.viewed", NULL);
	r = admin_get(admin.access_token, "/api/v1/admin/users/" RANDOM_UUID, 404);
	th_resp_free(&r);
	r = admin_get(admin.access_token, "/api/v1/admin/users/nope", 404);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM audit_log WHERE action = $1",
				      "member.viewed", NULL), before);
	free(c1);
	th_member_free(&admin);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

static struct th_resp *patch(const struct th_member *admin, const char *id, const char *body)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/admin/users/%s", id);
	return th_request("PATCH", path, admin->access_token, body, NULL, NULL);
}

START_TEST(role_and_status_changes)
{
	struct th_member admin, m;
	admin_register(&admin, "patchadmin", "admin");
	th_member_register(&m, "patchmember");
	struct th_resp *r = patch(&admin, m.id, "{\"role\":\"teacher\"}");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "role"), "teacher");
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND role = $2",
				      m.id, "teacher"), 1);
	ck_assert_int_eq(admin_audit_rows("member.role_changed", admin.id, m.id), 1);
	/* Deactivated: the member's token stops at once, refresh too, services hidden. */
	r = th_json("POST", "/api/v1/sel/services", m.access_token, "{s:s, s:s, s:s}", "title",
		    "Cours de tricot", "kind", "offer", "category", "other");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	r = patch(&admin, m.id, "{\"status\":\"deactivated\"}");
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "status"), "deactivated");
	th_resp_free(&r);
	ck_assert_int_eq(admin_audit_rows("member.deactivated", admin.id, m.id), 1);
	r = th_request("GET", "/api/v1/users/me", m.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 401);
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/auth/refresh", NULL, "{s:s}", "refresh_token", m.refresh_token);
	ck_assert_int_eq(r->status, 401);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM refresh_tokens WHERE user_id = $1 AND "
				      "revoked_at IS NULL", m.id, NULL), 0);
	r = admin_get(admin.access_token, "/api/v1/sel/services?q=tricot", 200);
	ck_assert_ptr_null(strstr(r->body, m.id));
	th_resp_free(&r);
	/* Still in the ledger. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_accounts WHERE user_id = $1", m.id,
				      NULL), 1);
	/* Reactivated: can sign in again; the old access token stays void. */
	r = patch(&admin, m.id, "{\"status\":\"active\"}");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	ck_assert_int_eq(admin_audit_rows("member.reactivated", admin.id, m.id), 1);
	r = th_request("GET", "/api/v1/users/me", m.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 401);
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email", m.email, "password",
		    m.password);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	/* Errors: unknown fields and values, nothing to change, unknown member. */
	r = patch(&admin, m.id, "{\"role\":\"king\",\"status\":\"asleep\",\"x\":1}");
	assert_field_error(r, "x", "unknown_field");
	th_resp_free(&r);
	r = patch(&admin, m.id, "{\"role\":\"king\",\"status\":\"asleep\"}");
	assert_field_error(r, "role", "invalid_value");
	assert_field_error(r, "status", "invalid_value");
	th_resp_free(&r);
	r = patch(&admin, m.id, "{}");
	assert_field_error(r, "role", "required");
	th_resp_free(&r);
	r = patch(&admin, RANDOM_UUID, "{\"role\":\"parent\"}");
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	th_member_free(&admin);
	th_member_free(&m);
}
END_TEST

START_TEST(the_last_admin_stays)
{
	struct th_member admin, other;
	admin_register(&admin, "lastadmin", "admin");
	admin_register(&other, "otheradmin", "admin");
	/* Every admin of the shared database but these two steps down (directly). */
	api_db_exec("UPDATE users SET role = 'parent' WHERE role = 'admin' AND id <> $1 AND id <> $2",
		    admin.id, other.id);
	struct th_resp *r = patch(&admin, other.id, "{\"status\":\"deactivated\"}");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = patch(&admin, admin.id, "{\"role\":\"parent\"}");
	ck_assert_problem(r, 409, "last_admin");
	th_resp_free(&r);
	r = patch(&admin, admin.id, "{\"status\":\"deactivated\"}");
	ck_assert_problem(r, 409, "last_admin");
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND role = $2 AND "
				      "active", admin.id, "admin"), 1);
	ck_assert_int_eq(admin_audit_rows("member.role_changed", admin.id, admin.id), 0);
	/* With another active admin, stepping down is fine. */
	r = patch(&admin, other.id, "{\"status\":\"active\"}");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = patch(&admin, admin.id, "{\"role\":\"teacher\"}");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	ck_assert_int_eq(admin_audit_rows("member.role_changed", admin.id, admin.id), 1);
	th_member_free(&admin);
	th_member_free(&other);
}
END_TEST

START_TEST(password_reset_is_mailed_never_seen)
{
	struct th_member admin, m;
	admin_register(&admin, "resetadmin", "admin");
	th_member_register(&m, "resetmember");
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/admin/users/%s/password-reset", m.id);
	struct th_resp *r = th_request("POST", path, admin.access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 202, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "status"), "reset_requested");
	ck_assert_ptr_null(strstr(r->body, "token"));
	th_resp_free(&r);
	/* The same request row and e-mail job as the member's own request. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM password_resets WHERE email = $1",
				      m.email, NULL), 1);
	ck_assert_int_ge(api_db_count("SELECT COUNT(*) FROM jobs WHERE kind = $1",
				      "auth.password_reset_email", NULL), 1);
	ck_assert_int_eq(admin_audit_rows("member.password_reset_sent", admin.id, m.id), 1);
	/* Unknown member 404; a deactivated one 409. */
	r = th_request("POST", "/api/v1/admin/users/" RANDOM_UUID "/password-reset",
		       admin.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = patch(&admin, m.id, "{\"status\":\"deactivated\"}");
	th_resp_free(&r);
	r = th_request("POST", path, admin.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 409, "member_deactivated");
	th_resp_free(&r);
	ck_assert_int_eq(admin_audit_rows("member.password_reset_sent", admin.id, m.id), 1);
	th_member_free(&admin);
	th_member_free(&m);
}
END_TEST

/* --- SCHOOLHUB_REGISTRATION=approval (a server of its own) --------------------------- */

static struct th_server approval_server;

static void approval_server_start(void)
{
	const char *env[] = {"SCHOOLHUB_REGISTRATION=approval", NULL};
	th_server_start(&approval_server, api_backend, env);
}

static void approval_server_stop(void)
{
	th_server_stop(&approval_server);
}

static long status_as(const struct th_member *m, const char *path)
{
	struct th_resp *r = th_request("GET", path, m->access_token, NULL, NULL, NULL);
	long status = r->status;
	if (status == 403)
		ck_assert_str_eq(th_code(r), "pending_approval");
	th_resp_free(&r);
	return status;
}

static struct th_resp *decide(const struct th_member *admin, const char *id, const char *what)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/admin/users/%s/%s", id, what);
	return th_request("POST", path, admin->access_token, NULL, NULL, NULL);
}

START_TEST(registration_waits_for_approval)
{
	struct th_member admin, p, q;
	admin_register(&admin, "apradmin", "admin"); /* the operator's promote approves */
	th_member_register(&p, "aprpending");
	th_member_register(&q, "aprrefused");
	struct th_resp *r = th_request("GET", "/api/v1/config", NULL, NULL, NULL, NULL);
	ck_assert_str_eq(th_str(r, "registration"), "approval");
	th_resp_free(&r);
	/* Pending: signed in, the profile only. */
	ck_assert_int_eq(status_as(&p, "/api/v1/users/me"), 200);
	ck_assert_int_eq(status_as(&p, "/api/v1/users/me/export"), 200);
	ck_assert_int_eq(status_as(&p, "/api/v1/children"), 403);
	ck_assert_int_eq(status_as(&p, "/api/v1/sel/balance"), 403);
	ck_assert_int_eq(status_as(&p, "/api/v1/users"), 403);
	r = admin_get(admin.access_token, "/api/v1/admin/users?status=pending", 200);
	char both[80]; /* the two waiting, in id order; the admin (approved) is not */
	snprintf(both, sizeof(both), "%s,%s", strcmp(p.id, q.id) < 0 ? p.id : q.id,
		 strcmp(p.id, q.id) < 0 ? q.id : p.id);
	ck_assert_str_eq(page_ids(r), both);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(r->json, "items"), 0), "status")),
			 "pending");
	th_resp_free(&r);
	/* Approved: everything a parent reaches. */
	r = decide(&admin, p.id, "approve");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "status"), "active");
	th_resp_free(&r);
	ck_assert_int_eq(admin_audit_rows("member.approved", admin.id, p.id), 1);
	ck_assert_int_eq(status_as(&p, "/api/v1/children"), 200);
	r = decide(&admin, p.id, "approve");
	ck_assert_problem(r, 409, "not_pending");
	th_resp_free(&r);
	r = decide(&admin, p.id, "refuse");
	ck_assert_problem(r, 409, "not_pending");
	th_resp_free(&r);
	/* Refused: erased through the GDPR path, the token stops. */
	r = decide(&admin, q.id, "refuse");
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(admin_audit_rows("member.refused", admin.id, q.id), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND deleted_at IS "
				      "NOT NULL AND email <> $2", q.id, q.email), 1);
	r = th_request("GET", "/api/v1/users/me", q.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 401);
	th_resp_free(&r);
	r = decide(&admin, q.id, "refuse");
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	th_member_free(&admin);
	th_member_free(&p);
	th_member_free(&q);
}
END_TEST

Suite *api_admin_members_suite(void)
{
	Suite *s = suite_create("admin_members");
	TCase *tc = tcase_create("admin members");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, parents_and_teachers_get_403);
	tcase_add_test(tc, search_filters_and_pages);
	tcase_add_test(tc, one_member_is_an_audited_look);
	tcase_add_test(tc, role_and_status_changes);
	tcase_add_test(tc, the_last_admin_stays);
	tcase_add_test(tc, password_reset_is_mailed_never_seen);
	suite_add_tcase(s, tc);
	tc = tcase_create("registration by approval");
	tcase_add_unchecked_fixture(tc, approval_server_start, approval_server_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, registration_waits_for_approval);
	suite_add_tcase(s, tc);
	return s;
}
