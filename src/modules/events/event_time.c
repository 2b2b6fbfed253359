/*
 * Times of events. The API takes RFC 3339 with an offset (a browser in Brussels sends
 * "+01:00" or "+02:00"); the database keeps UTC. Notification texts show Brussels time,
 * through the rule the notifications module computes (EU directive 2000/84), so the two
 * never disagree about a DST weekend.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "modules/events/events.h"
#include "schoolhub/brussels_time.h"

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int sh_event_time_parse(const char *s, time_t *t_r)
{
	if (s == NULL || strlen(s) < 20)
		return -1;
	int year = digits(s, 4), mon = digits(s + 5, 2), day = digits(s + 8, 2);
	int hour = digits(s + 11, 2), min = digits(s + 14, 2), sec = digits(s + 17, 2);
	if (year < 0 || mon < 1 || day < 1 || hour < 0 || min < 0 || sec < 0 || s[4] != '-' ||
	    s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' ||
	    hour > 23 || min > 59 || sec > 59)
		return -1;
	const char *p = s + 19;
	if (*p == '.') { /* fractions of a second: read, then dropped */
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	long offset = 0;
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		offset = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		int oh = digits(p + 1, 2), om = digits(p + 4, 2);
		if (oh < 0 || om < 0 || oh > 23 || om > 59)
			return -1;
		offset = (*p == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
	} else {
		return -1;
	}
	struct tm tm = {.tm_year = year - 1900,
			.tm_mon = mon - 1,
			.tm_mday = day,
			.tm_hour = hour,
			.tm_min = min,
			.tm_sec = sec};
	time_t t = timegm(&tm);
	/* timegm turns 2026-02-30 into March: a changed day means the date does not exist. */
	if (tm.tm_mday != day || tm.tm_mon != mon - 1)
		return -1;
	*t_r = t - offset;
	return 0;
}

time_t sh_event_time_of(const char *utc)
{
	time_t t;
	return utc != NULL && sh_event_time_parse(utc, &t) == 0 ? t : 0;
}

const char *sh_event_local_text(struct sh_arena *arena, time_t t)
{
	struct tm tm;
	sh_brussels_tm(t, &tm);
	return sh_arena_printf(arena, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
			       tm.tm_mday, tm.tm_hour, tm.tm_min);
}
