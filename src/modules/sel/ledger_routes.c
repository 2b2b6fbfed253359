/*
 * SEL ledger endpoints that read: a member's balance, their transactions page by page, one
 * transaction. Bookings are in payment_routes.c and settle_routes.c, the statement and
 * the audit in statement_routes.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modules/sel/history_cursor.h"
#include "modules/sel/ledger_routes.h"
#include "schoolhub/json_writer.h"

/* --- GET /balance ---------------------------------------------------------------- */

void sh_sel_balance_get(struct sh_request *req, struct sh_response *res)
{
	struct sh_sel_limits l = sh_sel_limits_of(req);
	struct sh_sel_account a;
	enum sh_db_rc rc = sh_sel_account_get(req->db, req->user.id, &a);
	if (rc != SH_DB_ROW && rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	/* A member who never used the SEL has no account yet: it opens with the initial
	 * units at the first booking, so that is what they have. */
	bool opened = rc == SH_DB_ROW;
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_jw_object_begin(&w);
	sh_jw_kstring(&w, "user_id", req->user.id);
	sh_jw_kint(&w, "balance", opened ? a.balance : l.initial);
	sh_jw_kint(&w, "total_given", opened ? a.total_given : 0);
	sh_jw_kint(&w, "total_received", opened ? a.total_received : 0);
	sh_jw_kint(&w, "min_balance", l.min);
	sh_jw_kint(&w, "max_balance", l.max);
	sh_jw_object_end(&w);
	sh_reply_jw(req, res, 200, &w);
}

/* --- GET /transactions, GET /transactions/{id} ------------------------------------- */

void sh_sel_transactions_list(struct sh_request *req, struct sh_response *res)
{
	int limit;
	if (sh_req_limit_or_reply(req, res, &limit) != 0)
		return;
	struct sh_validation v = {0};
	const char *status = sh_req_query(req, "status");
	if (status != NULL && strcmp(status, "pending") != 0 && strcmp(status, "completed") != 0 &&
	    strcmp(status, "declined") != 0 && strcmp(status, "cancelled") != 0)
		sh_validation_add(&v, "status", "out_of_range");
	int64_t before = INT64_MAX;
	const char *cursor = sh_req_query(req, "cursor");
	if (cursor != NULL) {
		char *end = NULL;
		long long n = strtoll(cursor, &end, 36);
		if (*cursor == '\0' || *end != '\0' || n <= 0)
			sh_validation_add(&v, "cursor", "invalid_cursor");
		else
			before = n;
	}
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	struct sh_jw w;
	struct sh_sel_page page;
	sh_page_begin(req, &w);
	enum sh_db_rc rc =
		sh_sel_tx_list(req->db, req->user.id, status, before, limit, req->lang, &w, &page);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	const char *next = NULL;
	if (page.more) {
		char buf[SH_SEL_CURSOR_SIZE];
		sh_sel_cursor_encode(page.last_seq, buf);
		next = sh_arena_strdup(req->arena, buf);
	}
	sh_reply_page(req, res, &w, next);
}

void sh_sel_transactions_get(struct sh_request *req, struct sh_response *res)
{
	const char *id = sh_req_uuid_param(req, "id");
	json_t *tx = NULL;
	enum sh_db_rc rc = id ? sh_sel_tx_json(req->db, id, req->lang, &tx) : SH_DB_OK;
	if (rc != SH_DB_ROW && rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	/* None, or another member's transaction: the same 404 (only admins see them all). */
	const char *from = json_string_value(json_object_get(tx, "from_user_id"));
	const char *to = json_string_value(json_object_get(tx, "to_user_id"));
	bool party = (from && strcmp(from, req->user.id) == 0) || (to && strcmp(to, req->user.id) == 0);
	if (tx == NULL || (!party && req->user.role != SH_ROLE_ADMIN)) {
		json_decref(tx);
		sh_reply_not_found(req, res);
		return;
	}
	sh_reply_json(req, res, 200, tx);
}
