/*
 * The ledger's part of the GDPR hooks (sel_module.c): a member's export and what their
 * erasure changes. Entries stay: other members' balances rest on them.
 */
#include "modules/sel/ledger_queries.h"
#include "modules/sel/sel.h"
#include "schoolhub/arena.h"
#include "schoolhub/json_writer.h"

enum sh_db_rc sh_sel_ledger_erase_user(struct sh_conn *conn, const char *user_id, const char *now)
{
	(void)now;
	/* Pending requests to or from a leaving member can never be settled. */
	enum sh_db_rc rc = sh_exec(conn,
				   "UPDATE sel_transactions SET status = 'cancelled' "
				   "WHERE status = 'pending' AND (from_user_id = $1 OR to_user_id = $1)",
				   SH_ARGS(SH_TEXT(user_id)), NULL);
	if (rc != SH_DB_OK)
		return rc;
	/* Stored answers repeat names and descriptions: they go too. */
	return sh_exec(conn, "DELETE FROM sel_idempotency WHERE user_id = $1",
		       SH_ARGS(SH_TEXT(user_id)), NULL);
}

enum sh_db_rc sh_sel_ledger_export(struct sh_conn *conn, const char *user_id, json_t *out)
{
	struct sh_sel_account a;
	enum sh_db_rc rc = sh_sel_account_get(conn, user_id, &a);
	if (rc == SH_DB_ROW)
		json_object_set_new(out, "account",
				    json_pack("{s:I, s:I, s:I}", "balance", (json_int_t)a.balance,
					      "total_given", (json_int_t)a.total_given,
					      "total_received", (json_int_t)a.total_received));
	else if (rc == SH_DB_OK)
		json_object_set_new(out, "account", json_null());
	else
		return rc;
	/* The list is written as text (tx_row_write) and read back into the export document:
	 * one description of a transaction's JSON, and an export is rare. */
	struct sh_arena *arena = sh_arena_create();
	struct sh_jw w;
	struct sh_sel_page page;
	sh_jw_init(&w, arena);
	sh_jw_array_begin(&w);
	rc = sh_sel_tx_list(conn, user_id, NULL, INT64_MAX, INT64_MAX, SH_LANG_EN, &w, &page);
	sh_jw_array_end(&w);
	json_t *items = rc == SH_DB_OK ? sh_jw_to_json(&w) : NULL;
	sh_arena_destroy(&arena);
	if (rc != SH_DB_OK)
		return rc;
	if (items == NULL)
		return SH_DB_ERROR;
	json_object_set_new(out, "transactions", items);
	return SH_DB_OK;
}
