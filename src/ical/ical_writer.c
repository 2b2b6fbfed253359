/*
 * The iCalendar writer (schoolhub/ical.h): content lines, folding, TEXT escaping, the
 * Brussels VTIMEZONE and VEVENTs.
 */
#include "schoolhub/ical.h"

#include <stdio.h>
#include <string.h>

#include "schoolhub/arena.h"
#include "schoolhub/brussels_time.h"

#define ICAL_LINE_OCTETS 75 /* RFC 5545 §3.1, without the CRLF */

static void put(struct sh_ical *c, const char *s, size_t n)
{
	sh_arena_text_add(&c->text, s, n);
}

/* A continuation byte of a UTF-8 sequence (10xxxxxx): a fold may not come before it. */
static bool utf8_continuation(unsigned char b)
{
	return (b & 0xC0) == 0x80;
}

void sh_ical_line(struct sh_ical *c, const char *name, const char *value)
{
	size_t name_len = strlen(name), value_len = strlen(value);
	char *line = sh_arena_alloc(c->text.arena, name_len + 1 + value_len + 1);
	memcpy(line, name, name_len);
	line[name_len] = ':';
	memcpy(line + name_len + 1, value, value_len);
	size_t total = name_len + 1 + value_len, at = 0;
	/* The first line holds 75 octets; each continuation a space and 74 more. */
	size_t room = ICAL_LINE_OCTETS;
	while (total - at > room) {
		size_t cut = at + room;
		while (cut > at && utf8_continuation((unsigned char)line[cut]))
			cut--;
		put(c, line + at, cut - at);
		put(c, "\r\n ", 3);
		at = cut;
		room = ICAL_LINE_OCTETS - 1;
	}
	put(c, line + at, total - at);
	put(c, "\r\n", 2);
}

const char *sh_ical_text(struct sh_arena *arena, const char *s)
{
	size_t n = strlen(s);
	char *out = sh_arena_alloc(arena, 2 * n + 1), *o = out;
	for (const char *p = s; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '\\' || ch == ';' || ch == ',') {
			*o++ = '\\';
			*o++ = (char)ch;
		} else if (ch == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (ch == '\t' || ch >= 0x20) {
			if (ch != 0x7F) /* DEL is a control character too (§3.1, CONTROL) */
				*o++ = (char)ch;
		}
		/* Other control characters (CR of a CRLF among them) are not allowed in TEXT. */
	}
	*o = '\0';
	return out;
}

static void text_line(struct sh_ical *c, const char *name, const char *value)
{
	if (value != NULL && value[0] != '\0')
		sh_ical_line(c, name, sh_ical_text(c->text.arena, value));
}

static void format_utc(time_t t, char out[17])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/*
 * Is "t" the second occurrence of a Brussels wall time that happens twice (the hour after
 * the end of summer time)? Then an hour earlier, under summer time, the clock read the same.
 */
static bool second_occurrence(time_t t)
{
	long off = sh_brussels_offset(t);
	long earlier = sh_brussels_offset(t - 3600);
	return off < earlier && (t - 3600) + earlier == t + off;
}

/* DTSTART/DTEND of a timed event: Brussels local time with its TZID, or UTC (see ical.h). */
static void time_line(struct sh_ical *c, const char *name, time_t t)
{
	char value[17];
	if (second_occurrence(t)) {
		format_utc(t, value);
		sh_ical_line(c, name, value);
		return;
	}
	struct tm tm;
	sh_brussels_tm(t, &tm);
	strftime(value, sizeof(value), "%Y%m%dT%H%M%S", &tm);
	char param[64];
	snprintf(param, sizeof(param), "%s;TZID=Europe/Brussels", name);
	sh_ical_line(c, param, value);
}

/* DTSTART/DTEND of an all-day event: the Brussels date of "t", plus "days". */
static void date_line(struct sh_ical *c, const char *name, time_t t, int days)
{
	struct tm tm;
	sh_brussels_tm(t, &tm);
	tm.tm_mday += days;
	tm.tm_isdst = 0;
	time_t day = timegm(&tm); /* normalises the day past the month's end */
	gmtime_r(&day, &tm);
	char value[9], param[64];
	strftime(value, sizeof(value), "%Y%m%d", &tm);
	snprintf(param, sizeof(param), "%s;VALUE=DATE", name);
	sh_ical_line(c, param, value);
}

/*
 * Europe/Brussels as RFC 5545 §3.6.5 describes a zone: the EU rule since 1996 (last Sunday
 * of March 02:00 -> 03:00, last Sunday of October 03:00 -> 02:00), the same rule the
 * offsets above come from. The DTSTARTs are the rule's first onsets on or after 1970.
 */
static void brussels_vtimezone(struct sh_ical *c)
{
	static const char *const lines[][2] = {
		{"BEGIN", "VTIMEZONE"},
		{"TZID", "Europe/Brussels"},
		{"X-LIC-LOCATION", "Europe/Brussels"},
		{"BEGIN", "DAYLIGHT"},
		{"TZOFFSETFROM", "+0100"},
		{"TZOFFSETTO", "+0200"},
		{"TZNAME", "CEST"},
		{"DTSTART", "19700329T020000"},
		{"RRULE", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"},
		{"END", "DAYLIGHT"},
		{"BEGIN", "STANDARD"},
		{"TZOFFSETFROM", "+0200"},
		{"TZOFFSETTO", "+0100"},
		{"TZNAME", "CET"},
		{"DTSTART", "19701025T030000"},
		{"RRULE", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"},
		{"END", "STANDARD"},
		{"END", "VTIMEZONE"},
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		sh_ical_line(c, lines[i][0], lines[i][1]);
}

void sh_ical_begin(struct sh_ical *c, struct sh_arena *arena, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->text.arena = arena;
	sh_ical_line(c, "BEGIN", "VCALENDAR");
	sh_ical_line(c, "VERSION", "2.0");
	sh_ical_line(c, "PRODID", "-//SchoolHub//SchoolHub Calendar//EN");
	sh_ical_line(c, "CALSCALE", "GREGORIAN");
	/* RFC 7986's NAME, and the older X-WR-CALNAME that most clients still read. */
	text_line(c, "NAME", name);
	text_line(c, "X-WR-CALNAME", name);
	sh_ical_line(c, "X-WR-TIMEZONE", "Europe/Brussels");
	brussels_vtimezone(c);
}

void sh_ical_event(struct sh_ical *c, const struct sh_ical_event *e)
{
	char stamp[17], sequence[24];
	sh_ical_line(c, "BEGIN", "VEVENT");
	sh_ical_line(c, "UID", sh_ical_text(c->text.arena, e->uid));
	format_utc(e->stamp, stamp);
	sh_ical_line(c, "DTSTAMP", stamp);
	if (e->all_day) {
		date_line(c, "DTSTART", e->starts_at, 0);
		/* DTEND of a date is exclusive: the day after the last day. An end exactly at a
		 * midnight belongs to the day before it. */
		date_line(c, "DTEND", e->ends_at > e->starts_at ? e->ends_at - 1 : e->starts_at, 1);
	} else {
		time_line(c, "DTSTART", e->starts_at);
		if (e->ends_at > e->starts_at)
			time_line(c, "DTEND", e->ends_at);
	}
	snprintf(sequence, sizeof(sequence), "%lld",
		 (long long)(e->sequence > 0 ? e->sequence : 0));
	sh_ical_line(c, "SEQUENCE", sequence);
	text_line(c, "SUMMARY", e->summary);
	text_line(c, "DESCRIPTION", e->description);
	text_line(c, "LOCATION", e->location);
	sh_ical_line(c, "STATUS", e->cancelled ? "CANCELLED" : "CONFIRMED");
	sh_ical_line(c, "END", "VEVENT");
}

const char *sh_ical_end(struct sh_ical *c, size_t *len_r)
{
	sh_ical_line(c, "END", "VCALENDAR");
	*len_r = c->text.len;
	return c->text.data;
}
