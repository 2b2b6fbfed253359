/*
 * The storage API against a real database: usage "test_store sqlite|postgres". Opening,
 * migrations, statements and constraints here; transactions and threads in
 * test_store_tx.c, the query helpers in test_store_query.c, SQLite's own machinery
 * (checkpoints, log syncs) in test_store_sqlite.c. Every test runs unchanged on both
 * backends (except the SQLite-only ones), which is the point of the API.
 */
/* SH_TEST_BOTH_BACKENDS */
#include <pthread.h>
#include <unistd.h>

#include "store_fixture.h"

/* ---- opening ---------------------------------------------------------------- */

START_TEST(test_open_close)
{
	struct sh_conn *other;
	char *error = NULL;

	ck_assert_int_eq(sh_db_kind(db), is_pg() ? SH_DB_POSTGRES : SH_DB_SQLITE);
	ck_assert_str_eq(sh_db_kind_name(db), is_pg() ? "postgresql" : "sqlite");
	ck_assert_ptr_eq(sh_db_thread_conn(db), conn);
	ck_assert_ptr_eq(sh_conn_db(conn), db);
	ck_assert_int_eq(sh_conn_ping(conn), SH_DB_OK);

	other = sh_db_connect(db, &error);
	ck_assert_ptr_nonnull(other);
	ck_assert_ptr_ne(other, conn);
	ck_assert_int_eq(sh_conn_ping(other), SH_DB_OK);
	sh_conn_close(&other);
	ck_assert_ptr_null(other);

	/* One left open on purpose: sh_db_close (teardown) must close it. */
	other = sh_db_connect(db, &error);
	ck_assert_ptr_nonnull(other);
}
END_TEST

START_TEST(test_bad_urls)
{
	static const char *const bad[] = {
		"", "mysql://user:secret@host/db", "sqlite://relative.db", "sqlite:///",
		"sqlite:////", "nocolon-secret", "http://x/y", "SQLITE:///x.db",
	};
	struct sh_db *bad_db = NULL;
	char *error = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(sh_db_open(bad[i], &bad_db, &error), -1);
		ck_assert_ptr_null(bad_db);
		ck_assert_ptr_nonnull(error);
		ck_assert_msg(strncmp(error, "DATABASE_URL: ", 14) == 0, "%s", error);
		ck_assert_msg(strstr(error, "secret") == NULL, "URL echoed: %s", error);
		ck_assert_ptr_null(strchr(error, '\n'));
		sh_free(&error);
	}
	ck_assert_int_eq(sh_db_open(NULL, &bad_db, &error), -1);
	sh_free(&error);
	ck_assert_int_eq(sh_db_open("mysql://x", &bad_db, NULL), -1);

	/* Opening does not connect: the failure comes with the first connection. */
	ck_assert_int_eq(sh_db_open("postgresql://127.0.0.1:1/nothing?connect_timeout=2", &bad_db, &error), 0);
	ck_assert_ptr_null(sh_db_connect(bad_db, &error));
	ck_assert_ptr_nonnull(strstr(error, "postgresql: cannot connect"));
	sh_free(&error);
	ck_assert_ptr_null(sh_db_thread_conn(bad_db));
	ck_assert_uint_ge(sh_db_error_count(bad_db), 2);
	sh_db_close(&bad_db);
	ck_assert_ptr_null(bad_db);
	sh_db_close(&bad_db);
}
END_TEST

START_TEST(test_sqlite_creates_directory)
{
	char url[512], path[512];
	struct sh_db *nested = NULL;
	char *error = NULL;

	/* th_backend_url gives sqlite:////tmp/sh_test_XXXXXX/test.db */
	snprintf(url, sizeof(url), "%s", th_backend_url("sqlite"));
	ck_assert_ptr_nonnull(strstr(url, "/test.db"));
	strcpy(strstr(url, "/test.db"), "/a/b/c.db");
	ck_assert_int_eq(sh_db_open(url, &nested, &error), 0);
	snprintf(path, sizeof(path), "%s", url + strlen("sqlite://"));
	*strrchr(path, '/') = '\0';
	ck_assert_int_eq(access(path, F_OK), 0);
	struct sh_conn *c = sh_db_thread_conn(nested);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sh_migrate(c, &error), expected_migrations());
	sh_db_close(&nested);
}
END_TEST

/* ---- migrations -------------------------------------------------------------- */

START_TEST(test_migrate_again)
{
	char *error = NULL;
	struct sh_stmt *stmt;

	ck_assert_int_eq(sh_migrate(conn, &error), 0);
	ck_assert_ptr_null(error);
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM schema_migrations"), expected_migrations());

	stmt = sh_stmt_prepare(conn, "SELECT applied_at FROM schema_migrations WHERE version = $1");
	sh_stmt_bind_text(stmt, 1, "0001_core");
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ROW);
	const char *at = sh_stmt_col_time(stmt, 0);
	ck_assert_uint_eq(strlen(at), 20);
	ck_assert_int_eq(at[10], 'T');
	ck_assert_int_eq(at[19], 'Z');
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_OK);
	sh_stmt_free(&stmt);

	/* Inside a transaction it refuses rather than nesting. */
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_READ), SH_DB_OK);
	ck_assert_int_eq(sh_migrate(conn, &error), -1);
	ck_assert_ptr_nonnull(error);
	sh_free(&error);
	ck_assert_int_eq(sh_conn_rollback(conn), SH_DB_OK);
}
END_TEST

struct migrate_job {
	struct sh_db *db;
	int applied;
	char *error;
};

static void *migrate_thread(void *arg)
{
	struct migrate_job *job = arg;
	struct sh_conn *c = sh_db_connect(job->db, &job->error);

	job->applied = c != NULL ? sh_migrate(c, &job->error) : -1;
	sh_conn_close(&c);
	return NULL;
}

/* Two servers starting on an empty database: each migration applies once. */
START_TEST(test_migrate_concurrent)
{
	struct migrate_job jobs[2] = {{0}, {0}};
	pthread_t threads[2];
	struct sh_db *fresh = NULL;
	char *error = NULL;

	ck_assert_int_eq(sh_db_open(th_backend_url(backend), &fresh, &error), 0);
	for (int i = 0; i < 2; i++) {
		jobs[i].db = fresh;
		ck_assert_int_eq(pthread_create(&threads[i], NULL, migrate_thread, &jobs[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(threads[i], NULL);
		ck_assert_msg(jobs[i].applied >= 0, "migrate %d: %s", i, jobs[i].error);
	}
	ck_assert_int_eq(jobs[0].applied + jobs[1].applied, expected_migrations());
	struct sh_conn *c = sh_db_thread_conn(fresh);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(count(c, "SELECT COUNT(*) FROM schema_migrations"), expected_migrations());
	sh_db_close(&fresh);
}
END_TEST

/* ---- statements -------------------------------------------------------------- */

START_TEST(test_insert_select)
{
	char id[40];
	struct sh_stmt *stmt = sh_stmt_prepare(conn,
		"INSERT INTO users (id, email, password_hash, first_name, last_name, phone, active,"
		" created_at, updated_at, deleted_at) VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $7, $8)");

	sh_stmt_bind_text(stmt, 1, uuid(1, id));
	sh_stmt_bind_text(stmt, 2, "ada@example.org");
	sh_stmt_bind_text(stmt, 3, "hash");
	sh_stmt_bind_text(stmt, 4, "Ada"); /* $4 twice: first and last name */
	sh_stmt_bind_text(stmt, 5, NULL);
	sh_stmt_bind_bool(stmt, 6, false);
	sh_stmt_bind_text(stmt, 7, T0);
	sh_stmt_bind_null(stmt, 8);
	ck_assert_int_eq(sh_stmt_exec(stmt), SH_DB_OK);
	ck_assert_int_eq(sh_stmt_changes(stmt), 1);
	sh_stmt_free(&stmt);

	stmt = sh_stmt_prepare(conn,
		"SELECT id, email, first_name, last_name, phone, active, created_at, updated_at,"
		" deleted_at, locale FROM users WHERE email = $1");
	sh_stmt_bind_text(stmt, 1, "ada@example.org");
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ROW);
	ck_assert_int_eq(sh_stmt_col_count(stmt), 10);
	ck_assert_str_eq(sh_stmt_col_text(stmt, 0), uuid(1, id));
	ck_assert_str_eq(sh_stmt_col_text(stmt, 1), "ada@example.org");
	ck_assert_str_eq(sh_stmt_col_text(stmt, 2), "Ada");
	ck_assert_str_eq(sh_stmt_col_text(stmt, 3), "Ada");
	ck_assert(sh_stmt_col_is_null(stmt, 4));
	ck_assert_ptr_null(sh_stmt_col_text(stmt, 4));
	ck_assert(!sh_stmt_col_is_null(stmt, 5));
	ck_assert(!sh_stmt_col_bool(stmt, 5));
	/* Two time columns of one row stay valid together. */
	const char *created = sh_stmt_col_time(stmt, 6);
	const char *updated = sh_stmt_col_time(stmt, 7);
	ck_assert_str_eq(created, T0);
	ck_assert_str_eq(updated, T0);
	ck_assert_ptr_null(sh_stmt_col_time(stmt, 8));
	ck_assert_str_eq(sh_stmt_col_text(stmt, 9), "fr");
	/* Out of range columns are NULL, not a crash. */
	ck_assert_ptr_null(sh_stmt_col_text(stmt, 10));
	ck_assert_ptr_null(sh_stmt_col_text(stmt, -1));
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_OK);
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_OK);
	ck_assert_int_eq(sh_stmt_col_count(stmt), 0);
	ck_assert_ptr_null(sh_stmt_col_text(stmt, 0));
	sh_stmt_free(&stmt);

	/* A bool written true reads back true. */
	stmt = sh_stmt_prepare(conn, "UPDATE users SET active = $1 WHERE id = $2");
	sh_stmt_bind_bool(stmt, 1, true);
	sh_stmt_bind_text(stmt, 2, uuid(1, id));
	ck_assert_int_eq(sh_stmt_exec(stmt), SH_DB_OK);
	ck_assert_int_eq(sh_stmt_changes(stmt), 1);
	sh_stmt_free(&stmt);
	stmt = sh_stmt_prepare(conn, "SELECT active FROM users WHERE id = $1");
	sh_stmt_bind_text(stmt, 1, uuid(1, id));
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ROW);
	ck_assert(sh_stmt_col_bool(stmt, 0));
	sh_stmt_free(&stmt);
}
END_TEST

START_TEST(test_int64_and_reuse)
{
	static const int64_t values[] = {INT64_MAX, INT64_MIN, 0, -42, 1LL << 40};
	struct sh_stmt *stmt;

	ck_assert_int_eq(sh_conn_exec_script(conn,
		"CREATE TABLE t_nums (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);"
		"CREATE TABLE t_other (id BIGINT PRIMARY KEY)"), SH_DB_OK);

	/* One statement, reset and run again with new binds. */
	stmt = sh_stmt_prepare(conn, "INSERT INTO t_nums (id, n) VALUES ($1, $2)");
	for (int i = 0; i < 5; i++) {
		sh_stmt_bind_int64(stmt, 1, i + 1);
		sh_stmt_bind_int64(stmt, 2, values[i]);
		ck_assert_int_eq(sh_stmt_exec(stmt), SH_DB_OK);
		ck_assert_int_eq(sh_stmt_changes(stmt), 1);
		sh_stmt_reset(stmt);
	}
	sh_stmt_free(&stmt);

	stmt = sh_stmt_prepare(conn, "SELECT n FROM t_nums WHERE id = $1");
	for (int i = 0; i < 5; i++) {
		sh_stmt_bind_int64(stmt, 1, i + 1);
		ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ROW);
		ck_assert(sh_stmt_col_int64(stmt, 0) == values[i]);
		sh_stmt_reset(stmt);
	}
	sh_stmt_free(&stmt);

	/* The same SQL nested in itself: two statements live at once. */
	struct sh_stmt *outer = sh_stmt_prepare(conn, "SELECT id FROM t_nums WHERE n > $1 ORDER BY id");
	sh_stmt_bind_int64(outer, 1, -1);
	int rows = 0;
	while (sh_stmt_step(outer) == SH_DB_ROW) {
		struct sh_stmt *inner = sh_stmt_prepare(conn, "SELECT id FROM t_nums WHERE n > $1 ORDER BY id");
		sh_stmt_bind_int64(inner, 1, -1);
		ck_assert_int_eq(sh_stmt_step(inner), SH_DB_ROW);
		ck_assert_int_eq(sh_stmt_col_int64(inner, 0), 1);
		sh_stmt_free(&inner);
		rows++;
	}
	ck_assert_int_eq(rows, 3);
	sh_stmt_free(&outer);

	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM t_nums"), 5);
}
END_TEST

START_TEST(test_misuse)
{
	struct sh_stmt *stmt;
	uint64_t errors = sh_db_error_count(db);

	/* A bind the SQL does not use, and a $N left unbound: refused on both backends. */
	stmt = sh_stmt_prepare(conn, "SELECT COUNT(*) FROM users WHERE email = $1");
	sh_stmt_bind_text(stmt, 1, "a");
	sh_stmt_bind_text(stmt, 2, "b");
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ERROR);
	sh_stmt_free(&stmt);

	stmt = sh_stmt_prepare(conn, "SELECT COUNT(*) FROM users WHERE email = $1 OR email = $2");
	sh_stmt_bind_text(stmt, 1, "a");
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ERROR);
	sh_stmt_free(&stmt);

	stmt = sh_stmt_prepare(conn, "SELECT COUNT(*) FROM users WHERE email = $2");
	sh_stmt_bind_text(stmt, 2, "a"); /* $1 left unset */
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ERROR);
	sh_stmt_free(&stmt);

	stmt = sh_stmt_prepare(conn, "SELECT 1; SELECT 2");
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ERROR);
	sh_stmt_free(&stmt);

	stmt = sh_stmt_prepare(conn, "SELEC 1");
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ERROR);
	ck_assert_str_ne(sh_conn_last_error(conn), "");
	sh_stmt_free(&stmt);

	/* Binding after a step without reset. */
	stmt = sh_stmt_prepare(conn, "SELECT COUNT(*) FROM users WHERE email = $1");
	sh_stmt_bind_text(stmt, 1, "a");
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ROW);
	sh_stmt_bind_text(stmt, 1, "b");
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ERROR);
	sh_stmt_reset(stmt);
	sh_stmt_bind_text(stmt, 1, "b");
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ROW);
	sh_stmt_free(&stmt);
	sh_stmt_free(&stmt);

	ck_assert_uint_eq(sh_db_error_count(db), errors + 6);
	/* The connection is still fine after all that. */
	ck_assert_int_eq(sh_conn_ping(conn), SH_DB_OK);
}
END_TEST

/* ---- constraints ------------------------------------------------------------- */

START_TEST(test_unique)
{
	uint64_t errors = sh_db_error_count(db);

	ck_assert_int_eq(insert_user(conn, 1, "a@example.org", "fr"), SH_DB_OK);
	ck_assert_int_eq(insert_user(conn, 2, "a@example.org", "fr"), SH_DB_UNIQUE);
	ck_assert_ptr_nonnull(strcasestr(sh_conn_last_error(conn), "unique"));
	ck_assert_int_eq(insert_user(conn, 1, "b@example.org", "fr"), SH_DB_UNIQUE);
	/* Business outcomes, not faults. */
	ck_assert_uint_eq(sh_db_error_count(db), errors);
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM users"), 1);
}
END_TEST

START_TEST(test_foreign)
{
	char child[40], user[40];
	struct sh_stmt *stmt = sh_stmt_prepare(conn,
		"INSERT INTO child_guardians (child_id, user_id, created_at) VALUES ($1, $2, $3)");

	sh_stmt_bind_text(stmt, 1, uuid(77, child));
	sh_stmt_bind_text(stmt, 2, uuid(78, user));
	sh_stmt_bind_text(stmt, 3, T0);
	ck_assert_int_eq(sh_stmt_exec(stmt), SH_DB_FOREIGN);
	sh_stmt_free(&stmt);
}
END_TEST

START_TEST(test_check)
{
	char id[40];
	struct sh_stmt *stmt;

	ck_assert_int_eq(insert_user(conn, 1, "a@example.org", "xx"), SH_DB_CHECK);

	stmt = sh_stmt_prepare(conn,
		"INSERT INTO users (id, email, password_hash, first_name, last_name, created_at,"
		" updated_at) VALUES ($1, $2, $3, 'A', 'B', $4, $4)");
	sh_stmt_bind_text(stmt, 1, uuid(2, id));
	sh_stmt_bind_text(stmt, 2, "b@example.org");
	sh_stmt_bind_null(stmt, 3); /* NOT NULL */
	sh_stmt_bind_text(stmt, 4, T0);
	ck_assert_int_eq(sh_stmt_exec(stmt), SH_DB_CHECK);
	sh_stmt_free(&stmt);
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM users"), 0);
}
END_TEST

/* Storage that refuses writes (disk full, read-only) is SH_DB_STORAGE, not a plain error:
 * clients get 503 storage_unavailable. A read-only session stands in for the file system
 * here; tests/drills/sqlite_storage.sh fills and remounts a real one. */
START_TEST(test_storage_refuses_writes)
{
	ck_assert_int_eq(insert_user(conn, 1, "a@example.org", "fr"), SH_DB_OK);
	ck_assert_int_eq(sh_conn_exec_script(conn, is_pg() ? "SET default_transaction_read_only = on"
							   : "PRAGMA query_only = 1"),
			 SH_DB_OK);
	ck_assert_int_eq(insert_user(conn, 2, "b@example.org", "fr"), SH_DB_STORAGE);
	/* Reads still work. */
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM users"), 1);
	ck_assert_int_eq(sh_conn_exec_script(conn, is_pg() ? "SET default_transaction_read_only = off"
							   : "PRAGMA query_only = 0"),
			 SH_DB_OK);
	ck_assert_int_eq(insert_user(conn, 2, "b@example.org", "fr"), SH_DB_OK);
}
END_TEST

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, test_open_close);
	tcase_add_test(tc, test_migrate_again);
	tcase_add_test(tc, test_insert_select);
	tcase_add_test(tc, test_int64_and_reuse);
	tcase_add_test(tc, test_misuse);
	tcase_add_test(tc, test_unique);
	tcase_add_test(tc, test_foreign);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_storage_refuses_writes);
}

static void add_bare_tests(TCase *bare)
{
	tcase_add_test(bare, test_bad_urls);
	tcase_add_test(bare, test_migrate_concurrent);
	if (!is_pg())
		tcase_add_test(bare, test_sqlite_creates_directory);
}

int main(int argc, char **argv)
{
	return store_test_main(argc, argv, "store", add_tests, add_bare_tests);
}
