/*
 * E-mail verification routes. Asking for a link needs a session (it goes to the
 * account's own address, so it reveals nothing); using a link needs none (it is opened
 * from a mailbox, perhaps on another device), and any token that is unknown, used,
 * expired or for an address the account no longer has is the same 400 invalid_token.
 */
#include <string.h>
#include <time.h>

#include "modules/auth/email_verification.h"
#include "modules/auth/login_throttle.h"
#include "modules/auth/verify_queries.h"
#include "schoolhub/app.h"
#include "schoolhub/jobs.h"
#include "schoolhub/util.h"

static const char sent_body[] = "{\"status\":\"verification_sent\"}";
static const char verified_body[] = "{\"status\":\"email_verified\"}";

struct request_tx {
	struct sh_request *req;
	const char *now;
	long retry_after; /* outcome: > 0 when over a limit */
};

static enum sh_db_rc request_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct request_tx *t = ctx;
	struct sh_request *req = t->req;
	t->retry_after = 0;
	time_t now_t = time(NULL);
	char since[SH_TIME_LEN + 1];
	sh_time_format(now_t - SH_VERIFY_DAY_S, since);
	struct sh_window_tally sent;
	enum sh_db_rc rc = sh_verification_sends_since(conn, req->arena, req->user.id, since, &sent);
	if (rc != SH_DB_OK)
		return rc;
	if (sent.count >= SH_VERIFY_PER_DAY)
		t->retry_after = sh_retry_after_s(sent.oldest, SH_VERIFY_DAY_S, now_t);
	else if (sent.latest != NULL &&
		 sh_retry_after_s(sent.latest, SH_VERIFY_RESEND_GAP_S, now_t) > 1)
		t->retry_after = sh_retry_after_s(sent.latest, SH_VERIFY_RESEND_GAP_S, now_t);
	if (t->retry_after > 0) {
		*rollback_r = true;
		return SH_DB_OK;
	}
	return sh_verification_enqueue(conn, req->app, req->user.id, req->user.account.email,
				       t->now);
}

void sh_auth_verify_request(struct sh_request *req, struct sh_response *res)
{
	if (req->user.account.is_verified) {
		sh_reply_problem(req, res, 409, "already_verified", NULL);
		return;
	}
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	struct request_tx t = {req, now, 0};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, request_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (t.retry_after > 0) {
		sh_res_header(res, "Retry-After", sh_arena_printf(req->arena, "%ld", t.retry_after));
		sh_reply_problem(req, res, 429, "too_many_requests", NULL);
		return;
	}
	sh_jobs_wake(req->app);
	sh_reply_raw(res, 202, "application/json", sent_body, sizeof(sent_body) - 1);
}

struct verify_tx {
	struct sh_request *req;
	const char *hash, *now;
	bool used; /* outcome: the token verified its account */
};

static enum sh_db_rc verify_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct verify_tx *t = ctx;
	const char *user_id = NULL;
	enum sh_db_rc rc = sh_verification_use(conn, t->req->arena, t->hash, t->now, &user_id);
	t->used = rc == SH_DB_ROW;
	if (rc == SH_DB_OK)
		*rollback_r = true;
	return rc == SH_DB_ROW ? SH_DB_OK : rc;
}

void sh_auth_verify_email(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"token", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	struct sh_validation v = {0};
	const char *token = NULL;
	sh_json_get_string(req->json, "token", true, &token, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	if (strlen(token) != SH_VERIFY_TOKEN_LEN) {
		sh_reply_problem(req, res, 400, "invalid_token", NULL);
		return;
	}
	char hash[65], now[SH_TIME_LEN + 1];
	sh_token_hash(token, hash);
	sh_time_now(now);
	struct verify_tx t = {req, hash, now, false};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, verify_in_tx, &t);
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else if (!t.used)
		sh_reply_problem(req, res, 400, "invalid_token", NULL);
	else
		sh_reply_raw(res, 200, "application/json", verified_body, sizeof(verified_body) - 1);
}
