/* Route matching over the route tables of the enabled modules (internal to src/http). */
#ifndef SCHOOLHUB_HTTP_ROUTER_H
#define SCHOOLHUB_HTTP_ROUTER_H

#include <stddef.h>

#include "schoolhub/http.h"

struct sh_router;

enum sh_match {
	SH_MATCH_FOUND,
	SH_MATCH_NOT_FOUND,
	SH_MATCH_BAD_METHOD /* the path exists with other methods: 405 + Allow */
};

/* Builds a router from the core routes and every module enabled in "module_mask". */
struct sh_router *sh_router_create(unsigned module_mask);
void sh_router_destroy(struct sh_router **router_r);

/*
 * Matches "method" and "path". On SH_MATCH_FOUND sets "*route_r" and fills the request's
 * route parameters (copied into the request arena). On SH_MATCH_BAD_METHOD, "*allow_r"
 * is an arena string like "GET, PATCH, DELETE".
 */
enum sh_match sh_router_match(const struct sh_router *router, struct sh_request *req,
			      const char *method, const char *path, const struct sh_route **route_r,
			      const char **allow_r);

/* Every route pattern known to the router (for metrics labels); index-stable. */
size_t sh_router_route_count(const struct sh_router *router);

#endif
