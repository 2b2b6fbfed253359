/*
 * Where the browser finds the socket (GET /api/v1/config's realtime_url) and which pages
 * may open it (the Origin check).
 *
 * The channel listens on its own port (docs/ARCHITECTURE.md "Realtime" says why), so by
 * default the URL is built from the host the browser used for the API, with that port:
 * the page at http://school.example:8080 opens ws://school.example:8081/. Behind a proxy
 * that routes a path to the channel, SCHOOLHUB_REALTIME_URL names it (e.g. "/ws").
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "realtime/rt_private.h"

/* The host of a Host header without its port: a DNS name, IPv4 or a bracketed IPv6
 * literal; anything else is refused (NULL), so the header cannot inject into a URL. */
static const char *host_only(const char *host, struct sh_arena *arena)
{
	if (host == NULL || *host == '\0')
		return NULL;
	size_t len;
	if (host[0] == '[') {
		const char *end = strchr(host, ']');
		if (end == NULL)
			return NULL;
		len = (size_t)(end - host) + 1;
		if (strspn(host + 1, "0123456789abcdefABCDEF:.") != len - 2)
			return NULL;
		if (end[1] != '\0' && (end[1] != ':' || strspn(end + 2, "0123456789") != strlen(end + 2)))
			return NULL;
	} else {
		len = strcspn(host, ":");
		if (len == 0 || len > 253 ||
		    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != len)
			return NULL;
		if (host[len] == ':' && strspn(host + len + 1, "0123456789") != strlen(host + len + 1))
			return NULL;
	}
	return sh_arena_strndup(arena, host, len);
}

const char *sh_realtime_url(const struct sh_app *app, const char *host_header,
			    struct sh_arena *arena)
{
	const struct sh_realtime *rt = app->realtime;
	if (rt == NULL)
		return NULL;
	if (rt->set.url != NULL)
		return rt->set.url;
	const char *host = host_only(host_header, arena);
	if (host == NULL)
		host = app->cfg.host;
	return sh_arena_printf(arena, "ws://%s:%d/", host, rt->port);
}

const char *sh_realtime_connect_src(const struct sh_app *app, const char *host_header,
				    struct sh_arena *arena)
{
	const char *url = sh_realtime_url(app, host_header, arena);
	if (url == NULL || url[0] == '/')
		return NULL; /* 'self' covers a same-origin ws: path */
	size_t scheme = strncmp(url, "wss://", 6) == 0 ? 6 : 5;
	return sh_arena_strndup(arena, url, scheme + strcspn(url + scheme, "/"));
}

/* "scheme://host[:port]" of an http(s) URL, or NULL. */
static bool same_origin_as_url(const char *origin, const char *url)
{
	if (url == NULL)
		return false;
	size_t scheme = strncmp(url, "https://", 8) == 0 ? 8 : strncmp(url, "http://", 7) == 0 ? 7 : 0;
	if (scheme == 0)
		return false;
	size_t len = scheme + strcspn(url + scheme, "/");
	return strlen(origin) == len && strncasecmp(origin, url, len) == 0;
}

/*
 * The page that opens the socket must be the app's: a listed CORS origin, the public URL's
 * origin, the app on this server's HTTP port under the host the socket was reached by, or
 * the very host of the socket (a proxy that serves both on one origin). A missing Origin
 * (not a browser) is refused too: the app always sends one.
 */
bool rt_origin_allowed(const struct sh_realtime *rt, const char *origin, const char *host)
{
	const struct sh_config *cfg = &rt->app->cfg;
	for (size_t i = 0; i < cfg->cors_origin_count; i++)
		if (strcmp(cfg->cors_origins[i], origin) == 0)
			return true;
	if (same_origin_as_url(origin, cfg->public_url))
		return true;
	const char *rest = strncmp(origin, "http://", 7) == 0    ? origin + 7
			   : strncmp(origin, "https://", 8) == 0 ? origin + 8
								 : NULL;
	if (rest == NULL)
		return false;
	if (strcasecmp(rest, host) == 0)
		return true;
	char direct[300];
	size_t host_len = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");
	snprintf(direct, sizeof(direct), "%.*s:%u", (int)host_len, host, rt->http_port);
	return strcasecmp(rest, direct) == 0 ||
	       (rt->http_port == 80 && strlen(rest) == host_len && strncasecmp(rest, host, host_len) == 0);
}
