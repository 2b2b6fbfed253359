/*
 * Events: creating (admins for anyone, teachers for the classes they staff, parents as a
 * proposal), the agenda, one event, changing, publishing a proposal, cancelling. An event
 * the caller may not see does not exist for them (404). Changes that touch registrations
 * or the status lock the event row first (sh_event_lock), like the registrations do.
 */
#include <string.h>
#include <time.h>

#include "modules/calendar/calendar.h"
#include "modules/events/events.h"
#include "schoolhub/notify.h"

void sh_event_reply(struct sh_request *req, struct sh_response *res, unsigned status,
		    const char *id)
{
	struct sh_event_viewer v = sh_event_viewer_of(req);
	struct sh_event e;
	enum sh_db_rc rc = sh_event_get(req->db, req->arena, &v, id, &e);
	if (rc != SH_DB_ROW) {
		sh_reply_lookup_failed(req, res, rc);
		return;
	}
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_event_write(&w, &e, &v);
	/* The calendar's part of an event: its volunteer shifts. */
	if ((rc = sh_cal_shifts_append(req->db, req->arena, e.id, v.id, &w)) != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_reply_jw(req, res, status, &w);
}

/* A teacher may address the classes they staff and nothing else (not the school); admins
 * anyone; a parent's proposal anyone (an admin decides). Read inside the write. */
static enum sh_db_rc audience_allowed(struct sh_conn *conn, const struct sh_request *req,
				      const struct sh_event_input *in, bool *ok_r)
{
	*ok_r = true;
	if (req->user.role != SH_ROLE_TEACHER)
		return SH_DB_OK;
	sh_class_set staffed = 0;
	enum sh_db_rc rc = sh_classes_staffed_by(conn, req->user.id, &staffed);
	*ok_r = rc == SH_DB_OK && !in->school && (in->classes & ~staffed) == 0;
	return rc;
}

struct create_tx {
	struct sh_request *req;
	const struct sh_event_input *in;
	const char *id, *now;
	bool forbidden;
};

static enum sh_db_rc create_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct create_tx *t = ctx;
	bool ok;
	enum sh_db_rc rc = audience_allowed(conn, t->req, t->in, &ok);
	t->forbidden = rc == SH_DB_OK && !ok;
	if (rc != SH_DB_OK || t->forbidden) {
		*rollback_r = t->forbidden;
		return rc;
	}
	bool proposal = t->req->user.role == SH_ROLE_PARENT;
	rc = sh_event_insert(conn, t->id, t->req->user.id, t->in,
			     proposal ? "proposed" : "published", t->now);
	if (rc == SH_DB_OK && !proposal)
		rc = sh_events_notify_published(t->req->app, conn, t->req->arena, t->id);
	return rc;
}

/* POST /api/v1/events */
void sh_events_create(struct sh_request *req, struct sh_response *res)
{
	struct sh_event_input in;
	if (sh_event_input_or_reply(req, res, false, &in) != 0 ||
	    sh_event_times_or_reply(req, res, in.starts, in.ends, in.deadline) != 0)
		return;
	char id[SH_UUID_LEN + 1], now[SH_TIME_LEN + 1];
	sh_uuid_v7(id);
	sh_time_now(now);
	struct create_tx t = {.req = req, .in = &in, .id = id, .now = now};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, create_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (t.forbidden) {
		sh_reply_problem(req, res, 403, "audience_not_allowed", NULL);
		return;
	}
	sh_notify_wake(req->app);
	sh_res_header(res, "Location", sh_arena_printf(req->arena, "/api/v1/events/%s", id));
	sh_event_reply(req, res, 201, id);
}

/* A query time ("from", "to") as stored UTC text; NULL when absent; "*bad_r" when bad. */
static const char *query_time(struct sh_request *req, const char *name, struct sh_validation *v)
{
	const char *s = sh_req_query(req, name);
	time_t t;
	if (s == NULL)
		return NULL;
	if (sh_event_time_parse(s, &t) != 0) {
		sh_validation_add(v, name, "invalid_time");
		return NULL;
	}
	char *out = sh_arena_alloc(req->arena, SH_TIME_LEN + 1);
	sh_time_format(t, out);
	return out;
}

static int list_filter_or_reply(struct sh_request *req, struct sh_response *res,
				struct sh_event_filter *f)
{
	memset(f, 0, sizeof(*f));
	if (sh_req_limit_or_reply(req, res, &f->limit) != 0)
		return -1;
	struct sh_validation v = {0};
	f->from = query_time(req, "from", &v);
	f->to = query_time(req, "to", &v);
	f->class_name = sh_req_query(req, "class");
	if (f->class_name != NULL && sh_class_index(f->class_name) < 0)
		sh_validation_add(&v, "class", "invalid_class");
	const char *status = sh_req_query(req, "status");
	if (status != NULL && strcmp(status, "proposed") != 0 && strcmp(status, "published") != 0)
		sh_validation_add(&v, "status", "invalid_value");
	f->proposed = status != NULL && strcmp(status, "proposed") == 0;
	const char *cursor = sh_req_query(req, "cursor"), *parts[2];
	if (cursor != NULL) {
		if (sh_cursor_decode(req->arena, cursor, 2, parts) != 0 ||
		    !sh_time_is_canonical(parts[0]) || !sh_uuid_valid(parts[1]))
			sh_validation_add(&v, "cursor", "invalid_cursor");
		else
			f->after_start = parts[0], f->after_id = parts[1];
	}
	return sh_validation_or_reply(req, res, &v);
}

/* GET /api/v1/events?from=&to=&class=&status=&limit=&cursor= : by start time. */
void sh_events_list(struct sh_request *req, struct sh_response *res)
{
	struct sh_event_filter f;
	if (list_filter_or_reply(req, res, &f) != 0)
		return;
	struct sh_event_viewer v = sh_event_viewer_of(req);
	struct sh_event *items;
	int count;
	enum sh_db_rc rc = sh_event_list(req->db, req->arena, &v, &f, &items, &count);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	struct sh_jw w;
	sh_page_begin(req, &w);
	for (int i = 0; i < count && i < f.limit; i++)
		sh_event_write(&w, &items[i], &v);
	const char *next = NULL;
	if (count > f.limit) {
		const char *key[2] = {items[f.limit - 1].starts_at, items[f.limit - 1].id};
		next = sh_cursor_encode(req->arena, key, 2);
	}
	sh_reply_page(req, res, &w, next);
}

/* GET /api/v1/events/{id} */
void sh_events_get(struct sh_request *req, struct sh_response *res)
{
	const char *id = sh_req_uuid_param(req, "id");
	if (id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	sh_event_reply(req, res, 200, id);
}
