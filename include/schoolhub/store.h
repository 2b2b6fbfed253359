/*
 * The storage API: one interface over SQLite and PostgreSQL.
 *
 * SQL is written once with $1..$n placeholders and runs unchanged on both
 * drivers; dialect differences live in the drivers and in migrations/.
 * Each worker thread uses its own connection (sh_db_thread_conn), so a
 * connection is never shared between threads.
 *
 * Ownership: out-parameters end in "_r"; destructors take "**" and clear the
 * caller's pointer. Strings returned by sh_stmt_col_* belong to the statement
 * and stay valid until the next sh_stmt_step() or sh_stmt_free().
 */
#ifndef SCHOOLHUB_STORE_H
#define SCHOOLHUB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sh_db_kind { SH_DB_SQLITE, SH_DB_POSTGRES };

/* Result of a statement step or a connection call. */
enum sh_db_rc {
	SH_DB_OK = 0,       /* statement finished (no more rows) / call succeeded */
	SH_DB_ROW = 1,      /* a row is available */
	SH_DB_ERROR = -1,   /* any other failure (logged by the driver, never the parameters) */
	SH_DB_UNIQUE = -2,  /* unique / primary key violation */
	SH_DB_FOREIGN = -3, /* foreign key violation */
	SH_DB_CHECK = -4,   /* check / not-null constraint violation */
	SH_DB_RETRY = -5,   /* busy, serialization failure or deadlock: retry the whole transaction */
	SH_DB_DOWN = -6,    /* connection lost / database unreachable */
	SH_DB_STORAGE = -7, /* the storage refuses writes: disk full, read-only file system, I/O error */
	SH_DB_TIMEOUT = -8, /* PostgreSQL: statement_timeout or lock_timeout ran out (rolled back) */
	SH_DB_DENIED = -9,  /* the connection's guard refused the request (sh_conn_guard) */
};

struct sh_db;   /* a configured database: the URL, the driver, one connection per thread */
struct sh_conn; /* one connection */
struct sh_stmt; /* one prepared statement with its binds and current row */

/* Process-wide driver setup; call once before any database is opened (sh_global_init does). */
int sh_store_global_init(void);

/*
 * Parses "url" (sqlite:///relative.db, sqlite:////absolute.db, postgresql://..., postgres://...)
 * and prepares the driver. Does not connect yet. On failure returns -1 and sets "*error_r"
 * to a malloc'ed one-line message.
 */
int sh_db_open(const char *url, struct sh_db **db_r, char **error_r);
/* Closes every connection opened through this db (all threads must be done with it). */
void sh_db_close(struct sh_db **db_r);
/*
 * SQLite: whether a commit waits until the WAL is on disk (synchronous=FULL: an
 * acknowledged write survives a power cut) or only until it is in the kernel
 * (synchronous=NORMAL: survives a crash of the process, not of the machine). Applies to
 * the connections opened afterwards: call it right after sh_db_open. Default: full.
 * PostgreSQL: no effect (the server's synchronous_commit decides).
 */
void sh_db_set_durable_commits(struct sh_db *db, bool durable);
/*
 * PostgreSQL: the session's statement_timeout and lock_timeout in milliseconds (0: none),
 * for the connections opened afterwards (and their reconnections): a statement that runs
 * or waits for a lock longer fails with SH_DB_TIMEOUT instead of pinning its thread.
 * Unset, the server's own settings apply. SQLite: no effect (its busy timeout is fixed).
 */
void sh_db_set_pg_timeouts(struct sh_db *db, unsigned statement_ms, unsigned lock_ms);
enum sh_db_kind sh_db_kind(const struct sh_db *db);
const char *sh_db_kind_name(const struct sh_db *db); /* "sqlite" or "postgresql" */
/* Counter of driver-level errors since start (for /metrics). */
uint64_t sh_db_error_count(const struct sh_db *db);

/* This process's view of the database for /metrics (db_stats.c); cheap, read at scrape. */
struct sh_db_stats {
	unsigned connections;      /* open: one per thread that used the database */
	unsigned connections_down; /* of those, lost and waiting for a reconnection */
	unsigned writers_waiting;  /* SQLite: write transactions queued for the writer */
	uint64_t group_commits;    /* SQLite: group commits (several requests, one COMMIT) */
	uint64_t log_syncs;        /* SQLite: WAL fdatasyncs */
	uint64_t errors;           /* = sh_db_error_count */
	int64_t wal_bytes;         /* SQLite: size of the -wal file; -1 on PostgreSQL */
	uint64_t checkpoints;      /* SQLite: checkpoints run by the checkpointer thread */
	uint64_t checkpoint_restarts; /* of those, RESTARTs that rewound the WAL */
};
void sh_db_stats(struct sh_db *db, struct sh_db_stats *stats_r);

/* The calling thread's connection, created on first use; reconnects if it was lost.
 * Returns NULL when the database cannot be reached. */
struct sh_conn *sh_db_thread_conn(struct sh_db *db);
/* A fresh connection owned by the caller (CLI, tests). */
struct sh_conn *sh_db_connect(struct sh_db *db, char **error_r);
void sh_conn_close(struct sh_conn **conn_r);
struct sh_db *sh_conn_db(struct sh_conn *conn);
/* Round trip to check the connection works (for /ready). */
enum sh_db_rc sh_conn_ping(struct sh_conn *conn);

/*
 * Transactions. SH_TX_WRITE uses BEGIN IMMEDIATE on SQLite so a writer takes the lock
 * up front (no deadlocking upgrade). Nested begin is an error.
 * On PostgreSQL SH_TX_WRITE is SERIALIZABLE and SH_TX_READ is REPEATABLE READ, READ
 * ONLY, matching SQLite's guarantees (writers serialised, readers on a snapshot): a
 * conflict comes back as SH_DB_RETRY, and writing in a READ transaction fails there.
 * After any failed statement the transaction is dead on both backends (PostgreSQL's
 * rule): later statements fail with SH_DB_ERROR, and commit rolls back and returns the
 * first failure's code.
 */
enum sh_tx_mode {
	SH_TX_READ,
	SH_TX_WRITE,
	/*
	 * A write transaction whose invariants are all enforced by the statements themselves
	 * (conditional UPDATE ... WHERE, unique keys), never by reading first and deciding in
	 * C: PostgreSQL runs it READ COMMITTED, where a hot row makes writers wait instead of
	 * failing with serialization errors. SQLite: same as SH_TX_WRITE. The SEL ledger uses it.
	 */
	SH_TX_WRITE_ROWLOCKED,
};
enum sh_db_rc sh_conn_begin(struct sh_conn *conn, enum sh_tx_mode mode);
enum sh_db_rc sh_conn_commit(struct sh_conn *conn);
enum sh_db_rc sh_conn_rollback(struct sh_conn *conn); /* safe to call when no tx is open */
bool sh_conn_in_tx(const struct sh_conn *conn);

/* Runs a script of several statements without parameters (migrations). */
enum sh_db_rc sh_conn_exec_script(struct sh_conn *conn, const char *sql);

/*
 * Queries: how module code runs SQL. A query function is its SQL, its binds and what it
 * reads from the row; the calls below prepare, bind, step and free, on the same cached
 * prepared statements as the sh_stmt_* calls they are made of.
 *
 *	enum sh_db_rc sh_sel_account_get(struct sh_conn *conn, const char *user_id,
 *					 struct sh_sel_account *a)
 *	{
 *		struct sh_stmt *st;
 *		enum sh_db_rc rc = sh_query_row(conn, "SELECT balance FROM sel_accounts "
 *						"WHERE user_id = $1", SH_ARGS(SH_TEXT(user_id)), &st);
 *		if (rc == SH_DB_ROW)
 *			a->balance = sh_stmt_col_int64(st, 0);
 *		sh_stmt_free(&st);
 *		return rc;
 *	}
 *
 *	return sh_exec(conn, "DELETE FROM sel_idempotency WHERE user_id = $1",
 *		       SH_ARGS(SH_TEXT(user_id)), NULL);
 *
 * Lookups (at most one row by key) answer SH_DB_ROW when found and SH_DB_OK when there is
 * none, like sh_query_row; anything else is an error. Test "found" as rc == SH_DB_ROW.
 *
 * SH_ARGS(...) lists the binds in $ order ($1 first), each typed: SH_TEXT (NULL binds SQL
 * NULL, text is copied), SH_INT (int64), SH_BOOL, SH_NULL; SH_ARGS() for none. The list
 * is a compound literal: it lives until the end of the enclosing block.
 */
enum sh_arg_type { SH_ARG_NULL, SH_ARG_TEXT, SH_ARG_INT64, SH_ARG_BOOL };
struct sh_arg {
	enum sh_arg_type type;
	union {
		const char *text;
		int64_t i64;
		bool b;
	};
};
struct sh_args {
	const struct sh_arg *v; /* v[0] binds $1 */
	int count;
};
#define SH_TEXT(value) ((struct sh_arg){.type = SH_ARG_TEXT, .text = (value)})
#define SH_INT(value) ((struct sh_arg){.type = SH_ARG_INT64, .i64 = (value)})
#define SH_BOOL(value) ((struct sh_arg){.type = SH_ARG_BOOL, .b = (value)})
#define SH_NULL ((struct sh_arg){.type = SH_ARG_NULL})
/* A leading placeholder element makes an empty list valid C ("{{0}, }"); it is skipped. */
#define SH_ARGS(...)                                                                          \
	((struct sh_args){(const struct sh_arg[]){{0}, __VA_ARGS__} + 1,                     \
			  (int)(sizeof((const struct sh_arg[]){{0}, __VA_ARGS__}) /              \
				sizeof(struct sh_arg)) - 1})

/* "sql" prepared with "args" bound, to step through its rows (then sh_stmt_free). */
struct sh_stmt *sh_query(struct sh_conn *conn, const char *sql, struct sh_args args);
/*
 * Runs "sql" for its first row: SH_DB_ROW with "*stmt_r" on it (read its columns, then
 * sh_stmt_free), SH_DB_OK when there is none, or an error; "*stmt_r" is NULL then.
 */
enum sh_db_rc sh_query_row(struct sh_conn *conn, const char *sql, struct sh_args args,
			   struct sh_stmt **stmt_r);
/* The first column of the first row as an integer (a count, a balance): SH_DB_ROW with
 * "*value_r" set, SH_DB_OK when there is no row ("*value_r" 0), or an error. */
enum sh_db_rc sh_query_int64(struct sh_conn *conn, const char *sql, struct sh_args args,
			     int64_t *value_r);
/* The first column of every row as text copied into "arena", NULL-terminated ("*n_r", may
 * be NULL, gets the count), in the statement's order. The column must not be SQL NULL (an
 * error then). SH_DB_OK or an error; "*texts_r" is set either way. */
struct sh_arena;
enum sh_db_rc sh_query_texts(struct sh_conn *conn, struct sh_arena *arena, const char *sql,
			     struct sh_args args, const char ***texts_r, size_t *n_r);
/*
 * A rolling window's tally, for rate limits ("5 a day", "1 a minute"): "sql" selects
 * COUNT(*), MIN(<time column>), MAX(<time column>) over the window's rows. "*tally_r" gets
 * the count and the oldest and newest times as RFC 3339 text copied into "arena" (NULL when
 * the window is empty). SH_DB_OK or an error.
 */
struct sh_arena;
struct sh_window_tally {
	int64_t count;
	const char *oldest;
	const char *latest;
};
enum sh_db_rc sh_query_window(struct sh_conn *conn, struct sh_arena *arena, const char *sql,
			      struct sh_args args, struct sh_window_tally *tally_r);
/*
 * Runs a statement for its effect (INSERT, UPDATE, DELETE; rows it returns are read and
 * dropped): SH_DB_OK or an error. "changed_r" (may be NULL) receives the rows changed.
 */
enum sh_db_rc sh_exec(struct sh_conn *conn, const char *sql, struct sh_args args,
		      int64_t *changed_r);

/*
 * Guards: a one-row lookup that decides whether a request may use the connection at all
 * (the auth gate's account read). "check" gets the lookup's outcome (SH_DB_ROW with "row"
 * on it, SH_DB_OK when there is no row, or an error with "row" NULL) and answers SH_DB_OK
 * to let the request go on, or the code that every later call on the connection then
 * fails with, until sh_conn_guard_end (SH_DB_DENIED, or the lookup's own error).
 */
typedef enum sh_db_rc sh_guard_fn(void *ctx, enum sh_db_rc rc, struct sh_stmt *row);
/*
 * Runs the guard now and returns its verdict; or, with "defer" on a driver that can send
 * two statements in one round trip (PostgreSQL's pipeline), keeps it pending and returns
 * SH_DB_OK. A pending guard runs before anything else on the connection: in the same
 * round trip as the next statement when that one only reads (it begins with SELECT and no
 * transaction is open), otherwise alone, first (BEGIN, a write, a script). A read sent
 * along with a guard that refuses answers the refusal; its rows are dropped unread.
 */
enum sh_db_rc sh_conn_guard(struct sh_conn *conn, const char *sql, struct sh_args args,
			    sh_guard_fn *check, void *ctx, bool defer);
/* The verdict of the connection's guard, running it now if it is still pending; SH_DB_OK
 * when there is none. */
enum sh_db_rc sh_conn_guard_settle(struct sh_conn *conn);
/* The request is over: forgets its guard (a pending one is dropped, not run) and verdict. */
void sh_conn_guard_end(struct sh_conn *conn);

/*
 * Statements, one call at a time (what the query calls above are made of; code that steps
 * through rows uses sh_query, then these). "sql" must outlive the statement (string
 * literals in practice). sh_stmt_prepare never returns NULL (allocation failure ends the
 * process, see mem.h): errors show at the first step.
 */
struct sh_stmt *sh_stmt_prepare(struct sh_conn *conn, const char *sql);
void sh_stmt_free(struct sh_stmt **stmt_r);

/* Binds; "index" is 1-based like $1. Text is copied. NULL text binds SQL NULL. */
void sh_stmt_bind_text(struct sh_stmt *stmt, int index, const char *value);
void sh_stmt_bind_int64(struct sh_stmt *stmt, int index, int64_t value);
void sh_stmt_bind_bool(struct sh_stmt *stmt, int index, bool value);
void sh_stmt_bind_null(struct sh_stmt *stmt, int index);

/* Executes (first call) and moves to the next row: SH_DB_ROW, SH_DB_OK when done, or an error. */
enum sh_db_rc sh_stmt_step(struct sh_stmt *stmt);
/* Step a statement that returns no rows: SH_DB_OK or an error. */
enum sh_db_rc sh_stmt_exec(struct sh_stmt *stmt);
/* Executes a statement that returns no rows, then frees it ("*stmt_r" becomes NULL);
 * "changed_r" (may be NULL) receives the rows changed. (sh_exec is the whole write.) */
enum sh_db_rc sh_stmt_exec_free(struct sh_stmt **stmt_r, int64_t *changed_r);
/* Rows changed by the last INSERT/UPDATE/DELETE. */
int64_t sh_stmt_changes(struct sh_stmt *stmt);
/* Clears binds and results so the statement can run again. */
void sh_stmt_reset(struct sh_stmt *stmt);

/* Columns of the current row, 0-based. */
int sh_stmt_col_count(struct sh_stmt *stmt);
bool sh_stmt_col_is_null(struct sh_stmt *stmt, int col);
const char *sh_stmt_col_text(struct sh_stmt *stmt, int col); /* NULL for SQL NULL */
int64_t sh_stmt_col_int64(struct sh_stmt *stmt, int col);
bool sh_stmt_col_bool(struct sh_stmt *stmt, int col);
/* A timestamp column as RFC 3339 UTC ("2026-11-26T21:38:38Z"), whatever the backend
 * returns (SQLite stores that text; PostgreSQL returns timestamptz text). NULL for NULL. */
const char *sh_stmt_col_time(struct sh_stmt *stmt, int col);

/* Last error message of the connection (for logs, never for clients). */
const char *sh_conn_last_error(struct sh_conn *conn);
/* The code of that error: PostgreSQL's SQLSTATE ("22P02") or SQLite's code name; "-" when
 * none. Unlike the message, it never quotes a value. */
const char *sh_conn_last_code(struct sh_conn *conn);

/*
 * Runs "fn(conn, ctx)" inside a transaction and commits; rolls back when fn returns
 * anything but SH_DB_OK. On SH_DB_RETRY (SQLite busy, PostgreSQL 40001/40P01) the whole
 * transaction is run again, up to 12 times with a jittered backoff, so "fn" must be
 * repeatable (no side effects outside the database). fn may return SH_DB_OK after
 * recording a business outcome (e.g. "invite invalid") in ctx and wanting a rollback:
 * it sets "*rollback_r" for that.
 */
typedef enum sh_db_rc sh_tx_fn(struct sh_conn *conn, void *ctx, bool *rollback_r);
enum sh_db_rc sh_conn_transaction(struct sh_conn *conn, enum sh_tx_mode mode, sh_tx_fn *fn,
				  void *ctx);

/*
 * Runs "fn(conn, ctx)" in one read transaction (SH_TX_READ: every query sees the same
 * snapshot, even while writes go on) and commits; rolls back when fn returns anything but
 * SH_DB_OK and returns that. Not retried: a read-only snapshot does not conflict.
 */
typedef enum sh_db_rc sh_read_fn(struct sh_conn *conn, void *ctx);
enum sh_db_rc sh_conn_read_snapshot(struct sh_conn *conn, sh_read_fn *fn, void *ctx);

#endif
