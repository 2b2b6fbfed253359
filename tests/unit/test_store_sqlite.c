/*
 * SQLite's own machinery under the storage API: the background checkpointer, log syncs
 * (and what happens when one fails), a symlinked database, durable commits. Usage
 * "test_store_sqlite sqlite" (SQLite only); the fixture is in store_fixture.h.
 */
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/sqlite_checkpointer.h"
#include "store_fixture.h"

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

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, test_sqlite_background_checkpoint);
	tcase_add_test(tc, test_sqlite_checkpoint_wakes_on_growth);
	tcase_add_test(tc, test_sqlite_log_sync_failure);
	tcase_add_test(tc, test_sqlite_symlinked_database_syncs_its_wal);
	tcase_add_test(tc, test_sqlite_durable_commits);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "sqlite") != 0) {
		fprintf(stderr, "%s: SQLite only\n", argv[0]);
		return 1;
	}
	return store_test_main(argc, argv, "store_sqlite", add_tests, NULL);
}
