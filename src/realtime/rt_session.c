/*
 * One WebSocket of protocol v1 (docs/REALTIME.md), in libwebsockets' service thread:
 * the Origin check, ping, typing, the bounded send queue and every close (the auth frame:
 * rt_auth.c).
 *
 * lws is single-threaded: everything here runs in its service thread, and a write happens
 * only in LWS_CALLBACK_SERVER_WRITEABLE, one message per call. Other threads never touch
 * a session: the database workers (rt_worker.c) hand their results back through a queue
 * this thread drains when lws_cancel_service wakes it, and find their socket by its id.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http/auth_gate.h"
#include "schoolhub/http.h"
#include "realtime/rt_private.h"
#include "schoolhub/log.h"
#include "schoolhub/mem.h"
#include "schoolhub/security.h"

static void queue_free(struct rt_session *s)
{
	while (s->head != NULL) {
		struct rt_msg *m = s->head;
		s->head = m->next;
		free(m);
	}
	s->tail = NULL;
	s->queued_bytes = 0;
}

void rt_session_close(struct rt_session *s, int code, const char *reason)
{
	if (s->close_code != 0)
		return;
	s->close_code = code;
	s->close_reason = reason;
	s->authed = false; /* no more events */
	queue_free(s);
	lws_callback_on_writable(s->wsi);
	/* A peer that stopped reading never makes the socket writable: drop it then. */
	lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, 2);
}

void rt_session_send(struct sh_realtime *rt, struct rt_session *s, const char *text, size_t len)
{
	if (s->close_code != 0)
		return;
	if (s->queued_bytes + len > (size_t)rt->set.queue_bytes + s->allowance) {
		rt_session_close(s, RT_CLOSE_TOO_SLOW, "too slow");
		return;
	}
	struct rt_msg *m = sh_malloc(sizeof(*m) + LWS_PRE + len);
	m->next = NULL;
	m->len = len;
	memcpy(m->buf + LWS_PRE, text, len);
	if (s->tail != NULL)
		s->tail->next = m;
	else
		s->head = m;
	s->tail = m;
	s->queued_bytes += len;
	lws_callback_on_writable(s->wsi);
}

/* {"type":"event","id":K,"event":"<kind>","data":<the row's JSON, as written>}. */
void rt_session_send_event(struct sh_realtime *rt, struct rt_session *s, int64_t id,
			   const char *kind, const char *data)
{
	size_t len = strlen(kind) + strlen(data) + 64;
	char *text = sh_malloc(len);
	int n = snprintf(text, len, "{\"type\":\"event\",\"id\":%lld,\"event\":\"%s\",\"data\":%s}",
			 (long long)id, kind, data);
	if (n > 0 && (size_t)n < len)
		rt_session_send(rt, s, text, (size_t)n);
	free(text);
	s->last_sent = id;
}

/* The member's sockets that are live or about to be (their resume is being read). */
int rt_sessions_of(const struct sh_realtime *rt, const char *user_id)
{
	int n = 0;
	for (const struct rt_session *s = rt_member_first(rt, user_id); s != NULL;
	     s = rt_member_next(s))
		if ((s->authed || s->stage == RT_AUTH_RESUMING) && s->close_code == 0)
			n++;
	return n;
}

static void send_text(struct sh_realtime *rt, struct rt_session *s, const char *text)
{
	rt_session_send(rt, s, text, strlen(text));
}

/* The client's address, as the HTTP side sees it (a trusted proxy's X-Real-IP). */
static void client_address(struct sh_realtime *rt, struct rt_session *s, struct lws *wsi)
{
	char peer[64] = "", real[64] = "";
	lws_get_peer_simple(wsi, peer, sizeof(peer));
	bool has_real = lws_hdr_custom_copy(wsi, real, sizeof(real), "x-real-ip:", 10) > 0;
	struct sh_arena *arena = sh_arena_create();
	snprintf(s->ip, sizeof(s->ip), "%s",
		 sh_client_ip(&rt->app->cfg, peer, has_real ? real : NULL, arena));
	sh_arena_destroy(&arena);
}

static int sockets_from(const struct sh_realtime *rt, const struct rt_session *self)
{
	int n = 0;
	for (const struct rt_session *s = rt->sessions; s != NULL; s = s->next)
		if (s != self && s->close_code == 0 && strcmp(s->ip, self->ip) == 0)
			n++;
	return n;
}

static void session_open(struct sh_realtime *rt, struct rt_session *s, struct lws *wsi)
{
	memset(s, 0, sizeof(*s));
	s->wsi = wsi;
	s->sid = ++rt->next_sid;
	rt_sids_add(rt, s);
	s->next = rt->sessions;
	if (rt->sessions != NULL)
		rt->sessions->prev = s;
	rt->sessions = s;
	atomic_fetch_add(&rt->open_sockets, 1);
	client_address(rt, s, wsi);
	if (sockets_from(rt, s) >= rt->set.max_per_ip) {
		rt_session_close(s, RT_CLOSE_BUSY, "too many sockets from this address");
		return;
	}
	char origin[256] = "", host[256] = "";
	bool has_origin = lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) > 0;
	bool has_host = lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) > 0;
	if (!has_origin || !has_host || !rt_origin_allowed(rt, origin, host)) {
		rt_session_close(s, RT_CLOSE_ORIGIN, "origin not allowed");
		return;
	}
	/* A deadline the tick checks, not an lws timer per socket: lws keeps its timers in one
	 * sorted list, and inserting 1,000s of them was half the CPU (docs/PERFORMANCE.md). */
	s->deadline_ms = rt_now_ms() + (int64_t)RT_AUTH_TIMEOUT_S * 1000;
}

void rt_sessions_expire(struct sh_realtime *rt, int64_t now_ms)
{
	for (struct rt_session *s = rt->sessions; s != NULL; s = s->next) {
		if (s->close_code != 0 || s->deadline_ms == 0 || now_ms < s->deadline_ms)
			continue;
		if (!s->authed && s->stage != RT_AUTH_NONE) /* the database is too slow to answer */
			rt_session_close(s, RT_CLOSE_SERVER_ERROR, "try again later");
		else
			rt_session_close(s, RT_CLOSE_UNAUTHORIZED,
					 s->authed ? "token expired" : "auth timeout");
	}
}

static void session_closed(struct sh_realtime *rt, struct rt_session *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else if (rt->sessions == s)
		rt->sessions = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
	rt_members_remove(rt, s);
	rt_sids_remove(rt, s);
	atomic_fetch_sub(&rt->open_sockets, 1);
	queue_free(s);
	sh_free(&s->rx);
}

/* ping, typing (rt_typing.c: relayed to the conversation's other members, or dropped). */
static void handle_message(struct sh_realtime *rt, struct rt_session *s, const char *text,
			   size_t len)
{
	json_error_t err;
	json_t *msg = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	const char *type = json_string_value(json_object_get(msg, "type"));
	if (!json_is_object(msg) || type == NULL) {
		rt_session_close(s, RT_CLOSE_PROTOCOL, "not a v1 frame");
	} else if (!s->authed && s->stage != RT_AUTH_NONE) {
		/* The auth is being checked: the socket is alive, nothing else yet. */
		if (strcmp(type, "ping") == 0)
			send_text(rt, s, "{\"type\":\"pong\"}");
		else if (strcmp(type, "typing") != 0)
			rt_session_close(s, RT_CLOSE_PROTOCOL, "auth in progress");
	} else if (!s->authed) {
		if (strcmp(type, "auth") == 0)
			rt_auth_receive(rt, s, msg);
		else
			rt_session_close(s, RT_CLOSE_UNAUTHORIZED, "auth first");
	} else if (strcmp(type, "ping") == 0) {
		send_text(rt, s, "{\"type\":\"pong\"}");
	} else if (strcmp(type, "typing") == 0) {
		rt_typing_receive(rt, s, msg);
	} else {
		rt_session_close(s, RT_CLOSE_PROTOCOL, "unknown type");
	}
	json_decref(msg);
}

/* A client message may come in several frames: gathered up to RT_MAX_MESSAGE. */
static void receive(struct sh_realtime *rt, struct rt_session *s, struct lws *wsi, const void *in,
		    size_t len)
{
	if (s->close_code != 0)
		return;
	if (lws_frame_is_binary(wsi)) {
		rt_session_close(s, RT_CLOSE_PROTOCOL, "text frames only");
		return;
	}
	bool whole = lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0;
	if (whole && s->rx == NULL) {
		handle_message(rt, s, in, len);
		return;
	}
	if (s->rx_len + len > RT_MAX_MESSAGE) {
		rt_session_close(s, RT_CLOSE_TOO_BIG, "message too big");
		return;
	}
	if (s->rx == NULL)
		s->rx = sh_malloc(RT_MAX_MESSAGE);
	memcpy(s->rx + s->rx_len, in, len);
	s->rx_len += len;
	if (whole) {
		handle_message(rt, s, s->rx, s->rx_len);
		sh_free(&s->rx);
		s->rx_len = 0;
	}
}

static int writeable(struct rt_session *s, struct lws *wsi)
{
	if (s->close_code != 0) {
		const char *r = s->close_reason ? s->close_reason : "";
		lws_close_reason(wsi, (enum lws_close_status)s->close_code, (unsigned char *)(uintptr_t)r,
				 strlen(r));
		return -1;
	}
	struct rt_msg *m = s->head;
	if (m == NULL)
		return 0;
	if (lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len)
		return -1;
	s->head = m->next;
	if (s->head == NULL)
		s->tail = NULL;
	s->queued_bytes -= m->len;
	free(m);
	if (s->head != NULL)
		lws_callback_on_writable(wsi);
	return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	struct sh_realtime *rt = lws_context_user(lws_get_context(wsi));
	struct rt_session *s = user;
	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED: {
		if (atomic_load(&rt->stopping))
			break;
		rt_done_drain(rt); /* the database workers' results, in their order */
		rt_typing_drain(rt);
		bool local = atomic_exchange(&rt->local_wake, false);
		if (local || atomic_exchange(&rt->remote_hint, 0) > atomic_load(&rt->cursor))
			rt_dispatch(rt, local);
		break;
	}
	case LWS_CALLBACK_ESTABLISHED:
		session_open(rt, s, wsi);
		break;
	case LWS_CALLBACK_RECEIVE:
		receive(rt, s, wsi, in, len);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return writeable(s, wsi);
	case LWS_CALLBACK_CLOSED:
		session_closed(rt, s);
		break;
	default:
		break;
	}
	return 0;
}

const struct lws_protocols rt_protocols[] = {
	{"schoolhub.v1", callback, sizeof(struct rt_session), RT_MAX_MESSAGE, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

long sh_realtime_open_sockets(const struct sh_app *app)
{
	return app->realtime != NULL ? atomic_load(&app->realtime->open_sockets) : 0;
}
