/*
 * What the SEL ledger's handler files share (ledger_routes.c, payment_routes.c,
 * settle_routes.c, statement_routes.c; defined in ledger_replies.c).
 */
#ifndef SCHOOLHUB_SEL_LEDGER_ROUTES_H
#define SCHOOLHUB_SEL_LEDGER_ROUTES_H

#include "modules/sel/ledger_queries.h"
#include "modules/sel/sel.h"

/* The configured limits (SCHOOLHUB_SEL_*_BALANCE). */
struct sh_sel_limits sh_sel_limits_of(const struct sh_request *req);
/* 409 payer_limit / payee_limit in the member's terms, with "max_units" (the most this
 * payment could be right now); "caller_pays": the member asking is the payer. */
void sh_sel_reply_limit(struct sh_request *req, struct sh_response *res,
			enum sh_sel_outcome outcome, int64_t max_units, bool caller_pays);
/*
 * The reply after a booking transaction: a store error, a refusal ("problem":
 * not_found -> 404, anything else -> 409), a limit (409 payer/payee_limit) or "body"
 * (whose reference is taken) with "status".
 */
void sh_sel_reply_booking(struct sh_request *req, struct sh_response *res, enum sh_db_rc rc,
			  const char *problem, enum sh_sel_outcome limit, int64_t max_units,
			  bool caller_pays, json_t *body, unsigned status);

/* Notifies "user_id" of "kind" about transaction "tx_id" made by the caller (sel_notify.c),
 * inside the booking's transaction; "answer" ("accepted"/"declined") or NULL. */
enum sh_db_rc sh_sel_notify(struct sh_request *req, struct sh_conn *conn, const char *user_id,
			    const char *kind, int64_t units, const char *tx_id, const char *answer);

#endif
