/*
 * The query calls module code uses (store.h, "Queries"): prepare, bind, step and free in
 * one call. They are made of the sh_stmt_* calls and cost what those cost: the statement
 * is the same cached prepared statement, binds are copied the same way.
 */
#include <string.h>

#include "schoolhub/arena.h"
#include "store/store-private.h"

static void bind_args(struct sh_stmt *stmt, struct sh_args args)
{
	for (int i = 0; i < args.count; i++) {
		const struct sh_arg *a = &args.v[i];
		switch (a->type) {
		case SH_ARG_TEXT:
			sh_stmt_bind_text(stmt, i + 1, a->text);
			break;
		case SH_ARG_INT64:
			sh_stmt_bind_int64(stmt, i + 1, a->i64);
			break;
		case SH_ARG_BOOL:
			sh_stmt_bind_bool(stmt, i + 1, a->b);
			break;
		case SH_ARG_NULL:
		default:
			sh_stmt_bind_null(stmt, i + 1);
			break;
		}
	}
}

struct sh_stmt *sh_query(struct sh_conn *conn, const char *sql, struct sh_args args)
{
	struct sh_stmt *stmt = sh_stmt_prepare(conn, sql);

	bind_args(stmt, args);
	return stmt;
}

enum sh_db_rc sh_query_row(struct sh_conn *conn, const char *sql, struct sh_args args,
			   struct sh_stmt **stmt_r)
{
	struct sh_stmt *stmt = sh_query(conn, sql, args);
	enum sh_db_rc rc = sh_stmt_step(stmt);

	if (rc != SH_DB_ROW)
		sh_stmt_free(&stmt);
	*stmt_r = stmt;
	return rc;
}

enum sh_db_rc sh_query_int64(struct sh_conn *conn, const char *sql, struct sh_args args,
			     int64_t *value_r)
{
	struct sh_stmt *stmt;
	enum sh_db_rc rc = sh_query_row(conn, sql, args, &stmt);

	*value_r = rc == SH_DB_ROW ? sh_stmt_col_int64(stmt, 0) : 0;
	sh_stmt_free(&stmt);
	return rc;
}

enum sh_db_rc sh_query_texts(struct sh_conn *conn, struct sh_arena *arena, const char *sql,
			     struct sh_args args, const char ***texts_r, size_t *n_r)
{
	size_t n = 0, cap = 16;
	const char **texts = sh_arena_alloc(arena, sizeof(*texts) * cap);
	struct sh_stmt *st = sh_query(conn, sql, args);
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		const char *v = sh_stmt_col_text(st, 0);
		if (v == NULL) {
			rc = SH_DB_ERROR;
			break;
		}
		if (n + 1 == cap) { /* room for the terminating NULL */
			const char **grown = sh_arena_alloc(arena, sizeof(*texts) * cap * 2);
			memcpy(grown, texts, sizeof(*texts) * n);
			texts = grown;
			cap *= 2;
		}
		texts[n++] = sh_arena_strdup(arena, v);
	}
	sh_stmt_free(&st);
	texts[n] = NULL;
	*texts_r = texts;
	if (n_r != NULL)
		*n_r = n;
	return rc;
}

enum sh_db_rc sh_query_window(struct sh_conn *conn, struct sh_arena *arena, const char *sql,
			      struct sh_args args, struct sh_window_tally *tally_r)
{
	struct sh_stmt *stmt;
	enum sh_db_rc rc = sh_query_row(conn, sql, args, &stmt);

	*tally_r = (struct sh_window_tally){0};
	if (rc == SH_DB_ROW) {
		tally_r->count = sh_stmt_col_int64(stmt, 0);
		tally_r->oldest = sh_arena_strdup(arena, sh_stmt_col_time(stmt, 1));
		tally_r->latest = sh_arena_strdup(arena, sh_stmt_col_time(stmt, 2));
		rc = SH_DB_OK;
	} else if (rc == SH_DB_OK) {
		rc = SH_DB_ERROR; /* an aggregate always returns a row */
	}
	sh_stmt_free(&stmt);
	return rc;
}

enum sh_db_rc sh_exec(struct sh_conn *conn, const char *sql, struct sh_args args,
		      int64_t *changed_r)
{
	struct sh_stmt *stmt = sh_query(conn, sql, args);

	return sh_stmt_exec_free(&stmt, changed_r);
}
