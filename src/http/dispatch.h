/* From a parsed request to a filled response (internal to src/http). */
#ifndef SCHOOLHUB_HTTP_DISPATCH_H
#define SCHOOLHUB_HTTP_DISPATCH_H

#include "schoolhub/http.h"

/* Routes the request (API, static app, CORS preflight) and always leaves a reply in "res". */
void sh_http_dispatch(struct sh_request *req, struct sh_response *res);
/* Adds the headers every response carries (security, cache, CORS). */
void sh_http_finish_headers(struct sh_request *req, struct sh_response *res);

#endif
