/*
 * The auth frame: {"type":"auth","token":"…","last_event_id":N|null}, with the same checks
 * as the HTTP gate.
 *
 * The frame's shape and the token's signature and expiry are checked at once in the
 * service thread (no database). The account (still active, the token's generation
 * current) is read by the checker worker, then the resume ("ready" and the replay) is
 * computed by the reader (rt_dispatch.c): the service thread keeps serving every other
 * socket meanwhile. The socket's stage says where it stands; while it waits, a ping is
 * answered, a typing frame is dropped, anything else closes it (4400).
 */
#include <jansson.h>
#include <string.h>

#include "http/auth_gate.h"
#include "realtime/rt_private.h"
#include "schoolhub/mem.h"
#include "schoolhub/security.h"

struct check_job {
	struct rt_job base;
	uint64_t sid;
	char user_id[37];
	int64_t generation;
	bool has_last;
	int64_t last;
	int stands; /* 1: the account stands; 0: it does not; -1: the store is away */
};

static void check_run(struct sh_realtime *rt, struct sh_conn *conn, struct rt_job *job)
{
	(void)rt;
	struct check_job *c = (struct check_job *)job;
	c->stands = -1;
	if (conn == NULL)
		return;
	struct sh_arena *arena = sh_arena_create();
	enum sh_db_rc rc;
	c->stands = sh_auth_account_current(conn, arena, c->user_id, c->generation, &rc);
	sh_arena_destroy(&arena);
}

static void check_finish(struct sh_realtime *rt, struct rt_job *job)
{
	struct check_job *c = (struct check_job *)job;
	struct rt_session *s = rt_session_find(rt, c->sid);
	if (s == NULL || s->stage != RT_AUTH_CHECKING)
		return; /* closed meanwhile: the answer goes nowhere */
	s->stage = RT_AUTH_NONE;
	if (c->stands < 0) {
		rt_session_close(s, RT_CLOSE_SERVER_ERROR, "try again later");
		return;
	}
	if (c->stands == 0) {
		rt_session_close(s, RT_CLOSE_UNAUTHORIZED, "invalid token");
		return;
	}
	/* Counted now, in the service thread: the live and resuming sockets of the member. */
	if (rt_sessions_of(rt, s->user_id) >= rt->set.max_sockets) {
		rt_session_close(s, RT_CLOSE_TOO_MANY, "too many sockets");
		return;
	}
	rt_resume_post(rt, s, c->has_last, c->last);
}

void rt_auth_receive(struct sh_realtime *rt, struct rt_session *s, json_t *msg)
{
	json_t *token = json_object_get(msg, "token");
	json_t *last = json_object_get(msg, "last_event_id");
	if (!json_is_string(token) || (last != NULL && !json_is_null(last) &&
				       (!json_is_integer(last) || json_integer_value(last) < 0))) {
		rt_session_close(s, RT_CLOSE_PROTOCOL, "bad auth frame");
		return;
	}
	struct sh_access_claims claims;
	if (sh_access_token_verify(rt->app, json_string_value(token), &claims) != 0) {
		rt_session_close(s, RT_CLOSE_UNAUTHORIZED, "invalid token");
		return;
	}
	rt_members_remove(rt, s); /* indexed under its member: the name changes now */
	memcpy(s->user_id, claims.user_id, sizeof(s->user_id));
	rt_members_add(rt, s);
	s->generation = claims.generation;
	s->expires_at = claims.expires_at;
	s->stage = RT_AUTH_CHECKING;
	struct check_job *c = sh_calloc(1, sizeof(*c));
	c->base.run = check_run;
	c->base.finish = check_finish;
	c->sid = s->sid;
	memcpy(c->user_id, claims.user_id, sizeof(c->user_id));
	c->generation = claims.generation;
	c->has_last = last != NULL && !json_is_null(last);
	c->last = c->has_last ? json_integer_value(last) : 0;
	rt_worker_post(&rt->checker, &c->base);
}
