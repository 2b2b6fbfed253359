/*
 * The store's limits under load: usage "test_store_limits sqlite|postgres".
 * SQLite: the write-ahead log stays bounded while readers never all leave.
 * PostgreSQL: statement_timeout and lock_timeout end a stuck statement with SH_DB_TIMEOUT.
 */
/* SH_TEST_BOTH_BACKENDS */
#include "schoolhub/log.h"
#include "schoolhub/store.h"
#include "store/sqlite_checkpointer.h"
#include "store/store-private.h"
#include "test_db.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *backend;
static struct sh_db *db;
static struct sh_conn *conn;

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void exec_ok(struct sh_conn *c, const char *sql)
{
	ck_assert_msg(sh_conn_exec_script(c, sql) == SH_DB_OK, "%s: %s", sql, sh_conn_last_error(c));
}

/* Opens a fresh database; "timeouts": statement 1000 ms and lock 200 ms (PostgreSQL). */
static void open_db(bool timeouts, unsigned statement_ms, unsigned lock_ms)
{
	char *error = NULL;
	ck_assert_int_eq(sh_db_open(th_backend_url(backend), &db, &error), 0);
	if (timeouts)
		sh_db_set_pg_timeouts(db, statement_ms, lock_ms);
	conn = sh_db_thread_conn(db);
	ck_assert_ptr_nonnull(conn);
}

static void teardown(void)
{
	sh_db_close(&db);
	conn = NULL;
}

/* ---- SQLite: the WAL stays bounded ------------------------------------------------ */

#define WAL_ROWS 64
#define WAL_TRANSACTIONS 150 /* per writer */
#define WAL_WRITERS 4
#define WAL_READERS 3
/* journal_size_limit: the WAL file is cut back to this when it restarts. */
#define WAL_LIMIT_BYTES (64L * 1024 * 1024)

struct wal_readers {
	atomic_bool stop;
	atomic_long reads;
	char failure[256];
};

/* Short read transactions, back to back and overlapping those of the other readers, like
 * a loaded server's requests: at no moment have all readers left the WAL. */
static void *wal_reader(void *arg)
{
	struct wal_readers *r = arg;
	struct sh_conn *c = sh_db_thread_conn(db);
	if (c == NULL) {
		snprintf(r->failure, sizeof(r->failure), "no connection");
		return NULL;
	}
	while (!atomic_load(&r->stop)) {
		struct sh_stmt *st = NULL;
		enum sh_db_rc rc = sh_conn_begin(c, SH_TX_READ);
		if (rc == SH_DB_OK) {
			st = sh_stmt_prepare(c, "SELECT COUNT(*) FROM wal_test WHERE length(pad) > 0");
			rc = sh_stmt_step(st);
			sh_stmt_free(&st);
		}
		usleep(300); /* a request formatting its answer, snapshot still open */
		if (rc == SH_DB_ROW)
			rc = sh_conn_commit(c);
		else
			sh_conn_rollback(c);
		if (rc != SH_DB_OK) {
			snprintf(r->failure, sizeof(r->failure), "read: rc %d: %s", rc,
				 sh_conn_last_error(c));
			return NULL;
		}
		atomic_fetch_add(&r->reads, 1);
	}
	return NULL;
}

static enum sh_db_rc wal_update_fn(struct sh_conn *c, void *ctx, bool *rollback_r);

struct wal_writer {
	int id;
	char failure[256];
};

/* Writers back to back, as under load: the next transaction begins as one commits. */
static void *wal_writer(void *arg)
{
	struct wal_writer *w = arg;
	struct sh_conn *c = sh_db_thread_conn(db);
	if (c == NULL) {
		snprintf(w->failure, sizeof(w->failure), "no connection");
		return NULL;
	}
	for (int i = 1; i <= WAL_TRANSACTIONS; i++) {
		int gen = w->id * 100000 + i;
		enum sh_db_rc rc = sh_conn_transaction(c, SH_TX_WRITE, wal_update_fn, &gen);
		if (rc != SH_DB_OK) {
			snprintf(w->failure, sizeof(w->failure), "update %d: rc %d: %s", gen, rc,
				 sh_conn_last_error(c));
			return NULL;
		}
	}
	return NULL;
}

static enum sh_db_rc wal_update_fn(struct sh_conn *c, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct sh_stmt *st = sh_stmt_prepare(c, "UPDATE wal_test SET gen = $1");
	sh_stmt_bind_int64(st, 1, *(const int *)ctx);
	return sh_stmt_exec_free(&st, NULL);
}

/*
 * 4 x 150 write transactions of ~64 pages each (~150 MB of log) through the group
 * commit, back to back, while three readers keep read transactions open at every moment. Before the
 * checkpointer restarted the log, SQLite never started it again at its beginning and the
 * file grew with every commit (150 MB here; 22 GB in a 10-minute soak).
 */
START_TEST(test_sqlite_wal_bounded_under_readers)
{
	open_db(false, 0, 0);
	exec_ok(conn, "CREATE TABLE wal_test (n INTEGER PRIMARY KEY, gen INTEGER NOT NULL, "
		      "pad TEXT NOT NULL)");
	exec_ok(conn, "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 64) "
		      "INSERT INTO wal_test (n, gen, pad) SELECT n, 0, printf('%.3000c', 'x') FROM k");
	struct wal_readers r = {.failure = ""};
	atomic_init(&r.stop, false);
	atomic_init(&r.reads, 0);
	pthread_t readers[WAL_READERS];
	for (int i = 0; i < WAL_READERS; i++)
		ck_assert_int_eq(pthread_create(&readers[i], NULL, wal_reader, &r), 0);

	struct wal_writer writers[WAL_WRITERS];
	pthread_t writer_threads[WAL_WRITERS];
	for (int i = 0; i < WAL_WRITERS; i++) {
		writers[i] = (struct wal_writer){.id = i + 1};
		ck_assert_int_eq(pthread_create(&writer_threads[i], NULL, wal_writer, &writers[i]), 0);
	}
	char wal[512];
	snprintf(wal, sizeof(wal), "%s-wal", db->target);
	off_t largest = 0;
	bool joined[WAL_WRITERS] = {false};
	for (int running = WAL_WRITERS; running > 0;) {
		struct stat sb;
		if (stat(wal, &sb) == 0 && sb.st_size > largest)
			largest = sb.st_size;
		usleep(2000);
		running = 0;
		for (int i = 0; i < WAL_WRITERS; i++) {
			if (!joined[i])
				joined[i] = pthread_tryjoin_np(writer_threads[i], NULL) != EBUSY;
			running += !joined[i];
		}
	}
	atomic_store(&r.stop, true);
	for (int i = 0; i < WAL_READERS; i++)
		pthread_join(readers[i], NULL);
	ck_assert_msg(r.failure[0] == '\0', "%s", r.failure);
	for (int i = 0; i < WAL_WRITERS; i++)
		ck_assert_msg(writers[i].failure[0] == '\0', "%s", writers[i].failure);
	ck_assert_int_gt(atomic_load(&r.reads), WAL_READERS);
	if (getenv("SH_TEST_LOG") != NULL)
		printf("largest WAL: %lld bytes, %llu restarts by the checkpointer\n",
		       (long long)largest,
		       (unsigned long long)sh_sqlite_checkpointer_restarts(db->driver_state));
	/* Not the number of restarts: when the writes are slow (ASan, valgrind) a passive
	 * copy may catch up between two transactions, and SQLite restarts the log itself. */
	ck_assert_msg(largest < WAL_LIMIT_BYTES, "the WAL reached %lld bytes", (long long)largest);
}
END_TEST

/* ---- PostgreSQL: statement and lock timeouts --------------------------------------- */

static enum sh_db_rc big_update_fn(struct sh_conn *c, void *ctx, bool *rollback_r)
{
	(void)ctx;
	(void)rollback_r;
	return sh_exec(c, "UPDATE big_rows SET gen = gen + 1", SH_ARGS(), NULL);
}

/*
 * One statement of a write transaction changing ~12 MB: its savepoint's sub-journal
 * outgrows the in-memory spill size and goes to a temporary file. On SQLite 3.40
 * (Debian 12) that spill failed with SQLITE_FULL ("database or disk is full", -7 here)
 * when the spill size was above ~132 KiB, as the 8 MiB the store used to set.
 */
START_TEST(test_sqlite_subjournal_spill_succeeds)
{
	open_db(false, 0, 0);
	exec_ok(conn, "CREATE TABLE big_rows (n INTEGER PRIMARY KEY, gen INTEGER NOT NULL, "
		      "pad TEXT NOT NULL)");
	exec_ok(conn, "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 4000) "
		      "INSERT INTO big_rows (n, gen, pad) SELECT n, 0, printf('%.3000c', 'x') FROM k");
	for (int round = 1; round <= 2; round++) {
		enum sh_db_rc rc = sh_conn_transaction(conn, SH_TX_WRITE, big_update_fn, NULL);
		ck_assert_msg(rc == SH_DB_OK, "round %d: rc %d: %s", round, rc,
			      sh_conn_last_error(conn));
	}
	int64_t changed = -1;
	ck_assert_int_eq(sh_query_int64(conn, "SELECT COUNT(*) FROM big_rows WHERE gen = 2",
					SH_ARGS(), &changed),
			 SH_DB_ROW);
	ck_assert_int_eq(changed, 4000);
}
END_TEST

static void make_counter_table(void)
{
	exec_ok(conn, "CREATE TABLE lock_test (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
	exec_ok(conn, "INSERT INTO lock_test (id, n) VALUES (1, 0)");
}

static enum sh_db_rc bump_fn(struct sh_conn *c, void *ctx, bool *rollback_r)
{
	(void)ctx;
	(void)rollback_r;
	struct sh_stmt *st = sh_stmt_prepare(c, "UPDATE lock_test SET n = n + 10 WHERE id = 1");
	return sh_stmt_exec_free(&st, NULL);
}

static const char *show(struct sh_conn *c, const char *setting, char buf[32])
{
	char sql[64];
	snprintf(sql, sizeof(sql), "SHOW %s", setting);
	struct sh_stmt *st = sh_stmt_prepare(c, sql);
	ck_assert_int_eq(sh_stmt_step(st), SH_DB_ROW);
	snprintf(buf, 32, "%s", sh_stmt_col_text(st, 0));
	sh_stmt_free(&st);
	return buf;
}

/* One session holds a row lock; another's UPDATE of that row gives up after lock_timeout
 * with SH_DB_TIMEOUT, alone or in a transaction (which is not retried). */
START_TEST(test_pg_lock_timeout)
{
	open_db(true, 1000, 200);
	make_counter_table();
	char *error = NULL;
	struct sh_conn *holder = sh_db_connect(db, &error);
	ck_assert_ptr_nonnull(holder);
	ck_assert_int_eq(sh_conn_begin(holder, SH_TX_WRITE), SH_DB_OK);
	exec_ok(holder, "UPDATE lock_test SET n = n + 1 WHERE id = 1");

	double t0 = now_ms();
	struct sh_stmt *st = sh_stmt_prepare(conn, "UPDATE lock_test SET n = n + 10 WHERE id = 1");
	ck_assert_int_eq(sh_stmt_exec_free(&st, NULL), SH_DB_TIMEOUT);
	double waited = now_ms() - t0;
	ck_assert_msg(waited >= 150 && waited < 900, "gave up after %.0f ms", waited);

	t0 = now_ms();
	ck_assert_int_eq(sh_conn_transaction(conn, SH_TX_WRITE, bump_fn, NULL), SH_DB_TIMEOUT);
	waited = now_ms() - t0;
	ck_assert_msg(waited < 900, "the transaction gave up after %.0f ms (retried?)", waited);
	ck_assert(!sh_conn_in_tx(conn));

	ck_assert_int_eq(sh_conn_commit(holder), SH_DB_OK);
	sh_conn_close(&holder);
	/* The lock is gone: the same update passes, and only the holder's had landed. */
	ck_assert_int_eq(sh_conn_transaction(conn, SH_TX_WRITE, bump_fn, NULL), SH_DB_OK);
	st = sh_stmt_prepare(conn, "SELECT n FROM lock_test WHERE id = 1");
	ck_assert_int_eq(sh_stmt_step(st), SH_DB_ROW);
	ck_assert_int_eq(sh_stmt_col_int64(st, 0), 11);
	sh_stmt_free(&st);
}
END_TEST

/* A statement running past statement_timeout is cancelled with SH_DB_TIMEOUT; the session
 * stays usable. */
START_TEST(test_pg_statement_timeout)
{
	open_db(true, 300, 200);
	char buf[32];
	ck_assert_str_eq(show(conn, "statement_timeout", buf), "300ms");
	ck_assert_str_eq(show(conn, "lock_timeout", buf), "200ms");
	double t0 = now_ms();
	struct sh_stmt *st = sh_stmt_prepare(conn, "SELECT pg_sleep(5)");
	ck_assert_int_eq(sh_stmt_step(st), SH_DB_TIMEOUT);
	sh_stmt_free(&st);
	double waited = now_ms() - t0;
	ck_assert_msg(waited >= 250 && waited < 2000, "cancelled after %.0f ms", waited);
	ck_assert_int_eq(sh_conn_ping(conn), SH_DB_OK);
}
END_TEST

/* 0 turns a limit off; without sh_db_set_pg_timeouts the server's settings stay. */
START_TEST(test_pg_timeouts_off)
{
	open_db(true, 0, 0);
	char buf[32];
	ck_assert_str_eq(show(conn, "statement_timeout", buf), "0");
	ck_assert_str_eq(show(conn, "lock_timeout", buf), "0");
	struct sh_stmt *st = sh_stmt_prepare(conn, "SELECT pg_sleep(0.4)");
	ck_assert_int_eq(sh_stmt_step(st), SH_DB_ROW);
	sh_stmt_free(&st);
}
END_TEST

/* A database whose default time zone is not UTC (a half-hour offset, where truncating to
 * the hour differs): every session still runs in UTC (setup_session), so the analytics'
 * date_trunc('hour', timestamptz) is the UTC hour (analytics_queries.c, PG_HOUR). */
START_TEST(test_pg_session_is_utc_whatever_the_database_default)
{
	open_db(false, 0, 0);
	exec_ok(conn, "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone = %L',"
		      " current_database(), 'Asia/Kolkata'); END $$");
	char *error = NULL;
	struct sh_conn *fresh = sh_db_connect(db, &error);
	ck_assert_msg(fresh != NULL, "%s", error ? error : "");
	char buf[32];
	ck_assert_str_eq(show(fresh, "TimeZone", buf), "UTC");
	struct sh_stmt *st = sh_stmt_prepare(
		fresh, "SELECT to_char(date_trunc('hour', TIMESTAMPTZ '2025-03-31T22:10:00Z')"
		       " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')");
	ck_assert_int_eq(sh_stmt_step(st), SH_DB_ROW);
	ck_assert_str_eq(sh_stmt_col_text(st, 0), "2025-03-31 22:00");
	sh_stmt_free(&st);
	sh_conn_close(&fresh);
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

	Suite *suite = suite_create("store_limits");
	TCase *tc = tcase_create(backend);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 300); /* valgrind */
	if (strcmp(backend, "postgres") == 0) {
		tcase_add_test(tc, test_pg_lock_timeout);
		tcase_add_test(tc, test_pg_statement_timeout);
		tcase_add_test(tc, test_pg_timeouts_off);
		tcase_add_test(tc, test_pg_session_is_utc_whatever_the_database_default);
	} else {
		tcase_add_test(tc, test_sqlite_wal_bounded_under_readers);
		tcase_add_test(tc, test_sqlite_subjournal_spill_succeeds);
	}
	suite_add_tcase(suite, tc);

	SRunner *runner = srunner_create(suite);
	srunner_run_all(runner, CK_NORMAL);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? 0 : 1;
}
