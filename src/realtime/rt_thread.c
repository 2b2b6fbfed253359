/*
 * The realtime channel's lifetime: the libwebsockets context, its service thread, the
 * doorbell other threads ring, and the tick that does the periodic work.
 *
 * Lifecycle like the SQLite checkpointer's: started once the HTTP server listens, stopped
 * before the app is torn down (stop flag, lws_cancel_service to wake the thread, join).
 * Every socket lives in the one service thread; the database work runs on two workers
 * (rt_worker.c: the reader, the checker), started before it and stopped after it. The
 * shared state is the atomic doorbell (local_wake, remote_hint), rung by the app's event
 * bell after a local commit and by the Redis thread for the other instances', and the
 * workers' queue of results.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "realtime/rt_private.h"
#include "schoolhub/events.h"
#include "schoolhub/log.h"
#include "schoolhub/mem.h"

#define RT_TICK_US (100 * LWS_US_PER_MS)
#define RT_PURGE_EVERY_MS (3600 * 1000)
#define RT_DRAIN_MS 1000
/* With Redis up: a read this often all the same, for events committed by a process that
 * has no channel to announce them (`schoolhub jobs run` from cron). */
#define RT_QUIET_POLL_MS (30 * 1000)

/* Every 100 ms: close the sockets past their deadline (no auth in time, token expired);
 * read the log when it is due (every SCHOOLHUB_REALTIME_POLL_MS while no
 * doorbell can be trusted: no Redis, or it is away; every RT_QUIET_POLL_MS with Redis);
 * re-check the accounts; purge old events. */
static void tick(lws_sorted_usec_list_t *sul)
{
	struct sh_realtime *rt = lws_container_of(sul, struct sh_realtime, tick);
	int64_t now = rt_now_ms();
	int64_t every = rt_redis_up(rt) ? RT_QUIET_POLL_MS : rt->set.poll_ms;
	rt_sessions_expire(rt, now);
	/* A hole past the cursor (rt_dispatch.c) is read again at every tick until it goes. */
	if (now - rt->last_poll_ms >= every || atomic_load(&rt->hole_open)) {
		rt_dispatch(rt, false);
		rt->last_poll_ms = now;
	}
	if (now >= rt->next_recheck_ms) {
		rt_recheck_accounts(rt);
		rt->next_recheck_ms = now + rt->set.recheck_s * 1000;
	}
	if (now >= rt->next_purge_ms) {
		rt_purge(rt);
		rt->next_purge_ms = now + RT_PURGE_EVERY_MS;
	}
	lws_sul_schedule(rt->ctx, 0, &rt->tick, tick, RT_TICK_US);
}

/* At the stop: every socket is closed with 1001, and the thread waits (at most
 * RT_DRAIN_MS) for the close frames to go out before the context is torn down. */
static bool drained(struct sh_realtime *rt)
{
	int64_t now = rt_now_ms();
	if (rt->drain_until_ms == 0) {
		for (struct rt_session *s = rt->sessions; s != NULL; s = s->next)
			rt_session_close(s, RT_CLOSE_GOING_AWAY, "server stopping");
		rt->drain_until_ms = now + RT_DRAIN_MS;
	}
	return rt->sessions == NULL || now >= rt->drain_until_ms;
}

static void *service(void *arg)
{
	struct sh_realtime *rt = arg;
	rt_dispatch(rt, false); /* the cursor, before the first socket */
	lws_sul_schedule(rt->ctx, 0, &rt->tick, tick, RT_TICK_US);
	while (!(atomic_load(&rt->stopping) && drained(rt)))
		if (lws_service(rt->ctx, 0) < 0)
			break;
	lws_sul_cancel(&rt->tick);
	return NULL;
}

/* lws logs errors and warnings through ours; its notices are noise. */
static void lws_to_log(int level, const char *line)
{
	size_t n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		n--;
	if (level == LLL_ERR)
		sh_log_error("realtime (lws): %.*s", (int)n, line);
	else
		sh_log_warn("realtime (lws): %.*s", (int)n, line);
}

/* The event bell's callback (sh_events_wake, on the committing thread): quick, no lock. */
static void on_ring(void *ctx)
{
	struct sh_realtime *rt = ctx;
	atomic_store(&rt->local_wake, true);
	lws_cancel_service(rt->ctx);
}

static void rt_free(struct sh_realtime **rt_r)
{
	struct sh_realtime *rt = *rt_r;
	if (rt == NULL)
		return;
	rt_redis_stop(rt);
	/* Before the context: a worker rings it (lws_cancel_service) with each result. */
	rt_worker_stop(&rt->reader);
	rt_worker_stop(&rt->checker);
	rt_done_free(rt);
	if (rt->ctx != NULL)
		lws_context_destroy(rt->ctx); /* closes every socket: they leave the index */
	rt_members_free(rt);
	rt_settings_free(&rt->set);
	rt_typing_inbox_free(rt);
	pthread_mutex_destroy(&rt->typing_lock);
	pthread_mutex_destroy(&rt->done_lock);
	sh_free(rt_r);
}

int sh_realtime_start(struct sh_app *app, unsigned http_port, char **error_r)
{
	struct sh_realtime *rt = sh_calloc(1, sizeof(*rt));
	rt->app = app;
	rt->http_port = http_port;
	pthread_mutex_init(&rt->typing_lock, NULL);
	pthread_mutex_init(&rt->done_lock, NULL);
	unsigned char nonce[16];
	randombytes_buf(nonce, sizeof(nonce));
	sodium_bin2hex(rt->instance, sizeof(rt->instance), nonce, sizeof(nonce));
	if (rt_settings_load(&rt->set, app->cfg.port == 0 ? 0 : http_port, error_r) != 0) {
		rt_free(&rt);
		return -1;
	}
	if (rt->set.port < 0) {
		rt_free(&rt);
		return 0;
	}
	lws_set_log_level(LLL_ERR | LLL_WARN, lws_to_log);
	static const lws_retry_bo_t heartbeat = {
		.secs_since_valid_ping = 30,   /* a ping after 30 s of silence */
		.secs_since_valid_hangup = 70, /* no answer for 40 s more: a dead peer */
	};
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = rt->set.port;
	info.iface = app->cfg.host;
	info.protocols = rt_protocols;
	info.user = rt;
	info.retry_and_idle_policy = &heartbeat;
	info.timeout_secs = 10;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
	if (strchr(app->cfg.host, ':') == NULL)
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	rt->ctx = lws_create_context(&info);
	struct lws_vhost *vh = rt->ctx ? lws_get_vhost_by_name(rt->ctx, "default") : NULL;
	if (vh == NULL) {
		*error_r = sh_strdup("realtime: cannot listen on SCHOOLHUB_REALTIME_PORT (in use?)");
		rt_free(&rt);
		return -1;
	}
	rt->port = lws_get_vhost_listen_port(vh);
	if (rt->set.redis_url != NULL && rt_redis_start(rt, error_r) != 0) {
		rt_free(&rt);
		return -1;
	}
	if (rt_worker_start(rt, &rt->reader, error_r) != 0 ||
	    rt_worker_start(rt, &rt->checker, error_r) != 0) {
		rt_free(&rt);
		return -1;
	}
	if (pthread_create(&rt->thread, NULL, service, rt) != 0) {
		*error_r = sh_strdup("realtime: cannot start its thread");
		rt_free(&rt);
		return -1;
	}
	app->realtime = rt;
	sh_event_bell_on_ring(app->events, on_ring, rt);
	sh_log_info("realtime listening on ws://%s:%d/ (%s)", app->cfg.host, rt->port,
		    rt->set.redis_url ? "Redis fan-out" : "this instance only");
	return 0;
}

void sh_realtime_stop(struct sh_app *app)
{
	struct sh_realtime *rt = app->realtime;
	if (rt == NULL)
		return;
	/* The HTTP server and the job workers have stopped: nothing rings any more. */
	sh_event_bell_on_ring(app->events, NULL, NULL);
	app->realtime = NULL;
	atomic_store(&rt->stopping, true);
	lws_cancel_service(rt->ctx);
	pthread_join(rt->thread, NULL);
	rt_free(&rt);
}

