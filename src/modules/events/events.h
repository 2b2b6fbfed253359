/*
 * Module "events" (issue #14): school events, who they are for, proposals, publishing and
 * cancelling, and family sign-ups with a capacity counted in people and a waiting list.
 *
 * Who sees an event: every admin; its organiser; and, once published (or cancelled), the
 * members it is addressed to: everyone for a school-wide event, else the guardians of the
 * children in its classes and the classes' staff (the same membership rule as class
 * conversations, modules/messages/membership_sql.h). Anyone else gets 404, exactly as for
 * an event that does not exist.
 */
#ifndef SCHOOLHUB_EVENTS_MODULE_H
#define SCHOOLHUB_EVENTS_MODULE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "modules/classes/classes.h"
#include "schoolhub/http.h"
#include "schoolhub/jobs.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/util.h"

#define SH_EVENT_TITLE_MAX 200
#define SH_EVENT_LOCATION_MAX 200
#define SH_EVENT_DESCRIPTION_MAX 10000
#define SH_EVENT_REASON_MAX 500
#define SH_EVENT_CAPACITY_MAX 100000
#define SH_EVENT_PARTY_MAX 20
#define SH_EVENT_LONGEST_S (366L * 86400) /* an event lasts at most a year */

/* Who is asking: the request's member, as the visibility rule needs them. */
struct sh_event_viewer {
	const char *id;
	bool admin;
	bool staff; /* an active teacher or admin */
};
struct sh_event_viewer sh_event_viewer_of(const struct sh_request *req);

/* An event as one member sees it (strings in the request's arena). */
struct sh_event {
	const char *id, *title, *description, *location;
	const char *starts_at, *ends_at; /* RFC 3339 UTC; ends_at may be NULL */
	bool all_day;
	const char *status; /* "proposed", "published", "cancelled" */
	int64_t sequence;
	const char *organiser_id; /* NULL once the organiser's account is erased */
	const char *organiser_first_name, *organiser_last_name;
	const char *classes; /* "P3,P4", NULL for the whole school */
	const char *signup; /* "none" or "family" */
	int64_t capacity; /* -1: no limit */
	int64_t seats_taken, waiting;
	const char *signup_deadline, *cancel_reason, *created_at, *updated_at;
	/* The viewer's registration: reg_status NULL when they have none. */
	const char *reg_status;
	int64_t reg_adults, reg_children, reg_position; /* position 0 unless waiting */
};

/* What a POST or a PATCH sends (a PATCH sets has_* for what it changes). */
struct sh_event_input {
	const char *title, *description, *location;
	time_t starts, ends; /* ends 0: none */
	bool all_day;
	bool school;
	sh_class_set classes;
	const char *class_text; /* "P3,P4" or NULL */
	int64_t capacity; /* -1: none */
	time_t deadline; /* 0: none */
	const char *signup;
	bool has_title, has_description, has_location, has_starts, has_ends, has_all_day,
		has_audience, has_capacity, has_deadline, has_signup;
};

/* --- times (event_time.c) --------------------------------------------------------------- */
/* Parses RFC 3339 with an offset ("2026-12-10T18:30:00+01:00", "…Z", fractions dropped)
 * into "*t_r": 0, or -1 when it is not that shape or not a real time. */
int sh_event_time_parse(const char *s, time_t *t_r);
/* "2026-12-10 18:30" in Brussels time, for notification texts (arena). */
const char *sh_event_local_text(struct sh_arena *arena, time_t t);
/* The time_t of stored RFC 3339 UTC text, or 0. */
time_t sh_event_time_of(const char *utc);

/* --- input (event_input.c) -------------------------------------------------------------- */
/* The body of POST /events (patch false: title, starts_at, audience required) or of
 * PATCH /events/{id} (patch true: every field optional). 0, or -1 after a 422. */
int sh_event_input_or_reply(struct sh_request *req, struct sh_response *res, bool patch,
			    struct sh_event_input *in);
/* The times once merged with what is stored (a PATCH may send only one): ends after the
 * start and within a year of it, the deadline not after the start. 0 or -1 after a 422. */
int sh_event_times_or_reply(struct sh_request *req, struct sh_response *res, time_t starts,
			    time_t ends, time_t deadline);
/* {adults, children}: 0 or -1 after a 422. */
int sh_event_party_or_reply(struct sh_request *req, struct sh_response *res, int64_t *adults_r,
			    int64_t *children_r);

/* --- queries (event_queries.c) ---------------------------------------------------------- */
/* The event "id" as "viewer" sees it: SH_DB_ROW, SH_DB_OK when it does not exist for them. */
enum sh_db_rc sh_event_get(struct sh_conn *conn, struct sh_arena *arena,
			   const struct sh_event_viewer *viewer, const char *id,
			   struct sh_event *e);
void sh_event_write(struct sh_jw *w, const struct sh_event *e, const struct sh_event_viewer *v);

struct sh_event_filter {
	const char *from, *to; /* UTC text or NULL */
	const char *class_name; /* NULL: every class */
	bool proposed; /* proposals instead of the agenda */
	const char *after_start, *after_id; /* the cursor, or NULL */
	int limit;
};
/* Up to limit + 1 events (one more tells there is a next page). */
enum sh_db_rc sh_event_list(struct sh_conn *conn, struct sh_arena *arena,
			    const struct sh_event_viewer *viewer, const struct sh_event_filter *f,
			    struct sh_event **items_r, int *count_r);

/* Writes a new event and its classes. */
enum sh_db_rc sh_event_insert(struct sh_conn *conn, const char *id, const char *organiser_id,
			      const struct sh_event_input *in, const char *status, const char *now);
/* Applies a PATCH to the locked event "id"; "time_changed" bumps the sequence. */
enum sh_db_rc sh_event_update(struct sh_conn *conn, const char *id, const struct sh_event_input *in,
			      bool time_changed, const char *now);

/* The event row locked for this transaction (registrations and status changes): on
 * PostgreSQL SELECT … FOR UPDATE, so every writer of the event waits for the one before;
 * on SQLite the write transaction (BEGIN IMMEDIATE) already runs alone. */
struct sh_event_lock {
	bool visible; /* to the viewer given to sh_event_lock */
	const char *status, *signup, *organiser_id;
	int64_t capacity, seats_taken; /* capacity -1: no limit */
	time_t starts, ends, deadline; /* ends, deadline 0: none */
	const char *title;
};
enum sh_db_rc sh_event_lock(struct sh_conn *conn, struct sh_arena *arena,
			    const struct sh_event_viewer *viewer, const char *id,
			    struct sh_event_lock *l);

/* --- registrations (event_registrations.c) ---------------------------------------------- */
enum sh_reg_outcome {
	REG_DONE,
	REG_NOT_FOUND, /* no such event for the viewer, or no registration of theirs */
	REG_NOT_OPEN, /* a proposal, or an event without sign-up */
	REG_CLOSED, /* past the deadline (or the start) */
	REG_CANCELLED, /* the event is cancelled */
	REG_ALREADY, /* one registration per member */
	REG_NO_SEATS, /* a confirmed registration cannot grow past the free seats */
};
struct sh_reg_result {
	enum sh_reg_outcome outcome;
	const char *status; /* "confirmed" or "waiting" */
	int64_t adults, children, position;
};
struct sh_reg_ctx {
	struct sh_app *app; /* for the notifications of promoted members; NULL: by job */
	struct sh_arena *arena;
	const char *now;
	time_t now_t;
};
enum sh_db_rc sh_reg_create(struct sh_conn *conn, const struct sh_reg_ctx *c,
			    const struct sh_event_viewer *v, const char *event_id, int64_t adults,
			    int64_t children, struct sh_reg_result *r);
enum sh_db_rc sh_reg_change(struct sh_conn *conn, const struct sh_reg_ctx *c,
			    const struct sh_event_viewer *v, const char *event_id, int64_t adults,
			    int64_t children, struct sh_reg_result *r);
enum sh_db_rc sh_reg_withdraw(struct sh_conn *conn, const struct sh_reg_ctx *c,
			      const struct sh_event_viewer *v, const char *event_id,
			      struct sh_reg_result *r);
/* Confirms waiting registrations of the locked event in arrival order, each only if it
 * fits whole in the seats left, telling each promoted member. In the caller's transaction. */
enum sh_db_rc sh_reg_promote(struct sh_conn *conn, const struct sh_reg_ctx *c,
			     const char *event_id);
/* Withdraws the member's registrations of future events (promoting the waiting lists) and
 * keeps the past ones as counts only: the account-erasure hook. */
enum sh_db_rc sh_reg_erase_member(struct sh_conn *conn, const char *user_id, const char *now);

/* One registration as the organiser sees it. */
struct sh_reg_row {
	const char *id, *user_id, *first_name, *last_name, *email, *status, *created_at;
	int64_t adults, children, position;
};
enum sh_db_rc sh_reg_list(struct sh_conn *conn, struct sh_arena *arena, const char *event_id,
			  struct sh_reg_row **rows_r, size_t *count_r);

/* --- notifications (event_notify.c) ----------------------------------------------------- */
#define SH_EVENTS_JOB_REMINDER "events.reminder"
#define SH_EVENTS_JOB_PROMOTED "events.promoted"
extern const struct sh_job_kind sh_events_job_kinds[2];
/* The event was just published: its audience is told, and the reminder is scheduled. */
enum sh_db_rc sh_events_notify_published(struct sh_app *app, struct sh_conn *conn,
					 struct sh_arena *arena, const char *event_id);
/* The event was just cancelled: its registered members are told. */
enum sh_db_rc sh_events_notify_cancelled(struct sh_app *app, struct sh_conn *conn,
					 struct sh_arena *arena, const char *event_id);
/* The registration "reg_id" was promoted: its member is told now ("app") or by a job
 * (app NULL: inside the account-erasure transaction, which has no app). */
enum sh_db_rc sh_events_notify_promoted(struct sh_app *app, struct sh_conn *conn,
					struct sh_arena *arena, const char *reg_id);
/* Queues the reminder 24 hours before the published event's (new) start. */
enum sh_db_rc sh_events_schedule_reminder(struct sh_conn *conn, struct sh_arena *arena,
					  const char *event_id, time_t starts);

/* --- GDPR (event_gdpr.c) ---------------------------------------------------------------- */
enum sh_db_rc sh_events_export(struct sh_conn *conn, const char *user_id, json_t *out);
enum sh_db_rc sh_events_erase_user(struct sh_conn *conn, const char *user_id, const char *now);

/* The event "id" as the caller sees it, answered with "status" (404 when they may not). */
void sh_event_reply(struct sh_request *req, struct sh_response *res, unsigned status,
		    const char *id);

/* --- handlers --------------------------------------------------------------------------- */
void sh_events_create(struct sh_request *req, struct sh_response *res);
void sh_events_list(struct sh_request *req, struct sh_response *res);
void sh_events_get(struct sh_request *req, struct sh_response *res);
void sh_events_patch(struct sh_request *req, struct sh_response *res);
void sh_events_publish(struct sh_request *req, struct sh_response *res);
void sh_events_cancel(struct sh_request *req, struct sh_response *res);
void sh_events_register(struct sh_request *req, struct sh_response *res);
void sh_events_registration_change(struct sh_request *req, struct sh_response *res);
void sh_events_registration_withdraw(struct sh_request *req, struct sh_response *res);
void sh_events_registrations(struct sh_request *req, struct sh_response *res);

#endif
