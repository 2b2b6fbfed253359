/*
 * The periodic upkeep of the realtime channel, on the checker worker (rt_worker.c):
 * - the account re-check: a password change or a deactivation (token generation, active
 *   flag) closes the member's sockets within SCHOOLHUB_REALTIME_RECHECK_S;
 * - the purge of member_events older than SCHOOLHUB_EVENTS_KEEP_DAYS (every instance may
 *   run it: the DELETE is the same whoever runs it).
 * The service thread takes a snapshot of who is connected; the checker reads the
 * accounts; the service thread closes the sockets of the accounts that no longer stand
 * (matched again by member and generation: a socket opened meanwhile is checked next time).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http/auth_gate.h"
#include "realtime/rt_private.h"
#include "schoolhub/log.h"
#include "schoolhub/mem.h"
#include "schoolhub/util.h"

struct account {
	char user_id[37];
	int64_t generation;
	int stands; /* 1, 0, or -1: not read (the store is away) */
};

struct recheck_job {
	struct rt_job base;
	size_t count;
	struct account *accounts; /* one per member and token generation, not per socket */
};

static void recheck_run(struct sh_realtime *rt, struct sh_conn *conn, struct rt_job *job)
{
	(void)rt;
	struct recheck_job *r = (struct recheck_job *)job;
	if (conn == NULL)
		return;
	struct sh_arena *arena = sh_arena_create();
	for (size_t i = 0; i < r->count; i++) {
		struct account *a = &r->accounts[i];
		enum sh_db_rc rc;
		a->stands = sh_auth_account_current(conn, arena, a->user_id, a->generation, &rc);
		if (a->stands < 0)
			break; /* the store is away: the next round checks again */
	}
	sh_arena_destroy(&arena);
}

static void recheck_finish(struct sh_realtime *rt, struct rt_job *job)
{
	struct recheck_job *r = (struct recheck_job *)job;
	rt->recheck_queued = false;
	for (size_t i = 0; i < r->count; i++) {
		const struct account *a = &r->accounts[i];
		if (a->stands != 0)
			continue;
		for (struct rt_session *s = rt_member_first(rt, a->user_id); s != NULL;
		     s = rt_member_next(s))
			if (s->authed && s->generation == a->generation)
				rt_session_close(s, RT_CLOSE_UNAUTHORIZED, "account changed");
	}
}

static void recheck_release(struct rt_job *job)
{
	free(((struct recheck_job *)job)->accounts);
}

/* Whether a live socket of the same member and generation comes before it in its member's
 * sessions (so it is listed already): a member's few sockets, not the whole list. */
static bool listed(const struct sh_realtime *rt, const struct rt_session *s)
{
	for (const struct rt_session *o = rt_member_first(rt, s->user_id); o != s;
	     o = rt_member_next(o))
		if (o->authed && o->generation == s->generation)
			return true;
	return false;
}

void rt_recheck_accounts(struct sh_realtime *rt)
{
	if (rt->recheck_queued)
		return; /* the last round is still reading: this one would repeat it */
	size_t cap = 0;
	for (const struct rt_session *s = rt->sessions; s != NULL; s = s->next)
		cap += s->authed;
	if (cap == 0)
		return;
	struct recheck_job *r = sh_calloc(1, sizeof(*r));
	r->base.run = recheck_run;
	r->base.finish = recheck_finish;
	r->base.release = recheck_release;
	r->accounts = sh_calloc(cap, sizeof(*r->accounts));
	for (const struct rt_session *s = rt->sessions; s != NULL; s = s->next) {
		if (!s->authed || listed(rt, s))
			continue;
		struct account *a = &r->accounts[r->count++];
		memcpy(a->user_id, s->user_id, sizeof(a->user_id));
		a->generation = s->generation;
		a->stands = -1;
	}
	rt->recheck_queued = true;
	rt_worker_post(&rt->checker, &r->base);
}

static void purge_run(struct sh_realtime *rt, struct sh_conn *conn, struct rt_job *job)
{
	(void)job;
	if (conn == NULL)
		return;
	time_t cutoff = time(NULL) - (time_t)rt->set.keep_days * 86400;
	char when[SH_TIME_LEN + 1];
	sh_time_format(cutoff, when);
	int64_t gone = 0;
	enum sh_db_rc rc = sh_exec(conn, "DELETE FROM member_events WHERE created_at < $1",
				   SH_ARGS(SH_TEXT(when)), &gone);
	if (rc != SH_DB_OK)
		sh_log_warn("realtime: purging old events failed (%d)", (int)rc);
	else if (gone > 0)
		sh_log_info("realtime: purged %lld events older than %ld days", (long long)gone,
			    rt->set.keep_days);
}

void rt_purge(struct sh_realtime *rt)
{
	if (rt->set.keep_days <= 0)
		return;
	struct rt_job *job = sh_calloc(1, sizeof(*job));
	job->run = purge_run;
	rt_worker_post(&rt->checker, job);
}
