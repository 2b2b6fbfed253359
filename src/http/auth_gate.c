/* The authentication gate in front of every protected route. */
#include "http/auth_gate.h"

#include <string.h>
#include <strings.h>

#include "schoolhub/modules.h"
#include "schoolhub/security.h"

static int unauthorized(struct sh_request *req, struct sh_response *res, const char *error)
{
	sh_res_header(res, "WWW-Authenticate",
		      error ? sh_arena_printf(req->arena, "Bearer error=\"%s\"", error) : "Bearer");
	sh_reply_problem(req, res, 401, "unauthorized", NULL);
	return -1;
}

int sh_auth_gate_or_reply(struct sh_request *req, struct sh_response *res,
			  const struct sh_route *route)
{
	const char *header = sh_req_header(req, "Authorization");
	if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
		return unauthorized(req, res, NULL);
	const char *token = header + 7;
	while (*token == ' ')
		token++;
	struct sh_access_claims claims;
	if (sh_access_token_verify(req->app, token, &claims) != 0)
		return unauthorized(req, res, "invalid_token");

	/* The account is read on every request: a deactivated or deleted member, a role
	 * change or a password change (token generation) takes effect at once. */
	struct sh_user account;
	sh_account_fn *load_account = sh_modules_account_loader();
	enum sh_db_rc rc = load_account != NULL
				   ? load_account(req->db, req->arena, claims.user_id, &account)
				   : SH_DB_ERROR; /* no module supplies accounts: fail closed */
	if (rc != SH_DB_ROW && rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return -1;
	}
	if (rc != SH_DB_ROW) /* no such active account: deleted or deactivated since */
		return unauthorized(req, res, "invalid_token");
	enum sh_role role;
	if (sh_role_parse(account.role, &role) != 0) {
		sh_reply_internal(req, res);
		return -1;
	}
	if (account.token_generation != claims.generation)
		return unauthorized(req, res, "invalid_token");
	req->user.authenticated = true;
	memcpy(req->user.id, claims.user_id, sizeof(req->user.id));
	req->user.role = role;
	req->user.account = account;
	if (route->roles != 0 && (route->roles & role) == 0) {
		sh_reply_problem(req, res, 403, "forbidden", NULL);
		return -1;
	}
	return 0;
}
