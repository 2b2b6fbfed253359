/*
 * The realtime channel (docs/REALTIME.md, docs/ARCHITECTURE.md "Realtime"): a
 * libwebsockets thread inside the serving process pushes each member's events from the
 * durable event log (member_events) to the member's open WebSockets. The database is the
 * truth; Redis pub/sub (REDIS_URL), when configured, only rings the other instances'
 * doorbell, and without it (or while it is away) every instance reads the log each second.
 * The one thing it carries that is not in the log is "typing" (best-effort, never stored):
 * relayed to a conversation's other members, the audience given by the messages module.
 */
#ifndef SCHOOLHUB_REALTIME_H
#define SCHOOLHUB_REALTIME_H

#include "schoolhub/arena.h"

struct sh_app;
struct sh_conn;

/*
 * Who sees a member type (protocol v1's "typing" frame, docs/REALTIME.md): the module that
 * owns conversations registers this at its init, so the channel learns membership without
 * including a module header. Given the service thread's connection, the sender and a
 * conversation id (a normalised UUID): 1 when "user_id" is a member, with "*others_r" (an
 * array of "*count_r" user ids in "arena", the sender left out); 0 when not a member (or
 * no such conversation: the two are never told apart); -1 when the store failed.
 */
typedef int sh_typing_audience_fn(struct sh_conn *conn, struct sh_arena *arena,
				  const char *user_id, const char *conversation_id,
				  const char ***others_r, size_t *count_r);
/* Sets the audience of "app"'s typing frames (NULL: typing is dropped, as without it). */
void sh_realtime_set_typing_audience(struct sh_app *app, sh_typing_audience_fn *fn);

/*
 * Starts the channel of "app" (schoolhub serve, once its HTTP server listens on
 * "http_port"): listens to the app's event bell (sh_events_wake, events.h), reads the realtime settings from the environment (docs/CONFIG.md
 * "Realtime"), listens on SCHOOLHUB_REALTIME_PORT and sets app->realtime. With
 * SCHOOLHUB_REALTIME_PORT=off it does nothing and returns 0. -1 with a malloc'ed
 * one-line "*error_r" on bad settings or when it cannot listen.
 */
int sh_realtime_start(struct sh_app *app, unsigned http_port, char **error_r);
/* The channel's settings for "schoolhub serve --help" (the layout of sh_config_help). */
const char *sh_realtime_help(void);
/* Open WebSocket connections, authenticated or not (0 when the channel is off): /metrics. */
long sh_realtime_open_sockets(const struct sh_app *app);
/* Closes every socket (1001), stops the threads, frees app->realtime. Safe when none. */
void sh_realtime_stop(struct sh_app *app);

/*
 * The URL the web app opens, for GET /api/v1/config's realtime_url: SCHOOLHUB_REALTIME_URL
 * when set (a path such as "/ws" behind a proxy, or an absolute ws(s):// URL), otherwise
 * ws://<the request's host>:<port>/. NULL when the channel is not running.
 */
const char *sh_realtime_url(const struct sh_app *app, const char *host_header,
			    struct sh_arena *arena);
/* The origin the app's Content-Security-Policy must add to connect-src for that URL
 * ("ws://host:port"), or NULL when none is needed (not running, or a same-origin path). */
const char *sh_realtime_connect_src(const struct sh_app *app, const char *host_header,
				    struct sh_arena *arena);

#endif
