/* The school-year rollover's SQL (rollover_queries.h). Written once for both backends. */
#include "modules/admin/rollover_queries.h"

#include <string.h>

static void plan_add(struct sh_arena *arena, struct rollover_plan *plan, size_t *cap,
		     const struct rollover_move *m)
{
	if (plan->n == *cap) {
		size_t grown = *cap == 0 ? 64 : *cap * 2;
		struct rollover_move *moves = sh_arena_alloc(arena, sizeof(*moves) * grown);
		if (plan->n > 0)
			memcpy(moves, plan->moves, sizeof(*moves) * plan->n);
		plan->moves = moves;
		*cap = grown;
	}
	plan->moves[plan->n++] = *m;
}

enum sh_db_rc rollover_plan_read(struct sh_conn *conn, struct sh_arena *arena,
				 struct rollover_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	size_t cap = 0;
	/* The next class is the one at the next position (classes, 0009); P6 has none. */
	struct sh_stmt *st = sh_query(conn,
				      "SELECT c.id, c.first_name, c.class_name, n.name "
				      "FROM children c JOIN classes k ON k.name = c.class_name "
				      "LEFT JOIN classes n ON n.position = k.position + 1 "
				      "WHERE c.left_at IS NULL "
				      "ORDER BY k.position, c.first_name, c.id",
				      SH_ARGS());
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		struct rollover_move m = {
			.child_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 0)),
			.first_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 1)),
		};
		int from = sh_class_index(sh_stmt_col_text(st, 2));
		const char *to = sh_stmt_col_text(st, 3);
		int to_index = to != NULL ? sh_class_index(to) : -1;
		if (from < 0 || (to != NULL && to_index < 0)) {
			rc = SH_DB_ERROR; /* a class the CHECK constraint does not allow */
			break;
		}
		m.from = sh_class_names[from];
		m.to = to != NULL ? sh_class_names[to_index] : NULL;
		plan->before[from]++;
		if (to != NULL)
			plan->after[to_index]++;
		else
			plan->leaving++;
		plan_add(arena, plan, &cap, &m);
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc rollover_run_since(struct sh_conn *conn, const char *since)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn, "SELECT id FROM school_year_rollovers WHERE ran_at > $1 LIMIT 1",
		SH_ARGS(SH_TEXT(since)), &st);
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc rollover_apply(struct sh_conn *conn, const struct rollover_plan *plan,
			     const char *now)
{
	int64_t left = 0, moved = 0;
	/* Leavers first: once archived, the move below no longer sees them. */
	enum sh_db_rc rc = sh_exec(conn,
				   "UPDATE children SET left_at = $1, updated_at = $1 "
				   "WHERE left_at IS NULL AND class_name = 'P6'",
				   SH_ARGS(SH_TEXT(now)), &left);
	if (rc == SH_DB_OK)
		rc = sh_exec(conn,
			     "UPDATE children SET class_name = (SELECT n.name FROM classes k "
			     "JOIN classes n ON n.position = k.position + 1 "
			     "WHERE k.name = children.class_name), updated_at = $1 "
			     "WHERE left_at IS NULL",
			     SH_ARGS(SH_TEXT(now)), &moved);
	if (rc == SH_DB_OK && ((size_t)left != plan->leaving || (size_t)(left + moved) != plan->n))
		rc = SH_DB_ERROR;
	return rc;
}

enum sh_db_rc rollover_guardians(struct sh_conn *conn, struct sh_arena *arena, const char *child_id,
				 const char ***ids_r)
{
	return sh_query_texts(conn, arena,
			      "SELECT g.user_id FROM child_guardians g "
			      "JOIN users u ON u.id = g.user_id "
			      "WHERE g.child_id = $1 AND u.deleted_at IS NULL "
			      "ORDER BY g.user_id",
			      SH_ARGS(SH_TEXT(child_id)), ids_r, NULL);
}

enum sh_db_rc rollover_run_insert(struct sh_conn *conn, const struct rollover_run *run)
{
	return sh_exec(
		conn,
		"INSERT INTO school_year_rollovers (id, school_year, ran_at, ran_by, forced, "
		"moved, left_count) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		SH_ARGS(SH_TEXT(run->id), SH_TEXT(run->school_year), SH_TEXT(run->ran_at),
			SH_TEXT(run->ran_by), SH_BOOL(run->forced), SH_INT(run->moved),
			SH_INT(run->left)),
		NULL);
}
