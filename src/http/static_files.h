/* The embedded single-page app (internal to src/http). */
#ifndef SCHOOLHUB_HTTP_STATIC_FILES_H
#define SCHOOLHUB_HTTP_STATIC_FILES_H

#include "schoolhub/http.h"

/* Computes ETags once; call before serving. */
void sh_static_init(void);
/*
 * Serves the embedded file at req->path, or index.html for any other path (client-side
 * routes). Files are looked up in a table compiled into the binary, never on disk, so a
 * path like "/../../etc/passwd" can only ever resolve to index.html.
 */
void sh_static_serve(struct sh_request *req, struct sh_response *res);

#endif
