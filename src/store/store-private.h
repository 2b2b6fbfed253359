/*
 * Private side of the storage API: the driver vtable and the structs every
 * driver shares. Only src/store/ includes this.
 *
 * A driver's connection and statement structs embed "struct sh_conn" and
 * "struct sh_stmt" as their first member; the core allocates them with the
 * driver's conn_size / stmt_size and the driver casts back to its own type.
 *
 * The core owns everything that must behave the same on every backend:
 * binds (typed and copied here, applied by the driver on first step),
 * transaction state, the "failed transaction" rule, timestamp formatting,
 * error counting and logging. Drivers only talk to their library.
 */
#ifndef SCHOOLHUB_STORE_PRIVATE_H
#define SCHOOLHUB_STORE_PRIVATE_H

#include "schoolhub/store.h"

#include <pthread.h>
#include <stdatomic.h>

/* Highest $N accepted; far above any real query, it only stops runaway indexes. */
#define SH_DB_MAX_PARAMS 999
/* Distinct SQL texts a connection keeps prepared; beyond this, statements run uncached. */
#define SH_SQL_CACHE_MAX 512
/* "2026-11-26T21:38:38Z" plus NUL, rounded up. */
#define SH_TIME_BUF 32

enum sh_bind_type { SH_BIND_NONE, SH_BIND_NULL, SH_BIND_TEXT, SH_BIND_INT64, SH_BIND_BOOL };

struct sh_bind {
	enum sh_bind_type type;
	int64_t i;  /* INT64 and BOOL (0/1) */
	char *text; /* TEXT: owned copy */
};

struct sh_db {
	const struct sh_db_driver *driver;
	char *target;          /* SQLite file path, or the libpq URI as given */
	pthread_key_t key;     /* this thread's connection */
	pthread_mutex_t lock;  /* protects "conns" */
	pthread_mutex_t write_lock; /* held by the open write transaction (single_writer drivers) */
	/* single_writer drivers: the one connection write transactions run on (under
	 * write_lock), so its page cache stays warm: no other connection of the process
	 * commits in between. Created on first use. */
	struct sh_conn *writer;
	struct sh_conn *conns; /* every open connection, so close can reach them all */
	void *driver_state;    /* the driver's per-database state (open/close), or NULL */
	/*
	 * Group commit (single_writer drivers, see transaction.c): the write transactions of
	 * several requests share one BEGIN ... COMMIT on "writer", each in a SAVEPOINT, so one
	 * commit (and one sync of the log) serves them all. The group fields are used with
	 * write_lock held; members wait for the commit on group_lock / group_done.
	 */
	bool group_open;
	unsigned group_size;
	struct sh_group_member *group_members;
	atomic_int writers_waiting; /* threads queued on write_lock */
	atomic_uint_fast64_t group_commits; /* groups committed (tests, metrics) */
	pthread_mutex_t group_lock;
	pthread_cond_t group_done;
	bool lazy_commits;     /* SQLite synchronous=NORMAL instead of FULL (sh_db_set_durable_commits) */
	bool pg_timeouts_set;  /* sh_db_set_pg_timeouts was called: */
	unsigned pg_statement_timeout_ms, pg_lock_timeout_ms; /* 0: off */
	/*
	 * Durable group commits without holding write_lock through the sync (transaction.c):
	 * when the driver has sync_log, the writer commits without syncing its log, each
	 * committed group takes the next commit_seq, and its members make it durable with
	 * sh_db_sync_committed() after write_lock is released, so the next group runs while
	 * the disk syncs, and one sync covers every group committed before it started.
	 */
	bool writer_syncs_late;             /* set with the writer connection */
	atomic_uint_fast64_t commit_seq;    /* groups committed on the writer */
	pthread_mutex_t sync_lock;          /* one log sync at a time; guards synced_seq */
	uint64_t synced_seq;                /* groups known durable */
	atomic_bool log_sync_failed;        /* a sync failed: every write refused until restart */
	atomic_uint_fast64_t log_syncs;     /* syncs done (tests, metrics) */
	atomic_uint_fast64_t errors;
};

struct sh_conn {
	struct sh_db *db;
	struct sh_conn *prev, *next; /* in db->conns */
	bool thread_owned;           /* the value of db->key in some thread */
	bool in_tx;
	bool holds_write_lock; /* this connection's transaction holds db->write_lock */
	bool is_writer;        /* db->writer: used only with db->write_lock held */
	/* A statement failed inside the open transaction: PostgreSQL refuses
	 * everything until ROLLBACK, so the core enforces the same on SQLite. */
	bool tx_failed;
	enum sh_db_rc tx_error;
	bool down; /* lost: sh_db_thread_conn reconnects it */
	/* A guard (sh_conn_guard, guard.c): "guard" is its lookup while it is pending;
	 * "guard_verdict" what it decided, returned by every later call until the request
	 * ends (SH_DB_OK: none, or it let the request go on). */
	struct sh_stmt *guard;
	sh_guard_fn *guard_check;
	void *guard_ctx;
	enum sh_db_rc guard_verdict;
	char last_error[512];
	char last_code[16]; /* its SQLSTATE (PostgreSQL) or SQLite code name */
};

enum sh_stmt_state { SH_STMT_NEW, SH_STMT_RUNNING, SH_STMT_DONE };

struct sh_stmt {
	struct sh_conn *conn;
	const char *sql;
	enum sh_stmt_state state;
	enum sh_db_rc done_rc; /* what step keeps returning once DONE */
	bool has_row;
	int64_t changes; /* set by the driver when the statement completes */
	struct sh_bind *binds; /* binds[0] is $1 */
	int nbinds;            /* highest bound index */
	int binds_cap;
	char (*times)[SH_TIME_BUF]; /* one buffer per column for sh_stmt_col_time */
	int ntimes;
	/* An autocommit write on a single_writer database holds db->write_lock from its first
	 * step until it completes (or is reset or freed): it queues with the transactions. */
	bool holds_write_lock;
};

struct sh_db_driver {
	const char *name; /* sh_db_kind_name() */
	enum sh_db_kind kind;
	size_t conn_size; /* >= sizeof(struct sh_conn) */
	size_t stmt_size; /* >= sizeof(struct sh_stmt) */
	const char *begin_sql[3]; /* indexed by enum sh_tx_mode */
	/* The database takes one writer at a time (SQLite): the core queues this process's
	 * write transactions on a mutex instead of letting them poll the file lock. */
	bool single_writer;
	/* single_writer drivers, optional, together: defer_writer_sync makes the new writer
	 * connection commit without syncing its log (false: it cannot, and the writer keeps
	 * syncing inside COMMIT); sync_log then syncs the log of every commit made so far
	 * (0, or -1 logged). */
	bool (*defer_writer_sync)(struct sh_conn *writer);
	int (*sync_log)(struct sh_db *db);

	/* Checks "target" once at sh_db_open (SQLite creates the directory). Optional. */
	int (*open)(struct sh_db *db, char **error_r);
	/* Releases db->driver_state once every connection is closed. Optional. */
	void (*close)(struct sh_db *db);
	/* Fills a zeroed "conn" (conn->db set). On failure releases what it took. */
	int (*connect)(struct sh_conn *conn, char **error_r);
	void (*disconnect)(struct sh_conn *conn);
	/* True when the link is gone; sh_db_thread_conn asks before handing the connection
	 * out, so it must be cheap (no round trip). Optional. */
	bool (*is_lost)(struct sh_conn *conn);
	/* Re-establishes a lost connection in place. Optional (NULL: cannot). */
	int (*reconnect)(struct sh_conn *conn);
	enum sh_db_rc (*ping)(struct sh_conn *conn);
	enum sh_db_rc (*exec_script)(struct sh_conn *conn, const char *sql);

	/* First call executes with stmt->binds[0..nbinds) (all set, checked by the core). */
	enum sh_db_rc (*stmt_step)(struct sh_stmt *stmt);
	/*
	 * Optional (drivers with a round trip per statement): the first stmt_step of "first"
	 * and the execution of "second" (a read, binds checked) in one round trip. Returns
	 * what stmt_step(first) would; "second" is then executed (its first stmt_step reads
	 * the answer kept for it) or, when it could not be sent along, left as it was.
	 */
	enum sh_db_rc (*stmt_step_pair)(struct sh_stmt *first, struct sh_stmt *second);
	/* Drops results so the statement can run again; binds are the core's. */
	void (*stmt_reset)(struct sh_stmt *stmt);
	/* Releases driver resources (not the struct). */
	void (*stmt_free)(struct sh_stmt *stmt);
	/* Columns of the current row; the core has checked there is one and "col" is in range. */
	int (*col_count)(struct sh_stmt *stmt);
	bool (*col_is_null)(struct sh_stmt *stmt, int col);
	const char *(*col_text)(struct sh_stmt *stmt, int col);
	int64_t (*col_int64)(struct sh_stmt *stmt, int col);
	bool (*col_bool)(struct sh_stmt *stmt, int col);
};

/*
 * For single_writer drivers: takes db->write_lock and returns db->writer (created or
 * reconnected as needed), or NULL (lock not held) when it cannot be opened; the caller
 * then runs the transaction on its own connection. Release with sh_db_writer_release.
 */
struct sh_conn *sh_db_writer_acquire(struct sh_db *db);
/* Releases write_lock; first commits the open group if nobody else is queued to join it
 * (or it is full). */
void sh_db_writer_release(struct sh_db *db);

/* For a moment of no writes (the SQLite checkpointer's restart): takes write_lock like a
 * writer and commits the open group, if any. Nothing else may run on db->writer meanwhile.
 * End with sh_db_writers_resume. */
void sh_db_writers_hold(struct sh_db *db);
void sh_db_writers_resume(struct sh_db *db);

/* One request's part of an open group: its outcome is known once the group commits. */
struct sh_group_member {
	enum sh_db_rc rc; /* the group's COMMIT (SH_DB_RETRY if the group was abandoned) */
	bool done;
	uint64_t seq;     /* the group's commit_seq when it committed */
	struct sh_group_member *next;
};
/* With write_lock held: ends the open group, if any, with COMMIT (or ROLLBACK when
 * "commit" is false), and tells every member. */
void sh_db_group_end_locked(struct sh_db *db, bool commit);
/* Without write_lock: returns once the group committed as "seq" is durable (a sync of the
 * log, shared with every group committed before it starts). SH_DB_ERROR when the sync
 * failed: the group is committed but may not be on disk, so its outcome is unknown. */
enum sh_db_rc sh_db_sync_committed(struct sh_db *db, uint64_t seq);
/* Savepoint steps on the writer inside a group: "SAVEPOINT", "RELEASE" or "ROLLBACK TO"
 * (which also clears the transaction's failed state: the group goes on). */
enum sh_db_rc sh_conn_savepoint(struct sh_conn *conn, const char *step);
bool sh_db_single_writer(const struct sh_db *db);

extern const struct sh_db_driver sh_db_driver_sqlite;
int sh_sqlite_global_init(void);
extern const struct sh_db_driver sh_db_driver_pg;

/*
 * Records a failure on "conn": keeps "msg" as the last error, counts it and
 * logs it (warn for real errors, debug for constraint outcomes that are
 * normal business results). "code" is the library's code (SQLSTATE, SQLite
 * name). "sql" gives context and may be NULL; parameters are never logged.
 * Returns "rc" so drivers can write "return sh_db_fail(...)".
 */
enum sh_db_rc sh_db_fail(struct sh_conn *conn, enum sh_db_rc rc, const char *code,
			 const char *sql, const char *msg);

/* A failure the core itself detects (misuse), reported like a driver error. */
enum sh_db_rc sh_db_usage_error(struct sh_conn *conn, const char *sql, const char *msg);

/* Shared by the files of the core (db.c, conn.c, conn_tx.c, stmt.c, writer.c). */
/* A new connection in db->conns, or NULL with "*error_r" (malloc'ed). */
struct sh_conn *sh_conn_new(struct sh_db *db, char **error_r);
/* A worker thread ended: its connection would otherwise live until sh_db_close. */
void sh_conn_thread_exit(void *value);
/* SH_DB_OK when "conn" may run "sql": not lost, not in a failed transaction. */
enum sh_db_rc sh_conn_check_usable(struct sh_conn *conn, const char *sql);
/* guard.c: before the first step of "stmt": SH_DB_OK when nothing stops it, else the
 * guard's verdict. A pending guard runs first, with "stmt" in the same round trip when
 * it only reads. (Scripts and BEGIN call sh_conn_guard_settle: the guard runs alone.) */
enum sh_db_rc sh_conn_guard_pass_with(struct sh_conn *conn, struct sh_stmt *stmt);
/* Returns "rc"; a failure inside a transaction poisons it (statements and scripts). */
enum sh_db_rc sh_conn_note_result(struct sh_conn *conn, enum sh_db_rc rc);

/* A per-connection map from SQL text to a driver's prepared statement. */
struct sh_sql_cache_entry {
	char *sql;
	uint64_t hash;
	void *value;
	bool in_use; /* SQLite: a prepared statement runs for one sh_stmt at a time */
	int max_param; /* SQLite: the highest $k, once its placeholders were checked; else -1 */
};

struct sh_sql_cache {
	struct sh_sql_cache_entry *entries;
	size_t count, cap;
};

struct sh_sql_cache_entry *sh_sql_cache_find(struct sh_sql_cache *cache, const char *sql);
/* Returns NULL when the cache is full: the caller runs the statement uncached.
 * Entries move when the cache grows: keep an index, not the pointer. */
struct sh_sql_cache_entry *sh_sql_cache_add(struct sh_sql_cache *cache, const char *sql, void *value);
/* Calls "free_value" on each value (if not NULL) and empties the cache. */
void sh_sql_cache_clear(struct sh_sql_cache *cache, void (*free_value)(void *value));

#endif
