/*
 * The privacy notice at registration (issue #11 item 11): no account without the version in
 * force (422 privacy_not_accepted, nothing written), the version and the moment recorded on
 * the account, and both in the member's GDPR export.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "modules/users/privacy.h"

static void unique_email(char *buf, size_t size, const char *who)
{
	static int n;
	snprintf(buf, size, "%s.%d.%ld@example.be", who, ++n, (long)time(NULL));
}

static int64_t accounts_with(const char *email)
{
	return api_db_count("SELECT COUNT(*) FROM users WHERE email = $1", email, NULL);
}

START_TEST(the_tests_register_with_the_version_in_force)
{
	/* Every other suite registers through TH_PRIVACY_VERSION: it must be the real one. */
	ck_assert_str_eq(TH_PRIVACY_VERSION, SH_PRIVACY_VERSION);
}
END_TEST

START_TEST(registration_without_the_notice_is_refused)
{
	char email[128];
	unique_email(email, sizeof(email), "noprivacy");
	/* Not sent at all. */
	struct th_resp *r = th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s}",
				    "email", email, "password", "a long enough secret",
				    "first_name", "No", "last_name", "Notice");
	ck_assert_problem(r, 422, "privacy_not_accepted");
	ck_assert_ptr_null(json_object_get(r->json, "errors"));
	th_resp_free(&r);
	/* A version the server does not hold (an old page left open: every earlier notice, a
	 * made-up one, empty, the current one with a trailing space). */
	const char *stale[] = {"2025-01-01", "", "2026-12-06", "2026-12-07", "2026-12-08",
			       TH_PRIVACY_VERSION " ", "latest"};
	for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++) {
		r = th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s, s:s}",
			    "email", email, "password", "a long enough secret", "first_name", "No",
			    "last_name", "Notice", "privacy_version", stale[i]);
		ck_assert_problem(r, 422, "privacy_not_accepted");
		th_resp_free(&r);
	}
	/* Not a string: an ordinary field error. */
	r = th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s, s:b}", "email",
		    email, "password", "a long enough secret", "first_name", "No", "last_name",
		    "Notice", "privacy_version", 1);
	ck_assert_problem(r, 422, "validation_failed");
	ck_assert(api_has_error(r, "privacy_version", "invalid_type"));
	th_resp_free(&r);
	/* Field errors come first, so the form shows them all at once. */
	r = th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s}", "email",
		    "not-an-email", "password", "a long enough secret", "first_name", "No",
		    "last_name", "Notice");
	ck_assert_problem(r, 422, "validation_failed");
	th_resp_free(&r);
	/* Nothing was written by any of them. */
	ck_assert_int_eq(accounts_with(email), 0);
}
END_TEST

START_TEST(the_refusal_speaks_the_member_language)
{
	char email[128];
	unique_email(email, sizeof(email), "nlprivacy");
	const char *nl[] = {"Accept-Language: nl-BE", NULL};
	char body[300];
	snprintf(body, sizeof(body),
		 "{\"email\":\"%s\",\"password\":\"a long enough secret\",\"first_name\":\"Nl\","
		 "\"last_name\":\"Lid\"}",
		 email);
	struct th_resp *r = th_request("POST", "/api/v1/auth/register", NULL, body, NULL, nl);
	ck_assert_problem(r, 422, "privacy_not_accepted");
	ck_assert_str_eq(th_str(r, "title"),
			 "Aanvaard de geldende privacyverklaring om een account aan te maken");
	th_resp_free(&r);
}
END_TEST

START_TEST(the_accepted_version_is_recorded_and_exported)
{
	char email[128];
	unique_email(email, sizeof(email), "withprivacy");
	time_t before = time(NULL);
	struct th_resp *r = th_json("POST", "/api/v1/auth/register", NULL,
				    "{s:s, s:s, s:s, s:s, s:s}", "email", email, "password",
				    "a long enough secret", "first_name", "With", "last_name",
				    "Notice", "privacy_version", SH_PRIVACY_VERSION);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *token = strdup(th_str(r, "access_token"));
	char *id =
		strdup(json_string_value(json_object_get(json_object_get(r->json, "user"), "id")));
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND "
				      "privacy_version = $2 AND privacy_accepted_at IS NOT NULL",
				      id, SH_PRIVACY_VERSION),
			 1);

	r = th_request("GET", "/api/v1/users/me/export", token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	json_t *privacy = json_object_get(r->json, "privacy");
	ck_assert_str_eq(json_string_value(json_object_get(privacy, "version")),
			 SH_PRIVACY_VERSION);
	const char *at = json_string_value(json_object_get(privacy, "accepted_at"));
	ck_assert_ptr_nonnull(at);
	struct tm tm = {0};
	ck_assert_ptr_nonnull(strptime(at, "%Y-%m-%dT%H:%M:%SZ", &tm));
	time_t accepted = timegm(&tm);
	ck_assert(accepted >= before - 1 && accepted <= time(NULL) + 1);
	th_resp_free(&r);

	/* An account the notice never reached (made before it, or by the seeders): null. */
	api_db_exec("UPDATE users SET privacy_version = NULL, privacy_accepted_at = NULL "
		    "WHERE id = $1",
		    id, NULL);
	r = th_request("GET", "/api/v1/users/me/export", token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	privacy = json_object_get(r->json, "privacy");
	ck_assert(json_is_object(privacy));
	ck_assert(json_is_null(json_object_get(privacy, "version")));
	ck_assert(json_is_null(json_object_get(privacy, "accepted_at")));
	th_resp_free(&r);
	free(token);
	free(id);
}
END_TEST

Suite *api_privacy_suite(void)
{
	Suite *s = suite_create("privacy");
	TCase *tc = tcase_create("privacy");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, the_tests_register_with_the_version_in_force);
	tcase_add_test(tc, registration_without_the_notice_is_refused);
	tcase_add_test(tc, the_refusal_speaks_the_member_language);
	tcase_add_test(tc, the_accepted_version_is_recorded_and_exported);
	suite_add_tcase(s, tc);
	return s;
}
