/*
 * Calendar feeds and .ics answers: a private feed URL shown once and stored hashed, a new
 * one voiding the old, revocation, unknown tokens; the feed holds the member's audience,
 * registrations and shifts and nothing else, read back by a real iCalendar parser with an
 * event across the end of summer time; one event's .ics under the audience rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announcements_support.h"
#include "calendar_support.h"

/* The path of a feed URL (what follows the public URL's host). */
static const char *url_path(const char *url)
{
	const char *p = strstr(url, "/ical/");
	ck_assert_ptr_nonnull(p);
	return p;
}

static char *feed_create(const struct th_member *m)
{
	struct th_resp *r =
		th_request("POST", "/api/v1/calendar/feed", m->access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *url = strdup(th_str(r, "url"));
	th_resp_free(&r);
	return url;
}

START_TEST(feed_holds_the_members_events)
{
	struct th_member mum, other, admin;
	ann_member(&mum, "feedmum", NULL);
	ann_member(&other, "feedother", NULL);
	ann_member(&admin, "feedadmin", "admin");
	free(ann_child(mum.access_token, "Lou", "P2"));
	char school[37], p2[37], p5[37], p5reg[37], p5shift[37], cancelled[37], proposed[37];
	char allday[37];
	cal_uuid(school), cal_uuid(p2), cal_uuid(p5), cal_uuid(p5reg), cal_uuid(cancelled);
	cal_uuid(proposed), cal_uuid(allday), cal_uuid(p5shift);
	/* Across the end of summer time: 01:30 CEST to 02:30 CET, three real hours. */
	cal_event_insert(&(struct cal_event){.id = school,
					     .organiser_id = admin.id,
					     .title = "Nuit des étoiles",
					     .starts_at = "2027-10-30T23:30:00Z",
					     .ends_at = "2027-10-31T01:30:00Z",
					     .sequence = 2});
	cal_event_insert(&(struct cal_event){.id = p2,
					     .organiser_id = admin.id,
					     .class_name = "P2",
					     .title = "Piscine",
					     .starts_at = "2027-01-15T08:00:00Z",
					     .ends_at = "2027-01-15T10:00:00Z"});
	cal_event_insert(&(struct cal_event){.id = p5,
					     .organiser_id = admin.id,
					     .class_name = "P5",
					     .title = "Classe P5",
					     .starts_at = "2027-02-01T08:00:00Z"});
	cal_event_insert(&(struct cal_event){.id = p5reg,
					     .organiser_id = admin.id,
					     .class_name = "P5",
					     .title = "Inscrite",
					     .starts_at = "2027-03-01T08:00:00Z"});
	cal_event_insert(&(struct cal_event){.id = cancelled,
					     .organiser_id = admin.id,
					     .status = "cancelled",
					     .title = "Brocante",
					     .starts_at = "2027-05-01T08:00:00Z",
					     .sequence = 1});
	cal_event_insert(&(struct cal_event){.id = proposed,
					     .organiser_id = other.id,
					     .status = "proposed",
					     .title = "Proposition",
					     .starts_at = "2027-06-01T08:00:00Z"});
	/* All day, Saturday 12 June 2027 (Brussels midnights, exclusive end). */
	cal_event_insert(&(struct cal_event){.id = allday,
					     .organiser_id = admin.id,
					     .title = "Fancy-fair",
					     .all_day = true,
					     .starts_at = "2027-06-11T22:00:00Z",
					     .ends_at = "2027-06-12T22:00:00Z"});
	cal_event_insert(&(struct cal_event){.id = p5shift,
					     .organiser_id = admin.id,
					     .class_name = "P5",
					     .title = "Bénévole",
					     .starts_at = "2027-04-01T08:00:00Z",
					     .ends_at = "2027-04-01T12:00:00Z"});
	/* A registration or a shift brings an event outside the member's audience into the
	 * feed (a child who changed class, a neighbour who helps). */
	api_db_exec("INSERT INTO event_shifts (id, event_id, title, starts_at, ends_at, slots, "
		    "created_at) VALUES ('5d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d', $1, 'Bar', "
		    "'2027-04-01T08:00:00Z', '2027-04-01T09:00:00Z', 2, '2026-12-01T10:00:00Z')",
		    p5shift, NULL);
	api_db_exec("INSERT INTO shift_volunteers (shift_id, user_id, created_at) VALUES "
		    "('5d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d', $1, '2026-12-01T10:00:00Z')",
		    mum.id, NULL);
	api_db_exec("INSERT INTO event_registrations (id, event_id, user_id, adults, children, "
		    "status, arrival, created_at, updated_at) VALUES ('7b0e9a52-54a4-4c3e-9d7c-"
		    "2f8f1e6a0b11', $1, $2, 1, 1, 'confirmed', 1, '2026-12-01T10:00:00Z', "
		    "'2026-12-01T10:00:00Z')",
		    p5reg, mum.id);

	char *url = feed_create(&mum);
	ck_assert_msg(strncmp(url, "http://localhost:", 17) == 0, "%s", url);
	const char *path = url_path(url);
	/* Stored hashed: the token itself is nowhere in the database. */
	char token[64];
	snprintf(token, sizeof(token), "%.*s", (int)(strlen(path) - 10), path + 6);
	ck_assert_uint_eq(strlen(token), 43);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM calendar_feeds WHERE user_id = $1",
				      mum.id, NULL),
			 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM calendar_feeds WHERE token_hash = $1",
				      token, NULL),
			 0);

	struct th_resp *r = th_request("GET", path, NULL, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_header(r, "Content-Type"), "text/calendar; charset=utf-8");
	char expected[2048];
	snprintf(
		expected, sizeof(expected),
		"{\"events\": {"
		"\"event-%s@localhost\": {\"start\": \"2027-10-30T23:30:00Z\", "
		"\"end\": \"2027-10-31T01:30:00Z\", \"all_day\": false, \"summary\": \"Nuit des "
		"étoiles\", \"description\": \"Apportez; des, gâteaux\", \"status\": \"CONFIRMED\", "
		"\"sequence\": 2},"
		"\"event-%s@localhost\": {\"start\": \"2027-01-15T08:00:00Z\", "
		"\"end\": \"2027-01-15T10:00:00Z\", \"summary\": \"Piscine\"},"
		"\"event-%s@localhost\": {\"start\": \"2027-03-01T08:00:00Z\", \"end\": null},"
		"\"event-%s@localhost\": {\"summary\": \"Bénévole\"},"
		"\"event-%s@localhost\": {\"status\": \"CANCELLED\", \"sequence\": 1},"
		"\"event-%s@localhost\": {\"start\": \"2027-06-12\", \"end\": \"2027-06-13\", "
		"\"all_day\": true}}}",
		school, p2, p5reg, p5shift, cancelled, allday);
	ck_assert_int_eq(cal_check_ics(r, expected), 0);
	th_resp_free(&r);

	/* A new URL voids the old one. */
	char *url2 = feed_create(&mum);
	ck_assert_str_ne(url, url2);
	r = th_request("GET", path, NULL, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = th_request("GET", url_path(url2), NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	/* Revoked: 404, and a second revocation finds nothing. */
	r = th_request("DELETE", "/api/v1/calendar/feed", mum.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	r = th_request("GET", url_path(url2), NULL, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = th_request("DELETE", "/api/v1/calendar/feed", mum.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	free(url);
	free(url2);
	th_member_free(&mum);
	th_member_free(&other);
	th_member_free(&admin);
}
END_TEST

START_TEST(unknown_tokens_and_no_session)
{
	static const char *const paths[] = {
		"/ical/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics", /* the right shape */
		"/ical/short.ics",
		"/ical/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct th_resp *r = th_request("GET", paths[i], NULL, NULL, NULL, NULL);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
	}
	static const struct api_call calls[] = {
		{"POST", "/api/v1/calendar/feed", NULL},
		{"DELETE", "/api/v1/calendar/feed", NULL},
		{"GET", "/api/v1/events/3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69.ics", NULL},
	};
	api_assert_all_unauthorized(calls, sizeof(calls) / sizeof(calls[0]));
}
END_TEST

START_TEST(one_event_ics_follows_the_audience)
{
	struct th_member mum, stranger, admin;
	ann_member(&mum, "icsmum", NULL);
	ann_member(&stranger, "icsstranger", NULL);
	ann_member(&admin, "icsadmin", "admin");
	free(ann_child(mum.access_token, "Noé", "P3"));
	char id[37], path[128];
	cal_uuid(id);
	cal_event_insert(&(struct cal_event){.id = id,
					     .organiser_id = admin.id,
					     .class_name = "P3",
					     .title = "Sortie au musée, P3",
					     .starts_at = "2027-03-28T00:30:00Z",
					     .ends_at = "2027-03-28T02:30:00Z"});
	snprintf(path, sizeof(path), "/api/v1/events/%s.ics", id);
	struct th_resp *r = th_request("GET", path, mum.access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_header(r, "Content-Type"), "text/calendar; charset=utf-8");
	/* Across the start of summer time: 01:30 CET to 04:30 CEST. */
	char expected[512];
	snprintf(expected, sizeof(expected),
		 "{\"events\": {\"event-%s@localhost\": {\"start\": \"2027-03-28T00:30:00Z\", "
		 "\"end\": \"2027-03-28T02:30:00Z\", \"summary\": \"Sortie au musée, P3\"}}}",
		 id);
	ck_assert_int_eq(cal_check_ics(r, expected), 0);
	ck_assert_ptr_nonnull(strstr(r->body, "DTSTART;TZID=Europe/Brussels:20270328T013000\r\n"));
	ck_assert_ptr_nonnull(strstr(r->body, "DTEND;TZID=Europe/Brussels:20270328T043000\r\n"));
	th_resp_free(&r);
	/* Not in the audience, an unknown id, not an id: 404 alike. */
	r = th_request("GET", path, stranger.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/events/3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69.ics",
		       admin.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/events/nope.ics", admin.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	th_member_free(&mum);
	th_member_free(&stranger);
	th_member_free(&admin);
}
END_TEST

Suite *api_calendar_feed_suite(void)
{
	Suite *s = suite_create("calendar_feed");
	TCase *tc = tcase_create("feeds");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, feed_holds_the_members_events);
	tcase_add_test(tc, unknown_tokens_and_no_session);
	tcase_add_test(tc, one_event_ics_follows_the_audience);
	suite_add_tcase(s, tc);
	return s;
}
