/*
 * Module "calendar" (issue #14): private iCalendar feeds, one event as .ics, and the
 * volunteer shifts of events with their SEL rewards. It works on the events module's
 * tables (migration 0015) and owns migration 0016 (calendar_feeds, event_shifts,
 * shift_volunteers, the SEL kind "reward").
 *
 * Files: calendar_module.c (route table, GDPR hooks), calendar_queries.c (who sees an
 * event, the events of a feed), feed_routes.c (feed tokens and the .ics answers),
 * shift_queries.c + shift_routes.c (shifts, volunteers, attendance and rewards). Times
 * are read with the events module's parser (event_time.c).
 */
#ifndef SCHOOLHUB_CALENDAR_H
#define SCHOOLHUB_CALENDAR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "schoolhub/http.h"

/* The member a request or a feed speaks for: who sees which event (calendar_queries.c). */
struct sh_cal_viewer {
	const char *id;
	bool admin; /* sees every event */
};

/* One event as the iCalendar writer needs it (strings in the arena). */
struct sh_cal_event {
	const char *id, *title, *description, *location, *status, *organiser_id;
	time_t starts_at, ends_at, updated_at; /* ends_at 0 when none */
	bool all_day;
	int64_t sequence;
};

/* SH_DB_ROW with the event when "viewer" may see it, SH_DB_OK when not (404). */
enum sh_db_rc sh_cal_event_get(struct sh_conn *conn, struct sh_arena *arena,
			       const struct sh_cal_viewer *viewer, const char *event_id,
			       struct sh_cal_event *e_r);
typedef int sh_cal_event_fn(const struct sh_cal_event *e, void *ctx);
/* The events of the member's feed: those addressed to them, plus those they registered or
 * volunteered for, by start time. */
enum sh_db_rc sh_cal_feed_events(struct sh_conn *conn, struct sh_arena *arena,
				 const struct sh_cal_viewer *viewer, sh_cal_event_fn *fn,
				 void *ctx);

/* Feeds: the member behind a token hash (SH_DB_ROW, with their role), a new token hash
 * for the member (replacing theirs), revocation ("*changed_r" 0 when there was none). */
enum sh_db_rc sh_cal_feed_owner(struct sh_conn *conn, struct sh_arena *arena, const char *hash,
				struct sh_cal_viewer *viewer_r);
enum sh_db_rc sh_cal_feed_put(struct sh_conn *conn, const char *user_id, const char *hash,
			      const char *now);
enum sh_db_rc sh_cal_feed_delete(struct sh_conn *conn, const char *user_id, int64_t *changed_r);

/* feed_routes.c */
void sh_cal_feed_create(struct sh_request *req, struct sh_response *res);
void sh_cal_feed_revoke(struct sh_request *req, struct sh_response *res);
void sh_cal_feed_ics(struct sh_request *req, struct sh_response *res);
void sh_cal_event_ics(struct sh_request *req, struct sh_response *res);

/* shift_routes.c */
void sh_cal_shift_create(struct sh_request *req, struct sh_response *res);
void sh_cal_shift_list(struct sh_request *req, struct sh_response *res);
void sh_cal_volunteer_add(struct sh_request *req, struct sh_response *res);
void sh_cal_volunteer_remove(struct sh_request *req, struct sh_response *res);
void sh_cal_volunteer_list(struct sh_request *req, struct sh_response *res);
void sh_cal_attendance(struct sh_request *req, struct sh_response *res);

/* shift_queries.c */
struct sh_cal_shift {
	const char *id, *event_id, *title, *starts_at, *ends_at;
	int64_t slots, reward_units, volunteers;
	bool volunteered, attended; /* the caller's */
};
struct sh_jw;
void sh_cal_shift_write(struct sh_jw *w, const struct sh_cal_shift *s);
enum sh_db_rc sh_cal_shift_insert(struct sh_conn *conn, const struct sh_cal_shift *s,
				  const char *created_by, const char *now);
/* SH_DB_ROW with the shift of "event_id" as "viewer_id" sees it, SH_DB_OK when none. */
enum sh_db_rc sh_cal_shift_get(struct sh_conn *conn, struct sh_arena *arena, const char *event_id,
			       const char *shift_id, const char *viewer_id,
			       struct sh_cal_shift *s_r);
/* Writes the shifts of an event (as "viewer_id" sees them) as values of an open array:
 * for GET /events/{id}/shifts and for the events module's GET /events/{id}. */
enum sh_db_rc sh_cal_shifts_write(struct sh_conn *conn, struct sh_arena *arena,
				  const char *event_id, const char *viewer_id, struct sh_jw *items);
/* GET /events/{id} (the events module's sh_event_reply): adds "shifts" (as above) to the
 * event object just written into "w". SH_DB_OK, or an error: the answer is then wrong. */
enum sh_db_rc sh_cal_shifts_append(struct sh_conn *conn, struct sh_arena *arena,
				   const char *event_id, const char *viewer_id, struct sh_jw *w);
/* Writes the volunteers of a shift (organiser's view: id, names, signed_up_at,
 * attendance_confirmed, reward_transaction_id) as values of an open array, by sign-up time. */
enum sh_db_rc sh_cal_volunteers_write(struct sh_conn *conn, const char *shift_id,
				      struct sh_jw *items);
/* A volunteer joins (SH_DB_ROW), or the shift is full (SH_DB_OK); SH_DB_UNIQUE when they
 * had already joined. Inside the caller's write transaction. */
enum sh_db_rc sh_cal_volunteer_join(struct sh_conn *conn, const char *shift_id, const char *user_id,
				    const char *now);
/* A volunteer not yet confirmed leaves: "*changed_r" 0 when there was no such row. */
enum sh_db_rc sh_cal_volunteer_leave(struct sh_conn *conn, const char *shift_id,
				     const char *user_id, int64_t *changed_r);
/* Marks a volunteer as having come: SH_DB_ROW when this call confirmed them, SH_DB_OK when
 * they were confirmed before; *is_volunteer_r false when they never signed up. */
enum sh_db_rc sh_cal_volunteer_confirm(struct sh_conn *conn, const char *shift_id,
				       const char *user_id, const char *now, bool *is_volunteer_r);
enum sh_db_rc sh_cal_volunteer_rewarded(struct sh_conn *conn, const char *shift_id,
					const char *user_id, const char *tx_id);
/* GDPR: the member's shifts; erase withdraws from shifts not yet confirmed. */
enum sh_db_rc sh_cal_shifts_export(struct sh_conn *conn, const char *user_id, json_t *items);
enum sh_db_rc sh_cal_erase_user(struct sh_conn *conn, const char *user_id, const char *now);

#endif
