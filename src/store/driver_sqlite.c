/*
 * SQLite driver. One sqlite3 handle per connection, opened in multi-thread
 * mode (SQLITE_OPEN_NOMUTEX): the core guarantees a connection stays on one
 * thread, so SQLite's own per-handle mutex would only cost time.
 *
 * $1..$n are SQLite named parameters "$1".."$n": the same $N may appear
 * several times and binds by name, which is exactly PostgreSQL's meaning.
 */
#include "store/store-private.h"
#include "store/sqlite_checkpointer.h"

#include "schoolhub/log.h"
#include "schoolhub/mem.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#define BUSY_TIMEOUT_MS 5000

struct sqlite_conn {
	struct sh_conn conn;
	sqlite3 *db;
	struct sh_sql_cache cache; /* value: sqlite3_stmt * */
};

struct sqlite_stmt {
	struct sh_stmt stmt;
	sqlite3_stmt *s;
	long cache_index; /* entry in the connection's cache, or -1 when "s" is ours */
	bool started;     /* bound and stepped at least once since the last reset */
};

static struct sqlite_conn *sconn(struct sh_conn *conn)
{
	return (struct sqlite_conn *)conn;
}

static struct sqlite_stmt *sstmt(struct sh_stmt *stmt)
{
	return (struct sqlite_stmt *)stmt;
}

static enum sh_db_rc map_error(int ext)
{
	switch (ext) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return SH_DB_UNIQUE;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return SH_DB_FOREIGN;
	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
	case SQLITE_CONSTRAINT_DATATYPE:
		return SH_DB_CHECK;
	default:
		break;
	}
	switch (ext & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return SH_DB_RETRY;
	/* The file system, not the request: disk full (or RLIMIT_FSIZE), remounted
	 * read-only after an error, failing I/O. Reads usually still work. */
	case SQLITE_FULL:
	case SQLITE_READONLY:
	case SQLITE_IOERR:
		return SH_DB_STORAGE;
	default:
		return SH_DB_ERROR;
	}
}

/* Maps the handle's current error and records it. */
static enum sh_db_rc fail(struct sqlite_conn *c, const char *sql, const char *msg)
{
	int ext = sqlite3_extended_errcode(c->db);
	char code[32];

	snprintf(code, sizeof(code), "SQLITE_%d", ext);
	return sh_db_fail(&c->conn, map_error(ext), code, sql, msg != NULL ? msg : sqlite3_errmsg(c->db));
}

/* ---- database and connections ---------------------------------------------- */

/* Creates the directories leading to the database file, like mkdir -p. */
static int sqlite_open(struct sh_db *db, char **error_r)
{
	char *path = sh_strdup(db->target);
	int ret = 0;

	for (char *p = strchr(path + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		/* The database holds password hashes and children's data: owner only. */
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			char buf[512];
			snprintf(buf, sizeof(buf), "DATABASE_URL: cannot create directory %s: %s",
				 path, strerror(errno));
			*error_r = sh_strdup(buf);
			ret = -1;
			break;
		}
		*p = '/';
	}
	/* Create the file ourselves so it starts as 0600; SQLite gives its -wal and -shm
	 * files the database file's permissions. */
	if (ret == 0) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0) {
			char buf[512];
			snprintf(buf, sizeof(buf), "DATABASE_URL: cannot open %s: %s", path,
				 strerror(errno));
			*error_r = sh_strdup(buf);
			ret = -1;
		} else {
			close(fd);
		}
	}
	sh_free(&path);
	if (ret == 0 && (db->driver_state = sh_sqlite_checkpointer_start(db)) == NULL) {
		/* The WAL's checkpoints and the group commits' log syncs depend on it. */
		*error_r = sh_strdup("sqlite: cannot start the checkpointer thread");
		ret = -1;
	}
	return ret;
}

static int sqlite_sync_log(struct sh_db *db)
{
	return sh_sqlite_wal_sync(db->driver_state);
}

static void sqlite_close(struct sh_db *db)
{
	struct sh_sqlite_checkpointer *cp = db->driver_state;
	sh_sqlite_checkpointer_stop(&cp);
	db->driver_state = NULL;
}

/*
 * Changing the journal mode needs a moment of exclusive access, and SQLite
 * answers SQLITE_BUSY there without consulting the busy handler (seen when
 * two connections open the same new file at once): retry up to the timeout.
 */
static int exec_retrying(sqlite3 *db, const char *sql, sqlite3_callback cb, void *arg, char **msg_r)
{
	for (int waited = 0;; waited += 10) {
		int rc = sqlite3_exec(db, sql, cb, arg, msg_r);
		if (((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) || waited >= BUSY_TIMEOUT_MS)
			return rc;
		sqlite3_free(*msg_r);
		*msg_r = NULL;
		sqlite3_sleep(10);
	}
}

/*
 * Waiting for another process's write lock (this process's writers queue on a mutex in
 * the core): poll every 0.2 ms for the first 10 ms, then every 2 ms, up to
 * BUSY_TIMEOUT_MS. SQLite's own handler sleeps 1, 2, 5, 10 ... 100 ms, which leaves the
 * lock idle most of the time under load.
 */
static int busy_wait(void *arg, int count)
{
	(void)arg;
	long waited_us = count < 50 ? count * 200L : 50 * 200L + (count - 50) * 2000L;
	if (waited_us >= BUSY_TIMEOUT_MS * 1000L)
		return 0;
	struct timespec pause = {0, count < 50 ? 200000L : 2000000L};
	nanosleep(&pause, NULL);
	return 1;
}

/* Keeps the journal mode that "PRAGMA journal_mode=WAL" reports back. */
static int journal_mode_cb(void *arg, int ncols, char **values, char **names)
{
	/* Only "journal_mode" answers a row among the pragmas run with this callback. */
	if (ncols > 0 && values[0] != NULL && strcmp(names[0], "journal_mode") == 0)
		snprintf(arg, 16, "%s", values[0]);
	return 0;
}

static int sqlite_connect(struct sh_conn *conn, char **error_r)
{
	struct sqlite_conn *c = sconn(conn);
	const char *path = conn->db->target;
	char buf[512];

	if (!sqlite3_threadsafe()) {
		*error_r = sh_strdup("sqlite: library built without thread support");
		return -1;
	}
	int rc = sqlite3_open_v2(path, &c->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(buf, sizeof(buf), "sqlite: cannot open %s: %s", path,
			 c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(c->db, 1);
	rc = sqlite3_busy_handler(c->db, busy_wait, NULL);
	if (rc != SQLITE_OK) {
		snprintf(buf, sizeof(buf), "sqlite: busy_handler: %s", sqlite3_errmsg(c->db));
		goto fail;
	}
	/* WAL lets readers run beside the writer. FULL syncs the WAL at every commit, so an
	 * acknowledged payment survives a power cut; NORMAL syncs only at checkpoints (a power
	 * cut may lose the last commits, never corrupt). After a burst, the WAL file is cut
	 * back to 64 MiB when it restarts. Foreign keys are off by default, per connection. */
	char *msg = NULL, mode[16] = "";
	rc = exec_retrying(c->db,
			   conn->db->lazy_commits ? "PRAGMA journal_mode=WAL;"
						    "PRAGMA synchronous=NORMAL;"
						    "PRAGMA journal_size_limit=67108864;"
						    "PRAGMA foreign_keys=ON;"
						  : "PRAGMA journal_mode=WAL;"
						    "PRAGMA synchronous=FULL;"
						    "PRAGMA journal_size_limit=67108864;"
						    "PRAGMA foreign_keys=ON;",
			   journal_mode_cb, mode, &msg);
	if (rc == SQLITE_OK && strcmp(mode, "wal") != 0)
		/* Some filesystems cannot do WAL: it works, with writers blocking readers. */
		sh_log_warn("sqlite: %s: journal mode is %s, not wal", path, mode);
	if (rc != SQLITE_OK) {
		snprintf(buf, sizeof(buf), "sqlite: %s: %s", path, msg != NULL ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		goto fail;
	}
	/* Checkpoints run on the database's checkpointer thread, not inside commits (which
	 * hold the process's one writer slot); the hook replaces the autocheckpoint. */
	sqlite3_wal_hook(c->db, sh_sqlite_wal_hook, conn->db->driver_state);
	return 0;

fail:
	sqlite3_close(c->db); /* NULL is a no-op */
	c->db = NULL;
	*error_r = sh_strdup(buf);
	return -1;
}

static void finalize_value(void *value)
{
	sqlite3_finalize(value);
}

static void sqlite_disconnect(struct sh_conn *conn)
{
	struct sqlite_conn *c = sconn(conn);

	sh_sql_cache_clear(&c->cache, finalize_value);
	if (sqlite3_close(c->db) != SQLITE_OK) {
		/* A statement was not freed: close once it is, rather than never. */
		sh_log_warn("sqlite: closing a connection with statements still open");
		sqlite3_close_v2(c->db);
	}
	c->db = NULL;
}

static enum sh_db_rc sqlite_exec_script(struct sh_conn *conn, const char *sql)
{
	struct sqlite_conn *c = sconn(conn);
	char *msg = NULL;

	if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return SH_DB_OK;
	enum sh_db_rc rc = fail(c, sql, msg);
	sqlite3_free(msg);
	return rc;
}

static enum sh_db_rc sqlite_ping(struct sh_conn *conn)
{
	return sqlite_exec_script(conn, "SELECT 1");
}

/*
 * In WAL mode, synchronous=NORMAL writes a commit to the log without syncing it; the core
 * then syncs the log before anyone is answered (sh_db_sync_committed): as durable as FULL,
 * without holding the writer slot through the sync. Only in WAL mode, and only once the
 * WAL is open under the name SQLite itself uses (a symlinked database keeps its WAL next
 * to the real file): otherwise the writer keeps FULL.
 */
static bool sqlite_defer_writer_sync(struct sh_conn *conn)
{
	struct sqlite_conn *c = sconn(conn);
	char mode[16] = "";
	if (sqlite3_exec(c->db, "PRAGMA journal_mode", journal_mode_cb, mode, NULL) != SQLITE_OK ||
	    strcmp(mode, "wal") != 0)
		return false;
	const char *file = sqlite3_db_filename(c->db, "main");
	const char *wal = file != NULL ? sqlite3_filename_wal(file) : NULL;
	if (wal == NULL || *wal == '\0' || sh_sqlite_wal_open(conn->db->driver_state, wal) != 0)
		return false;
	return sqlite3_exec(c->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) == SQLITE_OK;
}

/* ---- statements ------------------------------------------------------------ */

/* Takes the cached prepared statement for the SQL, or prepares one. */
static enum sh_db_rc acquire(struct sqlite_stmt *st)
{
	struct sqlite_conn *c = sconn(st->stmt.conn);
	const char *sql = st->stmt.sql;
	struct sh_sql_cache_entry *e = sh_sql_cache_find(&c->cache, sql);

	if (e != NULL && !e->in_use) {
		e->in_use = true;
		st->s = e->value;
		st->cache_index = e - c->cache.entries;
		return SH_DB_OK;
	}

	/* Either new, or the cached one is busy (a nested query with the same SQL). */
	sqlite3_stmt *s = NULL;
	const char *tail = NULL;
	unsigned flags = e == NULL ? SQLITE_PREPARE_PERSISTENT : 0;
	if (sqlite3_prepare_v3(c->db, sql, -1, flags, &s, &tail) != SQLITE_OK)
		return fail(c, sql, NULL);
	if (s == NULL)
		return sh_db_fail(&c->conn, SH_DB_ERROR, "usage", sql, "empty statement");
	while (tail != NULL && isspace((unsigned char)*tail))
		tail++;
	if (tail != NULL && *tail == ';') {
		tail++;
		while (isspace((unsigned char)*tail))
			tail++;
	}
	if (tail != NULL && *tail != '\0') {
		sqlite3_finalize(s);
		return sh_db_fail(&c->conn, SH_DB_ERROR, "usage", sql,
				  "several statements in one prepare (use sh_conn_exec_script)");
	}

	st->s = s;
	st->cache_index = -1;
	if (e == NULL) {
		e = sh_sql_cache_add(&c->cache, sql, s);
		if (e != NULL) {
			e->in_use = true;
			st->cache_index = e - c->cache.entries;
		}
	}
	return SH_DB_OK;
}

/* The highest "$k" of the statement, or -1 (after reporting) for another placeholder. */
static int check_placeholders(struct sqlite_stmt *st)
{
	struct sqlite_conn *c = sconn(st->stmt.conn);
	int count = sqlite3_bind_parameter_count(st->s), max = 0;
	for (int i = 1; i <= count; i++) {
		const char *name = sqlite3_bind_parameter_name(st->s, i);
		char *end = NULL;
		long k = 0;
		if (name != NULL && name[0] == '$' && name[1] >= '1' && name[1] <= '9')
			k = strtol(name + 1, &end, 10);
		if (end == NULL || *end != '\0' || k > SH_DB_MAX_PARAMS) {
			char msg[96];
			snprintf(msg, sizeof(msg), "placeholder %s: write $1..$n", name != NULL ? name : "?");
			sh_db_fail(&c->conn, SH_DB_ERROR, "usage", st->stmt.sql, msg);
			return -1;
		}
		if (k > max)
			max = (int)k;
	}
	return max;
}

/* "$k" without snprintf(): this runs for every bind of every statement. */
static void placeholder_name(int k, char name[8])
{
	char digits[4];
	int n = 0;
	do {
		digits[n++] = (char)('0' + k % 10);
		k /= 10;
	} while (k > 0 && n < 3);
	name[0] = '$';
	for (int i = 0; i < n; i++)
		name[1 + i] = digits[n - 1 - i];
	name[1 + n] = '\0';
}

/*
 * Binds the core's values by name "$k". Every parameter in the SQL must be
 * bound and every bind must be used: PostgreSQL refuses both mistakes, so
 * SQLite refuses them too rather than quietly reading NULL. The placeholders
 * of a cached statement are checked once.
 */
static enum sh_db_rc bind_all(struct sqlite_stmt *st)
{
	struct sqlite_conn *c = sconn(st->stmt.conn);
	const struct sh_stmt *stmt = &st->stmt;
	struct sh_sql_cache_entry *e = st->cache_index >= 0 ? &c->cache.entries[st->cache_index] : NULL;
	char msg[96];

	int max = e != NULL ? e->max_param : -1;
	if (max < 0) {
		if ((max = check_placeholders(st)) < 0)
			return SH_DB_ERROR;
		if (e != NULL)
			e->max_param = max;
	}
	if (max > stmt->nbinds) {
		snprintf(msg, sizeof(msg), "parameter $%d is not bound", max);
		return sh_db_fail(&c->conn, SH_DB_ERROR, "usage", stmt->sql, msg);
	}

	for (int k = 1; k <= stmt->nbinds; k++) {
		const struct sh_bind *b = &stmt->binds[k - 1];
		char name[8];
		int rc;

		placeholder_name(k, name);
		int idx = sqlite3_bind_parameter_index(st->s, name);
		if (idx == 0) {
			snprintf(msg, sizeof(msg), "parameter %s is not used by the statement", name);
			return sh_db_fail(&c->conn, SH_DB_ERROR, "usage", stmt->sql, msg);
		}
		switch (b->type) {
		case SH_BIND_TEXT:
			/* The core keeps the text until after sqlite3_reset/clear_bindings. */
			rc = sqlite3_bind_text(st->s, idx, b->text, -1, SQLITE_STATIC);
			break;
		case SH_BIND_INT64:
		case SH_BIND_BOOL:
			rc = sqlite3_bind_int64(st->s, idx, b->i);
			break;
		case SH_BIND_NULL:
		case SH_BIND_NONE:
		default:
			rc = sqlite3_bind_null(st->s, idx);
			break;
		}
		if (rc != SQLITE_OK)
			return fail(c, stmt->sql, NULL);
	}
	return SH_DB_OK;
}

static enum sh_db_rc sqlite_stmt_step(struct sh_stmt *stmt)
{
	struct sqlite_stmt *st = sstmt(stmt);
	struct sqlite_conn *c = sconn(stmt->conn);
	enum sh_db_rc rc;

	if (!st->started) {
		if (st->s == NULL && (rc = acquire(st)) != SH_DB_OK)
			return rc;
		if ((rc = bind_all(st)) != SH_DB_OK)
			return rc;
		st->started = true;
	}

	switch (sqlite3_step(st->s)) {
	case SQLITE_ROW:
		return SH_DB_ROW;
	case SQLITE_DONE:
		/* sqlite3_changes64 keeps the last write's count; a SELECT must not report it. */
		stmt->changes = sqlite3_stmt_readonly(st->s) ? 0 : sqlite3_changes64(c->db);
		return SH_DB_OK;
	default:
		return fail(c, stmt->sql, NULL);
	}
}

static void sqlite_stmt_reset(struct sh_stmt *stmt)
{
	struct sqlite_stmt *st = sstmt(stmt);

	if (st->s != NULL) {
		/* sqlite3_reset repeats the last step's error, already reported. */
		sqlite3_reset(st->s);
		sqlite3_clear_bindings(st->s);
	}
	st->started = false;
}

static void sqlite_stmt_free(struct sh_stmt *stmt)
{
	struct sqlite_stmt *st = sstmt(stmt);

	if (st->s == NULL)
		return;
	if (st->cache_index >= 0) {
		sqlite_stmt_reset(stmt);
		sconn(stmt->conn)->cache.entries[st->cache_index].in_use = false;
	} else {
		sqlite3_finalize(st->s);
	}
	st->s = NULL;
}

static int sqlite_col_count(struct sh_stmt *stmt)
{
	return sqlite3_column_count(sstmt(stmt)->s);
}

static bool sqlite_col_is_null(struct sh_stmt *stmt, int col)
{
	return sqlite3_column_type(sstmt(stmt)->s, col) == SQLITE_NULL;
}

static const char *sqlite_col_text(struct sh_stmt *stmt, int col)
{
	return (const char *)sqlite3_column_text(sstmt(stmt)->s, col);
}

static int64_t sqlite_col_int64(struct sh_stmt *stmt, int col)
{
	return sqlite3_column_int64(sstmt(stmt)->s, col);
}

/* Booleans are stored as 0/1 integers. */
static bool sqlite_col_bool(struct sh_stmt *stmt, int col)
{
	return sqlite3_column_int64(sstmt(stmt)->s, col) != 0;
}

const struct sh_db_driver sh_db_driver_sqlite = {
	.name = "sqlite",
	.kind = SH_DB_SQLITE,
	.conn_size = sizeof(struct sqlite_conn),
	.stmt_size = sizeof(struct sqlite_stmt),
	/* IMMEDIATE takes the write lock up front: two deferred writers that both
	 * read first would deadlock on the upgrade and one would get BUSY. */
	.begin_sql = {[SH_TX_READ] = "BEGIN",
		      [SH_TX_WRITE] = "BEGIN IMMEDIATE",
		      [SH_TX_WRITE_ROWLOCKED] = "BEGIN IMMEDIATE"},
	.single_writer = true,
	.defer_writer_sync = sqlite_defer_writer_sync,
	.sync_log = sqlite_sync_log,
	.open = sqlite_open,
	.close = sqlite_close,
	.connect = sqlite_connect,
	.disconnect = sqlite_disconnect,
	.ping = sqlite_ping,
	.exec_script = sqlite_exec_script,
	.stmt_step = sqlite_stmt_step,
	.stmt_reset = sqlite_stmt_reset,
	.stmt_free = sqlite_stmt_free,
	.col_count = sqlite_col_count,
	.col_is_null = sqlite_col_is_null,
	.col_text = sqlite_col_text,
	.col_int64 = sqlite_col_int64,
	.col_bool = sqlite_col_bool,
};

int sh_sqlite_global_init(void)
{
	/* SQLite's allocation statistics take a process-wide mutex on every malloc; with one
	 * connection per worker thread that mutex is the only thing the threads share, and
	 * nothing here reads the statistics. */
	int rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* A group commit's savepoints keep the pages they change in a sub-journal, which
	 * SQLite spills to a temporary file past 64 KiB by default: for one payment in six
	 * that was an open, writes, truncates and an unlink. A payment's savepoint journals
	 * ~15 pages (60 KiB); at 128 KiB none spills (the SEL concurrency suite: 284
	 * temp-file calls at 64 KiB, none at 128 KiB). Not more, for two reasons: SQLite
	 * allocates an in-memory sub-journal as one chunk of the spill size (8 MiB, the
	 * setting before, was an 8 MiB allocation per savepoint), and on SQLite 3.40
	 * (Debian 12) a sub-journal that spills past a threshold above ~132 KiB fails its
	 * statement with SQLITE_FULL, "database or disk is full", on a disk with room
	 * (tests/unit/test_store_limits.c: subjournal_spill_succeeds). */
	if (rc == SQLITE_OK)
		rc = sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, 128 * 1024);
	return rc == SQLITE_OK || rc == SQLITE_MISUSE /* already initialised */ ? 0 : -1;
}
