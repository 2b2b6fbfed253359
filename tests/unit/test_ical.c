/*
 * The iCalendar writer (schoolhub/ical.h): escaping, folding at 75 octets without
 * splitting a character, Brussels local times with their TZID (and UTC for the repeated
 * hour at the end of summer time), all-day dates, cancelled events; then a calendar read
 * back by a real parser (tests/ical/check_ics.py, Debian's python3-icalendar), with an
 * event across the end of summer time on the last Sunday of October 2027.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schoolhub/arena.h"
#include "schoolhub/ical.h"

#define PYTHON "/usr/bin/python3" /* Debian's, where python3-icalendar is installed */

static struct sh_arena *arena;

static void setup(void)
{
	arena = sh_arena_create();
}

static void teardown(void)
{
	sh_arena_destroy(&arena);
}

static time_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = mo - 1,
			.tm_mday = d,
			.tm_hour = h,
			.tm_min = mi};
	return timegm(&tm);
}

/* The calendar's text with one event. */
static const char *one_event(const struct sh_ical_event *e)
{
	struct sh_ical c;
	sh_ical_begin(&c, arena, "École");
	sh_ical_event(&c, e);
	size_t len;
	return sh_ical_end(&c, &len);
}

START_TEST(text_is_escaped)
{
	ck_assert_str_eq(sh_ical_text(arena, "a\\b;c,d\ne\r\nf\x01g\th\x7f"),
			 "a\\\\b\\;c\\,d\\ne\\nfg\th");
	ck_assert_str_eq(sh_ical_text(arena, "Fête: 14h-17h"), "Fête: 14h-17h");
}
END_TEST

/* Every physical line of "text" (CRLF-separated) is at most 75 octets, no continuation
 * starts inside a UTF-8 sequence, and unfolding gives back "expected" lines. */
static void check_folding(const char *text, const char *expected_line)
{
	size_t n = strlen(text);
	ck_assert(n >= 2 && strcmp(text + n - 2, "\r\n") == 0);
	char *unfolded = sh_arena_alloc(arena, n + 1), *u = unfolded;
	const char *p = text;
	bool first = true;
	while (*p) {
		const char *eol = strstr(p, "\r\n");
		ck_assert_ptr_nonnull(eol);
		ck_assert_uint_le((size_t)(eol - p), 75);
		if (!first) {
			ck_assert_int_eq(p[0], ' ');
			ck_assert_msg(((unsigned char)p[1] & 0xC0) != 0x80,
				      "fold inside a character");
			memcpy(u, p + 1, (size_t)(eol - p - 1));
			u += eol - p - 1;
		} else {
			memcpy(u, p, (size_t)(eol - p));
			u += eol - p;
		}
		first = false;
		p = eol + 2;
	}
	*u = '\0';
	ck_assert_str_eq(unfolded, expected_line);
}

START_TEST(long_lines_are_folded)
{
	char value[400];
	for (size_t i = 0; i < sizeof(value) - 1; i++)
		value[i] = (char)('a' + i % 26);
	value[sizeof(value) - 1] = '\0';
	struct sh_ical c = {.text = {.arena = arena}};
	sh_ical_line(&c, "DESCRIPTION", value);
	check_folding(c.text.data, sh_arena_printf(arena, "DESCRIPTION:%s", value));
	ck_assert_ptr_eq(strstr(c.text.data, "\r\n"), c.text.data + 75); /* the first line is full */

	/* Exactly 75 octets: one line, no fold. */
	struct sh_ical d = {.text = {.arena = arena}};
	sh_ical_line(&d, "X", sh_arena_strndup(arena, value, 73));
	ck_assert_uint_eq(d.text.len, 77);
}
END_TEST

START_TEST(folds_never_split_a_character)
{
	/* Two- three- and four-octet characters at every offset across the fold. */
	const char *chars[] = {"é", "€", "🎉"};
	for (size_t k = 0; k < 3; k++)
		for (size_t shift = 0; shift < 4; shift++) {
			char value[512] = "";
			for (size_t i = 0; i < shift; i++)
				strcat(value, "x");
			for (size_t i = 0; i < 60; i++)
				strcat(value, chars[k]);
			struct sh_ical c = {.text = {.arena = arena}};
			sh_ical_line(&c, "SUMMARY", value);
			check_folding(c.text.data, sh_arena_printf(arena, "SUMMARY:%s", value));
		}
}
END_TEST

START_TEST(times_are_brussels_local)
{
	struct sh_ical_event e = {.uid = "event-1@ecole.example",
				  .summary = "Fête",
				  .starts_at = utc(2027, 7, 1, 8, 0),
				  .ends_at = utc(2027, 1, 15, 18, 0) + 180 * 86400,
				  .stamp = utc(2026, 12, 6, 15, 0)};
	const char *t = one_event(&e);
	ck_assert_ptr_nonnull(strstr(t, "\r\nDTSTART;TZID=Europe/Brussels:20270701T100000\r\n"));
	ck_assert_ptr_nonnull(strstr(t, "\r\nDTSTAMP:20261206T150000Z\r\n"));
	ck_assert_ptr_nonnull(strstr(t, "\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Brussels\r\n"));
	ck_assert_ptr_nonnull(strstr(t, "\r\nSTATUS:CONFIRMED\r\n"));
	ck_assert_ptr_nonnull(strstr(t, "\r\nSEQUENCE:0\r\n"));

	e.starts_at = utc(2027, 1, 15, 18, 0); /* winter: UTC+1 */
	e.ends_at = 0;
	t = one_event(&e);
	ck_assert_ptr_nonnull(strstr(t, "\r\nDTSTART;TZID=Europe/Brussels:20270115T190000\r\n"));
	ck_assert_ptr_null(strstr(t, "DTEND"));
}
END_TEST

START_TEST(repeated_hour_is_written_in_utc)
{
	/* 2027-10-31: 03:00 CEST becomes 02:00 CET at 01:00 UTC. 00:30 UTC is the first 02:30
	 * (a TZID time says it), 01:30 UTC the second 02:30 (only UTC says it). */
	struct sh_ical_event e = {.uid = "event-2@ecole.example",
				  .summary = "Nuit",
				  .starts_at = utc(2027, 10, 31, 0, 30),
				  .ends_at = utc(2027, 10, 31, 1, 30),
				  .stamp = utc(2026, 12, 6, 15, 0)};
	const char *t = one_event(&e);
	ck_assert_ptr_nonnull(strstr(t, "\r\nDTSTART;TZID=Europe/Brussels:20271031T023000\r\n"));
	ck_assert_ptr_nonnull(strstr(t, "\r\nDTEND:20271031T013000Z\r\n"));
	e.ends_at = utc(2027, 10, 31, 2, 0); /* 03:00 CET: unambiguous again */
	t = one_event(&e);
	ck_assert_ptr_nonnull(strstr(t, "\r\nDTEND;TZID=Europe/Brussels:20271031T030000\r\n"));
}
END_TEST

START_TEST(all_day_and_cancelled)
{
	struct sh_ical_event e = {.uid = "event-3@ecole.example",
				  .summary = "Classes vertes",
				  .all_day = true,
				  .starts_at =
					  utc(2027, 10, 29, 22, 0), /* Saturday 30 00:00 CEST */
				  .ends_at = utc(2027, 10, 31, 23, 0), /* Monday 1 00:00 CET */
				  .sequence = 3,
				  .cancelled = true,
				  .stamp = utc(2026, 12, 6, 15, 0)};
	const char *t = one_event(&e);
	ck_assert_ptr_nonnull(strstr(t, "\r\nDTSTART;VALUE=DATE:20271030\r\n"));
	ck_assert_ptr_nonnull(strstr(t, "\r\nDTEND;VALUE=DATE:20271101\r\n"));
	ck_assert_ptr_nonnull(strstr(t, "\r\nSTATUS:CANCELLED\r\n"));
	ck_assert_ptr_nonnull(strstr(t, "\r\nSEQUENCE:3\r\n"));
	e.ends_at = 0; /* one day */
	t = one_event(&e);
	ck_assert_ptr_nonnull(strstr(t, "\r\nDTEND;VALUE=DATE:20271031\r\n"));
}
END_TEST

/* Runs the parser's check on "text" against "expected" (JSON); its exit status. */
static int parser_check(const char *text, size_t len, const char *expected)
{
	char ics[] = "/tmp/test_ical_XXXXXX", json[] = "/tmp/test_ical_XXXXXX";
	int fd = mkstemp(ics), fd2 = mkstemp(json);
	ck_assert(fd >= 0 && fd2 >= 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(write(fd2, expected, strlen(expected)), (ssize_t)strlen(expected));
	close(fd);
	close(fd2);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), PYTHON " %s/tests/ical/check_ics.py %s %s", SH_SOURCE_DIR, ics,
		 json);
	int status = system(cmd);
	unlink(ics);
	unlink(json);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(real_parser_reads_the_instants_back)
{
	struct sh_ical c;
	sh_ical_begin(&c, arena, "École Les Tilleuls; agenda, 2027");
	/* Across the end of summer time: 01:30 CEST (23:30 UTC) to 02:30 CET (01:30 UTC),
	 * three hours that the wall clock shows as two. */
	sh_ical_event(&c,
		      &(struct sh_ical_event){
			      .uid = "event-10@ecole.example",
			      .summary = "Nuit des étoiles, jeux; boissons \\ collations",
			      .description = "Line one\nLine two, with a comma; and more — "
					     "a long enough text to be folded at seventy-five "
					     "octets, with accents: é è à ç ü and € 🎉 at the fold",
			      .location = "Préau, cour",
			      .starts_at = utc(2027, 10, 30, 23, 30),
			      .ends_at = utc(2027, 10, 31, 1, 30),
			      .sequence = 2,
			      .stamp = utc(2026, 12, 6, 15, 0)});
	sh_ical_event(&c, &(struct sh_ical_event){.uid = "event-11@ecole.example",
						  .summary = "Congé",
						  .all_day = true,
						  .starts_at = utc(2027, 10, 31, 23, 0),
						  .ends_at = utc(2027, 11, 2, 23, 0),
						  .cancelled = true,
						  .sequence = 1,
						  .stamp = utc(2026, 12, 6, 15, 0)});
	size_t len;
	const char *text = sh_ical_end(&c, &len);
	const char *expected =
		"{\"events\": {"
		"\"event-10@ecole.example\": {\"start\": \"2027-10-30T23:30:00Z\", "
		"\"end\": \"2027-10-31T01:30:00Z\", \"all_day\": false, "
		"\"summary\": \"Nuit des étoiles, jeux; boissons \\\\ collations\", "
		"\"location\": \"Préau, cour\", \"status\": \"CONFIRMED\", \"sequence\": 2},"
		"\"event-11@ecole.example\": {\"start\": \"2027-11-01\", \"end\": \"2027-11-03\", "
		"\"all_day\": true, \"summary\": \"Congé\", \"status\": \"CANCELLED\", "
		"\"sequence\": 1}}}";
	ck_assert_int_eq(parser_check(text, len, expected), 0);

	/* The check can fail: an instant off by the DST hour, and a line of 76 octets. */
	const char *wrong = "{\"events\": {"
			    "\"event-10@ecole.example\": {\"end\": \"2027-10-31T00:30:00Z\"},"
			    "\"event-11@ecole.example\": {}}}";
	ck_assert_int_eq(parser_check(text, len, wrong), 1);
	const char *broken = sh_arena_printf(arena, "%.*sX-LONG:%070d\r\nEND:VCALENDAR\r\n",
					     (int)(len - strlen("END:VCALENDAR\r\n")), text, 0);
	ck_assert_int_eq(parser_check(broken, strlen(broken), expected), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ical");
	TCase *tc = tcase_create("writer");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, text_is_escaped);
	tcase_add_test(tc, long_lines_are_folded);
	tcase_add_test(tc, folds_never_split_a_character);
	tcase_add_test(tc, times_are_brussels_local);
	tcase_add_test(tc, repeated_hour_is_written_in_utc);
	tcase_add_test(tc, all_day_and_cancelled);
	tcase_add_test(tc, real_parser_reads_the_instants_back);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
