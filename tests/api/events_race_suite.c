/*
 * Sign-ups under concurrency, on both backends: 50 one-person sign-ups sent at once for
 * 10 places give exactly 10 confirmed and 40 waiting with positions 1 to 40; withdrawals
 * (confirmed and waiting) racing new sign-ups leave the 10 earliest arrivals confirmed
 * and the others waiting in order, the seat count equal to the confirmed people. Each
 * thread sends one request; they all start from one barrier.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events_support.h"

Suite *api_events_race_suite(void);

#define RACERS 50
#define PLACES 10

static struct th_member racers[RACERS];

static void race_start(void)
{
	ev_school_start();
	for (int i = 0; i < RACERS; i++)
		ev_member(&racers[i], "evracer");
}

static void race_stop(void)
{
	for (int i = 0; i < RACERS; i++)
		th_member_free(&racers[i]);
	ev_school_stop();
}

struct call {
	pthread_t thread;
	pthread_barrier_t *barrier;
	const char *method, *token, *id, *suffix, *body;
	long status;
	char state[16];
	long position;
};

static void *send_call(void *arg)
{
	struct call *c = arg;
	pthread_barrier_wait(c->barrier);
	struct th_resp *r = ev_call(c->method, c->token, c->id, c->suffix, c->body);
	c->status = r->status;
	const char *state = r->json ? th_str(r, "status") : NULL;
	snprintf(c->state, sizeof(c->state), "%s", state ? state : "");
	json_t *p = r->json ? json_object_get(r->json, "position") : NULL;
	c->position = json_is_integer(p) ? (long)json_integer_value(p) : 0;
	th_resp_free(&r);
	return NULL;
}

/* Runs the n calls at once and waits for them all. */
static void run_at_once(struct call *calls, int n)
{
	pthread_barrier_t barrier;
	ck_assert_int_eq(pthread_barrier_init(&barrier, NULL, (unsigned)n), 0);
	for (int i = 0; i < n; i++) {
		calls[i].barrier = &barrier;
		ck_assert_int_eq(pthread_create(&calls[i].thread, NULL, send_call, &calls[i]), 0);
	}
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(pthread_join(calls[i].thread, NULL), 0);
	pthread_barrier_destroy(&barrier);
}

static const char ONE[] = "{\"adults\":1,\"children\":0}";

START_TEST(fifty_sign_ups_for_ten_places)
{
	char extra[32];
	snprintf(extra, sizeof(extra), ",\"capacity\":%d", PLACES);
	char *id = ev_create(ev.admin.access_token, "Course", "{\"school\":true}", extra);
	struct call calls[RACERS];
	memset(calls, 0, sizeof(calls));
	for (int i = 0; i < RACERS; i++)
		calls[i] = (struct call){.method = "POST",
					 .token = racers[i].access_token,
					 .id = id,
					 .suffix = "/registrations",
					 .body = ONE};
	run_at_once(calls, RACERS);
	int confirmed = 0;
	bool seen[RACERS + 1] = {false};
	for (int i = 0; i < RACERS; i++) {
		ck_assert_msg(calls[i].status == 201, "racer %d: %ld", i, calls[i].status);
		if (strcmp(calls[i].state, "confirmed") == 0) {
			confirmed++;
			ck_assert_int_eq(calls[i].position, 0);
		} else {
			ck_assert_str_eq(calls[i].state, "waiting");
			ck_assert(calls[i].position >= 1 && calls[i].position <= RACERS - PLACES);
			ck_assert_msg(!seen[calls[i].position], "position %ld twice",
				      calls[i].position);
			seen[calls[i].position] = true;
		}
	}
	ck_assert_int_eq(confirmed, PLACES);
	ck_assert_int_eq(ev_count(id, "confirmed"), PLACES);
	ck_assert_int_eq(ev_count(id, "waiting"), RACERS - PLACES);
	ck_assert_int_eq(ev_seats(id), PLACES);
	free(id);
}
END_TEST

START_TEST(withdrawals_race_sign_ups)
{
	char extra[32];
	snprintf(extra, sizeof(extra), ",\"capacity\":%d", PLACES);
	char *id = ev_create(ev.admin.access_token, "Relais", "{\"school\":true}", extra);
	/* In order: racers 0-9 confirmed, 10-29 waiting 1 to 20. */
	for (int i = 0; i < 30; i++) {
		struct th_resp *r = ev_register(racers[i].access_token, id, 1, 0);
		ck_assert_int_eq(r->status, 201);
		ck_assert_str_eq(th_str(r, "status"), i < PLACES ? "confirmed" : "waiting");
		th_resp_free(&r);
	}
	/* At once: 5 confirmed and 5 waiting withdraw, 10 newcomers sign up. */
	struct call calls[20];
	memset(calls, 0, sizeof(calls));
	for (int i = 0; i < 5; i++) {
		calls[i] = (struct call){.method = "DELETE",
					 .token = racers[i].access_token,
					 .id = id,
					 .suffix = "/registrations/me"};
		calls[5 + i] = (struct call){.method = "DELETE",
					     .token = racers[10 + i].access_token,
					     .id = id,
					     .suffix = "/registrations/me"};
	}
	for (int i = 0; i < 10; i++)
		calls[10 + i] = (struct call){.method = "POST",
					      .token = racers[30 + i].access_token,
					      .id = id,
					      .suffix = "/registrations",
					      .body = ONE};
	run_at_once(calls, 20);
	for (int i = 0; i < 20; i++) {
		ck_assert_int_eq(calls[i].status, i < 10 ? 204 : 201);
		if (i >= 10) /* seats freed always went to those already waiting */
			ck_assert_str_eq(calls[i].state, "waiting");
	}
	/* The 10 earliest arrivals left are confirmed, the seats count them, the rest wait. */
	ck_assert_int_eq(ev_count(id, "confirmed"), PLACES);
	ck_assert_int_eq(ev_seats(id), PLACES);
	ck_assert_int_eq(ev_count(id, "waiting"), 20);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM event_registrations c WHERE "
				      "c.event_id = $1 AND c.status = 'confirmed' AND c.arrival > "
				      "(SELECT MIN(w.arrival) FROM event_registrations w WHERE "
				      "w.event_id = $1 AND w.status = 'waiting')",
				      id, NULL),
			 0);
	for (int i = 15; i < 20; i++) { /* the five first still waiting were promoted */
		struct th_resp *r = ev_call("GET", racers[i].access_token, id, "", NULL);
		json_t *mine = json_object_get(r->json, "registration");
		ck_assert_str_eq(json_string_value(json_object_get(mine, "status")), "confirmed");
		th_resp_free(&r);
	}
	free(id);
}
END_TEST

Suite *api_events_race_suite(void)
{
	Suite *s = suite_create("events race");
	TCase *tc = tcase_create("race");
	tcase_add_unchecked_fixture(tc, race_start, race_stop);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, fifty_sign_ups_for_ten_places);
	tcase_add_test(tc, withdrawals_race_sign_ups);
	suite_add_tcase(s, tc);
	return s;
}
