/*
 * Every figure of GET /api/v1/admin/analytics (analytics.h), in one read snapshot: the
 * rollup's rows for the weeks and months that are over and that the period asked for
 * covers whole, SQL aggregates over the raw tables for the rest (analytics_queries.c).
 *
 * What is counted live: the current week and month (never rolled up), a first or last
 * week or month the period cuts (from= on a Wednesday counts from that Wednesday, as
 * before the rollup), and a finished period the job has not rolled up yet (the hour after
 * a week ends, or before the first run's backfill). The last is counted, not filled in:
 * a GET writes nothing, and the answer is the same either way. Each run of consecutive
 * weeks not rolled up is one query per figure over just those weeks, so a request reads
 * at most a week of raw rows at each end of the period, once the rollup is there. A month
 * not rolled up is one statement of its own: its rolled-up days (analytics_rollup_days.c)
 * plus the raw rows of the days after them, today's once the rollup is there.
 */
#include <string.h>
#include <time.h>

#include "modules/admin/analytics.h"
#include "modules/admin/analytics_rollup.h"
#include "schoolhub/util.h"

#define DAY 86400

/* Where a figure's rows go: the analytics and, for a weekly one, which figure. */
struct fill {
	struct analytics *a;
	enum analytics_weekly figure;
};

static void on_week(void *ctx, const char *period, const char *category, int64_t count,
		    int64_t sum)
{
	(void)category, (void)sum;
	struct fill *f = ctx;
	for (int i = 0; period != NULL && i < f->a->week_count; i++)
		if (strcmp(f->a->weeks[i].monday, period) == 0 && !f->a->weeks[i].rolled)
			f->a->weeks[i].count[f->figure] = count;
}

static void on_sel_month(void *ctx, const char *period, const char *category, int64_t count,
			 int64_t sum)
{
	struct fill *f = ctx;
	for (int i = 0; period != NULL && category != NULL && i < f->a->month_count; i++) {
		struct analytics_month *m = &f->a->months[i];
		if (strcmp(m->month, period) != 0)
			continue;
		m->exchanges += count;
		m->units += sum;
		struct analytics_category *c = sh_arena_alloc(f->a->arena, sizeof(*c)), **end;
		*c = (struct analytics_category){NULL, sh_arena_strdup(f->a->arena, category), count,
						 sum, false};
		for (end = &m->categories; *end != NULL; end = &(*end)->next)
			;
		*end = c; /* in the order of the query: by category */
	}
}

static void on_bucket(void *ctx, const char *period, const char *category, int64_t count,
		      int64_t bucket)
{
	(void)period, (void)category;
	struct fill *f = ctx;
	if (bucket >= 0 && bucket < f->a->bucket_count)
		f->a->buckets[bucket] = count;
}

/* Does the period asked for cover [start, end) whole? Only then is a rolled-up row its
 * answer: a cut period counts only the rows inside the period. */
static bool covered(const struct analytics *a, time_t start, time_t end)
{
	return start >= a->since_t && end <= a->until_t;
}

static void on_rolled_week(void *ctx, const char *monday,
			   const int64_t count[ANALYTICS_WEEKLY_COUNT])
{
	struct analytics *a = ctx;
	for (int i = 0; monday != NULL && i < a->week_count; i++) {
		struct analytics_week *w = &a->weeks[i];
		if (strcmp(w->monday, monday) != 0 || !covered(a, w->start, w->end))
			continue;
		memcpy(w->count, count, sizeof(w->count));
		w->rolled = true;
	}
}

static void on_rolled_month(void *ctx, const char *period, const char *category, int64_t count,
			    int64_t sum)
{
	struct fill *f = ctx;
	for (int i = 0; period != NULL && i < f->a->month_count; i++) {
		struct analytics_month *m = &f->a->months[i];
		if (strcmp(m->month, period) != 0 || !covered(f->a, m->start, m->end))
			continue;
		m->rolled = true; /* a month without exchanges comes once, category NULL */
		if (category != NULL)
			on_sel_month(ctx, period, category, count, sum);
	}
}

/* [since, until) of the run of periods [first, last] (their instants), cut to the period
 * asked for, as RFC 3339 text. */
struct span {
	char since[SH_TIME_LEN + 1], until[SH_TIME_LEN + 1];
};

static void span_of(const struct analytics *a, time_t first, time_t last, struct span *s)
{
	sh_time_format(first > a->since_t ? first : a->since_t, s->since);
	sh_time_format(last < a->until_t ? last : a->until_t, s->until);
}

/* The weekly figures that are "on", live, for each run of weeks not rolled up. */
static enum sh_db_rc live_weeks(struct sh_conn *conn, struct analytics *a, const bool *on)
{
	enum sh_db_rc rc = SH_DB_OK;
	for (int i = 0, j; i < a->week_count && rc == SH_DB_OK; i = j) {
		for (j = i; j < a->week_count && !a->weeks[j].rolled; j++)
			;
		if (j == i) {
			j++;
			continue;
		}
		struct span s;
		span_of(a, a->weeks[i].start, a->weeks[j - 1].end, &s);
		int k = 0;
		if (j - i == 1) /* the usual case: the current week, or a week the period cuts */
			rc = analytics_active_in_week(conn, s.since, s.until,
						      &a->weeks[i].count[k++]);
		for (; k < ANALYTICS_WEEKLY_COUNT && rc == SH_DB_OK; k++) {
			struct fill f = {a, (enum analytics_weekly)k};
			if (on[k])
				rc = analytics_weekly(conn, f.figure, s.since, s.until, on_week, &f);
		}
	}
	return rc;
}

static void day_name(time_t day, char out[11])
{
	struct tm tm;
	gmtime_r(&day, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/*
 * A month not rolled up (the current one, one the period cuts, one the job has not reached):
 * its part inside the period, [since, until), from the day rollup (analytics_sel_days)
 * for the run of rolled-up days from "since" on, and from the raw rows for the rest, in
 * one statement. The rest is today (and yesterday in the hour after midnight), or the
 * whole part when its first day has no row (a period older than the days kept). Days
 * after a day not rolled up are counted live too, so the sum never has a hole.
 */
static enum sh_db_rc month_not_rolled(struct sh_conn *conn, struct analytics *a,
				      const struct analytics_month *m)
{
	time_t since = m->start > a->since_t ? m->start : a->since_t;
	time_t until = m->end < a->until_t ? m->end : a->until_t;
	time_t day = analytics_brussels_day(since), end_day = analytics_brussels_day(until);
	char first[11], last[11], rolled_until[11];
	day_name(day, first);
	day_name(end_day, last);
	const char **rolled = NULL;
	size_t n = 0;
	enum sh_db_rc rc = sh_query_texts(
		conn, a->arena,
		"SELECT day FROM analytics_sel_days WHERE day >= $1 AND day < $2 ORDER BY day",
		SH_ARGS(SH_TEXT(first), SH_TEXT(last)), &rolled, &n);
	for (size_t i = 0; rc == SH_DB_OK && i < n && day < end_day; i++, day += DAY) {
		day_name(day, rolled_until);
		if (strcmp(rolled[i], rolled_until) != 0)
			break;
	}
	if (rc != SH_DB_OK)
		return rc;
	day_name(day, rolled_until);
	time_t live = day < end_day ? analytics_day_start(day) : until;
	struct span s;
	sh_time_format(live, s.since);
	sh_time_format(until, s.until);
	struct fill f = {a, ANALYTICS_ACTIVE};
	return analytics_sel_month_part(conn, m->month, first, rolled_until, s.since, s.until,
					on_sel_month, &f);
}

static enum sh_db_rc live_months(struct sh_conn *conn, struct analytics *a)
{
	enum sh_db_rc rc = SH_DB_OK;
	for (int i = 0; i < a->month_count && rc == SH_DB_OK; i++)
		if (!a->months[i].rolled)
			rc = month_not_rolled(conn, a, &a->months[i]);
	return rc;
}

enum sh_db_rc analytics_read(struct sh_conn *conn, void *ctx)
{
	struct analytics *a = ctx;
	bool on[ANALYTICS_WEEKLY_COUNT] = {true, true, a->messages, a->events};
	enum sh_db_rc rc = SH_DB_OK;
	if (a->week_count > 0)
		rc = analytics_rolled_weeks(conn, a->weeks[0].monday,
					    a->weeks[a->week_count - 1].monday, on_rolled_week, a);
	if (rc == SH_DB_OK)
		rc = live_weeks(conn, a, on);
	struct fill f = {a, ANALYTICS_ACTIVE};
	if (rc == SH_DB_OK && a->sel && a->month_count > 0)
		rc = analytics_rolled_months(conn, a->months[0].month,
					     a->months[a->month_count - 1].month, on_rolled_month, &f);
	if (rc == SH_DB_OK && a->sel)
		rc = live_months(conn, a);
	if (rc == SH_DB_OK && a->sel)
		rc = analytics_balances(conn, a->floor, a->width, a->bucket_count - 1, on_bucket, &f);
	return rc;
}
