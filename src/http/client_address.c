/*
 * Who is asking: a request's client address (sh_req_client_ip). The socket peer, unless
 * the peer is a reverse proxy in SCHOOLHUB_TRUSTED_PROXIES (addresses or CIDR blocks; the
 * empty default trusts nobody); then the X-Real-IP header it sets (nginx: proxy_set_header
 * X-Real-IP $remote_addr, which replaces anything the client sent). A client's own X-Real-IP or X-Forwarded-For is never believed, and a
 * trusted proxy that sends no valid X-Real-IP is taken for the client itself, which fails
 * closed (one budget for everyone behind it, not a free one per made-up address).
 *
 * The connection limit per address (SCHOOLHUB_MAX_CONNECTIONS_PER_IP) cannot use this: the
 * server applies it when it accepts a connection, before any header has been read, so it
 * counts the socket peer, and behind a proxy it caps the proxy (docs/SECURITY.md).
 */
#include <arpa/inet.h>
#include <string.h>

#include "schoolhub/app.h"
#include "schoolhub/http.h"

static bool is_trusted_proxy(const struct sh_config *cfg, const char *peer)
{
	for (size_t i = 0; i < cfg->trusted_proxy_count; i++)
		if (sh_ip_range_contains(&cfg->trusted_proxy_ranges[i], peer))
			return true;
	return false;
}

/* "text" in inet_ntop's form when it is an IPv4 or IPv6 address; NULL otherwise. */
static const char *address_or_null(struct sh_arena *arena, const char *text)
{
	unsigned char bytes[16];
	char out[INET6_ADDRSTRLEN];
	int family = AF_INET;
	if (inet_pton(AF_INET, text, bytes) != 1) {
		family = AF_INET6;
		if (inet_pton(AF_INET6, text, bytes) != 1)
			return NULL;
	}
	if (inet_ntop(family, bytes, out, sizeof(out)) == NULL)
		return NULL;
	return sh_arena_strdup(arena, out);
}

const char *sh_client_ip(const struct sh_config *cfg, const char *peer, const char *x_real_ip,
			 struct sh_arena *arena)
{
	const char *named = NULL;
	if (x_real_ip != NULL && is_trusted_proxy(cfg, peer))
		named = address_or_null(arena, x_real_ip);
	return named != NULL ? named : peer;
}

const char *sh_req_client_ip(struct sh_request *req)
{
	if (req->client_ip != NULL)
		return req->client_ip;
	req->client_ip = sh_client_ip(&req->app->cfg, sh_req_peer_ip(req),
				      sh_req_header(req, "X-Real-IP"), req->arena);
	return req->client_ip;
}
