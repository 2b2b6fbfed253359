/* SQL of e-mail verification (email_verifications, users.is_verified; migration 0008). */
#include "modules/auth/verify_queries.h"

#include "modules/auth/link_rows.h"

enum sh_db_rc sh_verification_insert(struct sh_conn *conn, const char *id, const char *user_id,
				     const char *email, const char *token_hash, const char *now,
				     const char *expires_at)
{
	return sh_exec(conn,
		       "INSERT INTO email_verifications (id, user_id, email, token_hash, created_at, "
		       "expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
		       SH_ARGS(SH_TEXT(id), SH_TEXT(user_id), SH_TEXT(email), SH_TEXT(token_hash),
			       SH_TEXT(now), SH_TEXT(expires_at)),
		       NULL);
}

enum sh_db_rc sh_verification_sends_since(struct sh_conn *conn, struct sh_arena *arena,
					  const char *user_id, const char *since,
					  struct sh_window_tally *sent_r)
{
	return sh_query_window(conn, arena,
			       "SELECT COUNT(*), MIN(created_at), MAX(created_at) "
			       "FROM email_verifications WHERE user_id = $1 AND created_at > $2",
			       SH_ARGS(SH_TEXT(user_id), SH_TEXT(since)), sent_r);
}

enum sh_db_rc sh_verification_use(struct sh_conn *conn, struct sh_arena *arena,
				  const char *token_hash, const char *now, const char **user_id_r)
{
	/* Single use, unexpired, and only while the account still has the address the link
	 * was sent to: a link is proof of that address, not of the account. */
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn,
		"UPDATE email_verifications SET used_at = $2 "
		"WHERE token_hash = $1 AND " SH_LINK_ALIVE("", "$2") " "
		"AND email = (SELECT u.email FROM users u WHERE u.id = email_verifications.user_id "
		"             AND u.active AND u.deleted_at IS NULL) "
		"RETURNING user_id, email",
		SH_ARGS(SH_TEXT(token_hash), SH_TEXT(now)), &st);
	const char *email = NULL;
	if (rc == SH_DB_ROW) {
		*user_id_r = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		email = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
	}
	sh_stmt_free(&st);
	if (rc != SH_DB_ROW)
		return rc;
	int64_t changed = 0;
	rc = sh_exec(conn,
		     "UPDATE users SET is_verified = $3, updated_at = $4 WHERE id = $1 AND email = $2",
		     SH_ARGS(SH_TEXT(*user_id_r), SH_TEXT(email), SH_BOOL(true), SH_TEXT(now)),
		     &changed);
	if (rc != SH_DB_OK)
		return rc;
	return changed == 1 ? SH_DB_ROW : SH_DB_OK;
}

enum sh_db_rc sh_verification_mail_facts(struct sh_conn *conn, struct sh_arena *arena,
					 const char *id, const char *now,
					 struct sh_verification_facts *f)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn,
		"SELECT v.email, u.first_name, u.locale, "
		"CASE WHEN " SH_LINK_ALIVE("v.", "$2") " AND v.email = u.email "
		"     AND u.active AND u.deleted_at IS NULL AND NOT u.is_verified THEN 1 ELSE 0 END "
		"FROM email_verifications v JOIN users u ON u.id = v.user_id WHERE v.id = $1",
		SH_ARGS(SH_TEXT(id), SH_TEXT(now)), &st);
	if (rc == SH_DB_ROW) {
		f->email = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		f->first_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
		f->locale = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
		f->still_wanted = sh_stmt_col_int64(st, 3) == 1;
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_verification_export(struct sh_conn *conn, const char *user_id, json_t *items)
{
	struct sh_stmt *st = sh_query(conn,
				      "SELECT email, created_at, expires_at, used_at "
				      "FROM email_verifications WHERE user_id = $1 ORDER BY created_at",
				      SH_ARGS(SH_TEXT(user_id)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s?}", "email",
						       sh_stmt_col_text(st, 0), "sent_at",
						       sh_stmt_col_time(st, 1), "expires_at",
						       sh_stmt_col_time(st, 2), "used_at",
						       sh_stmt_col_time(st, 3)));
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_verification_delete_user(struct sh_conn *conn, const char *user_id)
{
	return sh_exec(conn, "DELETE FROM email_verifications WHERE user_id = $1",
		       SH_ARGS(SH_TEXT(user_id)), NULL);
}
