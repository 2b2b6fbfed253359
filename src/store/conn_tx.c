/*
 * BEGIN, COMMIT and ROLLBACK on one connection, the failed-transaction rule every
 * backend follows (PostgreSQL's), scripts, and the read snapshot. Transactions with
 * retry and SQLite's group commit are in transaction.c.
 */
#include "store/store-private.h"

#include "schoolhub/log.h"

#include <pthread.h>

static void release_write_lock(struct sh_conn *conn)
{
	if (conn->holds_write_lock) {
		conn->holds_write_lock = false;
		pthread_mutex_unlock(&conn->db->write_lock);
	}
}

enum sh_db_rc sh_conn_begin(struct sh_conn *conn, enum sh_tx_mode mode)
{
	if (conn->in_tx)
		return sh_db_usage_error(conn, NULL, "BEGIN inside an open transaction");
	if (conn->down)
		return SH_DB_DOWN;
	enum sh_db_rc verdict = sh_conn_guard_settle(conn); /* nothing begins before it */
	if (verdict != SH_DB_OK)
		return verdict;
	/* One writer at a time: waiting here costs nothing, whereas SQLite's busy handler
	 * would sleep in growing steps while the lock is free most of the time. */
	if (mode != SH_TX_READ && atomic_load(&conn->db->log_sync_failed))
		return SH_DB_STORAGE; /* see sh_db_sync_committed */
	if (mode != SH_TX_READ && conn->db->driver->single_writer && !conn->is_writer) {
		atomic_fetch_add(&conn->db->writers_waiting, 1);
		pthread_mutex_lock(&conn->db->write_lock);
		atomic_fetch_sub(&conn->db->writers_waiting, 1);
		conn->holds_write_lock = true;
		/* A group left open on the writer holds SQLite's write lock: commit it first. */
		sh_db_group_end_locked(conn->db, true);
	}
	enum sh_db_rc rc = conn->db->driver->exec_script(conn, conn->db->driver->begin_sql[mode]);
	if (rc == SH_DB_OK) {
		conn->in_tx = true;
		conn->tx_failed = false;
	} else {
		release_write_lock(conn);
	}
	return rc;
}

static enum sh_db_rc end_tx(struct sh_conn *conn, const char *sql)
{
	enum sh_db_rc rc = conn->down ? SH_DB_DOWN : conn->db->driver->exec_script(conn, sql);

	conn->in_tx = false;
	conn->tx_failed = false;
	release_write_lock(conn);
	return rc;
}

enum sh_db_rc sh_conn_commit(struct sh_conn *conn)
{
	if (!conn->in_tx)
		return sh_db_usage_error(conn, NULL, "COMMIT without a transaction");
	if (conn->tx_failed) {
		/* PostgreSQL would answer COMMIT with a silent ROLLBACK: say so instead. */
		enum sh_db_rc error = conn->tx_error;
		end_tx(conn, "ROLLBACK");
		return error;
	}
	enum sh_db_rc rc = end_tx(conn, "COMMIT");
	if (rc != SH_DB_OK && rc != SH_DB_DOWN) {
		/* SQLite keeps the transaction open after a failed COMMIT. */
		if (conn->db->driver->exec_script(conn, "ROLLBACK") != SH_DB_OK)
			sh_log_warn("database: ROLLBACK after failed COMMIT failed too");
	}
	return rc;
}

enum sh_db_rc sh_conn_rollback(struct sh_conn *conn)
{
	if (!conn->in_tx)
		return SH_DB_OK;
	return end_tx(conn, "ROLLBACK");
}

bool sh_conn_in_tx(const struct sh_conn *conn)
{
	return conn->in_tx;
}

enum sh_db_rc sh_conn_note_result(struct sh_conn *conn, enum sh_db_rc rc)
{
	if (rc < 0 && conn->in_tx && !conn->tx_failed) {
		conn->tx_failed = true;
		conn->tx_error = rc;
	}
	return rc;
}

enum sh_db_rc sh_conn_check_usable(struct sh_conn *conn, const char *sql)
{
	if (conn->down)
		return SH_DB_DOWN;
	if (conn->tx_failed)
		return sh_db_usage_error(conn, sql, "statement in a failed transaction (roll back first)");
	return SH_DB_OK;
}

enum sh_db_rc sh_conn_exec_script(struct sh_conn *conn, const char *sql)
{
	enum sh_db_rc rc = sh_conn_check_usable(conn, sql);

	if (rc == SH_DB_OK)
		rc = sh_conn_guard_settle(conn);
	if (rc != SH_DB_OK)
		return rc;
	return sh_conn_note_result(conn, conn->db->driver->exec_script(conn, sql));
}

enum sh_db_rc sh_conn_read_snapshot(struct sh_conn *conn, sh_read_fn *fn, void *ctx)
{
	enum sh_db_rc rc = sh_conn_begin(conn, SH_TX_READ);

	if (rc != SH_DB_OK)
		return rc;
	rc = fn(conn, ctx);
	if (rc != SH_DB_OK) {
		sh_conn_rollback(conn);
		return rc;
	}
	return sh_conn_commit(conn);
}
