/*
 * Password changes racing each other and the account's deletion. argon2id runs between
 * the check of the current password and the write of the new hash, so two changes sent at
 * once both pass the check; only the write can decide. Each round runs them in parallel
 * and asserts the invariant: exactly one change wins (204), the other is refused (409
 * password_changed, or 401 when it arrived after the winner had ended its token), and the
 * stored hash is the winner's. A change racing a deletion never leaves a hash on the
 * erased row.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "api.h"

#define ROUNDS 8

struct change {
	pthread_t thread;
	const char *token, *current;
	char next[64];
	long status;
	char code[32];
};

static void *change_password(void *arg)
{
	struct change *c = arg;
	struct th_resp *r = th_json("POST", "/api/v1/users/me/password", c->token, "{s:s, s:s}",
				    "current_password", c->current, "new_password", c->next);
	c->status = r->status;
	snprintf(c->code, sizeof(c->code), "%s", th_code(r) ? th_code(r) : "");
	th_resp_free(&r);
	return NULL;
}

struct erase {
	pthread_t thread;
	const char *token, *password;
	long status;
};

static void *delete_account(void *arg)
{
	struct erase *e = arg;
	struct th_resp *r = th_json("DELETE", "/api/v1/users/me", e->token, "{s:s}", "password",
				    e->password);
	e->status = r->status;
	th_resp_free(&r);
	return NULL;
}

static long login_status(const char *email, const char *password, char **token_r)
{
	struct th_resp *r = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email",
				    email, "password", password);
	long status = r->status;
	if (token_r != NULL && status == 200)
		*token_r = strdup(th_str(r, "access_token"));
	th_resp_free(&r);
	return status;
}

START_TEST(concurrent_changes_one_wins)
{
	struct th_member m;
	th_member_register(&m, "pwrace");
	char current[64];
	snprintf(current, sizeof(current), "%s", m.password);
	int raced = 0; /* rounds where the loser got past the auth gate */
	for (int round = 0; round < ROUNDS; round++) {
		char *token = NULL;
		ck_assert_int_eq(login_status(m.email, current, &token), 200);
		struct change c[2];
		for (int i = 0; i < 2; i++) {
			c[i] = (struct change){.token = token, .current = current};
			snprintf(c[i].next, sizeof(c[i].next), "round %d, change %c", round, 'A' + i);
			ck_assert_int_eq(pthread_create(&c[i].thread, NULL, change_password, &c[i]),
					 0);
		}
		for (int i = 0; i < 2; i++)
			ck_assert_int_eq(pthread_join(c[i].thread, NULL), 0);
		int won = c[0].status == 204 ? 0 : 1;
		const struct change *loser = &c[1 - won];
		ck_assert_msg(c[won].status == 204 && loser->status != 204,
			      "round %d: %ld and %ld (%s)", round, c[0].status, c[1].status,
			      loser->code);
		if (loser->status == 409) {
			ck_assert_str_eq(loser->code, "password_changed");
			raced++;
		} else {
			ck_assert_msg(loser->status == 401 && strcmp(loser->code, "unauthorized") == 0,
				      "round %d: loser %ld %s", round, loser->status, loser->code);
		}
		/* The winner's password is the one stored; the loser's and the old one fail. */
		ck_assert_int_eq(login_status(m.email, loser->next, NULL), 401);
		ck_assert_int_eq(login_status(m.email, current, NULL), 401);
		snprintf(current, sizeof(current), "%s", c[won].next);
		ck_assert_int_eq(login_status(m.email, current, NULL), 200);
		free(token);
	}
	fprintf(stderr, "password race (%s): %d of %d rounds decided by the write\n", api_backend,
		raced, ROUNDS);
	th_member_free(&m);
}
END_TEST

START_TEST(change_racing_deletion_writes_nothing)
{
	for (int round = 0; round < ROUNDS; round++) {
		struct th_member m;
		th_member_register(&m, "pwerase");
		struct change c = {.token = m.access_token, .current = m.password};
		snprintf(c.next, sizeof(c.next), "a new secret %d", round);
		struct erase e = {.token = m.access_token, .password = m.password};
		ck_assert_int_eq(pthread_create(&c.thread, NULL, change_password, &c), 0);
		ck_assert_int_eq(pthread_create(&e.thread, NULL, delete_account, &e), 0);
		ck_assert_int_eq(pthread_join(c.thread, NULL), 0);
		ck_assert_int_eq(pthread_join(e.thread, NULL), 0);
		/* The deletion always goes through (its password is right whichever came first,
		 * or its token was ended by the change: then it is retried below). */
		if (e.status != 204) {
			ck_assert_int_eq(e.status, 401);
			ck_assert_int_eq(c.status, 204);
			char *token = NULL;
			ck_assert_int_eq(login_status(m.email, c.next, &token), 200);
			struct erase again = {.token = token, .password = c.next};
			delete_account(&again);
			ck_assert_int_eq(again.status, 204);
			free(token);
		}
		ck_assert_msg(c.status == 204 || c.status == 401, "change: %ld %s", c.status,
			      c.code);
		ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND "
					      "deleted_at IS NOT NULL AND password_hash = ''",
					      m.id, NULL),
				 1);
		th_member_free(&m);
	}
}
END_TEST

START_TEST(change_after_deletion_is_refused)
{
	struct th_member m;
	th_member_register(&m, "pwgone");
	struct th_resp *r =
		th_json("DELETE", "/api/v1/users/me", m.access_token, "{s:s}", "password", m.password);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/users/me/password", m.access_token, "{s:s, s:s}",
		    "current_password", m.password, "new_password", "written on a ghost");
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND "
				      "password_hash = ''",
				      m.id, NULL),
			 1);
	th_member_free(&m);
}
END_TEST

Suite *api_password_race_suite(void)
{
	Suite *s = suite_create("password_race");
	TCase *tc = tcase_create("races");
	tcase_set_timeout(tc, 300);
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_add_test(tc, concurrent_changes_one_wins);
	tcase_add_test(tc, change_racing_deletion_writes_nothing);
	tcase_add_test(tc, change_after_deletion_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
