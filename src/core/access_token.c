/*
 * Access tokens: JWT HS256 through libjwt. The algorithm is pinned twice: the header
 * is checked before libjwt sees the token, and the decoded algorithm after, so a
 * token claiming "none" (or RS256 with our secret as a public key) never verifies.
 */
#include <jansson.h>
#include <jwt.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schoolhub/log.h"
#include "schoolhub/mem.h"
#include "schoolhub/security.h"
#include "schoolhub/util.h"

#define ISSUER "schoolhub"

char *sh_access_token_issue(const struct sh_app *app, const char *user_id)
{
	jwt_t *jwt = NULL;
	char *out = NULL;
	time_t now = time(NULL);
	if (jwt_new(&jwt) != 0)
		return NULL;
	if (jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)app->cfg.secret_key,
			(int)app->cfg.secret_key_len) != 0 ||
	    jwt_add_grant(jwt, "iss", ISSUER) != 0 || jwt_add_grant(jwt, "sub", user_id) != 0 ||
	    jwt_add_grant(jwt, "typ", "access") != 0 ||
	    jwt_add_grant_int(jwt, "iat", (long)now) != 0 ||
	    jwt_add_grant_int(jwt, "exp", (long)(now + app->cfg.access_token_ttl_s)) != 0) {
		sh_log_error("could not build an access token");
		goto out;
	}
	out = jwt_encode_str(jwt);
	if (out == NULL)
		sh_log_error("could not sign an access token");
out:
	jwt_free(jwt);
	return out;
}

/* The header must be exactly an HS256 JWT header before any signature work happens. */
static bool header_is_hs256(const char *token)
{
	const char *dot = strchr(token, '.');
	if (dot == NULL || dot == token || dot - token > 256)
		return false;
	unsigned char raw[256];
	size_t raw_len;
	if (sodium_base642bin(raw, sizeof(raw) - 1, token, (size_t)(dot - token), NULL, &raw_len,
			      NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return false;
	raw[raw_len] = '\0';
	json_t *header = json_loadb((const char *)raw, raw_len, 0, NULL);
	const char *alg = json_string_value(json_object_get(header, "alg"));
	bool ok = alg != NULL && strcmp(alg, "HS256") == 0;
	json_decref(header);
	return ok;
}

/*
 * A client presents the same access token for up to 15 minutes, so each worker thread
 * remembers the tokens it verified: a hit skips base64, two JSON parses and the HMAC
 * (about half the CPU of an authenticated request). The entry holds the whole token
 * and is only used on an exact match; expiry is still checked on every use; the key
 * it was verified with is part of the match, so a key change empties it in effect.
 */
#define TOKEN_CACHE_SLOTS 64
#define TOKEN_CACHE_MAX 480

struct token_cache_entry {
	char token[TOKEN_CACHE_MAX];
	const struct sh_app *app;
	char user_id[37];
	time_t issued_at, expires_at;
};

static _Thread_local struct token_cache_entry token_cache[TOKEN_CACHE_SLOTS];

static struct token_cache_entry *cache_slot(const char *token, size_t len)
{
	unsigned char h[crypto_shorthash_BYTES];
	static const unsigned char key[crypto_shorthash_KEYBYTES] = "schoolhub-cache";
	crypto_shorthash(h, (const unsigned char *)token, len, key);
	return &token_cache[h[0] % TOKEN_CACHE_SLOTS];
}

int sh_access_token_verify(const struct sh_app *app, const char *token, char user_id_r[37],
			   time_t *issued_at_r)
{
	if (token == NULL)
		return -1;
	size_t len = strlen(token);
	struct token_cache_entry *slot = len < TOKEN_CACHE_MAX ? cache_slot(token, len) : NULL;
	if (slot != NULL && slot->app == app && strcmp(slot->token, token) == 0) {
		if (slot->expires_at <= time(NULL))
			return -1;
		memcpy(user_id_r, slot->user_id, 37);
		*issued_at_r = slot->issued_at;
		return 0;
	}
	if (len > 2048 || !header_is_hs256(token))
		return -1;
	jwt_t *jwt = NULL;
	int rc = -1;
	if (jwt_decode(&jwt, token, (const unsigned char *)app->cfg.secret_key,
		       (int)app->cfg.secret_key_len) != 0 || jwt == NULL)
		goto out;
	if (jwt_get_alg(jwt) != JWT_ALG_HS256)
		goto out;
	const char *iss = jwt_get_grant(jwt, "iss");
	const char *typ = jwt_get_grant(jwt, "typ");
	const char *sub = jwt_get_grant(jwt, "sub");
	long exp = jwt_get_grant_int(jwt, "exp");
	long iat = jwt_get_grant_int(jwt, "iat");
	if (iat <= 0 || iss == NULL || strcmp(iss, ISSUER) != 0 || typ == NULL || strcmp(typ, "access") != 0 ||
	    !sh_uuid_valid(sub) || exp <= 0 || (time_t)exp <= time(NULL))
		goto out;
	memcpy(user_id_r, sub, 37);
	*issued_at_r = (time_t)iat;
	if (slot != NULL) {
		memcpy(slot->token, token, len + 1);
		slot->app = app;
		memcpy(slot->user_id, sub, 37);
		slot->issued_at = (time_t)iat;
		slot->expires_at = (time_t)exp;
	}
	rc = 0;
out:
	jwt_free(jwt);
	return rc;
}
