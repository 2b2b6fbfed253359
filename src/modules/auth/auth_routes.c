/*
 * Module "auth": register, login, and invitations made by admins (e-mailed when given an
 * address); the route table also lists the session routes (refresh, logout, sign out
 * everywhere: session_routes.c), e-mail verification and forgotten passwords.
 *
 * Password hashing happens outside transactions (it takes ~50 ms); everything that
 * writes more than one row runs in one sh_conn_transaction.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "modules/auth/attempt_queries.h"
#include "modules/auth/auth_settings.h"
#include "modules/auth/email_verification.h"
#include "modules/auth/invites.h"
#include "modules/auth/login_throttle.h"
#include "modules/auth/password_reset.h"
#include "modules/auth/reset_queries.h"
#include "modules/auth/session_cookie.h"
#include "modules/auth/session_queries.h"
#include "modules/auth/session_routes.h"
#include "modules/auth/tokens.h"
#include "modules/users/privacy.h"
#include "modules/auth/verify_queries.h"
#include "modules/users/user_fields.h"
#include "modules/users/user_queries.h"
#include "schoolhub/app.h"
#include "schoolhub/modules.h"
#include "schoolhub/security.h"
#include "schoolhub/util.h"

/* --- POST /api/v1/auth/register ------------------------------------------------ */

struct register_tx {
	const struct sh_config *cfg;
	const struct sh_app *app;
	struct sh_user *user;
	struct sh_token_pair *pair;
	const char *invite_hash; /* NULL when registration is open */
	const char *now;
	const char *outcome; /* problem code when the transaction was refused */
};

static enum sh_db_rc register_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct register_tx *t = ctx;
	t->outcome = NULL;
	enum sh_db_rc rc;
	/* The invite is checked before the email: otherwise anyone could probe, with a bogus
	 * code, which emails have accounts (409 vs 403). */
	if (t->invite_hash != NULL) {
		rc = sh_invite_usable(conn, t->invite_hash, t->now);
		if (rc == SH_DB_OK) {
			t->outcome = "invalid_invite";
			*rollback_r = true;
			return SH_DB_OK;
		}
		if (rc != SH_DB_ROW)
			return rc;
	}
	rc = sh_user_insert(conn, t->user, t->now);
	if (rc == SH_DB_UNIQUE) {
		t->outcome = "email_taken";
		*rollback_r = true;
		return SH_DB_OK;
	}
	if (rc != SH_DB_OK)
		return rc;
	if ((rc = sh_user_privacy_accept(conn, t->user->id, SH_PRIVACY_VERSION, t->now)) !=
	    SH_DB_OK)
		return rc;
	if (t->invite_hash != NULL) {
		int64_t used = 0;
		rc = sh_invite_consume(conn, t->invite_hash, t->user->id, t->now, &used);
		if (rc != SH_DB_OK)
			return rc;
		if (used != 1) {
			t->outcome = "invalid_invite";
			*rollback_r = true;
			return SH_DB_OK;
		}
	}
	/* What other modules give a member from the first day (the SEL's welcome units), in
	 * this transaction: the account exists with it or not at all. */
	if ((rc = sh_modules_account_created(t->cfg, conn, t->user->id, t->now)) != SH_DB_OK)
		return rc;
	rc = sh_token_pair_store(conn, t->pair, t->user->id, t->now);
	if (rc != SH_DB_OK)
		return rc;
	/* The verification e-mail is part of the registration: committed with it or not at all. */
	return sh_verification_enqueue(conn, t->app, t->user->id, t->user->email, t->now);
}

/* What a registration asks for, validated (NULL for an optional field left out). */
struct register_input {
	const char *email, *password, *first, *last, *locale, *invite, *privacy;
};

/* Reads and checks the body's fields; replies 422 (or 403 origin) and returns -1 on a refusal. */
static int register_input_or_reply(struct sh_request *req, struct sh_response *res,
				   struct register_input *in)
{
	static const char *const allowed[] = {"email",		 "password", "first_name",
					      "last_name",	 "locale",   "invite_code",
					      "privacy_version", NULL};
	if (sh_session_cookie_origin_or_reply(req, res) != 0 ||
	    sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return -1;
	struct sh_validation v = {0};
	if (sh_json_get_string(req->json, "email", true, &in->email, &v))
		in->email = sh_field_email(req, "email", in->email, &v);
	if (sh_json_get_string(req->json, "password", true, &in->password, &v))
		sh_field_password("password", in->password, &v);
	if (sh_json_get_string(req->json, "first_name", true, &in->first, &v))
		in->first = sh_field_name(req, "first_name", in->first, &v);
	if (sh_json_get_string(req->json, "last_name", true, &in->last, &v))
		in->last = sh_field_name(req, "last_name", in->last, &v);
	if (sh_json_get_string(req->json, "locale", false, &in->locale, &v))
		in->locale = sh_field_locale("locale", in->locale, &v);
	sh_json_get_string(req->json, "invite_code", false, &in->invite, &v);
	sh_json_get_string(req->json, "privacy_version", false, &in->privacy, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return -1;
	/* No account without the notice in force: missing, or a version the app showed before
	 * the text changed (an old page left open), is refused before anything else happens. */
	if (in->privacy == NULL || strcmp(in->privacy, SH_PRIVACY_VERSION) != 0) {
		sh_reply_problem(req, res, 422, "privacy_not_accepted", NULL);
		return -1;
	}
	return 0;
}

static void auth_register(struct sh_request *req, struct sh_response *res)
{
	enum sh_registration mode = req->app->cfg.registration;
	if (mode == SH_REG_CLOSED) {
		sh_reply_problem(req, res, 403, "registration_closed", NULL);
		return;
	}
	struct register_input in = {0};
	if (register_input_or_reply(req, res, &in) != 0)
		return;

	char invite_hash[65];
	struct register_tx t = {0};
	if (mode == SH_REG_INVITE) {
		if (in.invite == NULL || *in.invite == '\0') {
			sh_reply_problem(req, res, 403, "invite_required", NULL);
			return;
		}
		sh_invite_code_hash(in.invite, invite_hash);
		t.invite_hash = invite_hash;
	}

	char hash[SH_PASSWORD_HASH_MAX];
	enum sh_pw_result pw = sh_password_hash(req->app, in.password, hash);
	if (pw != SH_PW_OK) {
		if (pw == SH_PW_BUSY)
			sh_reply_busy(req, res);
		else
			sh_reply_internal(req, res);
		return;
	}
	char id[SH_UUID_LEN + 1], now[SH_TIME_LEN + 1];
	sh_uuid_v4(id);
	sh_time_now(now);
	struct sh_user user = {.id = id,
			       .email = in.email,
			       .password_hash = hash,
			       .first_name = in.first,
			       .last_name = in.last,
			       .locale = in.locale ? in.locale : sh_lang_code(req->lang),
			       .role = "parent",
			       .created_at = now,
			       /* approval mode: the account waits for an admin (admin module) */
			       .pending_approval = mode == SH_REG_APPROVAL};
	struct sh_token_pair pair;
	sh_token_pair_prepare(req, NULL, &pair);
	t.cfg = &req->app->cfg;
	t.app = req->app;
	t.user = &user;
	t.pair = &pair;
	t.now = now;
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, register_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (t.outcome != NULL) {
		bool taken = strcmp(t.outcome, "email_taken") == 0;
		sh_reply_problem(req, res, taken ? 409 : 403, t.outcome, NULL);
		return;
	}
	sh_jobs_wake(req->app);
	sh_session_reply_pair(req, res, 201, &pair, &user);
}

/* --- POST /api/v1/auth/login ---------------------------------------------------- */

static void reply_invalid_credentials(struct sh_request *req, struct sh_response *res)
{
	sh_reply_problem(req, res, 401, "invalid_credentials", NULL);
}

struct login_tx {
	struct sh_request *req;
	const struct sh_user *verified; /* the row whose password hash was checked */
	struct sh_token_pair *pair;
	const char *now;
	bool stale; /* the password changed while it was being checked */
};

static enum sh_db_rc login_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct login_tx *t = ctx;
	t->stale = false;
	/* argon2 ran outside the transaction: if the password was changed (or the account
	 * deleted) meanwhile, this login must not mint a session for the old password. */
	struct sh_user now_row;
	enum sh_db_rc rc = sh_user_by_id(conn, t->req->arena, t->verified->id, &now_row);
	if (rc != SH_DB_ROW && rc != SH_DB_OK)
		return rc;
	if (rc == SH_DB_OK || now_row.token_generation != t->verified->token_generation ||
	    strcmp(now_row.password_hash, t->verified->password_hash) != 0) {
		t->stale = true;
		*rollback_r = true;
		return SH_DB_OK;
	}
	rc = sh_token_pair_store(conn, t->pair, t->verified->id, t->now);
	if (rc != SH_DB_OK)
		return rc;
	/* What an admin sees as "last sign-in" (GET /admin/users/{id}). */
	return sh_exec(conn, "UPDATE users SET last_login_at = $2 WHERE id = $1",
		       SH_ARGS(SH_TEXT(t->verified->id), SH_TEXT(t->now)), NULL);
}

static void auth_login(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"email", "password", NULL};
	if (sh_session_cookie_origin_or_reply(req, res) != 0 ||
	    sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	struct sh_validation v = {0};
	const char *email_in = NULL, *password = NULL;
	sh_json_get_string(req->json, "email", true, &email_in, &v);
	sh_json_get_string(req->json, "password", true, &password, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;

	struct sh_validation ignored = {0};
	const char *email = sh_field_email(req, "email", email_in, &ignored);
	if (email == NULL || strlen(password) > 4 * SH_PASSWORD_MAX) {
		/* Cannot be an account: same answer and similar time as a wrong password. */
		if (sh_password_verify(req->app, NULL, "not-a-password") == SH_PW_BUSY)
			sh_reply_busy(req, res);
		else
			reply_invalid_credentials(req, res);
		return;
	}
	struct sh_user user = {0};
	enum sh_db_rc rc = sh_user_by_email(req->db, req->arena, email, &user);
	if (rc != SH_DB_ROW && rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	/* An unknown address is counted, throttled and timed like an account (dummy hash). */
	const char *hash = rc == SH_DB_ROW ? user.password_hash : NULL;
	if (sh_password_check_or_reply(req, res, email, hash, password) != 0)
		return;

	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	struct sh_token_pair pair;
	sh_token_pair_prepare(req, NULL, &pair);
	struct login_tx t = {req, &user, &pair, now, false};
	rc = sh_conn_transaction(req->db, SH_TX_WRITE, login_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (t.stale) {
		reply_invalid_credentials(req, res);
		return;
	}
	sh_session_reply_pair(req, res, 200, &pair, &user);
}

/* --- POST /api/v1/admin/invites ------------------------------------------------- */

struct invite_tx {
	const struct sh_app *app;
	const struct sh_invite_spec *spec;
	char code[SH_INVITE_CODE_LEN + 1];
	char expires_at[SH_TIME_LEN + 1];
};

static enum sh_db_rc invite_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct invite_tx *t = ctx;
	return sh_invite_create(conn, t->app, t->spec, t->code, t->expires_at);
}

/* Reads {expires_in_days, email, locale} into "spec": 0, or -1 after replying 422. */
static int invite_spec_or_reply(struct sh_request *req, struct sh_response *res,
				struct sh_invite_spec *spec)
{
	static const char *const allowed[] = {"expires_in_days", "email", "locale", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return -1;
	struct sh_validation v = {0};
	json_t *days_j = json_object_get(req->json, "expires_in_days");
	spec->days = SH_INVITE_DEFAULT_DAYS;
	if (days_j != NULL && !json_is_integer(days_j))
		sh_validation_add(&v, "expires_in_days", "invalid_type");
	else if (days_j != NULL && (json_integer_value(days_j) < 1 || json_integer_value(days_j) > 90))
		sh_validation_add(&v, "expires_in_days", "out_of_range");
	else if (days_j != NULL)
		spec->days = (long)json_integer_value(days_j);
	if (sh_json_get_string(req->json, "email", false, &spec->email, &v) && spec->email != NULL)
		spec->email = sh_field_email(req, "email", spec->email, &v);
	if (sh_json_get_string(req->json, "locale", false, &spec->locale, &v) &&
	    spec->locale != NULL)
		spec->locale = sh_field_locale("locale", spec->locale, &v);
	if (spec->locale != NULL && spec->email == NULL && v.count == 0)
		sh_validation_add(&v, "locale", "requires_email");
	if (sh_validation_or_reply(req, res, &v) != 0)
		return -1;
	if (spec->email != NULL && spec->locale == NULL)
		spec->locale = sh_lang_code(req->lang); /* the admin's own language */
	return 0;
}

/* A code for one registration; with an address, the invitee is e-mailed the code and a
 * link to register with it, and the admin still gets the code (to hand over otherwise). */
static void admin_create_invite(struct sh_request *req, struct sh_response *res)
{
	struct sh_invite_spec spec = {.created_by = req->user.id, .request_id = req->request_id};
	if (invite_spec_or_reply(req, res, &spec) != 0)
		return;
	struct invite_tx t = {.app = req->app, .spec = &spec};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, invite_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	json_t *body = json_pack("{s:s, s:s}", "code", t.code, "expires_at", t.expires_at);
	if (spec.email != NULL) {
		json_object_set_new(body, "email", json_string(spec.email));
		json_object_set_new(body, "locale", json_string(spec.locale));
		sh_jobs_wake(req->app);
	}
	sh_reply_json(req, res, 201, body);
}

/* The unauthenticated /auth/ routes count against the client address's budget
 * (SCHOOLHUB_AUTH_IP_LIMIT): a registration always, a login or refresh unless it succeeds. */
static void register_ip_limited(struct sh_request *req, struct sh_response *res)
{
	sh_auth_ip_limited(req, res, auth_register, SH_IP_REFUND_ERROR);
}

static void login_ip_limited(struct sh_request *req, struct sh_response *res)
{
	sh_auth_ip_limited(req, res, auth_login, SH_IP_REFUND_SUCCESS);
}

static void refresh_ip_limited(struct sh_request *req, struct sh_response *res)
{
	sh_auth_ip_limited(req, res, sh_auth_refresh, SH_IP_REFUND_SUCCESS);
}

static void cookie_refresh_ip_limited(struct sh_request *req, struct sh_response *res)
{
	sh_auth_ip_limited(req, res, sh_auth_cookie_refresh, SH_IP_REFUND_SUCCESS);
}

static void verify_email_ip_limited(struct sh_request *req, struct sh_response *res)
{
	sh_auth_ip_limited(req, res, sh_auth_verify_email, SH_IP_REFUND_SUCCESS);
}

/* Asking for a reset link always answers 202: every request counts. */
static void reset_request_ip_limited(struct sh_request *req, struct sh_response *res)
{
	sh_auth_ip_limited(req, res, sh_auth_reset_request, SH_IP_REFUND_ERROR);
}

static void reset_password_ip_limited(struct sh_request *req, struct sh_response *res)
{
	sh_auth_ip_limited(req, res, sh_auth_reset_password, SH_IP_REFUND_SUCCESS);
}

static const struct sh_route auth_routes[] = {
	{"POST", "/api/v1/auth/register", register_ip_limited, SH_ROUTE_JSON_BODY | SH_ROUTE_NEEDS_DB, 0},
	{"POST", "/api/v1/auth/login", login_ip_limited, SH_ROUTE_JSON_BODY | SH_ROUTE_NEEDS_DB, 0},
	{"POST", "/api/v1/auth/refresh", refresh_ip_limited, SH_ROUTE_JSON_BODY | SH_ROUTE_NEEDS_DB, 0},
	{"POST", "/api/v1/auth/logout", sh_auth_logout, SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY, 0},
	{"POST", "/api/v1/auth/logout-all", sh_auth_logout_all, SH_ROUTE_AUTH, 0},
	/* The browser's cookie flow: the refresh token in an HttpOnly cookie whose Path is
	 * /api/v1/auth/session, so no other route ever receives it (session_cookie.h). */
	{"POST", "/api/v1/auth/session/refresh", cookie_refresh_ip_limited, SH_ROUTE_NEEDS_DB, 0},
	{"POST", "/api/v1/auth/session/logout", sh_auth_cookie_logout, SH_ROUTE_NEEDS_DB, 0},
	/* E-mail verification (email_verification.c, verify_routes.c). */
	{"POST", "/api/v1/auth/verify-email/request", sh_auth_verify_request, SH_ROUTE_AUTH, 0},
	{"POST", "/api/v1/auth/verify-email", verify_email_ip_limited,
	 SH_ROUTE_JSON_BODY | SH_ROUTE_NEEDS_DB, 0},
	/* Forgotten passwords (password_reset_routes.c, password_reset_mail.c). */
	{"POST", "/api/v1/auth/password-reset/request", reset_request_ip_limited,
	 SH_ROUTE_JSON_BODY | SH_ROUTE_NEEDS_DB, 0},
	{"POST", "/api/v1/auth/password-reset", reset_password_ip_limited,
	 SH_ROUTE_JSON_BODY | SH_ROUTE_NEEDS_DB, 0},
	{"POST", "/api/v1/admin/invites", admin_create_invite, SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY,
	 SH_ROLE_ADMIN},
};

static enum sh_db_rc auth_export(struct sh_conn *conn, const char *user_id, json_t *out)
{
	json_t *sessions = json_array(), *verifications = json_array();
	json_object_set_new(out, "sessions", sessions);
	json_object_set_new(out, "email_verifications", verifications);
	enum sh_db_rc rc = sh_refresh_export(conn, user_id, sessions);
	return rc == SH_DB_OK ? sh_verification_export(conn, user_id, verifications) : rc;
}

static enum sh_db_rc auth_erase(struct sh_conn *conn, const char *user_id, const char *now)
{
	(void)now;
	enum sh_db_rc rc = sh_login_failure_clear_user(conn, user_id);
	if (rc == SH_DB_OK)
		rc = sh_verification_delete_user(conn, user_id);
	if (rc == SH_DB_OK)
		rc = sh_reset_delete_user(conn, user_id);
	if (rc != SH_DB_OK)
		return rc;
	return sh_refresh_delete_user(conn, user_id);
}

/* The e-mails the module sends: every one an account e-mail, sent whatever the member's
 * notification preferences or quiet hours say. */
static const struct sh_job_kind auth_job_kinds[] = {
	{SH_VERIFY_JOB_KIND, sh_verify_email_run},
	{SH_RESET_JOB_KIND, sh_reset_email_run},
	{SH_INVITE_JOB_KIND, sh_invite_email_run},
};

const struct sh_module sh_module_auth = {
	.name = "auth",
	.id = SH_MODULE_AUTH,
	.routes = auth_routes,
	.route_count = sizeof(auth_routes) / sizeof(auth_routes[0]),
	.export_part = auth_export,
	.erase_user = auth_erase,
	.settings = sh_auth_setting_table,
	.setting_count = SH_AUTH_SETTING_COUNT,
	.settings_load = sh_auth_settings_load,
	.job_kinds = auth_job_kinds,
	.job_kind_count = sizeof(auth_job_kinds) / sizeof(auth_job_kinds[0]),
};
