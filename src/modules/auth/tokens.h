/* Issuing an access + refresh token pair (auth module internal). */
#ifndef SCHOOLHUB_AUTH_TOKENS_H
#define SCHOOLHUB_AUTH_TOKENS_H

#include <jansson.h>

#include "schoolhub/http.h"

struct sh_token_pair {
	char refresh_id[37];
	char refresh_hash[65];
	char *refresh_token; /* arena */
	const char *family_id;
	char expires_at[21];
};

/* Prepares a new refresh token (random, stored only as a hash) in "family_id" (NULL: new family). */
void sh_token_pair_prepare(struct sh_request *req, const char *family_id, struct sh_token_pair *p);
/* Stores the prepared refresh token (inside the caller's transaction). */
enum sh_db_rc sh_token_pair_store(struct sh_conn *conn, const struct sh_token_pair *p,
				  const char *user_id, const char *now);
/* {access_token, refresh_token, token_type, expires_in, user}; NULL if signing failed. */
json_t *sh_token_pair_json(struct sh_request *req, const struct sh_token_pair *p,
			   const struct sh_user *user);

#endif
