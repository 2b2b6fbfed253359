/*
 * Guards (store.h, sh_conn_guard): the lookup that decides whether a request may use its
 * connection (the auth gate's account read). It runs before anything else of the request
 * reaches the database: at once, or, deferred on a driver that pipelines, in the same
 * round trip as the request's first statement when that statement only reads. Sending a
 * read before the verdict is safe because nothing of it is used unless the guard passes:
 * its rows are dropped and it answers the refusal. Anything that may change something (a
 * write, BEGIN, a script) waits for the verdict, as every call after it does.
 */
#include "store/store-private.h"

#include <ctype.h>
#include <strings.h>

/* A statement that may run before the guard's verdict: a SELECT outside a transaction.
 * (Every SELECT of this code base only reads; inside a transaction the guard has run.) */
static bool only_reads(const struct sh_stmt *stmt)
{
	if (stmt->conn->in_tx)
		return false;
	const char *p = stmt->sql;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '(')
		p++;
	return strncasecmp(p, "SELECT", 6) == 0 && !isalnum((unsigned char)p[6]) && p[6] != '_';
}

/* Runs the pending lookup, "along" in the same round trip when not NULL, and keeps the
 * verdict of its check. */
static enum sh_db_rc guard_run(struct sh_conn *conn, struct sh_stmt *along)
{
	struct sh_stmt *lookup = conn->guard;
	enum sh_db_rc rc;

	conn->guard = NULL; /* the lookup itself must not wait for the guard */
	if (along != NULL) {
		rc = sh_conn_check_usable(conn, lookup->sql);
		if (rc == SH_DB_OK)
			rc = sh_conn_note_result(conn,
						 conn->db->driver->stmt_step_pair(lookup, along));
		lookup->has_row = rc == SH_DB_ROW;
		lookup->state = rc == SH_DB_ROW ? SH_STMT_RUNNING : SH_STMT_DONE;
		lookup->done_rc = rc;
	} else {
		rc = sh_stmt_step(lookup);
	}
	enum sh_db_rc verdict =
		conn->guard_check(conn->guard_ctx, rc, rc == SH_DB_ROW ? lookup : NULL);
	sh_stmt_free(&lookup);
	/* Fail closed: only SH_DB_OK lets the request go on. */
	conn->guard_verdict = verdict > 0 ? SH_DB_DENIED : verdict;
	return conn->guard_verdict;
}

enum sh_db_rc sh_conn_guard(struct sh_conn *conn, const char *sql, struct sh_args args,
			    sh_guard_fn *check, void *ctx, bool defer)
{
	sh_conn_guard_end(conn);
	conn->guard = sh_query(conn, sql, args);
	conn->guard_check = check;
	conn->guard_ctx = ctx;
	if (defer && conn->db->driver->stmt_step_pair != NULL && !conn->in_tx)
		return SH_DB_OK;
	return guard_run(conn, NULL);
}

enum sh_db_rc sh_conn_guard_settle(struct sh_conn *conn)
{
	return conn->guard != NULL ? guard_run(conn, NULL) : conn->guard_verdict;
}

enum sh_db_rc sh_conn_guard_pass_with(struct sh_conn *conn, struct sh_stmt *stmt)
{
	if (conn->guard == NULL)
		return conn->guard_verdict;
	bool along = conn->db->driver->stmt_step_pair != NULL && only_reads(stmt);
	enum sh_db_rc verdict = guard_run(conn, along ? stmt : NULL);
	if (verdict != SH_DB_OK && along)
		conn->db->driver->stmt_reset(stmt); /* its answer is dropped unread */
	return verdict;
}

void sh_conn_guard_end(struct sh_conn *conn)
{
	sh_stmt_free(&conn->guard);
	conn->guard_check = NULL;
	conn->guard_ctx = NULL;
	conn->guard_verdict = SH_DB_OK;
}
