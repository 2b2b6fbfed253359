/*
 * SQL of the SEL ledger's transactions as they are written: a new payment or payment
 * request, an opening or a reversal row, and a pending request's settlement. The booking
 * itself (units and entries) is sh_sel_book, in ledger_accounts.c.
 */
#include "modules/sel/ledger_queries.h"

#include <string.h>

#include "schoolhub/util.h"

enum sh_db_rc sh_sel_tx_insert(struct sh_conn *conn, const struct sh_sel_tx *t)
{
	return sh_exec(conn,
		       "INSERT INTO sel_transactions (id, kind, from_account, to_account, "
		       "from_user_id, to_user_id, units, description, service_id, status, "
		       "created_by, reverses_id, created_at, completed_at) "
		       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
		       SH_ARGS(SH_TEXT(t->id), SH_TEXT(t->kind), SH_TEXT(t->from_account),
			       SH_TEXT(t->to_account), SH_TEXT(t->from_user_id),
			       SH_TEXT(t->to_user_id), SH_INT(t->units),
			       SH_TEXT(t->description ? t->description : ""),
			       SH_TEXT(t->service_id), SH_TEXT(t->status), SH_TEXT(t->created_by),
			       SH_TEXT(t->reverses_id), SH_TEXT(t->created_at),
			       SH_TEXT(t->completed_at)),
		       NULL);
}

enum sh_db_rc sh_sel_exchange_create(struct sh_conn *conn, const struct sh_sel_exchange *x,
				     const struct sh_sel_limits *limits,
				     struct sh_sel_exchanged *out)
{
	*out = (struct sh_sel_exchanged){.outcome = SH_SEL_BOOKED};
	enum sh_db_rc rc;
	if ((rc = sh_sel_account_ensure(conn, x->author, limits, x->at, out->author_account)) !=
		    SH_DB_OK ||
	    (rc = sh_sel_account_ensure(conn, x->counterparty, limits, x->at,
					out->counterparty_account)) != SH_DB_OK)
		return rc;
	sh_uuid_v7(out->id); /* time-ordered: see sh_uuid_v7 */
	const char *mine = out->author_account, *theirs = out->counterparty_account;
	out->tx = (struct sh_sel_tx){
		.id = out->id,
		.kind = x->paying ? "payment" : "request",
		.from_account = x->paying ? mine : theirs,
		.to_account = x->paying ? theirs : mine,
		.from_user_id = x->paying ? x->author : x->counterparty,
		.to_user_id = x->paying ? x->counterparty : x->author,
		.units = x->units,
		.description = x->description,
		.service_id = x->service_id,
		.status = x->paying ? "completed" : "pending",
		.created_by = x->author,
		.created_at = x->at,
		.completed_at = x->paying ? x->at : NULL,
	};
	if ((rc = sh_sel_tx_insert(conn, &out->tx)) != SH_DB_OK || !x->paying)
		return rc;
	return sh_sel_book(conn, out->id, mine, theirs, x->units, limits, x->at, &out->outcome,
			   &out->excess);
}

enum sh_db_rc sh_sel_tx_settle(struct sh_conn *conn, const char *id, const char *status,
			       const char *now, int64_t *changed_r)
{
	bool completed = strcmp(status, "completed") == 0;
	return sh_exec(conn,
		       "UPDATE sel_transactions SET status = $2, completed_at = $3 "
		       "WHERE id = $1 AND status = 'pending'",
		       SH_ARGS(SH_TEXT(id), SH_TEXT(status), SH_TEXT(completed ? now : NULL)),
		       changed_r);
}
