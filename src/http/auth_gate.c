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
	gate->lookup->read(row, req->arena, &account);
	enum sh_role role;
	if (sh_role_parse(account.role, &role) != 0) {
		gate->refusal = SH_AUTH_INTERNAL;
		return SH_DB_DENIED;
	}
	if (account.token_generation != gate->generation)
		return SH_DB_DENIED;
	req->user.authenticated = true;
	req->user.role = role;
	req->user.account = account;
	if (gate->route->roles != 0 && (gate->route->roles & role) == 0) {
		gate->refusal = SH_AUTH_FORBIDDEN;
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
