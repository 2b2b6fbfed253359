/*
 * The analytics renderer without a server (src/modules/admin/analytics_render.c): the
 * complementary suppression's edge cases, and the CSV of the longest period allowed
 * (two years) built in memory proportional to its size, not to its square.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "modules/admin/analytics.h"
#include "schoolhub/arena.h"

static struct analytics_category *add_category(struct sh_arena *arena,
					       struct analytics_month *m, const char *name,
					       int64_t exchanges)
{
	struct analytics_category *c = sh_arena_alloc(arena, sizeof(*c)), **end;
	c->category = name;
	c->exchanges = exchanges;
	c->units = 60 * exchanges;
	m->exchanges += exchanges;
	m->units += c->units;
	for (end = &m->categories; *end != NULL; end = &(*end)->next)
		;
	*end = c;
	return c;
}

/* One month of categories "counts" (0-terminated) through analytics_protect; returns
 * the withheld flags as a string ("x" withheld, "." not), the total's last. */
static void protect_one(const int64_t *counts, char out[16])
{
	struct sh_arena *arena = sh_arena_create();
	struct analytics *a = sh_arena_alloc(arena, sizeof(*a));
	a->arena = arena;
	a->month_count = 1;
	struct analytics_category *cats[8];
	int n = 0;
	for (; counts[n] != 0; n++)
		cats[n] = add_category(arena, &a->months[0], "c", counts[n]);
	analytics_protect(a);
	for (int i = 0; i < n; i++)
		out[i] = cats[i]->withheld ? 'x' : '.';
	out[n] = a->months[0].withheld ? 'X' : '.';
	out[n + 1] = '\0';
	sh_arena_destroy(&arena);
}

START_TEST(complementary_suppression)
{
	static const struct {
		int64_t counts[6];
		const char *want;
	} cases[] = {
		{{6, 7, 0}, "..."},        /* nothing hidden */
		{{3, 6, 5, 0}, "..x."},    /* a lone "< 5": the next-smallest goes too */
		{{1, 1, 6, 0}, "..x."},    /* 8 - 6 = 2 would make both 1 */
		{{3, 2, 6, 0}, "...."},    /* 11 - 6 = 5: 1+4, 2+3, 3+2 or 4+1 */
		{{4, 4, 0}, "..X"},        /* 8 = 4 + 4: nothing left to withhold but the total */
		{{4, 4, 4, 0}, "...X"},    /* 12 = 4 + 4 + 4: the total goes */
		{{1, 5, 9, 0}, ".xx."},    /* 6 = 1 + 5 still pins: 9 goes as well */
		{{2, 3, 0}, "..."},         /* a "< 5" total: nothing to subtract from */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char got[16];
		protect_one(cases[i].counts, got);
		ck_assert_msg(strcmp(got, cases[i].want) == 0, "case %zu: %s, not %s", i, got,
			      cases[i].want);
	}
}
END_TEST

START_TEST(two_years_of_csv_in_linear_memory)
{
	struct sh_arena *arena = sh_arena_create();
	struct analytics *a = sh_arena_alloc(arena, sizeof(*a));
	a->arena = arena;
	a->from = "2023-01-01";
	a->to = "2024-12-31";
	a->messages = a->events = a->sel = true;
	a->week_count = ANALYTICS_MAX_WEEKS;
	for (int i = 0; i < a->week_count; i++) {
		snprintf(a->weeks[i].monday, sizeof(a->weeks[i].monday), "2023-%02d-%02d",
			 1 + i / 9 % 12, 1 + i % 28);
		for (int k = 0; k < ANALYTICS_WEEKLY_COUNT; k++)
			a->weeks[i].count[k] = 100 + i + k;
	}
	static const char *const names[] = {"childcare", "tutoring", "transport",
					    "cooking", "gardening", "none"};
	a->month_count = 24;
	for (int i = 0; i < a->month_count; i++) {
		snprintf(a->months[i].month, sizeof(a->months[i].month), "%d-%02d", 2023 + i / 12,
			 i % 12 + 1);
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			add_category(arena, &a->months[i], names[k], 10 + (int64_t)k);
	}
	a->floor = -600;
	a->ceiling = 600;
	a->width = 60;
	a->bucket_count = 20;
	for (int i = 0; i < a->bucket_count; i++)
		a->buckets[i] = 7 * i;

	struct sh_request req;
	struct sh_response res;
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.arena = arena;
	size_t before = sh_arena_used(arena);
	analytics_reply_csv(&req, &res, a);
	size_t used = sh_arena_used(arena) - before;
	ck_assert_uint_eq(res.status, 200);
	ck_assert_uint_gt(res.body_len, 25000); /* about 750 lines */
	ck_assert(strncmp(res.body, "figure,period,category,value\r\n", 30) == 0);
	ck_assert_ptr_nonnull(strstr(res.body, "sel_exchanges,\"2024-12\",\"cooking\",\"13\"\r\n"));
	/* The text doubles as it grows: at most about twice its size, plus the headers. */
	ck_assert_msg(used < 3 * res.body_len + 16384, "%zu bytes of arena for %zu of CSV", used,
		      res.body_len);
	sh_arena_destroy(&arena);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("analytics_render");
	TCase *tc = tcase_create("render");
	tcase_add_test(tc, complementary_suppression);
	tcase_add_test(tc, two_years_of_csv_in_linear_memory);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
