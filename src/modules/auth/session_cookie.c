/* Browser sessions: the refresh-token cookie and the checks around it (session_cookie.h). */
#include "modules/auth/session_cookie.h"

#include <string.h>
#include <strings.h>

#include "modules/auth/auth_settings.h"
#include "schoolhub/app.h"

bool sh_session_wants_cookie(const struct sh_request *req)
{
	const char *client = sh_req_header(req, SH_CLIENT_HEADER);
	return client != NULL && strcmp(client, "web") == 0;
}

/*
 * The server's own origin is the one the browser addressed: the Host header, which a page
 * on another site cannot choose (its requests carry our Host and their Origin). So an
 * Origin whose host[:port] differs from Host is another site's page. No Host at all, an
 * opaque "null" Origin or another scheme fails closed. The scheme is not compared: TLS
 * usually ends at a reverse proxy, which must pass the Host header on (docs/SECURITY.md).
 */
static bool origin_is_ours(const struct sh_request *req)
{
	const char *fetch_site = sh_req_header(req, "Sec-Fetch-Site");
	if (fetch_site != NULL && strcmp(fetch_site, "same-origin") != 0)
		return false;
	const char *origin = sh_req_header(req, "Origin");
	if (origin == NULL)
		return true; /* no browser omits it on a cross-origin POST */
	const char *host = sh_req_header(req, "Host");
	if (host == NULL || *host == '\0')
		return false;
	const char *authority;
	if (strncmp(origin, "https://", 8) == 0)
		authority = origin + 8;
	else if (strncmp(origin, "http://", 7) == 0)
		authority = origin + 7;
	else
		return false;
	return strcasecmp(authority, host) == 0;
}

int sh_session_cookie_origin_or_reply(struct sh_request *req, struct sh_response *res)
{
	if (!sh_session_wants_cookie(req) || origin_is_ours(req))
		return 0;
	sh_reply_problem(req, res, 403, "origin_refused", NULL);
	return -1;
}

int sh_session_from_app_or_reply(struct sh_request *req, struct sh_response *res)
{
	/* A cross-site form or link cannot set a custom header, and a cross-origin script
	 * that tries needs a CORS preflight, which does not list this header. */
	if (!sh_session_wants_cookie(req)) {
		sh_reply_problem(req, res, 403, "client_header_required", NULL);
		return -1;
	}
	return sh_session_cookie_origin_or_reply(req, res);
}

const char *sh_session_cookie_token(struct sh_request *req)
{
	const char *header = sh_req_header(req, "Cookie");
	if (header == NULL)
		return NULL;
	size_t name_len = strlen(SH_SESSION_COOKIE);
	for (const char *p = header; *p != '\0';) {
		while (*p == ' ' || *p == ';')
			p++;
		size_t len = strcspn(p, ";");
		if (len > name_len && strncmp(p, SH_SESSION_COOKIE, name_len) == 0 &&
		    p[name_len] == '=') {
			const char *value = p + name_len + 1;
			size_t value_len = len - name_len - 1;
			while (value_len > 0 && value[value_len - 1] == ' ')
				value_len--;
			return value_len > 0 ? sh_arena_strndup(req->arena, value, value_len) : NULL;
		}
		p += len;
	}
	return NULL;
}

/*
 * HttpOnly: no script reads it. Secure: never sent over plain http, except to loopback,
 * which browsers treat as a secure context (the dev server and the browser test run on
 * http://127.0.0.1). SameSite=Strict: no other site's page makes the browser send it.
 * Path: only the refresh and logout routes of the cookie flow receive it.
 */
static void set_cookie(struct sh_request *req, struct sh_response *res, const char *value,
		       unsigned max_age_s)
{
	sh_res_header(res, "Set-Cookie",
		      sh_arena_printf(req->arena,
				      SH_SESSION_COOKIE "=%s; Path=" SH_SESSION_COOKIE_PATH
							"; Max-Age=%u; HttpOnly; Secure; SameSite=Strict",
				      value, max_age_s));
}

void sh_session_cookie_clear(struct sh_request *req, struct sh_response *res)
{
	set_cookie(req, res, "", 0);
}

void sh_session_reply_pair(struct sh_request *req, struct sh_response *res, unsigned status,
			   const struct sh_token_pair *pair, const struct sh_user *user)
{
	json_t *body = sh_token_pair_json(req, pair, user);
	if (body == NULL) {
		sh_reply_internal(req, res);
		return;
	}
	if (sh_session_wants_cookie(req)) {
		json_object_del(body, "refresh_token");
		set_cookie(req, res, pair->refresh_token, sh_auth_settings(&req->app->cfg)->refresh_token_ttl_s);
	}
	sh_reply_json(req, res, status, body);
}
