/* Request header fields that may be sent on several lines (internal to src/http). */
#ifndef SCHOOLHUB_HTTP_HEADER_LIST_H
#define SCHOOLHUB_HTTP_HEADER_LIST_H

#include "schoolhub/http.h"

/*
 * Every line of the request header "name" (case-insensitive), joined with ", " in the
 * order received (arena), as RFC 9110 §5.3 allows for list fields like Accept-Encoding and
 * If-None-Match; NULL when absent. sh_req_header() returns only the first line, which would
 * let "Accept-Encoding: br" on one line overrule "Accept-Encoding: br;q=0" on the next.
 */
const char *sh_req_header_list(const struct sh_request *req, const char *name);

#endif
