/*
 * The storage API against a real database: usage "test_store sqlite|postgres".
 * Every test runs unchanged on both backends (except the one about killed
 * PostgreSQL connections), which is the point of the API.
 */
/* SH_TEST_BOTH_BACKENDS */
#include "schoolhub/embed.h"
#include "schoolhub/log.h"
#include "schoolhub/mem.h"
#include "schoolhub/migrate.h"
#include "schoolhub/store.h"
#include "store/sqlite_checkpointer.h"
#include "store/store-private.h"
#include "test_db.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#define T0 "2026-11-26T21:38:38Z"

static const char *backend;
static struct sh_db *db;
static struct sh_conn *conn;

static bool is_pg(void)
{
	return strcmp(backend, "postgres") == 0;
}

static int expected_migrations(void)
{
	const char *prefix = is_pg() ? "postgres/" : "sqlite/";
	int n = 0;

	for (size_t i = 0; i < sh_embedded_migrations_count; i++)
		if (strncmp(sh_embedded_migrations[i].path, prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

/* UUID-shaped ids so the same values fit TEXT (SQLite) and UUID (PostgreSQL). */
static const char *uuid(int n, char buf[40])
{
	snprintf(buf, 40, "00000000-0000-4000-8000-%012d", n);
	return buf;
}

static void setup(void)
{
	char *error = NULL;

	ck_assert_int_eq(sh_db_open(th_backend_url(backend), &db, &error), 0);
	conn = sh_db_thread_conn(db);
	ck_assert_ptr_nonnull(conn);
	int n = sh_migrate(conn, &error);
	ck_assert_msg(n == expected_migrations(), "migrate: %d %s", n, error ? error : "");
}

static void teardown(void)
{
	sh_db_close(&db);
	conn = NULL;
}

static enum sh_db_rc insert_user(struct sh_conn *c, int n, const char *email, const char *locale)
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

static int64_t count(struct sh_conn *c, const char *sql)
{
	struct sh_stmt *stmt = sh_stmt_prepare(c, sql);
	int64_t n = -1;

	if (sh_stmt_step(stmt) == SH_DB_ROW)
		n = sh_stmt_col_int64(stmt, 0);
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_OK);
	sh_stmt_free(&stmt);
	return n;
}

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

/* ---- transactions ------------------------------------------------------------ */

START_TEST(test_rollback)
{
	ck_assert(!sh_conn_in_tx(conn));
	ck_assert_int_eq(sh_conn_rollback(conn), SH_DB_OK); /* none open: fine */
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_WRITE), SH_DB_OK);
	ck_assert(sh_conn_in_tx(conn));
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_WRITE), SH_DB_ERROR); /* no nesting */
	ck_assert_int_eq(insert_user(conn, 1, "a@example.org", "fr"), SH_DB_OK);
	ck_assert_int_eq(insert_user(conn, 2, "b@example.org", "nl"), SH_DB_OK);
	ck_assert_int_eq(sh_conn_rollback(conn), SH_DB_OK);
	ck_assert(!sh_conn_in_tx(conn));
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM users"), 0);
	ck_assert_int_eq(sh_conn_commit(conn), SH_DB_ERROR); /* nothing to commit */
}
END_TEST

START_TEST(test_commit)
{
	char *error = NULL;
	struct sh_conn *other = sh_db_connect(db, &error);

	ck_assert_ptr_nonnull(other);
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_WRITE), SH_DB_OK);
	ck_assert_int_eq(insert_user(conn, 1, "a@example.org", "fr"), SH_DB_OK);
	/* Not visible to another connection before commit... */
	ck_assert_int_eq(count(other, "SELECT COUNT(*) FROM users"), 0);
	ck_assert_int_eq(sh_conn_commit(conn), SH_DB_OK);
	ck_assert(!sh_conn_in_tx(conn));
	/* ...and visible after. */
	ck_assert_int_eq(count(other, "SELECT COUNT(*) FROM users"), 1);

	/* A read transaction sees the data too. */
	ck_assert_int_eq(sh_conn_begin(other, SH_TX_READ), SH_DB_OK);
	ck_assert_int_eq(count(other, "SELECT COUNT(*) FROM users"), 1);
	ck_assert_int_eq(sh_conn_commit(other), SH_DB_OK);
	sh_conn_close(&other);
}
END_TEST

static uint64_t checkpoints_when_idle(void)
{
	uint64_t runs = sh_sqlite_checkpointer_runs(db->driver_state), again;
	for (;;) {
		usleep(150 * 1000);
		if ((again = sh_sqlite_checkpointer_runs(db->driver_state)) == runs)
			return runs;
		runs = again;
	}
}

/*
 * SQLite: a reader that is always there (a loaded server) keeps the WAL from restarting at
 * its beginning, so after a checkpoint the WAL stays past the wake-up mark. Small commits
 * after that must not each wake the checkpointer (each checkpoint costs two syncs): it
 * waits for another 1000 pages of growth.
 */
START_TEST(test_sqlite_checkpoint_wakes_on_growth)
{
	ck_assert_int_eq(sh_conn_exec_script(conn, "CREATE TABLE grow_test (n INTEGER PRIMARY KEY, "
						   "pad TEXT NOT NULL)"),
			 SH_DB_OK);
	char *error = NULL;
	struct sh_conn *reader = sh_db_connect(db, &error);
	ck_assert_ptr_nonnull(reader);
	char pad[4001];
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	for (int i = 0; i < 1300; i++) {
		if (i == 10) { /* from here on, a read snapshot is always open */
			ck_assert_int_eq(sh_conn_begin(reader, SH_TX_READ), SH_DB_OK);
			ck_assert_int_eq(count(reader, "SELECT COUNT(*) FROM grow_test"), 10);
		}
		struct sh_stmt *st = sh_stmt_prepare(conn, "INSERT INTO grow_test (n, pad) VALUES ($1, $2)");
		sh_stmt_bind_int64(st, 1, i);
		sh_stmt_bind_text(st, 2, pad);
		ck_assert_int_eq(sh_stmt_exec_free(&st, NULL), SH_DB_OK);
	}
	uint64_t runs = checkpoints_when_idle();
	ck_assert_uint_gt(runs, 0);
	for (int i = 0; i < 200; i++) { /* a page or two each: far from 1000 more */
		struct sh_stmt *st = sh_stmt_prepare(conn, "UPDATE grow_test SET pad = 'y' WHERE n = $1");
		sh_stmt_bind_int64(st, 1, i);
		ck_assert_int_eq(sh_stmt_exec_free(&st, NULL), SH_DB_OK);
	}
	uint64_t after = checkpoints_when_idle();
	ck_assert_msg(after - runs <= 1, "%llu checkpoints for 200 small commits",
		      (unsigned long long)(after - runs));
	sh_conn_rollback(reader);
	sh_conn_close(&reader);
}
END_TEST

/*
 * SQLite: commits never checkpoint (that would hold the writer slot); the checkpointer
 * thread copies the WAL into the database file beside them. Writing ~6 MB in 1500 commits
 * pushes the WAL far past the wake-up mark (1000 pages) several times; the database file
 * itself can only grow through a checkpoint. The last frames may stay in the WAL until the
 * next wake-up (as with SQLite's own autocheckpoint), so the file must hold at least the
 * first 4 MB, not all of it.
 */
START_TEST(test_sqlite_background_checkpoint)
{
	ck_assert_ptr_nonnull(db->driver_state);
	ck_assert_int_eq(sh_conn_exec_script(conn, "CREATE TABLE ckpt_test (n INTEGER PRIMARY KEY, "
						   "pad TEXT NOT NULL)"),
			 SH_DB_OK);
	char pad[4001];
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	for (int i = 0; i < 1500; i++) {
		ck_assert_int_eq(sh_conn_begin(conn, SH_TX_WRITE), SH_DB_OK);
		struct sh_stmt *st =
			sh_stmt_prepare(conn, "INSERT INTO ckpt_test (n, pad) VALUES ($1, $2)");
		sh_stmt_bind_int64(st, 1, i);
		sh_stmt_bind_text(st, 2, pad);
		ck_assert_int_eq(sh_stmt_exec_free(&st, NULL), SH_DB_OK);
		ck_assert_int_eq(sh_conn_commit(conn), SH_DB_OK);
	}
	struct stat sb = {0};
	for (int tries = 0; tries < 200; tries++) {
		ck_assert_int_eq(stat(db->target, &sb), 0);
		if (sh_sqlite_checkpointer_runs(db->driver_state) > 0 && sb.st_size > 1000 * 4000)
			break;
		usleep(50 * 1000);
	}
	ck_assert_uint_gt(sh_sqlite_checkpointer_runs(db->driver_state), 0);
	ck_assert_msg(sb.st_size > 1000 * 4000, "database file is %lld bytes", (long long)sb.st_size);
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM ckpt_test"), 1500);
}
END_TEST

/*
 * Group commit (SQLite): concurrent sh_conn_transaction calls share commits, each in its
 * own savepoint. Every tenth insert of every thread aims at a key another thread also
 * wants: exactly one wins, the others fail alone without undoing anyone else's part.
 * Afterwards the table holds exactly the inserts that were answered SH_DB_OK.
 */
#define GROUP_THREADS 8
#define GROUP_INSERTS 150

struct group_job {
	struct sh_db *db;
	pthread_barrier_t *start;
	int thread;
	int ok, refused;
	char failure[256];
};

struct group_insert {
	int64_t n;
	char key[32];
};

static enum sh_db_rc group_insert_fn(struct sh_conn *c, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	const struct group_insert *g = ctx;
	struct sh_stmt *st = sh_stmt_prepare(c, "INSERT INTO gc_test (n, k) VALUES ($1, $2)");
	sh_stmt_bind_int64(st, 1, g->n);
	sh_stmt_bind_text(st, 2, g->key);
	return sh_stmt_exec_free(&st, NULL);
}

static void *group_thread(void *arg)
{
	struct group_job *job = arg;
	struct sh_conn *c = sh_db_thread_conn(job->db);
	pthread_barrier_wait(job->start);
	if (c == NULL) {
		snprintf(job->failure, sizeof(job->failure), "no connection");
		return NULL;
	}
	if (job->thread == GROUP_THREADS) {
		/* Single statements outside any transaction, beside the groups: they queue with
		 * them instead of timing out in SQLite's busy handler. */
		for (int i = 0; i < GROUP_INSERTS; i++) {
			struct sh_stmt *st =
				sh_stmt_prepare(c, "INSERT INTO gc_test (n, k) VALUES ($1, $2)");
			char key[32];
			snprintf(key, sizeof(key), "solo-%d", i);
			sh_stmt_bind_int64(st, 1, 900000 + i);
			sh_stmt_bind_text(st, 2, key);
			enum sh_db_rc rc = sh_stmt_exec_free(&st, NULL);
			if (rc != SH_DB_OK) {
				snprintf(job->failure, sizeof(job->failure), "solo insert %d: rc %d: %s", i,
					 rc, sh_conn_last_error(c));
				return NULL;
			}
			job->ok++;
		}
		return NULL;
	}
	for (int i = 0; i < GROUP_INSERTS; i++) {
		struct group_insert g = {.n = (int64_t)job->thread * 1000 + i};
		if (i % 10 == 0)
			snprintf(g.key, sizeof(g.key), "shared-%d", i);
		else
			snprintf(g.key, sizeof(g.key), "own-%d-%d", job->thread, i);
		enum sh_db_rc rc = sh_conn_transaction(c, SH_TX_WRITE, group_insert_fn, &g);
		if (rc == SH_DB_OK)
			job->ok++;
		else if (rc == SH_DB_UNIQUE && i % 10 == 0)
			job->refused++;
		else {
			snprintf(job->failure, sizeof(job->failure), "insert %d: rc %d: %s", i, rc,
				 sh_conn_last_error(c));
			return NULL;
		}
	}
	return NULL;
}

START_TEST(test_group_commit)
{
	ck_assert_int_eq(sh_conn_exec_script(conn, "CREATE TABLE gc_test (n BIGINT PRIMARY KEY, "
						   "k TEXT NOT NULL UNIQUE)"),
			 SH_DB_OK);
	uint64_t commits_before = atomic_load(&db->group_commits);
	uint64_t syncs_before = atomic_load(&db->log_syncs);
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, GROUP_THREADS + 1);
	pthread_t threads[GROUP_THREADS + 1];
	struct group_job jobs[GROUP_THREADS + 1];
	for (int t = 0; t <= GROUP_THREADS; t++) {
		jobs[t] = (struct group_job){.db = db, .start = &start, .thread = t};
		ck_assert_int_eq(pthread_create(&threads[t], NULL, group_thread, &jobs[t]), 0);
	}
	int ok = 0, refused = 0;
	for (int t = 0; t <= GROUP_THREADS; t++) {
		pthread_join(threads[t], NULL);
		ck_assert_msg(jobs[t].failure[0] == '\0', "thread %d: %s", t, jobs[t].failure);
		ok += jobs[t].ok;
		refused += jobs[t].refused;
	}
	pthread_barrier_destroy(&start);
	int shared = GROUP_INSERTS / 10;
	ck_assert_int_eq(ok + refused, (GROUP_THREADS + 1) * GROUP_INSERTS);
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM gc_test WHERE k LIKE 'solo-%'"),
			 GROUP_INSERTS);
	/* Each shared key won exactly once; every answered insert is there, no other. */
	ck_assert_int_eq(refused, shared * (GROUP_THREADS - 1));
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM gc_test"), ok);
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM gc_test WHERE k LIKE 'shared-%'"), shared);
	uint64_t commits = atomic_load(&db->group_commits) - commits_before;
	uint64_t syncs = atomic_load(&db->log_syncs) - syncs_before;
	if (is_pg()) {
		ck_assert_uint_eq(commits, 0); /* one writer per connection: nothing to group */
		ck_assert_uint_eq(syncs, 0);
	} else {
		/* Fewer commits than group transactions (refused ones were members too): at
		 * least one commit served several. */
		ck_assert_msg(commits > 0 && commits < (uint64_t)GROUP_THREADS * GROUP_INSERTS,
			      "%llu commits for %d transactions", (unsigned long long)commits,
			      GROUP_THREADS * GROUP_INSERTS);
		/* Durable (the default): the writer leaves the sync to the members, who sync
		 * the WAL after the writer slot is free; every group they were told committed
		 * is durable, and a sync may cover several groups. */
		ck_assert(db->writer_syncs_late);
		ck_assert_int_eq(count(db->writer, "PRAGMA synchronous"), 1); /* NORMAL */
		ck_assert_msg(syncs > 0 && syncs <= commits, "%llu syncs for %llu commits",
			      (unsigned long long)syncs, (unsigned long long)commits);
		pthread_mutex_lock(&db->sync_lock);
		uint64_t synced = db->synced_seq;
		pthread_mutex_unlock(&db->sync_lock);
		ck_assert_uint_eq(synced, atomic_load(&db->commit_seq));
	}
}
END_TEST

/*
 * SQLite: when the log cannot be synced, nothing more is acknowledged. The members of that
 * group hear SH_DB_ERROR (committed, perhaps not on disk: the outcome is unknown), and every
 * later write is refused with SH_DB_STORAGE without running; a restart recovers from the disk.
 */
static enum sh_db_rc insert_one_fn(struct sh_conn *c, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct sh_stmt *st = sh_stmt_prepare(c, "INSERT INTO sync_test (n) VALUES ($1)");
	sh_stmt_bind_int64(st, 1, *(int64_t *)ctx);
	return sh_stmt_exec_free(&st, NULL);
}

START_TEST(test_sqlite_log_sync_failure)
{
	ck_assert_int_eq(sh_conn_exec_script(conn, "CREATE TABLE sync_test (n BIGINT PRIMARY KEY)"),
			 SH_DB_OK);
	int64_t n = 1;
	ck_assert_int_eq(sh_conn_transaction(conn, SH_TX_WRITE, insert_one_fn, &n), SH_DB_OK);
	ck_assert(db->writer_syncs_late);
	/* The WAL vanishes from under the server (a disk fault, an operator's mistake): the
	 * next sync cannot reach it. */
	char wal[4096];
	snprintf(wal, sizeof(wal), "%s-wal", db->target);
	char moved[4200];
	snprintf(moved, sizeof(moved), "%s.moved", wal);
	ck_assert_int_eq(rename(wal, moved), 0);
	n = 2;
	ck_assert_int_eq(sh_conn_transaction(conn, SH_TX_WRITE, insert_one_fn, &n), SH_DB_ERROR);
	ck_assert(atomic_load(&db->log_sync_failed));
	ck_assert_int_eq(rename(moved, wal), 0);
	n = 3; /* refused before it runs, even with the WAL back */
	uint64_t commits = atomic_load(&db->commit_seq);
	ck_assert_int_eq(sh_conn_transaction(conn, SH_TX_WRITE, insert_one_fn, &n), SH_DB_STORAGE);
	ck_assert_uint_eq(atomic_load(&db->commit_seq), commits);
	/* Nor on another path: a transaction of the caller's own, a single statement. */
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_WRITE), SH_DB_STORAGE);
	struct sh_stmt *st = sh_stmt_prepare(conn, "INSERT INTO sync_test (n) VALUES (4)");
	ck_assert_int_eq(sh_stmt_exec_free(&st, NULL), SH_DB_STORAGE);
	ck_assert_int_eq(sh_conn_ping(conn), SH_DB_STORAGE); /* /ready says 503 */
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM sync_test WHERE n >= 3"), 0);
}
END_TEST

/*
 * SQLite: a database file reached through a symbolic link keeps its WAL next to the real
 * file (SQLite follows the link). The log sync must find it there, not next to the link.
 */
START_TEST(test_sqlite_symlinked_database_syncs_its_wal)
{
	const char *url = th_backend_url("sqlite"); /* sqlite:///<dir>/test.db */
	const char *path = url + strlen("sqlite://");
	char dir[256], real[300];
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	snprintf(real, sizeof(real), "%s/real.db", dir);
	int fd = open(real, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(symlink(real, path), 0);

	char *error = NULL;
	struct sh_db *linked = NULL;
	ck_assert_int_eq(sh_db_open(url, &linked, &error), 0);
	struct sh_conn *c = sh_db_connect(linked, &error);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sh_conn_exec_script(c, "CREATE TABLE sync_test (n BIGINT PRIMARY KEY)"),
			 SH_DB_OK);
	int64_t n = 1;
	ck_assert_int_eq(sh_conn_transaction(c, SH_TX_WRITE, insert_one_fn, &n), SH_DB_OK);
	ck_assert(linked->writer_syncs_late);
	ck_assert_uint_ge(atomic_load(&linked->log_syncs), 1);
	ck_assert(!atomic_load(&linked->log_sync_failed));
	char wal[320];
	snprintf(wal, sizeof(wal), "%s-wal", real);
	ck_assert_int_eq(access(wal, F_OK), 0);
	sh_conn_close(&c);
	sh_db_close(&linked);
}
END_TEST

/* SQLite: commits are synced (FULL) unless the operator chose NORMAL. */
START_TEST(test_sqlite_durable_commits)
{
	ck_assert_int_eq(count(conn, "PRAGMA synchronous"), 2); /* FULL */
	char *error = NULL;
	struct sh_db *lazy = NULL;
	ck_assert_int_eq(sh_db_open(th_backend_url("sqlite"), &lazy,
				    &error),
			 0);
	sh_db_set_durable_commits(lazy, false);
	struct sh_conn *c = sh_db_connect(lazy, &error);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(count(c, "PRAGMA synchronous"), 1); /* NORMAL */
	sh_conn_close(&c);
	sh_db_close(&lazy);
}
END_TEST

/* PostgreSQL refuses everything after an error in a transaction; SQLite is made to agree. */
START_TEST(test_failed_transaction)
{
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_WRITE), SH_DB_OK);
	ck_assert_int_eq(insert_user(conn, 1, "a@example.org", "fr"), SH_DB_OK);
	ck_assert_int_eq(insert_user(conn, 2, "a@example.org", "fr"), SH_DB_UNIQUE);
	ck_assert_int_eq(insert_user(conn, 3, "c@example.org", "fr"), SH_DB_ERROR);
	ck_assert_int_eq(sh_conn_exec_script(conn, "SELECT 1"), SH_DB_ERROR);
	/* Commit reports the first failure and rolls everything back. */
	ck_assert_int_eq(sh_conn_commit(conn), SH_DB_UNIQUE);
	ck_assert(!sh_conn_in_tx(conn));
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM users"), 0);

	/* And after an explicit rollback the connection works again. */
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_WRITE), SH_DB_OK);
	ck_assert_int_eq(insert_user(conn, 4, "d@example.org", "xx"), SH_DB_CHECK);
	ck_assert_int_eq(sh_conn_rollback(conn), SH_DB_OK);
	ck_assert_int_eq(insert_user(conn, 4, "d@example.org", "fr"), SH_DB_OK);
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM users"), 1);
}
END_TEST

START_TEST(test_changes)
{
	struct sh_stmt *stmt;
	char id[40];

	ck_assert_int_eq(insert_user(conn, 1, "a@example.org", "fr"), SH_DB_OK);
	ck_assert_int_eq(insert_user(conn, 2, "b@example.org", "fr"), SH_DB_OK);
	ck_assert_int_eq(insert_user(conn, 3, "c@example.org", "en"), SH_DB_OK);

	stmt = sh_stmt_prepare(conn, "UPDATE users SET locale = $1 WHERE locale = $2");
	sh_stmt_bind_text(stmt, 1, "nl");
	sh_stmt_bind_text(stmt, 2, "fr");
	ck_assert_int_eq(sh_stmt_exec(stmt), SH_DB_OK);
	ck_assert_int_eq(sh_stmt_changes(stmt), 2);
	sh_stmt_free(&stmt);

	stmt = sh_stmt_prepare(conn, "SELECT id FROM users");
	ck_assert_int_eq(sh_stmt_exec(stmt), SH_DB_OK); /* rows drained */
	ck_assert_int_eq(sh_stmt_changes(stmt), 0);
	sh_stmt_free(&stmt);

	stmt = sh_stmt_prepare(conn, "DELETE FROM users WHERE id = $1");
	sh_stmt_bind_text(stmt, 1, uuid(3, id));
	ck_assert_int_eq(sh_stmt_exec(stmt), SH_DB_OK);
	ck_assert_int_eq(sh_stmt_changes(stmt), 1);
	sh_stmt_reset(stmt);
	sh_stmt_bind_text(stmt, 1, uuid(3, id));
	ck_assert_int_eq(sh_stmt_exec(stmt), SH_DB_OK);
	ck_assert_int_eq(sh_stmt_changes(stmt), 0);
	sh_stmt_free(&stmt);
}
END_TEST

/* ---- query helpers (store.h "Queries") ---------------------------------------- */

START_TEST(test_query_exec)
{
	char id[40];
	int64_t changed = -1;
	static const char *const insert =
		"INSERT INTO users (id, email, password_hash, first_name, last_name, phone, active,"
		" created_at, updated_at, deleted_at) VALUES ($1, $2, 'x', $3, $3, $4, $5, $6, $6, $7)";

	/* Every bind type, $3 and $6 used twice. */
	ck_assert_int_eq(sh_exec(conn, insert,
				 SH_ARGS(SH_TEXT(uuid(1, id)), SH_TEXT("a@example.org"), SH_TEXT("Ada"),
					 SH_TEXT(NULL), SH_BOOL(true), SH_TEXT(T0), SH_NULL),
				 &changed),
			 SH_DB_OK);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(sh_exec(conn, insert,
				 SH_ARGS(SH_TEXT(uuid(2, id)), SH_TEXT("b@example.org"), SH_TEXT("Bo"),
					 SH_TEXT("0470"), SH_BOOL(false), SH_TEXT(T0), SH_NULL),
				 NULL),
			 SH_DB_OK);

	/* An UPDATE says how many rows it changed, 0 included. */
	ck_assert_int_eq(sh_exec(conn, "UPDATE users SET locale = $1 WHERE active = $2",
				 SH_ARGS(SH_TEXT("nl"), SH_BOOL(true)), &changed),
			 SH_DB_OK);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(sh_exec(conn, "UPDATE users SET locale = 'en' WHERE email = $1",
				 SH_ARGS(SH_TEXT("nobody@example.org")), &changed),
			 SH_DB_OK);
	ck_assert_int_eq(changed, 0);
	/* No binds at all. */
	ck_assert_int_eq(sh_exec(conn, "UPDATE users SET locale = locale", SH_ARGS(), &changed),
			 SH_DB_OK);
	ck_assert_int_eq(changed, 2);

	/* An error is the store's value, and nothing changed. */
	changed = -1;
	ck_assert_int_eq(sh_exec(conn, insert,
				 SH_ARGS(SH_TEXT(uuid(3, id)), SH_TEXT("a@example.org"), SH_TEXT("Al"),
					 SH_NULL, SH_BOOL(true), SH_TEXT(T0), SH_NULL),
				 &changed),
			 SH_DB_UNIQUE);
	ck_assert_int_eq(changed, 0);
	/* A list shorter than the SQL's $ parameters is refused, not run with a NULL. */
	ck_assert_int_eq(sh_exec(conn, "UPDATE users SET locale = $2 WHERE id = $1",
				 SH_ARGS(SH_TEXT(uuid(1, id))), &changed),
			 SH_DB_ERROR);
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM users WHERE locale = 'nl'"), 1);
}
END_TEST

START_TEST(test_query_row)
{
	char id[40];
	struct sh_stmt *st = (struct sh_stmt *)&st; /* anything but NULL */
	static const char *const by_email =
		"SELECT id, locale, active, phone, created_at FROM users WHERE email = $1";

	ck_assert_int_eq(insert_user(conn, 1, "a@example.org", "nl"), SH_DB_OK);
	ck_assert_int_eq(insert_user(conn, 2, "b@example.org", "en"), SH_DB_OK);

	/* Found: the statement stands on the row. */
	ck_assert_int_eq(sh_query_row(conn, by_email, SH_ARGS(SH_TEXT("a@example.org")), &st),
			 SH_DB_ROW);
	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(sh_stmt_col_text(st, 0), uuid(1, id));
	ck_assert_str_eq(sh_stmt_col_text(st, 1), "nl");
	ck_assert(sh_stmt_col_bool(st, 2));
	ck_assert(sh_stmt_col_is_null(st, 3));
	ck_assert_str_eq(sh_stmt_col_time(st, 4), T0);
	sh_stmt_free(&st);
	ck_assert_ptr_null(st);

	/* None: SH_DB_OK and no statement to free. */
	st = (struct sh_stmt *)&st;
	ck_assert_int_eq(sh_query_row(conn, by_email, SH_ARGS(SH_TEXT("c@example.org")), &st),
			 SH_DB_OK);
	ck_assert_ptr_null(st);

	/* An error: its code, no statement. */
	st = (struct sh_stmt *)&st;
	ck_assert_int_lt(sh_query_row(conn, "SELECT nope FROM users WHERE id = $1",
				      SH_ARGS(SH_TEXT(uuid(1, id))), &st),
			 0);
	ck_assert_ptr_null(st);

	/* Several rows: the first. */
	ck_assert_int_eq(sh_query_row(conn, "SELECT email FROM users ORDER BY email DESC",
				      SH_ARGS(), &st),
			 SH_DB_ROW);
	ck_assert_str_eq(sh_stmt_col_text(st, 0), "b@example.org");
	sh_stmt_free(&st);

	/* One integer. */
	int64_t n = -1;
	ck_assert_int_eq(sh_query_int64(conn, "SELECT COUNT(*) FROM users WHERE locale = $1",
					SH_ARGS(SH_TEXT("en")), &n),
			 SH_DB_ROW);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(sh_query_int64(conn, "SELECT $1 FROM users WHERE email = $2",
					SH_ARGS(SH_INT(INT64_MIN), SH_TEXT("a@example.org")), &n),
			 SH_DB_ROW);
	ck_assert(n == INT64_MIN);
	n = -1;
	ck_assert_int_eq(sh_query_int64(conn, "SELECT 1 FROM users WHERE email = $1",
					SH_ARGS(SH_TEXT("c@example.org")), &n),
			 SH_DB_OK);
	ck_assert_int_eq(n, 0);

	/* Rows one by one. */
	st = sh_query(conn, "SELECT locale FROM users WHERE created_at = $1 ORDER BY email",
		      SH_ARGS(SH_TEXT(T0)));
	ck_assert_int_eq(sh_stmt_step(st), SH_DB_ROW);
	ck_assert_str_eq(sh_stmt_col_text(st, 0), "nl");
	ck_assert_int_eq(sh_stmt_step(st), SH_DB_ROW);
	ck_assert_str_eq(sh_stmt_col_text(st, 0), "en");
	ck_assert_int_eq(sh_stmt_step(st), SH_DB_OK);
	sh_stmt_free(&st);

	/* The helpers run the connection's cached prepared statement: PostgreSQL shows one
	 * for the text however often it ran (SQLite's cache is the same code path). */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(sh_query_row(conn, by_email, SH_ARGS(SH_TEXT("b@example.org")), &st),
				 SH_DB_ROW);
		sh_stmt_free(&st);
	}
	if (is_pg()) {
		ck_assert_int_eq(sh_query_int64(conn, "SELECT COUNT(*) FROM pg_prepared_statements "
						      "WHERE statement = $1",
						SH_ARGS(SH_TEXT(by_email)), &n),
				 SH_DB_ROW);
		ck_assert_int_eq(n, 1);
	}
}
END_TEST

struct snapshot_ctx {
	struct sh_db *db;
	int64_t before, after;
	enum sh_db_rc result;
	int runs;
};

/* Counts, lets another connection add a user and commit, counts again. */
static enum sh_db_rc snapshot_reader(struct sh_conn *c, void *ctx)
{
	struct snapshot_ctx *t = ctx;
	ck_assert(sh_conn_in_tx(c));
	enum sh_db_rc rc = sh_query_int64(c, "SELECT COUNT(*) FROM users", SH_ARGS(), &t->before);
	if (rc != SH_DB_ROW)
		return rc;
	char *error = NULL;
	struct sh_conn *other = sh_db_connect(t->db, &error);
	ck_assert_ptr_nonnull(other);
	char email[40];
	t->runs++;
	snprintf(email, sizeof(email), "late%d@example.org", t->runs);
	ck_assert_int_eq(insert_user(other, 100 + t->runs, email, "fr"), SH_DB_OK);
	sh_conn_close(&other);
	rc = sh_query_int64(c, "SELECT COUNT(*) FROM users", SH_ARGS(), &t->after);
	if (rc != SH_DB_ROW)
		return rc;
	return t->result;
}

START_TEST(test_read_snapshot)
{
	ck_assert_int_eq(insert_user(conn, 1, "a@example.org", "fr"), SH_DB_OK);

	/* One snapshot: a commit made meanwhile is not seen inside it, and is after it. */
	struct snapshot_ctx t = {.db = db, .result = SH_DB_OK};
	ck_assert_int_eq(sh_conn_read_snapshot(conn, snapshot_reader, &t), SH_DB_OK);
	ck_assert_int_eq(t.before, 1);
	ck_assert_int_eq(t.after, 1);
	ck_assert(!sh_conn_in_tx(conn));
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM users"), 2);

	/* The function's failure is the answer, and the transaction is gone. */
	t.result = SH_DB_UNIQUE;
	ck_assert_int_eq(sh_conn_read_snapshot(conn, snapshot_reader, &t), SH_DB_UNIQUE);
	ck_assert(!sh_conn_in_tx(conn));
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM users"), 3);

	/* A snapshot inside an open transaction is a misuse, refused before running. */
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_READ), SH_DB_OK);
	t.before = -1;
	ck_assert_int_eq(sh_conn_read_snapshot(conn, snapshot_reader, &t), SH_DB_ERROR);
	ck_assert_int_eq(t.before, -1);
	ck_assert(sh_conn_in_tx(conn));
	ck_assert_int_eq(sh_conn_rollback(conn), SH_DB_OK);
}
END_TEST

/* Whatever form the backend keeps, a timestamp reads as RFC 3339 UTC. */
START_TEST(test_col_time)
{
	static const char *const inputs[] = {
		"2026-11-26T21:38:38Z",
		"2026-11-26T21:38:38.123456Z",
		"2026-11-26T23:38:38+02:00",
		"2026-11-26T16:38:38.5-05:00",
		"2026-11-26 21:38:38",
	};
	struct sh_stmt *stmt;
	char id[40];

	for (int i = 0; i < 5; i++) {
		stmt = sh_stmt_prepare(conn,
			"INSERT INTO users (id, email, password_hash, first_name, last_name, created_at,"
			" updated_at) VALUES ($1, $3, 'x', 'A', 'B', $2, $2)");
		sh_stmt_bind_text(stmt, 1, uuid(i, id));
		sh_stmt_bind_text(stmt, 2, inputs[i]);
		sh_stmt_bind_text(stmt, 3, id);
		ck_assert_int_eq(sh_stmt_exec(stmt), SH_DB_OK);
		sh_stmt_free(&stmt);
	}
	stmt = sh_stmt_prepare(conn, "SELECT created_at, deleted_at FROM users ORDER BY id");
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ROW);
		ck_assert_str_eq(sh_stmt_col_time(stmt, 0), T0);
		ck_assert_ptr_null(sh_stmt_col_time(stmt, 1));
	}
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_OK);
	sh_stmt_free(&stmt);
}
END_TEST

/* ---- threads ----------------------------------------------------------------- */

#define INCREMENTS 40

struct counter_job {
	struct sh_db *db;
	pthread_barrier_t *start;
	struct sh_conn *conn;
	int done, retries;
	char failure[256];
};

/* One read-modify-write transaction; SH_DB_OK, SH_DB_RETRY or an error. */
static enum sh_db_rc increment(struct sh_conn *c)
{
	struct sh_stmt *stmt;
	enum sh_db_rc rc;
	int64_t n;

	if ((rc = sh_conn_begin(c, SH_TX_WRITE)) != SH_DB_OK)
		return rc;
	stmt = sh_stmt_prepare(c, "SELECT n FROM t_counter WHERE id = 1");
	rc = sh_stmt_step(stmt);
	n = sh_stmt_col_int64(stmt, 0);
	sh_stmt_free(&stmt);
	if (rc != SH_DB_ROW)
		goto fail;
	stmt = sh_stmt_prepare(c, "UPDATE t_counter SET n = $1 WHERE id = 1");
	sh_stmt_bind_int64(stmt, 1, n + 1);
	rc = sh_stmt_exec(stmt);
	sh_stmt_free(&stmt);
	if (rc != SH_DB_OK)
		goto fail;
	stmt = sh_stmt_prepare(c, "INSERT INTO t_log (n) VALUES ($1)");
	sh_stmt_bind_int64(stmt, 1, n + 1);
	rc = sh_stmt_exec(stmt);
	sh_stmt_free(&stmt);
	if (rc != SH_DB_OK)
		goto fail;
	return sh_conn_commit(c);
fail:
	sh_conn_rollback(c);
	return rc;
}

static void *counter_thread(void *arg)
{
	struct counter_job *job = arg;

	job->conn = sh_db_thread_conn(job->db);
	/* Both connections exist at once, and the writers overlap. */
	pthread_barrier_wait(job->start);
	if (job->conn == NULL) {
		snprintf(job->failure, sizeof(job->failure), "no connection");
		return NULL;
	}
	while (job->done < INCREMENTS) {
		enum sh_db_rc rc = increment(job->conn);
		if (rc == SH_DB_RETRY) {
			job->retries++;
			continue;
		}
		if (rc != SH_DB_OK) {
			snprintf(job->failure, sizeof(job->failure), "rc %d: %s", rc,
				 sh_conn_last_error(job->conn));
			return NULL;
		}
		job->done++;
	}
	return NULL;
}

/* Lost updates would show as a final count below the number of increments. */
START_TEST(test_concurrent_writers)
{
	pthread_barrier_t start;
	struct counter_job jobs[2] = {{.db = db, .start = &start}, {.db = db, .start = &start}};
	pthread_t threads[2];
	struct sh_conn *seen[2];

	ck_assert_int_eq(sh_conn_exec_script(conn,
		"CREATE TABLE t_counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);"
		"CREATE TABLE t_log (n BIGINT NOT NULL UNIQUE);"
		"INSERT INTO t_counter (id, n) VALUES (1, 0)"), SH_DB_OK);
	ck_assert_int_eq(pthread_barrier_init(&start, NULL, 2), 0);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, counter_thread, &jobs[i]), 0);
	for (int i = 0; i < 2; i++) {
		pthread_join(threads[i], NULL);
		seen[i] = jobs[i].conn; /* freed by now (thread exit): compared, not used */
	}
	pthread_barrier_destroy(&start);
	for (int i = 0; i < 2; i++)
		ck_assert_msg(jobs[i].failure[0] == '\0', "thread %d: %s", i, jobs[i].failure);
	ck_assert_ptr_ne(seen[0], seen[1]);
	ck_assert_ptr_ne(seen[0], conn);
	ck_assert_int_eq(count(conn, "SELECT n FROM t_counter WHERE id = 1"), 2 * INCREMENTS);
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM t_log"), 2 * INCREMENTS);
}
END_TEST

/* ---- PostgreSQL connection loss ------------------------------------------------ */

static void kill_backend(struct sh_conn *victim)
{
	char *error = NULL;
	struct sh_conn *killer = sh_db_connect(db, &error);
	struct sh_stmt *stmt;
	int64_t pid;

	ck_assert_ptr_nonnull(killer);
	stmt = sh_stmt_prepare(victim, "SELECT pg_backend_pid()");
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ROW);
	pid = sh_stmt_col_int64(stmt, 0);
	sh_stmt_free(&stmt);

	/* The timeout makes it wait until the backend is really gone. */
	stmt = sh_stmt_prepare(killer, "SELECT pg_terminate_backend($1, 5000)");
	sh_stmt_bind_int64(stmt, 1, pid);
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ROW);
	ck_assert(sh_stmt_col_bool(stmt, 0));
	sh_stmt_free(&stmt);
	sh_conn_close(&killer);
}

START_TEST(test_pg_reconnect)
{
	struct sh_stmt *stmt;
	uint64_t errors;

	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM users"), 0); /* prepared once */
	stmt = sh_stmt_prepare(conn, "SELECT current_setting('application_name'), current_setting('TimeZone')");
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ROW);
	ck_assert_str_eq(sh_stmt_col_text(stmt, 0), "schoolhub");
	ck_assert_str_eq(sh_stmt_col_text(stmt, 1), "UTC");
	sh_stmt_free(&stmt);
	kill_backend(conn);
	errors = sh_db_error_count(db);
	stmt = sh_stmt_prepare(conn, "SELECT COUNT(*) FROM users");
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_DOWN);
	sh_stmt_free(&stmt);
	ck_assert_uint_gt(sh_db_error_count(db), errors);
	ck_assert_int_eq(sh_conn_ping(conn), SH_DB_DOWN);

	/* Same connection object, new session: the statement cache starts over. */
	ck_assert_ptr_eq(sh_db_thread_conn(db), conn);
	ck_assert_int_eq(sh_conn_ping(conn), SH_DB_OK);
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM users"), 0);

	/* Lost in the middle of a transaction. */
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_WRITE), SH_DB_OK);
	ck_assert_int_eq(insert_user(conn, 1, "a@example.org", "fr"), SH_DB_OK);
	kill_backend(conn);
	ck_assert_int_eq(insert_user(conn, 2, "b@example.org", "fr"), SH_DB_DOWN);
	ck_assert_int_eq(sh_conn_commit(conn), SH_DB_DOWN);
	ck_assert(!sh_conn_in_tx(conn));
	ck_assert_ptr_eq(sh_db_thread_conn(db), conn);
	ck_assert_int_eq(sh_conn_begin(conn, SH_TX_WRITE), SH_DB_OK);
	ck_assert_int_eq(insert_user(conn, 2, "b@example.org", "fr"), SH_DB_OK);
	ck_assert_int_eq(sh_conn_commit(conn), SH_DB_OK);
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM users"), 1);

	/* Ended while idle (a PostgreSQL restart between two requests): the next request's
	 * sh_db_thread_conn notices and reconnects, so its first query does not fail. */
	kill_backend(conn);
	ck_assert_ptr_eq(sh_db_thread_conn(db), conn);
	ck_assert_int_eq(count(conn, "SELECT COUNT(*) FROM users"), 1);
	/* A healthy idle connection is kept: same session, no reconnect. */
	stmt = sh_stmt_prepare(conn, "SELECT pg_backend_pid()");
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ROW);
	int64_t pid = sh_stmt_col_int64(stmt, 0);
	sh_stmt_free(&stmt);
	ck_assert_ptr_eq(sh_db_thread_conn(db), conn);
	stmt = sh_stmt_prepare(conn, "SELECT pg_backend_pid()");
	ck_assert_int_eq(sh_stmt_step(stmt), SH_DB_ROW);
	ck_assert_int_eq(sh_stmt_col_int64(stmt, 0), pid);
	sh_stmt_free(&stmt);
}
END_TEST

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgres") != 0)) {
		fprintf(stderr, "usage: %s sqlite|postgres\n", argv[0]);
		return 1;
	}
	backend = argv[1];
	/* The tests provoke errors on purpose; SH_TEST_LOG=1 shows the log lines. */
	sh_log_set_level(getenv("SH_TEST_LOG") != NULL ? SH_LOG_DEBUG : SH_LOG_ERROR);

	Suite *suite = suite_create("store");
	TCase *tc = tcase_create(backend);
	tcase_add_checked_fixture(tc, setup, teardown);
	/* Fresh PostgreSQL databases and valgrind make tests slower than Check's 4 s. */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_open_close);
	tcase_add_test(tc, test_migrate_again);
	tcase_add_test(tc, test_insert_select);
	tcase_add_test(tc, test_int64_and_reuse);
	tcase_add_test(tc, test_misuse);
	tcase_add_test(tc, test_unique);
	tcase_add_test(tc, test_foreign);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_storage_refuses_writes);
	tcase_add_test(tc, test_rollback);
	tcase_add_test(tc, test_commit);
	tcase_add_test(tc, test_failed_transaction);
	tcase_add_test(tc, test_changes);
	tcase_add_test(tc, test_query_exec);
	tcase_add_test(tc, test_query_row);
	tcase_add_test(tc, test_read_snapshot);
	tcase_add_test(tc, test_col_time);
	tcase_add_test(tc, test_concurrent_writers);
	tcase_add_test(tc, test_group_commit);
	if (strcmp(backend, "postgres") == 0)
		tcase_add_test(tc, test_pg_reconnect);
	else {
		tcase_add_test(tc, test_sqlite_background_checkpoint);
		tcase_add_test(tc, test_sqlite_checkpoint_wakes_on_growth);
		tcase_add_test(tc, test_sqlite_log_sync_failure);
		tcase_add_test(tc, test_sqlite_symlinked_database_syncs_its_wal);
		tcase_add_test(tc, test_sqlite_durable_commits);
	}
	suite_add_tcase(suite, tc);

	TCase *bare = tcase_create("no fixture");
	tcase_set_timeout(bare, 120);
	tcase_add_test(bare, test_bad_urls);
	tcase_add_test(bare, test_migrate_concurrent);
	if (strcmp(backend, "sqlite") == 0)
		tcase_add_test(bare, test_sqlite_creates_directory);
	suite_add_tcase(suite, bare);

	SRunner *runner = srunner_create(suite);
	srunner_run_all(runner, CK_NORMAL);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? 0 : 1;
}
