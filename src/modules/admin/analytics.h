/*
 * GET /api/v1/admin/analytics: the figures of a period (analytics_routes.c reads them,
 * analytics_render.c writes them as JSON or CSV). Every count of 1 to 4 is written as
 * ANALYTICS_SMALL, never as its number, so that no family can be singled out.
 */
#ifndef SCHOOLHUB_ANALYTICS_H
#define SCHOOLHUB_ANALYTICS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "modules/admin/analytics_queries.h"
#include "schoolhub/http.h"

#define ANALYTICS_SMALL "< 5"
#define ANALYTICS_MAX_DAYS 731 /* two years, a leap day included */
#define ANALYTICS_MAX_WEEKS (ANALYTICS_MAX_DAYS / 7 + 2)
#define ANALYTICS_MAX_MONTHS 26
#define ANALYTICS_BUCKET_UNITS 60 /* one hour */
#define ANALYTICS_MAX_BUCKETS 64

struct analytics_week {
	char monday[11]; /* "YYYY-MM-DD", Brussels */
	time_t start, end; /* its instants, end excluded */
	bool rolled;       /* its counts come from the rollup (analytics_rollup.h) */
	int64_t count[ANALYTICS_WEEKLY_COUNT];
};

struct analytics_category {
	struct analytics_category *next;
	const char *category;
	int64_t exchanges, units;
	bool withheld; /* hidden so that a "< 5" cell can't be recomputed (analytics_protect) */
};

struct analytics_month {
	char month[16]; /* "YYYY-MM" */
	time_t start, end; /* its instants, end excluded */
	bool rolled;
	int64_t exchanges, units;
	bool withheld; /* the total hidden: no category left to hide instead */
	struct analytics_category *categories; /* in the order the database gave them */
};

struct analytics {
	struct sh_arena *arena;
	const char *from, *to;  /* the period asked for, Brussels days */
	const char *since, *until; /* the same as UTC instants, until excluded */
	time_t since_t, until_t;
	bool messages, events, sel; /* the modules on: a module off has no figures */
	int week_count, month_count, bucket_count;
	int64_t floor, ceiling, width; /* the SEL limits, and the units of one bucket */
	struct analytics_week weeks[ANALYTICS_MAX_WEEKS];
	struct analytics_month months[ANALYTICS_MAX_MONTHS];
	int64_t buckets[ANALYTICS_MAX_BUCKETS];
};

/* analytics_read.c: every figure of "a" (its periods laid out), for sh_conn_read_snapshot. */
enum sh_db_rc analytics_read(struct sh_conn *conn, void *a);

/* analytics_render.c */
/* Complementary suppression: marks the extra cells to hide in each month so that the
 * total minus the shown categories never gives a "< 5" cell's count or hours. */
void analytics_protect(struct analytics *a);
void analytics_reply_json(struct sh_request *req, struct sh_response *res,
			  const struct analytics *a);
void analytics_reply_csv(struct sh_request *req, struct sh_response *res,
			 const struct analytics *a);

#endif
