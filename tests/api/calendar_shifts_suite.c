/*
 * Volunteer shifts: who may add one and what it must be (inside its event), signing up
 * and withdrawing (full, twice, not in the audience), and attendance: each confirmed
 * volunteer paid reward_units in the SEL ledger once, a kind "reward" transaction from
 * the school account, with the payee's limit, the audit still balanced; GDPR export.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announcements_support.h"
#include "calendar_support.h"

/* One event from 14:00 to 18:00 Brussels time on Saturday 12 June 2027, by "organiser",
 * for class P4 (NULL: the school). */
static void june_event(char id[37], const struct th_member *organiser, const char *class_name,
		       const char *status)
{
	cal_uuid(id);
	cal_event_insert(&(struct cal_event){.id = id,
					     .organiser_id = organiser->id,
					     .class_name = class_name,
					     .status = status,
					     .title = "Fancy-fair",
					     .starts_at = "2027-06-12T12:00:00Z",
					     .ends_at = "2027-06-12T16:00:00Z"});
}

/*
 * What the shift tests start from: an organiser "PREFIXorg" with "org_role", "members"
 * members "PREFIXa", "PREFIXb"... (each with a child in "class_name" when it is not NULL,
 * so they are in the audience of a class event), a June event for that class (NULL: the
 * school) and one shift on it from 14:00 to "ends_at" UTC, with "slots" and "reward".
 */
#define SHIFT_MEMBERS_MAX 3
struct shift_fixture {
	struct th_member org, m[SHIFT_MEMBERS_MAX];
	size_t members;
	char ev[37];
	char *sid;
};

static void shift_fixture_up(struct shift_fixture *f, const char *prefix, const char *org_role,
			     size_t members, const char *class_name, const char *ends_at,
			     int slots, int reward)
{
	char who[40];
	ck_assert_uint_le(members, SHIFT_MEMBERS_MAX);
	snprintf(who, sizeof(who), "%sorg", prefix);
	ann_member(&f->org, who, org_role);
	f->members = members;
	for (size_t i = 0; i < members; i++) {
		snprintf(who, sizeof(who), "%s%c", prefix, (char)('a' + i));
		ann_member(&f->m[i], who, NULL);
		if (class_name != NULL)
			free(ann_child(f->m[i].access_token, "Kid", class_name));
	}
	june_event(f->ev, &f->org, class_name, NULL);
	f->sid = cal_shift(f->org.access_token, f->ev, "2027-06-12T12:00:00Z", ends_at, slots,
			   reward);
}

static void shift_fixture_down(struct shift_fixture *f)
{
	free(f->sid);
	th_member_free(&f->org);
	for (size_t i = 0; i < f->members; i++)
		th_member_free(&f->m[i]);
}

/* "m" signs up for the fixture's shift: 201. */
static void volunteer(const struct shift_fixture *f, const struct th_member *m)
{
	struct th_resp *r = cal_shift_call("POST", m->access_token, f->ev, f->sid, "/volunteers",
					   NULL);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	th_resp_free(&r);
}

START_TEST(shift_creation_rules)
{
	struct th_member org, parent, stranger;
	ann_member(&org, "shiftorg", "teacher");
	ann_member(&parent, "shiftparent", NULL);
	ann_member(&stranger, "shiftstranger", NULL);
	free(ann_child(parent.access_token, "Ada", "P4"));
	char ev[37];
	june_event(ev, &org, "P4", NULL);
	/* Offsets are read: 15:00+02:00 is 13:00 UTC. */
	struct th_resp *r = cal_shift_post(
		org.access_token, ev,
		"{\"title\":\"Bar\",\"starts_at\":\"2027-06-12T15:00:00+02:00\","
		"\"ends_at\":\"2027-06-12T14:00:00Z\",\"slots\":2,\"reward_units\":60}");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "starts_at"), "2027-06-12T13:00:00Z");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "slots")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "reward_units")), 60);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "volunteers")), 0);
	ck_assert(json_is_false(json_object_get(r->json, "volunteered")));
	th_resp_free(&r);
	ck_assert_int_eq(
		api_db_count("SELECT COUNT(*) FROM event_shifts WHERE event_id = $1", ev, NULL), 1);

	/* A parent of the audience may not; a stranger does not see the event. */
	const char *ok = "{\"title\":\"Bar\",\"starts_at\":\"2027-06-12T13:00:00Z\","
			 "\"ends_at\":\"2027-06-12T14:00:00Z\",\"slots\":2}";
	r = cal_shift_post(parent.access_token, ev, ok);
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	r = cal_shift_post(stranger.access_token, ev, ok);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = cal_shift_post(org.access_token, "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69", ok);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);

	/* Bad input: each field named. */
	static const struct {
		const char *body, *field, *code;
	} bad[] = {
		{"{\"title\":\"Bar\",\"starts_at\":\"2027-06-12T11:00:00Z\",\"ends_at\":\"2027-06-12T13:00:00Z\",\"slots\":1}",
		 "starts_at", "outside_event"},
		{"{\"title\":\"Bar\",\"starts_at\":\"2027-06-12T15:00:00Z\",\"ends_at\":\"2027-06-12T17:00:00Z\",\"slots\":1}",
		 "ends_at", "outside_event"},
		{"{\"title\":\"Bar\",\"starts_at\":\"2027-06-12T14:00:00Z\",\"ends_at\":\"2027-06-12T13:00:00Z\",\"slots\":1}",
		 "ends_at", "before_start"},
		{"{\"title\":\"Bar\",\"starts_at\":\"2027-06-12 13:00\",\"ends_at\":\"2027-06-12T14:00:00Z\",\"slots\":1}",
		 "starts_at", "invalid_time"},
		{"{\"title\":\"Bar\",\"starts_at\":\"2027-06-12T13:00:00Z\",\"ends_at\":\"2027-06-12T14:00:00Z\",\"slots\":0}",
		 "slots", "out_of_range"},
		{"{\"title\":\"Bar\",\"starts_at\":\"2027-06-12T13:00:00Z\",\"ends_at\":\"2027-06-12T14:00:00Z\",\"slots\":1,\"reward_units\":-5}",
		 "reward_units", "out_of_range"},
		{"{\"title\":\"\",\"starts_at\":\"2027-06-12T13:00:00Z\",\"ends_at\":\"2027-06-12T14:00:00Z\",\"slots\":1}",
		 "title", "too_short"},
		{"{\"starts_at\":\"2027-06-12T13:00:00Z\",\"ends_at\":\"2027-06-12T14:00:00Z\"}",
		 "slots", "required"},
		{"{\"title\":\"Bar\",\"starts_at\":\"2027-06-12T13:00:00Z\",\"ends_at\":\"2027-06-12T14:00:00Z\",\"slots\":1,\"hours\":2}",
		 "hours", "unknown_field"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = cal_shift_post(org.access_token, ev, bad[i].body);
		assert_field_error(r, bad[i].field, bad[i].code);
		th_resp_free(&r);
	}
	ck_assert_int_eq(
		api_db_count("SELECT COUNT(*) FROM event_shifts WHERE event_id = $1", ev, NULL), 1);

	/* A cancelled event takes no new shift: the events routes' code for it. */
	char gone[37];
	june_event(gone, &org, "P4", "cancelled");
	r = cal_shift_post(org.access_token, gone, ok);
	ck_assert_problem(r, 409, "event_cancelled");
	th_resp_free(&r);
	th_member_free(&org);
	th_member_free(&parent);
	th_member_free(&stranger);
}
END_TEST

START_TEST(volunteers_sign_up_and_withdraw)
{
	struct shift_fixture f;
	shift_fixture_up(&f, "vol", "admin", 2, "P1", "2027-06-12T13:00:00Z", 1, 0);
	const struct th_member *org = &f.org, *a = &f.m[0], *b = &f.m[1];
	const char *ev = f.ev, *sid = f.sid;
	struct th_member stranger;
	ann_member(&stranger, "volstranger", NULL);

	struct th_resp *r = cal_shift_call("POST", a->access_token, ev, sid, "/volunteers", NULL);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	ck_assert(json_is_true(json_object_get(r->json, "volunteered")));
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "volunteers")), 1);
	th_resp_free(&r);
	r = cal_shift_call("POST", a->access_token, ev, sid, "/volunteers", NULL);
	ck_assert_problem(r, 409, "already_volunteered");
	th_resp_free(&r);
	r = cal_shift_call("POST", b->access_token, ev, sid, "/volunteers", NULL);
	ck_assert_problem(r, 409, "shift_full");
	th_resp_free(&r);
	r = cal_shift_call("POST", stranger.access_token, ev, sid, "/volunteers", NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = cal_shift_call("POST", a->access_token, ev, "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69",
			   "/volunteers", NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	ck_assert_int_eq(
		api_db_count("SELECT volunteers FROM event_shifts WHERE id = $1", sid, NULL), 1);

	/* The list shows each member their own state. */
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/events/%s/shifts", ev);
	r = th_request("GET", path, b->access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	json_t *item = json_array_get(json_object_get(r->json, "items"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(item, "id")), sid);
	ck_assert(json_is_false(json_object_get(item, "volunteered")));
	th_resp_free(&r);
	r = th_request("GET", path, stranger.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	/* GET /events/{id} carries them too, each member's own state. */
	snprintf(path, sizeof(path), "/api/v1/events/%s", ev);
	r = th_request("GET", path, a->access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	item = json_array_get(json_object_get(r->json, "shifts"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(item, "id")), sid);
	ck_assert(json_is_true(json_object_get(item, "volunteered")));
	th_resp_free(&r);

	/* Withdrawing frees the place; twice finds nothing. */
	r = cal_shift_call("DELETE", a->access_token, ev, sid, "/volunteers/me", NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	r = cal_shift_call("DELETE", a->access_token, ev, sid, "/volunteers/me", NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = cal_shift_call("POST", b->access_token, ev, sid, "/volunteers", NULL);
	ck_assert_int_eq(r->status, 201);
	th_resp_free(&r);

	/* A proposal (its organiser sees it) is not open yet; a cancelled event answers the
	 * events routes' code. */
	api_db_exec("UPDATE events SET status = 'proposed' WHERE id = $1", ev, NULL);
	r = cal_shift_call("POST", org->access_token, ev, sid, "/volunteers", NULL);
	ck_assert_problem(r, 409, "event_not_open");
	th_resp_free(&r);
	api_db_exec("UPDATE events SET status = 'cancelled' WHERE id = $1", ev, NULL);
	r = cal_shift_call("POST", a->access_token, ev, sid, "/volunteers", NULL);
	ck_assert_problem(r, 409, "event_cancelled");
	th_resp_free(&r);
	th_member_free(&stranger);
	shift_fixture_down(&f);
}
END_TEST

static int64_t balance_of(const struct th_member *m)
{
	struct th_resp *r =
		th_request("GET", "/api/v1/sel/balance", m->access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	int64_t b = json_integer_value(json_object_get(r->json, "balance"));
	th_resp_free(&r);
	return b;
}

static void audit_ok(const struct th_member *admin)
{
	struct th_resp *r =
		th_request("GET", "/api/v1/admin/sel/audit", admin->access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_msg(json_is_true(json_object_get(r->json, "ok")), "audit: %s", r->body);
	th_resp_free(&r);
}

static int64_t rewards_of(const struct th_member *m)
{
	return api_db_count("SELECT COUNT(*) FROM sel_transactions WHERE kind = 'reward' AND "
			    "to_user_id = $1 AND status = 'completed'",
			    m->id, NULL);
}

START_TEST(attendance_pays_once_in_the_sel)
{
	struct shift_fixture f;
	shift_fixture_up(&f, "rew", "teacher", 3, NULL, "2027-06-12T14:00:00Z", 3, 300);
	const struct th_member *org = &f.org, *a = &f.m[0], *b = &f.m[1], *c = &f.m[2];
	const char *ev = f.ev, *sid = f.sid;
	struct th_member admin;
	ann_member(&admin, "rewadmin", "admin");
	struct th_resp *r;
	volunteer(&f, a);
	volunteer(&f, b);
	int64_t before = balance_of(a);
	char body[256];
	/* Only the organiser (or an admin) confirms. */
	snprintf(body, sizeof(body), "{\"user_ids\":[\"%s\"]}", a->id);
	r = cal_shift_call("POST", a->access_token, ev, sid, "/attendance", body);
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	/* Someone who never signed up: 422, and nobody is confirmed or paid. */
	snprintf(body, sizeof(body), "{\"user_ids\":[\"%s\",\"%s\"]}", a->id, c->id);
	r = cal_shift_call("POST", org->access_token, ev, sid, "/attendance", body);
	assert_field_error(r, "user_ids", "not_a_volunteer");
	th_resp_free(&r);
	ck_assert_int_eq(rewards_of(a), 0);
	r = cal_shift_call("POST", org->access_token, ev, sid, "/attendance",
			   "{\"user_ids\":[\"x\"]}");
	assert_field_error(r, "user_ids", "invalid_uuid");
	th_resp_free(&r);

	/* Confirmed: paid 300 units from the school account, once. */
	snprintf(body, sizeof(body), "{\"user_ids\":[\"%s\"]}", a->id);
	r = cal_shift_call("POST", org->access_token, ev, sid, "/attendance", body);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(
		json_string_value(json_array_get(json_object_get(r->json, "confirmed"), 0)), a->id);
	th_resp_free(&r);
	ck_assert_int_eq(balance_of(a), before + 300);
	ck_assert_int_eq(rewards_of(a), 1);
	ck_assert_int_eq(
		api_db_count("SELECT COUNT(*) FROM sel_transactions t JOIN shift_volunteers v "
			     "ON v.reward_tx_id = t.id WHERE v.user_id = $1 AND "
			     "t.from_account = '00000000-0000-0000-0000-000000000000'",
			     a->id, NULL),
		1);
	r = cal_shift_call("POST", org->access_token, ev, sid, "/attendance", body);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "confirmed")), 0);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "already_confirmed")), 1);
	th_resp_free(&r);
	ck_assert_int_eq(rewards_of(a), 1);
	ck_assert_int_eq(balance_of(a), before + 300);
	audit_ok(&admin);

	/* A confirmed volunteer can no longer withdraw. */
	r = cal_shift_call("DELETE", a->access_token, ev, sid, "/volunteers/me", NULL);
	ck_assert_problem(r, 409, "attendance_confirmed");
	th_resp_free(&r);

	/* The payee's limit applies (600 by default): b already holds 420, 300 more is too
	 * much; nothing is confirmed. */
	char *sid2 = cal_shift(org->access_token, ev, "2027-06-12T14:00:00Z", "2027-06-12T16:00:00Z",
			       1, 300);
	r = cal_shift_call("POST", b->access_token, ev, sid2, "/volunteers", NULL);
	ck_assert_int_eq(r->status, 201);
	th_resp_free(&r);
	snprintf(body, sizeof(body), "{\"user_ids\":[\"%s\"]}", b->id);
	r = cal_shift_call("POST", admin.access_token, ev, sid, "/attendance", body);
	ck_assert_int_eq(r->status, 200); /* an admin may confirm too: 120 + 300 = 420 */
	th_resp_free(&r);
	r = cal_shift_call("POST", org->access_token, ev, sid2, "/attendance", body);
	ck_assert_problem(r, 409, "payee_limit");
	th_resp_free(&r);
	ck_assert_int_eq(rewards_of(b), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM shift_volunteers WHERE shift_id = $1 "
				      "AND attended_at IS NOT NULL",
				      sid2, NULL),
			 0);
	audit_ok(&admin);

	/* GDPR: the export lists the member's shifts. */
	r = th_request("GET", "/api/v1/users/me/export", a->access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	json_t *shifts = json_object_get(r->json, "volunteer_shifts");
	ck_assert_int_eq(json_array_size(shifts), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(shifts, 0), "shift_id")),
			 sid);
	ck_assert_ptr_nonnull(
		json_string_value(json_object_get(json_array_get(shifts, 0), "attended_at")));
	th_resp_free(&r);
	free(sid2);
	th_member_free(&admin);
	shift_fixture_down(&f);
}
END_TEST

/* The volunteer of "items" whose id is "user_id", or NULL. */
static json_t *volunteer_in(json_t *items, const char *user_id)
{
	for (size_t i = 0; i < json_array_size(items); i++) {
		const char *id = json_string_value(json_object_get(json_array_get(items, i), "id"));
		if (id != NULL && strcmp(id, user_id) == 0)
			return json_array_get(items, i);
	}
	return NULL;
}

/* GET .../volunteers: the organiser's (and admins') list, with attendance and the reward
 * that paid it; members of the audience 403, others 404, no token 401. */
START_TEST(organiser_lists_volunteers)
{
	struct shift_fixture f;
	shift_fixture_up(&f, "list", "teacher", 2, "P2", "2027-06-12T13:00:00Z", 3, 60);
	const struct th_member *org = &f.org, *a = &f.m[0], *b = &f.m[1];
	const char *ev = f.ev, *sid = f.sid;
	struct th_member admin, stranger;
	ann_member(&admin, "listadmin", "admin");
	ann_member(&stranger, "liststranger", NULL);
	struct th_resp *r = cal_shift_call("GET", org->access_token, ev, sid, "/volunteers", NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
	th_resp_free(&r);
	volunteer(&f, a);
	volunteer(&f, b);
	char body[128];
	snprintf(body, sizeof(body), "{\"user_ids\":[\"%s\"]}", a->id);
	r = cal_shift_call("POST", org->access_token, ev, sid, "/attendance", body);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	const struct th_member *managers[] = {org, &admin};
	for (size_t i = 0; i < 2; i++) {
		r = cal_shift_call("GET", managers[i]->access_token, ev, sid, "/volunteers", NULL);
		ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
		json_t *items = json_object_get(r->json, "items");
		ck_assert_int_eq(json_array_size(items), 2);
		json_t *va = volunteer_in(items, a->id), *vb = volunteer_in(items, b->id);
		ck_assert_ptr_nonnull(va);
		ck_assert_ptr_nonnull(vb);
		ck_assert_str_eq(json_string_value(json_object_get(va, "first_name")), "lista");
		ck_assert_str_eq(json_string_value(json_object_get(va, "last_name")), "Test");
		ck_assert_ptr_nonnull(json_string_value(json_object_get(va, "signed_up_at")));
		ck_assert(json_is_true(json_object_get(va, "attendance_confirmed")));
		ck_assert(json_is_false(json_object_get(vb, "attendance_confirmed")));
		ck_assert(json_is_null(json_object_get(vb, "reward_transaction_id")));
		/* The reward named is the one the ledger holds for "a". */
		const char *tx = json_string_value(json_object_get(va, "reward_transaction_id"));
		ck_assert_ptr_nonnull(tx);
		ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_transactions WHERE id = $1 "
					      "AND kind = 'reward' AND to_user_id = $2",
					      tx, a->id),
				 1);
		th_resp_free(&r);
	}

	/* A volunteer sees the event but not the list; a stranger not even the event. */
	r = cal_shift_call("GET", a->access_token, ev, sid, "/volunteers", NULL);
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	r = cal_shift_call("GET", stranger.access_token, ev, sid, "/volunteers", NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = cal_shift_call("GET", org->access_token, ev, "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69",
			   "/volunteers", NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/events/%s/shifts/%s/volunteers", ev, sid);
	const struct api_call calls[] = {{"GET", path, NULL}};
	api_assert_all_unauthorized(calls, 1);
	th_member_free(&admin);
	th_member_free(&stranger);
	shift_fixture_down(&f);
}
END_TEST

START_TEST(erasure_frees_places_keeps_paid_shifts)
{
	struct shift_fixture f;
	shift_fixture_up(&f, "erase", "admin", 2, NULL, "2027-06-12T13:00:00Z", 2, 30);
	const struct th_member *org = &f.org, *paid = &f.m[0], *leaving = &f.m[1];
	const char *ev = f.ev, *sid = f.sid;
	volunteer(&f, paid);
	volunteer(&f, leaving);
	char body[128];
	snprintf(body, sizeof(body), "{\"user_ids\":[\"%s\"]}", paid->id);
	struct th_resp *r = cal_shift_call("POST", org->access_token, ev, sid, "/attendance", body);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = th_request("POST", "/api/v1/calendar/feed", leaving->access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 201);
	th_resp_free(&r);

	const struct th_member *gone[] = {leaving, paid};
	for (size_t i = 0; i < 2; i++) {
		r = th_json("DELETE", "/api/v1/users/me", gone[i]->access_token, "{s:s}",
			    "password", gone[i]->password);
		ck_assert_int_eq(r->status, 204);
		th_resp_free(&r);
	}
	/* The unconfirmed place is free again, the feed gone; the paid shift stays. */
	ck_assert_int_eq(
		api_db_count("SELECT volunteers FROM event_shifts WHERE id = $1", sid, NULL), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM shift_volunteers WHERE user_id = $1",
				      leaving->id, NULL),
			 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM calendar_feeds WHERE user_id = $1",
				      leaving->id, NULL),
			 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM shift_volunteers WHERE user_id = $1 "
				      "AND reward_tx_id IS NOT NULL",
				      paid->id, NULL),
			 1);
	shift_fixture_down(&f);
}
END_TEST

#define RACERS 8
#define RACE_SLOTS 3

struct race_call {
	pthread_t thread;
	pthread_barrier_t *barrier;
	const char *method, *token, *event_id, *shift_id, *suffix, *body;
	long status;
};

static void *race_send(void *arg)
{
	struct race_call *c = arg;
	pthread_barrier_wait(c->barrier);
	struct th_resp *r =
		cal_shift_call(c->method, c->token, c->event_id, c->shift_id, c->suffix, c->body);
	c->status = r->status;
	th_resp_free(&r);
	return NULL;
}

/* Sends the n calls at once (one barrier) and waits for them all. */
static void race(struct race_call *calls, int n)
{
	pthread_barrier_t barrier;
	pthread_barrier_init(&barrier, NULL, (unsigned)n);
	for (int i = 0; i < n; i++) {
		calls[i].barrier = &barrier;
		ck_assert_int_eq(pthread_create(&calls[i].thread, NULL, race_send, &calls[i]), 0);
	}
	for (int i = 0; i < n; i++)
		pthread_join(calls[i].thread, NULL);
	pthread_barrier_destroy(&barrier);
}

/* Eight sign-ups at once for three places: exactly three in, five refused; two
 * confirmations of the same volunteer at once: paid once. */
START_TEST(concurrent_signups_and_confirmations)
{
	struct shift_fixture f;
	shift_fixture_up(&f, "race", "admin", 0, NULL, "2027-06-12T13:00:00Z", RACE_SLOTS, 45);
	const struct th_member *org = &f.org;
	const char *ev = f.ev, *sid = f.sid;
	struct th_member racers[RACERS];
	for (int i = 0; i < RACERS; i++)
		th_member_register(&racers[i], "racevol");
	struct race_call calls[RACERS];
	for (int i = 0; i < RACERS; i++)
		calls[i] = (struct race_call){.method = "POST",
					      .token = racers[i].access_token,
					      .event_id = ev,
					      .shift_id = sid,
					      .suffix = "/volunteers"};
	race(calls, RACERS);
	int in = 0, full = 0, winner = -1;
	for (int i = 0; i < RACERS; i++) {
		in += calls[i].status == 201;
		full += calls[i].status == 409;
		if (calls[i].status == 201)
			winner = i;
	}
	ck_assert_int_eq(in, RACE_SLOTS);
	ck_assert_int_eq(full, RACERS - RACE_SLOTS);
	ck_assert_int_eq(api_db_count("SELECT volunteers FROM event_shifts WHERE id = $1", sid,
				      NULL),
			 RACE_SLOTS);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM shift_volunteers WHERE shift_id = $1",
				      sid, NULL),
			 RACE_SLOTS);

	char body[128];
	snprintf(body, sizeof(body), "{\"user_ids\":[\"%s\"]}", racers[winner].id);
	struct race_call confirm[2];
	for (int i = 0; i < 2; i++)
		confirm[i] = (struct race_call){.method = "POST",
						.token = org->access_token,
						.event_id = ev,
						.shift_id = sid,
						.suffix = "/attendance",
						.body = body};
	race(confirm, 2);
	ck_assert_int_eq(confirm[0].status, 200);
	ck_assert_int_eq(confirm[1].status, 200);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_transactions WHERE kind = 'reward' "
				      "AND to_user_id = $1",
				      racers[winner].id, NULL),
			 1);
	audit_ok(org);
	shift_fixture_down(&f);
	for (int i = 0; i < RACERS; i++)
		th_member_free(&racers[i]);
}
END_TEST

Suite *api_calendar_shifts_suite(void)
{
	Suite *s = suite_create("calendar_shifts");
	TCase *tc = tcase_create("shifts");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, shift_creation_rules);
	tcase_add_test(tc, volunteers_sign_up_and_withdraw);
	tcase_add_test(tc, attendance_pays_once_in_the_sel);
	tcase_add_test(tc, organiser_lists_volunteers);
	tcase_add_test(tc, erasure_frees_places_keeps_paid_shifts);
	tcase_add_test(tc, concurrent_signups_and_confirmations);
	suite_add_tcase(s, tc);
	return s;
}
