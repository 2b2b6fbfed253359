/* The admins' member management, in SQL (member_queries.h). */
#include "modules/admin/member_queries.h"

#include <string.h>

#define MEMBER_COLUMNS                                                                          \
	"u.id, u.email, u.first_name, u.last_name, u.phone, u.locale, u.role, u.created_at, "   \
	"u.last_login_at, u.active, u.pending_approval "

static void read_member(struct sh_stmt *st, struct sh_arena *arena, struct admin_member *m)
{
	m->id = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
	m->email = sh_arena_strdup(arena, sh_stmt_col_text(st, 1));
	m->first_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
	m->last_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 3));
	m->phone = sh_stmt_col_is_null(st, 4) ? NULL : sh_arena_strdup(arena, sh_stmt_col_text(st, 4));
	m->locale = sh_arena_strdup(arena, sh_stmt_col_text(st, 5));
	m->role = sh_arena_strdup(arena, sh_stmt_col_text(st, 6));
	m->created_at = sh_arena_strdup(arena, sh_stmt_col_time(st, 7));
	m->last_login_at = sh_stmt_col_is_null(st, 8) ? NULL
						       : sh_arena_strdup(arena, sh_stmt_col_time(st, 8));
	m->active = sh_stmt_col_bool(st, 9);
	m->pending = sh_stmt_col_bool(st, 10);
}

void admin_member_write(struct sh_jw *w, const struct admin_member *m)
{
	sh_jw_kstring(w, "id", m->id);
	sh_jw_kstring(w, "email", m->email);
	sh_jw_kstring(w, "first_name", m->first_name);
	sh_jw_kstring(w, "last_name", m->last_name);
	sh_jw_kstring(w, "role", m->role);
	sh_jw_kstring(w, "status", !m->active ? "deactivated" : m->pending ? "pending" : "active");
	sh_jw_kstring(w, "created_at", m->created_at);
	sh_jw_kstring(w, "last_login_at", m->last_login_at);
}

enum sh_db_rc admin_members_list(struct sh_conn *conn, struct sh_arena *arena,
				 const struct admin_member_filter *f, struct sh_jw *w,
				 int *count_r, const char **last_id_r)
{
	struct sh_arg binds[7];
	int n = 0;
	const char *sql = "SELECT " MEMBER_COLUMNS "FROM users u WHERE u.deleted_at IS NULL ";
	if (f->q_like != NULL) {
		binds[n++] = SH_TEXT(f->q_like);
		sql = sh_arena_printf(arena,
				      "%sAND (u.search_name LIKE $%d ESCAPE '\\' OR u.email LIKE $%d "
				      "ESCAPE '\\') ",
				      sql, n, n);
	}
	if (f->role != NULL) {
		binds[n++] = SH_TEXT(f->role);
		sql = sh_arena_printf(arena, "%sAND u.role = $%d ", sql, n);
	}
	if (f->status >= 0) { /* pending members are active ones not approved yet */
		binds[n++] = SH_BOOL(f->status != 0);
		binds[n++] = SH_BOOL(f->status == 2);
		sql = sh_arena_printf(arena, "%sAND u.active = $%d AND u.pending_approval = $%d ", sql,
				      n - 1, n);
	}
	if (f->class_name != NULL) {
		binds[n++] = SH_TEXT(f->class_name);
		sql = sh_arena_printf(arena,
				      "%sAND EXISTS (SELECT 1 FROM child_guardians g JOIN children c "
				      "ON c.id = g.child_id WHERE g.user_id = u.id AND c.class_name = "
				      "$%d AND c.left_at IS NULL) ",
				      sql, n);
	}
	if (f->after_id != NULL) {
		binds[n++] = SH_TEXT(f->after_id);
		sql = sh_arena_printf(arena, "%sAND u.id > $%d ", sql, n);
	}
	binds[n++] = SH_INT(f->limit);
	sql = sh_arena_printf(arena, "%sORDER BY u.id LIMIT $%d", sql, n);
	struct sh_stmt *st = sh_query(conn, sql, (struct sh_args){binds, n});
	enum sh_db_rc rc;
	*count_r = 0;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		struct admin_member m;
		read_member(st, arena, &m);
		if (++*count_r <= f->limit - 1) { /* the extra row only says there is more */
			sh_jw_object_begin(w);
			admin_member_write(w, &m);
			sh_jw_object_end(w);
			*last_id_r = m.id;
		}
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc admin_member_get(struct sh_conn *conn, struct sh_arena *arena, const char *id,
			       struct admin_member *m)
{
	struct sh_stmt *st = NULL;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT " MEMBER_COLUMNS
					"FROM users u WHERE u.id = $1 AND u.deleted_at IS NULL",
					SH_ARGS(SH_TEXT(id)), &st);
	if (rc == SH_DB_ROW)
		read_member(st, arena, m);
	sh_stmt_free(&st);
	return rc;
}

/* Each child's guardians, one row per (child, guardian), children in name order. */
enum sh_db_rc admin_member_children(struct sh_conn *conn, struct sh_arena *arena,
				    const char *id, struct sh_jw *w, const char **ids,
				    size_t max, size_t *n_r)
{
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT c.id, c.first_name, c.last_name, c.class_name, u.id, u.first_name, "
		"u.last_name, g.relationship FROM child_guardians mine "
		"JOIN children c ON c.id = mine.child_id "
		"JOIN child_guardians g ON g.child_id = c.id JOIN users u ON u.id = g.user_id "
		"WHERE mine.user_id = $1 ORDER BY c.first_name, c.id, u.last_name, u.id",
		SH_ARGS(SH_TEXT(id)));
	enum sh_db_rc rc;
	const char *current = NULL;
	*n_r = 0;
	sh_jw_array_begin(w);
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		const char *child = sh_stmt_col_text(st, 0);
		if (current == NULL || strcmp(current, child) != 0) {
			if (current != NULL) {
				sh_jw_array_end(w);
				sh_jw_object_end(w);
			}
			current = sh_arena_strdup(arena, child);
			if (*n_r < max)
				ids[(*n_r)++] = current;
			sh_jw_object_begin(w);
			sh_jw_kstring(w, "id", child);
			sh_jw_kstring(w, "first_name", sh_stmt_col_text(st, 1));
			sh_jw_kstring(w, "last_name", sh_stmt_col_text(st, 2));
			sh_jw_kstring(w, "class_name", sh_stmt_col_text(st, 3));
			sh_jw_key(w, "guardians");
			sh_jw_array_begin(w);
		}
		sh_jw_object_begin(w);
		sh_jw_kstring(w, "id", sh_stmt_col_text(st, 4));
		sh_jw_kstring(w, "first_name", sh_stmt_col_text(st, 5));
		sh_jw_kstring(w, "last_name", sh_stmt_col_text(st, 6));
		sh_jw_kstring(w, "relationship", sh_stmt_col_text(st, 7));
		sh_jw_object_end(w);
	}
	if (current != NULL) {
		sh_jw_array_end(w);
		sh_jw_object_end(w);
	}
	sh_jw_array_end(w);
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc admin_member_balance(struct sh_conn *conn, const char *id, int64_t *units_r)
{
	return sh_query_int64(conn, "SELECT balance FROM sel_accounts WHERE user_id = $1",
			      SH_ARGS(SH_TEXT(id)), units_r);
}

enum sh_db_rc admin_other_admins(struct sh_conn *conn, const char *id, int64_t *count_r)
{
	enum sh_db_rc rc = sh_query_int64(conn,
					  "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active "
					  "AND deleted_at IS NULL AND id <> $1",
					  SH_ARGS(SH_TEXT(id)), count_r);
	return rc == SH_DB_ROW ? SH_DB_OK : rc;
}

enum sh_db_rc admin_member_approve(struct sh_conn *conn, const char *id, const char *now)
{
	return sh_exec(conn,
		       "UPDATE users SET pending_approval = $2, updated_at = $3 WHERE id = $1",
		       SH_ARGS(SH_TEXT(id), SH_BOOL(false), SH_TEXT(now)), NULL);
}

enum sh_db_rc admin_member_set_role(struct sh_conn *conn, const char *id, const char *role,
				    const char *now)
{
	return sh_exec(conn, "UPDATE users SET role = $2, updated_at = $3 WHERE id = $1",
		       SH_ARGS(SH_TEXT(id), SH_TEXT(role), SH_TEXT(now)), NULL);
}

enum sh_db_rc admin_member_set_active(struct sh_conn *conn, const char *id, bool active,
				      const char *now)
{
	/* A new token generation voids the access tokens already handed out, so reactivating
	 * never brings an old session back; refresh tokens are revoked outright.
	 * deactivated_at starts the retention period (retention_purge.c). */
	enum sh_db_rc rc = sh_exec(conn,
				   "UPDATE users SET active = $2, updated_at = $3, "
				   "token_generation = token_generation + 1 WHERE id = $1",
				   SH_ARGS(SH_TEXT(id), SH_BOOL(active), SH_TEXT(now)), NULL);
	if (rc == SH_DB_OK)
		rc = sh_exec(conn,
			     active ? "UPDATE users SET deactivated_at = NULL WHERE id = $1"
				    : "UPDATE users SET deactivated_at = updated_at WHERE id = $1",
			     SH_ARGS(SH_TEXT(id)), NULL);
	if (rc != SH_DB_OK || active)
		return rc;
	return sh_exec(conn,
		       "UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND "
		       "revoked_at IS NULL",
		       SH_ARGS(SH_TEXT(id), SH_TEXT(now)), NULL);
}
