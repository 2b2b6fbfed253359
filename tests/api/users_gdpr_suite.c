/* The caller's GDPR rights: the export of their own data, and the deletion of the account. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/store.h"
#include "users_suite.h"

static struct sh_conn *db_conn(void)
{
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(th_current->app->db, &error);
	ck_assert_msg(conn != NULL, "%s", error ? error : "");
	return conn;
}

static char *create_child(const char *token, const char *first, const char *last)
{
	struct th_resp *r = th_json("POST", "/api/v1/children", token, "{s:s, s:s, s:s}",
				    "first_name", first, "last_name", last, "class_name", "P2");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

/* The co-parent is invited and accepts: the only way to share a child. */
static void add_guardian(const char *token, const char *child_id, const struct th_member *co)
{
	api_link_coparent(token, child_id, co);
}

/* --- GET /api/v1/users/me/export ------------------------------------------------- */

START_TEST(export_contains_only_own_data)
{
	struct th_member a, co, other;
	th_member_register(&a, "exporter");
	th_member_register(&co, "coexport");
	th_member_register(&other, "stranger");
	char *mine = create_child(a.access_token, "Ottilie", "Exportine");
	char *shared = create_child(a.access_token, "Gaspard", "Exportine");
	add_guardian(a.access_token, shared, &co);
	char *theirs = create_child(other.access_token, "Strangerkid", "Elsewhere");

	struct th_resp *r = th_request("GET", "/api/v1/users/me/export", a.access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	const char *cd = th_header(r, "Content-Disposition");
	ck_assert_ptr_nonnull(cd);
	ck_assert_ptr_nonnull(strstr(cd, "attachment"));
	ck_assert_ptr_nonnull(strstr(cd, "filename=\"schoolhub-export-"));
	ck_assert_ptr_nonnull(strstr(cd, ".json\""));
	ck_assert_str_eq(th_header(r, "Content-Type"), "application/json");
	ck_assert_str_eq(th_str(r, "format"), "schoolhub-export-v1");
	ck_assert_ptr_nonnull(th_str(r, "exported_at"));

	json_t *user = json_object_get(r->json, "user");
	ck_assert_str_eq(json_string_value(json_object_get(user, "id")), a.id);
	ck_assert_str_eq(json_string_value(json_object_get(user, "email")), a.email);
	ck_assert_ptr_null(json_object_get(user, "password_hash"));
	ck_assert_ptr_null(strstr(r->body, "argon2"));

	json_t *children = json_object_get(r->json, "children");
	ck_assert_int_eq(json_array_size(children), 2);
	bool seen_mine = false, seen_shared = false;
	for (size_t i = 0; i < 2; i++) {
		json_t *c = json_array_get(children, i);
		const char *id = json_string_value(json_object_get(c, "id"));
		json_t *g = json_object_get(c, "guardians");
		if (strcmp(id, mine) == 0) {
			seen_mine = true;
			ck_assert_int_eq(json_array_size(g), 1);
			ck_assert_str_eq(json_string_value(json_object_get(json_array_get(g, 0), "user_id")), a.id);
		} else if (strcmp(id, shared) == 0) {
			seen_shared = true;
			ck_assert_int_eq(json_array_size(g), 2);
		}
	}
	ck_assert(seen_mine && seen_shared);

	json_t *sessions = json_object_get(r->json, "sessions");
	ck_assert(json_is_array(sessions));
	ck_assert_int_ge(json_array_size(sessions), 1);
	ck_assert_ptr_nonnull(json_object_get(json_array_get(sessions, 0), "started_at"));
	/* Session ids but never token material. */
	ck_assert_ptr_null(strstr(r->body, a.refresh_token));
	/* The verification e-mail sent at registration, without its token's hash. */
	json_t *verifications = json_object_get(r->json, "email_verifications");
	ck_assert_int_ge(json_array_size(verifications), 1);
	json_t *v0 = json_array_get(verifications, 0);
	ck_assert_str_eq(json_string_value(json_object_get(v0, "email")), a.email);
	ck_assert_ptr_nonnull(json_object_get(v0, "sent_at"));
	ck_assert_ptr_null(json_object_get(v0, "token_hash"));

	/* Nothing of anyone else. */
	ck_assert_ptr_null(strstr(r->body, "Strangerkid"));
	ck_assert_ptr_null(strstr(r->body, theirs));
	ck_assert_ptr_null(strstr(r->body, other.email));
	ck_assert_ptr_null(strstr(r->body, other.id));
	ck_assert_ptr_null(strstr(r->body, co.email));
	/* The invitation the co-parent accepted is there, without their address. */
	json_t *sent = json_object_get(json_object_get(r->json, "guardian_invitations"), "sent");
	ck_assert_int_eq(json_array_size(sent), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(sent, 0), "status")), "accepted");
	ck_assert(json_is_null(json_object_get(json_array_get(sent, 0), "email")));
	th_resp_free(&r);

	/* The stranger's export has only their own child. */
	r = th_request("GET", "/api/v1/users/me/export", other.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "children")), 1);
	ck_assert_ptr_null(strstr(r->body, "Ottilie"));
	ck_assert_ptr_null(strstr(r->body, "Exportine"));
	th_resp_free(&r);

	r = th_request("GET", "/api/v1/users/me/export", NULL, NULL, NULL, NULL);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	free(mine);
	free(shared);
	free(theirs);
	th_member_free(&a);
	th_member_free(&co);
	th_member_free(&other);
}
END_TEST

/* --- DELETE /api/v1/users/me ----------------------------------------------------- */

START_TEST(delete_me_errors)
{
	struct th_member m;
	th_member_register(&m, "nodelete");
	struct th_resp *r = th_json("DELETE", "/api/v1/users/me", m.access_token, "{s:s}",
				    "password", "not my password");
	ck_assert_problem(r, 401, "invalid_credentials");
	th_resp_free(&r);
	r = th_json("DELETE", "/api/v1/users/me", m.access_token, "{}");
	assert_field_error(r, "password", "required");
	th_resp_free(&r);
	r = th_json("DELETE", "/api/v1/users/me", m.access_token, "{s:i}", "password", 12);
	assert_field_error(r, "password", "invalid_type");
	th_resp_free(&r);
	r = th_json("DELETE", "/api/v1/users/me", m.access_token, "{s:s, s:b}", "password",
		    m.password, "force", 1);
	assert_field_error(r, "force", "unknown_field");
	th_resp_free(&r);
	r = th_request("DELETE", "/api/v1/users/me", m.access_token, NULL, NULL, NULL);
	ck_assert_int_ge(r->status, 400);
	ck_assert_int_lt(r->status, 500);
	th_resp_free(&r);
	r = th_request("DELETE", "/api/v1/users/me", m.access_token, "password=x",
		       "application/x-www-form-urlencoded", NULL);
	ck_assert_problem(r, 415, "unsupported_media_type");
	th_resp_free(&r);
	r = th_json("DELETE", "/api/v1/users/me", NULL, "{s:s}", "password", m.password);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);

	/* The account is intact. */
	r = get_me(m.access_token);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "email"), m.email);
	th_resp_free(&r);
	r = login(m.email, m.password);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = refresh(m.refresh_token);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND active AND deleted_at IS NULL", m.id, NULL), 1);
	th_member_free(&m);
}
END_TEST

START_TEST(delete_me_erases_the_account)
{
	struct th_member a, co;
	th_member_register(&a, "leaver");
	th_member_register(&co, "stayer");
	struct th_resp *r = th_json("PATCH", "/api/v1/users/me", a.access_token, "{s:s, s:s, s:s}",
				    "first_name", "Wivinella", "last_name", "Goneaway",
				    "phone", "+32 471 55 44 33");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	char *alone = create_child(a.access_token, "Solokid", "Goneaway");
	char *shared = create_child(a.access_token, "Sharedkid", "Goneaway");
	/* A failed login leaves the email in login_failures: deletion must clear it too. */
	r = login(a.email, "not the password at all");
	ck_assert_problem(r, 401, "invalid_credentials");
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM login_failures WHERE email = $1", a.email, NULL), 1);
	add_guardian(a.access_token, shared, &co);
	r = directory(co.access_token, "q=goneaway");
	ck_assert(items_contain(r, a.id));
	th_resp_free(&r);

	r = th_json("DELETE", "/api/v1/users/me", a.access_token, "{s:s}", "password", a.password);
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	ck_assert_int_eq(r->body_len, 0);
	th_resp_free(&r);
	/* Right after deletion (later failed logins are recorded anew, and pruned after 15 min). */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM login_failures WHERE email = $1", a.email, NULL), 0);

	/* Every way in is closed. */
	r = get_me(a.access_token);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/children", a.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	r = th_json("DELETE", "/api/v1/users/me", a.access_token, "{s:s}", "password", a.password);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	r = login(a.email, a.password);
	ck_assert_problem(r, 401, "invalid_credentials");
	th_resp_free(&r);
	r = refresh(a.refresh_token);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);

	/* The child only they guarded is gone, with its links. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM children WHERE id = $1", alone, NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM child_guardians WHERE child_id = $1", alone, NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM child_guardians WHERE user_id = $1", a.id, NULL), 0);
	/* The shared child stays, with the co-parent as only guardian. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM children WHERE id = $1", shared, NULL), 1);
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/children/%s", shared);
	r = th_request("GET", path, co.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	json_t *g = json_object_get(r->json, "guardians");
	ck_assert_int_eq(json_array_size(g), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(g, 0), "user_id")), co.id);
	ck_assert_ptr_null(strstr(r->body, "Wivinella"));
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/children", co.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
	th_resp_free(&r);

	/* Not in the directory any more. */
	r = directory(co.access_token, "q=goneaway");
	ck_assert_int_eq(r->status, 200);
	ck_assert(!items_contain(r, a.id));
	th_resp_free(&r);
	r = directory(co.access_token, "q=ancien&limit=100");
	ck_assert(!items_contain(r, a.id));
	th_resp_free(&r);

	/* The row stays as a pseudonym with nothing personal left. */
	struct sh_conn *conn = db_conn();
	struct sh_stmt *st;
	ck_assert_int_eq(sh_query_row(conn,
				      "SELECT email, password_hash, first_name, last_name, phone, "
				      "active, deleted_at FROM users WHERE id = $1",
				      SH_ARGS(SH_TEXT(a.id)), &st),
			 SH_DB_ROW);
	const char *email = sh_stmt_col_text(st, 0);
	ck_assert_str_ne(email, a.email);
	ck_assert_ptr_null(strstr(email, "leaver"));
	ck_assert_ptr_null(strstr(email, "example.be"));
	ck_assert_ptr_nonnull(strstr(email, "@invalid"));
	ck_assert_str_eq(sh_stmt_col_text(st, 1), "");
	ck_assert_str_ne(sh_stmt_col_text(st, 2), "Wivinella");
	ck_assert_str_ne(sh_stmt_col_text(st, 3), "Goneaway");
	ck_assert(sh_stmt_col_is_null(st, 4));
	ck_assert(!sh_stmt_col_bool(st, 5));
	ck_assert(!sh_stmt_col_is_null(st, 6));
	ck_assert_int_eq(sh_stmt_step(st), SH_DB_OK);
	sh_stmt_free(&st);
	sh_conn_close(&conn);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE email = $1", a.email, NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE first_name = $1 OR last_name = $1", "Goneaway", NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE first_name = $1", "Wivinella", NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE phone = $1", "+32 471 55 44 33", NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE search_name LIKE $1", "%wivinella%", NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM refresh_tokens WHERE user_id = $1", a.id, NULL), 0);

	/* The address is free again, for a brand new account. */
	r = th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s, s:s}", "email",
		    a.email, "password", "a new life password", "first_name", "Back", "last_name",
		    "Again", "privacy_version", TH_PRIVACY_VERSION);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	const char *new_id = json_string_value(json_object_get(json_object_get(r->json, "user"), "id"));
	ck_assert_str_ne(new_id, a.id);
	struct th_resp *kids = th_request("GET", "/api/v1/children", th_str(r, "access_token"), NULL, NULL, NULL);
	ck_assert_int_eq(kids->status, 200);
	ck_assert_int_eq(json_array_size(json_object_get(kids->json, "items")), 0);
	th_resp_free(&kids);
	th_resp_free(&r);
	r = login(a.email, a.password);
	ck_assert_problem(r, 401, "invalid_credentials");
	th_resp_free(&r);
	r = login(a.email, "a new life password");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	free(alone);
	free(shared);
	th_member_free(&a);
	th_member_free(&co);
}
END_TEST
void api_users_gdpr_tests(TCase *tc)
{
	tcase_add_test(tc, export_contains_only_own_data);
	tcase_add_test(tc, delete_me_errors);
	tcase_add_test(tc, delete_me_erases_the_account);
}
