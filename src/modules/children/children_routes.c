/*
 * Module "children": a family's children and the links to their guardians.
 * Only guardians see or touch a child; to anyone else it does not exist (404).
 * A co-parent joins only by accepting an invitation (invitations_routes.c).
 */
#include <string.h>
#include <time.h>

#include "modules/children/child_queries.h"
#include "modules/children/invitation_queries.h"
#include "modules/children/invitations.h"
#include "modules/messages/class_membership.h"
#include "modules/users/user_fields.h"
#include "schoolhub/app.h"
#include "schoolhub/events.h"
#include "schoolhub/modules.h"
#include "schoolhub/util.h"

static const char *const class_names[] = {"M1", "M2", "M3", "P1", "P2", "P3", "P4", "P5", "P6"};

static bool valid_class(const char *s)
{
	for (size_t i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++)
		if (strcmp(s, class_names[i]) == 0)
			return true;
	return false;
}

/* Fills "c" from the body; on POST the names and class are required. */
static void read_child_fields(struct sh_request *req, bool creating, struct sh_child *c,
			      struct sh_validation *v)
{
	const char *s = NULL;
	bool is_null = false;
	if (sh_json_get_string(req->json, "first_name", creating, &s, v))
		c->first_name = sh_field_name(req, "first_name", s, v);
	if (sh_json_get_string(req->json, "last_name", creating, &s, v))
		c->last_name = sh_field_name(req, "last_name", s, v);
	if (sh_json_get_string(req->json, "class_name", creating, &s, v)) {
		if (valid_class(s))
			c->class_name = s;
		else
			sh_validation_add(v, "class_name", "invalid_class");
	}
	if (sh_json_get_nullable_string(req->json, "birth_date", &s, &is_null, v)) {
		time_t t;
		if (is_null)
			c->birth_date = NULL;
		else if (sh_date_parse(s, &t) != 0 || t < -2208988800 /* 1900 */)
			sh_validation_add(v, "birth_date", "invalid_date");
		else if (t > time(NULL))
			sh_validation_add(v, "birth_date", "date_in_future");
		else
			c->birth_date = s;
	}
	/* A new answer names the guardian giving it and when; the same answer again (a form
	 * saved unchanged) keeps who decided first. */
	if (sh_json_get_string(req->json, "photo_consent", false, &s, v)) {
		if (!sh_photo_consent_valid(s)) {
			sh_validation_add(v, "photo_consent", "invalid_value");
		} else if (c->photo_consent == NULL || strcmp(c->photo_consent, s) != 0) {
			char *now = sh_arena_alloc(req->arena, SH_TIME_LEN + 1);
			sh_time_now(now);
			c->photo_consent = s;
			c->photo_consent_by = req->user.id;
			c->photo_consent_at = now;
		}
	}
}

/* The child as the caller may see it, or NULL after replying 404/5xx. */
static json_t *child_or_reply(struct sh_request *req, struct sh_response *res, const char *id)
{
	if (!sh_uuid_valid(id)) {
		sh_reply_not_found(req, res);
		return NULL;
	}
	json_t *items = json_array();
	enum sh_db_rc rc = sh_children_of_guardian(req->db, req->user.id, id, items);
	if (rc != SH_DB_OK) {
		json_decref(items);
		sh_reply_db_error(req, res, rc);
		return NULL;
	}
	json_t *child = json_incref(json_array_get(items, 0));
	json_decref(items);
	if (child == NULL)
		sh_reply_not_found(req, res);
	return child;
}

static void children_list(struct sh_request *req, struct sh_response *res)
{
	json_t *items = json_array();
	enum sh_db_rc rc = sh_children_of_guardian(req->db, req->user.id, NULL, items);
	if (rc != SH_DB_OK) {
		json_decref(items);
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_reply_json(req, res, 200, json_pack("{s:o}", "items", items));
}

struct create_tx {
	struct sh_arena *arena;
	const struct sh_child *child;
	const char *user_id, *relationship, *now;
	struct sh_class_watch watch; /* the class conversation the parent may join */
};

static enum sh_db_rc create_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct create_tx *t = ctx;
	memset(&t->watch, 0, sizeof(t->watch));
	enum sh_db_rc rc = sh_class_watch_class(conn, t->arena, &t->watch, t->child->class_name);
	if (rc == SH_DB_OK)
		rc = sh_child_insert(conn, t->child, t->now);
	if (rc == SH_DB_OK)
		rc = sh_guardian_insert(conn, t->child->id, t->user_id, t->relationship, t->now);
	return rc != SH_DB_OK ? rc : sh_class_watch_notify(conn, t->arena, &t->watch);
}

static void children_create(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"first_name", "last_name", "class_name",
					      "birth_date", "photo_consent", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	char id[SH_UUID_LEN + 1], now[SH_TIME_LEN + 1];
	sh_uuid_v4(id);
	sh_time_now(now);
	struct sh_child c = {.id = id};
	struct sh_validation v = {0};
	read_child_fields(req, true, &c, &v);
	if (c.photo_consent == NULL)
		c.photo_consent = "ask"; /* nobody answered yet */
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	struct create_tx t = {req->arena, &c, req->user.id, "parent", now, {0}};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, create_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (t.watch.wrote)
		sh_events_wake(req->app);
	json_t *child = child_or_reply(req, res, id);
	if (child != NULL)
		sh_reply_json(req, res, 201, child);
}

static void children_get(struct sh_request *req, struct sh_response *res)
{
	json_t *child = child_or_reply(req, res, sh_req_uuid_param(req, "id"));
	if (child != NULL)
		sh_reply_json(req, res, 200, child);
}

/*
 * Everything that changes an existing child runs as one transaction that starts by
 * checking the caller is a guardian: the check and the write cannot be separated by
 * another guardian removing the caller, and a PATCH never overwrites a concurrent one.
 */
enum child_action { CHILD_PATCH, CHILD_DELETE, GUARDIAN_REMOVE };

struct child_tx {
	struct sh_request *req;
	enum child_action action;
	const char *child_id;
	const char *user_id;              /* GUARDIAN_REMOVE */
	/* outcome */
	const char *problem; /* "not_found", "conflict" or "child_left" */
	struct sh_validation v;
	json_t *child; /* the child after the change (PATCH) */
	struct sh_class_watch watch; /* the class conversations whose members may change */
};

/* The child as the caller sees it inside the transaction; NULL when not a guardian. */
static enum sh_db_rc guarded_child(struct sh_conn *conn, struct child_tx *t, json_t **child_r)
{
	json_t *items = json_array();
	enum sh_db_rc rc = sh_children_of_guardian(conn, t->req->user.id, t->child_id, items);
	*child_r = rc == SH_DB_OK ? json_incref(json_array_get(items, 0)) : NULL;
	json_decref(items);
	return rc;
}

/* Is "body" an object holding "photo_consent" and nothing else? */
static bool only_photo_consent(const json_t *body)
{
	return json_is_object(body) && json_object_size(body) == 1 &&
	       json_object_get(body, "photo_consent") != NULL;
}

static enum sh_db_rc patch_child(struct sh_conn *conn, struct child_tx *t, json_t *current,
				 bool *rollback_r)
{
	static const char *const allowed[] = {"first_name", "last_name", "class_name",
					      "birth_date", "photo_consent", NULL};
	struct sh_request *req = t->req;
	struct sh_child c = {
		.id = t->child_id,
		.first_name = sh_arena_strdup(req->arena, json_string_value(json_object_get(current, "first_name"))),
		.last_name = sh_arena_strdup(req->arena, json_string_value(json_object_get(current, "last_name"))),
		.class_name = sh_arena_strdup(req->arena, json_string_value(json_object_get(current, "class_name"))),
		.birth_date = sh_arena_strdup(req->arena, json_string_value(json_object_get(current, "birth_date"))),
		.photo_consent = sh_arena_strdup(req->arena, json_string_value(json_object_get(current, "photo_consent"))),
		.photo_consent_by = sh_arena_strdup(req->arena, json_string_value(json_object_get(json_object_get(current, "photo_consent_by"), "id"))),
		.photo_consent_at = sh_arena_strdup(req->arena, json_string_value(json_object_get(current, "photo_consent_at"))),
	};
	sh_json_check_allowed(req, allowed, &t->v);
	if (t->v.count == 0)
		read_child_fields(req, false, &c, &t->v);
	if (t->v.count > 0) {
		*rollback_r = true;
		return SH_DB_OK;
	}
	/* The class it leaves and the class it joins (the same one when it stays). */
	enum sh_db_rc rc = sh_class_watch_class(conn, req->arena, &t->watch,
						json_string_value(json_object_get(current, "class_name")));
	if (rc == SH_DB_OK)
		rc = sh_class_watch_class(conn, req->arena, &t->watch, c.class_name);
	if (rc != SH_DB_OK)
		return rc;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	return sh_child_update(conn, &c, now);
}

static enum sh_db_rc remove_guardian(struct sh_conn *conn, struct child_tx *t, bool *rollback_r)
{
	int64_t count = 0, changed = 0;
	enum sh_db_rc rc = sh_guardian_exists(conn, t->child_id, t->user_id);
	if (rc == SH_DB_OK) {
		t->problem = "not_found";
		*rollback_r = true;
		return SH_DB_OK;
	}
	if (rc != SH_DB_ROW)
		return rc;
	if ((rc = sh_guardian_count(conn, t->child_id, &count)) != SH_DB_OK)
		return rc;
	if (count <= 1) {
		t->problem = "conflict"; /* a child always keeps at least one guardian */
		*rollback_r = true;
		return SH_DB_OK;
	}
	if ((rc = sh_class_watch_child(conn, t->req->arena, &t->watch, t->child_id)) != SH_DB_OK)
		return rc;
	return sh_guardian_delete(conn, t->child_id, t->user_id, &changed);
}

static enum sh_db_rc child_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct child_tx *t = ctx;
	t->problem = NULL;
	memset(&t->v, 0, sizeof(t->v));
	json_decref(t->child);
	t->child = NULL;
	memset(&t->watch, 0, sizeof(t->watch));

	json_t *current = NULL;
	enum sh_db_rc rc = guarded_child(conn, t, &current);
	if (rc != SH_DB_OK)
		return rc;
	if (current == NULL) {
		t->problem = "not_found"; /* never reveal that the child exists */
		*rollback_r = true;
		return SH_DB_OK;
	}
	switch (t->action) {
	case CHILD_PATCH:
		/* A child who left the school is archived: read-only until the purge, but for
		 * the photo answer, which a guardian may always withdraw (GDPR art. 7(3)). */
		if (json_is_string(json_object_get(current, "left_at")) &&
		    !only_photo_consent(t->req->json)) {
			t->problem = "child_left";
			*rollback_r = true;
			break;
		}
		rc = patch_child(conn, t, current, rollback_r);
		break;
	case CHILD_DELETE:
		rc = sh_class_watch_child(conn, t->req->arena, &t->watch, t->child_id);
		if (rc == SH_DB_OK)
			rc = sh_child_delete(conn, t->child_id);
		break;
	case GUARDIAN_REMOVE:
		rc = remove_guardian(conn, t, rollback_r);
		break;
	}
	json_decref(current);
	if (rc != SH_DB_OK || *rollback_r)
		return rc;
	if (t->action == CHILD_PATCH && (rc = guarded_child(conn, t, &t->child)) != SH_DB_OK)
		return rc;
	return sh_class_watch_notify(conn, t->req->arena, &t->watch); /* events last */
}

/* Runs "t" and replies: "status" with the child (or 204), 404/409/422 otherwise. */
static void run_child_tx(struct sh_request *req, struct sh_response *res, struct child_tx *t,
			 unsigned status)
{
	t->req = req;
	if (!sh_uuid_valid(t->child_id)) {
		sh_reply_not_found(req, res);
		return;
	}
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, child_in_tx, t);
	if (rc != SH_DB_OK) {
		json_decref(t->child);
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (t->problem != NULL || t->v.count > 0) {
		json_decref(t->child);
		if (t->v.count > 0)
			sh_validation_or_reply(req, res, &t->v);
		else
			sh_reply_problem(req, res, strcmp(t->problem, "not_found") == 0 ? 404 : 409,
					 t->problem, NULL);
		return;
	}
	if (t->watch.wrote)
		sh_events_wake(req->app);
	if (t->child != NULL)
		sh_reply_json(req, res, status, t->child);
	else
		sh_reply_empty(res, 204);
}

static void children_patch(struct sh_request *req, struct sh_response *res)
{
	struct child_tx t = {.action = CHILD_PATCH, .child_id = sh_req_uuid_param(req, "id")};
	run_child_tx(req, res, &t, 200);
}

static void children_delete(struct sh_request *req, struct sh_response *res)
{
	struct child_tx t = {.action = CHILD_DELETE, .child_id = sh_req_uuid_param(req, "id")};
	run_child_tx(req, res, &t, 204);
}

static void guardians_remove(struct sh_request *req, struct sh_response *res)
{
	struct child_tx t = {.action = GUARDIAN_REMOVE,
			     .child_id = sh_req_uuid_param(req, "id"),
			     .user_id = sh_req_uuid_param(req, "user_id")};
	if (!sh_uuid_valid(t.user_id)) {
		/* Still a 404 for strangers and guardians alike. */
		sh_reply_not_found(req, res);
		return;
	}
	run_child_tx(req, res, &t, 204);
}

static const struct sh_route children_routes[] = {
	{"GET", "/api/v1/children", children_list, SH_ROUTE_AUTH, 0},
	{"POST", "/api/v1/children", children_create, SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY, 0},
	{"GET", "/api/v1/children/{id}", children_get, SH_ROUTE_AUTH, 0},
	{"PATCH", "/api/v1/children/{id}", children_patch, SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY, 0},
	{"DELETE", "/api/v1/children/{id}", children_delete, SH_ROUTE_AUTH, 0},
	/* Co-parents are invited, never added: see invitations_routes.c. */
	{"POST", "/api/v1/children/{id}/guardians", sh_invitation_send,
	 SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY, 0},
	{"GET", "/api/v1/children/{id}/guardian-invitations", sh_invitations_of_child_get,
	 SH_ROUTE_AUTH, 0},
	{"DELETE", "/api/v1/children/{id}/guardians/{user_id}", guardians_remove, SH_ROUTE_AUTH,
	 0},
	{"GET", "/api/v1/guardian-invitations", sh_invitations_mine_get, SH_ROUTE_AUTH, 0},
	{"POST", "/api/v1/guardian-invitations/{id}/accept", sh_invitation_accept, SH_ROUTE_AUTH,
	 0},
	{"POST", "/api/v1/guardian-invitations/{id}/decline", sh_invitation_decline,
	 SH_ROUTE_AUTH, 0},
	{"DELETE", "/api/v1/guardian-invitations/{id}", sh_invitation_withdraw, SH_ROUTE_AUTH, 0},
};

static enum sh_db_rc children_export(struct sh_conn *conn, const char *user_id, json_t *out)
{
	json_t *items = json_array();
	json_object_set_new(out, "children", items);
	enum sh_db_rc rc = sh_children_of_guardian(conn, user_id, NULL, items);
	return rc != SH_DB_OK ? rc : sh_invitations_export(conn, user_id, out);
}

static enum sh_db_rc children_erase(struct sh_conn *conn, const char *user_id, const char *now)
{
	(void)now;
	/* Invitations first: deleting the children cascades to theirs, but those the member
	 * sent for children that stay, and those addressed to them, must go too. */
	enum sh_db_rc rc = sh_invitations_erase_user(conn, user_id);
	return rc != SH_DB_OK ? rc : sh_children_erase_guardian(conn, user_id);
}

const struct sh_module sh_module_children = {
	.name = "children",
	.id = SH_MODULE_CHILDREN,
	.routes = children_routes,
	.route_count = sizeof(children_routes) / sizeof(children_routes[0]),
	.export_part = children_export,
	.erase_user = children_erase,
	.job_kinds = sh_invitation_job_kinds,
	.job_kind_count = SH_INVITATION_JOB_KIND_COUNT,
};
