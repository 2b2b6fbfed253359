/*
 * /api/v1/admin/users: the admins' view of the members. A search with filters, one
 * member's account with children and guardianships (a look at children's data: audited),
 * role and status changes (audited, never leaving the school without an active admin),
 * and a password-reset e-mail sent for a member (the admin never sees a password).
 */
#include <string.h>
#include <time.h>

#include "modules/admin/admin_routes.h"
#include "modules/admin/member_queries.h"
#include "modules/auth/password_reset.h"
#include "modules/classes/classes.h"
#include "schoolhub/audit.h"
#include "schoolhub/jobs.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/text.h"
#include "schoolhub/util.h"

#define Q_MAX 100
#define MAX_CHILDREN_AUDITED (SH_AUDIT_MAX_TARGETS - 1)

/* One audit row for an action on member "id" by the requesting admin. */
static enum sh_db_rc audit_member(struct sh_conn *conn, const struct sh_request *req,
				  const char *action, const char *const *targets, size_t n)
{
	return sh_audit_append(conn, &(struct sh_audit_entry){.actor_id = req->user.id,
							     .action = action,
							     .targets = targets,
							     .target_count = n,
							     .request_id = req->request_id});
}

/* "q" as a LIKE pattern over the folded name or the address: wildcards escaped. */
static const char *like_pattern(struct sh_arena *arena, const char *q)
{
	char *folded = sh_text_fold(q);
	size_t n = strlen(folded);
	char *out = sh_arena_alloc(arena, 2 * n + 3), *o = out;
	*o++ = '%';
	for (const char *p = folded; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o++ = '%';
	*o = '\0';
	free(folded);
	return out;
}

static int list_filter_or_reply(struct sh_request *req, struct sh_response *res,
				struct admin_member_filter *f)
{
	struct sh_validation v = {0};
	enum sh_role role;
	const char *q = sh_req_query(req, "q");
	if (q != NULL && (strlen(q) > Q_MAX || !sh_utf8_valid_text(q, Q_MAX, NULL)))
		sh_validation_add(&v, "q", "invalid_value");
	else if (q != NULL && q[0] != '\0')
		f->q_like = like_pattern(req->arena, q);
	f->role = sh_req_query(req, "role");
	if (f->role != NULL && sh_role_parse(f->role, &role) != 0)
		sh_validation_add(&v, "role", "invalid_value");
	f->class_name = sh_req_query(req, "class");
	if (f->class_name != NULL && sh_class_index(f->class_name) < 0)
		sh_validation_add(&v, "class", "invalid_value");
	const char *status = sh_req_query(req, "status");
	f->status = -1;
	if (status != NULL && strcmp(status, "active") == 0)
		f->status = 1;
	else if (status != NULL && strcmp(status, "deactivated") == 0)
		f->status = 0;
	else if (status != NULL && strcmp(status, "pending") == 0)
		f->status = 2;
	else if (status != NULL)
		sh_validation_add(&v, "status", "invalid_value");
	const char *cursor = sh_req_query(req, "cursor"), *part = NULL;
	char id[SH_UUID_LEN + 1];
	if (cursor != NULL && (sh_cursor_decode(req->arena, cursor, 1, &part) != 0 ||
			       !sh_uuid_normalize(part, id)))
		sh_validation_add(&v, "cursor", "invalid_cursor");
	else if (cursor != NULL)
		f->after_id = sh_arena_strdup(req->arena, id);
	return sh_validation_or_reply(req, res, &v);
}

void admin_users_list(struct sh_request *req, struct sh_response *res)
{
	struct admin_member_filter f = {0};
	int limit = 0;
	if (sh_req_limit_or_reply(req, res, &limit) != 0 || list_filter_or_reply(req, res, &f) != 0)
		return;
	f.limit = limit + 1;
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_page_begin(req, &w);
	int count = 0;
	const char *last = NULL;
	enum sh_db_rc rc = admin_members_list(req->db, req->arena, &f, &w, &count, &last);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_reply_page(req, res, &w, count > limit ? sh_cursor_encode(req->arena, &last, 1) : NULL);
}

/* --- GET /{id} ------------------------------------------------------------------------ */

struct view_tx {
	struct sh_request *req;
	const char *id;
	struct sh_jw w;
	bool found;
};

/* The account, its children with their guardians and the SEL balance, and the audit row
 * naming the member and each child looked at: one transaction. */
static enum sh_db_rc view_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct view_tx *t = ctx;
	struct sh_arena *arena = t->req->arena;
	struct admin_member m;
	enum sh_db_rc rc = admin_member_get(conn, arena, t->id, &m);
	t->found = rc == SH_DB_ROW;
	if (rc != SH_DB_ROW) {
		*rollback_r = true;
		return rc;
	}
	sh_jw_init(&t->w, arena);
	sh_jw_object_begin(&t->w);
	admin_member_write(&t->w, &m);
	sh_jw_kstring(&t->w, "phone", m.phone);
	sh_jw_kstring(&t->w, "locale", m.locale);
	int64_t balance = 0;
	rc = admin_member_balance(conn, t->id, &balance);
	if (rc != SH_DB_OK && rc != SH_DB_ROW)
		return rc;
	sh_jw_key(&t->w, "sel_balance");
	if (rc == SH_DB_ROW)
		sh_jw_int(&t->w, balance);
	else
		sh_jw_null(&t->w);
	const char *targets[SH_AUDIT_MAX_TARGETS] = {t->id};
	size_t n = 0;
	sh_jw_key(&t->w, "children");
	rc = admin_member_children(conn, arena, t->id, &t->w, targets + 1, MAX_CHILDREN_AUDITED, &n);
	sh_jw_object_end(&t->w);
	if (rc == SH_DB_OK)
		rc = audit_member(conn, t->req, "member.viewed", targets, n + 1);
	return rc;
}

void admin_users_get(struct sh_request *req, struct sh_response *res)
{
	const char *id = sh_req_uuid_param(req, "id");
	if (id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	struct view_tx t = {.req = req, .id = id};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, view_in_tx, &t);
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else if (!t.found)
		sh_reply_not_found(req, res);
	else
		sh_reply_jw(req, res, 200, &t.w);
}

/* --- PATCH /{id} ---------------------------------------------------------------------- */

struct patch_tx {
	struct sh_request *req;
	const char *id, *role, *now;
	int active; /* -1 unchanged, 0 deactivate, 1 reactivate */
	const char *problem; /* "not_found", "last_admin" */
	struct admin_member after;
};

/* Whether the change leaves the school without an active admin. */
static enum sh_db_rc removes_last_admin(struct sh_conn *conn, const struct patch_tx *t,
					const struct admin_member *m, bool *last_r)
{
	bool admin_now = m->active && strcmp(m->role, "admin") == 0;
	bool admin_after = (t->active < 0 ? m->active : t->active == 1) &&
			   strcmp(t->role ? t->role : m->role, "admin") == 0;
	*last_r = false;
	if (!admin_now || admin_after)
		return SH_DB_OK;
	int64_t others = 0;
	enum sh_db_rc rc = admin_other_admins(conn, m->id, &others);
	*last_r = rc == SH_DB_OK && others == 0;
	return rc;
}

static enum sh_db_rc patch_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct patch_tx *t = ctx;
	struct sh_arena *arena = t->req->arena;
	struct admin_member m;
	bool last = false;
	t->problem = NULL;
	enum sh_db_rc rc = admin_member_get(conn, arena, t->id, &m);
	if (rc == SH_DB_ROW)
		rc = removes_last_admin(conn, t, &m, &last);
	else if (rc == SH_DB_OK)
		t->problem = "not_found";
	if (rc == SH_DB_OK && last)
		t->problem = "last_admin";
	if (rc != SH_DB_OK || t->problem != NULL) {
		*rollback_r = true;
		return rc;
	}
	const char *targets[] = {t->id};
	if (t->role != NULL && strcmp(t->role, m.role) != 0) {
		rc = admin_member_set_role(conn, t->id, t->role, t->now);
		if (rc == SH_DB_OK)
			rc = audit_member(conn, t->req, "member.role_changed", targets, 1);
	}
	if (rc == SH_DB_OK && t->active >= 0 && (t->active == 1) != m.active) {
		rc = admin_member_set_active(conn, t->id, t->active == 1, t->now);
		if (rc == SH_DB_OK)
			rc = audit_member(conn, t->req,
					  t->active ? "member.reactivated" : "member.deactivated",
					  targets, 1);
	}
	if (rc == SH_DB_OK)
		rc = admin_member_get(conn, arena, t->id, &t->after);
	return rc == SH_DB_ROW ? SH_DB_OK : rc == SH_DB_OK ? SH_DB_ERROR : rc;
}

/* Reads {role?, status?}: 0, or -1 after replying 422. */
static int patch_body_or_reply(struct sh_request *req, struct sh_response *res,
			       struct patch_tx *t)
{
	static const char *const allowed[] = {"role", "status", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return -1;
	struct sh_validation v = {0};
	const char *status = NULL;
	enum sh_role role;
	t->active = -1;
	if (sh_json_get_string(req->json, "role", false, &t->role, &v) && t->role != NULL &&
	    sh_role_parse(t->role, &role) != 0)
		sh_validation_add(&v, "role", "invalid_value");
	if (sh_json_get_string(req->json, "status", false, &status, &v) && status != NULL) {
		if (strcmp(status, "active") == 0 || strcmp(status, "deactivated") == 0)
			t->active = strcmp(status, "active") == 0;
		else
			sh_validation_add(&v, "status", "invalid_value");
	}
	if (v.count == 0 && t->role == NULL && status == NULL)
		sh_validation_add(&v, "role", "required"); /* nothing to change */
	return sh_validation_or_reply(req, res, &v);
}

void admin_users_patch(struct sh_request *req, struct sh_response *res)
{
	const char *id = sh_req_uuid_param(req, "id");
	if (id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	struct patch_tx t = {.req = req, .id = id, .now = now};
	if (patch_body_or_reply(req, res, &t) != 0)
		return;
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, patch_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (t.problem != NULL && strcmp(t.problem, "not_found") == 0) {
		sh_reply_not_found(req, res);
		return;
	}
	if (t.problem != NULL) {
		sh_reply_problem(req, res, 409, t.problem, NULL);
		return;
	}
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_jw_object_begin(&w);
	admin_member_write(&w, &t.after);
	sh_jw_object_end(&w);
	sh_reply_jw(req, res, 200, &w);
}

/* --- POST /{id}/password-reset -------------------------------------------------------- */

struct reset_tx {
	struct sh_request *req;
	const char *id;
	struct sh_reset_request r;
	const char *problem; /* "not_found", "member_deactivated", "too_many_requests" */
};

static enum sh_db_rc reset_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct reset_tx *t = ctx;
	struct admin_member m;
	t->problem = NULL;
	enum sh_db_rc rc = admin_member_get(conn, t->req->arena, t->id, &m);
	if (rc != SH_DB_ROW) {
		t->problem = rc == SH_DB_OK ? "not_found" : NULL;
		*rollback_r = true;
		return rc;
	}
	if (!m.active) { /* a deactivated member cannot sign in: no link for them */
		t->problem = "member_deactivated";
		*rollback_r = true;
		return SH_DB_OK;
	}
	/* The same request a member makes for themselves: same limits, same e-mail. */
	sh_reset_request_prepare(t->req->app, m.email, time(NULL), &t->r);
	int64_t written = 0;
	rc = sh_reset_request_write(conn, &t->r.row, &written);
	if (rc == SH_DB_OK && written != 1) {
		t->problem = "too_many_requests";
		*rollback_r = true;
		return SH_DB_OK;
	}
	const char *targets[] = {t->id};
	if (rc == SH_DB_OK)
		rc = audit_member(conn, t->req, "member.password_reset_sent", targets, 1);
	return rc;
}

void admin_users_password_reset(struct sh_request *req, struct sh_response *res)
{
	static const char requested[] = "{\"status\":\"reset_requested\"}";
	const char *id = sh_req_uuid_param(req, "id");
	if (id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	struct reset_tx t = {.req = req, .id = id};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, reset_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (t.problem != NULL && strcmp(t.problem, "not_found") == 0) {
		sh_reply_not_found(req, res);
		return;
	}
	if (t.problem != NULL) {
		sh_reply_problem(req, res, strcmp(t.problem, "too_many_requests") == 0 ? 429 : 409,
				 t.problem, NULL);
		return;
	}
	sh_jobs_wake(req->app);
	sh_reply_raw(res, 202, "application/json", requested, sizeof(requested) - 1);
}
