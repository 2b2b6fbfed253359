/*
 * The analytics rollup (analytics_rollup.h): counts each finished Brussels week and month
 * once, with the very queries the request runs live (analytics_queries.c) bounded to that
 * period, so a rolled-up figure is the live figure of the day it was rolled up.
 *
 * Why that is final: a week's rows all carry a time inside the week, and nothing writes
 * a row with a past time, so once the week is over its counts no longer change, except by
 * erasure: the refresh-token purge (expired sessions, retention) and account erasure
 * remove rows, and the live count of a past week shrank with them. The rolled-up row keeps
 * the count of the day (aggregates only: no member can be found in it).
 */
#include "modules/admin/analytics_rollup.h"

#include <stdio.h>
#include <string.h>

#include "modules/admin/analytics_queries.h"
#include "schoolhub/app.h"
#include "schoolhub/arena.h"
#include "schoolhub/brussels_time.h"
#include "schoolhub/mem.h"
#include "schoolhub/notify.h"
#include "schoolhub/util.h"

#define DAY 86400
#define WEEK (7 * DAY)

time_t analytics_day_start(time_t day)
{
	struct tm tm;
	gmtime_r(&day, &tm);
	return sh_brussels_to_utc(&tm, NULL);
}

time_t analytics_brussels_day(time_t t)
{
	struct tm tm;
	sh_brussels_tm(t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	return timegm(&tm);
}

static time_t monday_of(time_t day)
{
	struct tm tm;
	gmtime_r(&day, &tm);
	return day - (time_t)((tm.tm_wday + 6) % 7) * DAY;
}

static time_t first_of_month(time_t day, int months_on)
{
	struct tm tm;
	gmtime_r(&day, &tm);
	tm.tm_mday = 1;
	tm.tm_mon += months_on;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	return timegm(&tm); /* timegm normalises the month */
}

/* The UTC day of the oldest row any figure counts (its Brussels day is that one or the
 * next, so starting from it misses nothing); SH_DB_OK with "*day_r" 0 if there is none. */
static enum sh_db_rc oldest_day(struct sh_conn *conn, time_t *day_r)
{
	*day_r = 0;
	struct sh_stmt *st = NULL;
	enum sh_db_rc rc = sh_query_row(
		conn,
		"SELECT MIN(t) FROM (SELECT MIN(created_at) AS t FROM users"
		" UNION ALL SELECT MIN(created_at) FROM refresh_tokens"
		" UNION ALL SELECT MIN(created_at) FROM messages"
		" UNION ALL SELECT MIN(created_at) FROM event_registrations"
		" UNION ALL SELECT MIN(created_at) FROM sel_transactions"
		" UNION ALL SELECT MIN(completed_at) FROM sel_transactions"
		" UNION ALL SELECT MIN(starts_at) FROM events) x",
		SH_ARGS(), &st);
	const char *t = rc == SH_DB_ROW ? sh_stmt_col_time(st, 0) : NULL;
	char date[11] = "";
	if (t != NULL && strlen(t) >= 10)
		memcpy(date, t, 10);
	sh_stmt_free(&st);
	if (rc == SH_DB_ROW || rc == SH_DB_OK) {
		time_t day;
		if (date[0] != '\0' && sh_date_parse(date, &day) == 0)
			*day_r = day;
		return SH_DB_OK;
	}
	return rc;
}

/* --- weeks ---------------------------------------------------------------------------- */

struct week_counts {
	const char *monday;
	int64_t count[ANALYTICS_WEEKLY_COUNT];
	int figure;
};

static void on_week_row(void *ctx, const char *period, const char *category, int64_t count,
			int64_t sum)
{
	(void)category, (void)sum;
	struct week_counts *w = ctx;
	if (period != NULL && strcmp(period, w->monday) == 0)
		w->count[w->figure] = count;
}

struct period {
	char since[SH_TIME_LEN + 1], until[SH_TIME_LEN + 1];
	void *counts;
	int64_t written; /* 1 when this run wrote the period, 0 when another had */
};

static enum sh_db_rc count_week(struct sh_conn *conn, void *ctx)
{
	struct period *p = ctx;
	struct week_counts *w = p->counts;
	enum sh_db_rc rc = analytics_active_in_week(conn, p->since, p->until,
						    &w->count[ANALYTICS_ACTIVE]);
	for (w->figure = ANALYTICS_ACTIVE + 1; w->figure < ANALYTICS_WEEKLY_COUNT && rc == SH_DB_OK;
	     w->figure++)
		rc = analytics_weekly(conn, (enum analytics_weekly)w->figure, p->since, p->until,
				      on_week_row, w);
	return rc;
}

static enum sh_db_rc write_week(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct period *p = ctx;
	const struct week_counts *w = p->counts;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	return sh_exec(conn,
		       "INSERT INTO analytics_weeks (week, active, new_accounts, messages, events,"
		       " rolled_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (week) DO NOTHING",
		       SH_ARGS(SH_TEXT(w->monday), SH_INT(w->count[ANALYTICS_ACTIVE]),
			       SH_INT(w->count[ANALYTICS_NEW_ACCOUNTS]),
			       SH_INT(w->count[ANALYTICS_MESSAGES]), SH_INT(w->count[ANALYTICS_EVENTS]),
			       SH_TEXT(now)),
		       &p->written);
}

static enum sh_db_rc roll_week(struct sh_conn *conn, time_t monday, int *written)
{
	char day[11];
	struct tm tm;
	gmtime_r(&monday, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	struct week_counts w = {.monday = day};
	struct period p = {.counts = &w};
	sh_time_format(analytics_day_start(monday), p.since);
	sh_time_format(analytics_day_start(monday + WEEK), p.until);
	enum sh_db_rc rc = sh_conn_read_snapshot(conn, count_week, &p);
	if (rc == SH_DB_OK)
		rc = sh_conn_transaction(conn, SH_TX_WRITE, write_week, &p);
	*written += rc == SH_DB_OK && p.written == 1;
	return rc;
}

/* "texts" (sorted, NULL-terminated) past "*at" holds "s"? Moves "*at" on. */
static bool in_sorted(const char *const *texts, size_t *at, const char *s)
{
	while (texts[*at] != NULL && strcmp(texts[*at], s) < 0)
		(*at)++;
	return texts[*at] != NULL && strcmp(texts[*at], s) == 0;
}

static enum sh_db_rc roll_weeks(struct sh_conn *conn, struct sh_arena *arena, time_t first,
				time_t this_monday, int *written)
{
	char from[11];
	struct tm tm;
	gmtime_r(&first, &tm);
	strftime(from, sizeof(from), "%Y-%m-%d", &tm);
	const char **done = NULL;
	enum sh_db_rc rc = sh_query_texts(conn, arena,
					  "SELECT week FROM analytics_weeks WHERE week >= $1 ORDER BY week",
					  SH_ARGS(SH_TEXT(from)), &done, NULL);
	size_t at = 0;
	for (time_t m = first; rc == SH_DB_OK && m < this_monday; m += WEEK) {
		char day[11];
		gmtime_r(&m, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		if (in_sorted(done, &at, day))
			continue;
		rc = roll_week(conn, m, written);
	}
	return rc;
}

/* --- months --------------------------------------------------------------------------- */

struct category_count {
	struct category_count *next;
	const char *category;
	int64_t exchanges, units;
};

struct month_counts {
	struct sh_arena *arena;
	const char *month;
	struct category_count *first, **end;
};

static void on_month_row(void *ctx, const char *period, const char *category, int64_t count,
			 int64_t sum)
{
	struct month_counts *m = ctx;
	if (period == NULL || category == NULL || strcmp(period, m->month) != 0)
		return;
	struct category_count *c = sh_arena_alloc(m->arena, sizeof(*c));
	*c = (struct category_count){NULL, sh_arena_strdup(m->arena, category), count, sum};
	*m->end = c;
	m->end = &c->next;
}

static enum sh_db_rc count_month(struct sh_conn *conn, void *ctx)
{
	struct period *p = ctx;
	struct month_counts *m = p->counts;
	m->first = NULL; /* a repeated snapshot starts over */
	m->end = &m->first;
	return analytics_sel_months(conn, p->since, p->until, on_month_row, m);
}

/* The month's row first: whoever inserts it writes the categories, in the same transaction. */
static enum sh_db_rc write_month(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct period *p = ctx;
	struct month_counts *m = p->counts;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	enum sh_db_rc rc = sh_exec(conn,
				   "INSERT INTO analytics_months (month, rolled_at) VALUES ($1, $2)"
				   " ON CONFLICT (month) DO NOTHING",
				   SH_ARGS(SH_TEXT(m->month), SH_TEXT(now)), &p->written);
	for (struct category_count *c = p->written == 1 ? m->first : NULL;
	     c != NULL && rc == SH_DB_OK; c = c->next) {
		rc = sh_exec(conn,
			     "INSERT INTO analytics_month_categories (month, category, exchanges, units)"
			     " VALUES ($1, $2, $3, $4)",
			     SH_ARGS(SH_TEXT(m->month), SH_TEXT(c->category), SH_INT(c->exchanges),
				     SH_INT(c->units)),
			     NULL);
	}
	return rc;
}

static enum sh_db_rc roll_month(struct sh_conn *conn, struct sh_arena *arena, time_t first_day,
				const char *month, int *written)
{
	struct month_counts m = {.arena = arena, .month = month};
	struct period p = {.counts = &m};
	sh_time_format(analytics_day_start(first_day), p.since);
	sh_time_format(analytics_day_start(first_of_month(first_day, 1)), p.until);
	enum sh_db_rc rc = sh_conn_read_snapshot(conn, count_month, &p);
	if (rc == SH_DB_OK)
		rc = sh_conn_transaction(conn, SH_TX_WRITE, write_month, &p);
	*written += rc == SH_DB_OK && p.written == 1;
	return rc;
}

static enum sh_db_rc roll_months(struct sh_conn *conn, struct sh_arena *arena, time_t first,
				 time_t this_month, int *written)
{
	char from[16];
	struct tm tm;
	gmtime_r(&first, &tm);
	strftime(from, sizeof(from), "%Y-%m", &tm);
	const char **done = NULL;
	enum sh_db_rc rc = sh_query_texts(
		conn, arena, "SELECT month FROM analytics_months WHERE month >= $1 ORDER BY month",
		SH_ARGS(SH_TEXT(from)), &done, NULL);
	size_t at = 0;
	for (time_t d = first; rc == SH_DB_OK && d < this_month; d = first_of_month(d, 1)) {
		char month[16];
		gmtime_r(&d, &tm);
		strftime(month, sizeof(month), "%Y-%m", &tm);
		if (!in_sorted(done, &at, month))
			rc = roll_month(conn, arena, d, month, written);
	}
	return rc;
}

enum sh_db_rc analytics_rollup_run(struct sh_conn *conn, time_t now,
				   struct analytics_rollup_counts *counts_r)
{
	*counts_r = (struct analytics_rollup_counts){0, 0, 0};
	time_t today = analytics_brussels_day(now), oldest = 0;
	time_t this_monday = monday_of(today), this_month = first_of_month(today, 0);
	enum sh_db_rc rc = oldest_day(conn, &oldest);
	if (rc != SH_DB_OK || oldest == 0)
		return rc; /* an empty school has nothing to roll up yet */
	time_t limit = this_monday - (time_t)ANALYTICS_ROLLUP_MAX_WEEKS * WEEK;
	if (oldest < limit)
		oldest = limit;
	struct sh_arena *arena = sh_arena_create();
	rc = roll_weeks(conn, arena, monday_of(oldest), this_monday, &counts_r->weeks);
	if (rc == SH_DB_OK)
		rc = roll_months(conn, arena, first_of_month(oldest, 0), this_month,
				 &counts_r->months);
	time_t days_limit = today - (time_t)ANALYTICS_ROLLUP_MAX_DAYS * DAY;
	if (rc == SH_DB_OK)
		rc = analytics_roll_days(conn, arena, oldest > days_limit ? oldest : days_limit,
					 today, &counts_r->days);
	sh_arena_destroy(&arena);
	return rc;
}

/* --- the hourly job ------------------------------------------------------------------- */

#define HOUR 3600
#define RUN_AT_MINUTE_S (10 * 60) /* :10 past each hour: a week ends at 22:00 or 23:00 UTC */
#define SCHEDULE_NAME "analytics-rollup"

static enum sh_db_rc schedule_next_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	time_t now = *(const time_t *)ctx;
	time_t due = now - now % HOUR + RUN_AT_MINUTE_S;
	if (due <= now)
		due += HOUR;
	char old[SH_TIME_LEN + 1];
	sh_time_format(due - DAY, old);
	enum sh_db_rc rc = sh_exec(conn,
				   "DELETE FROM notification_schedule WHERE name = $1 AND due_at < $2",
				   SH_ARGS(SH_TEXT(SCHEDULE_NAME), SH_TEXT(old)), NULL);
	if (rc != SH_DB_OK)
		return rc;
	json_t *payload = json_object();
	rc = sh_notify_schedule_once(conn, SCHEDULE_NAME, due, SH_ANALYTICS_ROLLUP_JOB, payload);
	json_decref(payload);
	return rc;
}

enum sh_db_rc sh_analytics_rollup_schedule_next(struct sh_conn *conn)
{
	time_t now = sh_notify_now();
	return sh_conn_transaction(conn, SH_TX_WRITE, schedule_next_in_tx, &now);
}

int sh_analytics_rollup_init(struct sh_app *app, char **error_r)
{
	if (!app->cfg.job_worker)
		return 0;
	struct sh_conn *conn = sh_db_connect(app->db, error_r);
	if (conn == NULL)
		return -1;
	enum sh_db_rc rc = sh_analytics_rollup_schedule_next(conn);
	sh_conn_close(&conn);
	if (rc != SH_DB_OK) {
		*error_r = sh_strdup("cannot queue the analytics rollup");
		return -1;
	}
	return 0;
}

enum sh_job_outcome sh_analytics_rollup_job(struct sh_app *app, struct sh_conn *conn,
					    const struct sh_job *job, const char **error_r)
{
	(void)app, (void)job;
	time_t now = sh_notify_now();
	if (sh_conn_transaction(conn, SH_TX_WRITE, schedule_next_in_tx, &now) != SH_DB_OK) {
		*error_r = "database error queueing the next analytics rollup";
		return SH_JOB_RETRY;
	}
	struct analytics_rollup_counts counts;
	if (analytics_rollup_run(conn, now, &counts) != SH_DB_OK) {
		*error_r = "database error in the analytics rollup";
		return SH_JOB_RETRY; /* the periods written stay; the next run does the rest */
	}
	return SH_JOB_DONE;
}
