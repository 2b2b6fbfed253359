/*
 * Transactions of the storage API: commit and rollback, a failed transaction, group commit,
 * concurrent writers, and (PostgreSQL) a connection lost and found again. Usage
 * "test_store_tx sqlite|postgres"; the fixture is in store_fixture.h.
 */
/* SH_TEST_BOTH_BACKENDS */
#include <pthread.h>
#include <stdatomic.h>

#include "store_fixture.h"

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

static void add_tests(TCase *tc)
{
	tcase_add_test(tc, test_rollback);
	tcase_add_test(tc, test_commit);
	tcase_add_test(tc, test_failed_transaction);
	tcase_add_test(tc, test_concurrent_writers);
	tcase_add_test(tc, test_group_commit);
	if (is_pg())
		tcase_add_test(tc, test_pg_reconnect);
}

int main(int argc, char **argv)
{
	return store_test_main(argc, argv, "store_tx", add_tests, NULL);
}
