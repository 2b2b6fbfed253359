/*
 * Access tokens: JWT HS256 through libjwt. The algorithm is pinned twice: the header
 * is checked before libjwt sees the token, and the decoded algorithm after, so a
 * token claiming "none" (or RS256 with our secret as a public key) never verifies.
 *
 * Claims: iss, typ "access", sub (user id), gen (the account's token generation: a
 * password change increments it, which voids every token issued before), iat, exp.
 */
#include <errno.h>
#include <jansson.h>
#include <jwt.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schoolhub/log.h"
#include "schoolhub/mem.h"
#include "schoolhub/security.h"
#include "schoolhub/util.h"

#define ISSUER "schoolhub"

char *sh_access_token_issue(const struct sh_app *app, const char *user_id, int64_t generation)
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
	    jwt_add_grant_int(jwt, "gen", (long)generation) != 0 ||
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
 * (about half the CPU of an authenticated request). An entry is found by a keyed hash of
 * the token (the key is random per process, so nobody can aim at a slot) and matched
 * with a constant-time compare of that hash and of the signing key's hash; expiry is
 * still checked on every use.
 */
/* 64 sets of 4: a direct-mapped table of 64 thrashed with 32 clients (two tokens on one
 * slot evict each other, which the bench's payment ring hit on every fifth request). */
#define TOKEN_CACHE_SETS 64
#define TOKEN_CACHE_WAYS 4

struct token_cache_entry {
	unsigned char token_hash[32]; /* keyed BLAKE2b of the token */
	unsigned char key_hash[32];   /* BLAKE2b of the signing key it was verified with */
	bool used;
	struct sh_access_claims claims;
	time_t expires_at;
};

static _Thread_local struct token_cache_entry token_cache[TOKEN_CACHE_SETS][TOKEN_CACHE_WAYS];
static _Thread_local unsigned token_cache_victim[TOKEN_CACHE_SETS]; /* round robin */
static unsigned char cache_key[crypto_generichash_KEYBYTES];
static pthread_once_t cache_key_once = PTHREAD_ONCE_INIT;

static void make_cache_key(void)
{
	randombytes_buf(cache_key, sizeof(cache_key));
}

static void hash_token(const char *token, size_t len, unsigned char out[32])
{
	pthread_once(&cache_key_once, make_cache_key);
	crypto_generichash(out, 32, (const unsigned char *)token, len, cache_key, sizeof(cache_key));
}

static void hash_key(const struct sh_app *app, unsigned char out[32])
{
	crypto_generichash(out, 32, (const unsigned char *)app->cfg.secret_key,
			   app->cfg.secret_key_len, NULL, 0);
}

/* A claim that must be a JSON integer: libjwt's jwt_get_grant_int also reads "1" (a
 * string) as a number. Our tokens only ever carry integers. */
static bool grant_integer(jwt_t *jwt, const char *name, long *out)
{
	char *text = jwt_get_grants_json(jwt, name);
	if (text == NULL)
		return false;
	json_t *value = json_loads(text, JSON_DECODE_ANY, NULL);
	free(text);
	bool ok = json_is_integer(value);
	if (ok)
		*out = (long)json_integer_value(value);
	json_decref(value);
	return ok;
}

static int decode_and_verify(const struct sh_app *app, const char *token,
			     struct sh_access_claims *claims, time_t *expires_r)
{
	if (strlen(token) > 2048 || !header_is_hs256(token))
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
	long gen = -1, exp = 0;
	if (!grant_integer(jwt, "gen", &gen) || !grant_integer(jwt, "exp", &exp) || gen < 0 ||
	    iss == NULL || strcmp(iss, ISSUER) != 0 || typ == NULL ||
	    strcmp(typ, "access") != 0 || !sh_uuid_valid(sub) || exp <= 0 ||
	    (time_t)exp <= time(NULL))
		goto out;
	memcpy(claims->user_id, sub, 37);
	claims->generation = gen;
	claims->expires_at = exp;
	*expires_r = (time_t)exp;
	rc = 0;
out:
	jwt_free(jwt);
	return rc;
}

int sh_access_token_verify(const struct sh_app *app, const char *token,
			   struct sh_access_claims *claims)
{
	if (token == NULL || *token == '\0')
		return -1;
	size_t len = strlen(token);
	unsigned char th[32], kh[32];
	hash_token(token, len, th);
	hash_key(app, kh);
	unsigned set = th[0] % TOKEN_CACHE_SETS;
	struct token_cache_entry *ways = token_cache[set];
	for (int i = 0; i < TOKEN_CACHE_WAYS; i++) {
		struct token_cache_entry *e = &ways[i];
		if (e->used && sodium_memcmp(e->token_hash, th, 32) == 0 &&
		    sodium_memcmp(e->key_hash, kh, 32) == 0) {
			if (e->expires_at <= time(NULL))
				return -1;
			*claims = e->claims;
			return 0;
		}
	}
	time_t expires;
	if (decode_and_verify(app, token, claims, &expires) != 0)
		return -1;
	struct token_cache_entry *slot = &ways[token_cache_victim[set]++ % TOKEN_CACHE_WAYS];
	memcpy(slot->token_hash, th, 32);
	memcpy(slot->key_hash, kh, 32);
	slot->claims = *claims;
	slot->expires_at = expires;
	slot->used = true;
	return 0;
}
