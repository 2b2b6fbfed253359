/*
 * What the calendar suites share (calendar_feed, calendar_shifts): events written straight
 * into the test server's database (the calendar module reads the events module's tables;
 * its API suites do not depend on the events routes), shifts through the API, and a
 * calendar read back by tests/ical/check_ics.py (Debian's python3-icalendar).
 */
#ifndef SCHOOLHUB_TESTS_API_CALENDAR_SUPPORT_H
#define SCHOOLHUB_TESTS_API_CALENDAR_SUPPORT_H

#include <stdbool.h>

#include "api.h"

/* An event row: "id" (a UUID the test chose), by "organiser_id", for the school
 * ("class_name" NULL) or one class, with "status", UTC times ("ends_at" may be NULL). */
struct cal_event {
	const char *id, *organiser_id, *class_name, *status, *title, *starts_at, *ends_at;
	bool all_day;
	int sequence;
};
void cal_event_insert(const struct cal_event *e);
/* A fresh UUID (static buffer of the caller). */
void cal_uuid(char out[37]);
/* POST /api/v1/events/{event_id}/shifts with a raw JSON body. */
struct th_resp *cal_shift_post(const char *token, const char *event_id, const char *body);
/* Creates a shift (201 expected) and returns its id (malloc'ed). */
char *cal_shift(const char *token, const char *event_id, const char *starts_at, const char *ends_at,
		int slots, int reward_units);
/* "METHOD /api/v1/events/{event_id}/shifts/{shift_id}<suffix>" with a raw body or NULL. */
struct th_resp *cal_shift_call(const char *method, const char *token, const char *event_id,
			       const char *shift_id, const char *suffix, const char *body);
/* Runs tests/ical/check_ics.py on "r"'s body against "expected" (JSON): its exit status. */
int cal_check_ics(const struct th_resp *r, const char *expected);

#endif
