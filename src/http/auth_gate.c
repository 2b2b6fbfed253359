/* The authentication gate in front of every protected route. */
#include "http/auth_gate.h"

#include <string.h>
#include <strings.h>

#include "modules/users/user_queries.h"
#include "schoolhub/security.h"
#include "schoolhub/util.h"

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
	char user_id[37], valid_after[21], issued[21];
	time_t issued_at;
	if (sh_access_token_verify(req->app, token, user_id, &issued_at) != 0)
		return unauthorized(req, res, "invalid_token");

	enum sh_role role;
	struct sh_user account;
	enum sh_db_rc rc = sh_user_load_session(req->db, req->arena, user_id, &account, valid_after);
	if (rc == SH_DB_OK)
		return unauthorized(req, res, "invalid_token"); /* deleted or deactivated */
	if (rc != SH_DB_ROW) {
		sh_reply_db_error(req, res, rc);
		return -1;
	}
	if (sh_role_parse(account.role, &role) != 0) {
		sh_reply_internal(req, res);
		return -1;
	}
	/* A password change voids the access tokens issued before it (RFC 3339 UTC text
	 * compares in time order). */
	sh_time_format(issued_at, issued);
	if (valid_after[0] != '\0' && strcmp(issued, valid_after) < 0)
		return unauthorized(req, res, "invalid_token");
	req->user.authenticated = true;
	memcpy(req->user.id, user_id, sizeof(req->user.id));
	req->user.role = role;
	req->user.account = account;
	if (route->roles != 0 && (route->roles & role) == 0) {
		sh_reply_problem(req, res, 403, "forbidden", NULL);
		return -1;
	}
	return 0;
}
