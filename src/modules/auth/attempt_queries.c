/* SQL for the guessing limits (see attempt_queries.h for why each INSERT counts). */
#include "modules/auth/attempt_queries.h"

static enum sh_db_rc exec_one_text(struct sh_conn *conn, const char *sql, const char *p1,
				   const char *p2)
{
	struct sh_stmt *st = sh_stmt_prepare(conn, sql);
	if (st == NULL)
		return SH_DB_ERROR;
	sh_stmt_bind_text(st, 1, p1);
	if (p2 != NULL)
		sh_stmt_bind_text(st, 2, p2);
	return sh_stmt_exec_free(&st, NULL);
}

enum sh_db_rc sh_password_attempt_reserve(struct sh_conn *conn, const char *email,
					  const struct sh_attempt *a, int64_t pair_max,
					  int64_t account_max, int64_t *reserved_r)
{
	/* Rows older than the window no longer count: drop them (everyone's), so the table
	 * holds at most one window of attempts and no e-mail address lingers. */
	enum sh_db_rc rc = exec_one_text(conn, "DELETE FROM login_failures WHERE failed_at <= $1",
					 a->since, NULL);
	if (rc != SH_DB_OK)
		return rc;
	struct sh_stmt *st = sh_stmt_prepare(
		conn, "INSERT INTO login_failures (id, email, client_ip, failed_at) "
		      "SELECT $1, $2, $3, $4 WHERE "
		      "(SELECT COUNT(*) FROM login_failures "
		      " WHERE email = $2 AND client_ip = $3 AND failed_at > $5) < $6 AND "
		      "(SELECT COUNT(*) FROM login_failures WHERE email = $2 AND failed_at > $5) < $7");
	if (st == NULL)
		return SH_DB_ERROR;
	sh_stmt_bind_text(st, 1, a->id);
	sh_stmt_bind_text(st, 2, email);
	sh_stmt_bind_text(st, 3, a->client_ip);
	sh_stmt_bind_text(st, 4, a->now);
	sh_stmt_bind_text(st, 5, a->since);
	sh_stmt_bind_int64(st, 6, pair_max);
	sh_stmt_bind_int64(st, 7, account_max);
	return sh_stmt_exec_free(&st, reserved_r);
}

enum sh_db_rc sh_password_attempts_in_window(struct sh_conn *conn, struct sh_arena *arena,
					     const char *email, const char *client_ip,
					     const char *since, int64_t *count_r,
					     const char **oldest_r)
{
	struct sh_stmt *st = sh_stmt_prepare(
		conn, "SELECT COUNT(*), MIN(failed_at) FROM login_failures WHERE email = $1 "
		      "AND (CAST($2 AS TEXT) IS NULL OR client_ip = $2) AND failed_at > $3");
	if (st == NULL)
		return SH_DB_ERROR;
	sh_stmt_bind_text(st, 1, email);
	sh_stmt_bind_text(st, 2, client_ip);
	sh_stmt_bind_text(st, 3, since);
	enum sh_db_rc rc = sh_stmt_step(st);
	if (rc == SH_DB_ROW) {
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
	return exec_one_text(conn, "DELETE FROM login_failures WHERE id = $1", id, NULL);
}

enum sh_db_rc sh_password_attempts_clear_pair(struct sh_conn *conn, const char *email,
					      const char *client_ip)
{
	return exec_one_text(conn, "DELETE FROM login_failures WHERE email = $1 AND client_ip = $2",
			     email, client_ip);
}

enum sh_db_rc sh_login_failure_clear_user(struct sh_conn *conn, const char *user_id)
{
	return exec_one_text(
		conn, "DELETE FROM login_failures WHERE email = (SELECT email FROM users WHERE id = $1)",
		user_id, NULL);
}

enum sh_db_rc sh_ip_attempt_reserve(struct sh_conn *conn, const struct sh_attempt *a, int64_t max,
				    int64_t *reserved_r)
{
	enum sh_db_rc rc = exec_one_text(
		conn, "DELETE FROM auth_ip_attempts WHERE attempted_at <= $1", a->since, NULL);
	if (rc != SH_DB_OK)
		return rc;
	struct sh_stmt *st = sh_stmt_prepare(
		conn, "INSERT INTO auth_ip_attempts (id, client_ip, attempted_at) "
		      "SELECT $1, $2, $3 WHERE (SELECT COUNT(*) FROM auth_ip_attempts "
		      " WHERE client_ip = $2 AND attempted_at > $4) < $5");
	if (st == NULL)
		return SH_DB_ERROR;
	sh_stmt_bind_text(st, 1, a->id);
	sh_stmt_bind_text(st, 2, a->client_ip);
	sh_stmt_bind_text(st, 3, a->now);
	sh_stmt_bind_text(st, 4, a->since);
	sh_stmt_bind_int64(st, 5, max);
	return sh_stmt_exec_free(&st, reserved_r);
}

enum sh_db_rc sh_ip_attempt_oldest(struct sh_conn *conn, struct sh_arena *arena,
				   const char *client_ip, const char *since, const char **oldest_r)
{
	struct sh_stmt *st = sh_stmt_prepare(
		conn, "SELECT MIN(attempted_at) FROM auth_ip_attempts "
		      "WHERE client_ip = $1 AND attempted_at > $2");
	if (st == NULL)
		return SH_DB_ERROR;
	sh_stmt_bind_text(st, 1, client_ip);
	sh_stmt_bind_text(st, 2, since);
	enum sh_db_rc rc = sh_stmt_step(st);
	if (rc == SH_DB_ROW) {
		const char *oldest = sh_stmt_col_time(st, 0);
		*oldest_r = oldest != NULL ? sh_arena_strdup(arena, oldest) : NULL;
		rc = SH_DB_OK;
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_ip_attempt_release(struct sh_conn *conn, const char *id)
{
	return exec_one_text(conn, "DELETE FROM auth_ip_attempts WHERE id = $1", id, NULL);
}
