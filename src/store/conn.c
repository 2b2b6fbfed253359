/*
 * Connections: one per worker thread (created on first use, re-established after the
 * server went away), or owned by a caller (CLI, tests); how a failure is recorded.
 */
#include "store/store-private.h"

#include "schoolhub/log.h"
#include "schoolhub/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sh_conn *sh_conn_new(struct sh_db *db, char **error_r)
{
	struct sh_conn *conn = sh_calloc(1, db->driver->conn_size);

	conn->db = db;
	if (db->driver->connect(conn, error_r) < 0) {
		atomic_fetch_add(&db->errors, 1);
		free(conn);
		return NULL;
	}
	pthread_mutex_lock(&db->lock);
	conn->next = db->conns;
	if (db->conns != NULL)
		db->conns->prev = conn;
	db->conns = conn;
	pthread_mutex_unlock(&db->lock);
	return conn;
}

static void conn_destroy(struct sh_conn *conn)
{
	struct sh_db *db = conn->db;

	pthread_mutex_lock(&db->lock);
	if (conn->prev != NULL)
		conn->prev->next = conn->next;
	else
		db->conns = conn->next;
	if (conn->next != NULL)
		conn->next->prev = conn->prev;
	pthread_mutex_unlock(&db->lock);
	sh_conn_guard_end(conn); /* a guard left pending holds a statement */
	db->driver->disconnect(conn);
	free(conn);
}

void sh_conn_thread_exit(void *value)
{
	conn_destroy(value);
}

struct sh_conn *sh_db_thread_conn(struct sh_db *db)
{
	struct sh_conn *conn = pthread_getspecific(db->key);

	if (conn != NULL) {
		if (!conn->down && db->driver->is_lost != NULL && db->driver->is_lost(conn))
			conn->down = true;
		if (!conn->down)
			return conn;
		/* The driver records (counts, logs) a failed attempt itself. */
		if (db->driver->reconnect == NULL || db->driver->reconnect(conn) < 0)
			return NULL;
		sh_log_info("database: %s connection re-established", db->driver->name);
		conn->down = false;
		conn->in_tx = false;
		conn->tx_failed = false;
		return conn;
	}

	char *error = NULL;
	conn = sh_conn_new(db, &error);
	if (conn == NULL) {
		sh_log_warn("database: %s", error);
		sh_free(&error);
		return NULL;
	}
	int err = pthread_setspecific(db->key, conn);
	if (err != 0) {
		sh_log_error("database: pthread_setspecific: %s", strerror(err));
		conn_destroy(conn);
		return NULL;
	}
	conn->thread_owned = true;
	return conn;
}

struct sh_conn *sh_db_connect(struct sh_db *db, char **error_r)
{
	char *error = NULL;
	struct sh_conn *conn = sh_conn_new(db, &error);

	if (conn != NULL)
		return conn;
	if (error_r != NULL)
		*error_r = error;
	else
		sh_free(&error);
	return NULL;
}

void sh_conn_close(struct sh_conn **conn_r)
{
	struct sh_conn *conn = *conn_r;

	if (conn == NULL)
		return;
	*conn_r = NULL;
	if (conn->thread_owned) {
		/* Another thread may be using it: only its own thread may drop it. */
		if (pthread_getspecific(conn->db->key) != conn) {
			sh_log_error("database: sh_conn_close on another thread's connection ignored");
			return;
		}
		pthread_setspecific(conn->db->key, NULL);
	}
	conn_destroy(conn);
}

struct sh_db *sh_conn_db(struct sh_conn *conn)
{
	return conn->db;
}

const char *sh_conn_last_error(struct sh_conn *conn)
{
	return conn->last_error;
}

const char *sh_conn_last_code(struct sh_conn *conn)
{
	return conn->last_code[0] ? conn->last_code : "-";
}

enum sh_db_rc sh_db_fail(struct sh_conn *conn, enum sh_db_rc rc, const char *code,
			 const char *sql, const char *msg)
{
	struct sh_db *db = conn->db;

	snprintf(conn->last_error, sizeof(conn->last_error), "%s", msg != NULL ? msg : "unknown error");
	snprintf(conn->last_code, sizeof(conn->last_code), "%s", code != NULL ? code : "-");
	/* Drop the trailing newline libpq leaves on its messages. */
	size_t len = strlen(conn->last_error);
	while (len > 0 && (conn->last_error[len - 1] == '\n' || conn->last_error[len - 1] == '\r'))
		conn->last_error[--len] = '\0';

	enum sh_log_level level;
	switch (rc) {
	case SH_DB_UNIQUE:
	case SH_DB_FOREIGN:
	case SH_DB_CHECK:
		/* A business outcome the caller maps to 409/422, not a fault. */
		level = SH_LOG_DEBUG;
		break;
	case SH_DB_RETRY:
		/* Expected under contention and retried by the caller: counted, kept quiet. */
		atomic_fetch_add(&db->errors, 1);
		level = SH_LOG_DEBUG;
		break;
	case SH_DB_STORAGE:
		/* Disk full or read-only: nothing will be saved until an operator acts. */
		atomic_fetch_add(&db->errors, 1);
		level = SH_LOG_ERROR;
		break;
	default:
		atomic_fetch_add(&db->errors, 1);
		level = SH_LOG_WARN;
		break;
	}
	if (sql != NULL)
		sh_log(level, "database: %s error %s: %s (sql: %.200s)", db->driver->name,
		       code != NULL ? code : "-", conn->last_error, sql);
	else
		sh_log(level, "database: %s error %s: %s", db->driver->name,
		       code != NULL ? code : "-", conn->last_error);
	if (rc == SH_DB_DOWN)
		conn->down = true;
	return rc;
}

enum sh_db_rc sh_db_usage_error(struct sh_conn *conn, const char *sql, const char *msg)
{
	return sh_db_fail(conn, SH_DB_ERROR, "usage", sql, msg);
}

enum sh_db_rc sh_conn_ping(struct sh_conn *conn)
{
	if (conn->down)
		return SH_DB_DOWN;
	/* Writes are refused until a restart (sh_db_sync_committed): not ready, so a
	 * supervisor or load balancer notices. */
	if (atomic_load(&conn->db->log_sync_failed))
		return SH_DB_STORAGE;
	return conn->db->driver->ping(conn);
}
