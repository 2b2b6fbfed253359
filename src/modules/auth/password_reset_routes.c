/*
 * Forgotten passwords (docs/SECURITY.md, "Password reset").
 *
 * Asking never tells whether an address has an account: any well-formed address gets the
 * same 202 and body after the same statements (a row and a job in one transaction, no
 * lookup of the account and no hashing that depends on it); the job, later, decides
 * whether there is anyone to mail. Limits: SCHOOLHUB_AUTH_IP_LIMIT per client address
 * (every request counts) and SH_RESET_PER_WINDOW per address an hour, both 429 with
 * Retry-After. Using a link: the registration's password rules (422), then a single-use,
 * 30-minute token; success sets the new argon2id hash and ends every session of the
 * account (refresh tokens revoked, access tokens' generation bumped) in one transaction.
 */
#include <string.h>
#include <time.h>

#include "modules/auth/link_rows.h"
#include "modules/auth/password_reset.h"
#include "modules/auth/reset_queries.h"
#include "modules/auth/session_queries.h"
#include "modules/users/user_fields.h"
#include "modules/users/user_queries.h"
#include "schoolhub/app.h"
#include "schoolhub/security.h"
#include "schoolhub/util.h"

static const char requested_body[] = "{\"status\":\"reset_requested\"}";

/* --- POST /api/v1/auth/password-reset/request ------------------------------------- */

void sh_reset_request_prepare(const struct sh_app *app, const char *email, time_t now_t,
			      struct sh_reset_request *p)
{
	sh_link_row_new(app, sh_reset_token, now_t, SH_RESET_TTL_S, &p->link);
	sh_link_token(app, "schoolhub-reset-address-v1:", email, p->key);
	sh_time_format(now_t - SH_RESET_WINDOW_S, p->since);
	p->row = (struct sh_reset_row){p->link.id,	   p->key,	     email,
				       p->link.token_hash, p->link.created_at, p->link.expires_at,
				       p->since};
}

struct request_tx {
	const struct sh_reset_row *row;
	int64_t written;
};

enum sh_db_rc sh_reset_request_write(struct sh_conn *conn, const struct sh_reset_row *row,
				     int64_t *written_r)
{
	enum sh_db_rc rc = sh_reset_reserve(conn, row, SH_RESET_PER_WINDOW, written_r);
	if (rc != SH_DB_OK || *written_r != 1)
		return rc;
	return sh_link_row_mail(conn, SH_RESET_JOB_KIND, "reset_id", row->id);
}

static enum sh_db_rc request_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct request_tx *t = ctx;
	enum sh_db_rc rc = sh_reset_request_write(conn, t->row, &t->written);
	if (rc == SH_DB_OK && t->written != 1)
		*rollback_r = true;
	return rc;
}

static void reply_address_limited(struct sh_request *req, struct sh_response *res,
				  const struct sh_reset_row *row, time_t now)
{
	struct sh_window_tally tally;
	enum sh_db_rc rc = sh_reset_window(req->db, req->arena, row->email_key, row->since, &tally);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	long wait = sh_retry_after_s(tally.oldest, SH_RESET_WINDOW_S, now);
	sh_res_header(res, "Retry-After", sh_arena_printf(req->arena, "%ld", wait));
	sh_reply_problem(req, res, 429, "too_many_requests", NULL);
}

void sh_auth_reset_request(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"email", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	struct sh_validation v = {0};
	const char *email = NULL;
	if (sh_json_get_string(req->json, "email", true, &email, &v))
		email = sh_field_email(req, "email", email, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	/* Everything below runs the same for every address. */
	time_t now_t = time(NULL);
	struct sh_reset_request p;
	sh_reset_request_prepare(req->app, email, now_t, &p);
	struct sh_reset_row row = p.row;
	struct request_tx t = {&row, 0};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, request_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (t.written != 1) {
		reply_address_limited(req, res, &row, now_t);
		return;
	}
	sh_jobs_wake(req->app);
	sh_reply_raw(res, 202, "application/json", requested_body, sizeof(requested_body) - 1);
}

/* --- POST /api/v1/auth/password-reset --------------------------------------------- */

struct reset_tx {
	struct sh_arena *arena;
	const char *token_hash, *password_hash, *now;
	bool done; /* outcome: the password was replaced */
};

static enum sh_db_rc reset_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct reset_tx *t = ctx;
	t->done = false;
	const char *user_id = NULL;
	enum sh_db_rc rc = sh_reset_use(conn, t->arena, t->token_hash, t->now, &user_id);
	if (rc != SH_DB_ROW)
		goto refused;
	struct sh_user row;
	if ((rc = sh_user_by_id(conn, t->arena, user_id, &row)) != SH_DB_ROW)
		goto refused;
	/* sh_user_set_password bumps the token generation: every access token dies. */
	int64_t changed = 0;
	rc = sh_user_set_password(conn, &row, t->password_hash, t->now, &changed);
	if (rc != SH_DB_OK)
		return rc;
	if (changed != 1) {
		rc = SH_DB_OK;
		goto refused;
	}
	if ((rc = sh_refresh_revoke_user(conn, user_id, t->now)) != SH_DB_OK)
		return rc;
	t->done = true;
	return SH_DB_OK;
refused:
	if (rc == SH_DB_OK) /* not usable (any more): nothing may stay written */
		*rollback_r = true;
	return rc;
}

/* Reads and checks {token, password}: 0, or -1 after replying 422 or 400 invalid_token. */
static int reset_input_or_reply(struct sh_request *req, struct sh_response *res,
				const char **token_r, const char **password_r)
{
	static const char *const allowed[] = {"token", "password", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return -1;
	struct sh_validation v = {0};
	sh_json_get_string(req->json, "token", true, token_r, &v);
	if (sh_json_get_string(req->json, "password", true, password_r, &v))
		sh_field_password("password", *password_r, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return -1;
	if (strlen(*token_r) != SH_LINK_TOKEN_LEN) {
		sh_reply_problem(req, res, 400, "invalid_token", NULL);
		return -1;
	}
	return 0;
}

void sh_auth_reset_password(struct sh_request *req, struct sh_response *res)
{
	const char *token = NULL, *password = NULL;
	if (reset_input_or_reply(req, res, &token, &password) != 0)
		return;
	char token_hash[65], now[SH_TIME_LEN + 1];
	sh_token_hash(token, token_hash);
	sh_time_now(now);
	/* A dead link is refused before argon2id runs: bad tokens cost no hashing. */
	const char *user_id = NULL;
	enum sh_db_rc rc = sh_reset_find(req->db, req->arena, token_hash, now, &user_id);
	if (rc != SH_DB_ROW) {
		if (rc == SH_DB_OK)
			sh_reply_problem(req, res, 400, "invalid_token", NULL);
		else
			sh_reply_db_error(req, res, rc);
		return;
	}
	char hash[SH_PASSWORD_HASH_MAX];
	enum sh_pw_result pw = sh_password_hash(req->app, password, hash);
	if (pw != SH_PW_OK) {
		if (pw == SH_PW_BUSY)
			sh_reply_busy(req, res);
		else
			sh_reply_internal(req, res);
		return;
	}
	sh_time_now(now); /* argon2id took a while: the link must still be alive now */
	struct reset_tx t = {req->arena, token_hash, hash, now, false};
	rc = sh_conn_transaction(req->db, SH_TX_WRITE, reset_in_tx, &t);
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else if (!t.done)
		sh_reply_problem(req, res, 400, "invalid_token", NULL);
	else
		sh_reply_empty(res, 204);
}
