/*
 * Reading the event log (member_events) for the sockets of this instance: on the reader
 * worker (rt_worker.c), never in the service thread.
 *
 * One cursor per instance, the reader's: every event with an id up to it has been handed
 * to the service thread, which queues it on its member's sockets (docs/ARCHITECTURE.md
 * "The realtime channel" says when a read runs). A read takes the rows past the cursor in
 * id order (batches of RT_BATCH, each handed over as it is read) and moves the cursor.
 *
 * Ids do not always become visible in increasing order: PostgreSQL's writers draw ids from
 * one identity and commit in any order, so a reader that sees id 11 may see 10 a moment
 * later. The cursor therefore stops below a hole until it fills (a late commit) or is
 * given up (a rollback: read_batch and hole_given_up). SQLite has one writer at a time:
 * its holes never fill and are stepped over at once.
 *
 * The reader is one thread taking its jobs in order, and the service thread applies their
 * results in the same order: a resume computed after read R sees the cursor R left, its
 * replay reaches exactly that far, and the live events past it come with the reads posted
 * after it. So a socket gets its replay, then live events, in id order, none twice.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "realtime/rt_private.h"
#include "schoolhub/log.h"
#include "schoolhub/mem.h"
#include "schoolhub/util.h"

#define RT_BATCH 500
#define RT_BATCHES_AHEAD 4 /* the reader waits for the service thread past this many */
#define RT_HOLE_MIN_MS 300 /* PostgreSQL: a hole whose writers all ended, given up after */
#define RT_HOLE_MAX_MS 5000 /* any hole, given up after (docs/REALTIME.md "Ordering") */

int64_t rt_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct rt_event *rt_event_new(int64_t id, const char *user_id, const char *kind, const char *data)
{
	data = data ? data : "{}";
	kind = kind ? kind : "";
	size_t klen = strlen(kind) + 1, dlen = strlen(data) + 1;
	struct rt_event *e = sh_malloc(sizeof(*e) + klen + dlen);
	e->next = NULL;
	e->id = id;
	snprintf(e->user_id, sizeof(e->user_id), "%s", user_id ? user_id : "");
	e->kind = (char *)(e + 1);
	e->data = e->kind + klen;
	memcpy(e->kind, kind, klen);
	memcpy(e->data, data, dlen);
	return e;
}

void rt_events_free(struct rt_event *e)
{
	while (e != NULL) {
		struct rt_event *next = e->next;
		free(e);
		e = next;
	}
}

/* ---- A batch of live events, applied in the service thread. */

struct batch_job {
	struct rt_job base;
	struct rt_event *events;
};

static void batch_deliver(struct sh_realtime *rt, struct rt_job *job)
{
	atomic_fetch_sub(&rt->batches_ahead, 1);
	/* One look-up per row in the index by member, not a walk of every socket. */
	for (struct rt_event *e = ((struct batch_job *)job)->events; e != NULL; e = e->next)
		for (struct rt_session *s = rt_member_first(rt, e->user_id); s != NULL;
		     s = rt_member_next(s))
			if (s->authed && e->id > s->last_sent)
				rt_session_send_event(rt, s, e->id, e->kind, e->data);
}

static void batch_release(struct rt_job *job)
{
	rt_events_free(((struct batch_job *)job)->events);
}

static bool cursor_ready(struct sh_realtime *rt, struct sh_conn *conn)
{
	if (rt->cursor_known)
		return true;
	/* Everything before the start is history: a resuming socket replays it. */
	int64_t max = 0;
	if (sh_query_int64(conn, "SELECT COALESCE(MAX(id), 0) FROM member_events", SH_ARGS(),
			   &max) != SH_DB_ROW)
		return false;
	atomic_store(&rt->cursor, max);
	rt->cursor_known = true;
	return true;
}

/* PostgreSQL's transaction-id horizons, read in a snapshot of their own: the oldest
 * transaction still open (xmin), the next id to be given (xmax). */
#define XID_OLDEST_SQL "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
#define XID_NEXT_SQL "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"

/*
 * Whether the ids [lo, hi], missing below a visible one, can be stepped over now.
 * SQLite: at once (one writer at a time: ids commit in order, a hole never fills).
 * PostgreSQL: a hole first seen at time T with xid horizon X (every transaction open at T
 * has an xid below X: the one that drew a missing id was open then, or it had committed
 * and its rows would show) is given up once the oldest open transaction is at or past X
 * (they all ended: the hole is a rollback) and RT_HOLE_MIN_MS passed (a transaction gets
 * its xid at its first write, a moment after it drew the id), or after RT_HOLE_MAX_MS
 * whatever happens (a long transaction elsewhere in the cluster holds xmin back).
 */
static bool hole_given_up(struct sh_realtime *rt, bool pg, int64_t lo, int64_t hi, int64_t oldest,
			  bool *new_r)
{
	struct rt_hole *h = &rt->hole;
	if (!pg)
		return true;
	int64_t now = rt_now_ms();
	if (h->lo == 0 || lo < h->lo || hi > h->hi) { /* not seen before */
		*h = (struct rt_hole){.lo = lo, .hi = hi, .seen_ms = now, .xid_horizon = INT64_MAX};
		*new_r = true;
		return false;
	}
	int64_t age = now - h->seen_ms;
	if (age >= RT_HOLE_MAX_MS || (age >= RT_HOLE_MIN_MS && oldest >= h->xid_horizon)) {
		sh_log_debug("realtime: ids %lld..%lld never committed, stepped over",
			     (long long)lo, (long long)hi);
		*h = (struct rt_hole){0};
		return true;
	}
	h->lo = lo; /* part of it may have filled */
	h->hi = hi;
	return false;
}

/*
 * One batch past the cursor, handed over; true when a full batch was read (read again).
 * The cursor stops below the first hole that may still fill (a transaction that drew a
 * lower id commits after a higher one: no order lock on PostgreSQL's writers), and the
 * rows past it are read again until it fills or is given up: a member's events go out in
 * id order, none skipped for having committed late.
 */
static bool read_batch(struct sh_realtime *rt, struct sh_conn *conn)
{
	bool pg = sh_db_kind(sh_conn_db(conn)) == SH_DB_POSTGRES;
	int64_t oldest = 0, cursor = atomic_load(&rt->cursor);
	/* Before the read: a transaction ended by then shows its rows in it. */
	if (pg && rt->hole.lo != 0 &&
	    sh_query_int64(conn, XID_OLDEST_SQL, SH_ARGS(), &oldest) != SH_DB_ROW)
		return false;
	struct sh_stmt *st = sh_query(conn,
				      "SELECT id, user_id, kind, data FROM member_events "
				      "WHERE id > $1 ORDER BY id LIMIT 500",
				      SH_ARGS(SH_INT(cursor)));
	int rows = 0;
	bool held = false, new_hole = false;
	struct rt_event *head = NULL, **tail = &head;
	while (st != NULL && sh_stmt_step(st) == SH_DB_ROW) {
		rows++;
		int64_t id = sh_stmt_col_int64(st, 0);
		if (id > cursor + 1 &&
		    !hole_given_up(rt, pg, cursor + 1, id - 1, oldest, &new_hole)) {
			held = true;
			break;
		}
		*tail = rt_event_new(id, sh_stmt_col_text(st, 1), sh_stmt_col_text(st, 2),
				     sh_stmt_col_text(st, 3));
		cursor = id;
		tail = &(*tail)->next;
	}
	sh_stmt_free(&st);
	if (head != NULL) {
		struct batch_job *batch = sh_calloc(1, sizeof(*batch));
		batch->base.finish = batch_deliver;
		batch->base.release = batch_release;
		batch->events = head;
		atomic_fetch_add(&rt->batches_ahead, 1);
		rt_done_post(rt, &batch->base);
		atomic_store(&rt->cursor, cursor);
	}
	/* After the read: every transaction open when the hole was seen has an xid below. */
	if (new_hole &&
	    sh_query_int64(conn, XID_NEXT_SQL, SH_ARGS(), &rt->hole.xid_horizon) != SH_DB_ROW)
		rt->hole.xid_horizon = INT64_MAX; /* only the time bound then */
	if (!held)
		rt->hole = (struct rt_hole){0};
	atomic_store(&rt->hole_open, held);
	return !held && rows == RT_BATCH;
}

/* Every committed event past the cursor, in batches; false when the store is away. */
static bool catch_up(struct sh_realtime *rt, struct sh_conn *conn)
{
	if (conn == NULL || !cursor_ready(rt, conn))
		return false;
	while (read_batch(rt, conn)) {
		/* A backlog is read no faster than the service thread hands it out: memory stays
		 * at a few batches, not the whole backlog. */
		struct timespec nap = {.tv_sec = 0, .tv_nsec = 2 * 1000 * 1000};
		while (atomic_load(&rt->batches_ahead) >= RT_BATCHES_AHEAD &&
		       !atomic_load(&rt->stopping))
			nanosleep(&nap, NULL);
	}
	return true;
}

/* ---- The live read: one in flight, a doorbell meanwhile asks for one more after it. */

struct read_job {
	struct rt_job base;
	bool announce;
};

static void read_run(struct sh_realtime *rt, struct sh_conn *conn, struct rt_job *job)
{
	bool announce = ((struct read_job *)job)->announce;
	/* After a local commit: the other instances read up to what this one saw. */
	if (catch_up(rt, conn) && announce && atomic_load(&rt->cursor) > 0)
		rt_redis_announce(rt, atomic_load(&rt->cursor));
}

static void read_finish(struct sh_realtime *rt, struct rt_job *job)
{
	(void)job;
	rt->read_queued = false;
	if (rt->read_again) {
		rt->read_again = false;
		rt_dispatch(rt, rt->read_announce);
	}
}

void rt_dispatch(struct sh_realtime *rt, bool announce)
{
	if (rt->read_queued) {
		rt->read_again = true;
		rt->read_announce = rt->read_announce || announce;
		return;
	}
	struct read_job *job = sh_calloc(1, sizeof(*job));
	job->base.run = read_run;
	job->base.finish = read_finish;
	job->announce = announce;
	rt->read_queued = true;
	rt->read_announce = false;
	rt_worker_post(&rt->reader, &job->base);
}

/* ---- A resume: "ready", the replay (or resync), then the socket is live. */

struct resume_job {
	struct rt_job base;
	uint64_t sid;
	char user_id[37];
	bool has_last, ok, resync;
	int64_t last, position;
	struct rt_event *replay; /* (last, position] of the member, at most RT_REPLAY_MAX */
};

static void resume_release(struct rt_job *job)
{
	rt_events_free(((struct resume_job *)job)->replay);
}

static int64_t member_last_id(struct sh_conn *conn, const char *user_id, int64_t upto, bool *ok_r)
{
	int64_t id = 0;
	*ok_r = sh_query_int64(conn,
			       "SELECT COALESCE(MAX(id), 0) FROM member_events "
			       "WHERE user_id = $1 AND id <= $2",
			       SH_ARGS(SH_TEXT(user_id), SH_INT(upto)), &id) == SH_DB_ROW;
	return id;
}

/* The member's events in (from, to]; -1: more than RT_REPLAY_MAX (resync); -2: store. */
static int replay_read(struct sh_conn *conn, struct resume_job *r, int64_t from, int64_t to)
{
	struct sh_stmt *st = sh_query(conn,
				      "SELECT id, kind, data FROM member_events "
				      "WHERE user_id = $1 AND id > $2 AND id <= $3 "
				      "ORDER BY id LIMIT 1001",
				      SH_ARGS(SH_TEXT(r->user_id), SH_INT(from), SH_INT(to)));
	if (st == NULL)
		return -2;
	int n = 0;
	enum sh_db_rc rc;
	struct rt_event **tail = &r->replay;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW && ++n <= RT_REPLAY_MAX) {
		*tail = rt_event_new(sh_stmt_col_int64(st, 0), r->user_id, sh_stmt_col_text(st, 1),
				     sh_stmt_col_text(st, 2));
		tail = &(*tail)->next;
	}
	sh_stmt_free(&st);
	if (n > RT_REPLAY_MAX) { /* a resync sends none of them */
		rt_events_free(r->replay);
		r->replay = NULL;
		return -1;
	}
	return rc == SH_DB_OK ? 0 : -2;
}

static void resume_run(struct sh_realtime *rt, struct sh_conn *conn, struct rt_job *job)
{
	struct resume_job *r = (struct resume_job *)job;
	/* Catch up first: the position is then the member's latest committed event, even
	 * one whose doorbell never rang (a process without the channel). */
	if (!catch_up(rt, conn))
		return;
	bool ok;
	int64_t position = member_last_id(conn, r->user_id, atomic_load(&rt->cursor), &ok);
	if (!ok)
		return;
	if (r->has_last && r->last < position) {
		int64_t oldest = 0;
		if (sh_query_int64(conn, "SELECT COALESCE(MIN(id), 0) FROM member_events",
				   SH_ARGS(), &oldest) != SH_DB_ROW)
			return;
		r->resync = r->last + 1 < oldest; /* purged since: the gap cannot be replayed */
		if (!r->resync) {
			int got = replay_read(conn, r, r->last, position);
			if (got == -2)
				return;
			r->resync = got == -1;
		}
	}
	if (r->has_last && r->last > position)
		position = r->last; /* it came from an instance ahead of this one */
	r->position = position;
	r->ok = true;
}

static void resume_finish(struct sh_realtime *rt, struct rt_job *job)
{
	struct resume_job *r = (struct resume_job *)job;
	struct rt_session *s = rt_session_find(rt, r->sid);
	if (s == NULL || s->stage != RT_AUTH_RESUMING)
		return; /* closed meanwhile */
	s->stage = RT_AUTH_NONE;
	if (!r->ok) {
		rt_session_close(s, RT_CLOSE_SERVER_ERROR, "try again later");
		return;
	}
	char ready[96];
	snprintf(ready, sizeof(ready), "{\"type\":\"ready\",\"last_event_id\":%lld}",
		 (long long)r->position);
	rt_session_send(rt, s, ready, strlen(ready));
	size_t before = s->queued_bytes;
	s->allowance = (size_t)-1 / 2; /* the replay is bounded by RT_REPLAY_MAX, not the queue */
	for (struct rt_event *e = r->replay; e != NULL; e = e->next)
		rt_session_send_event(rt, s, e->id, e->kind, e->data);
	s->allowance = s->queued_bytes - before;
	if (r->resync)
		rt_session_send(rt, s, "{\"type\":\"resync\"}", strlen("{\"type\":\"resync\"}"));
	/* Events past the position come from the reads after this one, never twice. */
	s->last_sent = r->position;
	s->authed = s->close_code == 0;
	/* The token's expiry ends the socket (the tick, rt_sessions_expire): the client
	 * reconnects with a fresh one. */
	int64_t left = s->expires_at - (int64_t)time(NULL);
	if (s->authed)
		s->deadline_ms = rt_now_ms() + (left > 0 ? left : 1) * 1000;
}

void rt_resume_post(struct sh_realtime *rt, struct rt_session *s, bool has_last, int64_t last)
{
	struct resume_job *r = sh_calloc(1, sizeof(*r));
	r->base.run = resume_run;
	r->base.finish = resume_finish;
	r->base.release = resume_release;
	r->sid = s->sid;
	memcpy(r->user_id, s->user_id, sizeof(r->user_id));
	r->has_last = has_last;
	r->last = last;
	s->stage = RT_AUTH_RESUMING;
	rt_worker_post(&rt->reader, &r->base);
}
