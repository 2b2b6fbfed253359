/*
 * Sign-ups: a member registers their family (adults and children), changes the numbers
 * or withdraws; the organiser and admins read the list, as JSON or as CSV for a
 * spreadsheet. The rules (capacity, waiting list, promotion) are in event_registrations.c.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "modules/events/events.h"
#include "schoolhub/csv.h"
#include "schoolhub/notify.h"

enum reg_op { REG_OP_CREATE, REG_OP_CHANGE, REG_OP_WITHDRAW };

struct reg_tx {
	struct sh_request *req;
	const char *event_id;
	enum reg_op op;
	int64_t adults, children;
	struct sh_reg_result result;
};

static enum sh_db_rc reg_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct reg_tx *t = ctx;
	struct sh_event_viewer v = sh_event_viewer_of(t->req);
	struct sh_reg_ctx c = {.app = t->req->app, .arena = t->req->arena, .now_t = time(NULL)};
	char now[SH_TIME_LEN + 1];
	sh_time_format(c.now_t, now);
	c.now = now;
	memset(&t->result, 0, sizeof(t->result));
	enum sh_db_rc rc =
		t->op == REG_OP_CREATE ? sh_reg_create(conn, &c, &v, t->event_id, t->adults,
						       t->children, &t->result) :
		t->op == REG_OP_CHANGE ? sh_reg_change(conn, &c, &v, t->event_id, t->adults,
						       t->children, &t->result) :
					 sh_reg_withdraw(conn, &c, &v, t->event_id, &t->result);
	*rollback_r = rc == SH_DB_OK && t->result.outcome != REG_DONE;
	return rc;
}

/* Runs "t" and answers a refusal; 0 when it was done (the caller answers). */
static int run_or_reply(struct sh_request *req, struct sh_response *res, struct reg_tx *t)
{
	static const char *const codes[] = {
		[REG_NOT_OPEN] = "signup_not_open",   [REG_CLOSED] = "signup_closed",
		[REG_CANCELLED] = "event_cancelled",  [REG_ALREADY] = "already_registered",
		[REG_NO_SEATS] = "seats_unavailable",
	};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE_ROWLOCKED, reg_in_tx, t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return -1;
	}
	if (t->result.outcome == REG_NOT_FOUND) {
		sh_reply_not_found(req, res);
		return -1;
	}
	if (t->result.outcome != REG_DONE) {
		sh_reply_problem(req, res, 409, codes[t->result.outcome], NULL);
		return -1;
	}
	sh_notify_wake(req->app); /* the promoted members' notifications */
	return 0;
}

static void reply_registration(struct sh_request *req, struct sh_response *res, unsigned status,
			       const struct sh_reg_result *r)
{
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_jw_object_begin(&w);
	sh_jw_kstring(&w, "status", r->status);
	sh_jw_kint(&w, "adults", r->adults);
	sh_jw_kint(&w, "children", r->children);
	sh_jw_key(&w, "position");
	if (r->position > 0)
		sh_jw_int(&w, r->position);
	else
		sh_jw_null(&w);
	sh_jw_object_end(&w);
	sh_reply_jw(req, res, status, &w);
}

/* Runs "op" on the caller's registration to the event of the path, then answers the
 * registration with "status" (204 without a body once withdrawn) or the refusal. */
static void registration_op(struct sh_request *req, struct sh_response *res, enum reg_op op,
			    unsigned status)
{
	struct reg_tx t = {.req = req, .event_id = sh_req_uuid_param(req, "id"), .op = op};
	if (t.event_id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	if (op != REG_OP_WITHDRAW &&
	    sh_event_party_or_reply(req, res, &t.adults, &t.children) != 0)
		return;
	if (run_or_reply(req, res, &t) != 0)
		return;
	if (op == REG_OP_WITHDRAW)
		sh_reply_empty(res, status);
	else
		reply_registration(req, res, status, &t.result);
}

/* POST /api/v1/events/{id}/registrations {adults, children} */
void sh_events_register(struct sh_request *req, struct sh_response *res)
{
	registration_op(req, res, REG_OP_CREATE, 201);
}

/* PATCH /api/v1/events/{id}/registrations/me {adults, children} */
void sh_events_registration_change(struct sh_request *req, struct sh_response *res)
{
	registration_op(req, res, REG_OP_CHANGE, 200);
}

/* DELETE /api/v1/events/{id}/registrations/me */
void sh_events_registration_withdraw(struct sh_request *req, struct sh_response *res)
{
	registration_op(req, res, REG_OP_WITHDRAW, 204);
}

struct list_read {
	struct sh_request *req;
	const char *id;
	struct sh_event e;
	bool found;
	struct sh_reg_row *rows;
	size_t count;
};

static enum sh_db_rc list_in_snapshot(struct sh_conn *conn, void *ctx)
{
	struct list_read *r = ctx;
	struct sh_event_viewer v = sh_event_viewer_of(r->req);
	enum sh_db_rc rc = sh_event_get(conn, r->req->arena, &v, r->id, &r->e);
	r->found = rc == SH_DB_ROW;
	if (!r->found)
		return rc;
	return sh_reg_list(conn, r->req->arena, r->id, &r->rows, &r->count);
}

static void reply_csv(struct sh_request *req, struct sh_response *res, const struct list_read *r)
{
	struct sh_arena_text c = {.arena = req->arena};
	static const char header[] = /* a byte-order mark first: Excel then reads UTF-8 */
		"\xEF\xBB\xBFlast_name;first_name;email;adults;children;status;position;registered_at\r\n";
	sh_arena_text_add(&c, header, sizeof(header) - 1);
	for (size_t i = 0; i < r->count; i++) {
		const struct sh_reg_row *row = &r->rows[i];
		sh_csv_text(&c, row->last_name);
		sh_csv_text(&c, row->first_name);
		sh_csv_text(&c, row->email);
		sh_csv_int(&c, row->adults);
		sh_csv_int(&c, row->children);
		sh_csv_text(&c, row->status);
		if (row->position > 0)
			sh_csv_int(&c, row->position);
		else
			sh_csv_cell(&c, "", 0);
		sh_csv_text(&c, row->created_at);
		sh_csv_row_end(&c);
	}
	sh_res_header(res, "Content-Disposition",
		      sh_arena_printf(req->arena, "attachment; filename=\"event-%s.csv\"", r->id));
	sh_reply_raw(res, 200, "text/csv; charset=utf-8", c.data ? c.data : "", c.len);
}

static void reply_json(struct sh_request *req, struct sh_response *res, const struct list_read *r)
{
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_jw_object_begin(&w);
	sh_jw_key(&w, "items");
	sh_jw_array_begin(&w);
	for (size_t i = 0; i < r->count; i++) {
		const struct sh_reg_row *row = &r->rows[i];
		sh_jw_object_begin(&w);
		sh_jw_kstring(&w, "id", row->id);
		sh_jw_key(&w, "member");
		if (row->user_id == NULL) {
			sh_jw_null(&w);
		} else {
			sh_jw_object_begin(&w);
			sh_jw_kstring(&w, "id", row->user_id);
			sh_jw_kstring(&w, "first_name", row->first_name);
			sh_jw_kstring(&w, "last_name", row->last_name);
			sh_jw_kstring(&w, "email", row->email);
			sh_jw_object_end(&w);
		}
		sh_jw_kint(&w, "adults", row->adults);
		sh_jw_kint(&w, "children", row->children);
		sh_jw_kstring(&w, "status", row->status);
		sh_jw_key(&w, "position");
		if (row->position > 0)
			sh_jw_int(&w, row->position);
		else
			sh_jw_null(&w);
		sh_jw_kstring(&w, "created_at", row->created_at);
		sh_jw_object_end(&w);
	}
	sh_jw_array_end(&w);
	sh_jw_kint(&w, "seats_taken", r->e.seats_taken);
	sh_jw_kint(&w, "waiting", r->e.waiting);
	sh_jw_object_end(&w);
	sh_reply_jw(req, res, 200, &w);
}

/* GET /api/v1/events/{id}/registrations : the organiser's and admins' list; CSV with
 * Accept: text/csv. Confirmed first, then the waiting list, each in arrival order. */
void sh_events_registrations(struct sh_request *req, struct sh_response *res)
{
	struct list_read r = {.req = req, .id = sh_req_uuid_param(req, "id")};
	enum sh_db_rc rc = r.id == NULL ? SH_DB_OK :
					  sh_conn_read_snapshot(req->db, list_in_snapshot, &r);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (!r.found) {
		sh_reply_not_found(req, res);
		return;
	}
	bool organiser = r.e.organiser_id != NULL && strcmp(r.e.organiser_id, req->user.id) == 0;
	if (!organiser && req->user.role != SH_ROLE_ADMIN) {
		sh_reply_problem(req, res, 403, "forbidden", NULL);
		return;
	}
	const char *accept = sh_req_header(req, "Accept");
	if (accept != NULL && strstr(accept, "text/csv") != NULL)
		reply_csv(req, res, &r);
	else
		reply_json(req, res, &r);
}
