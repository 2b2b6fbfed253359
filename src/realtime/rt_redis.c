/*
 * The doorbell between instances: Redis pub/sub on one channel, never the truth.
 *
 * After a local commit wrote events, the channel's reader (rt_dispatch.c) reads them and
 * announces "events up to id N" here; this thread publishes N. Every instance subscribes:
 * a message with N past its cursor rings its service thread, whose reader reads
 * member_events itself. Redis holds no event, so a lost message loses nothing: while Redis
 * is away (rt_redis_up false) the log is read every SCHOOLHUB_REALTIME_POLL_MS instead, and this thread
 * reconnects with back-off (0.1 s doubling to 5 s); once subscribed again, the next read
 * catches up whatever was committed meanwhile.
 *
 * One thread, two connections (a subscribed connection cannot publish): it waits in
 * poll() on the subscription's socket and on a pipe the service thread writes to when
 * there is something to publish or the channel stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "realtime/rt_private.h"
#include "schoolhub/log.h"
#include "schoolhub/mem.h"

#define RT_REDIS_CHANNEL "schoolhub:member_events"
/* Typing notes (rt_typing.c): the note itself, best-effort, never a doorbell. */
#define RT_REDIS_TYPING "schoolhub:typing"
#define RT_TYPING_OUTBOX_MAX 256
#define RT_BACKOFF_MIN_MS 100
#define RT_BACKOFF_MAX_MS 5000
/* A subscription silent this long is pinged; unanswered as long again, Redis is away
 * (a host that vanished without closing the connection: no EOF ever comes). */
#define RT_SILENCE_MS 5000

struct rt_redis {
	char host[256];
	int port;
	char password[256];
	int db;
	pthread_t thread;
	int pipe[2];
	atomic_llong to_publish; /* highest id announced, 0: nothing */
	atomic_bool up;
	pthread_mutex_t outbox_lock; /* typing notes from the service thread, to publish */
	struct rt_msg *outbox, *outbox_tail;
	size_t outbox_count;
};

/* redis://[:password@]host[:port][/db] */
static int parse_url(struct rt_redis *r, const char *url, char **error_r)
{
	const char *p = url + strlen("redis://");
	const char *at = strrchr(p, '@');
	if (at != NULL) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		const char *pw = colon ? colon + 1 : p;
		if ((size_t)(at - pw) >= sizeof(r->password))
			goto bad;
		memcpy(r->password, pw, (size_t)(at - pw));
		p = at + 1;
	}
	size_t hlen = strcspn(p, ":/");
	if (hlen == 0 || hlen >= sizeof(r->host))
		goto bad;
	memcpy(r->host, p, hlen);
	p += hlen;
	r->port = 6379;
	if (*p == ':') {
		char *end;
		long port = strtol(p + 1, &end, 10);
		if (end == p + 1 || port < 1 || port > 65535)
			goto bad;
		r->port = (int)port;
		p = end;
	}
	if (*p == '/' && p[1] != '\0') {
		char *end;
		long db = strtol(p + 1, &end, 10);
		if (*end != '\0' || db < 0 || db > 10000)
			goto bad;
		r->db = (int)db;
	} else if (*p != '\0' && strcmp(p, "/") != 0) {
		goto bad;
	}
	return 0;
bad:
	*error_r = sh_strdup("REDIS_URL: expected redis://[:password@]host[:port][/db]");
	return -1;
}

static bool reply_ok(redisReply *reply)
{
	bool ok = reply != NULL && reply->type != REDIS_REPLY_ERROR;
	if (reply != NULL)
		freeReplyObject(reply);
	return ok;
}

static redisContext *connect_one(const struct rt_redis *r)
{
	struct timeval tv = {.tv_sec = 1};
	redisContext *c = redisConnectWithTimeout(r->host, r->port, tv);
	if (c == NULL || c->err != 0 || redisSetTimeout(c, tv) != REDIS_OK)
		goto fail;
	if (r->password[0] != '\0' && !reply_ok(redisCommand(c, "AUTH %s", r->password)))
		goto fail;
	return c;
fail:
	if (c != NULL)
		redisFree(c);
	return NULL;
}

static void drain_pipe(int fd)
{
	char buf[64];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* Waits "ms" or until the pipe rings; false when the channel stops. */
static bool backoff_wait(struct sh_realtime *rt, int ms)
{
	struct pollfd p = {.fd = rt->redis->pipe[0], .events = POLLIN};
	poll(&p, 1, ms);
	drain_pipe(rt->redis->pipe[0]);
	return !atomic_load(&rt->stopping);
}

/* A pub/sub message: ["message", channel, "N"] (or a typing note on its channel). */
static void on_reply(struct sh_realtime *rt, redisReply *reply)
{
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
	    reply->element[0]->type != REDIS_REPLY_STRING ||
	    strcmp(reply->element[0]->str, "message") != 0 ||
	    reply->element[1]->type != REDIS_REPLY_STRING ||
	    reply->element[2]->type != REDIS_REPLY_STRING)
		return;
	if (strcmp(reply->element[1]->str, RT_REDIS_TYPING) == 0) {
		rt_typing_remote(rt, reply->element[2]->str, reply->element[2]->len);
		return;
	}
	long long id = strtoll(reply->element[2]->str, NULL, 10);
	long long seen = atomic_load(&rt->remote_hint);
	while (id > seen && !atomic_compare_exchange_weak(&rt->remote_hint, &seen, id))
		;
	if (id > 0)
		lws_cancel_service(rt->ctx);
}

/* Sends PING on the subscribed connection (allowed there; answered ["pong", ""]). */
static bool ping(redisContext *sub)
{
	if (redisAppendCommand(sub, "PING") != REDIS_OK)
		return false;
	int done = 0;
	while (!done)
		if (redisBufferWrite(sub, &done) != REDIS_OK)
			return false;
	return true;
}

static struct rt_msg *take_outbox(struct rt_redis *r)
{
	pthread_mutex_lock(&r->outbox_lock);
	struct rt_msg *m = r->outbox;
	r->outbox = r->outbox_tail = NULL;
	r->outbox_count = 0;
	pthread_mutex_unlock(&r->outbox_lock);
	return m;
}

/* Publishes the waiting typing notes (all freed); false on a Redis error. */
static bool publish_typing(struct rt_redis *r, redisContext *pub)
{
	bool ok = true;
	for (struct rt_msg *m = take_outbox(r), *next; m != NULL; m = next) {
		next = m->next;
		if (ok)
			ok = reply_ok(redisCommand(pub, "PUBLISH %s %b", RT_REDIS_TYPING, m->buf,
						   m->len));
		free(m);
	}
	return ok;
}

/* Subscribed: relays messages and publishes announcements until an error, a silence
 * past RT_SILENCE_MS twice, or the stop. */
static void serve_subscribed(struct sh_realtime *rt, redisContext *sub, redisContext *pub)
{
	struct rt_redis *r = rt->redis;
	int64_t heard = rt_now_ms(), pinged = 0;
	while (!atomic_load(&rt->stopping)) {
		int64_t now = rt_now_ms();
		if (pinged == 0 && now - heard >= RT_SILENCE_MS) {
			if (!ping(sub))
				return;
			pinged = now;
		} else if (pinged != 0 && now - pinged >= RT_SILENCE_MS) {
			sh_log_warn("realtime: Redis at %s:%d stopped answering", r->host, r->port);
			return;
		}
		struct pollfd p[2] = {{.fd = sub->fd, .events = POLLIN},
				      {.fd = r->pipe[0], .events = POLLIN}};
		if (poll(p, 2, 1000) < 0 && errno != EINTR)
			return;
		if (p[1].revents != 0) {
			drain_pipe(r->pipe[0]);
			long long id = atomic_exchange(&r->to_publish, 0);
			if (id > 0 && !reply_ok(redisCommand(pub, "PUBLISH %s %lld", RT_REDIS_CHANNEL, id)))
				return;
			if (!publish_typing(r, pub))
				return;
		}
		if (p[0].revents != 0) {
			if (redisBufferRead(sub) != REDIS_OK)
				return;
			heard = rt_now_ms();
			pinged = 0;
			void *reply = NULL;
			while (redisGetReplyFromReader(sub, &reply) == REDIS_OK && reply != NULL) {
				on_reply(rt, reply);
				freeReplyObject(reply);
				reply = NULL;
			}
			if (sub->err != 0)
				return;
		}
	}
}

static void *redis_main(void *arg)
{
	struct sh_realtime *rt = arg;
	struct rt_redis *r = rt->redis;
	int backoff = RT_BACKOFF_MIN_MS;
	bool warned = false;
	while (!atomic_load(&rt->stopping)) {
		redisContext *sub = connect_one(r);
		redisContext *pub = sub ? connect_one(r) : NULL;
		if (pub != NULL && (r->db == 0 || reply_ok(redisCommand(pub, "SELECT %d", r->db))) &&
		    reply_ok(redisCommand(sub, "SUBSCRIBE %s %s", RT_REDIS_CHANNEL, RT_REDIS_TYPING))) {
			atomic_store(&r->up, true);
			sh_log_info("realtime: Redis at %s:%d subscribed", r->host, r->port);
			warned = false;
			backoff = RT_BACKOFF_MIN_MS;
			/* Whatever was committed while Redis was away: read it now. */
			atomic_store(&rt->remote_hint, INT64_MAX);
			lws_cancel_service(rt->ctx);
			serve_subscribed(rt, sub, pub);
			atomic_store(&r->up, false);
		}
		if (sub != NULL)
			redisFree(sub);
		if (pub != NULL)
			redisFree(pub);
		if (atomic_load(&rt->stopping))
			break;
		if (!warned)
			sh_log_warn("realtime: Redis at %s:%d unreachable: reading the event log every "
				    "%ld ms until it is back",
				    r->host, r->port, rt->set.poll_ms);
		warned = true;
		if (!backoff_wait(rt, backoff))
			break;
		backoff = backoff * 2 > RT_BACKOFF_MAX_MS ? RT_BACKOFF_MAX_MS : backoff * 2;
	}
	return NULL;
}

int rt_redis_start(struct sh_realtime *rt, char **error_r)
{
	struct rt_redis *r = sh_calloc(1, sizeof(*r));
	r->pipe[0] = r->pipe[1] = -1;
	pthread_mutex_init(&r->outbox_lock, NULL);
	rt->redis = r;
	if (parse_url(r, rt->set.redis_url, error_r) != 0)
		return -1;
	if (pipe2(r->pipe, O_NONBLOCK | O_CLOEXEC) != 0 ||
	    pthread_create(&r->thread, NULL, redis_main, rt) != 0) {
		*error_r = sh_strdup("realtime: cannot start the Redis thread");
		if (r->pipe[0] >= 0) {
			close(r->pipe[0]);
			close(r->pipe[1]);
			r->pipe[0] = r->pipe[1] = -1;
		}
		return -1;
	}
	return 0;
}

void rt_redis_stop(struct sh_realtime *rt)
{
	struct rt_redis *r = rt->redis;
	if (r == NULL)
		return;
	if (r->pipe[1] >= 0) {
		atomic_store(&rt->stopping, true);
		if (write(r->pipe[1], "x", 1) < 0)
			sh_log_warn("realtime: cannot ring the Redis thread");
		pthread_join(r->thread, NULL);
		close(r->pipe[0]);
		close(r->pipe[1]);
	}
	for (struct rt_msg *m = take_outbox(r), *next; m != NULL; m = next) {
		next = m->next;
		free(m);
	}
	pthread_mutex_destroy(&r->outbox_lock);
	sh_free(&rt->redis);
}

bool rt_redis_up(const struct sh_realtime *rt)
{
	return rt->redis != NULL && atomic_load(&rt->redis->up);
}

void rt_redis_announce(struct sh_realtime *rt, int64_t id)
{
	struct rt_redis *r = rt->redis;
	if (r == NULL || !atomic_load(&r->up))
		return;
	long long seen = atomic_load(&r->to_publish);
	while (id > seen && !atomic_compare_exchange_weak(&r->to_publish, &seen, id))
		;
	if (write(r->pipe[1], "x", 1) < 0 && errno != EAGAIN)
		sh_log_warn("realtime: cannot ring the Redis thread");
}

void rt_redis_publish_typing(struct sh_realtime *rt, char *text)
{
	struct rt_redis *r = rt->redis;
	size_t len = strlen(text);
	struct rt_msg *m = NULL;
	if (r != NULL && atomic_load(&r->up)) {
		m = sh_malloc(sizeof(*m) + len);
		m->next = NULL;
		m->len = len;
		memcpy(m->buf, text, len);
	}
	free(text);
	if (m == NULL)
		return;
	pthread_mutex_lock(&r->outbox_lock);
	bool room = r->outbox_count < RT_TYPING_OUTBOX_MAX;
	if (room) {
		if (r->outbox_tail != NULL)
			r->outbox_tail->next = m;
		else
			r->outbox = m;
		r->outbox_tail = m;
		r->outbox_count++;
	}
	pthread_mutex_unlock(&r->outbox_lock);
	if (!room) {
		free(m);
		return;
	}
	if (write(r->pipe[1], "x", 1) < 0 && errno != EAGAIN)
		sh_log_warn("realtime: cannot ring the Redis thread");
}
