/*
 * SQL of the SEL ledger's reports: a member's statement (the CSV export) and the audit
 * that recomputes every balance from the entries.
 */
#include "modules/sel/ledger_queries.h"

#include <stdio.h>

#include "modules/sel/sel.h"

enum sh_db_rc sh_sel_statement(struct sh_conn *conn, const char *account_id, const char *from,
			       const char *until, enum sh_lang lang, sh_sel_line_fn *fn, void *ctx)
{
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT e.created_at, t.id, t.kind, t.description, e.amount, e.balance_after, "
		"CASE WHEN e.amount < 0 THEN t.to_user_id ELSE t.from_user_id END, "
		"u.first_name, u.last_name, u.deleted_at, t.created_at "
		"FROM sel_entries e JOIN sel_transactions t ON t.id = e.transaction_id "
		"LEFT JOIN users u ON u.id = CASE WHEN e.amount < 0 THEN t.to_user_id "
		"ELSE t.from_user_id END "
		"WHERE e.account_id = $1 AND e.created_at >= $2 AND e.created_at < $3 "
		"ORDER BY e.seq",
		SH_ARGS(SH_TEXT(account_id), SH_TEXT(from), SH_TEXT(until)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		char who[256];
		if (sh_stmt_col_is_null(st, 6))
			snprintf(who, sizeof(who), "%s", "SEL");
		else if (!sh_stmt_col_is_null(st, 9))
			snprintf(who, sizeof(who), "%s", sh_sel_former_member(lang));
		else
			snprintf(who, sizeof(who), "%s %s", sh_stmt_col_text(st, 7),
				 sh_stmt_col_text(st, 8));
		struct sh_sel_line line = {
			.date = sh_stmt_col_time(st, 0),
			.requested = sh_stmt_col_time(st, 10),
			.transaction_id = sh_stmt_col_text(st, 1),
			.kind = sh_stmt_col_text(st, 2),
			.description = sh_stmt_col_text(st, 3),
			.counterparty = who,
			.amount = sh_stmt_col_int64(st, 4),
			.balance_after = sh_stmt_col_int64(st, 5),
		};
		if (fn(&line, ctx) != 0) {
			rc = SH_DB_ERROR;
			break;
		}
	}
	sh_stmt_free(&st);
	return rc;
}

/* Accounts whose stored balance is not the sum of their entries, appended to "items". */
static enum sh_db_rc mismatched_accounts(struct sh_conn *conn, json_t *items)
{
	struct sh_stmt *st =
		sh_query(conn,
			 "SELECT a.id, a.user_id, a.balance, COALESCE(SUM(e.amount), 0) "
			 "FROM sel_accounts a LEFT JOIN sel_entries e ON e.account_id = a.id "
			 "GROUP BY a.id, a.user_id, a.balance "
			 "HAVING a.balance <> COALESCE(SUM(e.amount), 0)",
			 SH_ARGS());
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(
			items,
			json_pack("{s:s, s:s?, s:I, s:I}", "account_id", sh_stmt_col_text(st, 0),
				  "user_id", sh_stmt_col_text(st, 1), "stored_balance",
				  (json_int_t)sh_stmt_col_int64(st, 2), "sum_of_entries",
				  (json_int_t)sh_stmt_col_int64(st, 3)));
	sh_stmt_free(&st);
	return rc;
}

/* The count and the sum of all balances. */
static enum sh_db_rc balance_totals(struct sh_conn *conn, int64_t *accounts_r, int64_t *sum_r)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn, "SELECT COUNT(*), COALESCE(SUM(balance), 0) FROM sel_accounts", SH_ARGS(), &st);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc;
	*accounts_r = sh_stmt_col_int64(st, 0);
	*sum_r = sh_stmt_col_int64(st, 1);
	sh_stmt_free(&st);
	return SH_DB_OK;
}

enum sh_db_rc sh_sel_audit(struct sh_conn *conn, json_t **out_r)
{
	*out_r = NULL;
	int64_t accounts = 0, sum = 0, unbalanced = 0;
	enum sh_db_rc rc = balance_totals(conn, &accounts, &sum);
	if (rc != SH_DB_OK)
		return rc;
	json_t *mismatched = json_array();
	if ((rc = mismatched_accounts(conn, mismatched)) != SH_DB_OK) {
		json_decref(mismatched);
		return rc;
	}
	/* Every completed transaction has exactly two entries summing to zero; no other
	 * transaction has any. */
	rc = sh_query_int64(
		conn,
		"SELECT COUNT(*) FROM sel_transactions t WHERE "
		"(t.status = 'completed' AND ((SELECT COUNT(*) FROM sel_entries e "
		"  WHERE e.transaction_id = t.id) <> 2 OR (SELECT COALESCE(SUM(e.amount), 0) "
		"  FROM sel_entries e WHERE e.transaction_id = t.id) <> 0)) "
		"OR (t.status <> 'completed' AND EXISTS (SELECT 1 FROM sel_entries e "
		"  WHERE e.transaction_id = t.id))",
		SH_ARGS(), &unbalanced);
	if (rc != SH_DB_ROW) {
		json_decref(mismatched);
		return rc == SH_DB_OK ? SH_DB_ERROR : rc;
	}
	bool ok = sum == 0 && json_array_size(mismatched) == 0 && unbalanced == 0;
	*out_r = json_pack("{s:I, s:I, s:o, s:I, s:b}", "accounts", (json_int_t)accounts,
			   "sum_of_balances", (json_int_t)sum, "mismatched_accounts", mismatched,
			   "unbalanced_transactions", (json_int_t)unbalanced, "ok", ok);
	return *out_r ? SH_DB_OK : SH_DB_ERROR;
}
