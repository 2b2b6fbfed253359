/*
 * GET /api/v1/classes/{name}/photo-consents: what a teacher checks before posting a class
 * photo, each child of the class with the answer their guardians gave (issue #15).
 *
 * Only the class's staff and admins see it; it names children to staff, so each look is
 * one audit row (the class and every child listed, ids only) written in the same
 * transaction as the read. Leavers (children.left_at set) belong to no class: not listed.
 */
#include "modules/classes/classes_routes.h"

#include "modules/classes/classes.h"
#include "schoolhub/audit.h"
#include "schoolhub/json_writer.h"

struct consent_row {
	const char *child_id, *first_name, *last_name, *photo_consent, *set_at;
};

struct consents_tx {
	struct sh_request *req;
	const char *class_name;
	bool forbidden;
	struct consent_row *rows;
	size_t count;
};

/* The class's children by name into "t" (arena strings). */
static enum sh_db_rc consents_read(struct sh_conn *conn, struct consents_tx *t)
{
	struct sh_stmt *st = sh_query(conn,
				      "SELECT id, first_name, last_name, photo_consent, "
				      "photo_consent_at FROM children "
				      "WHERE class_name = $1 AND left_at IS NULL "
				      "ORDER BY last_name, first_name, id",
				      SH_ARGS(SH_TEXT(t->class_name)));
	size_t capacity = 0;
	enum sh_db_rc rc;
	t->count = 0;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		if (t->count == capacity) {
			capacity = capacity ? capacity * 2 : 32;
			struct consent_row *grown =
				sh_arena_alloc(t->req->arena, sizeof(*grown) * capacity);
			for (size_t i = 0; i < t->count; i++)
				grown[i] = t->rows[i];
			t->rows = grown;
		}
		struct sh_arena *a = t->req->arena;
		t->rows[t->count++] = (struct consent_row){
			.child_id = sh_arena_strdup(a, sh_stmt_col_text(st, 0)),
			.first_name = sh_arena_strdup(a, sh_stmt_col_text(st, 1)),
			.last_name = sh_arena_strdup(a, sh_stmt_col_text(st, 2)),
			.photo_consent = sh_arena_strdup(a, sh_stmt_col_text(st, 3)),
			.set_at = sh_arena_strdup(a, sh_stmt_col_time(st, 4)),
		};
	}
	sh_stmt_free(&st);
	return rc;
}

/* Checks the caller staffs the class (admins see every class), reads, audits last. */
static enum sh_db_rc consents_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct consents_tx *t = ctx;
	t->forbidden = false;
	if (t->req->user.role != SH_ROLE_ADMIN) {
		enum sh_db_rc rc = sh_class_staff_has(conn, t->class_name, t->req->user.id);
		if (rc == SH_DB_OK) {
			t->forbidden = true;
			*rollback_r = true;
			return SH_DB_OK;
		}
		if (rc != SH_DB_ROW)
			return rc;
	}
	enum sh_db_rc rc = consents_read(conn, t);
	if (rc != SH_DB_OK)
		return rc;
	const char **targets = sh_arena_alloc(t->req->arena, sizeof(*targets) * (t->count + 1));
	targets[0] = t->class_name;
	for (size_t i = 0; i < t->count; i++)
		targets[i + 1] = t->rows[i].child_id;
	return sh_audit_append(conn, &(struct sh_audit_entry){.actor_id = t->req->user.id,
							     .action = "class.photo_consents_viewed",
							     .targets = targets,
							     .target_count = t->count + 1,
							     .request_id = t->req->request_id});
}

void sh_class_photo_consents_get(struct sh_request *req, struct sh_response *res)
{
	int position = sh_class_index(sh_req_param(req, "name"));
	if (position < 0) {
		sh_reply_not_found(req, res); /* the nine class names are public */
		return;
	}
	struct consents_tx t = {.req = req, .class_name = sh_class_names[position]};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, consents_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (t.forbidden) {
		sh_reply_problem(req, res, 403, "forbidden", NULL);
		return;
	}
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_jw_object_begin(&w);
	sh_jw_key(&w, "items");
	sh_jw_array_begin(&w);
	for (size_t i = 0; i < t.count; i++) {
		sh_jw_object_begin(&w);
		sh_jw_kstring(&w, "child_id", t.rows[i].child_id);
		sh_jw_kstring(&w, "first_name", t.rows[i].first_name);
		sh_jw_kstring(&w, "last_name", t.rows[i].last_name);
		sh_jw_kstring(&w, "photo_consent", t.rows[i].photo_consent);
		sh_jw_kstring(&w, "set_at", t.rows[i].set_at);
		sh_jw_object_end(&w);
	}
	sh_jw_array_end(&w);
	sh_jw_object_end(&w);
	sh_reply_jw(req, res, 200, &w);
}
