/* Operational endpoints: liveness, readiness (database round trip) and metrics. */
#include "http/core_routes.h"

#include <stdlib.h>

#include "http/metrics.h"
#include "schoolhub/app.h"

static void health(struct sh_request *req, struct sh_response *res)
{
	sh_reply_json(req, res, 200, json_pack("{s:s}", "status", "ok"));
}

static void ready(struct sh_request *req, struct sh_response *res)
{
	struct sh_conn *conn = sh_db_thread_conn(req->app->db);
	const char *kind = sh_db_kind_name(req->app->db);
	if (conn == NULL || sh_conn_ping(conn) != SH_DB_OK) {
		sh_res_header(res, "Retry-After", "5");
		sh_reply_json(req, res, 503,
			      json_pack("{s:s, s:s}", "status", "unavailable", "database", kind));
		return;
	}
	sh_reply_json(req, res, 200, json_pack("{s:s, s:s}", "status", "ready", "database", kind));
}

static void metrics(struct sh_request *req, struct sh_response *res)
{
	size_t len;
	char *text = sh_metrics_render(req->app->metrics, req->app, &len);
	sh_arena_defer(req->arena, free, text);
	sh_reply_raw(res, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

const struct sh_route sh_core_routes[] = {
	{"GET", "/health", health, SH_ROUTE_PUBLIC, 0},
	{"GET", "/ready", ready, SH_ROUTE_PUBLIC, 0},
	{"GET", "/metrics", metrics, SH_ROUTE_PUBLIC, 0},
};
const size_t sh_core_route_count = sizeof(sh_core_routes) / sizeof(sh_core_routes[0]);
