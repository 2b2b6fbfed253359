/* The caller's account: profile, password, members directory, GDPR export, deletion. */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "schoolhub/store.h"
#include "schoolhub/util.h"

/* The "field"/"code" of the i-th entry of a 422 problem's "errors". */
static struct th_resp *get_me(const char *token)
{
	return th_request("GET", "/api/v1/users/me", token, NULL, NULL, NULL);
}

/* Sets the names of "m" through the API. */
static void rename_member(const struct th_member *m, const char *first, const char *last)
{
	struct th_resp *r = th_json("PATCH", "/api/v1/users/me", m->access_token, "{s:s, s:s}",
				    "first_name", first, "last_name", last);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
}

static struct th_resp *login(const char *email, const char *password)
{
	return th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email", email,
		       "password", password);
}

static struct th_resp *refresh(const char *token)
{
	return th_json("POST", "/api/v1/auth/refresh", NULL, "{s:s}", "refresh_token", token);
}

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

/* --- GET /api/v1/users/me -------------------------------------------------------- */

START_TEST(me_shape_and_auth)
{
	struct th_member m;
	th_member_register(&m, "me");
	struct th_resp *r = get_me(m.access_token);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_header(r, "Content-Type"), "application/json");
	static const char *const keys[] = {"id", "email", "first_name", "last_name", "phone",
					   "locale", "role", "created_at", "is_verified"};
	ck_assert_int_eq(json_object_size(r->json), sizeof(keys) / sizeof(keys[0]));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ck_assert_msg(json_object_get(r->json, keys[i]) != NULL, "missing %s", keys[i]);
	ck_assert_str_eq(th_str(r, "id"), m.id);
	ck_assert_str_eq(th_str(r, "email"), m.email);
	ck_assert_str_eq(th_str(r, "first_name"), "me");
	ck_assert_str_eq(th_str(r, "last_name"), "Test");
	ck_assert(json_is_null(json_object_get(r->json, "phone")));
	ck_assert_str_eq(th_str(r, "locale"), "fr");
	ck_assert_str_eq(th_str(r, "role"), "parent");
	ck_assert_int_eq(strlen(th_str(r, "created_at")), 20);
	ck_assert_ptr_null(json_object_get(r->json, "password_hash"));
	ck_assert_ptr_null(strstr(r->body, "password"));
	ck_assert_ptr_null(strstr(r->body, "argon2"));
	th_resp_free(&r);

	r = get_me(NULL);
	ck_assert_problem(r, 401, "unauthorized");
	ck_assert_ptr_nonnull(strstr(th_header(r, "WWW-Authenticate"), "Bearer"));
	th_resp_free(&r);
	r = get_me("not.a.token");
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	th_member_free(&m);
}
END_TEST

/* --- PATCH /api/v1/users/me ------------------------------------------------------ */

START_TEST(patch_me_updates_and_persists)
{
	struct th_member m;
	th_member_register(&m, "patch");
	struct th_resp *r = th_json("PATCH", "/api/v1/users/me", m.access_token,
				    "{s:s, s:s, s:s, s:s}", "first_name", "  Élise ", "last_name",
				    "Van Damme", "phone", "+32 470 12 34 56", "locale", "nl-BE");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "first_name"), "Élise");
	ck_assert_str_eq(th_str(r, "last_name"), "Van Damme");
	ck_assert_str_eq(th_str(r, "phone"), "+32 470 12 34 56");
	ck_assert_str_eq(th_str(r, "locale"), "nl");
	ck_assert_str_eq(th_str(r, "email"), m.email);
	ck_assert_ptr_null(json_object_get(r->json, "password_hash"));
	th_resp_free(&r);

	/* Persisted: read back. */
	r = get_me(m.access_token);
	ck_assert_str_eq(th_str(r, "first_name"), "Élise");
	ck_assert_str_eq(th_str(r, "last_name"), "Van Damme");
	ck_assert_str_eq(th_str(r, "phone"), "+32 470 12 34 56");
	ck_assert_str_eq(th_str(r, "locale"), "nl");
	th_resp_free(&r);

	/* Partial update leaves the other fields alone. */
	r = th_json("PATCH", "/api/v1/users/me", m.access_token, "{s:s}", "locale", "en");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = get_me(m.access_token);
	ck_assert_str_eq(th_str(r, "locale"), "en");
	ck_assert_str_eq(th_str(r, "first_name"), "Élise");
	ck_assert_str_eq(th_str(r, "phone"), "+32 470 12 34 56");
	th_resp_free(&r);

	/* An empty object changes nothing. */
	r = th_json("PATCH", "/api/v1/users/me", m.access_token, "{}");
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "last_name"), "Van Damme");
	th_resp_free(&r);

	/* phone: null clears it. */
	r = th_json("PATCH", "/api/v1/users/me", m.access_token, "{s:n}", "phone");
	ck_assert_int_eq(r->status, 200);
	ck_assert(json_is_null(json_object_get(r->json, "phone")));
	th_resp_free(&r);
	r = get_me(m.access_token);
	ck_assert(json_is_null(json_object_get(r->json, "phone")));
	ck_assert_str_eq(th_str(r, "last_name"), "Van Damme");
	th_resp_free(&r);

	/* The new profile is what login returns too. */
	r = login(m.email, m.password);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "user"), "first_name")), "Élise");
	th_resp_free(&r);
	th_member_free(&m);
}
END_TEST

START_TEST(patch_me_refuses_unknown_fields)
{
	struct th_member m;
	th_member_register(&m, "unknown");
	struct th_resp *r = th_json("PATCH", "/api/v1/users/me", m.access_token,
				    "{s:s, s:s, s:s, s:s}", "first_name", "Hacker", "role", "admin",
				    "email", "other@example.be", "id",
				    "00000000-0000-4000-8000-000000000000");
	ck_assert_problem(r, 422, "validation_failed");
	ck_assert_int_eq(api_err_count(r), 3);
	bool seen_role = false, seen_email = false, seen_id = false;
	for (size_t i = 0; i < api_err_count(r); i++) {
		ck_assert_str_eq(api_err_code(r, i), "unknown_field");
		seen_role |= strcmp(api_err_field(r, i), "role") == 0;
		seen_email |= strcmp(api_err_field(r, i), "email") == 0;
		seen_id |= strcmp(api_err_field(r, i), "id") == 0;
	}
	ck_assert(seen_role && seen_email && seen_id);
	th_resp_free(&r);

	r = th_json("PATCH", "/api/v1/users/me", m.access_token, "{s:s}", "password_hash", "x");
	assert_field_error(r, "password_hash", "unknown_field");
	th_resp_free(&r);

	/* Nothing changed, not even the allowed field sent alongside. */
	r = get_me(m.access_token);
	ck_assert_str_eq(th_str(r, "first_name"), "unknown");
	ck_assert_str_eq(th_str(r, "role"), "parent");
	ck_assert_str_eq(th_str(r, "email"), m.email);
	ck_assert_str_eq(th_str(r, "id"), m.id);
	th_resp_free(&r);
	r = login(m.email, m.password);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	th_member_free(&m);
}
END_TEST

START_TEST(patch_me_validation)
{
	struct th_member m;
	th_member_register(&m, "pval");
	struct th_resp *r = th_json("PATCH", "/api/v1/users/me", m.access_token, "{s:s}",
				    "phone", "+32 470 12 34 56");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	static const char *const bad_phones[] = {"abc", "12345", "+32 +470 123456",
						 "0470 12 34 56 x", "123456789012345678901"};
	for (size_t i = 0; i < sizeof(bad_phones) / sizeof(bad_phones[0]); i++) {
		r = th_json("PATCH", "/api/v1/users/me", m.access_token, "{s:s}", "phone",
			    bad_phones[i]);
		assert_field_error(r, "phone", "invalid_phone");
		ck_assert_int_eq(api_err_count(r), 1);
		th_resp_free(&r);
	}

	r = th_json("PATCH", "/api/v1/users/me", m.access_token, "{s:s, s:s}", "first_name", "  ",
		    "last_name", "");
	ck_assert_problem(r, 422, "validation_failed");
	ck_assert_int_eq(api_err_count(r), 2);
	ck_assert_str_eq(api_err_field(r, 0), "first_name");
	ck_assert_str_eq(api_err_code(r, 0), "required");
	ck_assert_str_eq(api_err_field(r, 1), "last_name");
	ck_assert_str_eq(api_err_code(r, 1), "required");
	th_resp_free(&r);

	r = th_json("PATCH", "/api/v1/users/me", m.access_token, "{s:s}", "first_name", "Line\nBreak");
	assert_field_error(r, "first_name", "invalid_text");
	th_resp_free(&r);

	char longname[128];
	memset(longname, 'a', 101);
	longname[101] = '\0';
	r = th_json("PATCH", "/api/v1/users/me", m.access_token, "{s:s}", "last_name", longname);
	assert_field_error(r, "last_name", "too_long");
	th_resp_free(&r);

	static const char *const bad_locales[] = {"de", "", "english", "nl-BEE", "x"};
	for (size_t i = 0; i < sizeof(bad_locales) / sizeof(bad_locales[0]); i++) {
		r = th_json("PATCH", "/api/v1/users/me", m.access_token, "{s:s}", "locale",
			    bad_locales[i]);
		assert_field_error(r, "locale", "invalid_locale");
		th_resp_free(&r);
	}

	/* Wrong JSON types. */
	r = th_json("PATCH", "/api/v1/users/me", m.access_token, "{s:i, s:b, s:i, s:n}",
		    "first_name", 5, "last_name", 1, "phone", 470123456, "locale");
	ck_assert_problem(r, 422, "validation_failed");
	ck_assert_int_eq(api_err_count(r), 4);
	ck_assert_str_eq(api_err_field(r, 0), "first_name");
	ck_assert_str_eq(api_err_code(r, 0), "invalid_type");
	ck_assert_str_eq(api_err_field(r, 1), "last_name");
	ck_assert_str_eq(api_err_code(r, 1), "invalid_type");
	ck_assert_str_eq(api_err_field(r, 2), "phone");
	ck_assert_str_eq(api_err_code(r, 2), "invalid_type");
	ck_assert_str_eq(api_err_field(r, 3), "locale");
	ck_assert_str_eq(api_err_code(r, 3), "invalid_type");
	th_resp_free(&r);

	/* One bad field spoils the whole request: the good one is not applied. */
	r = th_json("PATCH", "/api/v1/users/me", m.access_token, "{s:s, s:s}", "first_name",
		    "Changed", "locale", "de");
	assert_field_error(r, "locale", "invalid_locale");
	th_resp_free(&r);

	/* Not JSON, broken JSON, no token. */
	r = th_request("PATCH", "/api/v1/users/me", m.access_token, "first_name=x",
		       "application/x-www-form-urlencoded", NULL);
	ck_assert_problem(r, 415, "unsupported_media_type");
	th_resp_free(&r);
	r = th_request("PATCH", "/api/v1/users/me", m.access_token, "{\"first_name\":", NULL, NULL);
	ck_assert_problem(r, 400, "invalid_json");
	th_resp_free(&r);
	r = th_json("PATCH", "/api/v1/users/me", NULL, "{s:s}", "first_name", "Nobody");
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);

	/* None of it stuck. */
	r = get_me(m.access_token);
	ck_assert_str_eq(th_str(r, "first_name"), "pval");
	ck_assert_str_eq(th_str(r, "last_name"), "Test");
	ck_assert_str_eq(th_str(r, "phone"), "+32 470 12 34 56");
	ck_assert_str_eq(th_str(r, "locale"), "fr");
	th_resp_free(&r);
	th_member_free(&m);
}
END_TEST

/* --- POST /api/v1/users/me/password ---------------------------------------------- */

START_TEST(change_password_errors)
{
	struct th_member m;
	th_member_register(&m, "pwerr");
	struct th_resp *r = th_json("POST", "/api/v1/users/me/password", m.access_token,
				    "{s:s, s:s}", "current_password", "not my password",
				    "new_password", "a brand new secret");
	ck_assert_problem(r, 401, "invalid_credentials");
	th_resp_free(&r);

	r = th_json("POST", "/api/v1/users/me/password", m.access_token, "{s:s, s:s}",
		    "current_password", m.password, "new_password", "short");
	assert_field_error(r, "new_password", "password_too_short");
	th_resp_free(&r);

	char longpw[300];
	memset(longpw, 'y', 257);
	longpw[257] = '\0';
	r = th_json("POST", "/api/v1/users/me/password", m.access_token, "{s:s, s:s}",
		    "current_password", m.password, "new_password", longpw);
	assert_field_error(r, "new_password", "password_too_long");
	th_resp_free(&r);

	r = th_json("POST", "/api/v1/users/me/password", m.access_token, "{}");
	ck_assert_problem(r, 422, "validation_failed");
	ck_assert_int_eq(api_err_count(r), 2);
	ck_assert_str_eq(api_err_field(r, 0), "current_password");
	ck_assert_str_eq(api_err_code(r, 0), "required");
	ck_assert_str_eq(api_err_field(r, 1), "new_password");
	ck_assert_str_eq(api_err_code(r, 1), "required");
	th_resp_free(&r);

	r = th_json("POST", "/api/v1/users/me/password", m.access_token, "{s:s, s:s, s:s}",
		    "current_password", m.password, "new_password", "a brand new secret", "user_id",
		    "00000000-0000-4000-8000-000000000000");
	assert_field_error(r, "user_id", "unknown_field");
	th_resp_free(&r);

	r = th_json("POST", "/api/v1/users/me/password", m.access_token, "{s:i, s:s}",
		    "current_password", 1, "new_password", "a brand new secret");
	assert_field_error(r, "current_password", "invalid_type");
	th_resp_free(&r);

	r = th_request("POST", "/api/v1/users/me/password", m.access_token, "x", "text/plain", NULL);
	ck_assert_problem(r, 415, "unsupported_media_type");
	th_resp_free(&r);

	r = th_json("POST", "/api/v1/users/me/password", NULL, "{s:s, s:s}", "current_password",
		    m.password, "new_password", "a brand new secret");
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);

	/* The password is still the old one; the session still refreshes. */
	r = login(m.email, m.password);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = login(m.email, "a brand new secret");
	ck_assert_problem(r, 401, "invalid_credentials");
	th_resp_free(&r);
	r = refresh(m.refresh_token);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	th_member_free(&m);
}
END_TEST

START_TEST(password_rechecks_are_throttled)
{
	struct th_member m;
	th_member_register(&m, "pwguess");
	/* Someone with a stolen token guessing the current password: 10 tries, then 429,
	 * and the account's login is throttled as well. */
	for (int i = 0; i < 10; i++) {
		struct th_resp *r = th_json("POST", "/api/v1/users/me/password", m.access_token,
					    "{s:s, s:s}", "current_password", "guess guess guess",
					    "new_password", "attacker chosen secret");
		ck_assert_problem(r, 401, "invalid_credentials");
		th_resp_free(&r);
	}
	struct th_resp *r = th_json("POST", "/api/v1/users/me/password", m.access_token,
				    "{s:s, s:s}", "current_password", m.password, "new_password",
				    "attacker chosen secret");
	ck_assert_problem(r, 429, "too_many_attempts");
	ck_assert_ptr_nonnull(th_header(r, "Retry-After"));
	th_resp_free(&r);
	r = th_json("DELETE", "/api/v1/users/me", m.access_token, "{s:s}", "password", m.password);
	ck_assert_problem(r, 429, "too_many_attempts");
	th_resp_free(&r);
	r = login(m.email, m.password);
	ck_assert_problem(r, 429, "too_many_attempts");
	th_resp_free(&r);
	/* Nothing changed meanwhile. */
	r = get_me(m.access_token);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	th_member_free(&m);
}
END_TEST

START_TEST(change_password_success_revokes_sessions)
{
	struct th_member m;
	th_member_register(&m, "pwok");
	/* A second session (another device). */
	struct th_resp *r = login(m.email, m.password);
	ck_assert_int_eq(r->status, 200);
	char *other_refresh = strdup(th_str(r, "refresh_token"));
	th_resp_free(&r);

	const char *next = "un tout nouveau secret é";
	r = th_json("POST", "/api/v1/users/me/password", m.access_token, "{s:s, s:s}",
		    "current_password", m.password, "new_password", next);
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	ck_assert_int_eq(r->body_len, 0);
	th_resp_free(&r);

	r = login(m.email, m.password);
	ck_assert_problem(r, 401, "invalid_credentials");
	th_resp_free(&r);
	r = refresh(m.refresh_token);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	r = refresh(other_refresh);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);

	r = login(m.email, next);
	ck_assert_int_eq(r->status, 200);
	char *fresh = strdup(th_str(r, "refresh_token"));
	char *fresh_access = strdup(th_str(r, "access_token"));
	th_resp_free(&r);
	r = refresh(fresh);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	/* Access tokens issued before the change are void too, not only refresh tokens. */
	r = th_request("GET", "/api/v1/users/me", m.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/users/me", fresh_access, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	/* The old password no longer confirms sensitive actions either. */
	r = th_json("DELETE", "/api/v1/users/me", fresh_access, "{s:s}", "password", m.password);
	ck_assert_problem(r, 401, "invalid_credentials");
	th_resp_free(&r);
	free(fresh_access);
	free(fresh);
	free(other_refresh);
	th_member_free(&m);
}
END_TEST

/* --- GET /api/v1/users ----------------------------------------------------------- */

/* GET /api/v1/users with a query string; asserts 200. */
static struct th_resp *directory(const char *token, const char *query)
{
	char path[2048];
	snprintf(path, sizeof(path), "/api/v1/users%s%s", query ? "?" : "", query ? query : "");
	return th_request("GET", path, token, NULL, NULL, NULL);
}

static bool items_contain(const struct th_resp *r, const char *id)
{
	json_t *items = json_object_get(r->json, "items");
	for (size_t i = 0; i < json_array_size(items); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(items, i), "id")), id) == 0)
			return true;
	return false;
}

START_TEST(directory_shape_and_search)
{
	struct th_member a, b, c;
	th_member_register(&a, "dira");
	th_member_register(&b, "dirb");
	th_member_register(&c, "dirc");
	rename_member(&a, "Zélie", "Quorndike");
	rename_member(&b, "Bram", "Peeters-Quorndike");
	rename_member(&c, "Quorndikette", "Janssens");
	struct th_resp *r = th_json("PATCH", "/api/v1/users/me", a.access_token, "{s:s}", "phone",
				    "+32 470 99 88 77");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	r = directory(a.access_token, "q=quorndike");
	ck_assert_int_eq(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	/* Ordered by last name, then first name. */
	ck_assert_int_eq(json_array_size(items), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "id")), c.id);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 1), "id")), b.id);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 2), "id")), a.id);
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i);
		ck_assert_int_eq(json_object_size(it), 3);
		ck_assert_ptr_nonnull(json_object_get(it, "id"));
		ck_assert_ptr_nonnull(json_object_get(it, "first_name"));
		ck_assert_ptr_nonnull(json_object_get(it, "last_name"));
	}
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 2), "first_name")), "Zélie");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 2), "last_name")), "Quorndike");
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
	/* No contact data anywhere in the body. */
	ck_assert_ptr_null(strstr(r->body, "email"));
	ck_assert_ptr_null(strstr(r->body, "phone"));
	ck_assert_ptr_null(strstr(r->body, "@example.be"));
	ck_assert_ptr_null(strstr(r->body, "password"));
	th_resp_free(&r);

	/* Case-insensitive on first and last name, and on "first last". */
	r = directory(b.access_token, "q=QUORNDIKE");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 3);
	th_resp_free(&r);
	r = directory(b.access_token, "q=quorndikETTE");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
	ck_assert(items_contain(r, c.id));
	th_resp_free(&r);
	r = directory(b.access_token, "q=bRaM%20pEeTeRs");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
	ck_assert(items_contain(r, b.id));
	th_resp_free(&r);
	r = directory(b.access_token, "q=peeters-quorndike%20bram");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
	ck_assert(items_contain(r, b.id));
	th_resp_free(&r);
	/* Words apart, in the order typed (the same search as the SEL directory's). */
	r = directory(b.access_token, "q=bram%20%20quorn");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
	ck_assert(items_contain(r, b.id));
	th_resp_free(&r);

	/* LIKE wildcards are literal characters, not patterns. */
	r = directory(b.access_token, "q=quorn%25ke");
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
	th_resp_free(&r);
	r = directory(b.access_token, "q=quorndik_");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
	th_resp_free(&r);

	/* Email is not searchable. */
	char query[256];
	snprintf(query, sizeof(query), "q=%.*s", (int)(strchr(a.email, '@') - a.email), a.email);
	r = directory(b.access_token, query);
	ck_assert_int_eq(r->status, 200);
	ck_assert(!items_contain(r, a.id));
	th_resp_free(&r);

	/* No q: everyone (still only the three public fields). */
	r = directory(a.access_token, "limit=100");
	ck_assert_int_eq(r->status, 200);
	ck_assert(items_contain(r, a.id) && items_contain(r, b.id) && items_contain(r, c.id));
	ck_assert_ptr_null(strstr(r->body, "email"));
	ck_assert_ptr_null(strstr(r->body, "phone"));
	th_resp_free(&r);
	r = directory(a.access_token, "q=");
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_ge(json_array_size(json_object_get(r->json, "items")), 3);
	th_resp_free(&r);

	r = directory(NULL, "q=quorndike");
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&c);
}
END_TEST

START_TEST(directory_search_ignores_case_and_accents)
{
	struct th_member m;
	th_member_register(&m, "accents");
	struct th_resp *r = th_json("PATCH", "/api/v1/users/me", m.access_token, "{s:s, s:s}",
				    "first_name", "Émilie", "last_name", "Çavérnoux-Ødegård");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	/* Typed with or without accents, in any case: same member, on both databases. */
	static const char *const queries[] = {
		"q=emilie", "q=%C3%89MILIE", "q=%C3%A9milie", "q=EMILIE%20cavernoux", "q=cav%C3%A9rnoux",
		"q=%C3%87AV%C3%89RNOUX", "q=odegard", "q=%C3%B8degard", "q=cavernoux-odegard%20emilie"};
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		r = directory(m.access_token, queries[i]);
		ck_assert_int_eq(r->status, 200);
		ck_assert_msg(items_contain(r, m.id), "%s did not find the member: %s", queries[i], r->body);
		th_resp_free(&r);
	}
	r = directory(m.access_token, "q=emilio");
	ck_assert(!items_contain(r, m.id));
	th_resp_free(&r);
	/* A renamed member is found under the new name only. */
	r = th_json("PATCH", "/api/v1/users/me", m.access_token, "{s:s}", "first_name", "Zoë");
	th_resp_free(&r);
	r = directory(m.access_token, "q=zoe%20cavernoux");
	ck_assert(items_contain(r, m.id));
	th_resp_free(&r);
	r = directory(m.access_token, "q=emilie%20cavernoux");
	ck_assert(!items_contain(r, m.id));
	th_resp_free(&r);
	th_member_free(&m);
}
END_TEST

START_TEST(directory_pagination)
{
	enum { N = 5 };
	struct th_member m[N];
	/* Two share a full name: the id breaks the tie. */
	static const char *const names[N][2] = {{"Anna", "Wixlerpag"}, {"Bert", "Wixlerpag"},
						{"Bert", "Wixlerpag"}, {"Aline", "Wixlerpagen"},
						{"Carl", "Awixlerpag"}};
	for (int i = 0; i < N; i++) {
		th_member_register(&m[i], "page");
		rename_member(&m[i], names[i][0], names[i][1]);
	}
	/* A full page first: 5 matches, all in one. */
	struct th_resp *r = directory(m[0].access_token, "q=wixlerpag&limit=5");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), N);
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
	char *expected_order[N];
	for (int i = 0; i < N; i++)
		expected_order[i] = strdup(json_string_value(json_object_get(json_array_get(json_object_get(r->json, "items"), (size_t)i), "id")));
	th_resp_free(&r);

	/* limit=1 walks every match exactly once, in the same order, then stops. */
	char *cursor = NULL;
	int seen = 0;
	for (int page = 0; page < N + 2; page++) {
		char query[1200];
		if (cursor != NULL)
			snprintf(query, sizeof(query), "q=wixlerpag&limit=1&cursor=%s", cursor);
		else
			snprintf(query, sizeof(query), "q=wixlerpag&limit=1");
		r = directory(m[0].access_token, query);
		ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
		json_t *items = json_object_get(r->json, "items");
		ck_assert_int_eq(json_array_size(items), 1);
		ck_assert_int_lt(seen, N);
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "id")),
				 expected_order[seen]);
		seen++;
		free(cursor);
		cursor = NULL;
		json_t *next = json_object_get(r->json, "next_cursor");
		ck_assert_ptr_nonnull(next); /* always present, null at the end */
		if (json_is_string(next))
			cursor = strdup(json_string_value(next));
		th_resp_free(&r);
		if (cursor == NULL)
			break;
	}
	ck_assert_int_eq(seen, N);
	/* Every member appears once: the ids are distinct. */
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			ck_assert_str_ne(expected_order[i], expected_order[j]);
	for (int i = 0; i < N; i++) {
		bool found = false;
		for (int j = 0; j < N; j++)
			found |= strcmp(m[i].id, expected_order[j]) == 0;
		ck_assert(found);
	}
	/* Order: Awixlerpag, then Wixlerpag Anna, Bert, Bert, then Wixlerpagen. */
	ck_assert_str_eq(expected_order[0], m[4].id);
	ck_assert_str_eq(expected_order[1], m[0].id);
	ck_assert_str_eq(expected_order[4], m[3].id);

	/* limit=2: pages of 2, 2, 1. */
	r = directory(m[0].access_token, "q=wixlerpag&limit=2");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 2);
	ck_assert(json_is_string(json_object_get(r->json, "next_cursor")));
	char query[1200];
	snprintf(query, sizeof(query), "q=wixlerpag&limit=2&cursor=%s", th_str(r, "next_cursor"));
	th_resp_free(&r);
	r = directory(m[0].access_token, query);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "id")), expected_order[2]);
	snprintf(query, sizeof(query), "q=wixlerpag&limit=2&cursor=%s", th_str(r, "next_cursor"));
	th_resp_free(&r);
	r = directory(m[0].access_token, query);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "id")), expected_order[4]);
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
	th_resp_free(&r);

	/* Default limit is 20. */
	r = directory(m[0].access_token, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_le(json_array_size(json_object_get(r->json, "items")), 20);
	th_resp_free(&r);

	for (int i = 0; i < N; i++) {
		free(expected_order[i]);
		th_member_free(&m[i]);
	}
}
END_TEST

START_TEST(directory_parameter_errors)
{
	struct th_member m;
	th_member_register(&m, "dirparams");
	static const char *const bad_limits[] = {"limit=0", "limit=101", "limit=abc", "limit=",
						 "limit=-1", "limit=1000", "limit=1.5"};
	for (size_t i = 0; i < sizeof(bad_limits) / sizeof(bad_limits[0]); i++) {
		struct th_resp *r = directory(m.access_token, bad_limits[i]);
		ck_assert_msg(r->status == 422, "%s gave %ld", bad_limits[i], r->status);
		assert_field_error(r, "limit", "out_of_range");
		th_resp_free(&r);
	}
	struct th_resp *r = directory(m.access_token, "limit=100");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = directory(m.access_token, "limit=1");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	/* Cursors: junk, bad base64, valid base64 of the wrong JSON, a non-UUID id. */
	char cursor_wrong_shape[256], cursor_bad_id[256], cursor_good[256];
	const char *wrong_shape = "{\"a\":1}";
	const char *bad_id = "[\"Test\",\"x\",\"not-a-uuid\"]";
	const char *good = "[\"\",\"\",\"00000000-0000-4000-8000-000000000000\"]";
	sodium_bin2base64(cursor_wrong_shape, sizeof(cursor_wrong_shape), (const unsigned char *)wrong_shape,
			  strlen(wrong_shape), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_bin2base64(cursor_bad_id, sizeof(cursor_bad_id), (const unsigned char *)bad_id,
			  strlen(bad_id), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_bin2base64(cursor_good, sizeof(cursor_good), (const unsigned char *)good,
			  strlen(good), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	const char *bad_cursors[] = {"garbage", "!!!!", "", cursor_wrong_shape, cursor_bad_id};
	for (size_t i = 0; i < sizeof(bad_cursors) / sizeof(bad_cursors[0]); i++) {
		char query[512];
		snprintf(query, sizeof(query), "cursor=%s", bad_cursors[i]);
		r = directory(m.access_token, query);
		ck_assert_msg(r->status == 422, "cursor %s gave %ld", bad_cursors[i], r->status);
		assert_field_error(r, "cursor", "invalid_cursor");
		th_resp_free(&r);
	}
	char query[512];
	snprintf(query, sizeof(query), "cursor=%s&limit=100", cursor_good);
	r = directory(m.access_token, query);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert(items_contain(r, m.id));
	th_resp_free(&r);

	/* Over-long search text. */
	char longq[160] = "q=";
	memset(longq + 2, 'a', 101);
	longq[103] = '\0';
	r = directory(m.access_token, longq);
	assert_field_error(r, "q", "invalid_text");
	th_resp_free(&r);
	th_member_free(&m);
}
END_TEST

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
	struct sh_stmt *st = sh_stmt_prepare(
		conn, "SELECT email, password_hash, first_name, last_name, phone, active, deleted_at "
		      "FROM users WHERE id = $1");
	ck_assert_ptr_nonnull(st);
	sh_stmt_bind_text(st, 1, a.id);
	ck_assert_int_eq(sh_stmt_step(st), SH_DB_ROW);
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
	r = th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s}", "email",
		    a.email, "password", "a new life password", "first_name", "Back",
		    "last_name", "Again");
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

Suite *api_users_suite(void)
{
	Suite *s = suite_create("users");
	TCase *tc = tcase_create("account");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, me_shape_and_auth);
	tcase_add_test(tc, patch_me_updates_and_persists);
	tcase_add_test(tc, patch_me_refuses_unknown_fields);
	tcase_add_test(tc, patch_me_validation);
	tcase_add_test(tc, change_password_errors);
	tcase_add_test(tc, password_rechecks_are_throttled);
	tcase_add_test(tc, change_password_success_revokes_sessions);
	tcase_add_test(tc, directory_shape_and_search);
	tcase_add_test(tc, directory_search_ignores_case_and_accents);
	tcase_add_test(tc, directory_pagination);
	tcase_add_test(tc, directory_parameter_errors);
	tcase_add_test(tc, export_contains_only_own_data);
	tcase_add_test(tc, delete_me_errors);
	tcase_add_test(tc, delete_me_erases_the_account);
	suite_add_tcase(s, tc);
	return s;
}
