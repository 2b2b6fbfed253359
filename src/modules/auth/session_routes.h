/* Session handlers of the auth module (session_routes.c); auth_routes.c lists their routes. */
#ifndef SCHOOLHUB_AUTH_SESSION_ROUTES_H
#define SCHOOLHUB_AUTH_SESSION_ROUTES_H

#include "schoolhub/http.h"

/* POST /api/v1/auth/refresh: the JSON flow, {refresh_token} in the body. */
void sh_auth_refresh(struct sh_request *req, struct sh_response *res);
/* POST /api/v1/auth/logout: the JSON flow, bearer + {refresh_token}. */
void sh_auth_logout(struct sh_request *req, struct sh_response *res);
/* POST /api/v1/auth/session/refresh: the browser flow, the token in the cookie. */
void sh_auth_cookie_refresh(struct sh_request *req, struct sh_response *res);
/* POST /api/v1/auth/session/logout: the browser flow. */
void sh_auth_cookie_logout(struct sh_request *req, struct sh_response *res);
/* POST /api/v1/auth/logout-all: every session of the caller ends. */
void sh_auth_logout_all(struct sh_request *req, struct sh_response *res);

#endif
