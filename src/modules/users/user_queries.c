/* SQL for users. Written once; runs unchanged on SQLite and PostgreSQL. */
#include "modules/users/user_queries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/json_writer.h"
#include "schoolhub/mem.h"
#include "schoolhub/text.h"

/* What the directory searches: both name orders, folded (malloc'ed). */
char *sh_user_search_name(const char *first, const char *last)
{
	size_t n = strlen(first) * 2 + strlen(last) * 2 + 8;
	char *both = sh_malloc(n);
	snprintf(both, n, "%s %s | %s %s", first, last, last, first);
	char *folded = sh_text_fold(both);
	free(both);
	return folded;
}

#define USER_COLUMNS                                                                         \
	"id, email, password_hash, first_name, last_name, phone, locale, role, created_at, " \
	"token_generation, is_verified"

static void read_user(struct sh_stmt *st, struct sh_arena *arena, struct sh_user *u)
{
	u->id = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
	u->email = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
	u->password_hash = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
	u->first_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 3));
	u->last_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 4));
	u->phone = sh_arena_strdup(arena, sh_stmt_col_text(st, 5));
	u->locale = sh_arena_strdup(arena, sh_stmt_col_text(st, 6));
	u->role = sh_arena_strdup(arena, sh_stmt_col_text(st, 7));
	u->created_at = sh_arena_strdup(arena, sh_stmt_col_time(st, 8));
	u->token_generation = sh_stmt_col_int64(st, 9);
	u->is_verified = sh_stmt_col_bool(st, 10);
}

/* Runs a one-row lookup with one text parameter. */
static enum sh_db_rc lookup_one(struct sh_conn *conn, struct sh_arena *arena, const char *sql,
				const char *param, struct sh_user *u)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn, sql, SH_ARGS(SH_TEXT(param)), &st);
	if (rc == SH_DB_ROW)
		read_user(st, arena, u);
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_user_by_id(struct sh_conn *conn, struct sh_arena *arena, const char *id,
			    struct sh_user *u)
{
	return lookup_one(conn, arena,
			  "SELECT " USER_COLUMNS
			  " FROM users WHERE id = $1 AND active AND deleted_at IS NULL",
			  id, u);
}

enum sh_db_rc sh_user_by_email(struct sh_conn *conn, struct sh_arena *arena, const char *email,
			       struct sh_user *u)
{
	return lookup_one(conn, arena,
			  "SELECT " USER_COLUMNS
			  " FROM users WHERE email = $1 AND active AND deleted_at IS NULL",
			  email, u);
}

enum sh_db_rc sh_user_insert(struct sh_conn *conn, const struct sh_user *u, const char *now)
{
	char *search = sh_user_search_name(u->first_name, u->last_name);
	enum sh_db_rc rc = sh_exec(
		conn,
		"INSERT INTO users (id, email, password_hash, first_name, last_name, phone, "
		"locale, role, created_at, updated_at, search_name, is_verified) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11)",
		SH_ARGS(SH_TEXT(u->id), SH_TEXT(u->email), SH_TEXT(u->password_hash),
			SH_TEXT(u->first_name), SH_TEXT(u->last_name), SH_TEXT(u->phone),
			SH_TEXT(u->locale), SH_TEXT(u->role), SH_TEXT(now), SH_TEXT(search),
			SH_BOOL(u->is_verified)),
		NULL);
	free(search);
	return rc;
}

enum sh_db_rc sh_user_update_profile(struct sh_conn *conn, const struct sh_user *u, const char *now)
{
	char *search = sh_user_search_name(u->first_name, u->last_name);
	enum sh_db_rc rc = sh_exec(
		conn,
		"UPDATE users SET first_name = $2, last_name = $3, phone = $4, locale = $5, "
		"updated_at = $6, search_name = $7 WHERE id = $1",
		SH_ARGS(SH_TEXT(u->id), SH_TEXT(u->first_name), SH_TEXT(u->last_name),
			SH_TEXT(u->phone), SH_TEXT(u->locale), SH_TEXT(now), SH_TEXT(search)),
		NULL);
	free(search);
	return rc;
}

enum sh_db_rc sh_user_set_password(struct sh_conn *conn, const struct sh_user *checked,
				   const char *hash, const char *now, int64_t *changed_r)
{
	return sh_exec(conn,
		       "UPDATE users SET password_hash = $2, updated_at = $3, "
		       "token_generation = token_generation + 1 "
		       "WHERE id = $1 AND password_hash = $4 AND token_generation = $5 "
		       "AND active AND deleted_at IS NULL",
		       SH_ARGS(SH_TEXT(checked->id), SH_TEXT(hash), SH_TEXT(now),
			       SH_TEXT(checked->password_hash), SH_INT(checked->token_generation)),
		       changed_r);
}

enum sh_db_rc sh_user_set_role(struct sh_conn *conn, const char *email, const char *role,
			       const char *now, int64_t *changed_r)
{
	return sh_exec(conn,
		       "UPDATE users SET role = $2, updated_at = $3 "
		       "WHERE email = $1 AND deleted_at IS NULL",
		       SH_ARGS(SH_TEXT(email), SH_TEXT(role), SH_TEXT(now)), changed_r);
}

enum sh_db_rc sh_user_erase(struct sh_conn *conn, const char *id, const char *now)
{
	/* The row stays so records other members need (later: ledger entries) keep pointing at
	 * a pseudonym; every personal field is overwritten and the login made impossible. */
	return sh_exec(
		conn,
		"UPDATE users SET email = 'deleted-' || id || '@invalid', password_hash = '', "
		"first_name = 'Ancien', last_name = 'membre', phone = NULL, active = $2, "
		"search_name = '', token_generation = token_generation + 1, "
		"deleted_at = $3, updated_at = $3 WHERE id = $1",
		SH_ARGS(SH_TEXT(id), SH_BOOL(false), SH_TEXT(now)), NULL);
}

enum sh_db_rc sh_user_directory(struct sh_conn *conn, const char *q, const char *after_last,
				const char *after_first, const char *after_id, int limit,
				json_t *items)
{
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT id, first_name, last_name FROM users "
		"WHERE active AND deleted_at IS NULL "
		"AND (CAST($1 AS TEXT) IS NULL OR search_name LIKE $1 ESCAPE '\\') "
		"AND (CAST($2 AS TEXT) IS NULL OR (last_name, first_name, id) > ($2, $3, $4)) "
		"ORDER BY last_name, first_name, id LIMIT $5",
		SH_ARGS(SH_TEXT(q), SH_TEXT(after_last), SH_TEXT(after_first), SH_TEXT(after_id),
			SH_INT(limit + 1)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(items,
				      json_pack("{s:s, s:s, s:s}", "id", sh_stmt_col_text(st, 0),
						"first_name", sh_stmt_col_text(st, 1), "last_name",
						sh_stmt_col_text(st, 2)));
	sh_stmt_free(&st);
	return rc;
}

void sh_user_write(struct sh_jw *w, const struct sh_user *u)
{
	sh_jw_object_begin(w);
	sh_jw_kstring(w, "id", u->id);
	sh_jw_kstring(w, "email", u->email);
	sh_jw_kstring(w, "first_name", u->first_name);
	sh_jw_kstring(w, "last_name", u->last_name);
	sh_jw_kstring(w, "phone", u->phone);
	sh_jw_kstring(w, "locale", u->locale);
	sh_jw_kstring(w, "role", u->role);
	sh_jw_kstring(w, "created_at", u->created_at);
	sh_jw_kbool(w, "is_verified", u->is_verified);
	sh_jw_object_end(w);
}

json_t *sh_user_to_json(const struct sh_user *u)
{
	struct sh_arena *arena = sh_arena_create();
	struct sh_jw w;
	sh_jw_init(&w, arena);
	sh_user_write(&w, u);
	json_t *out = sh_jw_to_json(&w);
	sh_arena_destroy(&arena);
	return out;
}
