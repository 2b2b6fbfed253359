/*
 * The analytics as JSON or CSV (analytics.h). Both go through one rule: a count of 1 to 4
 * is written as ANALYTICS_SMALL ("< 5"), and a sum over so few rows (the SEL units of a
 * month or a category) as null in JSON and an empty cell in CSV; 0 stays 0.
 *
 * A month's total is the sum of its categories, so hiding a small cell is not enough:
 * analytics_protect also withholds (count and sum null, empty in CSV) the next-smallest
 * categories until the hidden cells' sum no longer pins any of them (see there).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "modules/admin/analytics.h"
#include "schoolhub/csv.h"
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

/*
 * Why categories and not the total: the monthly chart plots the totals, the categories are
 * a table under it; withholding a category keeps every bar. The reader knows a shown total
 * T, the shown categories, that a "< 5" cell is 1 to 4 and a withheld one 5 or more (else
 * it would read "< 5"). The hidden cells' sum R = T - shown is then pinned, and every
 * hidden cell with it, when a single cell is hidden or when R is the least (or, with no
 * withheld cell, the most) the hidden cells could sum to. While that holds, the smallest
 * shown category is withheld too; with none left, the month's total is withheld.
 * Hours follow the counts: with two cells or more hidden, their sum no longer splits.
 */
static bool pinned(const struct analytics_month *m)
{
	int64_t rest = m->exchanges, least = 0, most = 0;
	int hidden = 0;
	bool open_ended = false;
	for (const struct analytics_category *c = m->categories; c != NULL; c = c->next) {
		if (!is_small(c->exchanges) && !c->withheld) {
			rest -= c->exchanges;
			continue;
		}
		hidden++;
		least += c->withheld ? 5 : 1;
		most += 4;
		open_ended = open_ended || c->withheld;
	}
	return hidden == 1 || (hidden > 1 && (rest == least || (!open_ended && rest == most)));
}

static void protect_month(struct analytics_month *m)
{
	if (m->exchanges == 0 || is_small(m->exchanges))
		return; /* a hidden total gives nothing to subtract from */
	while (pinned(m)) {
		struct analytics_category *smallest = NULL;
		for (struct analytics_category *c = m->categories; c != NULL; c = c->next)
			if (!is_small(c->exchanges) && !c->withheld && c->exchanges > 0 &&
			    (smallest == NULL || c->exchanges < smallest->exchanges))
				smallest = c;
		if (smallest == NULL) {
			m->withheld = true;
			return;
		}
		smallest->withheld = true;
	}
}

void analytics_protect(struct analytics *a)
{
	for (int i = 0; i < a->month_count; i++)
		protect_month(&a->months[i]);
}

static void jw_cell(struct sh_jw *w, const char *key, bool withheld, int64_t count, int64_t sum)
{
	if (withheld) {
		sh_jw_key(w, "exchanges");
		sh_jw_null(w);
		sh_jw_key(w, key);
		sh_jw_null(w);
		return;
	}
	jw_count(w, "exchanges", count);
	jw_sum(w, key, count, sum);
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
		jw_cell(w, "units", m->withheld, m->exchanges, m->units);
		sh_jw_key(w, "categories");
		sh_jw_array_begin(w);
		for (const struct analytics_category *c = m->categories; c != NULL; c = c->next) {
			sh_jw_object_begin(w);
			sh_jw_kstring(w, "category", c->category);
			jw_cell(w, "units", c->withheld, c->exchanges, c->units);
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

/* A quoted cell, quotes doubled, a leading = + - @ tab or CR neutralised with a ' so that
 * a spreadsheet never runs it as a formula (as the SEL statement's CSV does). The cells
 * are separated by ',' here (the file's format since it shipped), so sh_csv_text (';') is
 * not used; the text grows in place (sh_arena_text), never copied whole per line. */
static void csv_cell(struct sh_arena_text *t, const char *s, const char *after)
{
	sh_arena_text_add(t, "\"", 1);
	if (s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
		sh_arena_text_add(t, "'", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			sh_arena_text_add(t, "\"\"", 2);
		else
			sh_arena_text_add(t, p, 1);
	}
	sh_arena_text_add(t, after, strlen(after));
}

static void csv_line(struct sh_arena_text *t, const char *figure, const char *period,
		     const char *category, const char *value)
{
	sh_arena_text_add(t, figure, strlen(figure));
	sh_arena_text_add(t, ",", 1);
	csv_cell(t, period, "\",");
	csv_cell(t, category, "\",");
	csv_cell(t, value, "\"\r\n");
}

/* The count as text in "buf", "< 5" or "" (withheld). */
static const char *csv_count(char buf[32], bool withheld, int64_t count)
{
	if (withheld)
		return "";
	if (is_small(count))
		return ANALYTICS_SMALL;
	snprintf(buf, 32, "%" PRId64, count);
	return buf;
}

/* Hours with two decimals, empty when the count is hidden. */
static const char *csv_hours(char buf[32], bool withheld, int64_t count, int64_t units)
{
	if (withheld || is_small(count))
		return "";
	snprintf(buf, 32, "%.2f", (double)units / 60.0);
	return buf;
}

static void csv_month(struct sh_arena_text *t, const struct analytics_month *m)
{
	char buf[32];
	csv_line(t, "sel_exchanges", m->month, "", csv_count(buf, m->withheld, m->exchanges));
	csv_line(t, "sel_hours", m->month, "", csv_hours(buf, m->withheld, m->exchanges, m->units));
	for (const struct analytics_category *k = m->categories; k != NULL; k = k->next) {
		csv_line(t, "sel_exchanges", m->month, k->category,
			 csv_count(buf, k->withheld, k->exchanges));
		csv_line(t, "sel_hours", m->month, k->category,
			 csv_hours(buf, k->withheld, k->exchanges, k->units));
	}
}

static void csv_sel(struct sh_arena_text *t, const struct analytics *a)
{
	char buf[32], range[64];
	for (int i = 0; i < a->month_count; i++)
		csv_month(t, &a->months[i]);
	for (int i = 0; i < a->bucket_count; i++) {
		int64_t lo, hi;
		bucket_bounds(a, i, &lo, &hi);
		snprintf(range, sizeof(range), "[%" PRId64 " .. %" PRId64 "%s", lo, hi,
			 i == a->bucket_count - 1 ? "]" : "[");
		csv_line(t, "sel_balance_members", range, "", csv_count(buf, false, a->buckets[i]));
	}
}

void analytics_reply_csv(struct sh_request *req, struct sh_response *res,
			 const struct analytics *a)
{
	static const char head[] = "figure,period,category,value\r\n";
	struct sh_arena_text t = {.arena = req->arena};
	sh_arena_text_add(&t, head, sizeof(head) - 1);
	char buf[32];
	for (int i = 0; i < a->week_count; i++) {
		char week[16];
		iso_week(a->weeks[i].monday, week);
		for (int k = 0; k < ANALYTICS_WEEKLY_COUNT; k++)
			if (weekly_on(a, k))
				csv_line(&t, weekly_key[k], week, "",
					 csv_count(buf, false, a->weeks[i].count[k]));
	}
	if (a->sel)
		csv_sel(&t, a);
	sh_res_header(res, "Content-Disposition",
		      sh_arena_printf(req->arena, "attachment; filename=\"analytics-%s-%s.csv\"",
				      a->from, a->to));
	sh_reply_raw(res, 200, "text/csv; charset=utf-8", t.data, t.len);
}
