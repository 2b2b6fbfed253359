/*
 * PostgreSQL's lock_timeout seen through the API: a request whose UPDATE waits for a row
 * lock another session holds gives up after SCHOOLHUB_PG_LOCK_TIMEOUT_MS and answers
 * 503 service_unavailable (problem+json, Retry-After), having changed nothing, instead of
 * holding its worker thread for as long as the lock stays. SQLite has no such setting
 * (its writers queue in the process), so the suite runs on PostgreSQL only.
 */
#include <string.h>

#include "api.h"
#include "schoolhub/store.h"

static struct th_server timeout_server;
static struct th_server *previous;

START_TEST(row_lock_past_lock_timeout_answers_503)
{
	previous = th_current;
	const char *env[] = {"SCHOOLHUB_PG_LOCK_TIMEOUT_MS=300", NULL};
	th_server_start(&timeout_server, api_backend, env);
	ck_assert_uint_eq(timeout_server.app->cfg.pg_lock_timeout_ms, 300);
	struct th_member m;
	th_member_register(&m, "locked");

	/* Another session (an operator's psql, a stuck job) holds the member's row. */
	char *error = NULL;
	struct sh_conn *holder = sh_db_connect(timeout_server.app->db, &error);
	ck_assert_msg(holder != NULL, "%s", error ? error : "");
	ck_assert_int_eq(sh_conn_begin(holder, SH_TX_WRITE), SH_DB_OK);
	struct sh_stmt *st;
	ck_assert_int_eq(sh_query_row(holder, "SELECT id FROM users WHERE id = $1 FOR UPDATE",
				      SH_ARGS(SH_TEXT(m.id)), &st),
			 SH_DB_ROW);
	sh_stmt_free(&st);

	struct th_resp *r = th_json("PATCH", "/api/v1/users/me", m.access_token, "{s:s}",
				    "first_name", "Locked");
	ck_assert_problem(r, 503, "service_unavailable");
	ck_assert_ptr_nonnull(th_header(r, "Retry-After"));
	th_resp_free(&r);

	ck_assert_int_eq(sh_conn_rollback(holder), SH_DB_OK);
	sh_conn_close(&holder);
	/* Nothing was written; once the lock is gone the same request passes. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND first_name = $2",
				      m.id, "Locked"),
			 0);
	r = th_json("PATCH", "/api/v1/users/me", m.access_token, "{s:s}", "first_name", "Locked");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND first_name = $2",
				      m.id, "Locked"),
			 1);
	th_member_free(&m);
}
END_TEST

/* Stops the server even when an assertion failed half-way. */
static void timeout_teardown(void)
{
	if (timeout_server.app != NULL)
		th_server_stop(&timeout_server);
	th_current = previous;
}

Suite *api_db_timeout_suite(void)
{
	Suite *s = suite_create("db_timeout");
	TCase *tc = tcase_create("lock_timeout");
	tcase_add_checked_fixture(tc, NULL, timeout_teardown);
	tcase_set_timeout(tc, 120);
	if (strcmp(api_backend, "postgres") == 0)
		tcase_add_test(tc, row_lock_past_lock_timeout_answers_503);
	suite_add_tcase(s, tc);
	return s;
}
