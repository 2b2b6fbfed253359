/* SQL for sessions (refresh tokens), login throttling and invitations. */
#include "modules/auth/session_queries.h"

#include "modules/auth/link_rows.h"

#include "schoolhub/util.h"

enum sh_db_rc sh_refresh_insert(struct sh_conn *conn, const char *id, const char *user_id,
				const char *family_id, const char *token_hash, const char *now,
				const char *expires_at)
{
	/* Expired rows are no use even for reuse detection: drop the member's old ones so the
	 * table holds live sessions only. */
	enum sh_db_rc rc =
		sh_exec(conn, "DELETE FROM refresh_tokens WHERE user_id = $1 AND expires_at < $2",
			SH_ARGS(SH_TEXT(user_id), SH_TEXT(now)), NULL);
	if (rc != SH_DB_OK)
		return rc;
	return sh_exec(
		conn,
		"INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, "
		"expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
		SH_ARGS(SH_TEXT(id), SH_TEXT(user_id), SH_TEXT(family_id), SH_TEXT(token_hash),
			SH_TEXT(now), SH_TEXT(expires_at)),
		NULL);
}

enum sh_db_rc sh_refresh_find(struct sh_conn *conn, struct sh_arena *arena, const char *token_hash,
			      struct sh_refresh *r)
{
	struct sh_stmt *st;
	enum sh_db_rc rc =
		sh_query_row(conn,
			     "SELECT id, user_id, family_id, expires_at, rotated_at, revoked_at "
			     "FROM refresh_tokens WHERE token_hash = $1",
			     SH_ARGS(SH_TEXT(token_hash)), &st);
	if (rc == SH_DB_ROW) {
		r->id = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		r->user_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
		r->family_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
		r->expires_at = sh_arena_strdup(arena, sh_stmt_col_time(st, 3));
		r->rotated_at = sh_arena_strdup(arena, sh_stmt_col_time(st, 4));
		r->revoked_at = sh_arena_strdup(arena, sh_stmt_col_time(st, 5));
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_refresh_rotate(struct sh_conn *conn, const char *id, const char *now,
				int64_t *changed_r)
{
	return sh_exec(conn,
		       "UPDATE refresh_tokens SET rotated_at = $2 "
		       "WHERE id = $1 AND rotated_at IS NULL AND revoked_at IS NULL",
		       SH_ARGS(SH_TEXT(id), SH_TEXT(now)), changed_r);
}

enum sh_db_rc sh_refresh_supersede(struct sh_conn *conn, const char *family_id,
				   const char *old_id, const char *rotated_at, const char *now,
				   int64_t *changed_r)
{
	return sh_exec(conn,
		       "UPDATE refresh_tokens SET rotated_at = $3 "
		       "WHERE family_id = $1 AND rotated_at IS NULL AND revoked_at IS NULL "
		       "AND expires_at > $3 AND NOT EXISTS (SELECT 1 FROM refresh_tokens o "
		       "WHERE o.family_id = $1 AND o.id <> $2 AND o.rotated_at >= $4)",
		       SH_ARGS(SH_TEXT(family_id), SH_TEXT(old_id), SH_TEXT(now),
			       SH_TEXT(rotated_at)),
		       changed_r);
}

enum sh_db_rc sh_refresh_revoke_family(struct sh_conn *conn, const char *family_id,
				       const char *user_id, const char *now)
{
	return sh_exec(conn,
		       "UPDATE refresh_tokens SET revoked_at = $3 "
		       "WHERE family_id = $1 AND user_id = $2 AND revoked_at IS NULL",
		       SH_ARGS(SH_TEXT(family_id), SH_TEXT(user_id), SH_TEXT(now)), NULL);
}

enum sh_db_rc sh_refresh_delete_user(struct sh_conn *conn, const char *user_id)
{
	return sh_exec(conn, "DELETE FROM refresh_tokens WHERE user_id = $1",
		       SH_ARGS(SH_TEXT(user_id)), NULL);
}

enum sh_db_rc sh_refresh_revoke_user(struct sh_conn *conn, const char *user_id, const char *now)
{
	return sh_exec(conn,
		       "UPDATE refresh_tokens SET revoked_at = $2 "
		       "WHERE user_id = $1 AND revoked_at IS NULL",
		       SH_ARGS(SH_TEXT(user_id), SH_TEXT(now)), NULL);
}

enum sh_db_rc sh_session_end_access_tokens(struct sh_conn *conn, const char *user_id,
					   const char *now)
{
	return sh_exec(conn,
		       "UPDATE users SET token_generation = token_generation + 1, updated_at = $2 "
		       "WHERE id = $1",
		       SH_ARGS(SH_TEXT(user_id), SH_TEXT(now)), NULL);
}

enum sh_db_rc sh_refresh_export(struct sh_conn *conn, const char *user_id, json_t *items)
{
	struct sh_stmt *st =
		sh_query(conn,
			 "SELECT family_id, MIN(created_at), MAX(expires_at), MAX(revoked_at) "
			 "FROM refresh_tokens WHERE user_id = $1 GROUP BY family_id ORDER BY 2",
			 SH_ARGS(SH_TEXT(user_id)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s?}", "session_id",
						       sh_stmt_col_text(st, 0), "started_at",
						       sh_stmt_col_time(st, 1), "expires_at",
						       sh_stmt_col_time(st, 2), "revoked_at",
						       sh_stmt_col_time(st, 3)));
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_invite_insert(struct sh_conn *conn, const struct sh_invite_row *r)
{
	/* Unused invites that expired can never be used: drop them. */
	enum sh_db_rc rc = sh_exec(conn,
				   "DELETE FROM invites WHERE used_at IS NULL AND expires_at < $1",
				   SH_ARGS(SH_TEXT(r->now)), NULL);
	if (rc != SH_DB_OK)
		return rc;
	return sh_exec(conn,
		       "INSERT INTO invites (id, code_hash, created_by, email, locale, created_at, "
		       "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		       SH_ARGS(SH_TEXT(r->id), SH_TEXT(r->code_hash), SH_TEXT(r->created_by),
			       SH_TEXT(r->email), SH_TEXT(r->locale), SH_TEXT(r->now),
			       SH_TEXT(r->expires_at)),
		       NULL);
}

enum sh_db_rc sh_invite_mail_facts(struct sh_conn *conn, struct sh_arena *arena, const char *id,
				   const char *now, struct sh_invite_facts *f)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn,
		"SELECT code_hash, email, locale, expires_at, "
		"CASE WHEN " SH_LINK_ALIVE("", "$2") " THEN 1 ELSE 0 END "
		"FROM invites WHERE id = $1",
		SH_ARGS(SH_TEXT(id), SH_TEXT(now)), &st);
	if (rc == SH_DB_ROW) {
		f->code_hash = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		f->email = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
		f->locale = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
		f->expires_at = sh_arena_strdup(arena, sh_stmt_col_time(st, 3));
		f->still_wanted = sh_stmt_col_int64(st, 4) == 1;
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_invite_consume(struct sh_conn *conn, const char *code_hash, const char *user_id,
				const char *now, int64_t *changed_r)
{
	return sh_exec(conn,
		       "UPDATE invites SET used_by = $2, used_at = $3, email = NULL "
		       "WHERE code_hash = $1 AND " SH_LINK_ALIVE("", "$3"),
		       SH_ARGS(SH_TEXT(code_hash), SH_TEXT(user_id), SH_TEXT(now)), changed_r);
}

enum sh_db_rc sh_invite_usable(struct sh_conn *conn, const char *code_hash, const char *now)
{
	struct sh_stmt *st;
	enum sh_db_rc rc =
		sh_query_row(conn,
			     "SELECT 1 FROM invites WHERE code_hash = $1 AND " SH_LINK_ALIVE("", "$2"),
			     SH_ARGS(SH_TEXT(code_hash), SH_TEXT(now)), &st);
	sh_stmt_free(&st);
	return rc;
}
