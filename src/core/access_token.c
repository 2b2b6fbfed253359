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

int sh_access_token_verify(const struct sh_app *app, const char *token, char user_id_r[37],
			   time_t *issued_at_r)
{
	if (token == NULL || strlen(token) > 2048 || !header_is_hs256(token))
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
	rc = 0;
out:
	jwt_free(jwt);
	return rc;
}
