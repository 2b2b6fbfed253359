/*
 * Europe/Brussels time, computed (the school's clock: notifications' quiet hours, dates
 * written for people such as the SEL statement's).
 *
 * Not read from the system's tz database through TZ and localtime_r: TZ is process-wide
 * (setting it would change every other thread's local time, and the logs are UTC), and
 * the rule is simple and fixed by EU directive 2000/84: UTC+1, and UTC+2 from 01:00 UTC
 * on the last Sunday of March to 01:00 UTC on the last Sunday of October.
 * tests/unit/test_brussels_time.c checks it against the system's zoneinfo on every hour
 * of 2020-2035, so a change of the rule shows up there. Thread-safe.
 */
#ifndef SCHOOLHUB_BRUSSELS_TIME_H
#define SCHOOLHUB_BRUSSELS_TIME_H

#include <time.h>

/* Seconds east of UTC in Brussels at the instant "t": 3600 (CET) or 7200 (CEST). */
long sh_brussels_offset(time_t t);

/* The Brussels wall-clock time of the instant "t" (tm_gmtoff and tm_zone are not set). */
void sh_brussels_tm(time_t t, struct tm *tm);

/* The Brussels calendar date of the instant "t" as "YYYY-MM-DD". */
void sh_brussels_date(time_t t, char out[11]);

/* What a wall-clock time is in Brussels. */
enum sh_brussels_wall {
	SH_BRUSSELS_WALL_ONCE, /* it happens once: the usual case */
	SH_BRUSSELS_WALL_SKIPPED, /* in the spring gap (last Sunday of March, 02:00-02:59) */
	SH_BRUSSELS_WALL_REPEATED, /* in the autumn overlap (last Sunday of October,
				    * 02:00-02:59 happens in CEST, then again in CET) */
};

/*
 * The UTC instant of the Brussels wall-clock time "local" (tm_year, tm_mon, tm_mday,
 * tm_hour, tm_min, tm_sec; out-of-range fields are normalised as timegm does; tm_isdst
 * and the others are ignored). A time that happens once gives that instant. A time of the
 * spring gap never happens: it is read with the offset in force before the change (CET),
 * so 02:30 gives 01:30 UTC, which is 03:30 CEST, as a clock moved forward reads it. A time
 * of the autumn overlap happens twice: the first (CEST) is given; the second is one hour
 * later. "*kind_r" (when not NULL) says which case it was.
 */
time_t sh_brussels_to_utc(const struct tm *local, enum sh_brussels_wall *kind_r);

#endif
