/* The caller's account: profile and password (the directory and the GDPR rights are in
 * users_directory_suite.c and users_gdpr_suite.c). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "users_suite.h"

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
	api_users_directory_tests(tc);
	api_users_gdpr_tests(tc);
	suite_add_tcase(s, tc);
	return s;
}
