/*
 * Registration by approval (SCHOOLHUB_REGISTRATION=approval): anyone may register, and the
 * account waits ("pending": it reaches only its profile, the auth gate answers 403
 * pending_approval elsewhere) until an admin approves it, or refuses it: then it is erased
 * through the one GDPR erase path, as if the member had deleted it. Both audited.
 */
#include <string.h>

#include "modules/admin/admin_routes.h"
#include "modules/admin/member_queries.h"
#include "modules/users/account_erase.h"
#include "schoolhub/audit.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/util.h"

struct decide_tx {
	struct sh_request *req;
	const char *id, *now;
	bool approve;
	const char *problem; /* "not_found", "not_pending" */
	struct admin_member after;
};

static enum sh_db_rc decide_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct decide_tx *t = ctx;
	struct admin_member m;
	t->problem = NULL;
	enum sh_db_rc rc = admin_member_get(conn, t->req->arena, t->id, &m);
	if (rc == SH_DB_OK)
		t->problem = "not_found";
	else if (rc == SH_DB_ROW && (!m.pending || !m.active))
		t->problem = "not_pending";
	if (rc != SH_DB_ROW || t->problem != NULL) {
		*rollback_r = true;
		return rc == SH_DB_ROW ? SH_DB_OK : rc;
	}
	rc = t->approve ? admin_member_approve(conn, t->id, t->now)
			: sh_account_erase(conn, t->id, t->now);
	if (rc == SH_DB_OK && t->approve)
		rc = admin_member_get(conn, t->req->arena, t->id, &t->after) == SH_DB_ROW ? SH_DB_OK
											: SH_DB_ERROR;
	const char *targets[] = {t->id};
	if (rc == SH_DB_OK)
		rc = sh_audit_append(conn, &(struct sh_audit_entry){
						   .actor_id = t->req->user.id,
						   .action = t->approve ? "member.approved" : "member.refused",
						   .targets = targets,
						   .target_count = 1,
						   .request_id = t->req->request_id});
	return rc;
}

static void decide(struct sh_request *req, struct sh_response *res, bool approve)
{
	const char *id = sh_req_uuid_param(req, "id");
	if (id == NULL) {
		sh_reply_not_found(req, res);
		return;
	}
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	struct decide_tx t = {.req = req, .id = id, .now = now, .approve = approve};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, decide_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
	} else if (t.problem != NULL && strcmp(t.problem, "not_found") == 0) {
		sh_reply_not_found(req, res);
	} else if (t.problem != NULL) {
		sh_reply_problem(req, res, 409, t.problem, NULL);
	} else if (!approve) {
		sh_reply_empty(res, 204);
	} else {
		struct sh_jw w;
		sh_jw_init(&w, req->arena);
		sh_jw_object_begin(&w);
		admin_member_write(&w, &t.after);
		sh_jw_object_end(&w);
		sh_reply_jw(req, res, 200, &w);
	}
}

void admin_users_approve(struct sh_request *req, struct sh_response *res)
{
	decide(req, res, true);
}

void admin_users_refuse(struct sh_request *req, struct sh_response *res)
{
	decide(req, res, false);
}
