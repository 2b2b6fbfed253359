/*
 * Password-hashing saturation. The test itself takes every argon2id slot of the server's
 * semaphore (the one sh_password_hash/verify wait on), so the refusals below do not depend
 * on timing: login, registration, password change and account deletion each wait
 * SCHOOLHUB_PASSWORD_SLOT_WAIT_MS, answer 429 too_many_requests with Retry-After and write
 * nothing. Once the slots are back, the same requests succeed.
 */
#include <errno.h>
#include <stdarg.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"

/* Short, so five refusals cost half a second; the cap is half the connection timeout. */
#define WAIT_MS 100

static struct th_server slots_server;

/* Takes every free slot without waiting; returns how many. */
static int hold_all_slots(sem_t *slots)
{
	int held = 0;
	while (sem_trywait(slots) == 0)
		held++;
	ck_assert_int_eq(errno, EAGAIN);
	return held;
}

static void release_slots(sem_t *slots, int held)
{
	for (int i = 0; i < held; i++)
		ck_assert_int_eq(sem_post(slots), 0);
}

static int free_slots(sem_t *slots)
{
	int value = -1;
	ck_assert_int_eq(sem_getvalue(slots, &value), 0);
	return value;
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

/*
 * Sends a request while every slot is held and asserts the refusal: 429 problem+json
 * too_many_requests, a Retry-After in whole seconds, and only after the server waited.
 */
static void expect_busy(const char *method, const char *path, const char *token, const char *fmt,
			...)
{
	va_list ap;
	va_start(ap, fmt);
	json_t *doc = json_vpack_ex(NULL, 0, fmt, ap);
	va_end(ap);
	ck_assert_ptr_nonnull(doc);
	char *body = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);

	double started = now_ms();
	struct th_resp *r = th_request(method, path, token, body, NULL, NULL);
	double elapsed = now_ms() - started;
	ck_assert_problem(r, 429, "too_many_requests");
	const char *retry = th_header(r, "Retry-After");
	ck_assert_msg(retry != NULL, "%s %s: no Retry-After", method, path);
	ck_assert_msg(strspn(retry, "0123456789") == strlen(retry) && atoi(retry) > 0,
		      "Retry-After \"%s\"", retry);
	/* It queued for a slot before giving up (the server's clock is realtime, ours
	 * monotonic: a few milliseconds of slack). */
	ck_assert_msg(elapsed >= WAIT_MS - 5, "%s %s refused after %.1f ms", method, path, elapsed);
	th_resp_free(&r);
	free(body);
}

static struct th_server *previous;
static int held; /* slots this test holds */

/* Checked teardown (the API suites run without fork): after a failed assertion too, the
 * slots go back, the server stops and the next suite gets its server again. */
static void slots_teardown(void)
{
	if (slots_server.app != NULL) {
		release_slots(&slots_server.app->hash_slots, held);
		th_server_stop(&slots_server);
	}
	held = 0;
	th_current = previous;
}

START_TEST(saturated_password_routes_answer_429_and_write_nothing)
{
	previous = th_current;
	char wait_env[64];
	snprintf(wait_env, sizeof(wait_env), "SCHOOLHUB_PASSWORD_SLOT_WAIT_MS=%d", WAIT_MS);
	const char *env[] = {wait_env, NULL};
	th_server_start(&slots_server, api_backend, env);
	ck_assert_uint_eq(slots_server.app->cfg.password_slot_wait_ms, WAIT_MS);

	struct th_member m;
	th_member_register(&m, "slots");
	char newcomer[160];
	snprintf(newcomer, sizeof(newcomer), "newcomer.%s", m.email);
	int64_t sessions =
		api_db_count("SELECT COUNT(*) FROM refresh_tokens WHERE user_id = $1", m.id, NULL);

	sem_t *slots = &slots_server.app->hash_slots;
	held = hold_all_slots(slots);
	ck_assert_int_ge(held, 1);
	ck_assert_int_eq(held, (int)slots_server.app->cfg.argon2_max_concurrent);

	expect_busy("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email", m.email, "password",
		    m.password);
	/* An unknown address gets the same answer: saturation reveals no account. */
	expect_busy("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email",
		    "nobody.slots@example.be", "password", m.password);
	expect_busy("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s, s:s}", "email",
		    newcomer, "password", "a long enough secret", "first_name", "New", "last_name",
		    "Comer", "privacy_version", TH_PRIVACY_VERSION);
	expect_busy("POST", "/api/v1/users/me/password", m.access_token, "{s:s, s:s}",
		    "current_password", m.password, "new_password", "a brand new password");
	expect_busy("DELETE", "/api/v1/users/me", m.access_token, "{s:s}", "password", m.password);

	/* Nothing was written: no account, no session, no login failure counted against the
	 * member, and the account is neither erased nor signed out. */
	ck_assert_int_eq(
		api_db_count("SELECT COUNT(*) FROM users WHERE email = $1", newcomer, NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM refresh_tokens WHERE user_id = $1",
				      m.id, NULL),
			 sessions);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM login_failures WHERE email = $1",
				      m.email, NULL),
			 0);
	ck_assert_int_eq(
		api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND deleted_at IS NULL",
			     m.id, NULL),
		1);
	/* Routes that hash nothing are not held up by the saturation. */
	struct th_resp *r = th_request("GET", "/api/v1/users/me", m.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	/* A refusal gives back no slot it never took. */
	ck_assert_int_eq(free_slots(slots), 0);

	release_slots(slots, held);
	int taken = held;
	held = 0;
	r = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email", m.email, "password",
		    m.password);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s, s:s}", "email",
		    newcomer, "password", "a long enough secret", "first_name", "New", "last_name",
		    "Comer", "privacy_version", TH_PRIVACY_VERSION);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	/* Every hash gave its slot back. */
	ck_assert_int_eq(free_slots(slots), taken);
	th_member_free(&m);
}
END_TEST

Suite *api_hash_slots_suite(void)
{
	Suite *s = suite_create("hash_slots");
	TCase *tc = tcase_create("saturation");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, NULL, slots_teardown);
	tcase_add_test(tc, saturated_password_routes_answer_429_and_write_nothing);
	suite_add_tcase(s, tc);
	return s;
}
