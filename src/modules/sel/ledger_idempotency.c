/* SQL of the Idempotency-Key records of POST /transactions: the stored answer of a key. */
#include "modules/sel/ledger_queries.h"

#include "schoolhub/arena.h"

enum sh_db_rc sh_sel_idem_get(struct sh_conn *conn, struct sh_arena *arena, const char *user_id,
			      const char *key, const char **hash_r, int64_t *status_r,
			      const char **response_r)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT request_hash, status, response FROM sel_idempotency "
					"WHERE user_id = $1 AND key = $2",
					SH_ARGS(SH_TEXT(user_id), SH_TEXT(key)), &st);
	if (rc == SH_DB_ROW) {
		*hash_r = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		*status_r = sh_stmt_col_int64(st, 1);
		*response_r = sh_arena_strdup(arena, sh_stmt_col_text(st, 2));
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_sel_idem_put(struct sh_conn *conn, const char *user_id, const char *key,
			      const char *hash, int64_t status, const char *response,
			      const char *now, const char *expired_before)
{
	/* Keys are kept 24 hours: drop this member's expired ones first (an expired key may
	 * be reused). */
	enum sh_db_rc rc =
		sh_exec(conn, "DELETE FROM sel_idempotency WHERE user_id = $1 AND created_at < $2",
			SH_ARGS(SH_TEXT(user_id), SH_TEXT(expired_before)), NULL);
	if (rc != SH_DB_OK)
		return rc;
	rc = sh_exec(conn,
		     "INSERT INTO sel_idempotency (user_id, key, request_hash, status, response, "
		     "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
		     SH_ARGS(SH_TEXT(user_id), SH_TEXT(key), SH_TEXT(hash), SH_INT(status),
			     SH_TEXT(response), SH_TEXT(now)),
		     NULL);
	/* Same key in flight twice: the other one won; rerun and replay its answer. */
	return rc == SH_DB_UNIQUE ? SH_DB_RETRY : rc;
}
