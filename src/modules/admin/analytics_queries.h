/*
 * The figures of GET /api/v1/admin/analytics, each one SQL aggregate (analytics_queries.c):
 * counts per ISO week and per month of Brussels time, and the SEL balances now. Only
 * counts and sums leave the database, never a member's row.
 */
#ifndef SCHOOLHUB_ANALYTICS_QUERIES_H
#define SCHOOLHUB_ANALYTICS_QUERIES_H

#include <stdint.h>

#include "schoolhub/store.h"

/* The weekly series, each counted per week (the week's Monday, "YYYY-MM-DD", Brussels). */
enum analytics_weekly {
	ANALYTICS_ACTIVE,       /* parents who signed in, refreshed a session, booked or wrote */
	ANALYTICS_NEW_ACCOUNTS, /* accounts created (any role) */
	ANALYTICS_MESSAGES,     /* messages posted */
	ANALYTICS_EVENTS,       /* published events starting that week */
	ANALYTICS_WEEKLY_COUNT,
};

/* One row of a figure: its period ("YYYY-MM-DD" Monday, or "YYYY-MM"), a category (NULL
 * when the figure has none), a count and a sum (0 when the figure has none). */
typedef void analytics_row_fn(void *ctx, const char *period, const char *category, int64_t count,
			      int64_t sum);

/* "since" and "until" bound the times (RFC 3339 UTC, until excluded). SH_DB_OK or an error. */
enum sh_db_rc analytics_weekly(struct sh_conn *conn, enum analytics_weekly figure,
			       const char *since, const char *until, analytics_row_fn *fn, void *ctx);
/* ANALYTICS_ACTIVE for [since, until) within one week: the distinct parents, one count. */
enum sh_db_rc analytics_active_in_week(struct sh_conn *conn, const char *since,
				       const char *until, int64_t *count_r);
/* Completed SEL payments and accepted requests per month of completion and per category of
 * their service ("none" without one): count and units. */
enum sh_db_rc analytics_sel_months(struct sh_conn *conn, const char *since, const char *until,
				   analytics_row_fn *fn, void *ctx);
/* The same figures for part of the one month "month" ("YYYY-MM"): the rolled-up days
 * [first_day, rolled_until) ("YYYY-MM-DD", analytics_sel_days) plus the raw rows
 * completed in [since, until); rows by category, "month" as their period. */
enum sh_db_rc analytics_sel_month_part(struct sh_conn *conn, const char *month,
				       const char *first_day, const char *rolled_until,
				       const char *since, const char *until, analytics_row_fn *fn,
				       void *ctx);
/*
 * Members' SEL balances in buckets of "width" units from "floor": bucket i holds
 * floor + i*width <= balance < floor + (i+1)*width; below the floor counts in 0, from the
 * last bucket's start up (the ceiling included) in "last". Rows: period and category NULL,
 * the count, and the bucket number as "sum".
 */
enum sh_db_rc analytics_balances(struct sh_conn *conn, int64_t floor, int64_t width, int64_t last,
				 analytics_row_fn *fn, void *ctx);

/*
 * The rollup (analytics_rollup.h): the rolled-up weeks whose Monday is in [first, last]
 * ("YYYY-MM-DD"), each with its counts in enum analytics_weekly's order; and the rolled-up
 * months in [first, last] ("YYYY-MM"), by month then category as analytics_sel_months
 * orders them, a month without exchanges once with category NULL.
 */
typedef void analytics_week_fn(void *ctx, const char *monday,
			       const int64_t count[ANALYTICS_WEEKLY_COUNT]);
enum sh_db_rc analytics_rolled_weeks(struct sh_conn *conn, const char *first, const char *last,
				     analytics_week_fn *fn, void *ctx);
enum sh_db_rc analytics_rolled_months(struct sh_conn *conn, const char *first, const char *last,
				      analytics_row_fn *fn, void *ctx);

#endif
