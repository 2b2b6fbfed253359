/*
 * Announcements: publishing (admins to anyone, teachers to the classes they staff), the
 * list and one announcement as the caller is addressed (announcement_queries.h says who
 * is), a guardian's "read and agreed", and the tally of the audience for the author and
 * admins. An announcement nobody addressed the caller with does not exist for them (404).
 */
#include "modules/announcements/announcement_routes.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "modules/announcements/announcement_events.h"
#include "modules/announcements/announcement_notify.h"
#include "modules/announcements/announcement_input.h"
#include "modules/announcements/announcement_queries.h"
#include "schoolhub/audit.h"
#include "schoolhub/events.h"
#include "schoolhub/notify.h"
#include "schoolhub/util.h"

static struct sh_ann_viewer viewer_of(const struct sh_request *req)
{
	return (struct sh_ann_viewer){
		.id = req->user.id,
		.staff = (req->user.role & (SH_ROLE_TEACHER | SH_ROLE_ADMIN)) != 0,
		.admin = req->user.role == SH_ROLE_ADMIN,
	};
}

/* The announcement "id" as the caller sees it, answered with "status". */
static void reply_announcement(struct sh_request *req, struct sh_response *res, unsigned status,
			       const char *id)
{
	struct sh_ann_viewer viewer = viewer_of(req);
	struct sh_announcement a;
	enum sh_db_rc rc = sh_ann_get(req->db, req->arena, &viewer, id, &a);
	if (rc != SH_DB_ROW) {
		sh_reply_lookup_failed(req, res, rc);
		return;
	}
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_announcement_write(&w, &a);
	sh_reply_jw(req, res, status, &w);
}

struct publish_tx {
	struct sh_request *req;
	const struct sh_ann_input *in;
	struct sh_ann_new row;
	time_t now_t;
	bool forbidden;   /* a teacher's audience beyond the classes they staff */
	long retry_after; /* > 0: over the rate limit */
};

/* A teacher may address the classes they staff, and nothing else (not the school).
 * Checked inside the write, so a staff change in between cannot slip through. */
static enum sh_db_rc audience_allowed(struct sh_conn *conn, struct publish_tx *t, bool *ok_r)
{
	*ok_r = true;
	if (t->req->user.role == SH_ROLE_ADMIN)
		return SH_DB_OK;
	sh_class_set staffed = 0;
	enum sh_db_rc rc = sh_classes_staffed_by(conn, t->req->user.id, &staffed);
	*ok_r = rc == SH_DB_OK && !t->in->school && (t->in->classes & ~staffed) == 0;
	return rc;
}

static enum sh_db_rc publish_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct publish_tx *t = ctx;
	t->forbidden = false;
	t->retry_after = 0;
	bool ok;
	enum sh_db_rc rc = audience_allowed(conn, t, &ok);
	if (rc != SH_DB_OK)
		return rc;
	if (!ok) {
		t->forbidden = *rollback_r = true;
		return SH_DB_OK;
	}
	char since[SH_TIME_LEN + 1];
	sh_time_format(t->now_t - SH_ANNOUNCEMENT_WINDOW_S, since);
	struct sh_window_tally published;
	rc = sh_ann_published_since(conn, t->req->arena, t->req->user.id, since, &published);
	if (rc != SH_DB_OK)
		return rc;
	if (published.count >= SH_ANNOUNCEMENTS_PER_HOUR) {
		t->retry_after = sh_retry_after_s(published.oldest, SH_ANNOUNCEMENT_WINDOW_S, t->now_t);
		*rollback_r = true;
		return SH_DB_OK;
	}
	rc = sh_ann_insert(conn, &t->row);
	if (rc == SH_DB_OK)
		rc = sh_ann_notify_published(t->req, conn, &t->row);
	if (rc == SH_DB_OK) /* last: an open event id holds back live events (events.h) */
		rc = sh_ann_events_created(conn, t->req->arena, t->row.id, t->row.author_id);
	return rc;
}

/* POST /api/v1/announcements */
void sh_announcements_publish(struct sh_request *req, struct sh_response *res)
{
	struct sh_ann_input in;
	if (sh_ann_input_or_reply(req, res, &in) != 0)
		return;
	char id[SH_UUID_LEN + 1], now[SH_TIME_LEN + 1];
	sh_uuid_v7(id);
	struct publish_tx t = {.req = req, .in = &in, .now_t = time(NULL)};
	sh_time_format(t.now_t, now);
	t.row = (struct sh_ann_new){.id = id, .author_id = req->user.id, .title = in.title,
				    .body = in.body, .now = now, .classes = in.class_text,
				    .class_list = in.class_list, .requires_ack = in.requires_ack};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, publish_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (t.forbidden) {
		sh_reply_problem(req, res, 403, "audience_not_allowed", NULL);
		return;
	}
	if (t.retry_after > 0) {
		sh_res_header(res, "Retry-After", sh_arena_printf(req->arena, "%ld", t.retry_after));
		sh_reply_problem(req, res, 429, "too_many_announcements", NULL);
		return;
	}
	sh_notify_wake(req->app); /* the jobs (e-mails) and the realtime events */
	sh_res_header(res, "Location", sh_arena_printf(req->arena, "/api/v1/announcements/%s", id));
	reply_announcement(req, res, 201, id);
}

/* The page cursor: ["created_at", "id"] of the last announcement served. */
static int decode_cursor(struct sh_request *req, const char *cursor, const char **time_r,
			 const char **id_r)
{
	const char *parts[2];
	if (sh_cursor_decode(req->arena, cursor, 2, parts) != 0 || !sh_time_is_canonical(parts[0]) ||
	    !sh_uuid_valid(parts[1]))
		return -1;
	*time_r = parts[0];
	*id_r = parts[1];
	return 0;
}

/* GET /api/v1/announcements?limit=&cursor= : newest first. */
void sh_announcements_list(struct sh_request *req, struct sh_response *res)
{
	int limit;
	if (sh_req_limit_or_reply(req, res, &limit) != 0)
		return;
	const char *cursor = sh_req_query(req, "cursor");
	const char *after_time = NULL, *after_id = NULL;
	struct sh_validation v = {0};
	if (cursor != NULL && decode_cursor(req, cursor, &after_time, &after_id) != 0)
		sh_validation_add(&v, "cursor", "invalid_cursor");
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	struct sh_ann_viewer viewer = viewer_of(req);
	struct sh_announcement *items;
	int count;
	enum sh_db_rc rc = sh_ann_list(req->db, req->arena, &viewer, after_time, after_id, limit,
				       &items, &count);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	struct sh_jw w;
	sh_page_begin(req, &w);
	for (int i = 0; i < count && i < limit; i++)
		sh_announcement_write(&w, &items[i]);
	const char *next = NULL;
	if (count > limit) {
		const char *key[2] = {items[limit - 1].created_at, items[limit - 1].id};
		next = sh_cursor_encode(req->arena, key, 2);
	}
	sh_reply_page(req, res, &w, next);
}

/* GET /api/v1/announcements/{id} */
void sh_announcements_get(struct sh_request *req, struct sh_response *res)
{
	const char *id = sh_req_uuid_param(req, "id");
	if (id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	reply_announcement(req, res, 200, id);
}

enum ack_outcome { ACK_DONE, ACK_NOT_ADDRESSED, ACK_NOT_REQUIRED, ACK_NOT_GUARDIAN };

struct ack_tx {
	struct sh_request *req;
	const char *id;
	enum ack_outcome outcome;
};

static enum sh_db_rc ack_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r; /* every refusal happens before anything is written */
	struct ack_tx *t = ctx;
	struct sh_ann_viewer viewer = viewer_of(t->req);
	struct sh_announcement a;
	enum sh_db_rc rc = sh_ann_get(conn, t->req->arena, &viewer, t->id, &a);
	if (rc != SH_DB_ROW) {
		t->outcome = ACK_NOT_ADDRESSED;
		return rc;
	}
	if (!a.requires_ack) {
		t->outcome = ACK_NOT_REQUIRED;
		return SH_DB_OK;
	}
	rc = sh_ann_guards_audience(conn, t->id, t->req->user.id);
	if (rc != SH_DB_ROW) {
		t->outcome = ACK_NOT_GUARDIAN;
		return rc;
	}
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	t->outcome = ACK_DONE;
	return sh_ann_ack(conn, t->id, t->req->user.id, now, NULL);
}

/*
 * POST /api/v1/announcements/{id}/ack : the caller's children in the audience count as
 * acknowledged (idempotent: again is the same 200). 409 ack_not_required when the
 * announcement asks for none; 403 not_a_guardian for someone it was addressed to who has
 * no child in its audience (staff, admins).
 */
void sh_announcements_ack(struct sh_request *req, struct sh_response *res)
{
	struct ack_tx t = {.req = req, .id = sh_req_uuid_param(req, "id")};
	if (t.id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, ack_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	switch (t.outcome) {
	case ACK_NOT_ADDRESSED:
		sh_reply_not_found(req, res);
		return;
	case ACK_NOT_REQUIRED:
		sh_reply_problem(req, res, 409, "ack_not_required", NULL);
		return;
	case ACK_NOT_GUARDIAN:
		sh_reply_problem(req, res, 403, "not_a_guardian", NULL);
		return;
	case ACK_DONE:
		break;
	}
	reply_announcement(req, res, 200, t.id);
}

struct tally_read {
	struct sh_request *req;
	const char *id;
	struct sh_announcement a;
	bool found;
	struct sh_ann_tally_item *items;
	size_t count;
};

static enum sh_db_rc tally_in_snapshot(struct sh_conn *conn, void *ctx)
{
	struct tally_read *r = ctx;
	struct sh_ann_viewer viewer = viewer_of(r->req);
	enum sh_db_rc rc = sh_ann_get(conn, r->req->arena, &viewer, r->id, &r->a);
	r->found = rc == SH_DB_ROW;
	if (!r->found)
		return rc;
	return sh_ann_tally(conn, r->req->arena, r->id, &r->items, &r->count);
}

static void tally_item_write(struct sh_jw *w, const struct sh_ann_tally_item *t)
{
	sh_jw_object_begin(w);
	sh_jw_key(w, "child");
	sh_jw_object_begin(w);
	sh_jw_kstring(w, "id", t->child_id);
	sh_jw_kstring(w, "first_name", t->first_name);
	sh_jw_kstring(w, "last_name", t->last_name);
	sh_jw_kstring(w, "class_name", t->class_name);
	sh_jw_object_end(w);
	sh_jw_kbool(w, "acknowledged", t->acknowledged);
	sh_jw_key(w, "acknowledged_by");
	if (t->by_id == NULL) {
		sh_jw_null(w);
	} else {
		sh_jw_object_begin(w);
		sh_jw_kstring(w, "id", t->by_id);
		sh_jw_kstring(w, "first_name", t->by_first_name);
		sh_jw_kstring(w, "last_name", t->by_last_name);
		sh_jw_object_end(w);
	}
	sh_jw_kstring(w, "at", t->at);
	sh_jw_object_end(w);
}

/* GET /api/v1/announcements/{id}/acks : the author's and admins' view of the audience. */
/* The tally names children to staff: one audit row (the announcement and every child of
 * its audience), committed before the names are sent. */
static enum sh_db_rc tally_audit_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct tally_read *r = ctx;
	const char **targets = sh_arena_alloc(r->req->arena, sizeof(*targets) * (r->count + 1));
	targets[0] = r->id;
	for (size_t i = 0; i < r->count; i++)
		targets[i + 1] = r->items[i].child_id;
	return sh_audit_append(conn, &(struct sh_audit_entry){.actor_id = r->req->user.id,
							     .action = "announcement.acks_viewed",
							     .targets = targets,
							     .target_count = r->count + 1,
							     .request_id = r->req->request_id});
}

void sh_announcements_acks(struct sh_request *req, struct sh_response *res)
{
	struct tally_read r = {.req = req, .id = sh_req_uuid_param(req, "id")};
	enum sh_db_rc rc = r.id == NULL ? SH_DB_OK
					: sh_conn_read_snapshot(req->db, tally_in_snapshot, &r);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (!r.found) {
		sh_reply_not_found(req, res);
		return;
	}
	bool author = r.a.author_id != NULL && strcmp(r.a.author_id, req->user.id) == 0;
	if (!author && req->user.role != SH_ROLE_ADMIN) {
		sh_reply_problem(req, res, 403, "forbidden", NULL);
		return;
	}
	rc = sh_conn_transaction(req->db, SH_TX_WRITE, tally_audit_in_tx, &r);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_jw_object_begin(&w);
	sh_jw_key(&w, "items");
	sh_jw_array_begin(&w);
	int64_t acknowledged = 0;
	for (size_t i = 0; i < r.count; i++) {
		tally_item_write(&w, &r.items[i]);
		acknowledged += r.items[i].acknowledged;
	}
	sh_jw_array_end(&w);
	sh_jw_key(&w, "totals");
	sh_jw_object_begin(&w);
	sh_jw_kint(&w, "children", (int64_t)r.count);
	sh_jw_kint(&w, "acknowledged", acknowledged);
	sh_jw_object_end(&w);
	sh_jw_object_end(&w);
	sh_reply_jw(req, res, 200, &w);
}
