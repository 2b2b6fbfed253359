/*
 * Brussels time as the core computes it (EU rule, no TZ): the same offset as the system's
 * zoneinfo on every hour of 2020-2035, wall-clock times of instants, and instants of
 * wall-clock times around both DST changes (the spring gap, the autumn overlap).
 */
#include <check.h>
#include <stdlib.h>
#include <time.h>

#include "schoolhub/brussels_time.h"

static time_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return timegm(&tm);
}

static struct tm wall(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return tm;
}

START_TEST(offset_matches_zoneinfo)
{
	/* This program is single-threaded: TZ is safe to set here (not in the server). */
	setenv("TZ", "Europe/Brussels", 1);
	tzset();
	int changes = 0;
	long last = 0;
	for (time_t t = utc(2020, 1, 1, 0, 30); t < utc(2036, 1, 1, 0, 0); t += 3600) {
		struct tm tm;
		localtime_r(&t, &tm);
		long expected = tm.tm_gmtoff, got = sh_brussels_offset(t);
		if (got != expected)
			ck_abort_msg("at %lld: %ld, zoneinfo %ld", (long long)t, got, expected);
		changes += last != 0 && got != last;
		last = got;
	}
	/* The wall clock and back, every hour of three years (both ways across six changes). */
	for (time_t t = utc(2026, 1, 1, 0, 30); t < utc(2029, 1, 1, 0, 0); t += 3600) {
		struct tm tm, mine;
		localtime_r(&t, &tm);
		sh_brussels_tm(t, &mine);
		if (mine.tm_hour != tm.tm_hour || mine.tm_mday != tm.tm_mday ||
		    mine.tm_wday != tm.tm_wday)
			ck_abort_msg("at %lld: %02d:00 day %d, zoneinfo %02d:00 day %d", (long long)t,
				     mine.tm_hour, mine.tm_mday, tm.tm_hour, tm.tm_mday);
		/* The same instant, but the second of a repeated hour gives the first. */
		enum sh_brussels_wall kind;
		time_t back = sh_brussels_to_utc(&tm, &kind);
		if (!(back == t || (kind == SH_BRUSSELS_WALL_REPEATED && back == t - 3600)))
			ck_abort_msg("at %lld: back %lld (%d)", (long long)t, (long long)back, kind);
	}
	ck_assert_int_eq(changes, 32); /* two a year */
	unsetenv("TZ");
	tzset();
}
END_TEST

/* The Brussels wall clock of "t" reads "hour":"min" on the same day of the month "mday". */
static void assert_wall(time_t t, int mday, int hour, int min)
{
	struct tm tm;
	sh_brussels_tm(t, &tm);
	ck_assert_msg(tm.tm_mday == mday && tm.tm_hour == hour && tm.tm_min == min,
		      "at %lld: day %d %02d:%02d", (long long)t, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

START_TEST(utc_to_local_across_both_changes)
{
	/* Sunday 28 March 2027: 00:59 UTC is 01:59 CET, 01:00 UTC is 03:00 CEST. */
	assert_wall(utc(2027, 3, 28, 0, 59), 28, 1, 59);
	assert_wall(utc(2027, 3, 28, 1, 0), 28, 3, 0);
	/* Sunday 31 October 2027: 00:59 UTC is 02:59 CEST, 01:00 UTC is 02:00 CET. */
	assert_wall(utc(2027, 10, 31, 0, 59), 31, 2, 59);
	assert_wall(utc(2027, 10, 31, 1, 0), 31, 2, 0);
	/* The date: 23:30 UTC on a summer day is the next day in Brussels, in winter too. */
	char day[11];
	sh_brussels_date(utc(2027, 7, 14, 23, 30), day);
	ck_assert_str_eq(day, "2027-07-15");
	sh_brussels_date(utc(2027, 12, 31, 22, 59), day);
	ck_assert_str_eq(day, "2027-12-31");
	sh_brussels_date(utc(2027, 12, 31, 23, 0), day);
	ck_assert_str_eq(day, "2028-01-01");
}
END_TEST

/* A wall-clock time in Brussels, the instant expected, and what kind of time it is. */
struct wall_case {
	int wall[5];  /* year, month, day, hour, minute */
	int utc[5];   /* the same, in UTC */
	enum sh_brussels_wall kind;
};

START_TEST(local_to_utc_gap_and_overlap)
{
	static const struct wall_case cases[] = {
		/* Spring 2027: 01:59 CET; 02:00-02:59 never happen (read in CET); 03:00 CEST. */
		{{2027, 3, 28, 1, 59}, {2027, 3, 28, 0, 59}, SH_BRUSSELS_WALL_ONCE},
		{{2027, 3, 28, 2, 0}, {2027, 3, 28, 1, 0}, SH_BRUSSELS_WALL_SKIPPED},
		{{2027, 3, 28, 2, 30}, {2027, 3, 28, 1, 30}, SH_BRUSSELS_WALL_SKIPPED},
		{{2027, 3, 28, 3, 0}, {2027, 3, 28, 1, 0}, SH_BRUSSELS_WALL_ONCE},
		/* Autumn 2027: 01:59 CEST; 02:00-02:59 twice (the first, CEST, given); 03:00 CET. */
		{{2027, 10, 31, 1, 59}, {2027, 10, 30, 23, 59}, SH_BRUSSELS_WALL_ONCE},
		{{2027, 10, 31, 2, 0}, {2027, 10, 31, 0, 0}, SH_BRUSSELS_WALL_REPEATED},
		{{2027, 10, 31, 2, 59}, {2027, 10, 31, 0, 59}, SH_BRUSSELS_WALL_REPEATED},
		{{2027, 10, 31, 3, 0}, {2027, 10, 31, 2, 0}, SH_BRUSSELS_WALL_ONCE},
		/* Midnights, and a field out of range normalised (the 32nd of July is 1 August). */
		{{2027, 7, 15, 0, 0}, {2027, 7, 14, 22, 0}, SH_BRUSSELS_WALL_ONCE},
		{{2027, 1, 15, 0, 0}, {2027, 1, 14, 23, 0}, SH_BRUSSELS_WALL_ONCE},
		{{2027, 7, 32, 0, 0}, {2027, 7, 31, 22, 0}, SH_BRUSSELS_WALL_ONCE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const int *w = cases[i].wall, *u = cases[i].utc;
		struct tm tm = wall(w[0], w[1], w[2], w[3], w[4]);
		enum sh_brussels_wall kind;
		ck_assert_int_eq(sh_brussels_to_utc(&tm, &kind), utc(u[0], u[1], u[2], u[3], u[4]));
		ck_assert_msg(kind == cases[i].kind, "case %zu: kind %d", i, kind);
		ck_assert_int_eq(sh_brussels_to_utc(&tm, NULL), utc(u[0], u[1], u[2], u[3], u[4]));
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("brussels_time");
	TCase *tc = tcase_create("brussels");
	tcase_add_test(tc, offset_matches_zoneinfo);
	tcase_add_test(tc, utc_to_local_across_both_changes);
	tcase_add_test(tc, local_to_utc_gap_and_overlap);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
