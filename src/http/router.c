/*
 * The router: a flat list of (route, pre-split pattern) built once at start-up from
 * the route table of each enabled module. Matching is a linear scan by segments: with
 * a few dozen routes this is cheaper than any tree and keeps the table readable.
 */
#include "http/router.h"

#include <string.h>

#include "http/core_routes.h"
#include "schoolhub/mem.h"
#include "schoolhub/modules.h"

#define MAX_SEGMENTS 12

struct compiled_route {
	const struct sh_route *route;
	size_t segment_count;
	const char *segments[MAX_SEGMENTS]; /* point into "pattern_copy" */
	char *pattern_copy;
};

struct sh_router {
	struct compiled_route *routes;
	size_t count;
};

static void compile(struct compiled_route *c, const struct sh_route *route)
{
	c->route = route;
	c->pattern_copy = sh_strdup(route->pattern);
	c->segment_count = 0;
	char *save = NULL;
	for (char *seg = strtok_r(c->pattern_copy, "/", &save); seg != NULL;
	     seg = strtok_r(NULL, "/", &save)) {
		if (c->segment_count == MAX_SEGMENTS)
			break;
		c->segments[c->segment_count++] = seg;
	}
}

static void add_table(struct sh_router *r, const struct sh_route *routes, size_t n)
{
	r->routes = sh_realloc(r->routes, (r->count + n) * sizeof(*r->routes));
	for (size_t i = 0; i < n; i++)
		compile(&r->routes[r->count++], &routes[i]);
}

static void suffixed_first(struct sh_router *r);

struct sh_router *sh_router_create(unsigned module_mask)
{
	struct sh_router *r = sh_calloc(1, sizeof(*r));
	add_table(r, sh_core_routes, sh_core_route_count);
	for (size_t i = 0; i < sh_module_count; i++)
		if (module_mask & sh_modules[i]->id)
			add_table(r, sh_modules[i]->routes, sh_modules[i]->route_count);
	suffixed_first(r);
	return r;
}

void sh_router_destroy(struct sh_router **router_r)
{
	struct sh_router *r = *router_r;
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->count; i++)
		sh_free(&r->routes[i].pattern_copy);
	sh_free(&r->routes);
	sh_free(router_r);
}

size_t sh_router_route_count(const struct sh_router *router)
{
	return router->count;
}

/*
 * A parameter segment: "{name}", or "{name}.ext" with a literal suffix ("/events/{id}.ics")
 * that the path's segment must end with; the parameter's value is the segment without it.
 */
static bool is_param(const char *seg)
{
	return seg[0] == '{' && strchr(seg, '}') != NULL && strchr(seg, '}') > seg + 1;
}

static const char *param_suffix(const char *seg)
{
	return strchr(seg, '}') + 1;
}

/* Does path segment "seg" fill pattern segment "pat"? */
static bool segment_matches(const char *pat, const char *seg)
{
	if (!is_param(pat))
		return strcmp(pat, seg) == 0;
	const char *suffix = param_suffix(pat);
	size_t n = strlen(seg), k = strlen(suffix);
	return n > k && strcmp(seg + n - k, suffix) == 0;
}

static bool has_suffixed_param(const struct compiled_route *c)
{
	for (size_t i = 0; i < c->segment_count; i++)
		if (is_param(c->segments[i]) && *param_suffix(c->segments[i]) != '\0')
			return true;
	return false;
}

/* Routes with a suffixed parameter go first (stable otherwise): "/events/{id}.ics" must be
 * tried before "/events/{id}", which would take "x.ics" as an id. */
static void suffixed_first(struct sh_router *r)
{
	size_t front = 0;
	for (size_t i = 0; i < r->count; i++) {
		if (!has_suffixed_param(&r->routes[i]))
			continue;
		struct compiled_route c = r->routes[i];
		memmove(&r->routes[front + 1], &r->routes[front], (i - front) * sizeof(c));
		r->routes[front++] = c;
	}
}

/* Splits "path" into segments in place; a trailing slash or an empty segment ("//")
 * makes the path unmatchable, which answers 404 rather than guessing. */
static int split_path(char *path, const char **segs, size_t *n_r)
{
	size_t n = 0;
	if (path[0] != '/')
		return -1;
	char *p = path + 1;
	if (*p == '\0') {
		*n_r = 0;
		return 0;
	}
	for (;;) {
		char *slash = strchr(p, '/');
		if (slash == p || n == MAX_SEGMENTS)
			return -1;
		segs[n++] = p;
		if (slash == NULL)
			break;
		*slash = '\0';
		p = slash + 1;
		if (*p == '\0')
			return -1;
	}
	*n_r = n;
	return 0;
}

static bool path_matches(const struct compiled_route *c, const char *const *segs, size_t n)
{
	if (c->segment_count != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!segment_matches(c->segments[i], segs[i]))
			return false;
	return true;
}

enum sh_match sh_router_match(const struct sh_router *router, struct sh_request *req,
			      const char *method, const char *path, const struct sh_route **route_r,
			      const char **allow_r)
{
	char *copy = sh_arena_strdup(req->arena, path);
	const char *segs[MAX_SEGMENTS];
	size_t n;
	if (split_path(copy, segs, &n) != 0)
		return SH_MATCH_NOT_FOUND;

	const char *allow = NULL;
	for (size_t i = 0; i < router->count; i++) {
		const struct compiled_route *c = &router->routes[i];
		if (!path_matches(c, segs, n))
			continue;
		if (strcmp(c->route->method, method) != 0 &&
		    !(strcmp(method, "HEAD") == 0 && strcmp(c->route->method, "GET") == 0)) {
			allow = allow ? sh_arena_printf(req->arena, "%s, %s", allow, c->route->method)
				      : c->route->method;
			continue;
		}
		req->param_count = 0;
		for (size_t s = 0; s < n && req->param_count < SH_MAX_ROUTE_PARAMS; s++) {
			if (!is_param(c->segments[s]))
				continue;
			const char *name = c->segments[s] + 1;
			size_t suffix = strlen(param_suffix(c->segments[s]));
			req->param_names[req->param_count] =
				sh_arena_strndup(req->arena, name, strcspn(name, "}"));
			req->param_values[req->param_count] =
				suffix ? sh_arena_strndup(req->arena, segs[s], strlen(segs[s]) - suffix)
				       : segs[s];
			req->param_count++;
		}
		req->route_pattern = c->route->pattern;
		*route_r = c->route;
		return SH_MATCH_FOUND;
	}
	if (allow != NULL) {
		/* GET routes answer HEAD too. */
		bool has_get = false;
		for (const char *p = allow; (p = strstr(p, "GET")) != NULL; p += 3)
			has_get = true;
		*allow_r = has_get ? sh_arena_printf(req->arena, "%s, HEAD", allow) : allow;
		return SH_MATCH_BAD_METHOD;
	}
	return SH_MATCH_NOT_FOUND;
}
