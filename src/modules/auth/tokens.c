/* Token pairs: a short-lived JWT and a rotating refresh token. */
#include "modules/auth/tokens.h"

#include "modules/auth/auth_settings.h"
#include <stdlib.h>
#include <string.h>

#include "modules/auth/session_queries.h"
#include "modules/users/user_queries.h"
#include "schoolhub/app.h"
#include "schoolhub/mem.h"
#include "schoolhub/security.h"
#include "schoolhub/util.h"

void sh_token_pair_prepare(struct sh_request *req, const char *family_id, struct sh_token_pair *p)
{
	memset(p, 0, sizeof(*p));
	sh_uuid_v4(p->refresh_id);
	char *token = sh_random_token(32);
	p->refresh_token = sh_arena_strdup(req->arena, token);
	sh_free(&token);
	sh_token_hash(p->refresh_token, p->refresh_hash);
	if (family_id == NULL) {
		char *fresh = sh_arena_alloc(req->arena, SH_UUID_LEN + 1);
		sh_uuid_v4(fresh);
		family_id = fresh;
	}
	p->family_id = family_id;
	sh_time_format(time(NULL) + sh_auth_settings(&req->app->cfg)->refresh_token_ttl_s, p->expires_at);
}

enum sh_db_rc sh_token_pair_store(struct sh_conn *conn, const struct sh_token_pair *p,
				  const char *user_id, const char *now)
{
	return sh_refresh_insert(conn, p->refresh_id, user_id, p->family_id, p->refresh_hash, now,
				 p->expires_at);
}

json_t *sh_token_pair_json(struct sh_request *req, const struct sh_token_pair *p,
			   const struct sh_user *user)
{
	char *access = sh_access_token_issue(req->app, user->id, user->token_generation);
	if (access == NULL)
		return NULL;
	json_t *out = json_pack("{s:s, s:s, s:s, s:i, s:o}", "access_token", access,
				"refresh_token", p->refresh_token, "token_type", "bearer",
				"expires_in", (int)req->app->cfg.access_token_ttl_s, "user",
				sh_user_to_json(user));
	free(access);
	return out;
}
