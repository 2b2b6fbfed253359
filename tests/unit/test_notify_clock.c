/*
 * Quiet hours in Brussels time (the clock itself: test_brussels_time.c): they end at the
 * right instant across both DST changes, over weekends, and with hours that do not cross
 * midnight.
 */
#include <check.h>
#include <time.h>

#include "modules/notifications/notify.h"

static time_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return timegm(&tm);
}

static struct notify_prefs prefs(int start_h, int end_h, bool weekends)
{
	struct notify_prefs p;
	notify_prefs_defaults(&p);
	p.quiet_start = start_h * 60;
	p.quiet_end = end_h * 60;
	p.quiet_weekends = weekends;
	return p;
}

START_TEST(quiet_hours_across_dst)
{
	struct notify_prefs p = prefs(20, 7, false);
	/* Saturday 27 March 2027, 22:00 CET -> Sunday 07:00 CEST = 05:00 UTC (8 hours). */
	ck_assert_int_eq(notify_quiet_end(&p, utc(2027, 3, 27, 21, 0)), utc(2027, 3, 28, 5, 0));
	/* Saturday 30 October 2027, 22:00 CEST -> Sunday 07:00 CET = 06:00 UTC (10 hours). */
	ck_assert_int_eq(notify_quiet_end(&p, utc(2027, 10, 30, 20, 0)), utc(2027, 10, 31, 6, 0));
	/* Outside quiet hours: at once. Tuesday 23 March 2027 10:00 CET. */
	ck_assert_int_eq(notify_quiet_end(&p, utc(2027, 3, 23, 9, 0)), utc(2027, 3, 23, 9, 0));
	ck_assert(!notify_is_quiet(&p, utc(2027, 3, 23, 18, 59))); /* 19:59 CET */
	ck_assert(notify_is_quiet(&p, utc(2027, 3, 23, 19, 0)));   /* 20:00 CET */
	ck_assert(notify_is_quiet(&p, utc(2027, 3, 24, 5, 59)));   /* 06:59 CET */
	ck_assert(!notify_is_quiet(&p, utc(2027, 3, 24, 6, 0)));   /* 07:00 CET */
}
END_TEST

START_TEST(weekends_and_daytime_quiet)
{
	/* Friday 26 March 2027 21:00 CET with weekends quiet: Monday 07:00 CEST. */
	struct notify_prefs p = prefs(20, 7, true);
	ck_assert_int_eq(notify_quiet_end(&p, utc(2027, 3, 26, 20, 0)), utc(2027, 3, 29, 5, 0));
	/* Quiet 12:00-14:00 (not across midnight). */
	struct notify_prefs lunch = prefs(12, 14, false);
	ck_assert_int_eq(notify_quiet_end(&lunch, utc(2027, 3, 23, 11, 30)), utc(2027, 3, 23, 13, 0));
	ck_assert(!notify_is_quiet(&lunch, utc(2027, 3, 23, 10, 59)));
	/* Equal start and end: no quiet hours. */
	struct notify_prefs none = prefs(8, 8, false);
	ck_assert(!notify_is_quiet(&none, utc(2027, 3, 23, 7, 0)));
	/* A quiet end not on a whole minute starts at the next minute. */
	ck_assert_int_eq(notify_quiet_end(&p, utc(2027, 3, 24, 5, 59) + 30), utc(2027, 3, 24, 6, 0));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("notify_clock");
	TCase *tc = tcase_create("brussels");
	tcase_add_test(tc, quiet_hours_across_dst);
	tcase_add_test(tc, weekends_and_daytime_quiet);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
