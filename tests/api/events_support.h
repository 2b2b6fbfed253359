/* What the events suites share: a small school (admin, teacher of P3, two families, a
 * member without children), event bodies and calls. */
#ifndef SCHOOLHUB_TESTS_EVENTS_SUPPORT_H
#define SCHOOLHUB_TESTS_EVENTS_SUPPORT_H

#include <stdint.h>
#include <time.h>

#include "api.h"

struct ev_school {
	struct th_member admin, teacher; /* teacher staffs P3 */
	struct th_member pa, pb; /* pa: a child in P3; pb: a child in P5 */
	struct th_member outsider; /* a parent without children */
};
extern struct ev_school ev;

/* A member written straight into the database (verified, no password: "who" as first
 * name), with an access token issued by the server's key. The events suites test events,
 * not registration: an argon2 hash per member costs seconds under valgrind. */
void ev_member(struct th_member *m, const char *who);
/* Unchecked fixture: the shared server and the school above; and its end. */
void ev_school_start(void);
void ev_school_stop(void);

/* RFC 3339 UTC text "days" days (may be negative) and "hours" hours from now, into a
 * static ring of buffers (valid for the next 7 calls). */
const char *ev_at(int days, int hours);

/* POST /api/v1/events with a raw JSON body. */
struct th_resp *ev_post(const char *token, const char *body);
/* Creates an event (201 expected): "audience" is a JSON object text ("{\"school\":true}"),
 * "extra" more members (",\"capacity\":10") or "". Its id (malloc'ed). */
char *ev_create(const char *token, const char *title, const char *audience, const char *extra);
/* "METHOD /api/v1/events/{id}<suffix>" with a raw body (or NULL). */
struct th_resp *ev_call(const char *method, const char *token, const char *id, const char *suffix,
			const char *body);
/* POST …/registrations {adults, children}. */
struct th_resp *ev_register(const char *token, const char *id, int adults, int children);
/* Rows of event_registrations of event "id" with "status". */
int64_t ev_count(const char *id, const char *status);
/* The seats_taken column of event "id". */
int64_t ev_seats(const char *id);
/* Notifications of "kind" for "user_id". */
int64_t ev_notified(const char *user_id, const char *kind);

#endif
