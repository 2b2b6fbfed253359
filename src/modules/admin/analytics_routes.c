/*
 * GET /api/v1/admin/analytics?from=&to=: aggregates for the school's admins (issue #15).
 * The period is two Brussels days (both included; by default the 13 weeks up to today),
 * at most two years. Every figure is read in one snapshot (analytics_read.c: the rollup
 * for the weeks and months that are over, SQL aggregates for the rest) and placed in its
 * week, month or bucket, so that empty periods show as 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "modules/admin/admin_routes.h"
#include "modules/admin/analytics.h"
#include "modules/admin/analytics_rollup.h"
#include "modules/sel/sel_settings.h"
#include "schoolhub/app.h"
#include "schoolhub/util.h"

#define DAY 86400
#define DEFAULT_DAYS 91


/* The instant "t" as RFC 3339 UTC text. */
static const char *time_text(struct sh_arena *arena, time_t t)
{
	char *out = sh_arena_alloc(arena, SH_TIME_LEN + 1);
	sh_time_format(t, out);
	return out;
}

static void day_text(time_t day, char out[11])
{
	struct tm tm;
	gmtime_r(&day, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The first day of month "m" (year * 12 + month - 1), as a UTC midnight. */
static time_t month_day(int m)
{
	struct tm tm = {.tm_year = m / 12 - 1900, .tm_mon = m % 12, .tm_mday = 1};
	return timegm(&tm);
}

/* The weeks (from the Monday of "from"'s week) and the months of the period, with the
 * instants each begins and ends (Brussels midnights), which say whether the period asked
 * for covers it whole (analytics_read.c). */
static void lay_out_periods(struct analytics *a, time_t from, time_t to)
{
	struct tm tm;
	gmtime_r(&from, &tm);
	time_t monday = from - (time_t)((tm.tm_wday + 6) % 7) * DAY;
	for (time_t d = monday; d <= to && a->week_count < ANALYTICS_MAX_WEEKS; d += 7 * DAY) {
		struct analytics_week *w = &a->weeks[a->week_count++];
		day_text(d, w->monday);
		w->start = analytics_day_start(d);
		w->end = analytics_day_start(d + 7 * DAY);
	}
	int first = (tm.tm_year + 1900) * 12 + tm.tm_mon;
	gmtime_r(&to, &tm);
	int last = (tm.tm_year + 1900) * 12 + tm.tm_mon;
	for (int m = first; m <= last && a->month_count < ANALYTICS_MAX_MONTHS; m++) {
		struct analytics_month *mo = &a->months[a->month_count++];
		snprintf(mo->month, 16, "%04d-%02d", (m / 12) % 10000, m % 12 + 1);
		mo->start = analytics_day_start(month_day(m));
		mo->end = analytics_day_start(month_day(m + 1));
	}
}

/* Reads from= and to= into "a": 0, or -1 after replying 422. */
static int period_or_reply(struct sh_request *req, struct sh_response *res, struct analytics *a)
{
	const char *from = sh_req_query(req, "from"), *to = sh_req_query(req, "to");
	const char *format = sh_req_query(req, "format");
	struct sh_validation v = {0};
	time_t t_to = analytics_brussels_day(time(NULL)), t_from = 0;
	if (to != NULL && sh_date_parse(to, &t_to) != 0)
		sh_validation_add(&v, "to", "invalid_date");
	t_from = t_to - (DEFAULT_DAYS - 1) * DAY;
	if (from != NULL && sh_date_parse(from, &t_from) != 0)
		sh_validation_add(&v, "from", "invalid_date");
	if (v.count == 0 && t_from > t_to)
		sh_validation_add(&v, "from", "out_of_range");
	else if (v.count == 0 && (t_to - t_from) / DAY + 1 > ANALYTICS_MAX_DAYS)
		sh_validation_add(&v, "to", "range_too_long");
	if (format != NULL && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
		sh_validation_add(&v, "format", "invalid_value");
	if (sh_validation_or_reply(req, res, &v) != 0)
		return -1;
	char *day = sh_arena_alloc(req->arena, 22);
	day_text(t_from, day);
	day_text(t_to, day + 11);
	a->from = day;
	a->to = day + 11;
	a->since_t = analytics_day_start(t_from);
	a->until_t = analytics_day_start(t_to + DAY); /* "to" is a whole day */
	a->since = time_text(req->arena, a->since_t);
	a->until = time_text(req->arena, a->until_t);
	lay_out_periods(a, t_from, t_to);
	return 0;
}

/* The SEL limits and buckets of one hour between them (wider should there be too many). */
static void lay_out_buckets(struct analytics *a, const struct sh_sel_limits *limits)
{
	a->floor = limits->min;
	a->ceiling = limits->max > limits->min ? limits->max : limits->min + 1;
	int64_t span = a->ceiling - a->floor;
	a->width = ANALYTICS_BUCKET_UNITS;
	if (span > a->width * ANALYTICS_MAX_BUCKETS)
		a->width = (span + ANALYTICS_MAX_BUCKETS - 1) / ANALYTICS_MAX_BUCKETS;
	a->bucket_count = (int)((span + a->width - 1) / a->width);
}

static bool wants_csv(struct sh_request *req)
{
	const char *format = sh_req_query(req, "format"), *accept = sh_req_header(req, "Accept");
	if (format != NULL)
		return strcmp(format, "csv") == 0;
	return accept != NULL && strstr(accept, "text/csv") != NULL;
}

void admin_analytics_get(struct sh_request *req, struct sh_response *res)
{
	struct analytics *a = sh_arena_alloc(req->arena, sizeof(*a));
	a->arena = req->arena;
	if (period_or_reply(req, res, a) != 0)
		return;
	unsigned on = sh_modules_on(req->app);
	a->messages = (on & SH_MODULE_MESSAGES) != 0;
	a->events = (on & SH_MODULE_EVENTS) != 0;
	a->sel = (on & SH_MODULE_SEL) != 0;
	lay_out_buckets(a, sh_sel_settings(&req->app->cfg));
	enum sh_db_rc rc = sh_conn_read_snapshot(req->db, analytics_read, a);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	analytics_protect(a);
	if (wants_csv(req))
		analytics_reply_csv(req, res, a);
	else
		analytics_reply_json(req, res, a);
}
