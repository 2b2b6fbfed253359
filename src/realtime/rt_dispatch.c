/*
 * Reading the event log (member_events) for the sockets of this instance, in the
 * service thread.
 *
 * One cursor per instance: every event with an id up to it has been handed to the local
 * sockets of its member (docs/ARCHITECTURE.md "The realtime channel" says when a read runs). A read takes the rows past the cursor in id order (one query,
 * batches of RT_BATCH) and queues each on its member's sockets here.
 *
 * Ids become visible in increasing order (events.h: SQLite's single writer, an advisory
 * lock around PostgreSQL's writers), so once id N is read nothing below it can appear
 * later: a hole is an id whose transaction rolled back, and the cursor steps over it.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http/auth_gate.h"
#include "realtime/rt_private.h"
#include "schoolhub/log.h"
#include "schoolhub/mem.h"
#include "schoolhub/util.h"

#define RT_BATCH 500

int64_t rt_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* {"type":"event","id":K,"event":"<kind>","data":<the row's JSON, as written>}. */
static void send_event(struct sh_realtime *rt, struct rt_session *s, int64_t id, const char *kind,
		       const char *data)
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

static void deliver(struct sh_realtime *rt, int64_t id, const char *user_id, const char *kind,
		    const char *data)
{
	for (struct rt_session *s = rt->sessions; s != NULL; s = s->next)
		if (s->authed && id > s->last_sent && strcmp(s->user_id, user_id) == 0)
			send_event(rt, s, id, kind, data);
}

static bool cursor_ready(struct sh_realtime *rt, struct sh_conn *conn)
{
	if (rt->cursor_known)
		return true;
	/* Everything before the start is history: a resuming socket replays it. */
	if (sh_query_int64(conn, "SELECT COALESCE(MAX(id), 0) FROM member_events", SH_ARGS(),
			   &rt->cursor) != SH_DB_ROW)
		return false;
	rt->cursor_known = true;
	return true;
}

/* One batch past the cursor; true when a full batch was read (read again). */
static bool read_batch(struct sh_realtime *rt, struct sh_conn *conn)
{
	struct sh_stmt *st = sh_query(conn, "SELECT id, user_id, kind, data FROM member_events "
					    "WHERE id > $1 ORDER BY id LIMIT 500",
				      SH_ARGS(SH_INT(rt->cursor)));
	int rows = 0;
	while (st != NULL && sh_stmt_step(st) == SH_DB_ROW) {
		rows++;
		int64_t id = sh_stmt_col_int64(st, 0);
		const char *data = sh_stmt_col_text(st, 3);
		deliver(rt, id, sh_stmt_col_text(st, 1), sh_stmt_col_text(st, 2), data ? data : "{}");
		rt->cursor = id;
	}
	sh_stmt_free(&st);
	return rows == RT_BATCH;
}

void rt_dispatch(struct sh_realtime *rt, bool announce)
{
	struct sh_conn *conn = sh_db_thread_conn(rt->app->db);
	if (conn == NULL || !cursor_ready(rt, conn))
		return;
	while (read_batch(rt, conn))
		;
	/* After a local commit: the other instances read up to what this one saw. */
	if (announce && rt->cursor > 0)
		rt_redis_announce(rt, rt->cursor);
}

static int64_t member_last_id(struct sh_conn *conn, const char *user_id, int64_t upto, bool *ok_r)
{
	int64_t id = 0;
	*ok_r = sh_query_int64(conn, "SELECT COALESCE(MAX(id), 0) FROM member_events "
				     "WHERE user_id = $1 AND id <= $2",
			       SH_ARGS(SH_TEXT(user_id), SH_INT(upto)), &id) == SH_DB_ROW;
	return id;
}

/* The events of (from, to] for the member, or -1 (resync) past RT_REPLAY_MAX. */
static int replay(struct sh_realtime *rt, struct sh_conn *conn, struct rt_session *s, int64_t from,
		  int64_t to)
{
	struct sh_stmt *st = sh_query(conn, "SELECT id, kind, data FROM member_events "
					    "WHERE user_id = $1 AND id > $2 AND id <= $3 "
					    "ORDER BY id LIMIT 1001",
				      SH_ARGS(SH_TEXT(s->user_id), SH_INT(from), SH_INT(to)));
	if (st == NULL)
		return -2;
	/* Counted first: a resync sends none of them. */
	int n = 0;
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		n++;
	sh_stmt_free(&st);
	if (rc != SH_DB_OK)
		return -2;
	if (n > RT_REPLAY_MAX)
		return -1;
	st = sh_query(conn, "SELECT id, kind, data FROM member_events "
			    "WHERE user_id = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT 1001",
		      SH_ARGS(SH_TEXT(s->user_id), SH_INT(from), SH_INT(to)));
	size_t before = s->queued_bytes;
	s->allowance = (size_t)-1 / 2; /* the replay is bounded by RT_REPLAY_MAX, not the queue */
	while (st != NULL && (rc = sh_stmt_step(st)) == SH_DB_ROW) {
		const char *data = sh_stmt_col_text(st, 2);
		send_event(rt, s, sh_stmt_col_int64(st, 0), sh_stmt_col_text(st, 1), data ? data : "{}");
	}
	sh_stmt_free(&st);
	s->allowance = s->queued_bytes - before;
	return rc == SH_DB_OK ? 0 : -2;
}

/*
 * "ready" with the member's position, then what they missed since "last": the events in
 * (last, position], or "resync" when there are more than RT_REPLAY_MAX or some of them
 * were purged. Events past the cursor come later from rt_dispatch, never twice
 * (s->last_sent).
 */
int rt_session_resume(struct sh_realtime *rt, struct rt_session *s, bool has_last, int64_t last)
{
	/* Catch up first (one read): the position is then the member's latest committed
	 * event, even one whose doorbell never rang (a process without the channel). */
	rt_dispatch(rt, false);
	struct sh_conn *conn = sh_db_thread_conn(rt->app->db);
	if (conn == NULL || !cursor_ready(rt, conn))
		return -1;
	bool ok;
	int64_t position = member_last_id(conn, s->user_id, rt->cursor, &ok);
	if (!ok)
		return -1;
	bool resync = false;
	int64_t oldest = 0;
	if (has_last && last < position) {
		if (sh_query_int64(conn, "SELECT COALESCE(MIN(id), 0) FROM member_events", SH_ARGS(),
				   &oldest) != SH_DB_ROW)
			return -1;
		resync = last + 1 < oldest; /* purged since: the gap cannot be replayed */
	}
	if (has_last && last > position)
		position = last; /* it came from an instance ahead of this one */
	char ready[96];
	snprintf(ready, sizeof(ready), "{\"type\":\"ready\",\"last_event_id\":%lld}",
		 (long long)position);
	rt_session_send(rt, s, ready, strlen(ready));
	s->last_sent = has_last ? last : position;
	if (has_last && last < position && !resync) {
		int r = replay(rt, conn, s, last, position);
		if (r == -2)
			return -1;
		resync = r == -1;
	}
	if (resync)
		rt_session_send(rt, s, "{\"type\":\"resync\"}", strlen("{\"type\":\"resync\"}"));
	s->last_sent = position;
	s->authed = s->close_code == 0;
	return 0;
}

/* A password change or a deactivation (token generation, active flag) closes the sockets. */
void rt_recheck_accounts(struct sh_realtime *rt)
{
	struct sh_conn *conn = sh_db_thread_conn(rt->app->db);
	if (conn == NULL)
		return;
	struct sh_arena *arena = sh_arena_create();
	unsigned round = ++rt->recheck_round;
	/* One read per member (and token generation), not per socket. */
	for (struct rt_session *s = rt->sessions; s != NULL; s = s->next) {
		if (!s->authed || s->checked_round == round)
			continue;
		enum sh_db_rc rc;
		int stands = sh_auth_account_current(conn, arena, s->user_id, s->generation, &rc);
		if (stands < 0)
			break; /* the store is away: the next round checks again */
		for (struct rt_session *t = s; t != NULL; t = t->next) {
			if (!t->authed || t->generation != s->generation ||
			    strcmp(t->user_id, s->user_id) != 0)
				continue;
			t->checked_round = round;
			if (stands == 0)
				rt_session_close(t, RT_CLOSE_UNAUTHORIZED, "account changed");
		}
	}
	sh_arena_destroy(&arena);
}

/* member_events older than SCHOOLHUB_EVENTS_KEEP_DAYS go (every instance may run it). */
void rt_purge(struct sh_realtime *rt)
{
	if (rt->set.keep_days <= 0)
		return;
	struct sh_conn *conn = sh_db_thread_conn(rt->app->db);
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
