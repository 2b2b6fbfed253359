/* Bearer-token authentication and role checks for SH_ROUTE_AUTH routes. */
#ifndef SCHOOLHUB_HTTP_AUTH_GATE_H
#define SCHOOLHUB_HTTP_AUTH_GATE_H

#include <stdint.h>

#include "schoolhub/http.h"
#include "schoolhub/modules.h"

/* Why the account check refused, to answer it (auth_gate.c). */
enum sh_auth_refusal {
	SH_AUTH_UNCHECKED, /* the check has not run yet (deferred) */
	SH_AUTH_PASSED,
	SH_AUTH_INVALID_TOKEN, /* 401: no such active account, or an older token generation */
	SH_AUTH_FORBIDDEN, /* 403: the route does not admit the account's role */
	SH_AUTH_PENDING, /* 403 pending_approval: the account waits for an admin's approval */
	SH_AUTH_INTERNAL, /* 500: a role the code does not know */
	SH_AUTH_DB_ERROR, /* the store's error, answered by sh_reply_db_error */
};

/* One request's gate; it lives in run_route (dispatch.c) for the whole request, since the
 * account check may run during the handler (SH_ROUTE_ACCOUNT_LATE). */
struct sh_auth_gate {
	struct sh_request *req;
	const struct sh_route *route;
	const struct sh_account_lookup *lookup;
	int64_t generation; /* the token's */
	bool pending; /* the account check was deferred to the handler's first read */
	enum sh_auth_refusal refusal;
	enum sh_db_rc db_rc;
};

/*
 * Verifies "Authorization: Bearer <jwt>", then checks the account behind it on every
 * request (it must still exist and be active, with the token's generation) and the
 * route's roles, filling req->user. 401 (with WWW-Authenticate), 403, or the store's
 * error reply otherwise; returns 0 or -1 after replying.
 *
 * For a SH_ROUTE_ACCOUNT_LATE route on PostgreSQL the account check is deferred
 * (sh_conn_guard): req->user.id is set from the token, and the check runs in one round
 * trip with the handler's first read, or alone before anything else the handler does
 * with the database. sh_auth_gate_finish must then follow the handler.
 */
int sh_auth_gate_or_reply(struct sh_request *req, struct sh_response *res,
			  const struct sh_route *route, struct sh_auth_gate *gate);

/*
 * After the handler (or an earlier gate's reply): a deferred account check is run if the
 * handler never used the database, and if it refused, whatever was answered is replaced
 * by the gate's own reply; nothing the handler read reaches the client. Ends the
 * connection's guard. Safe to call when nothing was deferred.
 */
void sh_auth_gate_finish(struct sh_request *req, struct sh_response *res,
			 struct sh_auth_gate *gate);

/*
 * The gate's account check for a connection that outlives a request (the realtime
 * channel, src/realtime): the token of "user_id" at "generation" still stands when its
 * account exists, is active, has a role the code knows and has not changed its token
 * generation since (password change, deactivation). 1 it stands, 0 it does not, -1 on a
 * store error ("*rc_r"). "arena" holds the account row while it is read.
 */
int sh_auth_account_current(struct sh_conn *conn, struct sh_arena *arena, const char *user_id,
			    int64_t generation, enum sh_db_rc *rc_r);

#endif
