/*
 * Request dispatch: CORS preflight, route matching (404 / 405 + Allow), the
 * single-page app for non-API paths, then for API routes the gates in order —
 * database connection, authentication and role, JSON body — and the handler.
 */
#include "http/dispatch.h"

#include <microhttpd.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "http/auth_gate.h"
#include "http/router.h"
#include "http/static_files.h"
#include "schoolhub/app.h"
#include "schoolhub/log.h"
#include "schoolhub/modules.h"
#include "schoolhub/realtime.h"
#include "schoolhub/util.h"

#define API_CSP "default-src 'none'; frame-ancestors 'none'"
#define APP_CSP_HEAD                                                                         \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "    \
	"font-src 'self'; connect-src 'self'"
#define APP_CSP_TAIL                                                                         \
	"; manifest-src 'self'; worker-src 'self'; "                                          \
	"object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
#define APP_CSP APP_CSP_HEAD APP_CSP_TAIL

static const char *allowed_origin(const struct sh_request *req)
{
	const char *origin = sh_req_header(req, "Origin");
	if (origin == NULL)
		return NULL;
	const struct sh_config *cfg = &req->app->cfg;
	for (size_t i = 0; i < cfg->cors_origin_count; i++)
		if (strcmp(cfg->cors_origins[i], origin) == 0)
			return cfg->cors_origins[i];
	return NULL;
}

static void preflight(struct sh_request *req, struct sh_response *res)
{
	req->route_pattern = "preflight";
	if (allowed_origin(req) == NULL) {
		sh_reply_problem(req, res, 403, "forbidden", "origin not allowed");
		return;
	}
	sh_res_header(res, "Access-Control-Allow-Methods", "GET, POST, PATCH, PUT, DELETE");
	sh_res_header(res, "Access-Control-Allow-Headers",
		      "Authorization, Content-Type, Accept-Language, X-Request-Id");
	sh_res_header(res, "Access-Control-Max-Age", "600");
	sh_reply_empty(res, 204);
}

static bool has_header(const struct sh_response *res, const char *name)
{
	for (size_t i = 0; i < res->header_count; i++)
		if (strcasecmp(res->header_names[i], name) == 0)
			return true;
	return false;
}

void sh_http_finish_headers(struct sh_request *req, struct sh_response *res)
{
	/* Everything the static server answers gets the app's policy, its 304s included: a
	 * browser copies the headers of a 304 onto its cached page, and an API policy there
	 * ("default-src 'none'") would blank the app on the next reload. */
	bool app = res->cacheable ||
		   (res->content_type != NULL && strncmp(res->content_type, "text/html", 9) == 0);
	sh_res_header(res, "X-Content-Type-Options", "nosniff");
	sh_res_header(res, "Referrer-Policy", "no-referrer");
	sh_res_header(res, "X-Frame-Options", "DENY");
	/* The app may open the realtime socket on its own port: exactly that origin more. */
	const char *ws = app ? sh_realtime_connect_src(req->app, sh_req_header(req, "Host"),
						       req->arena)
			     : NULL;
	sh_res_header(res, "Content-Security-Policy",
		      ws ? sh_arena_printf(req->arena, APP_CSP_HEAD " %s" APP_CSP_TAIL, ws)
			 : app ? APP_CSP : API_CSP);
	/* A handler may declare its own answer cacheable (GET /api/v1/config). */
	if (!res->cacheable && !has_header(res, "Cache-Control"))
		sh_res_header(res, "Cache-Control", "no-store");
	const char *origin = allowed_origin(req);
	if (origin != NULL) {
		sh_res_header(res, "Access-Control-Allow-Origin", origin);
		sh_res_header(res, "Access-Control-Expose-Headers", "X-Request-Id, Retry-After");
		sh_res_header(res, "Vary", "Origin");
	}
}

static bool is_json_content_type(const char *ct)
{
	if (ct == NULL)
		return false;
	size_t n = strlen("application/json");
	if (strncasecmp(ct, "application/json", n) != 0)
		return false;
	ct += n;
	while (*ct == ' ')
		ct++;
	return *ct == '\0' || *ct == ';';
}

static void json_decref_cb(void *p)
{
	json_decref(p);
}

/* 415 unless JSON, 400 unless a JSON object; returns 0 or -1 after replying. */
static int json_body_or_reply(struct sh_request *req, struct sh_response *res)
{
	if (!is_json_content_type(sh_req_header(req, "Content-Type"))) {
		sh_reply_problem(req, res, 415, "unsupported_media_type", NULL);
		return -1;
	}
	if (req->body == NULL || req->body_len == 0) {
		sh_reply_problem(req, res, 400, "invalid_json", "empty body");
		return -1;
	}
	json_error_t err;
	json_t *doc = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &err);
	if (doc == NULL || !json_is_object(doc)) {
		json_decref(doc);
		sh_reply_problem(req, res, 400, "invalid_json", NULL);
		return -1;
	}
	sh_arena_defer(req->arena, json_decref_cb, doc);
	req->json = doc;
	return 0;
}

static bool is_api_path(const char *path)
{
	return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0;
}

/* Whether the route's module is on now (modules.h: switched at runtime); core routes are. */
static bool module_on(struct sh_request *req, const struct sh_route *route)
{
	const struct sh_module *m = sh_module_of_route(route);
	return m == NULL || !sh_module_switchable(m) || (sh_modules_on(req->app) & m->id) != 0;
}

static void run_route(struct sh_request *req, struct sh_response *res,
		      const struct sh_route *route)
{
	if (route->flags & SH_ROUTE_NEEDS_DB || route->flags & SH_ROUTE_AUTH) {
		req->db = sh_db_thread_conn(req->app->db);
		if (req->db == NULL) {
			sh_res_header(res, "Retry-After", "5");
			sh_reply_problem(req, res, 503, "service_unavailable", NULL);
			return;
		}
	}
	struct sh_auth_gate gate = {0};
	if ((route->flags & SH_ROUTE_AUTH) && sh_auth_gate_or_reply(req, res, route, &gate) != 0)
		return;
	if (!(route->flags & SH_ROUTE_JSON_BODY) || json_body_or_reply(req, res) == 0) {
		route->handler(req, res);
		if (req->db != NULL && sh_conn_in_tx(req->db)) {
			/* A handler returned inside a transaction: that is a bug; never leak the lock. */
			sh_log_error("request %s: transaction left open by %s", req->request_id,
				     route->pattern);
			sh_conn_rollback(req->db);
		}
		if (!res->replied) {
			sh_log_error("request %s: handler for %s gave no reply", req->request_id,
				     route->pattern);
			sh_reply_internal(req, res);
		}
	}
	/* A deferred account check has the last word over any reply (SH_ROUTE_ACCOUNT_LATE). */
	if (route->flags & SH_ROUTE_AUTH)
		sh_auth_gate_finish(req, res, &gate);
}

/*
 * A path no browser and no client of the API sends: invalid UTF-8 (overlong forms
 * included), a control character, a backslash, a "." or ".." segment, or a "%" that
 * decoding left (server.c keeps "%00" encoded). Refused before routing, so no handler and
 * no file lookup ever sees one, and the web app's fallback never answers it with a page.
 */
static bool path_is_plain(const char *path)
{
	if (path[0] != '/' || !sh_utf8_valid_text(path, SIZE_MAX, NULL) ||
	    strpbrk(path, "\\%") != NULL)
		return false;
	for (const char *seg = path; seg != NULL; seg = strchr(seg + 1, '/')) {
		const char *s = seg + 1;
		size_t n = strcspn(s, "/");
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
	}
	return true;
}

void sh_http_dispatch(struct sh_request *req, struct sh_response *res)
{
	if (!path_is_plain(req->path)) {
		sh_reply_problem(req, res, 400, "invalid_path", NULL);
		return;
	}
	if (strcmp(req->method, "OPTIONS") == 0 && sh_req_header(req, "Origin") != NULL &&
	    sh_req_header(req, "Access-Control-Request-Method") != NULL) {
		preflight(req, res);
		return;
	}
	const struct sh_route *route = NULL;
	const char *allow = NULL;
	switch (sh_router_match(req->app->router, req, req->method, req->path, &route, &allow)) {
	case SH_MATCH_FOUND:
		if (!module_on(req, route)) {
			sh_reply_not_found(req, res); /* switched off by an admin at runtime */
			return;
		}
		run_route(req, res, route);
		return;
	case SH_MATCH_BAD_METHOD:
		sh_res_header(res, "Allow", allow);
		sh_reply_problem(req, res, 405, "method_not_allowed", NULL);
		return;
	case SH_MATCH_NOT_FOUND:
		break;
	}
	if (!is_api_path(req->path)) {
		req->route_pattern = "static";
		if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0) {
			sh_static_serve(req, res);
		} else {
			/* The app's pages exist, for reading only. */
			sh_res_header(res, "Allow", "GET, HEAD");
			sh_reply_problem(req, res, 405, "method_not_allowed", NULL);
		}
		return;
	}
	sh_reply_not_found(req, res);
}
