/*
 * The storage API's common half: URL parsing and driver selection, the
 * per-thread connections, transactions, binds and the column accessors.
 * Everything here dispatches to the driver vtable (store-private.h) and keeps
 * the rules that must not depend on the backend.
 */
#include "store/store-private.h"

#include "schoolhub/log.h"
#include "schoolhub/mem.h"
#include "schoolhub/util.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static char *error_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *error_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return sh_strdup(buf);
}

static void set_error(char **error_r, char *error)
{
	if (error_r != NULL)
		*error_r = error;
	else
		sh_free(&error);
}

/* ---- the database ---------------------------------------------------------- */

static void thread_conn_exit(void *value);

/*
 * Only the scheme is echoed back in errors: the rest of a URL may hold a
 * password.
 */
static int parse_url(const char *url, const struct sh_db_driver **driver_r,
		     char **target_r, char **error_r)
{
	if (url == NULL || *url == '\0') {
		*error_r = sh_strdup("DATABASE_URL: empty (expected sqlite:///path.db or postgresql://...)");
		return -1;
	}
	if (strncmp(url, "sqlite://", 9) == 0) {
		const char *rest = url + 9;
		/* sqlite:///rel.db leaves "/rel.db", sqlite:////abs.db leaves "//abs.db" */
		if (rest[0] != '/' || rest[1] == '\0' || (rest[1] == '/' && rest[2] == '\0')) {
			*error_r = sh_strdup("DATABASE_URL: a SQLite URL is sqlite:///relative/path.db "
					     "or sqlite:////absolute/path.db");
			return -1;
		}
		*driver_r = &sh_db_driver_sqlite;
		*target_r = sh_strdup(rest + 1);
		return 0;
	}
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
		*driver_r = &sh_db_driver_pg;
		*target_r = sh_strdup(url);
		return 0;
	}

	size_t len = 0;
	while (len < 24 && (isalnum((unsigned char)url[len]) || url[len] == '+' ||
			    url[len] == '-' || url[len] == '.'))
		len++;
	if (len > 0 && len < 24 && url[len] == ':')
		*error_r = error_printf("DATABASE_URL: unsupported scheme \"%.*s\" "
					"(expected sqlite://, postgresql:// or postgres://)",
					(int)len, url);
	else
		*error_r = sh_strdup("DATABASE_URL: unsupported scheme "
				     "(expected sqlite://, postgresql:// or postgres://)");
	return -1;
}

int sh_db_open(const char *url, struct sh_db **db_r, char **error_r)
{
	const struct sh_db_driver *driver = NULL;
	char *target = NULL, *error = NULL;

	*db_r = NULL;
	if (parse_url(url, &driver, &target, &error) < 0) {
		set_error(error_r, error);
		return -1;
	}

	struct sh_db *db = sh_calloc(1, sizeof(*db));
	db->driver = driver;
	db->target = target;
	atomic_init(&db->errors, 0);
	atomic_init(&db->writers_waiting, 0);
	atomic_init(&db->group_commits, 0);
	atomic_init(&db->commit_seq, 0);
	atomic_init(&db->log_sync_failed, false);
	atomic_init(&db->log_syncs, 0);
	if (driver->open != NULL && driver->open(db, &error) < 0) {
		set_error(error_r, error);
		sh_free(&db->target);
		sh_free(&db);
		return -1;
	}
	int err = pthread_key_create(&db->key, thread_conn_exit);
	if (err == 0) {
		err = pthread_mutex_init(&db->lock, NULL);
		if (err == 0) {
			err = pthread_mutex_init(&db->write_lock, NULL);
			if (err == 0) {
				err = pthread_mutex_init(&db->group_lock, NULL);
				if (err == 0) {
					err = pthread_cond_init(&db->group_done, NULL);
					if (err == 0) {
						err = pthread_mutex_init(&db->sync_lock, NULL);
						if (err != 0)
							pthread_cond_destroy(&db->group_done);
					}
					if (err != 0)
						pthread_mutex_destroy(&db->group_lock);
				}
				if (err != 0)
					pthread_mutex_destroy(&db->write_lock);
			}
			if (err != 0)
				pthread_mutex_destroy(&db->lock);
		}
		if (err != 0)
			pthread_key_delete(db->key);
	}
	if (err != 0) {
		set_error(error_r, error_printf("database: %s", strerror(err)));
		if (driver->close != NULL)
			driver->close(db);
		sh_free(&db->target);
		sh_free(&db);
		return -1;
	}
	*db_r = db;
	return 0;
}

static void conn_destroy(struct sh_conn *conn);

void sh_db_close(struct sh_db **db_r)
{
	struct sh_db *db = *db_r;

	if (db == NULL)
		return;
	*db_r = NULL;
	/* Forget this thread's value so a later key reusing the slot starts clean. */
	pthread_setspecific(db->key, NULL);
	pthread_key_delete(db->key);

	pthread_mutex_lock(&db->lock);
	while (db->conns != NULL) {
		struct sh_conn *conn = db->conns;
		db->conns = conn->next;
		conn->prev = conn->next = NULL;
		db->driver->disconnect(conn);
		free(conn);
	}
	pthread_mutex_unlock(&db->lock);
	if (db->driver->close != NULL)
		db->driver->close(db);
	pthread_mutex_destroy(&db->lock);
	pthread_mutex_destroy(&db->write_lock);
	pthread_cond_destroy(&db->group_done);
	pthread_mutex_destroy(&db->group_lock);
	pthread_mutex_destroy(&db->sync_lock);
	sh_free(&db->target);
	free(db);
}

void sh_db_set_durable_commits(struct sh_db *db, bool durable)
{
	db->lazy_commits = !durable;
}

enum sh_db_kind sh_db_kind(const struct sh_db *db)
{
	return db->driver->kind;
}

const char *sh_db_kind_name(const struct sh_db *db)
{
	return db->driver->name;
}

int sh_store_global_init(void)
{
	return sh_sqlite_global_init();
}

uint64_t sh_db_error_count(const struct sh_db *db)
{
	return (uint64_t)atomic_load(&db->errors);
}

/* ---- connections ------------------------------------------------------------- */

static struct sh_conn *conn_new(struct sh_db *db, char **error_r)
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
	db->driver->disconnect(conn);
	free(conn);
}

/* A worker thread ended: its connection would otherwise live until sh_db_close. */
static void thread_conn_exit(void *value)
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
	conn = conn_new(db, &error);
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
	struct sh_conn *conn = conn_new(db, &error);

	if (conn == NULL)
		set_error(error_r, error);
	return conn;
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

enum sh_db_rc sh_db_fail(struct sh_conn *conn, enum sh_db_rc rc, const char *code,
			 const char *sql, const char *msg)
{
	struct sh_db *db = conn->db;

	snprintf(conn->last_error, sizeof(conn->last_error), "%s", msg != NULL ? msg : "unknown error");
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

/* A failure the core itself detects (misuse), reported like a driver error. */
static enum sh_db_rc usage_error(struct sh_conn *conn, const char *sql, const char *msg)
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

/* ---- transactions ------------------------------------------------------------ */

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
		return usage_error(conn, NULL, "BEGIN inside an open transaction");
	if (conn->down)
		return SH_DB_DOWN;
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
		return usage_error(conn, NULL, "COMMIT without a transaction");
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

/* Shared by statements and scripts: a failure inside a transaction poisons it. */
static enum sh_db_rc note_result(struct sh_conn *conn, enum sh_db_rc rc)
{
	if (rc < 0 && conn->in_tx && !conn->tx_failed) {
		conn->tx_failed = true;
		conn->tx_error = rc;
	}
	return rc;
}

static enum sh_db_rc check_usable(struct sh_conn *conn, const char *sql)
{
	if (conn->down)
		return SH_DB_DOWN;
	if (conn->tx_failed)
		return usage_error(conn, sql, "statement in a failed transaction (roll back first)");
	return SH_DB_OK;
}

enum sh_db_rc sh_conn_exec_script(struct sh_conn *conn, const char *sql)
{
	enum sh_db_rc rc = check_usable(conn, sql);

	if (rc != SH_DB_OK)
		return rc;
	return note_result(conn, conn->db->driver->exec_script(conn, sql));
}

/* ---- statements -------------------------------------------------------------- */

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
		usage_error(stmt->conn, stmt->sql, "bind after step without sh_stmt_reset");
		stmt->state = SH_STMT_DONE;
		stmt->done_rc = SH_DB_ERROR;
		return NULL;
	}
	if (index < 1 || index > SH_DB_MAX_PARAMS) {
		usage_error(stmt->conn, stmt->sql, "bind index out of range");
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
		enum sh_db_rc rc = check_usable(conn, stmt->sql);
		for (int i = 0; rc == SH_DB_OK && i < stmt->nbinds; i++) {
			if (stmt->binds[i].type == SH_BIND_NONE) {
				char msg[64];
				snprintf(msg, sizeof(msg), "parameter $%d is not bound", i + 1);
				rc = usage_error(conn, stmt->sql, msg);
			}
		}
		if (rc != SH_DB_OK) {
			stmt->state = SH_STMT_DONE;
			stmt->done_rc = note_result(conn, rc);
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

	enum sh_db_rc rc = note_result(conn, conn->db->driver->stmt_step(stmt));
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

/* ---- columns ----------------------------------------------------------------- */

static bool col_ok(struct sh_stmt *stmt, int col)
{
	return stmt->has_row && col >= 0 && col < stmt->conn->db->driver->col_count(stmt);
}

int sh_stmt_col_count(struct sh_stmt *stmt)
{
	return stmt->has_row ? stmt->conn->db->driver->col_count(stmt) : 0;
}

bool sh_stmt_col_is_null(struct sh_stmt *stmt, int col)
{
	return !col_ok(stmt, col) || stmt->conn->db->driver->col_is_null(stmt, col);
}

const char *sh_stmt_col_text(struct sh_stmt *stmt, int col)
{
	if (sh_stmt_col_is_null(stmt, col))
		return NULL;
	return stmt->conn->db->driver->col_text(stmt, col);
}

int64_t sh_stmt_col_int64(struct sh_stmt *stmt, int col)
{
	if (sh_stmt_col_is_null(stmt, col))
		return 0;
	return stmt->conn->db->driver->col_int64(stmt, col);
}

bool sh_stmt_col_bool(struct sh_stmt *stmt, int col)
{
	if (sh_stmt_col_is_null(stmt, col))
		return false;
	return stmt->conn->db->driver->col_bool(stmt, col);
}

static bool digits(const char *s, int n, int *value_r)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*value_r = v;
	return true;
}

/*
 * Reads "YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|+HH|+HH:MM|+HHMM|-...]" (no zone
 * means UTC, as SQLite's CURRENT_TIMESTAMP) into seconds since the epoch.
 * Anything else ("infinity", a bare date) is not a timestamp we rewrite.
 */
static bool parse_time(const char *s, time_t *t_r)
{
	struct tm tm = {0};
	int offset = 0, oh = 0, om = 0;

	if (!digits(s, 4, &tm.tm_year) || s[4] != '-' || !digits(s + 5, 2, &tm.tm_mon) ||
	    s[7] != '-' || !digits(s + 8, 2, &tm.tm_mday) || (s[10] != 'T' && s[10] != ' ') ||
	    !digits(s + 11, 2, &tm.tm_hour) || s[13] != ':' || !digits(s + 14, 2, &tm.tm_min) ||
	    s[16] != ':' || !digits(s + 17, 2, &tm.tm_sec))
		return false;
	s += 19;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == 'Z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		int sign = *s == '-' ? -1 : 1;
		if (!digits(s + 1, 2, &oh))
			return false;
		s += 3;
		if (*s == ':')
			s++;
		if (isdigit((unsigned char)*s)) {
			if (!digits(s, 2, &om))
				return false;
			s += 2;
		}
		offset = sign * (oh * 3600 + om * 60);
	}
	if (*s != '\0')
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	errno = 0;
	time_t t = timegm(&tm);
	if (t == (time_t)-1 && errno == EOVERFLOW)
		return false;
	*t_r = t - offset;
	return true;
}

const char *sh_stmt_col_time(struct sh_stmt *stmt, int col)
{
	const char *text = sh_stmt_col_text(stmt, col);
	time_t t;
	struct tm tm;

	if (text == NULL)
		return NULL;
	/* Already canonical (what SQLite holds): no copy, and no timegm() to check it (it was
	 * a tenth of a transaction list's instructions). */
	if (sh_time_is_canonical(text))
		return text;
	if (!parse_time(text, &t) || gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999)
		return text;

	/* Several time columns of one row are used together: one buffer each. */
	int ncols = stmt->conn->db->driver->col_count(stmt);
	if (stmt->ntimes < ncols) {
		sh_free(&stmt->times);
		stmt->times = sh_calloc((size_t)ncols, sizeof(*stmt->times));
		stmt->ntimes = ncols;
	}
	if (strftime(stmt->times[col], SH_TIME_BUF, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return text;
	return stmt->times[col];
}

/* ---- SQL text cache ------------------------------------------------------------ */

/* FNV-1a: statements are compared by text, the hash only skips most strcmp()s. */
static uint64_t sql_hash(const char *sql)
{
	uint64_t h = 1469598103934665603ULL;

	for (const unsigned char *p = (const unsigned char *)sql; *p != '\0'; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return h;
}

struct sh_sql_cache_entry *sh_sql_cache_find(struct sh_sql_cache *cache, const char *sql)
{
	uint64_t h = sql_hash(sql);

	for (size_t i = 0; i < cache->count; i++) {
		struct sh_sql_cache_entry *e = &cache->entries[i];
		if (e->hash == h && strcmp(e->sql, sql) == 0)
			return e;
	}
	return NULL;
}

struct sh_sql_cache_entry *sh_sql_cache_add(struct sh_sql_cache *cache, const char *sql, void *value)
{
	if (cache->count >= SH_SQL_CACHE_MAX)
		return NULL;
	if (cache->count == cache->cap) {
		cache->cap = cache->cap ? cache->cap * 2 : 32;
		cache->entries = sh_realloc(cache->entries, cache->cap * sizeof(*cache->entries));
	}
	struct sh_sql_cache_entry *e = &cache->entries[cache->count++];
	e->sql = sh_strdup(sql);
	e->hash = sql_hash(sql);
	e->value = value;
	e->in_use = false;
	e->max_param = -1;
	return e;
}

void sh_sql_cache_clear(struct sh_sql_cache *cache, void (*free_value)(void *value))
{
	for (size_t i = 0; i < cache->count; i++) {
		if (free_value != NULL && cache->entries[i].value != NULL)
			free_value(cache->entries[i].value);
		sh_free(&cache->entries[i].sql);
	}
	sh_free(&cache->entries);
	cache->count = cache->cap = 0;
}

enum sh_db_rc sh_stmt_exec_free(struct sh_stmt **stmt_r, int64_t *changed_r)
{
	enum sh_db_rc rc = sh_stmt_exec(*stmt_r);
	if (changed_r != NULL)
		*changed_r = rc == SH_DB_OK ? sh_stmt_changes(*stmt_r) : 0;
	sh_stmt_free(stmt_r);
	return rc;
}

bool sh_db_single_writer(const struct sh_db *db)
{
	return db->driver->single_writer;
}

struct sh_conn *sh_db_writer_acquire(struct sh_db *db)
{
	atomic_fetch_add(&db->writers_waiting, 1);
	pthread_mutex_lock(&db->write_lock);
	atomic_fetch_sub(&db->writers_waiting, 1);
	struct sh_conn *w = db->writer;
	if (w != NULL && w->down) {
		if (db->driver->reconnect == NULL || db->driver->reconnect(w) < 0) {
			pthread_mutex_unlock(&db->write_lock);
			return NULL;
		}
		w->down = false;
	}
	if (w == NULL) {
		char *error = NULL;
		w = conn_new(db, &error);
		if (w == NULL) {
			sh_log_warn("database: writer connection: %s", error ? error : "failed");
			sh_free(&error);
			pthread_mutex_unlock(&db->write_lock);
			return NULL;
		}
		/* Durable commits whose sync the members do after write_lock is released
		 * (transaction.c); without the setting, the writer syncs inside COMMIT. */
		if (!db->lazy_commits && db->driver->defer_writer_sync != NULL &&
		    db->driver->defer_writer_sync(w))
			db->writer_syncs_late = true;
		w->is_writer = true;
		db->writer = w;
	}
	return w;
}

/* Most requests one commit serves; bounds how long the first member waits. */
#define GROUP_MAX 64

void sh_db_writer_release(struct sh_db *db)
{
	if (db->group_open &&
	    (atomic_load(&db->writers_waiting) == 0 || db->group_size >= GROUP_MAX))
		sh_db_group_end_locked(db, true);
	pthread_mutex_unlock(&db->write_lock);
}

void sh_db_group_end_locked(struct sh_db *db, bool commit)
{
	if (!db->group_open)
		return;
	enum sh_db_rc rc = SH_DB_RETRY;
	if (commit)
		rc = sh_conn_commit(db->writer);
	else
		sh_conn_rollback(db->writer);
	uint64_t seq = 0;
	if (rc == SH_DB_OK) {
		atomic_fetch_add(&db->group_commits, 1);
		seq = atomic_fetch_add(&db->commit_seq, 1) + 1;
	}
	/* A failed COMMIT reports some statement's error; the members' own parts were fine:
	 * they run again, unless the storage itself refuses writes (then they say so). */
	else if (rc != SH_DB_STORAGE && rc != SH_DB_DOWN)
		rc = SH_DB_RETRY;
	db->group_open = false;
	pthread_mutex_lock(&db->group_lock);
	for (struct sh_group_member *m = db->group_members; m != NULL; m = m->next) {
		m->rc = rc;
		m->seq = seq;
		m->done = true;
	}
	db->group_members = NULL;
	db->group_size = 0;
	pthread_cond_broadcast(&db->group_done);
	pthread_mutex_unlock(&db->group_lock);
}

enum sh_db_rc sh_db_sync_committed(struct sh_db *db, uint64_t seq)
{
	enum sh_db_rc rc = SH_DB_OK;
	pthread_mutex_lock(&db->sync_lock);
	if (db->synced_seq < seq) {
		/* Every group up to "upto" has finished its COMMIT (the number is taken after
		 * it, under write_lock): this one sync makes them all durable. */
		uint64_t upto = atomic_load(&db->commit_seq);
		/* A failed sync leaves the group committed (readers see it) but perhaps not on
		 * disk: neither "saved" nor "not saved" is true, so the answer is an error, not
		 * storage_unavailable (which tells the client nothing was written). */
		if (atomic_load(&db->log_sync_failed)) {
			rc = SH_DB_ERROR;
		} else if (db->driver->sync_log(db) == 0) {
			db->synced_seq = upto;
			atomic_fetch_add(&db->log_syncs, 1);
		} else {
			/* What the kernel could not write may be gone from its cache too. Like
			 * PostgreSQL, stop writing (until a restart recovers from the disk) rather
			 * than acknowledge anything on top of it. */
			sh_log_error("database: the log could not be synced: writes refused until restart");
			atomic_store(&db->log_sync_failed, true);
			rc = SH_DB_ERROR;
		}
	}
	pthread_mutex_unlock(&db->sync_lock);
	return rc;
}

enum sh_db_rc sh_conn_savepoint(struct sh_conn *conn, const char *step)
{
	char sql[64];
	snprintf(sql, sizeof(sql), "%s sh_member", step);
	if (strcmp(step, "ROLLBACK TO") == 0) {
		enum sh_db_rc rc = conn->down ? SH_DB_DOWN : conn->db->driver->exec_script(conn, sql);
		if (rc == SH_DB_OK) {
			conn->tx_failed = false;
			rc = conn->db->driver->exec_script(conn, "RELEASE sh_member");
		}
		return rc;
	}
	return sh_conn_exec_script(conn, sql);
}
