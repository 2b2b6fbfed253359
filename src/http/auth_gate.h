/* Bearer-token authentication and role checks for SH_ROUTE_AUTH routes. */
#ifndef SCHOOLHUB_HTTP_AUTH_GATE_H
#define SCHOOLHUB_HTTP_AUTH_GATE_H

#include "schoolhub/http.h"

/*
 * Verifies "Authorization: Bearer <jwt>", loads the user (who must still exist and be
 * active) and checks the route's roles. Fills req->user. 401 (with WWW-Authenticate)
 * or 403 otherwise; returns 0 or -1 after replying.
 */
int sh_auth_gate_or_reply(struct sh_request *req, struct sh_response *res,
			  const struct sh_route *route);

#endif
