/*
 * Guards (sh_conn_guard): usage "test_store_guard sqlite|postgres". A guard's verdict
 * comes before anything else a request does with its connection. Deferred on PostgreSQL,
 * its lookup travels with the first read in one pipeline; everywhere else it runs first,
 * alone. A refusal drops the read's rows and every later call fails with it until
 * sh_conn_guard_end; a write, a BEGIN or a script never runs before the verdict.
 */
/* SH_TEST_BOTH_BACKENDS */
#include "schoolhub/log.h"
#include "schoolhub/store.h"
#include "test_db.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOOKUP "SELECT v FROM g WHERE k = $1"
#define READ "SELECT v FROM g WHERE k = $1"
#define OTHER_READ "SELECT COUNT(*) FROM g WHERE v <> $1"

static const char *backend;
static struct sh_db *db;
static struct sh_conn *conn;
static bool pipelines; /* PostgreSQL: a deferred guard waits for the first statement */

struct seen {
	int calls;
	enum sh_db_rc rc; /* what the lookup gave the check */
	char value[32]; /* its row's first column */
	enum sh_db_rc answer; /* what the check answers */
};

static enum sh_db_rc check(void *ctx, enum sh_db_rc rc, struct sh_stmt *row)
{
	struct seen *s = ctx;
	s->calls++;
	s->rc = rc;
	if (row != NULL)
		snprintf(s->value, sizeof(s->value), "%s", sh_stmt_col_text(row, 0));
	return s->answer;
}

static void setup(void)
{
	char *error = NULL;
	ck_assert_int_eq(sh_db_open(th_backend_url(backend), &db, &error), 0);
	conn = sh_db_thread_conn(db);
	ck_assert_ptr_nonnull(conn);
	ck_assert_int_eq(sh_conn_exec_script(conn, "CREATE TABLE g (k TEXT PRIMARY KEY, v TEXT);"
						   "INSERT INTO g VALUES ('a', '1'), ('b', '2')"),
			 SH_DB_OK);
	pipelines = strcmp(backend, "postgres") == 0;
}

static void teardown(void)
{
	sh_db_close(&db);
	conn = NULL;
}

static int64_t rows(void)
{
	int64_t n = -1;
	ck_assert_int_eq(sh_query_int64(conn, "SELECT COUNT(*) FROM g", SH_ARGS(), &n), SH_DB_ROW);
	return n;
}

/* READ of "k": SH_DB_ROW with its value in "out", or what it failed with. */
static enum sh_db_rc read_v(const char *k, char out[32])
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn, READ, SH_ARGS(SH_TEXT(k)), &st);
	out[0] = '\0';
	if (rc == SH_DB_ROW)
		snprintf(out, 32, "%s", sh_stmt_col_text(st, 0));
	sh_stmt_free(&st);
	return rc;
}

/* Nothing gets through a refusal: reads, writes, BEGIN, scripts. */
static void assert_all_refused(enum sh_db_rc verdict)
{
	char v[32];
	ck_assert_int_eq(read_v("a", v), verdict);
	ck_assert_str_eq(v, "");
	ck_assert_int_eq(sh_exec(conn, "INSERT INTO g VALUES ($1, 'x')", SH_ARGS(SH_TEXT("w")),
				 NULL),
			 verdict);
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_WRITE), verdict);
	ck_assert(!sh_conn_in_tx(conn));
	ck_assert_int_eq(sh_conn_exec_script(conn, "DELETE FROM g"), verdict);
	ck_assert_int_eq(sh_conn_guard_settle(conn), verdict);
}

START_TEST(test_guard_now)
{
	struct seen s = {.answer = SH_DB_OK};
	char v[32];

	ck_assert_int_eq(sh_conn_guard(conn, LOOKUP, SH_ARGS(SH_TEXT("a")), check, &s, false),
			 SH_DB_OK);
	ck_assert_int_eq(s.calls, 1);
	ck_assert_int_eq(s.rc, SH_DB_ROW);
	ck_assert_str_eq(s.value, "1");
	ck_assert_int_eq(read_v("b", v), SH_DB_ROW);
	ck_assert_str_eq(v, "2");
	sh_conn_guard_end(conn);

	/* No row: the check hears SH_DB_OK, and refuses. */
	s = (struct seen){.answer = SH_DB_DENIED};
	ck_assert_int_eq(sh_conn_guard(conn, LOOKUP, SH_ARGS(SH_TEXT("zz")), check, &s, false),
			 SH_DB_DENIED);
	ck_assert_int_eq(s.calls, 1);
	ck_assert_int_eq(s.rc, SH_DB_OK);
	assert_all_refused(SH_DB_DENIED);
	ck_assert_int_eq(s.calls, 1);
	sh_conn_guard_end(conn);
	ck_assert_int_eq(rows(), 2); /* neither the INSERT nor the DELETE ran */
	ck_assert_int_eq(read_v("a", v), SH_DB_ROW);
}
END_TEST

START_TEST(test_guard_deferred_travels_with_first_read)
{
	struct seen s = {.answer = SH_DB_OK};
	char v[32];

	ck_assert_int_eq(sh_conn_guard(conn, LOOKUP, SH_ARGS(SH_TEXT("a")), check, &s, true),
			 SH_DB_OK);
	ck_assert_int_eq(s.calls, pipelines ? 0 : 1);
	ck_assert_int_eq(read_v("b", v), SH_DB_ROW);
	ck_assert_str_eq(v, "2");
	ck_assert_int_eq(s.calls, 1);
	ck_assert_int_eq(s.rc, SH_DB_ROW);
	ck_assert_str_eq(s.value, "1");
	int64_t n = -1;
	ck_assert_int_eq(sh_query_int64(conn, OTHER_READ, SH_ARGS(SH_TEXT("1")), &n), SH_DB_ROW);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(sh_conn_guard_settle(conn), SH_DB_OK);
	ck_assert_int_eq(s.calls, 1);
	sh_conn_guard_end(conn);

	/* The same pair again: the statements are prepared now, the pipeline is used. */
	s = (struct seen){.answer = SH_DB_OK};
	ck_assert_int_eq(sh_conn_guard(conn, LOOKUP, SH_ARGS(SH_TEXT("b")), check, &s, true),
			 SH_DB_OK);
	ck_assert_int_eq(read_v("a", v), SH_DB_ROW);
	ck_assert_str_eq(v, "1");
	ck_assert_str_eq(s.value, "2");
	sh_conn_guard_end(conn);
}
END_TEST

START_TEST(test_guard_deferred_refusal_drops_the_read)
{
	for (int round = 0; round < 2; round++) { /* unprepared, then prepared */
		struct seen s = {.answer = SH_DB_DENIED};
		enum sh_db_rc rc =
			sh_conn_guard(conn, LOOKUP, SH_ARGS(SH_TEXT("a")), check, &s, true);
		ck_assert_int_eq(rc, pipelines ? SH_DB_OK : SH_DB_DENIED);
		assert_all_refused(SH_DB_DENIED);
		ck_assert_int_eq(s.calls, 1);
		ck_assert_str_eq(s.value, "1");
		sh_conn_guard_end(conn);
		ck_assert_int_eq(rows(), 2);
	}
}
END_TEST

START_TEST(test_guard_deferred_runs_alone_before_a_write)
{
	struct seen s = {.answer = SH_DB_DENIED};
	sh_conn_guard(conn, LOOKUP, SH_ARGS(SH_TEXT("a")), check, &s, true);
	ck_assert_int_eq(sh_exec(conn, "INSERT INTO g VALUES ($1, 'x')", SH_ARGS(SH_TEXT("w")),
				 NULL),
			 SH_DB_DENIED);
	ck_assert_int_eq(s.calls, 1);
	sh_conn_guard_end(conn);
	ck_assert_int_eq(rows(), 2);

	s = (struct seen){.answer = SH_DB_OK};
	sh_conn_guard(conn, LOOKUP, SH_ARGS(SH_TEXT("a")), check, &s, true);
	ck_assert_int_eq(sh_exec(conn, "INSERT INTO g VALUES ($1, 'x')", SH_ARGS(SH_TEXT("w")),
				 NULL),
			 SH_DB_OK);
	ck_assert_int_eq(s.calls, 1);
	sh_conn_guard_end(conn);
	ck_assert_int_eq(rows(), 3);

	/* BEGIN and scripts wait for the verdict too. */
	s = (struct seen){.answer = SH_DB_DENIED};
	sh_conn_guard(conn, LOOKUP, SH_ARGS(SH_TEXT("a")), check, &s, true);
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_READ), SH_DB_DENIED);
	ck_assert(!sh_conn_in_tx(conn));
	sh_conn_guard_end(conn);
	s = (struct seen){.answer = SH_DB_DENIED};
	sh_conn_guard(conn, LOOKUP, SH_ARGS(SH_TEXT("a")), check, &s, true);
	ck_assert_int_eq(sh_conn_exec_script(conn, "DELETE FROM g"), SH_DB_DENIED);
	ck_assert_int_eq(s.calls, 1);
	sh_conn_guard_end(conn);
	ck_assert_int_eq(rows(), 3);
}
END_TEST

START_TEST(test_guard_deferred_settles_without_statement)
{
	struct seen s = {.answer = SH_DB_OK};
	sh_conn_guard(conn, LOOKUP, SH_ARGS(SH_TEXT("a")), check, &s, true);
	ck_assert_int_eq(sh_conn_guard_settle(conn), SH_DB_OK);
	ck_assert_int_eq(s.calls, 1);
	ck_assert_int_eq(sh_conn_guard_settle(conn), SH_DB_OK);
	ck_assert_int_eq(s.calls, 1);
	sh_conn_guard_end(conn);

	s = (struct seen){.answer = SH_DB_DENIED};
	sh_conn_guard(conn, LOOKUP, SH_ARGS(SH_TEXT("a")), check, &s, true);
	ck_assert_int_eq(sh_conn_guard_settle(conn), SH_DB_DENIED);
	sh_conn_guard_end(conn);

	/* Ended while pending: dropped, never run. */
	s = (struct seen){.answer = SH_DB_OK};
	sh_conn_guard(conn, LOOKUP, SH_ARGS(SH_TEXT("a")), check, &s, true);
	sh_conn_guard_end(conn);
	char v[32];
	ck_assert_int_eq(read_v("a", v), SH_DB_ROW);
	ck_assert_int_eq(s.calls, pipelines ? 0 : 1);

	/* Inside a transaction a guard runs at once. */
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_READ), SH_DB_OK);
	s = (struct seen){.answer = SH_DB_OK};
	sh_conn_guard(conn, LOOKUP, SH_ARGS(SH_TEXT("a")), check, &s, true);
	ck_assert_int_eq(s.calls, 1);
	ck_assert_int_eq(sh_conn_commit(conn), SH_DB_OK);
	sh_conn_guard_end(conn);
}
END_TEST

/* A lookup that fails: its error is the verdict, the read sent along is not answered,
 * and the connection is fine afterwards. PostgreSQL fails CAST('x' AS INTEGER) while the
 * pipeline runs; SQLite makes it 0. A missing table fails on both, at prepare time. */
START_TEST(test_guard_lookup_errors)
{
	const char *lookups[] = {"SELECT CAST($1 AS INTEGER)",
				 "SELECT v FROM missing WHERE k = $1"};
	for (size_t i = pipelines ? 0 : 1; i < 2; i++) {
		struct seen s = {.answer = SH_DB_OK};
		sh_conn_guard(conn, lookups[i], SH_ARGS(SH_TEXT("x")), check, &s, true);
		char v[32];
		enum sh_db_rc rc = read_v("a", v);
		ck_assert_int_eq(s.calls, 1);
		ck_assert_int_lt(s.rc, 0);
		/* The check let it through, but a lookup error would not be: answer it. */
		ck_assert_int_eq(rc, SH_DB_ROW);
		sh_conn_guard_end(conn);

		s = (struct seen){.answer = SH_DB_ERROR};
		sh_conn_guard(conn, lookups[i], SH_ARGS(SH_TEXT("x")), check, &s, true);
		ck_assert_int_eq(read_v("a", v), SH_DB_ERROR);
		sh_conn_guard_end(conn);
		ck_assert_int_eq(read_v("b", v), SH_DB_ROW);
		ck_assert_str_eq(v, "2");
	}
}
END_TEST

/* The read sent along fails while the lookup passes: the read answers its own error and
 * the connection is fine afterwards (PostgreSQL only: SQLite makes the CAST 0). */
START_TEST(test_guard_read_error_in_pipeline)
{
	if (!pipelines)
		return;
	struct seen s = {.answer = SH_DB_OK};
	sh_conn_guard(conn, LOOKUP, SH_ARGS(SH_TEXT("a")), check, &s, true);
	int64_t n = 0;
	ck_assert_int_eq(sh_query_int64(conn, "SELECT CAST($1 AS INTEGER)", SH_ARGS(SH_TEXT("x")),
					&n),
			 SH_DB_ERROR);
	ck_assert_int_eq(s.calls, 1);
	ck_assert_str_eq(s.value, "1");
	sh_conn_guard_end(conn);
	char v[32];
	ck_assert_int_eq(read_v("b", v), SH_DB_ROW);
	ck_assert_str_eq(v, "2");
}
END_TEST

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgres") != 0)) {
		fprintf(stderr, "usage: %s sqlite|postgres\n", argv[0]);
		return 1;
	}
	backend = argv[1];
	sh_log_set_level(getenv("SH_TEST_LOG") != NULL ? SH_LOG_DEBUG : SH_LOG_ERROR);
	if (sh_store_global_init() != 0)
		return 1;

	Suite *suite = suite_create("store_guard");
	TCase *tc = tcase_create(backend);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_guard_now);
	tcase_add_test(tc, test_guard_deferred_travels_with_first_read);
	tcase_add_test(tc, test_guard_deferred_refusal_drops_the_read);
	tcase_add_test(tc, test_guard_deferred_runs_alone_before_a_write);
	tcase_add_test(tc, test_guard_deferred_settles_without_statement);
	tcase_add_test(tc, test_guard_lookup_errors);
	tcase_add_test(tc, test_guard_read_error_in_pipeline);
	suite_add_tcase(suite, tc);

	SRunner *runner = srunner_create(suite);
	srunner_run_all(runner, CK_NORMAL);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	th_backend_cleanup();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
