/*
 * The SEL figures of each finished Brussels day, per category (analytics_sel_days and
 * analytics_sel_day_categories, migration 0026), kept by the same run as the weeks and
 * months (analytics_rollup.c).
 *
 * Why days: a month the period cuts (the default 13 weeks start mid-month) and the current
 * month cannot use the month's row; they were counted from the raw ledger, 5-18 ms on
 * SQLite at 10,000 families. With the days, such a month is the sum of its rolled-up days
 * (a few dozen rows) plus, at most, the days not rolled up yet (today, and yesterday in the
 * hour after midnight) counted live (analytics_read.c). A day is final once over for the
 * same reason as a week: every SEL row counted carries its completion time, and nothing
 * writes a completion in the past.
 */
#include <string.h>

#include "modules/admin/analytics_queries.h"
#include "modules/admin/analytics_rollup.h"
#include "schoolhub/arena.h"
#include "schoolhub/util.h"

#define DAY 86400

struct day_counts {
	struct sh_arena *arena;
	char day[11], since[SH_TIME_LEN + 1], until[SH_TIME_LEN + 1];
	struct day_category {
		struct day_category *next;
		const char *category;
		int64_t exchanges, units;
	} *first, **end;
	int64_t written; /* 1 when this run wrote the day, 0 when another had */
};

static void on_day_row(void *ctx, const char *period, const char *category, int64_t count,
		       int64_t sum)
{
	(void)period;
	struct day_counts *d = ctx;
	if (category == NULL)
		return;
	struct day_category *c = sh_arena_alloc(d->arena, sizeof(*c));
	*c = (struct day_category){NULL, sh_arena_strdup(d->arena, category), count, sum};
	*d->end = c;
	d->end = &c->next;
}

static enum sh_db_rc count_day(struct sh_conn *conn, void *ctx)
{
	struct day_counts *d = ctx;
	d->first = NULL; /* a repeated snapshot starts over */
	d->end = &d->first;
	/* No rolled-up days ("" to ""): the day's raw rows only. */
	return analytics_sel_month_part(conn, NULL, "", "", d->since, d->until, on_day_row, d);
}

/* The day's row first: whoever inserts it writes the categories, in the same transaction. */
static enum sh_db_rc write_day(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct day_counts *d = ctx;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	enum sh_db_rc rc = sh_exec(conn,
				   "INSERT INTO analytics_sel_days (day, rolled_at) VALUES ($1, $2)"
				   " ON CONFLICT (day) DO NOTHING",
				   SH_ARGS(SH_TEXT(d->day), SH_TEXT(now)), &d->written);
	for (struct day_category *c = d->written == 1 ? d->first : NULL;
	     c != NULL && rc == SH_DB_OK; c = c->next)
		rc = sh_exec(conn,
			     "INSERT INTO analytics_sel_day_categories (day, category, exchanges, units)"
			     " VALUES ($1, $2, $3, $4)",
			     SH_ARGS(SH_TEXT(d->day), SH_TEXT(c->category), SH_INT(c->exchanges),
				     SH_INT(c->units)),
			     NULL);
	return rc;
}

static void day_name(time_t day, char out[11])
{
	struct tm tm;
	gmtime_r(&day, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

enum sh_db_rc analytics_roll_days(struct sh_conn *conn, struct sh_arena *arena, time_t first,
				  time_t today, int *written)
{
	char from[11];
	day_name(first, from);
	const char **done = NULL;
	size_t n_done = 0, at = 0;
	enum sh_db_rc rc = sh_query_texts(conn, arena,
					  "SELECT day FROM analytics_sel_days WHERE day >= $1 ORDER BY day",
					  SH_ARGS(SH_TEXT(from)), &done, &n_done);
	for (time_t t = first; rc == SH_DB_OK && t < today; t += DAY) {
		struct day_counts d = {.arena = arena};
		day_name(t, d.day);
		while (at < n_done && strcmp(done[at], d.day) < 0)
			at++;
		if (at < n_done && strcmp(done[at], d.day) == 0)
			continue;
		sh_time_format(analytics_day_start(t), d.since);
		sh_time_format(analytics_day_start(t + DAY), d.until);
		rc = sh_conn_read_snapshot(conn, count_day, &d);
		if (rc == SH_DB_OK)
			rc = sh_conn_transaction(conn, SH_TX_WRITE, write_day, &d);
		*written += rc == SH_DB_OK && d.written == 1;
	}
	return rc;
}
