/*
 * The typing indicator (protocol v1's "typing" frame, docs/REALTIME.md): best-effort,
 * never stored. A member's {"type":"typing","conversation_id"} is checked against the
 * conversation's membership (the audience the messages module registered, realtime.h),
 * then {"type":"typing","conversation_id","user_id"} goes to the other members' sockets on
 * this instance and, through Redis (rt_redis.c, its own channel), on the others.
 *
 * Anything wrong (not a member, no such conversation, a malformed id, past the rate
 * limit, the store away) is dropped in silence: the sender can never tell a conversation
 * that exists from one that does not. The membership read runs on the checker worker
 * (rt_worker.c), never in the service thread: two index probes, and at most
 * RT_TYPING_SLOTS of them per socket every RT_TYPING_EVERY_MS.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "realtime/rt_private.h"
#include "schoolhub/log.h"
#include "schoolhub/mem.h"
#include "schoolhub/util.h"

#define RT_TYPING_INBOX_MAX 1024 /* notes from other instances waiting for the thread */

void sh_realtime_set_typing_audience(struct sh_app *app, sh_typing_audience_fn *fn)
{
	app->typing_audience = fn;
}

/*
 * One typing frame per conversation per RT_TYPING_EVERY_MS on a socket, and at most
 * RT_TYPING_SLOTS conversations in that window: a flood costs neither the others' queues
 * nor the database more than that.
 */
static bool allowed(struct rt_session *s, const char *conv, int64_t now)
{
	struct rt_typing_slot *free_slot = NULL;
	for (int i = 0; i < RT_TYPING_SLOTS; i++) {
		struct rt_typing_slot *t = &s->typing[i];
		bool live = t->at_ms != 0 && now - t->at_ms < RT_TYPING_EVERY_MS;
		if (strcmp(t->conv, conv) == 0) {
			if (live)
				return false;
			t->at_ms = now;
			return true;
		}
		if (!live && free_slot == NULL)
			free_slot = t;
	}
	if (free_slot == NULL)
		return false;
	memcpy(free_slot->conv, conv, sizeof(free_slot->conv));
	free_slot->at_ms = now;
	return true;
}

/* The frame to the local sockets of "others" (never the sender's: not in the list). */
static void deliver(struct sh_realtime *rt, const char *conv, const char *sender,
		    const char *const *others, size_t count)
{
	char frame[160];
	int n = snprintf(frame, sizeof(frame),
			 "{\"type\":\"typing\",\"conversation_id\":\"%s\",\"user_id\":\"%s\"}",
			 conv, sender);
	if (n <= 0 || (size_t)n >= sizeof(frame))
		return;
	/* Each listed member's sockets from the index (rt_members.c), not every socket times
	 * every member; a socket gets the frame once even if a list repeats its member. */
	uint64_t round = ++rt->typing_round;
	for (size_t i = 0; i < count; i++) {
		if (strcmp(others[i], sender) == 0)
			continue;
		for (struct rt_session *s = rt_member_first(rt, others[i]); s != NULL;
		     s = rt_member_next(s))
			if (s->authed && s->typing_round != round) {
				s->typing_round = round;
				rt_session_send(rt, s, frame, (size_t)n);
			}
	}
}

/* {"i":"<instance>","c":"<conversation>","u":"<sender>","to":["<member>",…]} for Redis. */
static void publish(struct sh_realtime *rt, const char *conv, const char *sender,
		    const char *const *others, size_t count)
{
	if (count == 0 || !rt_redis_up(rt))
		return;
	json_t *to = json_array();
	for (size_t i = 0; i < count; i++)
		json_array_append_new(to, json_string(others[i]));
	json_t *note =
		json_pack("{s:s,s:s,s:s,s:o}", "i", rt->instance, "c", conv, "u", sender, "to", to);
	char *text = note ? json_dumps(note, JSON_COMPACT) : NULL;
	json_decref(note);
	if (text != NULL)
		rt_redis_publish_typing(rt, text); /* takes it */
}

/* The audience read, on the checker: the conversation's other members, or none. */
struct audience_job {
	struct rt_job base;
	uint64_t sid;
	char user_id[37];
	char conv[SH_UUID_LEN + 1];
	size_t count;
	char (*others)[37];
};

static void audience_run(struct sh_realtime *rt, struct sh_conn *conn, struct rt_job *job)
{
	struct audience_job *a = (struct audience_job *)job;
	sh_typing_audience_fn *audience = rt->app->typing_audience;
	if (conn == NULL || audience == NULL)
		return;
	struct sh_arena *arena = sh_arena_create();
	const char **others = NULL;
	size_t count = 0;
	if (audience(conn, arena, a->user_id, a->conv, &others, &count) == 1 && count > 0) {
		a->others = sh_calloc(count, sizeof(*a->others));
		for (size_t i = 0; i < count; i++)
			snprintf(a->others[i], sizeof(a->others[i]), "%s", others[i]);
		a->count = count;
	}
	sh_arena_destroy(&arena);
}

static void audience_finish(struct sh_realtime *rt, struct rt_job *job)
{
	struct audience_job *a = (struct audience_job *)job;
	struct rt_session *s = rt_session_find(rt, a->sid);
	/* The sender's socket closed meanwhile (its account changed, perhaps): dropped. */
	if (s == NULL || !s->authed || strcmp(s->user_id, a->user_id) != 0 || a->count == 0)
		return;
	const char **others = sh_calloc(a->count, sizeof(*others));
	for (size_t i = 0; i < a->count; i++)
		others[i] = a->others[i];
	deliver(rt, a->conv, a->user_id, others, a->count);
	publish(rt, a->conv, a->user_id, others, a->count);
	free(others);
}

static void audience_release(struct rt_job *job)
{
	free(((struct audience_job *)job)->others);
}

void rt_typing_receive(struct sh_realtime *rt, struct rt_session *s, json_t *msg)
{
	char conv[SH_UUID_LEN + 1];
	const char *raw = json_string_value(json_object_get(msg, "conversation_id"));
	if (rt->app->typing_audience == NULL || raw == NULL || !sh_uuid_normalize(raw, conv) ||
	    !allowed(s, conv, rt_now_ms()))
		return;
	struct audience_job *a = sh_calloc(1, sizeof(*a));
	a->base.run = audience_run;
	a->base.finish = audience_finish;
	a->base.release = audience_release;
	a->sid = s->sid;
	memcpy(a->user_id, s->user_id, sizeof(a->user_id));
	memcpy(a->conv, conv, sizeof(a->conv));
	rt_worker_post(&rt->checker, &a->base);
}

/* From the Redis thread: another instance's note, queued for the service thread. */
void rt_typing_remote(struct sh_realtime *rt, const char *text, size_t len)
{
	pthread_mutex_lock(&rt->typing_lock);
	bool room = rt->typing_inbox_count < RT_TYPING_INBOX_MAX;
	if (room) {
		struct rt_msg *m = sh_malloc(sizeof(*m) + len + 1);
		m->next = NULL;
		m->len = len;
		memcpy(m->buf, text, len);
		m->buf[len] = '\0';
		if (rt->typing_inbox_tail != NULL)
			rt->typing_inbox_tail->next = m;
		else
			rt->typing_inbox = m;
		rt->typing_inbox_tail = m;
		rt->typing_inbox_count++;
	}
	pthread_mutex_unlock(&rt->typing_lock);
	if (room)
		lws_cancel_service(rt->ctx);
}

static void deliver_note(struct sh_realtime *rt, const char *text, size_t len)
{
	json_t *note = json_loadb(text, len, 0, NULL);
	const char *inst = json_string_value(json_object_get(note, "i"));
	const char *conv = json_string_value(json_object_get(note, "c"));
	const char *sender = json_string_value(json_object_get(note, "u"));
	json_t *to = json_object_get(note, "to");
	/* Our own note comes back from Redis: its local sockets have it already. */
	if (inst != NULL && conv != NULL && sender != NULL && json_is_array(to) &&
	    strcmp(inst, rt->instance) != 0 && sh_uuid_valid(conv) && sh_uuid_valid(sender)) {
		size_t count = json_array_size(to);
		const char **others = sh_calloc(count + 1, sizeof(*others));
		size_t n = 0;
		for (size_t i = 0; i < count; i++) {
			const char *id = json_string_value(json_array_get(to, i));
			if (id != NULL)
				others[n++] = id;
		}
		deliver(rt, conv, sender, others, n);
		free(others);
	}
	json_decref(note);
}

static void take_inbox(struct sh_realtime *rt, bool send)
{
	pthread_mutex_lock(&rt->typing_lock);
	struct rt_msg *m = rt->typing_inbox;
	rt->typing_inbox = rt->typing_inbox_tail = NULL;
	rt->typing_inbox_count = 0;
	pthread_mutex_unlock(&rt->typing_lock);
	while (m != NULL) {
		struct rt_msg *next = m->next;
		if (send)
			deliver_note(rt, (const char *)m->buf, m->len);
		free(m);
		m = next;
	}
}

/* In the service thread: the notes other instances sent since the last call. */
void rt_typing_drain(struct sh_realtime *rt)
{
	take_inbox(rt, true);
}

void rt_typing_inbox_free(struct sh_realtime *rt)
{
	take_inbox(rt, false);
}
