/*
 * Changing an event: PATCH (its organiser or an admin), publishing a proposal (admins),
 * cancelling (its organiser or an admin). Each locks the event row first, so a change
 * and a sign-up never interleave: a smaller capacity is checked against the seats taken
 * under the lock, a larger one promotes the waiting list in the same transaction.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "modules/events/events.h"
#include "schoolhub/notify.h"

enum change_outcome {
	CHANGE_DONE,
	CHANGE_NOT_FOUND,
	CHANGE_FORBIDDEN, /* neither organiser nor admin */
	CHANGE_AUDIENCE, /* a teacher's audience beyond their classes */
	CHANGE_CANCELLED, /* the event is cancelled: nothing changes any more */
	CHANGE_NOT_PROPOSED, /* publish: it is not a proposal */
	CHANGE_CAPACITY, /* the new capacity is below the seats already taken */
	CHANGE_INVALID_TIMES, /* the merged times do not hold (422) */
};

struct change_tx {
	struct sh_request *req;
	struct sh_event_input *in;
	const char *id, *reason;
	enum change_outcome outcome;
	time_t starts, ends, deadline; /* the merged times, for the 422 */
};

static struct sh_reg_ctx reg_ctx(struct sh_request *req)
{
	struct sh_reg_ctx c = {.app = req->app, .arena = req->arena, .now_t = time(NULL)};
	char *now = sh_arena_alloc(req->arena, SH_TIME_LEN + 1);
	sh_time_format(c.now_t, now);
	c.now = now;
	return c;
}

/* Locks the event and checks the caller may manage it: SH_DB_OK with t->outcome set. */
static enum sh_db_rc lock_managed(struct sh_conn *conn, struct change_tx *t,
				  struct sh_event_lock *l)
{
	struct sh_event_viewer v = sh_event_viewer_of(t->req);
	enum sh_db_rc rc = sh_event_lock(conn, t->req->arena, &v, t->id, l);
	t->outcome = CHANGE_NOT_FOUND;
	if (rc != SH_DB_ROW || !l->visible)
		return rc == SH_DB_ROW ? SH_DB_OK : rc;
	if (!v.admin && strcmp(l->organiser_id, v.id) != 0)
		t->outcome = CHANGE_FORBIDDEN;
	else if (strcmp(l->status, "cancelled") == 0)
		t->outcome = CHANGE_CANCELLED;
	else
		t->outcome = CHANGE_DONE;
	return SH_DB_OK;
}

/* Fills what the PATCH leaves out from the stored event "e". */
static void merge(struct sh_event_input *in, const struct sh_event *e, struct sh_arena *arena)
{
	if (!in->has_title)
		in->title = e->title;
	if (!in->has_description)
		in->description = e->description;
	if (!in->has_location)
		in->location = e->location;
	if (!in->has_starts)
		in->starts = sh_event_time_of(e->starts_at);
	if (!in->has_ends)
		in->ends = sh_event_time_of(e->ends_at);
	if (!in->has_all_day)
		in->all_day = e->all_day;
	if (!in->has_capacity)
		in->capacity = e->capacity;
	if (!in->has_deadline)
		in->deadline = sh_event_time_of(e->signup_deadline);
	if (!in->has_signup)
		in->signup = e->signup;
	if (!in->has_audience) {
		in->school = e->classes == NULL;
		in->class_text = e->classes;
		for (const char *p = e->classes; p != NULL && *p != '\0';) {
			size_t len = strcspn(p, ",");
			int k = sh_class_index(sh_arena_strndup(arena, p, len));
			if (k >= 0)
				in->classes |= SH_CLASS_BIT(k);
			p += len + (p[len] == ',');
		}
	}
}

static enum sh_db_rc patch_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct change_tx *t = ctx;
	struct sh_event_lock l;
	enum sh_db_rc rc = lock_managed(conn, t, &l);
	if (rc != SH_DB_OK || t->outcome != CHANGE_DONE)
		return rc;
	struct sh_event_viewer v = sh_event_viewer_of(t->req);
	struct sh_event e;
	rc = sh_event_get(conn, t->req->arena, &v, t->id, &e);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc; /* locked and visible just above */
	rc = SH_DB_OK;
	struct sh_event_input *in = t->in;
	merge(in, &e, t->req->arena);
	t->starts = in->starts, t->ends = in->ends, t->deadline = in->deadline;
	if ((in->ends != 0 &&
	     (in->ends <= in->starts || in->ends - in->starts > SH_EVENT_LONGEST_S)) ||
	    (in->deadline != 0 && in->deadline > in->starts)) {
		t->outcome = CHANGE_INVALID_TIMES;
		return SH_DB_OK;
	}
	bool ok = true;
	if (in->has_audience && t->req->user.role == SH_ROLE_TEACHER) {
		sh_class_set staffed = 0;
		rc = sh_classes_staffed_by(conn, t->req->user.id, &staffed);
		ok = !in->school && (in->classes & ~staffed) == 0;
	}
	if (rc != SH_DB_OK || !ok) {
		t->outcome = rc == SH_DB_OK ? CHANGE_AUDIENCE : t->outcome;
		return rc;
	}
	if (in->capacity >= 0 && in->capacity < l.seats_taken) {
		t->outcome = CHANGE_CAPACITY;
		return SH_DB_OK;
	}
	bool time_changed = in->starts != l.starts || in->ends != l.ends ||
			    in->all_day != e.all_day;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	rc = sh_event_update(conn, t->id, in, time_changed, now);
	if (rc == SH_DB_OK && (in->capacity < 0 || in->capacity > l.capacity)) {
		struct sh_reg_ctx c = reg_ctx(t->req);
		rc = sh_reg_promote(conn, &c, t->id);
	}
	if (rc == SH_DB_OK && time_changed && strcmp(l.status, "published") == 0)
		rc = sh_events_schedule_reminder(conn, t->req->arena, t->id, in->starts);
	(void)rollback_r;
	return rc;
}

/* Answers a change's outcome: the event (200) or the refusal. */
static void reply_change(struct sh_request *req, struct sh_response *res, enum sh_db_rc rc,
			 const struct change_tx *t)
{
	static const struct {
		unsigned status;
		const char *code;
	} refusals[] = {
		[CHANGE_FORBIDDEN] = {403, "forbidden"},
		[CHANGE_AUDIENCE] = {403, "audience_not_allowed"},
		[CHANGE_CANCELLED] = {409, "event_cancelled"},
		[CHANGE_NOT_PROPOSED] = {409, "not_proposed"},
		[CHANGE_CAPACITY] = {409, "capacity_below_taken"},
	};
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (t->outcome == CHANGE_NOT_FOUND) {
		sh_reply_not_found(req, res);
		return;
	}
	if (t->outcome == CHANGE_INVALID_TIMES) {
		sh_event_times_or_reply(req, res, t->starts, t->ends, t->deadline);
		return;
	}
	if (t->outcome != CHANGE_DONE) {
		sh_reply_problem(req, res, refusals[t->outcome].status, refusals[t->outcome].code,
				 NULL);
		return;
	}
	sh_notify_wake(req->app);
	sh_event_reply(req, res, 200, t->id);
}

/* PATCH /api/v1/events/{id} : any field of POST; a change of time bumps "sequence". */
void sh_events_patch(struct sh_request *req, struct sh_response *res)
{
	const char *id = sh_req_uuid_param(req, "id");
	if (id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	struct sh_event_input in;
	if (sh_event_input_or_reply(req, res, true, &in) != 0)
		return;
	struct change_tx t = {.req = req, .in = &in, .id = id};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE_ROWLOCKED, patch_in_tx, &t);
	reply_change(req, res, rc, &t);
}

static enum sh_db_rc publish_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct change_tx *t = ctx;
	struct sh_event_lock l;
	enum sh_db_rc rc = lock_managed(conn, t, &l);
	if (rc != SH_DB_OK || t->outcome != CHANGE_DONE)
		return rc;
	if (strcmp(l.status, "proposed") != 0) {
		t->outcome = CHANGE_NOT_PROPOSED;
		return SH_DB_OK;
	}
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	rc = sh_exec(conn, "UPDATE events SET status = 'published', updated_at = $2 WHERE id = $1",
		     SH_ARGS(SH_TEXT(t->id), SH_TEXT(now)), NULL);
	return rc == SH_DB_OK ?
		       sh_events_notify_published(t->req->app, conn, t->req->arena, t->id) :
		       rc;
}

/* POST /api/v1/events/{id}/publish (admins, no body): proposed → published. */
void sh_events_publish(struct sh_request *req, struct sh_response *res)
{
	struct change_tx t = {.req = req, .id = sh_req_uuid_param(req, "id")};
	enum sh_db_rc rc = t.id == NULL ? SH_DB_OK :
					  sh_conn_transaction(req->db, SH_TX_WRITE_ROWLOCKED,
							      publish_in_tx, &t);
	reply_change(req, res, rc, &t);
}

static enum sh_db_rc cancel_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct change_tx *t = ctx;
	struct sh_event_lock l;
	enum sh_db_rc rc = lock_managed(conn, t, &l);
	if (rc != SH_DB_OK || t->outcome != CHANGE_DONE)
		return rc;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	rc = sh_exec(conn,
		     "UPDATE events SET status = 'cancelled', cancel_reason = $2, "
		     "sequence = sequence + 1, updated_at = $3 WHERE id = $1",
		     SH_ARGS(SH_TEXT(t->id), SH_TEXT(t->reason), SH_TEXT(now)), NULL);
	/* A proposal withdrawn by its author was never announced: nobody to tell. */
	if (rc == SH_DB_OK && strcmp(l.status, "published") == 0)
		rc = sh_events_notify_cancelled(t->req->app, conn, t->req->arena, t->id);
	return rc;
}

/* POST /api/v1/events/{id}/cancel {reason} : its registered members are told. */
void sh_events_cancel(struct sh_request *req, struct sh_response *res)
{
	const char *id = sh_req_uuid_param(req, "id");
	if (id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	static const char *const allowed[] = {"reason", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	struct sh_validation v = {0};
	const char *reason = NULL;
	size_t chars = 0;
	if (sh_json_get_string(req->json, "reason", true, &reason, &v)) {
		if (!sh_utf8_valid_text(reason, SIZE_MAX, &chars))
			sh_validation_add(&v, "reason", "invalid_text");
		else if (chars == 0)
			sh_validation_add(&v, "reason", "required");
		else if (chars > SH_EVENT_REASON_MAX)
			sh_validation_add(&v, "reason", "too_long");
	}
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	struct change_tx t = {.req = req, .id = id, .reason = reason};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE_ROWLOCKED, cancel_in_tx, &t);
	reply_change(req, res, rc, &t);
}
