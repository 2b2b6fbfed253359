/* Password hashing (argon2id) and access tokens (JWT HS256). */
#ifndef SCHOOLHUB_SECURITY_H
#define SCHOOLHUB_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schoolhub/app.h"

#define SH_PASSWORD_HASH_MAX 128

/*
 * Password hashing is memory-hard (argon2id, OWASP parameters: 19 MiB, t=2, p=1), so at most
 * cfg.argon2_max_concurrent run at once; a caller that cannot get a slot within a few
 * seconds gets SH_PW_BUSY and answers 429 too_many_requests (sh_reply_busy) instead of
 * queueing without bound.
 */
enum sh_pw_result {
	SH_PW_MISMATCH = 0,
	SH_PW_MATCH = 1,
	SH_PW_OK = 1, /* hashing succeeded */
	SH_PW_BUSY = -1,
	SH_PW_ERROR = -2,
};

/* SH_PW_OK (hash written to "out"), SH_PW_BUSY or SH_PW_ERROR. */
enum sh_pw_result sh_password_hash(struct sh_app *app, const char *password,
				   char out[SH_PASSWORD_HASH_MAX]);
/* SH_PW_MATCH, SH_PW_MISMATCH or SH_PW_BUSY. A NULL/empty hash is checked against a dummy
 * so the time taken does not reveal whether the account exists. */
enum sh_pw_result sh_password_verify(struct sh_app *app, const char *hash, const char *password);
/* argon2id verifications this process has run (a /metrics counter). */
uint64_t sh_password_verification_count(void);

/* A signed access token for "user_id" at token generation "generation" (malloc'ed), valid
 * cfg.access_token_ttl_s seconds. */
char *sh_access_token_issue(const struct sh_app *app, const char *user_id, int64_t generation);

struct sh_access_claims {
	char user_id[37];
	int64_t generation; /* must equal the account's current token generation */
	int64_t expires_at; /* exp, Unix seconds: a socket authenticated with it closes then */
};

/*
 * Verifies signature (HS256 only: "none" and every other algorithm are refused), expiry,
 * issuer, type and subject, and fills "claims". Returns 0 or -1.
 */
int sh_access_token_verify(const struct sh_app *app, const char *token,
			   struct sh_access_claims *claims);

#endif
