/* Password hashing (argon2id) and access tokens (JWT HS256). */
#ifndef SCHOOLHUB_SECURITY_H
#define SCHOOLHUB_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schoolhub/app.h"

#define SH_PASSWORD_HASH_MAX 128

/* argon2id with OWASP parameters (19 MiB, t=2, p=1); at most cfg.argon2_max_concurrent at once. */
int sh_password_hash(struct sh_app *app, const char *password, char out[SH_PASSWORD_HASH_MAX]);
/* true when "password" matches "hash". A NULL/empty hash is checked against a dummy so the
 * time taken does not reveal whether the account exists. */
bool sh_password_verify(struct sh_app *app, const char *hash, const char *password);

/* A signed access token for "user_id" at token generation "generation" (malloc'ed), valid
 * cfg.access_token_ttl_s seconds. */
char *sh_access_token_issue(const struct sh_app *app, const char *user_id, int64_t generation);

struct sh_access_claims {
	char user_id[37];
	int64_t generation; /* must equal the account's current token generation */
};

/*
 * Verifies signature (HS256 only: "none" and every other algorithm are refused), expiry,
 * issuer, type and subject, and fills "claims". Returns 0 or -1.
 */
int sh_access_token_verify(const struct sh_app *app, const char *token,
			   struct sh_access_claims *claims);

#endif
