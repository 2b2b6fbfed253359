/* SQL of forgotten passwords (password_resets, migration 0013). */
#include "modules/auth/reset_queries.h"

#include "modules/auth/link_rows.h"

enum sh_db_rc sh_reset_reserve(struct sh_conn *conn, const struct sh_reset_row *r, int64_t max,
			       int64_t *written_r)
{
	/* Older than the window is older than any link's 30 minutes too: nothing to keep. */
	enum sh_db_rc rc = sh_exec(conn, "DELETE FROM password_resets WHERE created_at <= $1",
				   SH_ARGS(SH_TEXT(r->since)), NULL);
	if (rc != SH_DB_OK)
		return rc;
	return sh_exec(conn,
		       "INSERT INTO password_resets (id, email_key, email, token_hash, created_at, "
		       "expires_at) SELECT $1, $2, $3, $4, $5, $6 WHERE (SELECT COUNT(*) FROM "
		       "password_resets WHERE email_key = $2 AND created_at > $7) < $8",
		       SH_ARGS(SH_TEXT(r->id), SH_TEXT(r->email_key), SH_TEXT(r->email),
			       SH_TEXT(r->token_hash), SH_TEXT(r->now), SH_TEXT(r->expires_at),
			       SH_TEXT(r->since), SH_INT(max)),
		       written_r);
}

enum sh_db_rc sh_reset_window(struct sh_conn *conn, struct sh_arena *arena,
			      const char *email_key, const char *since,
			      struct sh_window_tally *tally_r)
{
	return sh_query_window(conn, arena,
			       "SELECT COUNT(*), MIN(created_at), MAX(created_at) FROM "
			       "password_resets WHERE email_key = $1 AND created_at > $2",
			       SH_ARGS(SH_TEXT(email_key), SH_TEXT(since)), tally_r);
}

enum sh_db_rc sh_reset_mail_facts(struct sh_conn *conn, struct sh_arena *arena, const char *id,
				  const char *now, struct sh_reset_facts *f)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn,
		"SELECT r.email, u.id, u.first_name, u.locale, "
		"CASE WHEN " SH_LINK_ALIVE("r.", "$2") " THEN 1 ELSE 0 END "
		"FROM password_resets r LEFT JOIN users u ON u.email = r.email AND u.active "
		"AND u.deleted_at IS NULL WHERE r.id = $1",
		SH_ARGS(SH_TEXT(id), SH_TEXT(now)), &st);
	if (rc == SH_DB_ROW) {
		f->email = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		f->user_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
		f->first_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
		f->locale = sh_arena_strdup(arena, sh_stmt_col_text(st, 3));
		f->still_wanted = sh_stmt_col_int64(st, 4) == 1;
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_reset_forget_address(struct sh_conn *conn, const char *id)
{
	return sh_exec(conn, "UPDATE password_resets SET email = NULL WHERE id = $1",
		       SH_ARGS(SH_TEXT(id)), NULL);
}

enum sh_db_rc sh_reset_bind_account(struct sh_conn *conn, const char *id, const char *user_id)
{
	return sh_exec(conn, "UPDATE password_resets SET user_id = $2 WHERE id = $1",
		       SH_ARGS(SH_TEXT(id), SH_TEXT(user_id)), NULL);
}

/* A usable link: unused, unexpired, mailed to an account that is live and still has the
 * address it was mailed to (the link proves that address, not the account). */
#define USABLE_RESET                                                                      \
	"r.token_hash = $1 AND " SH_LINK_ALIVE("r.", "$2") " AND r.user_id IS NOT "           \
	"NULL AND EXISTS (SELECT 1 FROM users u WHERE u.id = r.user_id AND u.email = r.email " \
	"AND u.active AND u.deleted_at IS NULL)"

enum sh_db_rc sh_reset_find(struct sh_conn *conn, struct sh_arena *arena,
			    const char *token_hash, const char *now, const char **user_id_r)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT r.user_id FROM password_resets r WHERE " USABLE_RESET,
					SH_ARGS(SH_TEXT(token_hash), SH_TEXT(now)), &st);
	if (rc == SH_DB_ROW)
		*user_id_r = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_reset_use(struct sh_conn *conn, struct sh_arena *arena, const char *token_hash,
			   const char *now, const char **user_id_r)
{
	/* "used_at IS NULL" again in the outer WHERE, on the row being written: of two uses of
	 * one link only one gets a row, whatever the isolation level. */
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"UPDATE password_resets SET used_at = $2 WHERE id = "
					"(SELECT r.id FROM password_resets r WHERE " USABLE_RESET
					") AND used_at IS NULL RETURNING user_id",
					SH_ARGS(SH_TEXT(token_hash), SH_TEXT(now)), &st);
	if (rc == SH_DB_ROW)
		*user_id_r = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
	sh_stmt_free(&st);
	if (rc != SH_DB_ROW)
		return rc;
	/* One new password per request: the account's other links die with this one. */
	rc = sh_exec(conn,
		     "UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL",
		     SH_ARGS(SH_TEXT(*user_id_r), SH_TEXT(now)), NULL);
	return rc == SH_DB_OK ? SH_DB_ROW : rc;
}

enum sh_db_rc sh_reset_delete_user(struct sh_conn *conn, const char *user_id)
{
	return sh_exec(conn,
		       "DELETE FROM password_resets WHERE user_id = $1 OR email = "
		       "(SELECT email FROM users WHERE id = $1)",
		       SH_ARGS(SH_TEXT(user_id)), NULL);
}
