/* SQL for the guessing limits (see attempt_queries.h for why each INSERT counts). */
#include "modules/auth/attempt_queries.h"

enum sh_db_rc sh_password_attempt_reserve(struct sh_conn *conn, const char *email,
					  const struct sh_attempt *a, int64_t pair_max,
					  int64_t account_max, int64_t *reserved_r)
{
	/* Rows older than the window no longer count: drop them (everyone's), so the table
	 * holds at most one window of attempts and no e-mail address lingers. */
	enum sh_db_rc rc = sh_exec(conn, "DELETE FROM login_failures WHERE failed_at <= $1",
				   SH_ARGS(SH_TEXT(a->since)), NULL);
	if (rc != SH_DB_OK)
		return rc;
	return sh_exec(
		conn,
		"INSERT INTO login_failures (id, email, client_ip, failed_at) "
		"SELECT $1, $2, $3, $4 WHERE "
		"(SELECT COUNT(*) FROM login_failures "
		" WHERE email = $2 AND client_ip = $3 AND failed_at > $5) < $6 AND "
		"(SELECT COUNT(*) FROM login_failures WHERE email = $2 AND failed_at > $5) < $7",
		SH_ARGS(SH_TEXT(a->id), SH_TEXT(email), SH_TEXT(a->client_ip), SH_TEXT(a->now),
			SH_TEXT(a->since), SH_INT(pair_max), SH_INT(account_max)),
		reserved_r);
}

enum sh_db_rc sh_password_attempts_in_window(struct sh_conn *conn, struct sh_arena *arena,
					     const char *email, const char *client_ip,
					     const char *since, int64_t *count_r,
					     const char **oldest_r)
{
	struct sh_stmt *st;
	enum sh_db_rc rc =
		sh_query_row(conn,
			     "SELECT COUNT(*), MIN(failed_at) FROM login_failures WHERE email = $1 "
			     "AND (CAST($2 AS TEXT) IS NULL OR client_ip = $2) AND failed_at > $3",
			     SH_ARGS(SH_TEXT(email), SH_TEXT(client_ip), SH_TEXT(since)), &st);
	if (rc == SH_DB_ROW) { /* an aggregate: always one row */
		*count_r = sh_stmt_col_int64(st, 0);
		const char *oldest = sh_stmt_col_time(st, 1);
		*oldest_r = oldest != NULL ? sh_arena_strdup(arena, oldest) : NULL;
		rc = SH_DB_OK;
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_password_attempt_release(struct sh_conn *conn, const char *id)
{
	return sh_exec(conn, "DELETE FROM login_failures WHERE id = $1", SH_ARGS(SH_TEXT(id)),
		       NULL);
}

enum sh_db_rc sh_password_attempts_clear_pair(struct sh_conn *conn, const char *email,
					      const char *client_ip)
{
	return sh_exec(conn, "DELETE FROM login_failures WHERE email = $1 AND client_ip = $2",
		       SH_ARGS(SH_TEXT(email), SH_TEXT(client_ip)), NULL);
}

enum sh_db_rc sh_login_failure_clear_user(struct sh_conn *conn, const char *user_id)
{
	return sh_exec(
		conn,
		"DELETE FROM login_failures WHERE email = (SELECT email FROM users WHERE id = $1)",
		SH_ARGS(SH_TEXT(user_id)), NULL);
}

enum sh_db_rc sh_ip_attempt_reserve(struct sh_conn *conn, const struct sh_attempt *a, int64_t max,
				    int64_t *reserved_r)
{
	enum sh_db_rc rc = sh_exec(conn, "DELETE FROM auth_ip_attempts WHERE attempted_at <= $1",
				   SH_ARGS(SH_TEXT(a->since)), NULL);
	if (rc != SH_DB_OK)
		return rc;
	return sh_exec(conn,
		       "INSERT INTO auth_ip_attempts (id, client_ip, attempted_at) "
		       "SELECT $1, $2, $3 WHERE (SELECT COUNT(*) FROM auth_ip_attempts "
		       " WHERE client_ip = $2 AND attempted_at > $4) < $5",
		       SH_ARGS(SH_TEXT(a->id), SH_TEXT(a->client_ip), SH_TEXT(a->now),
			       SH_TEXT(a->since), SH_INT(max)),
		       reserved_r);
}

enum sh_db_rc sh_ip_attempt_oldest(struct sh_conn *conn, struct sh_arena *arena,
				   const char *client_ip, const char *since, const char **oldest_r)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT MIN(attempted_at) FROM auth_ip_attempts "
					"WHERE client_ip = $1 AND attempted_at > $2",
					SH_ARGS(SH_TEXT(client_ip), SH_TEXT(since)), &st);
	if (rc == SH_DB_ROW) { /* an aggregate: always one row */
		const char *oldest = sh_stmt_col_time(st, 0);
		*oldest_r = oldest != NULL ? sh_arena_strdup(arena, oldest) : NULL;
		rc = SH_DB_OK;
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_ip_attempt_release(struct sh_conn *conn, const char *id)
{
	return sh_exec(conn, "DELETE FROM auth_ip_attempts WHERE id = $1", SH_ARGS(SH_TEXT(id)),
		       NULL);
}
