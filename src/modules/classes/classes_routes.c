/*
 * Module "classes": the nine classes with how many children and families each has and who
 * staffs it, and the admins' route that assigns the staff. Counts only: which children are
 * in a class stays with their guardians (and, later, the class's staff).
 */
#include "modules/classes/classes_routes.h"

#include <string.h>

#include "modules/classes/class_queries.h"
#include "modules/messages/class_membership.h"
#include "schoolhub/events.h"
#include "schoolhub/audit.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/util.h"

/* A class's staff is a handful of people; the cap keeps one request's work small. */
#define MAX_STAFF_IDS 20

struct summaries_read {
	struct sh_arena *arena;
	struct sh_class_summary items[SH_CLASS_COUNT];
};

static enum sh_db_rc summaries_in_snapshot(struct sh_conn *conn, void *ctx)
{
	struct summaries_read *r = ctx;
	return sh_class_summaries_read(conn, r->arena, r->items);
}

/* Every class as GET /api/v1/classes shows it, from one snapshot; -1 after replying 5xx. */
static int summaries_or_reply(struct sh_request *req, struct sh_response *res,
			      struct summaries_read *r)
{
	r->arena = req->arena;
	enum sh_db_rc rc = sh_conn_read_snapshot(req->db, summaries_in_snapshot, r);
	if (rc == SH_DB_OK)
		return 0;
	sh_reply_db_error(req, res, rc);
	return -1;
}

/* The one description of a class in the API. */
static void class_write(struct sh_jw *w, const struct sh_class_summary *c)
{
	sh_jw_object_begin(w);
	sh_jw_kstring(w, "name", c->name);
	sh_jw_kint(w, "children", c->children);
	sh_jw_kint(w, "families", c->families);
	sh_jw_key(w, "staff");
	sh_jw_array_begin(w);
	for (const struct sh_class_staff *m = c->staff; m != NULL; m = m->next) {
		sh_jw_object_begin(w);
		sh_jw_kstring(w, "id", m->id);
		sh_jw_kstring(w, "first_name", m->first_name);
		sh_jw_kstring(w, "last_name", m->last_name);
		sh_jw_object_end(w);
	}
	sh_jw_array_end(w);
	sh_jw_object_end(w);
}

void sh_classes_list(struct sh_request *req, struct sh_response *res)
{
	struct summaries_read r;
	if (summaries_or_reply(req, res, &r) != 0)
		return;
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_jw_object_begin(&w);
	sh_jw_key(&w, "items");
	sh_jw_array_begin(&w);
	for (int i = 0; i < SH_CLASS_COUNT; i++)
		class_write(&w, &r.items[i]);
	sh_jw_array_end(&w);
	sh_jw_object_end(&w);
	sh_reply_jw(req, res, 200, &w);
}

/* The replacement of one class's staff. */
struct staff_tx {
	struct sh_arena *arena;
	const char *class_name, *now;
	const char *actor_id, *request_id; /* for the audit row */
	const char **ids;    /* distinct, lower case */
	const char **fields; /* "user_ids[i]": where each id was in the body, for errors */
	size_t n;
	struct sh_validation v; /* ids that are no active account, or no teacher or admin */
	struct sh_class_watch watch; /* the class conversation staff join or leave */
};

/* Reads "user_ids" into "t" (duplicates dropped), recording shape errors in "v". */
static void read_user_ids(struct sh_request *req, struct staff_tx *t, struct sh_validation *v)
{
	json_t *list = json_object_get(req->json, "user_ids");
	if (list == NULL || !json_is_array(list)) {
		sh_validation_add(v, "user_ids", list == NULL ? "required" : "invalid_type");
		return;
	}
	size_t n = json_array_size(list);
	if (n > MAX_STAFF_IDS) {
		sh_validation_add(v, "user_ids", "too_many_items");
		return;
	}
	t->ids = sh_arena_alloc(req->arena, sizeof(*t->ids) * (n + 1));
	t->fields = sh_arena_alloc(req->arena, sizeof(*t->fields) * (n + 1));
	for (size_t i = 0; i < n; i++) {
		json_t *item = json_array_get(list, i);
		const char *field = sh_arena_printf(req->arena, "user_ids[%zu]", i);
		char id[SH_UUID_LEN + 1];
		if (!json_is_string(item)) {
			sh_validation_add(v, field, "invalid_type");
			continue;
		}
		if (!sh_uuid_normalize(json_string_value(item), id)) {
			sh_validation_add(v, field, "invalid_uuid");
			continue;
		}
		bool seen = false;
		for (size_t k = 0; k < t->n && !seen; k++)
			seen = strcmp(t->ids[k], id) == 0;
		if (!seen) {
			t->ids[t->n] = sh_arena_strdup(req->arena, id);
			t->fields[t->n++] = field;
		}
	}
}

static bool listed(const struct staff_tx *t, const char *id)
{
	for (size_t k = 0; k < t->n; k++)
		if (strcmp(t->ids[k], id) == 0)
			return true;
	return false;
}

/* Checks every id, then makes the class's rows exactly "t->ids" (rows that stay keep their
 * assigned_at). Checked inside the write, so an account demoted or erased meanwhile is
 * either refused here or removed after. */
static enum sh_db_rc staff_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct staff_tx *t = ctx;
	memset(&t->v, 0, sizeof(t->v));
	for (size_t i = 0; i < t->n; i++) {
		bool eligible = false;
		enum sh_db_rc rc = sh_class_staff_candidate(conn, t->ids[i], &eligible);
		if (rc != SH_DB_OK && rc != SH_DB_ROW)
			return rc;
		if (rc == SH_DB_OK || !eligible)
			sh_validation_add(&t->v, t->fields[i],
					  rc == SH_DB_OK ? "unknown_member" : "not_staff_role");
	}
	if (t->v.count > 0) {
		*rollback_r = true;
		return SH_DB_OK;
	}
	const char **current = NULL;
	memset(&t->watch, 0, sizeof(t->watch));
	enum sh_db_rc rc = sh_class_watch_class(conn, t->arena, &t->watch, t->class_name);
	if (rc == SH_DB_OK)
		rc = sh_class_staff_ids(conn, t->arena, t->class_name, &current);
	for (size_t k = 0; rc == SH_DB_OK && current[k] != NULL; k++)
		if (!listed(t, current[k]))
			rc = sh_class_staff_remove(conn, t->class_name, current[k]);
	for (size_t i = 0; rc == SH_DB_OK && i < t->n; i++)
		rc = sh_class_staff_add(conn, t->class_name, t->ids[i], t->now);
	if (rc == SH_DB_OK)
		rc = sh_class_watch_notify(conn, t->arena, &t->watch);
	/* Audited last (the chain's head stays locked until the commit): the class, then the
	 * staff it now has. */
	const char *targets[MAX_STAFF_IDS + 1] = {t->class_name};
	for (size_t i = 0; i < t->n; i++)
		targets[i + 1] = t->ids[i];
	if (rc == SH_DB_OK)
		rc = sh_audit_append(conn, &(struct sh_audit_entry){
						   .actor_id = t->actor_id,
						   .action = "class.staff_changed",
						   .targets = targets,
						   .target_count = t->n + 1,
						   .request_id = t->request_id});
	return rc;
}

void sh_classes_staff_put(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"user_ids", NULL};
	int position = sh_class_index(sh_req_param(req, "name"));
	if (position < 0) {
		sh_reply_not_found(req, res);
		return;
	}
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	struct staff_tx t = {.arena = req->arena,
			     .class_name = sh_class_names[position],
			     .now = now,
			     .actor_id = req->user.id,
			     .request_id = req->request_id};
	struct sh_validation v = {0};
	read_user_ids(req, &t, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, staff_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (sh_validation_or_reply(req, res, &t.v) != 0)
		return;
	if (t.watch.wrote)
		sh_events_wake(req->app);
	/* The class as GET shows it, read after the commit. */
	struct summaries_read r;
	if (summaries_or_reply(req, res, &r) != 0)
		return;
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	class_write(&w, &r.items[position]);
	sh_reply_jw(req, res, 200, &w);
}
