/*
 * The analytics rollup (issue #15): the figures of every Brussels week and month that is
 * over, counted once into analytics_weeks / analytics_months / analytics_month_categories
 * (migration 0025) by the hourly job admin.analytics_rollup and by
 * `schoolhub analytics rollup`. GET /api/v1/admin/analytics reads those rows and counts
 * only what they do not cover (analytics_routes.c).
 */
#ifndef SCHOOLHUB_ANALYTICS_ROLLUP_H
#define SCHOOLHUB_ANALYTICS_ROLLUP_H

#include <time.h>

#include "schoolhub/jobs.h"
#include "schoolhub/store.h"

struct sh_app;

#define SH_ANALYTICS_ROLLUP_JOB "admin.analytics_rollup"
/* How far back a first run (the backfill) goes: ten years of weeks. Older periods, should
 * a row be that old, are counted live by the request, as before the rollup. */
#define ANALYTICS_ROLLUP_MAX_WEEKS 530
/* And of days (the SEL per day, analytics_rollup_days.c): a little over two years, the
 * longest period asked for; an older month cut by a period is counted live. */
#define ANALYTICS_ROLLUP_MAX_DAYS 800

/* The instant (UTC) the Brussels day "day" (a UTC midnight, as sh_date_parse gives) starts. */
time_t analytics_day_start(time_t day);
/* The Brussels day of "t", as a UTC midnight. */
time_t analytics_brussels_day(time_t t);

/* What a run wrote (periods another instance wrote first are not counted). */
struct analytics_rollup_counts {
	int weeks, months, days;
};
/*
 * Rolls up every week, month and day (SEL only) that ended before "now" and has no row yet, from the
 * oldest row of the counted tables (at most ANALYTICS_ROLLUP_MAX_WEEKS back). Each period
 * is counted in its own read snapshot and written in its own short write transaction
 * (INSERT ... ON CONFLICT DO NOTHING on the period's key), so a backfill never holds
 * SQLite's write lock for more than one period's insert, and two instances running at
 * once write each period once. SH_DB_OK or the first error (what is written stays).
 */
enum sh_db_rc analytics_rollup_run(struct sh_conn *conn, time_t now,
				   struct analytics_rollup_counts *counts_r);

/* Rolls up the SEL figures of every Brussels day in [first, today) (UTC midnights naming
 * them) that has no row yet, each counted in its own read snapshot and written in its own
 * short transaction, as the weeks and months; adds the days it wrote to "*written". */
struct sh_arena;
enum sh_db_rc analytics_roll_days(struct sh_conn *conn, struct sh_arena *arena, time_t first,
				  time_t today, int *written);

/* Queues the next hourly run (:10 past the hour on the notification clock) once across
 * instances; _init does it at start-up, for instances that run jobs only. */
enum sh_db_rc sh_analytics_rollup_schedule_next(struct sh_conn *conn);
int sh_analytics_rollup_init(struct sh_app *app, char **error_r);
enum sh_job_outcome sh_analytics_rollup_job(struct sh_app *app, struct sh_conn *conn,
					    const struct sh_job *job, const char **error_r);

#endif
