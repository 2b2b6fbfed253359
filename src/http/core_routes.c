/* Operational endpoints: liveness, readiness (database round trip), metrics, and the
 * public configuration the web app reads at start. */
#include "http/core_routes.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/content_coding.h"
#include "http/header_list.h"
#include "http/metrics.h"
#include "schoolhub/app.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/modules.h"
#include "schoolhub/realtime.h"

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

/* Loopback clients only, unless a token is configured (then the token, from anywhere). A
 * request through a proxy in SCHOOLHUB_TRUSTED_PROXIES is its client's, not the proxy's; a
 * same-host proxy not listed there makes every request loopback, and must not forward
 * /metrics. */
static bool metrics_allowed(struct sh_request *req)
{
	const char *token = req->app->cfg.metrics_token;
	if (token == NULL) {
		const char *ip = sh_req_client_ip(req);
		return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 ||
		       strncmp(ip, "::ffff:127.", 11) == 0;
	}
	const char *auth = sh_req_header(req, "Authorization");
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
		return false;
	const char *given = auth + 7;
	size_t n = strlen(token);
	return strlen(given) == n && sodium_memcmp(given, token, n) == 0;
}

static void metrics(struct sh_request *req, struct sh_response *res)
{
	if (!metrics_allowed(req)) {
		sh_reply_not_found(req, res);
		return;
	}
	size_t len;
	/* Not SH_ROUTE_NEEDS_DB: with the database down /metrics still answers (its error
	 * counters are the point then), without the modules' gauges. */
	struct sh_conn *conn = sh_db_thread_conn(req->app->db);
	char *text = sh_metrics_render(req->app->metrics, req->app, conn, &len);
	sh_arena_defer(req->arena, free, text);
	sh_reply_raw(res, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

static const char *registration_name(enum sh_registration r)
{
	return r == SH_REG_OPEN ? "open" : r == SH_REG_INVITE ? "invite"
		: r == SH_REG_APPROVAL ? "approval" : "closed";
}

/*
 * Answers "body" revalidated on every use: an admin's module switch reaches every instance
 * within a second, and a browser keeping the answer a minute would show a switched-off
 * module that long. The ETag (a hash of the bytes) makes the check cheap: 304 without a
 * body while nothing changed.
 */
static void reply_revalidated(struct sh_request *req, struct sh_response *res, json_t *body)
{
	size_t len = 0;
	const char *text = body ? sh_json_dump(req->arena, body, &len) : NULL;
	json_decref(body);
	if (text == NULL) {
		sh_reply_internal(req, res);
		return;
	}
	unsigned char hash[16];
	crypto_generichash(hash, sizeof(hash), (const unsigned char *)text, len, NULL, 0);
	char hex[2 * sizeof(hash) + 1];
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	const char *etag = sh_arena_printf(req->arena, "\"%s\"", hex);
	sh_res_header(res, "ETag", etag);
	sh_res_header(res, "Cache-Control", "no-cache");
	if (sh_etag_list_matches(sh_req_header_list(req, "If-None-Match"), etag)) {
		sh_reply_raw(res, 304, NULL, "", 0);
		return;
	}
	sh_reply_raw(res, 200, "application/json", text, len);
}

/* Which modules are on and the public numbers the web app needs: nothing secret, the
 * same for every caller until an admin switches a module (then within a second on every
 * instance): revalidated on every use (reply_revalidated). */
static void public_config(struct sh_request *req, struct sh_response *res)
{
	const struct sh_config *cfg = &req->app->cfg;
	unsigned on = sh_modules_on(req->app); /* SCHOOLHUB_MODULES minus those switched off */
	json_t *modules = json_array();
	json_t *languages = json_array();
	for (int l = 0; l < SH_LANG_COUNT; l++)
		json_array_append_new(languages, json_string(sh_lang_code((enum sh_lang)l)));
	json_t *body = json_pack("{s:o, s:s, s:o}", "modules", modules, "registration",
				 registration_name(cfg->registration), "languages", languages);
	for (size_t i = 0; i < sh_module_count; i++) {
		const struct sh_module *m = sh_modules[i];
		if ((on & m->id) == 0)
			continue;
		json_array_append_new(modules, json_string(m->name));
		if (m->public_config != NULL)
			m->public_config(cfg, body);
	}
	/* Where the realtime channel listens, for the host this request came by (null when
	 * it is off); see src/realtime/rt_origin.c. */
	const char *rt_url = sh_realtime_url(req->app, sh_req_header(req, "Host"), req->arena);
	json_object_set_new(body, "realtime_url", rt_url ? json_string(rt_url) : json_null());
	reply_revalidated(req, res, body);
}

const struct sh_route sh_core_routes[] = {
	{"GET", "/health", health, SH_ROUTE_PUBLIC, 0},
	{"GET", "/ready", ready, SH_ROUTE_PUBLIC, 0},
	{"GET", "/metrics", metrics, SH_ROUTE_PUBLIC, 0},
	{"GET", "/api/v1/config", public_config, SH_ROUTE_PUBLIC, 0},
};
const size_t sh_core_route_count = sizeof(sh_core_routes) / sizeof(sh_core_routes[0]);
