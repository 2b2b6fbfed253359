/*
 * Statements: prepare, typed binds (copied here, applied by the driver on the first
 * step), step and completion. The column accessors are in columns.c; the one-call query
 * helpers over these in query.c.
 */
#include "store/store-private.h"

#include "schoolhub/mem.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct sh_stmt *sh_stmt_prepare(struct sh_conn *conn, const char *sql)
{
	struct sh_stmt *stmt = sh_calloc(1, conn->db->driver->stmt_size);

	stmt->conn = conn;
	stmt->sql = sql;
	stmt->state = SH_STMT_NEW;
	return stmt;
}

static void binds_clear(struct sh_stmt *stmt)
{
	for (int i = 0; i < stmt->nbinds; i++) {
		sh_free(&stmt->binds[i].text);
		stmt->binds[i].type = SH_BIND_NONE;
	}
	stmt->nbinds = 0;
}

/*
 * A statement that writes outside a transaction (a login failure, a revoked refresh token)
 * on a single_writer database: it must queue on write_lock like the transactions, or it
 * would wait in SQLite's busy handler while commit groups hold the database's write lock.
 */
static bool is_autocommit_write(const struct sh_stmt *stmt)
{
	const struct sh_conn *conn = stmt->conn;
	if (conn->in_tx || conn->is_writer || !conn->db->driver->single_writer)
		return false;
	const char *p = stmt->sql;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '(')
		p++;
	static const char *const verbs[] = {"INSERT", "UPDATE", "DELETE", "REPLACE"};
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strncasecmp(p, verbs[i], strlen(verbs[i])) == 0)
			return true;
	return false;
}

static void stmt_release_write_lock(struct sh_stmt *stmt)
{
	if (stmt->holds_write_lock) {
		stmt->holds_write_lock = false;
		pthread_mutex_unlock(&stmt->conn->db->write_lock);
	}
}

void sh_stmt_free(struct sh_stmt **stmt_r)
{
	struct sh_stmt *stmt = *stmt_r;

	if (stmt == NULL)
		return;
	*stmt_r = NULL;
	stmt_release_write_lock(stmt);
	/* The driver goes first: SQLite may still point at the bound text. */
	stmt->conn->db->driver->stmt_free(stmt);
	binds_clear(stmt);
	sh_free(&stmt->binds);
	sh_free(&stmt->times);
	free(stmt);
}

void sh_stmt_reset(struct sh_stmt *stmt)
{
	stmt->conn->db->driver->stmt_reset(stmt);
	stmt_release_write_lock(stmt);
	binds_clear(stmt);
	stmt->state = SH_STMT_NEW;
	stmt->has_row = false;
	stmt->changes = 0;
}

/* Returns the slot for "index", or NULL (after recording why) if it cannot be bound. */
static struct sh_bind *bind_slot(struct sh_stmt *stmt, int index)
{
	if (stmt->state != SH_STMT_NEW) {
		sh_db_usage_error(stmt->conn, stmt->sql, "bind after step without sh_stmt_reset");
		stmt->state = SH_STMT_DONE;
		stmt->done_rc = SH_DB_ERROR;
		return NULL;
	}
	if (index < 1 || index > SH_DB_MAX_PARAMS) {
		sh_db_usage_error(stmt->conn, stmt->sql, "bind index out of range");
		stmt->state = SH_STMT_DONE;
		stmt->done_rc = SH_DB_ERROR;
		return NULL;
	}
	if (index > stmt->binds_cap) {
		int cap = stmt->binds_cap ? stmt->binds_cap : 8;
		while (cap < index)
			cap *= 2;
		stmt->binds = sh_realloc(stmt->binds, (size_t)cap * sizeof(*stmt->binds));
		memset(stmt->binds + stmt->binds_cap, 0,
		       (size_t)(cap - stmt->binds_cap) * sizeof(*stmt->binds));
		stmt->binds_cap = cap;
	}
	if (index > stmt->nbinds)
		stmt->nbinds = index;
	struct sh_bind *bind = &stmt->binds[index - 1];
	sh_free(&bind->text);
	return bind;
}

void sh_stmt_bind_text(struct sh_stmt *stmt, int index, const char *value)
{
	struct sh_bind *bind = bind_slot(stmt, index);

	if (bind == NULL)
		return;
	if (value == NULL) {
		bind->type = SH_BIND_NULL;
		return;
	}
	bind->type = SH_BIND_TEXT;
	bind->text = sh_strdup(value);
}

void sh_stmt_bind_int64(struct sh_stmt *stmt, int index, int64_t value)
{
	struct sh_bind *bind = bind_slot(stmt, index);

	if (bind == NULL)
		return;
	bind->type = SH_BIND_INT64;
	bind->i = value;
}

void sh_stmt_bind_bool(struct sh_stmt *stmt, int index, bool value)
{
	struct sh_bind *bind = bind_slot(stmt, index);

	if (bind == NULL)
		return;
	bind->type = SH_BIND_BOOL;
	bind->i = value ? 1 : 0;
}

void sh_stmt_bind_null(struct sh_stmt *stmt, int index)
{
	struct sh_bind *bind = bind_slot(stmt, index);

	if (bind != NULL)
		bind->type = SH_BIND_NULL;
}

enum sh_db_rc sh_stmt_step(struct sh_stmt *stmt)
{
	struct sh_conn *conn = stmt->conn;

	if (stmt->state == SH_STMT_DONE)
		return stmt->done_rc;
	if (stmt->state == SH_STMT_NEW) {
		enum sh_db_rc rc = sh_conn_check_usable(conn, stmt->sql);
		for (int i = 0; rc == SH_DB_OK && i < stmt->nbinds; i++) {
			if (stmt->binds[i].type == SH_BIND_NONE) {
				char msg[64];
				snprintf(msg, sizeof(msg), "parameter $%d is not bound", i + 1);
				rc = sh_db_usage_error(conn, stmt->sql, msg);
			}
		}
		if (rc == SH_DB_OK)
			rc = sh_conn_guard_pass_with(conn, stmt);
		if (rc != SH_DB_OK) {
			stmt->state = SH_STMT_DONE;
			stmt->done_rc = sh_conn_note_result(conn, rc);
			return rc;
		}
		if (is_autocommit_write(stmt) && atomic_load(&conn->db->log_sync_failed)) {
			stmt->state = SH_STMT_DONE;
			stmt->done_rc = SH_DB_STORAGE; /* see sh_db_sync_committed */
			return SH_DB_STORAGE;
		}
		if (is_autocommit_write(stmt)) {
			struct sh_db *db = conn->db;
			atomic_fetch_add(&db->writers_waiting, 1);
			pthread_mutex_lock(&db->write_lock);
			atomic_fetch_sub(&db->writers_waiting, 1);
			stmt->holds_write_lock = true;
			sh_db_group_end_locked(db, true); /* an open group holds SQLite's lock */
		}
	}

	enum sh_db_rc rc = sh_conn_note_result(conn, conn->db->driver->stmt_step(stmt));
	stmt->has_row = rc == SH_DB_ROW;
	if (rc == SH_DB_ROW) {
		stmt->state = SH_STMT_RUNNING;
	} else {
		stmt->state = SH_STMT_DONE;
		stmt->done_rc = rc;
		stmt_release_write_lock(stmt);
	}
	return rc;
}

enum sh_db_rc sh_stmt_exec(struct sh_stmt *stmt)
{
	enum sh_db_rc rc;

	/* Drain rows (INSERT ... RETURNING run with exec) so the statement completes. */
	do
		rc = sh_stmt_step(stmt);
	while (rc == SH_DB_ROW);
	return rc;
}

int64_t sh_stmt_changes(struct sh_stmt *stmt)
{
	return stmt->changes;
}

enum sh_db_rc sh_stmt_exec_free(struct sh_stmt **stmt_r, int64_t *changed_r)
{
	enum sh_db_rc rc = sh_stmt_exec(*stmt_r);
	if (changed_r != NULL)
		*changed_r = rc == SH_DB_OK ? sh_stmt_changes(*stmt_r) : 0;
	sh_stmt_free(stmt_r);
	return rc;
}
