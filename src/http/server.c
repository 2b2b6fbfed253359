/*
 * libmicrohttpd glue: the daemon (internal thread pool + epoll, explicit limits; fed by our
 * own listening socket, http/listener.c),
 * body collection with the size cap, turning an sh_response into an MHD response,
 * the access log and graceful shutdown. What a request *means* is decided in
 * dispatch.c; this file only moves bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/dispatch.h"
#include "http/header_deadline.h"
#include "http/listener.h"
#include "http/log_summary.h"
#include "http/metrics.h"
#include "http/request_framing.h"
#include "schoolhub/log.h"
#include "schoolhub/mem.h"
#include "schoolhub/server.h"

struct sh_server {
	struct MHD_Daemon *daemon;
	struct sh_listener *listener; /* NULL for a server without a socket (tests, fuzzing) */
	struct sh_app *app;
	unsigned port;
	_Atomic long in_flight; /* requests started and not yet completed */
	_Atomic unsigned open_connections; /* handed to the daemon by the listener, not closed */
	_Atomic unsigned started_connections; /* of those, the ones a worker thread took up */
	_Atomic bool started;   /* until then libmicrohttpd's messages are start-up noise */
	bool listener_started;  /* connections come from the listener, which counts them */
	struct sh_header_deadline *deadline;
	struct sh_log_summary *warnings; /* what a client can make us log, once per interval */
	char farewell[768];              /* the 408 sent when the header deadline passes */
	size_t farewell_len;
};

/* Repeats of one warning are counted and logged once per this many seconds. */
#define WARNING_INTERVAL_S 10

/* Per-request state, from the first access-handler call to the completion callback. */
struct request_ctx {
	struct sh_arena *arena;
	char *body;
	size_t body_len, body_cap;
	struct timespec start;
	bool replied_early;
};

static double seconds_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static const char *format_peer_ip(struct sh_arena *arena, struct MHD_Connection *c);

/* Few requests need the peer address (the auth routes, /metrics): it is formatted on
 * demand, not for every request. */
const char *sh_req_peer_ip(struct sh_request *req)
{
	if (req->peer_ip == NULL)
		req->peer_ip = format_peer_ip(req->arena, req->transport);
	return req->peer_ip;
}

static const char *format_peer_ip(struct sh_arena *arena, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char buf[INET6_ADDRSTRLEN] = "unknown";
	if (info != NULL && info->client_addr != NULL) {
		const struct sockaddr *sa = info->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
				  buf, sizeof(buf));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
				  &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf,
				  sizeof(buf));
	}
	return sh_arena_strdup(arena, buf);
}

static char request_id_prefix[17];

static void init_request_id_prefix(void)
{
	unsigned char raw[8];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(request_id_prefix, sizeof(request_id_prefix), raw, sizeof(raw));
}

/* The client's X-Request-Id when it is short and plain; otherwise a fresh unique one. */
static void set_request_id(struct sh_request *req, struct MHD_Connection *c)
{
	const char *given = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
	if (given != NULL) {
		size_t n = strlen(given);
		bool sane = n > 0 && n < sizeof(req->request_id);
		for (size_t i = 0; sane && i < n; i++)
			sane = (given[i] >= 'a' && given[i] <= 'z') ||
			       (given[i] >= 'A' && given[i] <= 'Z') ||
			       (given[i] >= '0' && given[i] <= '9') || given[i] == '-' ||
			       given[i] == '_' || given[i] == '.';
		if (sane) {
			memcpy(req->request_id, given, n + 1);
			return;
		}
	}
	/* A random per-process prefix and a counter: unique across restarts and instances
	 * without a getrandom() call per request. */
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	static _Atomic uint64_t counter;
	pthread_once(&once, init_request_id_prefix);
	snprintf(req->request_id, sizeof(req->request_id), "%s%016llx", request_id_prefix,
		 (unsigned long long)atomic_fetch_add(&counter, 1));
}

static void log_request(const struct sh_request *req, const struct sh_response *res,
			double seconds)
{
	if (sh_log_get_level() > SH_LOG_INFO)
		return;
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* Only the route pattern, never the raw path or query: they can carry personal data. */
	json_t *line = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:f, s:s, s:s?}", "ts", ts, "level",
				 "info", "msg", "request", "method", req->method, "route",
				 req->route_pattern ? req->route_pattern : "unmatched", "status",
				 (int)res->status, "duration_ms", seconds * 1000.0, "request_id",
				 req->request_id, "user_id",
				 req->user.authenticated ? req->user.id : NULL);
	char *text = line ? json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(4)) : NULL;
	if (text != NULL)
		sh_log_json_line(SH_LOG_INFO, text);
	free(text);
	json_decref(line);
}

static enum MHD_Result queue(struct MHD_Connection *c, struct sh_request *req,
			     struct sh_response *res)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		res->body_len, (void *)(uintptr_t)res->body, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	bool ok = true;
	if (res->content_type != NULL)
		ok &= MHD_add_response_header(r, "Content-Type", res->content_type) == MHD_YES;
	ok &= MHD_add_response_header(r, "X-Request-Id", req->request_id) == MHD_YES;
	for (size_t i = 0; i < res->header_count; i++)
		ok &= MHD_add_response_header(r, res->header_names[i], res->header_values[i]) ==
		      MHD_YES;
	enum MHD_Result rc = ok ? MHD_queue_response(c, res->status, r) : MHD_NO;
	MHD_destroy_response(r);
	return rc;
}

static void init_request(struct sh_request *req, struct sh_server *srv, struct request_ctx *ctx,
			 struct MHD_Connection *c, const char *url, const char *method)
{
	req->app = srv->app;
	req->arena = ctx->arena;
	req->method = method;
	req->path = url;
	req->transport = c;
	req->lang = sh_lang_from_accept(
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language"));
	set_request_id(req, c);
}

static enum MHD_Result finish(struct sh_server *srv, struct request_ctx *ctx,
			      struct MHD_Connection *c, struct sh_request *req,
			      struct sh_response *res)
{
	sh_http_finish_headers(req, res);
	enum MHD_Result rc = queue(c, req, res);
	double took = seconds_since(&ctx->start);
	sh_metrics_observe(srv->app->metrics, req->method,
			   req->route_pattern ? req->route_pattern : "unmatched", res->status, took);
	log_request(req, res, took);
	return rc;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * libmicrohttpd decodes %XX in the path and in each query key and value, in place, into C
 * strings: "%00" would cut "/api/v1/users/me%00.json" or "limit=10%00" short, and the rest
 * would be silently dropped. This is the library's decoder except that "%00" stays encoded,
 * so the path check (dispatch.c) and the field validators see it and refuse it.
 */
static size_t unescape_keeping_nul(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	char *out = s;
	for (const char *in = s; *in != '\0';) {
		int hi = in[0] == '%' ? hex_digit(in[1]) : -1;
		int lo = hi >= 0 ? hex_digit(in[2]) : -1;
		if (lo >= 0 && (hi | lo) != 0) {
			*out++ = (char)(hi * 16 + lo);
			in += 3;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
	return (size_t)(out - s);
}

/* The connection's entry in the header-deadline watch (NULL without a watchdog). */
static struct sh_hd_conn *watched(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return info != NULL ? info->socket_context : NULL;
}

/* A refusal decided from the headers alone, before any of the body is read. libmicrohttpd
 * then discards the body and closes the connection; "Connection: close" says so. */
static enum MHD_Result reply_early(struct sh_server *srv, struct request_ctx *ctx,
				   struct MHD_Connection *c, const char *url, const char *method,
				   unsigned status, const char *code)
{
	struct sh_request req = {0};
	struct sh_response res = {0};
	init_request(&req, srv, ctx, c, url, method);
	sh_reply_problem(&req, &res, status, code, NULL);
	sh_res_header(&res, "Connection", "close");
	ctx->replied_early = true;
	return finish(srv, ctx, c, &req, &res);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct sh_server *srv = cls;
	struct request_ctx *ctx = *con_cls;
	size_t max_body = srv->app->cfg.max_body_bytes;

	if (ctx == NULL) {
		/* The header block is complete; too late if the deadline closed the connection. */
		struct sh_hd_conn *watch = watched(c);
		if (watch != NULL && !sh_header_deadline_headers_in(watch))
			return MHD_NO;
		ctx = sh_calloc(1, sizeof(*ctx));
		ctx->arena = sh_arena_create();
		clock_gettime(CLOCK_MONOTONIC, &ctx->start);
		*con_cls = ctx;
		atomic_fetch_add(&srv->in_flight, 1);
		enum sh_framing framing = sh_http_framing_check(c, version);
		if (framing == SH_FRAMING_AMBIGUOUS)
			return reply_early(srv, ctx, c, url, method, 400, "invalid_framing");
		if (framing == SH_FRAMING_UNSUPPORTED)
			return reply_early(srv, ctx, c, url, method, 501,
					   "unsupported_transfer_encoding");
		/* A declared oversize body is refused before a byte of it is read. */
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cl != NULL && strtoull(cl, NULL, 10) > max_body)
			return reply_early(srv, ctx, c, url, method, 413, "payload_too_large");
		return MHD_YES;
	}
	if (*upload_size != 0) {
		if (ctx->replied_early) {
			*upload_size = 0;
			return MHD_YES;
		}
		if (ctx->body_len + *upload_size > max_body)
			return MHD_NO; /* chunked body over the cap: drop the connection */
		if (ctx->body_len + *upload_size + 1 > ctx->body_cap) {
			size_t cap = ctx->body_cap ? ctx->body_cap : 1024;
			while (cap < ctx->body_len + *upload_size + 1)
				cap *= 2;
			ctx->body = sh_realloc(ctx->body, cap);
			ctx->body_cap = cap;
		}
		memcpy(ctx->body + ctx->body_len, upload, *upload_size);
		ctx->body_len += *upload_size;
		ctx->body[ctx->body_len] = '\0';
		*upload_size = 0;
		return MHD_YES;
	}
	if (ctx->replied_early)
		return MHD_YES;

	struct sh_request req = {0};
	struct sh_response res = {0};
	init_request(&req, srv, ctx, c, url, method);
	req.body = ctx->body;
	req.body_len = ctx->body_len;
	sh_http_dispatch(&req, &res);
	return finish(srv, ctx, c, &req, &res);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)toe;
	struct sh_server *srv = cls;
	struct sh_hd_conn *watch = watched(c);
	if (watch != NULL)
		sh_header_deadline_rearm(watch); /* the next request on this connection */
	struct request_ctx *ctx = *con_cls;
	if (ctx == NULL)
		return;
	sh_arena_destroy(&ctx->arena);
	sh_free(&ctx->body);
	sh_free(&ctx);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->in_flight, 1);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct sh_server *srv = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		sh_metrics_connection_opened(srv->app->metrics);
		if (srv->listener_started)
			atomic_fetch_add(&srv->started_connections, 1);
		const union MHD_ConnectionInfo *info =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (srv->deadline != NULL && info != NULL)
			*socket_context = sh_header_deadline_watch(srv->deadline, info->connect_fd);
	} else {
		sh_metrics_connection_closed(srv->app->metrics);
		if (srv->listener_started) {
			atomic_fetch_sub(&srv->started_connections, 1);
			atomic_fetch_sub(&srv->open_connections, 1);
		}
		if (srv->deadline != NULL)
			sh_header_deadline_forget(srv->deadline,
						  (struct sh_hd_conn **)socket_context);
	}
}

static void __attribute__((format(printf, 2, 0))) on_mhd_log(void *cls, const char *fmt,
								va_list ap)
{
	struct sh_server *srv = cls;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	/* The HTML page quoted in "Error processing request (... ('<html>...'))" says nothing
	 * the status does not. */
	char *page = strstr(msg, " ('<");
	if (page != NULL)
		strcpy(page, ")");
	/* A failure to start is reported by sh_server_start in one clear line; the library's
	 * own account of it ("Failed to bind to port 0") would only confuse. */
	if (!atomic_load(&srv->started)) {
		sh_log_debug("libmicrohttpd: %s", msg);
		return;
	}
	/* Every refused connection and every malformed request makes libmicrohttpd say so:
	 * one line per kind of message and interval, however many clients. The kind is the
	 * library's format string, not the text: some messages quote the client's URL or
	 * address, and a client must not be able to make each of its warnings a new kind. */
	char line[560];
	snprintf(line, sizeof(line), "libmicrohttpd: %s", msg);
	sh_log_summary_note(srv->warnings, SH_LOG_WARN, fmt, line);
}

static void on_header_deadline(void *arg)
{
	struct sh_server *srv = arg;
	sh_metrics_header_timeout(srv->app->metrics);
	char line[160];
	snprintf(line, sizeof(line),
		 "closed a connection whose header block was not complete within %u s "
		 "(SCHOOLHUB_HEADER_TIMEOUT_S)",
		 srv->app->cfg.header_timeout_s);
	sh_log_summary_note(srv->warnings, SH_LOG_WARN, "header deadline", line);
}

static void on_watchdog_round(void *arg)
{
	struct sh_server *srv = arg;
	sh_log_summary_flush(srv->warnings);
}

/* The 408 written by the watchdog: no request was parsed, so no request id or language. */
static void build_farewell(struct sh_server *srv)
{
	const char *title = sh_i18n_problem_title("request_timeout", SH_LANG_EN);
	char body[512];
	int n = snprintf(body, sizeof(body),
			 "{\"type\":\"https://schoolhub.be/problems/request_timeout\","
			 "\"title\":\"%s\",\"status\":408,\"detail\":\"%s\","
			 "\"code\":\"request_timeout\"}",
			 title, title);
	int m = snprintf(srv->farewell, sizeof(srv->farewell),
			 "HTTP/1.1 408 Request Timeout\r\n"
			 "Content-Type: application/problem+json\r\n"
			 "Content-Length: %d\r\nConnection: close\r\nCache-Control: no-store\r\n"
			 "X-Content-Type-Options: nosniff\r\n\r\n%s",
			 n, body);
	srv->farewell_len = m > 0 && (size_t)m < sizeof(srv->farewell) ? (size_t)m : 0;
}

/* The log summary and the header-deadline watchdog, which every daemon needs before its
 * first connection; -1 when the thread cannot start. */
static int start_edge(struct sh_server *srv)
{
	srv->warnings = sh_log_summary_create(WARNING_INTERVAL_S);
	build_farewell(srv);
	struct sh_hd_hooks hooks = {.expired = on_header_deadline,
				    .tick = on_watchdog_round,
				    .arg = srv};
	srv->deadline = sh_header_deadline_start(srv->app->cfg.header_timeout_s, srv->farewell,
						 srv->farewell_len, hooks);
	if (srv->deadline == NULL) {
		sh_log_summary_destroy(&srv->warnings);
		return -1;
	}
	return 0;
}

static void stop_edge(struct sh_server *srv)
{
	sh_header_deadline_stop(&srv->deadline);
	sh_log_summary_destroy(&srv->warnings);
}

/* The daemon both kinds of server use; "addr" NULL (with MHD_USE_NO_LISTEN_SOCKET) for none. */
static struct MHD_Daemon *start_daemon(struct sh_server *srv, unsigned flags,
				       const struct sockaddr *addr, unsigned threads,
				       unsigned connection_limit)
{
	const struct sh_config *cfg = &srv->app->cfg;
	return MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, srv,
		/* The logger goes first so that errors about later options reach our log. */
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
		MHD_OPTION_SOCK_ADDR, addr,
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_LIMIT, connection_limit,
		/* Counted at accept, before a header is read: the socket peer, never the client
		 * a trusted proxy names (sh_req_client_ip); behind a proxy, the proxy's cap. */
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->max_connections_per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->connection_timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->connection_memory_bytes,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape_keeping_nul, NULL,
		MHD_OPTION_END);
}

int sh_server_start(struct sh_app *app, struct sh_server **server_r, char **error_r)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai = NULL;
	char port[8];
	snprintf(port, sizeof(port), "%u", app->cfg.port);
	if (getaddrinfo(app->cfg.host, port, &hints, &ai) != 0 || ai == NULL) {
		*error_r = sh_strdup("SCHOOLHUB_HOST: expected a numeric IPv4 or IPv6 address");
		return -1;
	}
	struct sh_server *srv = sh_calloc(1, sizeof(*srv));
	srv->app = app;
	if (start_edge(srv) != 0) {
		freeaddrinfo(ai);
		*error_r = sh_strdup("cannot start the header-deadline watchdog thread");
		sh_free(&srv);
		return -1;
	}
	/* The daemon never listens: http/listener.c accepts and hands it the connections (see
	 * listener.h for why). */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
			 MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG;
	/* The limit is the listener's; the daemon's is out of reach (listener.h says why). */
	unsigned threads = (unsigned)app->cfg.threads, limit = (unsigned)app->cfg.max_connections;
	srv->daemon = start_daemon(srv, flags, NULL, threads, limit * (threads ? threads : 1));
	srv->listener_started = true;
	if (srv->daemon == NULL ||
	    sh_listener_start(ai->ai_addr, ai->ai_addrlen, srv->daemon, limit,
			      &srv->open_connections, &srv->listener, &srv->port) != 0) {
		char buf[160];
		snprintf(buf, sizeof(buf), "cannot listen on %s:%u (address in use?)",
			 app->cfg.host, app->cfg.port);
		*error_r = sh_strdup(buf);
		freeaddrinfo(ai);
		if (srv->daemon != NULL)
			MHD_stop_daemon(srv->daemon);
		stop_edge(srv);
		sh_free(&srv);
		return -1;
	}
	freeaddrinfo(ai);
	atomic_store(&srv->started, true);
	*server_r = srv;
	return 0;
}

int sh_server_start_unlistened(struct sh_app *app, struct sh_server **server_r, char **error_r)
{
	struct sh_server *srv = sh_calloc(1, sizeof(*srv));
	srv->app = app;
	if (start_edge(srv) != 0) {
		*error_r = sh_strdup("cannot start the header-deadline watchdog thread");
		sh_free(&srv);
		return -1;
	}
	srv->daemon = start_daemon(srv, MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG, NULL, 0,
				   (unsigned)app->cfg.max_connections);
	if (srv->daemon == NULL) {
		*error_r = sh_strdup("cannot start an HTTP daemon without a listening socket");
		stop_edge(srv);
		sh_free(&srv);
		return -1;
	}
	atomic_store(&srv->started, true);
	*server_r = srv;
	return 0;
}

int sh_server_add_socket(struct sh_server *server, int fd)
{
	/* The peer looks like a loopback client (what /metrics checks). */
	struct sockaddr_in peer = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (MHD_add_connection(server->daemon, fd, (const struct sockaddr *)&peer,
			       sizeof(peer)) != MHD_YES)
		return -1;
	return 0;
}

int sh_server_run(struct sh_server *server)
{
	return MHD_run(server->daemon) == MHD_YES ? 0 : -1;
}

unsigned sh_server_port(const struct sh_server *server)
{
	return server->port;
}

/* Connections handed to the daemon that no worker thread has taken up yet: their requests
 * have not been read, and stopping the daemon now would reset them. */
static unsigned not_taken_up(struct sh_server *srv)
{
	unsigned open = atomic_load(&srv->open_connections);
	unsigned started = atomic_load(&srv->started_connections);
	return open > started ? open - started : 0;
}

void sh_server_stop(struct sh_server **server_r)
{
	struct sh_server *srv = *server_r;
	if (srv == NULL)
		return;
	/* Stop accepting (new clients are refused at connect, not reset later) and serve what
	 * the kernel had already accepted; then give in-flight requests up to 10 s to
	 * complete, and connections just handed over or with requests still arriving up to
	 * 2 s to reach the handler: stopping the daemon resets those connections, and their
	 * clients had not been refused at connect (tests/drills/sigterm_load.sh). */
	if (sh_listener_stop(&srv->listener) > 0)
		sh_log_warn("shutdown: connections from the backlog could not be served");
	for (int i = 0; i < 1000; i++) {
		bool busy = atomic_load(&srv->in_flight) > 0 ||
			    (i < 200 && (not_taken_up(srv) > 0 ||
					 (srv->deadline != NULL &&
					  sh_header_deadline_arriving(srv->deadline) > 0)));
		if (!busy)
			break;
		usleep(10 * 1000);
	}
	MHD_stop_daemon(srv->daemon); /* every connection closed and forgotten */
	stop_edge(srv);
	sh_free(server_r);
}
