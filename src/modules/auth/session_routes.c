/*
 * Sessions: refresh, logout and "sign out everywhere", in the JSON flow (the refresh token
 * in the request body, for non-browser clients) and in the browser's cookie flow (the
 * token in an HttpOnly cookie that only the routes under /api/v1/auth/session receive).
 *
 * Ending a session ends access tokens too: logout bumps users.token_generation, which the
 * gate compares with every access token's "gen" claim, so every access token of the
 * account stops working at once. The member's other devices keep their refresh tokens and
 * get a new access token with their next refresh (the API clients do that on a 401), so
 * only the device that signed out is signed out. docs/SECURITY.md says why this lever and
 * not a per-session claim.
 */
#include "modules/auth/session_routes.h"

#include <string.h>
#include <time.h>

#include "modules/auth/session_cookie.h"
#include "modules/auth/session_queries.h"
#include "modules/auth/tokens.h"
#include "modules/users/user_queries.h"
#include "schoolhub/app.h"
#include "schoolhub/security.h"
#include "schoolhub/util.h"

static void end_family_after_replay(struct sh_request *req, struct sh_response *res,
				    const struct sh_refresh *old, bool cookie);

/* --- refresh ------------------------------------------------------------------- */

/*
 * How long after its exchange a rotated token may be presented again when its successor
 * was never used: the answer that carried the successor was lost (the page was reloaded or
 * left while its refresh was in flight, the network dropped the answer after the server
 * committed), and the browser still holds the old cookie. Without this, a parent who
 * reloads at the wrong moment is signed out. A thief holding the same token gets at most
 * this window after each of the member's refreshes, and is still caught: the member's
 * next refresh presents the successor, now used, which ends the family (docs/SECURITY.md).
 */
#define SH_REFRESH_LOST_ANSWER_S 60

struct refresh_tx {
	const struct sh_refresh *old;
	struct sh_token_pair *pair;
	const char *now;
	bool reused; /* lost a race against another use of the same token (or successor) */
};

static enum sh_db_rc refresh_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct refresh_tx *t = ctx;
	int64_t changed = 0;
	t->reused = false;
	enum sh_db_rc rc = t->old->rotated_at == NULL
				   ? sh_refresh_rotate(conn, t->old->id, t->now, &changed)
				   : sh_refresh_supersede(conn, t->old->family_id, t->old->id,
							  t->old->rotated_at, t->now, &changed);
	if (rc != SH_DB_OK)
		return rc;
	if (changed != 1) {
		t->reused = true;
		*rollback_r = true;
		return SH_DB_OK;
	}
	return sh_token_pair_store(conn, t->pair, t->old->user_id, t->now);
}

static void refuse_refresh(struct sh_request *req, struct sh_response *res, bool cookie)
{
	if (cookie)
		sh_session_cookie_clear(req, res); /* a dead token is no use to keep */
	sh_reply_problem(req, res, 401, "unauthorized", NULL);
}

/* Was the token exchanged so long ago that presenting it again can only be a replay? */
static bool replayed(const struct sh_refresh *old)
{
	if (old->rotated_at == NULL)
		return false;
	char since[SH_TIME_LEN + 1];
	sh_time_format(time(NULL) - SH_REFRESH_LOST_ANSWER_S, since);
	return strcmp(old->rotated_at, since) < 0;
}

/* Exchanges "token" for a new pair and replies (the cookie flow: "cookie"). */
static void refresh_with(struct sh_request *req, struct sh_response *res, const char *token,
			 bool cookie)
{
	char hash[65], now[SH_TIME_LEN + 1];
	sh_token_hash(token, hash);
	sh_time_now(now);
	struct sh_refresh old = {0};
	enum sh_db_rc rc = sh_refresh_find(req->db, req->arena, hash, &old);
	if (rc == SH_DB_ROW && (old.revoked_at != NULL || strcmp(old.expires_at, now) <= 0))
		rc = SH_DB_OK;
	bool replay = rc == SH_DB_ROW && replayed(&old);
	struct sh_user user = {0};
	if (rc == SH_DB_ROW && !replay) /* the owner, still allowed in (SH_DB_OK if not) */
		rc = sh_user_by_id(req->db, req->arena, old.user_id, &user);
	if (rc == SH_DB_OK) {
		refuse_refresh(req, res, cookie);
		return;
	}
	if (rc != SH_DB_ROW) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	struct sh_token_pair pair;
	sh_token_pair_prepare(req, old.family_id, &pair);
	struct refresh_tx t = {&old, &pair, now, false};
	if (!replay) {
		rc = sh_conn_transaction(req->db, SH_TX_WRITE, refresh_in_tx, &t);
		if (rc != SH_DB_OK) {
			sh_reply_db_error(req, res, rc);
			return;
		}
	}
	if (replay || t.reused) {
		end_family_after_replay(req, res, &old, cookie);
		return;
	}
	sh_session_reply_pair(req, res, 200, &pair, &user);
}

/*
 * The JSON flow's body, {"refresh_token": "..."} and nothing else: 0 with "*token_r" set,
 * or -1 after replying 422.
 */
static int refresh_token_or_reply(struct sh_request *req, struct sh_response *res,
				  const char **token_r)
{
	static const char *const allowed[] = {"refresh_token", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return -1;
	struct sh_validation v = {0};
	*token_r = NULL;
	sh_json_get_string(req->json, "refresh_token", true, token_r, &v);
	return sh_validation_or_reply(req, res, &v);
}

void sh_auth_refresh(struct sh_request *req, struct sh_response *res)
{
	const char *token = NULL;
	if (sh_session_cookie_origin_or_reply(req, res) != 0 ||
	    refresh_token_or_reply(req, res, &token) != 0)
		return;
	refresh_with(req, res, token, false);
}

void sh_auth_cookie_refresh(struct sh_request *req, struct sh_response *res)
{
	if (sh_session_from_app_or_reply(req, res) != 0)
		return;
	const char *token = sh_session_cookie_token(req);
	if (token == NULL) {
		sh_reply_problem(req, res, 401, "unauthorized", NULL);
		return;
	}
	refresh_with(req, res, token, true);
}

/* --- logout -------------------------------------------------------------------- */

enum end_scope {
	END_FAMILY,     /* one session: the family of the presented refresh token */
	END_EVERYWHERE, /* every session of the member */
};

struct end_tx {
	enum end_scope scope;
	const char *user_id;
	const char *family_id; /* END_FAMILY */
	const char *now;
};

/* Revokes the refresh tokens in scope, then ends every access token of the member. */
static enum sh_db_rc end_sessions_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	const struct end_tx *t = ctx;
	enum sh_db_rc rc = t->scope == END_FAMILY
				   ? sh_refresh_revoke_family(conn, t->family_id, t->user_id, t->now)
				   : sh_refresh_revoke_user(conn, t->user_id, t->now);
	if (rc != SH_DB_OK)
		return rc;
	return sh_session_end_access_tokens(conn, t->user_id, t->now);
}

/* Ends the sessions in scope ("user_id" NULL: nothing to end), clears the cookie, 204. */
static void end_sessions_and_reply(struct sh_request *req, struct sh_response *res,
				   struct end_tx *t, bool cookie)
{
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	t->now = now;
	if (t->user_id != NULL) {
		enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, end_sessions_in_tx, t);
		if (rc != SH_DB_OK) {
			sh_reply_db_error(req, res, rc);
			return;
		}
	}
	if (cookie)
		sh_session_cookie_clear(req, res);
	sh_reply_empty(res, 204);
}

/* The token's row, or a zeroed one when unknown; -1 after replying a database error. */
static int find_token_or_reply(struct sh_request *req, struct sh_response *res,
			       const char *token, struct sh_refresh *r)
{
	memset(r, 0, sizeof(*r));
	if (token == NULL)
		return 0;
	char hash[65];
	sh_token_hash(token, hash);
	enum sh_db_rc rc = sh_refresh_find(req->db, req->arena, hash, r);
	if (rc != SH_DB_ROW && rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return -1;
	}
	return 0;
}

/*
 * A token that was already exchanged is being replayed: whoever holds this family may be
 * an attacker, so the whole family dies (theft detection), and with it every access token
 * of the account, the one the thief may have got from the family included.
 */
static void end_family_after_replay(struct sh_request *req, struct sh_response *res,
				    const struct sh_refresh *old, bool cookie)
{
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	struct end_tx t = {END_FAMILY, old->user_id, old->family_id, now};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, end_sessions_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	refuse_refresh(req, res, cookie);
}

void sh_auth_logout(struct sh_request *req, struct sh_response *res)
{
	const char *token = NULL;
	if (refresh_token_or_reply(req, res, &token) != 0)
		return;
	struct sh_refresh r;
	if (find_token_or_reply(req, res, token, &r) != 0)
		return;
	/* Only the caller's own session can be ended; another's or an unknown token is a
	 * silent no-op (nothing changes, the same 204) so logout never tells whether a token
	 * exists. */
	bool own = r.user_id != NULL && strcmp(r.user_id, req->user.id) == 0;
	struct end_tx t = {END_FAMILY, own ? req->user.id : NULL, r.family_id, NULL};
	end_sessions_and_reply(req, res, &t, sh_session_wants_cookie(req));
}

void sh_auth_cookie_logout(struct sh_request *req, struct sh_response *res)
{
	if (sh_session_from_app_or_reply(req, res) != 0)
		return;
	/* The cookie is the proof of the session (no bearer needed: the access token may
	 * have expired in a tab left open). Unknown or absent: nothing to end, still 204. */
	struct sh_refresh r;
	if (find_token_or_reply(req, res, sh_session_cookie_token(req), &r) != 0)
		return;
	struct end_tx t = {END_FAMILY, r.user_id, r.family_id, NULL};
	end_sessions_and_reply(req, res, &t, true);
}

void sh_auth_logout_all(struct sh_request *req, struct sh_response *res)
{
	struct end_tx t = {END_EVERYWHERE, req->user.id, NULL, NULL};
	end_sessions_and_reply(req, res, &t, sh_session_wants_cookie(req));
}
