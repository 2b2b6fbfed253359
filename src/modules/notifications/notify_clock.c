/*
 * The time of notifications: Europe/Brussels (schoolhub/brussels_time.h), and a clock a
 * test may move.
 *
 * Quiet hours are found by walking forward a minute at a time in UTC and asking each
 * minute its local time: a night that is an hour shorter or longer on a DST weekend
 * comes out right without any case of its own. A week of minutes is the longest walk.
 */
#include <stdatomic.h>
#include <stdint.h>

#include "modules/notifications/notify.h"
#include "schoolhub/brussels_time.h"
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

bool notify_is_quiet(const struct notify_prefs *p, time_t t)
{
	struct tm tm;
	sh_brussels_tm(t, &tm);
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
