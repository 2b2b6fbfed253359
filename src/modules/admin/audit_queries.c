/* Reading the audit log (audit_queries.h). Rows are only ever appended (schoolhub/audit.h). */
#include "modules/admin/audit_queries.h"

#define ROW_COLUMNS                                                                            \
	"l.seq, l.created_at, l.actor_id, l.action, l.target_ids, l.request_id, l.prev_hash, "  \
	"l.hash "

enum sh_db_rc admin_audit_list(struct sh_conn *conn, struct sh_arena *arena,
			       const struct admin_audit_filter *f, admin_audit_row_fn *fn, void *ctx)
{
	/* Only the filters given become SQL (each its own parameter): one plan per shape. */
	struct sh_arg binds[7];
	int n = 0;
	const char *sql = "SELECT " ROW_COLUMNS "FROM audit_log l WHERE 1 = 1 ";
	if (f->target != NULL) {
		sql = "SELECT " ROW_COLUMNS "FROM audit_targets t JOIN audit_log l ON l.seq = t.seq "
		      "WHERE t.target_id = $1 ";
		binds[n++] = SH_TEXT(f->target);
	}
	if (f->actor != NULL) {
		binds[n++] = SH_TEXT(f->actor);
		sql = sh_arena_printf(arena, "%sAND CAST(l.actor_id AS TEXT) = $%d ", sql, n);
	}
	if (f->action != NULL) {
		binds[n++] = SH_TEXT(f->action);
		sql = sh_arena_printf(arena, "%sAND l.action = $%d ", sql, n);
	}
	if (f->from != NULL) {
		binds[n++] = SH_TEXT(f->from);
		sql = sh_arena_printf(arena, "%sAND l.created_at >= $%d ", sql, n);
	}
	if (f->to != NULL) {
		binds[n++] = SH_TEXT(f->to);
		sql = sh_arena_printf(arena, "%sAND l.created_at < $%d ", sql, n);
	}
	if (f->before_seq > 0) {
		binds[n++] = SH_INT(f->before_seq);
		sql = sh_arena_printf(arena, "%sAND l.seq < $%d ", sql, n);
	}
	binds[n++] = SH_INT(f->limit);
	sql = sh_arena_printf(arena, "%sORDER BY l.seq DESC LIMIT $%d", sql, n);
	struct sh_stmt *st = sh_query(conn, sql, (struct sh_args){binds, n});
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		struct sh_audit_row row = {
			sh_stmt_col_int64(st, 0), sh_stmt_col_time(st, 1), sh_stmt_col_text(st, 2),
			sh_stmt_col_text(st, 3),  sh_stmt_col_text(st, 4), sh_stmt_col_text(st, 5),
			sh_stmt_col_text(st, 6),  sh_stmt_col_text(st, 7),
		};
		fn(ctx, &row);
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc admin_audit_accesses_of(struct sh_conn *conn, const char *user_id, json_t *items)
{
	/* The member, and each child they are a guardian of: one row per audit row. */
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT l.created_at, l.actor_id, l.action FROM audit_log l WHERE l.seq IN ("
		" SELECT t.seq FROM audit_targets t WHERE t.target_id = $1 "
		" OR t.target_id IN (SELECT CAST(g.child_id AS TEXT) FROM child_guardians g "
		"                    WHERE CAST(g.user_id AS TEXT) = $1)) "
		"AND (l.actor_id IS NULL OR CAST(l.actor_id AS TEXT) <> $1) ORDER BY l.seq",
		SH_ARGS(SH_TEXT(user_id)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		const char *actor = sh_stmt_col_text(st, 1);
		json_array_append_new(items, json_pack("{s:s, s:o, s:s}", "at", sh_stmt_col_time(st, 0),
						       "actor_id", actor ? json_string(actor) : json_null(),
						       "action", sh_stmt_col_text(st, 2)));
	}
	sh_stmt_free(&st);
	return rc;
}
