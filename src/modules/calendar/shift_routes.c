/*
 * Volunteer shifts of an event: the organiser (or an admin) adds shifts; members of the
 * event's audience sign up and withdraw; the organiser confirms who came, and each newly
 * confirmed volunteer is paid the shift's reward_units in the SEL ledger, from the school
 * account, in the same transaction (a transaction of kind "reward", booked by sh_sel_book
 * with the payee's limit, so the SEL audit still balances). A volunteer is confirmed once:
 * a second confirmation finds attended_at set and books nothing.
 *
 * An event the caller may not see does not exist for them (404), as in GET /events/{id}.
 */
#include <string.h>

#include "modules/calendar/calendar.h"
#include "modules/events/events.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/util.h"

#define SHIFT_TITLE_MAX 200
#define SHIFT_SLOTS_MAX 500
#define SHIFT_REWARD_MAX 600 /* ten hours at the SEL's 60 units an hour */
#define OPEN_EVENT_SPAN 86400 /* an event without an end: shifts within its day */

static struct sh_cal_viewer viewer_of(const struct sh_request *req)
{
	return (struct sh_cal_viewer){
		.id = req->user.id,
		.admin = req->user.role == SH_ROLE_ADMIN,
	};
}

/* The event of the path as the caller sees it; replies 404 (or a store error) when not. */
static int event_or_reply(struct sh_request *req, struct sh_response *res, struct sh_cal_event *e)
{
	const char *id = sh_req_uuid_param(req, "id");
	struct sh_cal_viewer viewer = viewer_of(req);
	enum sh_db_rc rc = id ? sh_cal_event_get(req->db, req->arena, &viewer, id, e) : SH_DB_OK;
	if (rc == SH_DB_ROW)
		return 0;
	sh_reply_lookup_failed(req, res, rc);
	return -1;
}

static bool can_manage(const struct sh_request *req, const struct sh_cal_event *e)
{
	return req->user.role == SH_ROLE_ADMIN || strcmp(e->organiser_id, req->user.id) == 0;
}

/* The shift of the path within event "e"; replies 404 when there is none. */
static int shift_or_reply(struct sh_request *req, struct sh_response *res,
			  const struct sh_cal_event *e, struct sh_cal_shift *s)
{
	const char *sid = sh_req_uuid_param(req, "sid");
	enum sh_db_rc rc =
		sid ? sh_cal_shift_get(req->db, req->arena, e->id, sid, req->user.id, s) : SH_DB_OK;
	if (rc == SH_DB_ROW)
		return 0;
	sh_reply_lookup_failed(req, res, rc);
	return -1;
}

static void reply_shift(struct sh_request *req, struct sh_response *res, unsigned status,
			const struct sh_cal_event *e, const char *shift_id)
{
	struct sh_cal_shift s;
	enum sh_db_rc rc = sh_cal_shift_get(req->db, req->arena, e->id, shift_id, req->user.id, &s);
	if (rc != SH_DB_ROW) {
		sh_reply_db_error(req, res, rc == SH_DB_OK ? SH_DB_ERROR : rc);
		return;
	}
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_cal_shift_write(&w, &s);
	sh_reply_jw(req, res, status, &w);
}

/* An integer member in [min, max]; "def" when absent and not required. */
static int64_t int_field(json_t *body, const char *name, bool required, int64_t def, int64_t min,
			 int64_t max, struct sh_validation *v)
{
	json_t *value = json_object_get(body, name);
	if (value == NULL) {
		if (required)
			sh_validation_add(v, name, "required");
		return def;
	}
	if (!json_is_integer(value)) {
		sh_validation_add(v, name, "invalid_type");
		return def;
	}
	json_int_t n = json_integer_value(value);
	if (n < min || n > max) {
		sh_validation_add(v, name, "out_of_range");
		return def;
	}
	return n;
}

static time_t time_field(json_t *body, const char *name, struct sh_validation *v)
{
	const char *text = NULL;
	time_t t = 0;
	if (sh_json_get_string(body, name, true, &text, v) && sh_event_time_parse(text, &t) != 0)
		sh_validation_add(v, name, "invalid_time");
	return t;
}

/* Reads and checks a new shift of event "e" into "s"; replies 422 when it is wrong. */
static int shift_input_or_reply(struct sh_request *req, struct sh_response *res,
				const struct sh_cal_event *e, struct sh_cal_shift *s)
{
	static const char *const allowed[] = {"title", "starts_at",    "ends_at",
					      "slots", "reward_units", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return -1;
	struct sh_validation v = {0};
	const char *title = NULL;
	size_t chars = 0;
	if (sh_json_get_string(req->json, "title", true, &title, &v)) {
		if (!sh_utf8_valid_text(title, SHIFT_TITLE_MAX, &chars))
			sh_validation_add(&v, "title",
					  strlen(title) > SHIFT_TITLE_MAX * 4 ? "too_long" :
										"invalid_text");
		else if (chars == 0)
			sh_validation_add(&v, "title", "too_short");
	}
	size_t errors = v.count;
	time_t start = time_field(req->json, "starts_at", &v);
	time_t end = time_field(req->json, "ends_at", &v);
	time_t event_end = e->ends_at ? e->ends_at : e->starts_at + OPEN_EVENT_SPAN;
	if (v.count == errors && end <= start)
		sh_validation_add(&v, "ends_at", "before_start");
	else if (v.count == errors && start < e->starts_at)
		sh_validation_add(&v, "starts_at", "outside_event");
	else if (v.count == errors && end > event_end)
		sh_validation_add(&v, "ends_at", "outside_event");
	s->slots = int_field(req->json, "slots", true, 1, 1, SHIFT_SLOTS_MAX, &v);
	s->reward_units = int_field(req->json, "reward_units", false, 0, 0, SHIFT_REWARD_MAX, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return -1;
	char *starts = sh_arena_alloc(req->arena, SH_TIME_LEN + 1);
	char *ends = sh_arena_alloc(req->arena, SH_TIME_LEN + 1);
	sh_time_format(start, starts);
	sh_time_format(end, ends);
	s->title = title;
	s->starts_at = starts;
	s->ends_at = ends;
	s->event_id = e->id;
	return 0;
}

void sh_cal_shift_create(struct sh_request *req, struct sh_response *res)
{
	struct sh_cal_event e;
	if (event_or_reply(req, res, &e) != 0)
		return;
	if (!can_manage(req, &e)) {
		sh_reply_problem(req, res, 403, "forbidden", NULL);
		return;
	}
	if (strcmp(e.status, "cancelled") == 0) {
		sh_reply_problem(req, res, 409, "event_cancelled", NULL);
		return;
	}
	struct sh_cal_shift s = {0};
	if (shift_input_or_reply(req, res, &e, &s) != 0)
		return;
	char id[SH_UUID_LEN + 1], now[SH_TIME_LEN + 1];
	sh_uuid_v4(id);
	sh_time_now(now);
	s.id = id;
	enum sh_db_rc rc = sh_cal_shift_insert(req->db, &s, req->user.id, now);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	reply_shift(req, res, 201, &e, id);
}

void sh_cal_shift_list(struct sh_request *req, struct sh_response *res)
{
	struct sh_cal_event e;
	if (event_or_reply(req, res, &e) != 0)
		return;
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_jw_object_begin(&w);
	sh_jw_key(&w, "items");
	sh_jw_array_begin(&w);
	enum sh_db_rc rc = sh_cal_shifts_write(req->db, req->arena, e.id, req->user.id, &w);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_jw_array_end(&w);
	sh_jw_object_end(&w);
	sh_reply_jw(req, res, 200, &w);
}

/* GET /events/{id}/shifts/{sid}/volunteers: who signed up, for the organiser (or an admin)
 * to confirm attendance; others who see the event get 403, as for adding a shift. */
void sh_cal_volunteer_list(struct sh_request *req, struct sh_response *res)
{
	struct sh_cal_event e;
	struct sh_cal_shift s;
	if (event_or_reply(req, res, &e) != 0 || shift_or_reply(req, res, &e, &s) != 0)
		return;
	if (!can_manage(req, &e)) {
		sh_reply_problem(req, res, 403, "forbidden", NULL);
		return;
	}
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_jw_object_begin(&w);
	sh_jw_key(&w, "items");
	sh_jw_array_begin(&w);
	enum sh_db_rc rc = sh_cal_volunteers_write(req->db, s.id, &w);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_jw_array_end(&w);
	sh_jw_object_end(&w);
	sh_reply_jw(req, res, 200, &w);
}

struct join_tx {
	const char *shift_id, *user_id;
	const char *problem; /* set when refused */
};

static enum sh_db_rc join_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct join_tx *t = ctx;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	t->problem = NULL;
	enum sh_db_rc rc = sh_cal_volunteer_join(conn, t->shift_id, t->user_id, now);
	if (rc == SH_DB_UNIQUE || rc == SH_DB_OK) {
		t->problem = rc == SH_DB_UNIQUE ? "already_volunteered" : "shift_full";
		*rollback_r = true;
		return SH_DB_OK;
	}
	return rc == SH_DB_ROW ? SH_DB_OK : rc;
}

void sh_cal_volunteer_add(struct sh_request *req, struct sh_response *res)
{
	struct sh_cal_event e;
	struct sh_cal_shift s;
	if (event_or_reply(req, res, &e) != 0 || shift_or_reply(req, res, &e, &s) != 0)
		return;
	/* The events module's code for a cancelled event; "not open" is a proposal only. */
	if (strcmp(e.status, "published") != 0) {
		sh_reply_problem(req, res, 409,
				 strcmp(e.status, "cancelled") == 0 ? "event_cancelled"
								    : "event_not_open",
				 NULL);
		return;
	}
	struct join_tx t = {.shift_id = s.id, .user_id = req->user.id};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, join_in_tx, &t);
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else if (t.problem != NULL)
		sh_reply_problem(req, res, 409, t.problem, NULL);
	else
		reply_shift(req, res, 201, &e, s.id);
}

struct leave_tx {
	const char *shift_id, *user_id;
	int64_t changed;
};

static enum sh_db_rc leave_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct leave_tx *t = ctx;
	return sh_cal_volunteer_leave(conn, t->shift_id, t->user_id, &t->changed);
}

void sh_cal_volunteer_remove(struct sh_request *req, struct sh_response *res)
{
	struct sh_cal_event e;
	struct sh_cal_shift s;
	if (event_or_reply(req, res, &e) != 0 || shift_or_reply(req, res, &e, &s) != 0)
		return;
	if (s.attended) {
		sh_reply_problem(req, res, 409, "attendance_confirmed", NULL);
		return;
	}
	struct leave_tx t = {.shift_id = s.id, .user_id = req->user.id};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, leave_in_tx, &t);
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else if (t.changed == 0)
		sh_reply_not_found(req, res);
	else
		sh_reply_empty(res, 204);
}
