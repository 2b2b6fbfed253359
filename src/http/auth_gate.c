/* The authentication gate in front of every protected route. */
#include "http/auth_gate.h"

#include <string.h>
#include <strings.h>

#include "schoolhub/security.h"

static int unauthorized(struct sh_request *req, struct sh_response *res, const char *error)
{
	sh_res_header(res, "WWW-Authenticate",
		      error ? sh_arena_printf(req->arena, "Bearer error=\"%s\"", error) : "Bearer");
	sh_reply_problem(req, res, 401, "unauthorized", NULL);
	return -1;
}

/* The account row against the token: a role the code knows, the token's generation. */
static enum sh_auth_refusal account_row_check(const struct sh_account_lookup *lookup,
					      struct sh_stmt *row, struct sh_arena *arena,
					      int64_t generation, struct sh_user *account,
					      enum sh_role *role_r)
{
	lookup->read(row, arena, account);
	if (sh_role_parse(account->role, role_r) != 0)
		return SH_AUTH_INTERNAL;
	if (account->token_generation != generation)
		return SH_AUTH_INVALID_TOKEN;
	return SH_AUTH_PASSED;
}

/*
 * What an account waiting for approval (SCHOOLHUB_REGISTRATION=approval) may reach: its
 * session (sign out, the e-mail check) and its own profile (read, correct, export, change
 * the password, delete). Everything else answers 403 pending_approval.
 */
static bool open_while_pending(const struct sh_route *route)
{
	static const char *const own[] = {"/api/v1/users/me", "/api/v1/users/me/export",
					  "/api/v1/users/me/password"};
	if (strncmp(route->pattern, "/api/v1/auth/", 13) == 0)
		return true;
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (strcmp(route->pattern, own[i]) == 0)
			return true;
	return false;
}

/*
 * The account check, on the row of the account lookup (sh_guard_fn). The account is read
 * on every request: a deactivated or deleted member, a role change or a password change
 * (token generation) takes effect at once.
 */
static enum sh_db_rc account_check(void *ctx, enum sh_db_rc rc, struct sh_stmt *row)
{
	struct sh_auth_gate *gate = ctx;
	struct sh_request *req = gate->req;

	if (rc != SH_DB_ROW && rc != SH_DB_OK) {
		gate->refusal = SH_AUTH_DB_ERROR;
		gate->db_rc = rc;
		return rc;
	}
	gate->refusal = SH_AUTH_INVALID_TOKEN;
	if (rc != SH_DB_ROW) /* no such active account: deleted or deactivated since */
		return SH_DB_DENIED;
	struct sh_user account;
	enum sh_role role;
	enum sh_auth_refusal verdict =
		account_row_check(gate->lookup, row, req->arena, gate->generation, &account, &role);
	if (verdict != SH_AUTH_PASSED) {
		gate->refusal = verdict;
		return SH_DB_DENIED;
	}
	req->user.authenticated = true;
	req->user.role = role;
	req->user.account = account;
	if (gate->route->roles != 0 && (gate->route->roles & role) == 0) {
		gate->refusal = SH_AUTH_FORBIDDEN;
		return SH_DB_DENIED;
	}
	if (account.pending_approval && !open_while_pending(gate->route)) {
		gate->refusal = SH_AUTH_PENDING;
		return SH_DB_DENIED;
	}
	gate->refusal = SH_AUTH_PASSED;
	return SH_DB_OK;
}

static void reply_refusal(struct sh_request *req, struct sh_response *res,
			  const struct sh_auth_gate *gate)
{
	switch (gate->refusal) {
	case SH_AUTH_PASSED:
		break;
	case SH_AUTH_UNCHECKED:
	case SH_AUTH_INVALID_TOKEN:
		unauthorized(req, res, "invalid_token");
		break;
	case SH_AUTH_FORBIDDEN:
		sh_reply_problem(req, res, 403, "forbidden", NULL);
		break;
	case SH_AUTH_PENDING:
		sh_reply_problem(req, res, 403, "pending_approval", NULL);
		break;
	case SH_AUTH_DB_ERROR:
		sh_reply_db_error(req, res, gate->db_rc);
		break;
	case SH_AUTH_INTERNAL:
	default:
		sh_reply_internal(req, res);
		break;
	}
}

int sh_auth_gate_or_reply(struct sh_request *req, struct sh_response *res,
			  const struct sh_route *route, struct sh_auth_gate *gate)
{
	*gate = (struct sh_auth_gate){.req = req, .route = route};
	const char *header = sh_req_header(req, "Authorization");
	if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
		return unauthorized(req, res, NULL);
	const char *token = header + 7;
	while (*token == ' ')
		token++;
	struct sh_access_claims claims;
	if (sh_access_token_verify(req->app, token, &claims) != 0)
		return unauthorized(req, res, "invalid_token");

	gate->lookup = sh_modules_account_lookup();
	if (gate->lookup == NULL) { /* no module supplies accounts: fail closed */
		sh_reply_db_error(req, res, SH_DB_ERROR);
		return -1;
	}
	gate->generation = claims.generation;
	memcpy(req->user.id, claims.user_id, sizeof(req->user.id));
	bool defer = (route->flags & SH_ROUTE_ACCOUNT_LATE) != 0;
	enum sh_db_rc verdict = sh_conn_guard(req->db, gate->lookup->sql,
					      SH_ARGS(SH_TEXT(claims.user_id)), account_check, gate,
					      defer);
	if (verdict == SH_DB_OK) {
		/* Passed, or deferred: then sh_auth_gate_finish has the last word. */
		gate->pending = gate->refusal == SH_AUTH_UNCHECKED;
		return 0;
	}
	reply_refusal(req, res, gate);
	sh_conn_guard_end(req->db);
	return -1;
}

void sh_auth_gate_finish(struct sh_request *req, struct sh_response *res, struct sh_auth_gate *gate)
{
	if (req->db == NULL)
		return;
	if (gate->pending && sh_conn_guard_settle(req->db) != SH_DB_OK) {
		/* Refused: the handler's answer (built, perhaps, from a read sent along with
		 * the account check) is dropped whole, headers included. */
		*res = (struct sh_response){0};
		reply_refusal(req, res, gate);
	}
	sh_conn_guard_end(req->db);
}

int sh_auth_account_current(struct sh_conn *conn, struct sh_arena *arena, const char *user_id,
			    int64_t generation, enum sh_db_rc *rc_r)
{
	const struct sh_account_lookup *lookup = sh_modules_account_lookup();
	*rc_r = SH_DB_OK;
	if (lookup == NULL) { /* no module supplies accounts: fail closed */
		*rc_r = SH_DB_ERROR;
		return -1;
	}
	struct sh_stmt *row = NULL;
	enum sh_db_rc rc = sh_query_row(conn, lookup->sql, SH_ARGS(SH_TEXT(user_id)), &row);
	if (rc != SH_DB_ROW && rc != SH_DB_OK) {
		*rc_r = rc;
		return -1;
	}
	int stands = 0;
	if (rc == SH_DB_ROW) {
		struct sh_user account;
		enum sh_role role;
		stands = account_row_check(lookup, row, arena, generation, &account, &role) ==
				 SH_AUTH_PASSED &&
			 !account.pending_approval; /* waiting for approval: no channel yet */
	}
	sh_stmt_free(&row);
	return stands;
}
