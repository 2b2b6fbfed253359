/*
 * An iCalendar (RFC 5545) writer: a VCALENDAR with the Europe/Brussels VTIMEZONE and
 * VEVENTs, written into an arena.
 *
 *	struct sh_ical c;
 *	sh_ical_begin(&c, req->arena, "SchoolHub");
 *	sh_ical_event(&c, &(struct sh_ical_event){.uid = ..., .summary = ..., ...});
 *	size_t len;
 *	const char *text = sh_ical_end(&c, &len);
 *
 * What RFC 5545 asks and the writer does for every caller: lines end in CRLF and are
 * folded at 75 octets (a fold never splits a UTF-8 sequence, §3.1), TEXT values are
 * escaped (\\ \; \, \n, §3.3.11; other control characters dropped), times are written in
 * Brussels local time with TZID=Europe/Brussels beside the VTIMEZONE that defines it
 * (§3.3.5 form 3), all-day events as VALUE=DATE with an exclusive DTEND (§3.6.1).
 *
 * One local time of the year happens twice (02:00-03:00 on the last Sunday of October)
 * and RFC 5545 reads such a TZID time as its first occurrence; an instant in the second
 * one is therefore written in UTC (form 2), the only way to say it exactly.
 */
#ifndef SCHOOLHUB_ICAL_H
#define SCHOOLHUB_ICAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "schoolhub/arena.h"

struct sh_arena;

struct sh_ical {
	struct sh_arena_text text;
};

struct sh_ical_event {
	const char *uid; /* stable across versions: "event-<id>@<host>" */
	const char *summary; /* TEXT; NULL or "" leaves the property out (not SUMMARY) */
	const char *description; /* TEXT or NULL */
	const char *location; /* TEXT or NULL */
	time_t starts_at; /* UTC instants */
	time_t ends_at; /* 0: no end (a timed event lasts no time, an all-day one a day) */
	bool all_day; /* dates of starts_at and ends_at in Brussels, VALUE=DATE */
	int64_t sequence; /* grows with each change of time (SEQUENCE) */
	bool cancelled; /* STATUS:CANCELLED, else CONFIRMED */
	time_t stamp; /* DTSTAMP: when this information was last revised */
};

/* Opens the calendar (VERSION, PRODID, CALSCALE, the calendar's name, the VTIMEZONE). */
void sh_ical_begin(struct sh_ical *c, struct sh_arena *arena, const char *name);
void sh_ical_event(struct sh_ical *c, const struct sh_ical_event *e);
/* Closes the calendar: its whole text (NUL-terminated, in the arena) and its length. */
const char *sh_ical_end(struct sh_ical *c, size_t *len_r);

/*
 * One content line "name:value" as written: "value" is taken as it is (escape TEXT with
 * sh_ical_text first), the line folded and ended with CRLF. For the writer and its tests.
 */
void sh_ical_line(struct sh_ical *c, const char *name, const char *value);
/* "s" escaped as an RFC 5545 TEXT value, in the arena. */
const char *sh_ical_text(struct sh_arena *arena, const char *s);

#endif
