/*
 * The time of notifications: Europe/Brussels, and a clock a test may move.
 *
 * Brussels time is computed, not read from the system's tz database through TZ and
 * localtime_r: TZ is process-wide (setting it would change every other thread's local
 * time, and the logs are UTC), and the rule is simple and fixed by EU directive 2000/84:
 * UTC+1, and UTC+2 from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
 * Sunday of October. tests/unit/test_notify_clock.c checks it against the system's
 * zoneinfo on every hour of several years, so a change of the rule shows up there.
 *
 * Quiet hours are found by walking forward a minute at a time in UTC and asking each
 * minute its local time: a night that is an hour shorter or longer on a DST weekend
 * comes out right without any case of its own. A week of minutes is the longest walk.
 */
#include <stdatomic.h>
#include <stdint.h>

#include "modules/notifications/notify.h"
#include "schoolhub/config.h"

/* Seconds added to the real time; 0 outside tests (sh_notify_clock_set refuses in
 * production). */
static _Atomic int64_t clock_shift_s;

time_t sh_notify_now(void)
{
	return time(NULL) + (time_t)atomic_load(&clock_shift_s);
}

int sh_notify_clock_set(const struct sh_config *cfg, time_t fake_now)
{
	if (cfg == NULL || cfg->env == SH_ENV_PRODUCTION)
		return -1;
	atomic_store(&clock_shift_s, (int64_t)(fake_now - time(NULL)));
	return 0;
}

time_t notify_real_time(time_t t)
{
	return t - (time_t)atomic_load(&clock_shift_s);
}

/* 00:00 UTC of the last Sunday of "month" (0-based) in "year". */
static time_t last_sunday(int year, int month)
{
	struct tm tm = {.tm_year = year - 1900, .tm_mon = month + 1, .tm_mday = 1};
	time_t first_of_next = timegm(&tm);
	struct tm check;
	gmtime_r(&first_of_next, &check);
	time_t last_day = first_of_next - 86400;
	int wday = (check.tm_wday + 6) % 7; /* weekday of the month's last day */
	return last_day - (time_t)wday * 86400;
}

long notify_brussels_offset(time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	int year = tm.tm_year + 1900;
	time_t summer = last_sunday(year, 2) + 3600, winter = last_sunday(year, 9) + 3600;
	return t >= summer && t < winter ? 7200 : 3600;
}

void notify_brussels_tm(time_t t, struct tm *tm)
{
	time_t local = t + notify_brussels_offset(t);
	gmtime_r(&local, tm);
}

bool notify_is_quiet(const struct notify_prefs *p, time_t t)
{
	struct tm tm;
	notify_brussels_tm(t, &tm);
	if (p->quiet_weekends && (tm.tm_wday == 0 || tm.tm_wday == 6))
		return true;
	int m = tm.tm_hour * 60 + tm.tm_min;
	if (p->quiet_start == p->quiet_end)
		return false;
	if (p->quiet_start < p->quiet_end)
		return m >= p->quiet_start && m < p->quiet_end;
	return m >= p->quiet_start || m < p->quiet_end; /* across midnight: 20:00-07:00 */
}

time_t notify_quiet_end(const struct notify_prefs *p, time_t t)
{
	if (!notify_is_quiet(p, t))
		return t;
	time_t m = t - t % 60 + 60;
	for (int i = 0; i < 8 * 24 * 60; i++, m += 60)
		if (!notify_is_quiet(p, m))
			return m;
	return t; /* cannot happen: every week has a weekday minute outside quiet hours */
}
