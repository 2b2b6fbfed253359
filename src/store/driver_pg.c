/*
 * PostgreSQL driver (libpq, synchronous). One PGconn per connection; each
 * SQL text is prepared once per session (PQprepare) and then run with
 * PQexecPrepared, so the server parses and plans it once.
 *
 * Parameters go as text with no declared type, so the server infers each
 * $N from its context exactly as for a literal.
 *
 * Error texts come from the primary message only: the DETAIL line of a
 * constraint violation quotes the row, which may hold personal data.
 */
#include "store/store-private.h"

#include "schoolhub/log.h"
#include "schoolhub/mem.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Stack room for the parameters of ordinary statements; more go to the heap. */
#define PARAMS_ON_STACK 16

struct pg_conn {
	struct sh_conn conn;
	PGconn *pg;
	struct sh_sql_cache cache; /* value: the prepared statement's name (malloc'ed) */
	unsigned next_id;
};

struct pg_stmt {
	struct sh_stmt stmt;
	bool executed;
	enum sh_db_rc failed; /* executed in a pipeline, where it failed */
	PGresult *res; /* rows of a statement that returned some */
	int row, nrows;
};

static struct pg_conn *pconn(struct sh_conn *conn)
{
	return (struct pg_conn *)conn;
}

static struct pg_stmt *pstmt(struct sh_stmt *stmt)
{
	return (struct pg_stmt *)stmt;
}

static enum sh_db_rc map_sqlstate(const char *state)
{
	if (state == NULL)
		return SH_DB_ERROR;
	if (strcmp(state, "23505") == 0)
		return SH_DB_UNIQUE;
	if (strcmp(state, "23503") == 0)
		return SH_DB_FOREIGN;
	if (strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0)
		return SH_DB_CHECK;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return SH_DB_RETRY;
	/* 57014 query_canceled (statement_timeout; this process never cancels otherwise),
	 * 55P03 lock_not_available (lock_timeout). Not retried: the wait already ran out. */
	if (strcmp(state, "57014") == 0 || strcmp(state, "55P03") == 0)
		return SH_DB_TIMEOUT;
	/* 53100 disk full, 58030 I/O error, 25006 a read-only server (a standby). */
	if (strcmp(state, "53100") == 0 || strcmp(state, "58030") == 0 || strcmp(state, "25006") == 0)
		return SH_DB_STORAGE;
	/* 08: connection exception (but 08P01 is a refused message on a live link);
	 * 57P01..03: admin/crash shutdown, cannot connect now. */
	if ((strncmp(state, "08", 2) == 0 && strcmp(state, "08P01") != 0) || strcmp(state, "57P01") == 0 ||
	    strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0)
		return SH_DB_DOWN;
	return SH_DB_ERROR;
}

/*
 * Records the failure of "res" (which may be NULL when libpq could not even
 * build a result). Data exceptions (class 22) quote the offending input after
 * a colon ('invalid input syntax for type uuid: "..."'): cut it off, it may be
 * a parameter.
 */
static enum sh_db_rc fail(struct pg_conn *c, const PGresult *res, const char *sql)
{
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char msg[512];

	snprintf(msg, sizeof(msg), "%s", primary != NULL ? primary : PQerrorMessage(c->pg));
	msg[strcspn(msg, "\n")] = '\0'; /* libpq's own messages run on with hints */
	if (state != NULL && strncmp(state, "22", 2) == 0)
		msg[strcspn(msg, ":")] = '\0';

	enum sh_db_rc rc = map_sqlstate(state);
	if (PQstatus(c->pg) != CONNECTION_OK)
		rc = SH_DB_DOWN;
	return sh_db_fail(&c->conn, rc, state != NULL ? state : "-", sql, msg);
}

/* ---- connections ------------------------------------------------------------- */

/* Server notices ("relation already exists, skipping") would go to stderr raw. */
static void notice_processor(void *arg, const char *message)
{
	(void)arg;
	sh_log_debug("postgresql: %.*s", (int)strcspn(message, "\n"), message);
}

/*
 * Session settings every connection needs: timestamps come back in UTC ISO
 * form (sh_stmt_col_time relies on it), text is UTF-8.
 */
static int setup_session(struct pg_conn *c)
{
	PQsetNoticeProcessor(c->pg, notice_processor, NULL);
	PGresult *res = PQexec(c->pg,
			       "SET TIME ZONE 'UTC';"
			       "SET datestyle TO 'ISO, YMD';"
			       "SET client_encoding TO 'UTF8'");
	bool ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fail(c, res, "SET TIME ZONE 'UTC'");
	PQclear(res);
	const struct sh_db *db = c->conn.db;
	if (ok && db->pg_timeouts_set) {
		/* One stuck query (a lock held by a forgotten session, a runaway plan) would
		 * otherwise hold its worker thread, and the request, forever. */
		char sql[128];
		snprintf(sql, sizeof(sql), "SET statement_timeout = %u; SET lock_timeout = %u",
			 db->pg_statement_timeout_ms, db->pg_lock_timeout_ms);
		res = PQexec(c->pg, sql);
		ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
		if (!ok)
			fail(c, res, sql);
		PQclear(res);
	}
	return ok ? 0 : -1;
}

void sh_db_set_pg_timeouts(struct sh_db *db, unsigned statement_ms, unsigned lock_ms)
{
	db->pg_timeouts_set = true;
	db->pg_statement_timeout_ms = statement_ms;
	db->pg_lock_timeout_ms = lock_ms;
}

static void free_name(void *value)
{
	free(value);
}

static int pg_connect(struct sh_conn *conn, char **error_r)
{
	struct pg_conn *c = pconn(conn);
	char buf[sizeof(conn->last_error) + 64];

	/*
	 * Defaults the URL may override (it is expanded over the keywords before
	 * it): without a connect timeout an unreachable host would hold a request
	 * (and each reconnect attempt) for the TCP timeout, minutes.
	 */
	static const char *const keywords[] = {"connect_timeout", "fallback_application_name",
					       "dbname", NULL};
	const char *values[] = {"10", "schoolhub", conn->db->target, NULL};
	c->pg = PQconnectdbParams(keywords, values, 1);
	if (c->pg == NULL) {
		*error_r = sh_strdup("postgresql: out of memory connecting");
		return -1;
	}
	if (PQstatus(c->pg) != CONNECTION_OK) {
		const char *msg = PQerrorMessage(c->pg);
		snprintf(buf, sizeof(buf), "postgresql: cannot connect: %.*s",
			 (int)strcspn(msg, "\n"), msg);
		*error_r = sh_strdup(buf);
		PQfinish(c->pg);
		c->pg = NULL;
		return -1;
	}
	if (setup_session(c) < 0) {
		snprintf(buf, sizeof(buf), "postgresql: session setup failed: %s", conn->last_error);
		*error_r = sh_strdup(buf);
		PQfinish(c->pg);
		c->pg = NULL;
		return -1;
	}
	return 0;
}

static void pg_disconnect(struct sh_conn *conn)
{
	struct pg_conn *c = pconn(conn);

	sh_sql_cache_clear(&c->cache, free_name);
	PQfinish(c->pg);
	c->pg = NULL;
}

/*
 * Called before a request uses the connection. libpq learns that the server ended an
 * idle session (a restart, pg_terminate_backend) only when it next reads from it, which
 * would fail that request's first query although the database is up again. An idle
 * session has nothing to say: anything readable on its socket is the server's goodbye
 * (FATAL, then end of file), so such a connection is treated as lost and reset now.
 */
static bool pg_is_lost(struct sh_conn *conn)
{
	PGconn *pg = pconn(conn)->pg;

	if (PQstatus(pg) == CONNECTION_BAD)
		return true;
	if (PQtransactionStatus(pg) != PQTRANS_IDLE)
		return false;
	struct pollfd p = {.fd = PQsocket(pg), .events = POLLIN};
	if (p.fd < 0)
		return true;
	int ready;
	do
		ready = poll(&p, 1, 0);
	while (ready < 0 && errno == EINTR); /* a signal is no reason to drop a session */
	return ready != 0; /* readable, hung up, or poll failing: reset it */
}

static int pg_reconnect(struct sh_conn *conn)
{
	struct pg_conn *c = pconn(conn);

	/* The server forgot our prepared statements with the old session. */
	sh_sql_cache_clear(&c->cache, free_name);
	PQreset(c->pg);
	if (PQstatus(c->pg) != CONNECTION_OK) {
		fail(c, NULL, NULL);
		return -1;
	}
	return setup_session(c);
}

/* Runs one or several statements without parameters through the simple protocol. */
static enum sh_db_rc pg_exec_script(struct sh_conn *conn, const char *sql)
{
	struct pg_conn *c = pconn(conn);
	PGresult *res = PQexec(c->pg, sql);
	enum sh_db_rc rc = SH_DB_OK;

	switch (res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		break;
	default:
		rc = fail(c, res, sql);
		break;
	}
	PQclear(res);
	return rc;
}

static enum sh_db_rc pg_ping(struct sh_conn *conn)
{
	return pg_exec_script(conn, "SELECT 1");
}

/* ---- statements -------------------------------------------------------------- */

/*
 * The name of the session's prepared statement for the SQL, preparing it on
 * first use. "*name_r" stays NULL when the cache is full (run unnamed).
 */
static enum sh_db_rc prepared_name(struct pg_conn *c, const char *sql, const char **name_r)
{
	struct sh_sql_cache_entry *e = sh_sql_cache_find(&c->cache, sql);

	*name_r = NULL;
	if (e != NULL) {
		*name_r = e->value;
		return SH_DB_OK;
	}
	if (c->cache.count >= SH_SQL_CACHE_MAX)
		return SH_DB_OK;

	char name[32];
	snprintf(name, sizeof(name), "sh_%u", c->next_id++);
	PGresult *res = PQprepare(c->pg, name, sql, 0, NULL);
	enum sh_db_rc rc = SH_DB_OK;
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = fail(c, res, sql);
	PQclear(res);
	if (rc != SH_DB_OK)
		return rc;
	e = sh_sql_cache_add(&c->cache, sql, sh_strdup(name));
	*name_r = e->value;
	return SH_DB_OK;
}

/* Parameter texts as libpq takes them, for "n" binds: on the stack for ordinary
 * statements, on the heap past PARAMS_ON_STACK (params_free). */
struct params {
	const char **values;
	char (*numbers)[24];
	const char *values_stack[PARAMS_ON_STACK];
	char numbers_stack[PARAMS_ON_STACK][24];
};

static void params_fill(struct params *p, const struct sh_stmt *stmt)
{
	int n = stmt->nbinds;

	p->values = p->values_stack;
	p->numbers = p->numbers_stack;
	if (n > PARAMS_ON_STACK) {
		p->values = sh_calloc((size_t)n, sizeof(*p->values));
		p->numbers = sh_calloc((size_t)n, sizeof(*p->numbers));
	}
	for (int i = 0; i < n; i++) {
		const struct sh_bind *b = &stmt->binds[i];
		switch (b->type) {
		case SH_BIND_TEXT:
			p->values[i] = b->text;
			break;
		case SH_BIND_INT64:
			snprintf(p->numbers[i], sizeof(p->numbers[i]), "%" PRId64, b->i);
			p->values[i] = p->numbers[i];
			break;
		case SH_BIND_BOOL:
			p->values[i] = b->i ? "true" : "false";
			break;
		case SH_BIND_NULL:
		case SH_BIND_NONE:
		default:
			p->values[i] = NULL;
			break;
		}
	}
}

static void params_free(struct params *p)
{
	if (p->values != p->values_stack) {
		sh_free(&p->values);
		sh_free(&p->numbers);
	}
}

/* Keeps what the server answered for "st" ("res" is taken): its rows, or its failure. */
static enum sh_db_rc take_result(struct pg_stmt *st, PGresult *res)
{
	struct sh_stmt *stmt = &st->stmt;
	enum sh_db_rc rc;

	switch (res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
	case PGRES_TUPLES_OK:
		/* PQcmdTuples counts a SELECT's rows too; only writes change rows (as on SQLite). */
		if (strncmp(PQcmdStatus(res), "SELECT", 6) != 0)
			stmt->changes = strtoll(PQcmdTuples(res), NULL, 10);
		st->res = res;
		st->nrows = PQntuples(res);
		st->row = -1;
		return SH_DB_OK;
	case PGRES_COMMAND_OK:
	case PGRES_EMPTY_QUERY:
		stmt->changes = strtoll(PQcmdTuples(res), NULL, 10);
		PQclear(res);
		return SH_DB_OK;
	default:
		rc = fail(pconn(stmt->conn), res, stmt->sql);
		PQclear(res);
		return rc;
	}
}

static enum sh_db_rc execute(struct pg_stmt *st)
{
	struct sh_stmt *stmt = &st->stmt;
	struct pg_conn *c = pconn(stmt->conn);
	const char *name = NULL;
	struct params p;

	enum sh_db_rc rc = prepared_name(c, stmt->sql, &name);
	if (rc != SH_DB_OK)
		return rc;
	params_fill(&p, stmt);
	PGresult *res = name != NULL
		? PQexecPrepared(c->pg, name, stmt->nbinds, p.values, NULL, NULL, 0)
		: PQexecParams(c->pg, stmt->sql, stmt->nbinds, NULL, p.values, NULL, NULL, 0);
	params_free(&p);
	return take_result(st, res);
}

static enum sh_db_rc pg_stmt_step(struct sh_stmt *stmt)
{
	struct pg_stmt *st = pstmt(stmt);

	if (!st->executed) {
		enum sh_db_rc rc = execute(st);
		if (rc != SH_DB_OK)
			return rc;
		st->executed = true;
	}
	if (st->failed != SH_DB_OK)
		return st->failed;
	if (st->res == NULL)
		return SH_DB_OK;
	if (++st->row < st->nrows)
		return SH_DB_ROW;
	/* Done: give the rows back now rather than at free. */
	PQclear(st->res);
	st->res = NULL;
	return SH_DB_OK;
}

/* The next result of the pipeline, and the NULL that ends a statement's results after
 * it; NULL when the statement had none (the connection broke). */
static PGresult *pipeline_result(PGconn *pg)
{
	PGresult *res = PQgetResult(pg);
	if (res != NULL && PQresultStatus(res) != PGRES_PIPELINE_SYNC) {
		PGresult *extra;
		while ((extra = PQgetResult(pg)) != NULL)
			PQclear(extra);
	}
	return res;
}

/*
 * Both statements in one pipeline: Bind/Execute of each, then one Sync, so the server
 * reads them in one message and answers both in one (one round trip instead of two).
 * They run in one implicit transaction; if "first" fails, "second" is skipped by the
 * server and stays unexecuted here. Statements not yet prepared on this session are
 * prepared first (a round trip each, once per session).
 */
static enum sh_db_rc pg_stmt_step_pair(struct sh_stmt *first, struct sh_stmt *second)
{
	struct pg_stmt *a = pstmt(first), *b = pstmt(second);
	struct pg_conn *c = pconn(first->conn);
	const char *name_a = NULL, *name_b = NULL;

	enum sh_db_rc rc = prepared_name(c, first->sql, &name_a);
	if (rc != SH_DB_OK)
		return rc;
	if (prepared_name(c, second->sql, &name_b) != SH_DB_OK)
		name_b = NULL; /* "second" reports its own failure when it runs */
	if (name_a == NULL || name_b == NULL || a->executed || b->executed ||
	    PQenterPipelineMode(c->pg) != 1)
		return pg_stmt_step(first); /* uncached statements: one at a time */

	struct params pa, pb;
	params_fill(&pa, first);
	params_fill(&pb, second);
	bool sent = PQsendQueryPrepared(c->pg, name_a, first->nbinds, pa.values, NULL, NULL, 0) == 1 &&
		    PQsendQueryPrepared(c->pg, name_b, second->nbinds, pb.values, NULL, NULL, 0) == 1 &&
		    PQpipelineSync(c->pg) == 1;
	params_free(&pa);
	params_free(&pb);

	PGresult *res_a = NULL, *res_b = NULL;
	bool synced = false;
	if (sent) {
		res_a = pipeline_result(c->pg);
		res_b = res_a != NULL ? pipeline_result(c->pg) : NULL;
		PGresult *sync = res_b != NULL ? PQgetResult(c->pg) : NULL;
		synced = sync != NULL && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
		PQclear(sync);
	}
	if (!synced || PQexitPipelineMode(c->pg) != 1) {
		/* The session is out of step with what was sent: drop it, the next request
		 * reconnects. */
		PQclear(res_a);
		PQclear(res_b);
		return sh_db_fail(first->conn, SH_DB_DOWN, "-", first->sql,
				  "pipeline of two statements did not complete");
	}

	rc = take_result(a, res_a);
	a->executed = true;
	if (rc == SH_DB_OK && PQresultStatus(res_b) != PGRES_PIPELINE_ABORTED) {
		b->failed = take_result(b, res_b);
		b->executed = true;
	} else {
		PQclear(res_b); /* skipped by the server after the first failed */
	}
	return rc != SH_DB_OK ? rc : pg_stmt_step(first);
}

static void pg_stmt_reset(struct sh_stmt *stmt)
{
	struct pg_stmt *st = pstmt(stmt);

	PQclear(st->res);
	st->res = NULL;
	st->executed = false;
	st->failed = SH_DB_OK;
	st->row = st->nrows = 0;
}

static int pg_col_count(struct sh_stmt *stmt)
{
	return PQnfields(pstmt(stmt)->res);
}

static bool pg_col_is_null(struct sh_stmt *stmt, int col)
{
	struct pg_stmt *st = pstmt(stmt);

	return PQgetisnull(st->res, st->row, col) != 0;
}

static const char *pg_col_text(struct sh_stmt *stmt, int col)
{
	struct pg_stmt *st = pstmt(stmt);

	return PQgetvalue(st->res, st->row, col);
}

static int64_t pg_col_int64(struct sh_stmt *stmt, int col)
{
	return strtoll(pg_col_text(stmt, col), NULL, 10);
}

static bool pg_col_bool(struct sh_stmt *stmt, int col)
{
	const char *v = pg_col_text(stmt, col);

	/* 't' for boolean; accept 1 too so COUNT-style integers read sensibly. */
	return v[0] == 't' || (v[0] == '1' && v[1] == '\0');
}

const struct sh_db_driver sh_db_driver_pg = {
	.name = "postgresql",
	.kind = SH_DB_POSTGRES,
	.conn_size = sizeof(struct pg_conn),
	.stmt_size = sizeof(struct pg_stmt),
	/*
	 * SQLite runs write transactions one at a time and reads on a snapshot.
	 * These levels give PostgreSQL code the same guarantees, so a
	 * read-modify-write written in portable SQL (no FOR UPDATE) is safe on
	 * both: a conflict surfaces as 40001, i.e. SH_DB_RETRY.
	 */
	.begin_sql = {[SH_TX_READ] = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
		      [SH_TX_WRITE] = "BEGIN ISOLATION LEVEL SERIALIZABLE",
		      [SH_TX_WRITE_ROWLOCKED] = "BEGIN ISOLATION LEVEL READ COMMITTED"},
	.connect = pg_connect,
	.disconnect = pg_disconnect,
	.is_lost = pg_is_lost,
	.reconnect = pg_reconnect,
	.ping = pg_ping,
	.exec_script = pg_exec_script,
	.stmt_step = pg_stmt_step,
	.stmt_step_pair = pg_stmt_step_pair,
	.stmt_reset = pg_stmt_reset,
	.stmt_free = pg_stmt_reset,
	.col_count = pg_col_count,
	.col_is_null = pg_col_is_null,
	.col_text = pg_col_text,
	.col_int64 = pg_col_int64,
	.col_bool = pg_col_bool,
};
