/*
 * `schoolhub backup`'s names and rotation (src/store/db_backup.c): which names are ours,
 * and that 7 daily and 4 weekly backups are kept, the newest of each day or ISO week.
 */
#include <check.h>
#include <stdlib.h>

#include "schoolhub/backup.h"

START_TEST(names)
{
	ck_assert(sh_backup_name_time("schoolhub-20261206T185413Z.dump") ==
		  (time_t)1796583253); /* date -u -d 2026-12-06T18:54:13Z +%s */
	ck_assert(sh_backup_name_time("schoolhub-20261206T185413Z.db") == (time_t)1796583253);
	const char *bad[] = {"schoolhub-20261206T185413Z.db.sha256", "schoolhub-20261206T185413Z",
			     ".schoolhub-20261206T185413Z.db.partial", "schoolhub-2026120T185413Z.db",
			     "schoolhub-20261206x185413Z.db", "other-20261206T185413Z.db", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sh_backup_name_time(bad[i]) == -1, "\"%s\" taken as a backup", bad[i]);
}
END_TEST

/* Two backups a day (03:00 and 15:00) for 60 days, ending Sunday 2026-12-06: kept are
 * the 15:00 one of the last 7 days, and of the last 4 weeks (Monday to Sunday) the newest,
 * which for the 3 weeks before this one is their Sunday's 15:00. */
START_TEST(seven_daily_four_weekly)
{
	enum { DAYS = 60, N = DAYS * 2 };
	const time_t last_day = 1796515200; /* 2026-12-06T00:00:00Z, a Sunday */
	time_t times[N];
	bool keep[N];
	for (int d = 0; d < DAYS; d++) {
		times[2 * d] = last_day - d * 86400 + 3 * 3600;
		times[2 * d + 1] = last_day - d * 86400 + 15 * 3600;
	}
	sh_backup_rotation(times, N, keep);
	int kept = 0;
	for (int i = 0; i < N; i++) {
		int day = i / 2;
		bool afternoon = i % 2 == 1;
		bool want = afternoon && (day < 7 || day == 7 || day == 14 || day == 21);
		ck_assert_msg(keep[i] == want, "day -%d %s: keep %d", day, afternoon ? "15:00" : "03:00",
			      keep[i]);
		kept += keep[i];
	}
	ck_assert_int_eq(kept, 10); /* 7 days, this week's Sunday among them, 3 more Sundays */
}
END_TEST

/* Gaps: what is in the windows stays, a backup older than 4 weeks goes even when it is the
 * only one of its week. */
START_TEST(gaps)
{
	time_t times[4] = {1796515200, 1796515200 - 86400 * 40, 1796515200 - 86400 * 3,
			   1796515200 - 86400 * 20};
	bool keep[4];
	sh_backup_rotation(times, 4, keep);
	ck_assert(keep[0] && !keep[1] && keep[2] && keep[3]);
	sh_backup_rotation(NULL, 0, NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backup_rotation");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, names);
	tcase_add_test(tc, seven_daily_four_weekly);
	tcase_add_test(tc, gaps);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
