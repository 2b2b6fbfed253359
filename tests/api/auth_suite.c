/* Accounts: register, login (throttling), refresh rotation and theft detection, logout,
 * token verification (forged, expired, alg:none), invitations. */
#include <jwt.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "modules/users/user_queries.h"
#include "schoolhub/security.h"
#include "schoolhub/util.h"

static char *unique_email(const char *who)
{
	static int n;
	char buf[128];
	snprintf(buf, sizeof(buf), "%s.%d.%ld@example.be", who, ++n, (long)time(NULL));
	return strdup(buf);
}

START_TEST(register_success_and_shape)
{
	char *email = unique_email("Reg");
	char padded[160];
	snprintf(padded, sizeof(padded), "  %s ", email);
	for (char *p = padded; *p; p++)
		if (*p >= 'a' && *p <= 'z' && p - padded < 5)
			*p = (char)(*p - 'a' + 'A');
	struct th_resp *r = th_json("POST", "/api/v1/auth/register", NULL,
				    "{s:s, s:s, s:s, s:s, s:s, s:s}", "email", padded, "password",
				    "a long enough secret", "first_name", " Émilie ", "last_name",
				    "Van den Bossche", "locale", "nl-BE", "privacy_version",
				    TH_PRIVACY_VERSION);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "token_type"), "bearer");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "expires_in")), 900);
	ck_assert_ptr_nonnull(th_str(r, "access_token"));
	ck_assert_ptr_nonnull(th_str(r, "refresh_token"));
	json_t *user = json_object_get(r->json, "user");
	char lower[160];
	snprintf(lower, sizeof(lower), "%s", email);
	for (char *p = lower; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	ck_assert_str_eq(json_string_value(json_object_get(user, "email")), lower);
	ck_assert_str_eq(json_string_value(json_object_get(user, "first_name")), "Émilie");
	ck_assert_str_eq(json_string_value(json_object_get(user, "locale")), "nl");
	ck_assert_str_eq(json_string_value(json_object_get(user, "role")), "parent");
	ck_assert(sh_uuid_valid(json_string_value(json_object_get(user, "id"))));
	const char *created = json_string_value(json_object_get(user, "created_at"));
	ck_assert_int_eq(strlen(created), 20);
	ck_assert_int_eq(created[19], 'Z');
	ck_assert_ptr_null(json_object_get(user, "password_hash"));
	ck_assert_ptr_null(strstr(r->body, "argon2"));

	/* The account really exists: /users/me with the new token. */
	struct th_resp *me = th_request("GET", "/api/v1/users/me", th_str(r, "access_token"), NULL, NULL, NULL);
	ck_assert_int_eq(me->status, 200);
	ck_assert_str_eq(th_str(me, "email"), lower);
	th_resp_free(&me);

	/* Same email in another case: taken. */
	struct th_resp *dup = th_json("POST", "/api/v1/auth/register", NULL,
				      "{s:s, s:s, s:s, s:s, s:s}", "email", padded, "password",
				      "another long secret", "first_name", "X", "last_name", "Y",
				      "privacy_version", TH_PRIVACY_VERSION);
	ck_assert_problem(dup, 409, "email_taken");
	th_resp_free(&dup);
	th_resp_free(&r);
	free(email);
}
END_TEST

START_TEST(register_validation)
{
	struct th_resp *r = th_json("POST", "/api/v1/auth/register", NULL,
				    "{s:s, s:s, s:s, s:s}", "email", "not-an-email", "password",
				    "short", "first_name", "   ", "last_name", "");
	ck_assert_problem(r, 422, "validation_failed");
	json_t *errors = json_object_get(r->json, "errors");
	ck_assert_int_eq(json_array_size(errors), 4);
	const char *expect[][2] = {{"email", "invalid_email"}, {"password", "password_too_short"},
				   {"first_name", "required"}, {"last_name", "required"}};
	for (size_t i = 0; i < 4; i++) {
		json_t *e = json_array_get(errors, i);
		ck_assert_str_eq(json_string_value(json_object_get(e, "field")), expect[i][0]);
		ck_assert_str_eq(json_string_value(json_object_get(e, "code")), expect[i][1]);
	}
	th_resp_free(&r);

	char longpw[300];
	memset(longpw, 'x', 257);
	longpw[257] = '\0';
	char *email = unique_email("long");
	r = th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s}", "email", email,
		    "password", longpw, "first_name", "A", "last_name", "B");
	ck_assert_problem(r, 422, "validation_failed");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r->json, "errors"), 0), "code")),
			 "password_too_long");
	th_resp_free(&r);

	/* Missing fields, wrong types, and fields a client may not set. */
	r = th_json("POST", "/api/v1/auth/register", NULL, "{s:i}", "email", 5);
	ck_assert_problem(r, 422, "validation_failed");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s, s:s}", "email",
		    email, "password", "a long enough secret", "first_name", "A", "last_name", "B",
		    "role", "admin");
	ck_assert_problem(r, 422, "validation_failed");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r->json, "errors"), 0), "field")), "role");
	th_resp_free(&r);
	/* Nothing was created by the refused attempts. */
	r = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email", email, "password",
		    "a long enough secret");
	ck_assert_problem(r, 401, "invalid_credentials");
	th_resp_free(&r);
	free(email);
}
END_TEST

START_TEST(login_success_and_uniform_failures)
{
	struct th_member m;
	th_member_register(&m, "login");
	struct th_resp *r = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email",
				    m.email, "password", m.password);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "user"), "id")), m.id);
	ck_assert_ptr_nonnull(th_str(r, "refresh_token"));
	th_resp_free(&r);

	struct th_resp *wrong = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email",
					m.email, "password", "wrong password!!");
	struct th_resp *unknown = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}",
					  "email", "nobody.at.all@example.be", "password",
					  "wrong password!!");
	ck_assert_problem(wrong, 401, "invalid_credentials");
	ck_assert_problem(unknown, 401, "invalid_credentials");
	ck_assert_str_eq(th_str(wrong, "title"), th_str(unknown, "title"));
	ck_assert_str_eq(th_str(wrong, "detail"), th_str(unknown, "detail"));
	th_resp_free(&wrong);
	th_resp_free(&unknown);
	th_member_free(&m);
}
END_TEST

START_TEST(login_throttled_after_ten_failures)
{
	struct th_member m;
	th_member_register(&m, "throttle");
	for (int i = 0; i < 10; i++) {
		struct th_resp *r = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}",
					    "email", m.email, "password", "not the password");
		ck_assert_problem(r, 401, "invalid_credentials");
		th_resp_free(&r);
	}
	/* Even the right password is refused while the account is throttled. */
	struct th_resp *r = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email",
				    m.email, "password", m.password);
	ck_assert_problem(r, 429, "too_many_attempts");
	const char *retry = th_header(r, "Retry-After");
	ck_assert_ptr_nonnull(retry);
	ck_assert_int_gt(atoi(retry), 0);
	ck_assert_int_le(atoi(retry), 900);
	th_resp_free(&r);
	th_member_free(&m);
}
END_TEST

static struct th_resp *refresh_json(const char *token)
{
	return th_json("POST", "/api/v1/auth/refresh", NULL, "{s:s}", "refresh_token", token);
}

START_TEST(refresh_rotates_and_detects_reuse)
{
	struct th_member m;
	th_member_register(&m, "refresh");
	struct th_resp *r1 = refresh_json(m.refresh_token);
	ck_assert_int_eq(r1->status, 200);
	const char *second = th_str(r1, "refresh_token");
	ck_assert_str_ne(second, m.refresh_token);
	ck_assert_ptr_nonnull(th_str(r1, "access_token"));
	struct th_resp *r2 = refresh_json(second);
	ck_assert_int_eq(r2->status, 200);
	const char *third = th_str(r2, "refresh_token");

	/* The first token was used and so was its successor: presenting it again, even at
	 * once, is a replay and kills the whole family. */
	struct th_resp *replay = refresh_json(m.refresh_token);
	ck_assert_problem(replay, 401, "unauthorized");
	th_resp_free(&replay);
	struct th_resp *r3 = refresh_json(third);
	ck_assert_problem(r3, 401, "unauthorized");
	th_resp_free(&r3);
	th_resp_free(&r2);
	th_resp_free(&r1);

	struct th_resp *junk = refresh_json("definitely-not-a-token");
	ck_assert_problem(junk, 401, "unauthorized");
	th_resp_free(&junk);
	junk = th_json("POST", "/api/v1/auth/refresh", NULL, "{}");
	ck_assert_problem(junk, 422, "validation_failed");
	th_resp_free(&junk);
	th_member_free(&m);
}
END_TEST

/*
 * The answer of a refresh was lost (a reload while it was in flight): the client presents
 * the exchanged token again within a minute, its successor never used, and gets a new pair.
 * The successor is then spent: if someone else held it (a thief's copy of the first token
 * was the one answered), presenting it ends the family, the new pair with it. After the
 * minute a rotated token is a replay whatever became of its successor.
 */
START_TEST(refresh_lost_answer_is_answered_again_and_still_caught)
{
	struct th_member m;
	th_member_register(&m, "lostanswer");
	struct th_resp *lost = refresh_json(m.refresh_token);
	ck_assert_int_eq(lost->status, 200);
	struct th_resp *again = refresh_json(m.refresh_token);
	ck_assert_msg(again->status == 200, "%ld %s", again->status, again->body);
	const char *third = th_str(again, "refresh_token");
	ck_assert_str_ne(third, th_str(lost, "refresh_token"));
	ck_assert_str_ne(third, m.refresh_token);
	const char *access = th_str(again, "access_token");
	struct th_resp *r = th_request("GET", "/api/v1/users/me", access, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	/* One live token in the family: the new one. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM refresh_tokens WHERE user_id = $1 "
				      "AND rotated_at IS NULL AND revoked_at IS NULL",
				      m.id, NULL),
			 1);
	/* Twice is not a lost answer any more: the successor handed out first was spent. */
	r = refresh_json(th_str(lost, "refresh_token"));
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	r = refresh_json(third);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/users/me", access, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 401);
	th_resp_free(&r);
	th_resp_free(&again);
	th_resp_free(&lost);

	/* A new session; its first exchange dates from two minutes ago. */
	struct th_resp *login = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email",
					m.email, "password", m.password);
	ck_assert_int_eq(login->status, 200);
	const char *first = th_str(login, "refresh_token");
	lost = refresh_json(first);
	ck_assert_int_eq(lost->status, 200);
	char two_minutes_ago[SH_TIME_LEN + 1];
	sh_time_format(time(NULL) - 120, two_minutes_ago);
	api_db_exec("UPDATE refresh_tokens SET rotated_at = $2 WHERE user_id = $1 "
		    "AND rotated_at IS NOT NULL AND revoked_at IS NULL",
		    m.id, two_minutes_ago);
	r = refresh_json(first);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	r = refresh_json(th_str(lost, "refresh_token"));
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	th_resp_free(&lost);
	th_resp_free(&login);
	th_member_free(&m);
}
END_TEST

START_TEST(logout_revokes_session)
{
	struct th_member m;
	th_member_register(&m, "logout");
	struct th_resp *r = th_json("POST", "/api/v1/auth/logout", NULL, "{s:s}", "refresh_token",
				    m.refresh_token);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/auth/logout", m.access_token, "{s:s}", "refresh_token",
		    m.refresh_token);
	ck_assert_int_eq(r->status, 204);
	ck_assert_int_eq(r->body_len, 0);
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/auth/refresh", NULL, "{s:s}", "refresh_token",
		    m.refresh_token);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	th_member_free(&m);
}
END_TEST

/* Signs arbitrary claims with libjwt, for forging tests. */
static char *forge(jwt_alg_t alg, const char *key, const char *sub, long exp)
{
	jwt_t *jwt = NULL;
	ck_assert_int_eq(jwt_new(&jwt), 0);
	ck_assert_int_eq(jwt_set_alg(jwt, alg, (const unsigned char *)key, key ? (int)strlen(key) : 0), 0);
	jwt_add_grant(jwt, "iss", "schoolhub");
	jwt_add_grant(jwt, "typ", "access");
	jwt_add_grant(jwt, "sub", sub);
	jwt_add_grant_int(jwt, "gen", 0);
	jwt_add_grant_int(jwt, "iat", (long)time(NULL) - 3600);
	jwt_add_grant_int(jwt, "exp", exp);
	char *out = jwt_encode_str(jwt);
	jwt_free(jwt);
	ck_assert_ptr_nonnull(out);
	return out;
}

static void assert_401(const char *token)
{
	struct th_resp *r = th_request("GET", "/api/v1/users/me", token, NULL, NULL, NULL);
	ck_assert_problem(r, 401, "unauthorized");
	ck_assert_ptr_nonnull(strstr(th_header(r, "WWW-Authenticate"), "Bearer"));
	th_resp_free(&r);
}

START_TEST(forged_expired_and_none_tokens_refused)
{
	struct th_member m;
	th_member_register(&m, "tokens");
	const char *secret = th_current->app->cfg.secret_key;
	long future = (long)time(NULL) + 600;

	/* Control: our own forge with the right key and algorithm works. */
	char *good = forge(JWT_ALG_HS256, secret, m.id, future);
	struct th_resp *r = th_request("GET", "/api/v1/users/me", good, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	assert_401(NULL);
	assert_401("garbage");
	char *expired = forge(JWT_ALG_HS256, secret, m.id, (long)time(NULL) - 10);
	assert_401(expired);
	char *other_key = forge(JWT_ALG_HS256, "another-secret-key-that-is-long-enough", m.id, future);
	assert_401(other_key);
	char *hs512 = forge(JWT_ALG_HS512, secret, m.id, future);
	assert_401(hs512);
	char *none = forge(JWT_ALG_NONE, NULL, m.id, future);
	assert_401(none);

	/* Flip one character of the payload of a valid token: signature no longer matches. */
	char *tampered = strdup(good);
	char *dot = strchr(tampered, '.');
	dot[3] = dot[3] == 'A' ? 'B' : 'A';
	assert_401(tampered);

	/* Hand-made alg:none with an empty signature. */
	const char *header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; /* {"alg":"none","typ":"JWT"} */
	char handmade[1024];
	snprintf(handmade, sizeof(handmade), "%s.%s", header, strchr(good, '.') + 1);
	*strrchr(handmade, '.') = '\0';
	strcat(handmade, ".");
	assert_401(handmade);

	/* A token without the generation claim (as issued before generations existed). */
	{
		jwt_t *jwt = NULL;
		ck_assert_int_eq(jwt_new(&jwt), 0);
		jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)secret, (int)strlen(secret));
		jwt_add_grant(jwt, "iss", "schoolhub");
		jwt_add_grant(jwt, "typ", "access");
		jwt_add_grant(jwt, "sub", m.id);
		jwt_add_grant_int(jwt, "exp", future);
		char *no_gen = jwt_encode_str(jwt);
		jwt_free(jwt);
		assert_401(no_gen);
		free(no_gen);
	}
	/* A token of an older generation (before a password change). */
	{
		jwt_t *jwt = NULL;
		ck_assert_int_eq(jwt_new(&jwt), 0);
		jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)secret, (int)strlen(secret));
		jwt_add_grant(jwt, "iss", "schoolhub");
		jwt_add_grant(jwt, "typ", "access");
		jwt_add_grant(jwt, "sub", m.id);
		jwt_add_grant_int(jwt, "gen", 1);
		jwt_add_grant_int(jwt, "exp", future);
		char *other_gen = jwt_encode_str(jwt);
		jwt_free(jwt);
		assert_401(other_gen);
		free(other_gen);
	}

	/* A token for a user that does not exist. */
	char *ghost = forge(JWT_ALG_HS256, secret, "00000000-0000-4000-8000-000000000000", future);
	assert_401(ghost);

	const char *basic[] = {"Authorization: Basic dXNlcjpwYXNz", NULL};
	r = th_request("GET", "/api/v1/users/me", NULL, NULL, NULL, basic);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);

	free(good);
	free(expired);
	free(other_key);
	free(hs512);
	free(none);
	free(tampered);
	free(ghost);
	th_member_free(&m);
}
END_TEST

START_TEST(invites_and_registration_modes)
{
	struct th_server *previous = th_current;
	struct th_server s;
	const char *invite_env[] = {"SCHOOLHUB_REGISTRATION=invite", NULL};
	th_server_start(&s, api_backend, invite_env);

	char *email = unique_email("invited");
	struct th_resp *r = th_json("POST", "/api/v1/auth/register", NULL,
				    "{s:s, s:s, s:s, s:s, s:s}", "email", email, "password",
				    "a long enough secret", "first_name", "In", "last_name",
				    "Vited", "privacy_version", TH_PRIVACY_VERSION);
	ck_assert_problem(r, 403, "invite_required");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s, s:s, s:s}",
		    "email", email, "password", "a long enough secret", "first_name", "In",
		    "last_name", "Vited", "invite_code", "AAAA-BBBB-CCCC-DDDD", "privacy_version",
		    TH_PRIVACY_VERSION);
	ck_assert_problem(r, 403, "invalid_invite");
	th_resp_free(&r);

	/* An admin makes an invite; the first admin exists through the command line. */
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(s.app->db, &error);
	char id[37], now[21], hash[128];
	sh_uuid_v4(id);
	sh_time_now(now);
	ck_assert_int_eq(sh_password_hash(s.app, "admin password 123", hash), SH_PW_OK);
	char *admin_email = unique_email("admin");
	struct sh_user admin = {.id = id, .email = admin_email, .password_hash = hash,
				.first_name = "Ad", .last_name = "Min", .locale = "fr", .role = "admin"};
	ck_assert_int_eq(sh_user_insert(conn, &admin, now), SH_DB_OK);
	sh_conn_close(&conn);
	r = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email", admin_email,
		    "password", "admin password 123");
	ck_assert_int_eq(r->status, 200);
	char *admin_token = strdup(th_str(r, "access_token"));
	th_resp_free(&r);

	/* A bogus code never reveals whether an email has an account (no 409 before the invite). */
	r = th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s, s:s, s:s}",
		    "email", admin_email, "password", "a long enough secret", "first_name", "X",
		    "last_name", "Y", "invite_code", "AAAA-BBBB-CCCC-DDDD", "privacy_version",
		    TH_PRIVACY_VERSION);
	ck_assert_problem(r, 403, "invalid_invite");
	th_resp_free(&r);

	r = th_json("POST", "/api/v1/admin/invites", admin_token, "{s:i}", "expires_in_days", 7);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *code = strdup(th_str(r, "code"));
	ck_assert_int_eq(strlen(code), 19);
	ck_assert_ptr_nonnull(th_str(r, "expires_at"));
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/admin/invites", admin_token, "{s:i}", "expires_in_days", 365);
	ck_assert_problem(r, 422, "validation_failed");
	th_resp_free(&r);

	/* Codes are case-insensitive and the dashes optional. */
	char typed[32];
	size_t t = 0;
	for (const char *p = code; *p; p++)
		if (*p != '-')
			typed[t++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	typed[t] = '\0';
	r = th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s, s:s, s:s}",
		    "email", email, "password", "a long enough secret", "first_name", "In",
		    "last_name", "Vited", "invite_code", typed, "privacy_version",
		    TH_PRIVACY_VERSION);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *parent_token = strdup(th_str(r, "access_token"));
	th_resp_free(&r);
	/* One code, one registration. */
	char *email2 = unique_email("second");
	r = th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s, s:s, s:s}",
		    "email", email2, "password", "a long enough secret", "first_name", "Se",
		    "last_name", "Cond", "invite_code", code, "privacy_version",
		    TH_PRIVACY_VERSION);
	ck_assert_problem(r, 403, "invalid_invite");
	th_resp_free(&r);
	/* The refused registration left no account behind. */
	r = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email", email2, "password",
		    "a long enough secret");
	ck_assert_problem(r, 401, "invalid_credentials");
	th_resp_free(&r);

	/* Parents cannot make invites. */
	r = th_json("POST", "/api/v1/admin/invites", parent_token, "{}");
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);

	th_server_stop(&s);
	const char *closed_env[] = {"SCHOOLHUB_REGISTRATION=closed", NULL};
	th_server_start(&s, api_backend, closed_env);
	r = th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s}", "email", email,
		    "password", "a long enough secret", "first_name", "A", "last_name", "B");
	ck_assert_problem(r, 403, "registration_closed");
	th_resp_free(&r);
	th_server_stop(&s);
	th_current = previous;
	free(email);
	free(email2);
	free(admin_email);
	free(admin_token);
	free(parent_token);
	free(code);
}
END_TEST

START_TEST(role_promotion_takes_effect)
{
	struct th_member m;
	th_member_register(&m, "promoted");
	struct th_resp *r = th_json("POST", "/api/v1/admin/invites", m.access_token, "{}");
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	api_promote(&m, "admin");
	/* Roles are read from the database on every request, not frozen in the token. */
	r = th_json("POST", "/api/v1/admin/invites", m.access_token, "{}");
	ck_assert_int_eq(r->status, 201);
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/users/me", m.access_token, NULL, NULL, NULL);
	ck_assert_str_eq(th_str(r, "role"), "admin");
	th_resp_free(&r);
	th_member_free(&m);
}
END_TEST

Suite *api_auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("accounts");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, register_success_and_shape);
	tcase_add_test(tc, register_validation);
	tcase_add_test(tc, login_success_and_uniform_failures);
	tcase_add_test(tc, login_throttled_after_ten_failures);
	tcase_add_test(tc, refresh_rotates_and_detects_reuse);
	tcase_add_test(tc, refresh_lost_answer_is_answered_again_and_still_caught);
	tcase_add_test(tc, logout_revokes_session);
	tcase_add_test(tc, forged_expired_and_none_tokens_refused);
	tcase_add_test(tc, invites_and_registration_modes);
	tcase_add_test(tc, role_promotion_takes_effect);
	suite_add_tcase(s, tc);
	return s;
}
