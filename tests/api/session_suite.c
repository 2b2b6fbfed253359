/* Sessions: logout and "sign out everywhere" end access tokens at once; the browser's
 * cookie flow (Set-Cookie attributes, rotation, logout) and its CSRF checks; the JSON flow
 * for other clients unchanged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "modules/auth/auth_settings.h"
#include "schoolhub/app.h"

#define CLIENT_WEB "X-SchoolHub-Client: web"

/* A second session of "m" (another device): a fresh login in the JSON flow. */
static void login_again(const struct th_member *m, char **access_r, char **refresh_r)
{
	struct th_resp *r = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email",
				    m->email, "password", m->password);
	ck_assert_int_eq(r->status, 200);
	*access_r = strdup(th_str(r, "access_token"));
	*refresh_r = strdup(th_str(r, "refresh_token"));
	th_resp_free(&r);
}

static long me_status(const char *access)
{
	struct th_resp *r = th_request("GET", "/api/v1/users/me", access, NULL, NULL, NULL);
	long status = r->status;
	if (status == 401)
		ck_assert_str_eq(th_code(r), "unauthorized");
	th_resp_free(&r);
	return status;
}

static long refresh_status(const char *refresh)
{
	struct th_resp *r = th_json("POST", "/api/v1/auth/refresh", NULL, "{s:s}",
				    "refresh_token", refresh);
	long status = r->status;
	th_resp_free(&r);
	return status;
}

static int64_t live_sessions(const char *user_id)
{
	return api_db_count("SELECT COUNT(*) FROM refresh_tokens WHERE user_id = $1 "
			    "AND revoked_at IS NULL",
			    user_id, NULL);
}

START_TEST(logout_ends_access_tokens_at_once)
{
	struct th_member m;
	th_member_register(&m, "logoutnow");
	char *other_access, *other_refresh;
	login_again(&m, &other_access, &other_refresh);
	ck_assert_int_eq(me_status(m.access_token), 200);

	struct th_resp *r = th_json("POST", "/api/v1/auth/logout", m.access_token, "{s:s}",
				    "refresh_token", m.refresh_token);
	ck_assert_int_eq(r->status, 204);
	ck_assert_ptr_null(th_header(r, "Set-Cookie")); /* the JSON flow sets no cookie */
	th_resp_free(&r);
	/* Failed on the old code: the access token lived on for up to 15 minutes. */
	ck_assert_int_eq(me_status(m.access_token), 401);
	ck_assert_int_eq(refresh_status(m.refresh_token), 401);
	ck_assert_int_eq(live_sessions(m.id), 1);

	/* The other device's access token ended too, but its session did not: one refresh
	 * gives it a working access token again. */
	ck_assert_int_eq(me_status(other_access), 401);
	r = th_json("POST", "/api/v1/auth/refresh", NULL, "{s:s}", "refresh_token", other_refresh);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(me_status(th_str(r, "access_token")), 200);
	th_resp_free(&r);

	/* Someone else's refresh token: a silent no-op, for that session and the caller's. */
	struct th_member other;
	th_member_register(&other, "logoutother");
	char *a2, *r2;
	login_again(&m, &a2, &r2);
	r = th_json("POST", "/api/v1/auth/logout", a2, "{s:s}", "refresh_token",
		    other.refresh_token);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(me_status(a2), 200);
	ck_assert_int_eq(me_status(other.access_token), 200);
	ck_assert_int_eq(refresh_status(other.refresh_token), 200);
	free(a2);
	free(r2);
	th_member_free(&other);
	free(other_access);
	free(other_refresh);
	th_member_free(&m);
}
END_TEST

START_TEST(logout_all_ends_every_session)
{
	struct th_member m, bystander;
	th_member_register(&m, "logoutall");
	th_member_register(&bystander, "bystander");
	char *a2, *r2, *a3, *r3;
	login_again(&m, &a2, &r2);
	login_again(&m, &a3, &r3);
	ck_assert_int_eq(live_sessions(m.id), 3);

	struct th_resp *r = th_request("POST", "/api/v1/auth/logout-all", NULL, NULL, NULL, NULL);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	ck_assert_int_eq(live_sessions(m.id), 3);

	r = th_request("POST", "/api/v1/auth/logout-all", a2, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	ck_assert_int_eq(r->body_len, 0);
	ck_assert_ptr_null(th_header(r, "Set-Cookie"));
	th_resp_free(&r);
	ck_assert_int_eq(live_sessions(m.id), 0);
	const char *access[] = {m.access_token, a2, a3};
	const char *refresh[] = {m.refresh_token, r2, r3};
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(me_status(access[i]), 401);
		ck_assert_int_eq(refresh_status(refresh[i]), 401);
	}
	/* Another member is not touched. */
	ck_assert_int_eq(me_status(bystander.access_token), 200);
	ck_assert_int_eq(live_sessions(bystander.id), 1);
	/* Signing in again works. */
	char *a4, *r4;
	login_again(&m, &a4, &r4);
	ck_assert_int_eq(me_status(a4), 200);
	free(a4);
	free(r4);
	free(a2);
	free(r2);
	free(a3);
	free(r3);
	th_member_free(&bystander);
	th_member_free(&m);
}
END_TEST

/* --- the cookie flow ------------------------------------------------------------ */

static char origin_line[128];

/* "Origin: http://127.0.0.1:PORT", the server's own origin as the browser names it. */
static const char *own_origin(void)
{
	snprintf(origin_line, sizeof(origin_line), "Origin: %s", th_current->base_url);
	return origin_line;
}

/* The token in "schoolhub_refresh=TOKEN; Path=...", checking every attribute exactly. */
static char *cookie_token(const struct th_resp *r)
{
	const char *set = th_header(r, "Set-Cookie");
	ck_assert_ptr_nonnull(set);
	const char *prefix = "schoolhub_refresh=";
	ck_assert_int_eq(strncmp(set, prefix, strlen(prefix)), 0);
	const char *value = set + strlen(prefix);
	size_t len = strcspn(value, ";");
	ck_assert_int_eq(len, 43); /* 32 random bytes, base64url */
	char expected[256];
	snprintf(expected, sizeof(expected),
		 "; Path=/api/v1/auth/session; Max-Age=%u; HttpOnly; Secure; SameSite=Strict",
		 sh_auth_settings(&th_current->app->cfg)->refresh_token_ttl_s);
	ck_assert_str_eq(value + len, expected);
	return strndup(value, len);
}

static void assert_cookie_cleared(const struct th_resp *r)
{
	ck_assert_str_eq(th_header(r, "Set-Cookie"),
			 "schoolhub_refresh=; Path=/api/v1/auth/session; Max-Age=0; HttpOnly; "
			 "Secure; SameSite=Strict");
}

/* A POST to a cookie route with the app's header, its origin and the cookie. */
static struct th_resp *cookie_post(const char *path, const char *token)
{
	char cookie[160];
	snprintf(cookie, sizeof(cookie), "Cookie: theme=dark; schoolhub_refresh=%s", token);
	const char *extra[] = {CLIENT_WEB, own_origin(), "Sec-Fetch-Site: same-origin", cookie,
			       NULL};
	return th_request("POST", path, NULL, NULL, NULL, extra);
}

static struct th_resp *cookie_login(const struct th_member *m)
{
	char body[256];
	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", m->email,
		 m->password);
	const char *extra[] = {CLIENT_WEB, own_origin(), NULL};
	return th_request("POST", "/api/v1/auth/login", NULL, body, NULL, extra);
}

START_TEST(cookie_login_refresh_logout)
{
	struct th_member m;
	th_member_register(&m, "cookie");
	struct th_resp *r = cookie_login(&m);
	ck_assert_int_eq(r->status, 200);
	ck_assert_ptr_null(json_object_get(r->json, "refresh_token"));
	ck_assert_ptr_nonnull(th_str(r, "access_token"));
	ck_assert_str_eq(th_str(r, "token_type"), "bearer");
	ck_assert_ptr_nonnull(json_object_get(r->json, "user"));
	char *first = cookie_token(r);
	char *access = strdup(th_str(r, "access_token"));
	th_resp_free(&r);
	ck_assert_int_eq(me_status(access), 200);

	/* Refresh: a new cookie, the body without the refresh token. */
	r = cookie_post("/api/v1/auth/session/refresh", first);
	ck_assert_int_eq(r->status, 200);
	ck_assert_ptr_null(json_object_get(r->json, "refresh_token"));
	ck_assert_int_eq(me_status(th_str(r, "access_token")), 200);
	char *second = cookie_token(r);
	ck_assert_str_ne(second, first);
	th_resp_free(&r);

	/* No cookie at all: 401 (a tab with nothing to restore). */
	const char *bare[] = {CLIENT_WEB, own_origin(), NULL};
	r = th_request("POST", "/api/v1/auth/session/refresh", NULL, NULL, NULL, bare);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);

	/* Logout with the cookie alone (no bearer): 204, cookie cleared, session and access
	 * tokens over. */
	r = cookie_post("/api/v1/auth/session/logout", second);
	ck_assert_int_eq(r->status, 204);
	assert_cookie_cleared(r);
	th_resp_free(&r);
	ck_assert_int_eq(me_status(access), 401);
	ck_assert_int_eq(live_sessions(m.id), 1); /* the registration's session, in JSON */
	r = cookie_post("/api/v1/auth/session/refresh", second);
	ck_assert_problem(r, 401, "unauthorized");
	assert_cookie_cleared(r);
	th_resp_free(&r);
	/* Logging out again with a dead or unknown cookie is a silent no-op. */
	r = cookie_post("/api/v1/auth/session/logout", "not-a-token");
	ck_assert_int_eq(r->status, 204);
	assert_cookie_cleared(r);
	th_resp_free(&r);
	free(first);
	free(second);
	free(access);
	th_member_free(&m);
}
END_TEST

START_TEST(cookie_replay_kills_family_and_clears_cookie)
{
	struct th_member m;
	th_member_register(&m, "cookiereplay");
	struct th_resp *r = cookie_login(&m);
	ck_assert_int_eq(r->status, 200);
	char *first = cookie_token(r);
	th_resp_free(&r);
	r = cookie_post("/api/v1/auth/session/refresh", first);
	ck_assert_int_eq(r->status, 200);
	char *second = cookie_token(r);
	char *access = strdup(th_str(r, "access_token"));
	th_resp_free(&r);
	ck_assert_int_eq(me_status(access), 200);
	/* The browser got its answer: the successor is used. The first token presented again
	 * (a stolen copy) is a replay, and the whole family ends. */
	r = cookie_post("/api/v1/auth/session/refresh", second);
	ck_assert_int_eq(r->status, 200);
	char *third = cookie_token(r);
	th_resp_free(&r);
	r = cookie_post("/api/v1/auth/session/refresh", first);
	ck_assert_problem(r, 401, "unauthorized");
	assert_cookie_cleared(r);
	th_resp_free(&r);
	/* The access token the family gave (perhaps to a thief) ends with it. */
	ck_assert_int_eq(me_status(access), 401);
	free(access);
	r = cookie_post("/api/v1/auth/session/refresh", third);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	free(first);
	free(second);
	free(third);
	th_member_free(&m);
}
END_TEST

/* A reload while the refresh was in flight: the browser never saw the new cookie and sends
 * the old one again; within a minute, with the successor unused, it gets a new one. */
START_TEST(cookie_refresh_answer_lost_in_a_reload)
{
	struct th_member m;
	th_member_register(&m, "cookielost");
	struct th_resp *r = cookie_login(&m);
	ck_assert_int_eq(r->status, 200);
	char *first = cookie_token(r);
	th_resp_free(&r);
	r = cookie_post("/api/v1/auth/session/refresh", first); /* its answer is lost */
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = cookie_post("/api/v1/auth/session/refresh", first);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	char *fresh = cookie_token(r);
	char *access = strdup(th_str(r, "access_token"));
	th_resp_free(&r);
	ck_assert_int_eq(me_status(access), 200);
	r = cookie_post("/api/v1/auth/session/refresh", fresh);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	free(access);
	free(fresh);
	free(first);
	th_member_free(&m);
}
END_TEST

START_TEST(cookie_register_and_logout_all)
{
	char email[96], body[256];
	snprintf(email, sizeof(email), "cookie.reg.%ld@example.be", (long)time(NULL));
	snprintf(body, sizeof(body),
		 "{\"email\":\"%s\",\"password\":\"correct horse battery\",\"first_name\":\"Ada\","
		 "\"last_name\":\"Web\",\"privacy_version\":\"" TH_PRIVACY_VERSION "\"}",
		 email);
	const char *extra[] = {CLIENT_WEB, own_origin(), NULL};
	struct th_resp *r = th_request("POST", "/api/v1/auth/register", NULL, body, NULL, extra);
	ck_assert_int_eq(r->status, 201);
	ck_assert_ptr_null(json_object_get(r->json, "refresh_token"));
	char *token = cookie_token(r);
	char *access = strdup(th_str(r, "access_token"));
	th_resp_free(&r);

	const char *web[] = {CLIENT_WEB, NULL};
	r = th_request("POST", "/api/v1/auth/logout-all", access, NULL, NULL, web);
	ck_assert_int_eq(r->status, 204);
	assert_cookie_cleared(r);
	th_resp_free(&r);
	ck_assert_int_eq(me_status(access), 401);
	r = cookie_post("/api/v1/auth/session/refresh", token);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	free(token);
	free(access);
}
END_TEST

/* Asserts a 403 with "code" and that the cookie was neither used nor cleared. */
static void assert_refused(const char *path, const char *const *extra, const char *code)
{
	struct th_resp *r = th_request("POST", path, NULL, NULL, NULL, extra);
	ck_assert_problem(r, 403, code);
	ck_assert_ptr_null(th_header(r, "Set-Cookie"));
	th_resp_free(&r);
}

START_TEST(cookie_routes_refuse_requests_not_from_the_app)
{
	struct th_member m;
	th_member_register(&m, "csrf");
	struct th_resp *r = cookie_login(&m);
	ck_assert_int_eq(r->status, 200);
	char *token = cookie_token(r);
	th_resp_free(&r);
	char cookie[160];
	snprintf(cookie, sizeof(cookie), "Cookie: schoolhub_refresh=%s", token);

	const char *paths[] = {"/api/v1/auth/session/refresh", "/api/v1/auth/session/logout"};
	for (size_t i = 0; i < 2; i++) {
		const char *no_header[] = {own_origin(), cookie, NULL};
		assert_refused(paths[i], no_header, "client_header_required");
		const char *other_client[] = {"X-SchoolHub-Client: curl", cookie, NULL};
		assert_refused(paths[i], other_client, "client_header_required");
		const char *foreign[] = {CLIENT_WEB, "Origin: https://evil.example", cookie, NULL};
		assert_refused(paths[i], foreign, "origin_refused");
		const char *opaque[] = {CLIENT_WEB, "Origin: null", cookie, NULL};
		assert_refused(paths[i], opaque, "origin_refused");
		const char *cross[] = {CLIENT_WEB, "Sec-Fetch-Site: same-site", cookie, NULL};
		assert_refused(paths[i], cross, "origin_refused");
	}
	/* The login asking for a cookie from a foreign page: refused, no session written. */
	int64_t before = live_sessions(m.id);
	char body[256];
	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", m.email, m.password);
	const char *foreign_login[] = {CLIENT_WEB, "Origin: http://127.0.0.2:1", NULL};
	r = th_request("POST", "/api/v1/auth/login", NULL, body, NULL, foreign_login);
	ck_assert_problem(r, 403, "origin_refused");
	th_resp_free(&r);
	ck_assert_int_eq(live_sessions(m.id), before);

	/* None of that touched the session: the app's own request still refreshes it. */
	r = cookie_post("/api/v1/auth/session/refresh", token);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	free(token);
	th_member_free(&m);
}
END_TEST

/* The JSON flow's refresh and logout take {"refresh_token": "..."} and nothing else; a body
 * that is not that is refused before any session is looked up, and nothing changes. */
START_TEST(refresh_and_logout_bodies_are_validated)
{
	struct th_member m;
	th_member_register(&m, "tokenbody");
	static const char *const paths[] = {"/api/v1/auth/refresh", "/api/v1/auth/logout"};
	for (size_t i = 0; i < 2; i++) {
		const char *token = i == 1 ? m.access_token : NULL;
		struct th_resp *r = th_json("POST", paths[i], token, "{}");
		assert_field_error(r, "refresh_token", "required");
		ck_assert_int_eq(api_err_count(r), 1);
		th_resp_free(&r);
		r = th_json("POST", paths[i], token, "{s:i}", "refresh_token", 5);
		assert_field_error(r, "refresh_token", "invalid_type");
		th_resp_free(&r);
		r = th_json("POST", paths[i], token, "{s:n}", "refresh_token");
		assert_field_error(r, "refresh_token", "invalid_type");
		th_resp_free(&r);
		/* An unknown member is refused even beside a valid token. */
		r = th_json("POST", paths[i], token, "{s:s, s:s}", "refresh_token", m.refresh_token,
			    "user_id", m.id);
		assert_field_error(r, "user_id", "unknown_field");
		th_resp_free(&r);
	}
	/* Nothing was rotated or revoked: the token still refreshes, once. */
	ck_assert_int_eq(live_sessions(m.id), 1);
	ck_assert_int_eq(refresh_status(m.refresh_token), 200);
	th_member_free(&m);
}
END_TEST

Suite *api_session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("session");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, logout_ends_access_tokens_at_once);
	tcase_add_test(tc, logout_all_ends_every_session);
	tcase_add_test(tc, cookie_login_refresh_logout);
	tcase_add_test(tc, cookie_replay_kills_family_and_clears_cookie);
	tcase_add_test(tc, cookie_refresh_answer_lost_in_a_reload);
	tcase_add_test(tc, cookie_register_and_logout_all);
	tcase_add_test(tc, cookie_routes_refuse_requests_not_from_the_app);
	tcase_add_test(tc, refresh_and_logout_bodies_are_validated);
	suite_add_tcase(s, tc);
	return s;
}
