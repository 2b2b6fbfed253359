/*
 * The analytics as JSON or CSV (analytics.h). Both go through one rule: a count of 1 to 4
 * is written as ANALYTICS_SMALL ("< 5"), and a sum over so few rows (the SEL units of a
 * month or a category) as null in JSON and an empty cell in CSV; 0 stays 0.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "modules/admin/analytics.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/util.h"

static bool is_small(int64_t count)
{
	return count >= 1 && count <= 4;
}

/* "2026-W49" for the week starting on Monday "monday": the ISO year is its Thursday's. */
static void iso_week(const char *monday, char out[16])
{
	time_t t = 0;
	struct tm tm;
	if (sh_date_parse(monday, &t) != 0) {
		snprintf(out, 16, "%.8s", monday);
		return;
	}
	t += 3 * 86400;
	gmtime_r(&t, &tm);
	snprintf(out, 16, "%04d-W%02d", (tm.tm_year + 1900) % 10000, (tm.tm_yday / 7 + 1) % 100);
}

static void jw_count(struct sh_jw *w, const char *key, int64_t count)
{
	sh_jw_key(w, key);
	if (is_small(count))
		sh_jw_string(w, ANALYTICS_SMALL);
	else
		sh_jw_int(w, count);
}

/* A sum over "count" rows: null when the count is hidden. */
static void jw_sum(struct sh_jw *w, const char *key, int64_t count, int64_t sum)
{
	sh_jw_key(w, key);
	if (is_small(count))
		sh_jw_null(w);
	else
		sh_jw_int(w, sum);
}

static const char *const weekly_key[ANALYTICS_WEEKLY_COUNT] = {
	"active_families", "new_accounts", "messages", "events"};

static bool weekly_on(const struct analytics *a, int k)
{
	return (k != ANALYTICS_MESSAGES || a->messages) && (k != ANALYTICS_EVENTS || a->events);
}

static void json_weeks(struct sh_jw *w, const struct analytics *a)
{
	sh_jw_key(w, "weeks");
	sh_jw_array_begin(w);
	for (int i = 0; i < a->week_count; i++) {
		char week[16];
		iso_week(a->weeks[i].monday, week);
		sh_jw_object_begin(w);
		sh_jw_kstring(w, "week", week);
		sh_jw_kstring(w, "starts", a->weeks[i].monday);
		for (int k = 0; k < ANALYTICS_WEEKLY_COUNT; k++)
			if (weekly_on(a, k))
				jw_count(w, weekly_key[k], a->weeks[i].count[k]);
		sh_jw_object_end(w);
	}
	sh_jw_array_end(w);
}

static void json_months(struct sh_jw *w, const struct analytics *a)
{
	sh_jw_key(w, "months");
	sh_jw_array_begin(w);
	for (int i = 0; i < a->month_count; i++) {
		const struct analytics_month *m = &a->months[i];
		sh_jw_object_begin(w);
		sh_jw_kstring(w, "month", m->month);
		jw_count(w, "exchanges", m->exchanges);
		jw_sum(w, "units", m->exchanges, m->units);
		sh_jw_key(w, "categories");
		sh_jw_array_begin(w);
		for (const struct analytics_category *c = m->categories; c != NULL; c = c->next) {
			sh_jw_object_begin(w);
			sh_jw_kstring(w, "category", c->category);
			jw_count(w, "exchanges", c->exchanges);
			jw_sum(w, "units", c->exchanges, c->units);
			sh_jw_object_end(w);
		}
		sh_jw_array_end(w);
		sh_jw_object_end(w);
	}
	sh_jw_array_end(w);
}

/* Bucket "i"'s bounds: [lo, hi), the last one up to the ceiling included. */
static void bucket_bounds(const struct analytics *a, int i, int64_t *lo, int64_t *hi)
{
	*lo = a->floor + i * a->width;
	*hi = i == a->bucket_count - 1 ? a->ceiling : *lo + a->width;
}

static void json_balances(struct sh_jw *w, const struct analytics *a)
{
	sh_jw_key(w, "balances");
	sh_jw_object_begin(w);
	sh_jw_kint(w, "floor", a->floor);
	sh_jw_kint(w, "ceiling", a->ceiling);
	sh_jw_kint(w, "bucket_units", a->width);
	jw_count(w, "near_floor", a->buckets[0]);
	jw_count(w, "near_ceiling", a->buckets[a->bucket_count - 1]);
	sh_jw_key(w, "buckets");
	sh_jw_array_begin(w);
	for (int i = 0; i < a->bucket_count; i++) {
		int64_t lo, hi;
		bucket_bounds(a, i, &lo, &hi);
		sh_jw_object_begin(w);
		sh_jw_kint(w, "from", lo);
		sh_jw_kint(w, "to", hi);
		jw_count(w, "members", a->buckets[i]);
		sh_jw_object_end(w);
	}
	sh_jw_array_end(w);
	sh_jw_object_end(w);
}

void analytics_reply_json(struct sh_request *req, struct sh_response *res,
			  const struct analytics *a)
{
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_jw_object_begin(&w);
	sh_jw_kstring(&w, "from", a->from);
	sh_jw_kstring(&w, "to", a->to);
	sh_jw_kstring(&w, "small_count", ANALYTICS_SMALL);
	json_weeks(&w, a);
	if (a->sel) {
		sh_jw_key(&w, "sel");
		sh_jw_object_begin(&w);
		sh_jw_kint(&w, "units_per_hour", 60);
		json_months(&w, a);
		json_balances(&w, a);
		sh_jw_object_end(&w);
	}
	sh_jw_object_end(&w);
	sh_reply_jw(req, res, 200, &w);
}

/* --- CSV: one figure per line: figure,period,category,value ------------------------- */

struct csv {
	struct sh_arena *arena;
	char *text;
};

/* A quoted cell, quotes doubled, a leading = + - @ tab or CR neutralised with a ' so that
 * a spreadsheet never runs it as a formula (as the SEL statement's CSV does). */
static const char *csv_cell(struct sh_arena *arena, const char *s)
{
	bool risky = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
	char *out = sh_arena_alloc(arena, 2 * strlen(s) + 4), *o = out;
	*o++ = '"';
	if (risky)
		*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			*o++ = '"';
		*o++ = *p;
	}
	*o++ = '"';
	return out;
}

static void csv_line(struct csv *c, const char *figure, const char *period, const char *category,
		     const char *value)
{
	c->text = sh_arena_printf(c->arena, "%s%s,%s,%s,%s\r\n", c->text, figure,
				  csv_cell(c->arena, period), csv_cell(c->arena, category),
				  csv_cell(c->arena, value));
}

static const char *csv_count(struct sh_arena *arena, int64_t count)
{
	return is_small(count) ? ANALYTICS_SMALL : sh_arena_printf(arena, "%" PRId64, count);
}

/* Hours with two decimals, empty when the count is hidden. */
static const char *csv_hours(struct sh_arena *arena, int64_t count, int64_t units)
{
	return is_small(count) ? "" : sh_arena_printf(arena, "%.2f", (double)units / 60.0);
}

static void csv_sel(struct csv *c, const struct analytics *a)
{
	for (int i = 0; i < a->month_count; i++) {
		const struct analytics_month *m = &a->months[i];
		csv_line(c, "sel_exchanges", m->month, "", csv_count(c->arena, m->exchanges));
		csv_line(c, "sel_hours", m->month, "", csv_hours(c->arena, m->exchanges, m->units));
		for (const struct analytics_category *k = m->categories; k != NULL; k = k->next) {
			csv_line(c, "sel_exchanges", m->month, k->category,
				 csv_count(c->arena, k->exchanges));
			csv_line(c, "sel_hours", m->month, k->category,
				 csv_hours(c->arena, k->exchanges, k->units));
		}
	}
	for (int i = 0; i < a->bucket_count; i++) {
		int64_t lo, hi;
		bucket_bounds(a, i, &lo, &hi);
		const char *range = sh_arena_printf(c->arena, "[%" PRId64 " %s %" PRId64 "%s", lo,
						    "..", hi, i == a->bucket_count - 1 ? "]" : "[");
		csv_line(c, "sel_balance_members", range, "", csv_count(c->arena, a->buckets[i]));
	}
}

void analytics_reply_csv(struct sh_request *req, struct sh_response *res,
			 const struct analytics *a)
{
	struct csv c = {req->arena, "figure,period,category,value\r\n"};
	for (int i = 0; i < a->week_count; i++) {
		char week[16];
		iso_week(a->weeks[i].monday, week);
		for (int k = 0; k < ANALYTICS_WEEKLY_COUNT; k++)
			if (weekly_on(a, k))
				csv_line(&c, weekly_key[k], week, "",
					 csv_count(req->arena, a->weeks[i].count[k]));
	}
	if (a->sel)
		csv_sel(&c, a);
	sh_res_header(res, "Content-Disposition",
		      sh_arena_printf(req->arena, "attachment; filename=\"analytics-%s-%s.csv\"",
				      a->from, a->to));
	sh_reply_raw(res, 200, "text/csv; charset=utf-8", c.text, strlen(c.text));
}
