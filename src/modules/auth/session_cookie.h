/*
 * Browser sessions (auth module internal): the refresh token in an HttpOnly cookie that
 * only the two cookie routes see, the checks that a request carrying it comes from the
 * app itself, and the one place that writes a token pair into a reply.
 *
 * A client asks for the cookie flow with "X-SchoolHub-Client: web". Without that header
 * everything stays as it was: the refresh token travels in the JSON bodies.
 */
#ifndef SCHOOLHUB_AUTH_SESSION_COOKIE_H
#define SCHOOLHUB_AUTH_SESSION_COOKIE_H

#include <stdbool.h>

#include "modules/auth/tokens.h"
#include "schoolhub/http.h"

#define SH_SESSION_COOKIE "schoolhub_refresh"
/* The cookie's Path: the prefix of the two routes that read it, and of nothing else. */
#define SH_SESSION_COOKIE_PATH "/api/v1/auth/session"
#define SH_CLIENT_HEADER "X-SchoolHub-Client"

/* True when the request carries "X-SchoolHub-Client: web". */
bool sh_session_wants_cookie(const struct sh_request *req);
/*
 * Login and register: when the cookie flow is asked for, 403 "origin_refused" unless the
 * request comes from this server's own pages (see sh_session_from_app_or_reply). Returns 0
 * to go on (always, for a client that did not ask for a cookie), -1 after replying.
 */
int sh_session_cookie_origin_or_reply(struct sh_request *req, struct sh_response *res);
/*
 * The cookie routes: 403 "client_header_required" without the app's header, 403
 * "origin_refused" when Origin names another origin than the request's Host or
 * Sec-Fetch-Site says it is not same-origin. Returns 0 or -1 after replying.
 */
int sh_session_from_app_or_reply(struct sh_request *req, struct sh_response *res);
/* The refresh token the browser sent in the cookie (arena); NULL when there is none. */
const char *sh_session_cookie_token(struct sh_request *req);
/* Tells the browser to drop the cookie (logout, a refused refresh). */
void sh_session_cookie_clear(struct sh_request *req, struct sh_response *res);
/*
 * Replies "status" with the pair: in the cookie flow the refresh token goes into the
 * cookie and not into the body; otherwise the body carries both tokens as before.
 */
void sh_session_reply_pair(struct sh_request *req, struct sh_response *res, unsigned status,
			   const struct sh_token_pair *pair, const struct sh_user *user);

#endif
