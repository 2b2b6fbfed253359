/*
 * What the storage API's test programs share (test_store.c, test_store_tx.c,
 * test_store_query.c, test_store_sqlite.c): each test gets a fresh database on the backend
 * named on the command line, migrated, and its thread's connection. Each program is one
 * file, so this header holds its own copy of the fixture (static), not a library.
 */
#ifndef SCHOOLHUB_TESTS_STORE_FIXTURE_H
#define SCHOOLHUB_TESTS_STORE_FIXTURE_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/embed.h"
#include "schoolhub/log.h"
#include "schoolhub/mem.h"
#include "schoolhub/migrate.h"
#include "schoolhub/store.h"
#include "store/store-private.h"
#include "test_db.h"

#define T0 "2026-11-26T21:38:38Z"

static const char *backend;
static struct sh_db *db;
static struct sh_conn *conn;

static inline bool is_pg(void)
{
	return strcmp(backend, "postgres") == 0;
}

static inline int expected_migrations(void)
{
	const char *prefix = is_pg() ? "postgres/" : "sqlite/";
	int n = 0;

	for (size_t i = 0; i < sh_embedded_migrations_count; i++)
		if (strncmp(sh_embedded_migrations[i].path, prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

/* UUID-shaped ids so the same values fit TEXT (SQLite) and UUID (PostgreSQL). */
static inline const char *uuid(int n, char buf[40])
{
	snprintf(buf, 40, "00000000-0000-4000-8000-%012d", n);
	return buf;
}

static inline void setup(void)
{
	char *error = NULL;

	ck_assert_int_eq(sh_db_open(th_backend_url(backend), &db, &error), 0);
	conn = sh_db_thread_conn(db);
	ck_assert_ptr_nonnull(conn);
	int n = sh_migrate(conn, &error);
	ck_assert_msg(n == expected_migrations(), "migrate: %d %s", n, error ? error : "");
}

static inline void teardown(void)
{
	sh_db_close(&db);
	conn = NULL;
}

static inline enum sh_db_rc insert_user(struct sh_conn *c, int n, const char *email, const char *locale)
{
	char id[40];
	struct sh_stmt *stmt = sh_stmt_prepare(c,
		"INSERT INTO users (id, email, password_hash, first_name, last_name, locale,"
		" created_at, updated_at) VALUES ($1, $2, 'x', 'Ada', 'Lovelace', $3, $4, $4)");

	sh_stmt_bind_text(stmt, 1, uuid(n, id));
	sh_stmt_bind_text(stmt, 2, email);
	sh_stmt_bind_text(stmt, 3, locale);
	sh_stmt_bind_text(stmt, 4, T0);
	enum sh_db_rc rc = sh_stmt_exec(stmt);
	sh_stmt_free(&stmt);
	return rc;
}

static inline int64_t count(struct sh_conn *c, const char *sql)
{
	struct sh_stmt *stmt = sh_stmt_prepare(c, sql);
	int64_t n = -1;

	if (sh_stmt_step(stmt) == SH_DB_ROW)
		n = sh_stmt_col_int64(stmt, 0);
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_OK);
	sh_stmt_free(&stmt);
	return n;
}
/*
 * The program's main: runs the tests "add" puts in a test case with the fixture above and
 * those "add_bare" (NULL: none) puts in one without, on the backend named by argv[1].
 */
static inline int store_test_main(int argc, char **argv, const char *suite_name,
				  void (*add)(TCase *tc), void (*add_bare)(TCase *tc))
{
	if (argc != 2 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgres") != 0)) {
		fprintf(stderr, "usage: %s sqlite|postgres\n", argv[0]);
		return 1;
	}
	backend = argv[1];
	/* The tests provoke errors on purpose; SH_TEST_LOG=1 shows the log lines. */
	sh_log_set_level(getenv("SH_TEST_LOG") != NULL ? SH_LOG_DEBUG : SH_LOG_ERROR);

	Suite *suite = suite_create(suite_name);
	TCase *tc = tcase_create(backend);
	tcase_add_checked_fixture(tc, setup, teardown);
	/* Fresh PostgreSQL databases and valgrind make tests slower than Check's 4 s. */
	tcase_set_timeout(tc, 120);
	add(tc);
	suite_add_tcase(suite, tc);
	if (add_bare != NULL) {
		TCase *bare = tcase_create("no fixture");
		tcase_set_timeout(bare, 120);
		add_bare(bare);
		suite_add_tcase(suite, bare);
	}

	SRunner *runner = srunner_create(suite);
	srunner_run_all(runner, CK_NORMAL);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? 0 : 1;
}

#endif
