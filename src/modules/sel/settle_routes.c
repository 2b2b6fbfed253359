/*
 * SEL ledger endpoints that settle a transaction: a payment request accepted (booked),
 * declined or withdrawn, and a completed transaction reversed by an admin.
 *
 * Like every booking (payment_routes.c), each runs in one sh_conn_transaction whose
 * function only records its outcome in its context, so a retry starts from a clean slate.
 */
#include <string.h>

#include "modules/sel/ledger_routes.h"
#include "schoolhub/audit.h"
#include "schoolhub/notify.h"
#include "schoolhub/util.h"

#define REASON_MAX 500

/* The reply body, read back inside the transaction that just wrote the row. */
static enum sh_db_rc written_json(struct sh_conn *conn, const char *id, enum sh_lang lang,
				  json_t **body_r)
{
	enum sh_db_rc rc = sh_sel_tx_json(conn, id, lang, body_r);
	if (rc == SH_DB_OK)
		return SH_DB_ERROR; /* cannot happen: the row was written in this transaction */
	return rc == SH_DB_ROW ? SH_DB_OK : rc;
}

/* --- accept / decline / cancel ------------------------------------------------------ */

enum settle_action { SETTLE_ACCEPT, SETTLE_DECLINE, SETTLE_CANCEL };

struct settle_tx {
	struct sh_request *req;
	const char *id;
	enum settle_action action;
	const char *problem;
	enum sh_sel_outcome limit;
	int64_t max_units; /* when a limit refused it: the most it could be now */
	json_t *body;
};

static enum sh_db_rc settle_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct settle_tx *t = ctx;
	struct sh_request *req = t->req;
	t->problem = NULL;
	t->limit = SH_SEL_BOOKED;
	json_decref(t->body);
	t->body = NULL;

	struct sh_sel_tx tx;
	enum sh_db_rc rc = sh_sel_tx_load(conn, req->arena, t->id, &tx);
	if (rc != SH_DB_ROW && rc != SH_DB_OK)
		return rc;
	const char *me = req->user.id;
	bool payer = rc == SH_DB_ROW && tx.from_user_id && strcmp(tx.from_user_id, me) == 0;
	bool payee = rc == SH_DB_ROW && tx.to_user_id && strcmp(tx.to_user_id, me) == 0;
	if (!payer && !payee) {
		t->problem = "not_found"; /* never reveal other members' transactions */
		*rollback_r = true;
		return SH_DB_OK;
	}
	/* Only the payer settles a request; only the requester withdraws it. */
	bool allowed = strcmp(tx.kind, "request") == 0 &&
		       (t->action == SETTLE_CANCEL ? payee : payer);
	static const char *const next[] = {"completed", "declined", "cancelled"};
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	int64_t changed = 0;
	if (allowed && (rc = sh_sel_tx_settle(conn, t->id, next[t->action], now, &changed)) != SH_DB_OK)
		return rc;
	if (!allowed || changed != 1) {
		t->problem = "invalid_state";
		*rollback_r = true;
		return SH_DB_OK;
	}
	if (t->action == SETTLE_ACCEPT) {
		struct sh_sel_limits limits = sh_sel_limits_of(req);
		int64_t excess = 0;
		rc = sh_sel_book(conn, t->id, tx.from_account, tx.to_account, tx.units, &limits, now,
				 &t->limit, &excess);
		if (rc != SH_DB_OK)
			return rc;
		if (t->limit != SH_SEL_BOOKED) {
			t->max_units = tx.units - excess;
			*rollback_r = true; /* stays pending: the payer may try again later */
			return SH_DB_OK;
		}
	}
	if ((rc = written_json(conn, t->id, req->lang, &t->body)) != SH_DB_OK ||
	    t->action == SETTLE_CANCEL)
		return rc;
	/* The requester hears the payer's answer; last, for its event id (events.h). */
	return sh_sel_notify(req, conn, tx.to_user_id, "request_answered", tx.units, t->id,
			     t->action == SETTLE_ACCEPT ? "accepted" : "declined");
}

static void settle(struct sh_request *req, struct sh_response *res, enum settle_action action)
{
	const char *id = sh_req_uuid_param(req, "id");
	if (id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	struct settle_tx t = {.req = req, .id = id, .action = action};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE_ROWLOCKED, settle_in_tx, &t);
	sh_notify_wake(req->app);
	/* Only the payer accepts: a limit is told to them as theirs. */
	sh_sel_reply_booking(req, res, rc, t.problem, t.limit, t.max_units, true, t.body, 200);
}

void sh_sel_transactions_accept(struct sh_request *req, struct sh_response *res)
{
	settle(req, res, SETTLE_ACCEPT);
}

void sh_sel_transactions_decline(struct sh_request *req, struct sh_response *res)
{
	settle(req, res, SETTLE_DECLINE);
}

void sh_sel_transactions_cancel(struct sh_request *req, struct sh_response *res)
{
	settle(req, res, SETTLE_CANCEL);
}

/* --- POST /transactions/{id}/reverse (admins) --------------------------------------- */

struct reverse_tx {
	struct sh_request *req;
	const char *id, *reason;
	bool force;
	const char *problem;
	enum sh_sel_outcome limit;
	int64_t max_units; /* when a limit refused it: the most it could be now */
	json_t *body;
};

static enum sh_db_rc reverse_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct reverse_tx *t = ctx;
	struct sh_request *req = t->req;
	t->problem = NULL;
	t->limit = SH_SEL_BOOKED;
	json_decref(t->body);
	t->body = NULL;
	struct sh_sel_tx orig;
	enum sh_db_rc rc = sh_sel_tx_load(conn, req->arena, t->id, &orig);
	if (rc != SH_DB_ROW) {
		if (rc == SH_DB_OK) /* none */
			t->problem = "not_found";
		*rollback_r = true;
		return rc;
	}
	if (strcmp(orig.status, "completed") != 0 || strcmp(orig.kind, "reversal") == 0) {
		t->problem = "invalid_state";
		*rollback_r = true;
		return SH_DB_OK;
	}
	char now[SH_TIME_LEN + 1], id[SH_UUID_LEN + 1];
	sh_time_now(now);
	sh_uuid_v7(id); /* time-ordered: see sh_uuid_v7 */
	/* The counter-transaction: same units, the other way; the original is never touched. */
	struct sh_sel_tx rev = {
		.id = id,
		.kind = "reversal",
		.from_account = orig.to_account,
		.to_account = orig.from_account,
		.from_user_id = orig.to_user_id,
		.to_user_id = orig.from_user_id,
		.units = orig.units,
		.description = t->reason,
		.status = "completed",
		.created_by = req->user.id,
		.reverses_id = orig.id,
		.created_at = now,
		.completed_at = now,
	};
	rc = sh_sel_tx_insert(conn, &rev);
	if (rc == SH_DB_UNIQUE) {
		t->problem = "invalid_state"; /* already reversed */
		*rollback_r = true;
		return SH_DB_OK;
	}
	if (rc != SH_DB_OK)
		return rc;
	struct sh_sel_limits limits = sh_sel_limits_of(req);
	int64_t excess = 0;
	rc = sh_sel_book(conn, id, rev.from_account, rev.to_account, rev.units,
			 t->force ? NULL : &limits, now, &t->limit, &excess);
	if (rc != SH_DB_OK)
		return rc;
	if (t->limit != SH_SEL_BOOKED) {
		t->max_units = rev.units - excess;
		*rollback_r = true;
		return SH_DB_OK;
	}
	rc = written_json(conn, id, req->lang, &t->body);
	const char *targets[] = {orig.id, id, orig.from_user_id, orig.to_user_id};
	if (rc == SH_DB_OK) /* last: the audit chain's head stays locked until the commit */
		rc = sh_audit_append(conn, &(struct sh_audit_entry){
						   .actor_id = req->user.id,
						   .action = "sel.transaction_reversed",
						   .targets = targets,
						   .target_count = 4,
						   .request_id = req->request_id});
	return rc;
}

void sh_sel_transactions_reverse(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"reason", "force", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	const char *id = sh_req_uuid_param(req, "id");
	if (id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	struct sh_validation v = {0};
	const char *reason = NULL;
	bool force = false;
	if (sh_json_get_string(req->json, "reason", true, &reason, &v)) {
		size_t chars = 0;
		if (!sh_utf8_valid_text(reason, SIZE_MAX, &chars))
			sh_validation_add(&v, "reason", "invalid_text");
		else if (chars == 0)
			sh_validation_add(&v, "reason", "required");
		else if (chars > REASON_MAX)
			sh_validation_add(&v, "reason", "too_long");
	}
	sh_json_get_bool(req->json, "force", false, &force, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	struct reverse_tx t = {.req = req, .id = id, .reason = reason, .force = force};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE_ROWLOCKED, reverse_in_tx, &t);
	/* The admin is no party: the detail names the payer. */
	sh_sel_reply_booking(req, res, rc, t.problem, t.limit, t.max_units, false, t.body, 201);
}
