/* Europe/Brussels time from the EU rule (see brussels_time.h for why it is computed). */
#include "schoolhub/brussels_time.h"

#include <stdio.h>

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

long sh_brussels_offset(time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	int year = tm.tm_year + 1900;
	/* Both changes happen at 01:00 UTC. */
	time_t summer = last_sunday(year, 2) + 3600, winter = last_sunday(year, 9) + 3600;
	return t >= summer && t < winter ? 7200 : 3600;
}

void sh_brussels_tm(time_t t, struct tm *tm)
{
	time_t local = t + sh_brussels_offset(t);
	gmtime_r(&local, tm);
}

void sh_brussels_date(time_t t, char out[11])
{
	struct tm tm;
	sh_brussels_tm(t, &tm);
	/* The modulos only tell the compiler the fields fit (they always do). */
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
		 (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
}

time_t sh_brussels_to_utc(const struct tm *local, enum sh_brussels_wall *kind_r)
{
	/* The wall time read as if it were UTC, then each offset Brussels can have: an
	 * offset fits when the instant it gives has that very offset. */
	struct tm wall = {.tm_year = local->tm_year,
			  .tm_mon = local->tm_mon,
			  .tm_mday = local->tm_mday,
			  .tm_hour = local->tm_hour,
			  .tm_min = local->tm_min,
			  .tm_sec = local->tm_sec};
	time_t w = timegm(&wall);
	time_t summer = w - 7200, winter = w - 3600;
	int summer_fits = sh_brussels_offset(summer) == 7200;
	int winter_fits = sh_brussels_offset(winter) == 3600;
	enum sh_brussels_wall kind = summer_fits && winter_fits ? SH_BRUSSELS_WALL_REPEATED :
				     summer_fits || winter_fits ? SH_BRUSSELS_WALL_ONCE :
								  SH_BRUSSELS_WALL_SKIPPED;
	if (kind_r != NULL)
		*kind_r = kind;
	/* Repeated: the first (CEST); skipped: read in CET, the offset before the gap. */
	return summer_fits ? summer : winter;
}
