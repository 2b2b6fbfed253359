/*
 * Access tokens an attacker can make: unsigned ("alg": "none"), signed with a key of their
 * own, or well signed but wrong in a claim. Each claims to be a real member.
 */
#include <jwt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostile.h"
#include "schoolhub/mem.h"

#define OTHER_KEY "an-attacker-chosen-key-that-is-long-enough-0123456789"

static char *b64url(const char *s)
{
	size_t n = strlen(s);
	size_t cap = sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = sh_malloc(cap);
	sodium_bin2base64(out, cap, (const unsigned char *)s, n,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

static char *claims_json(const char *user_id, const char *typ, long exp)
{
	char buf[256];
	snprintf(buf, sizeof(buf),
		 "{\"iss\":\"schoolhub\",\"sub\":\"%s\",\"typ\":\"%s\",\"gen\":0,\"iat\":%ld,"
		 "\"exp\":%ld}",
		 user_id, typ, (long)time(NULL), exp);
	return sh_strdup(buf);
}

/* header.claims.signature with the given header and signature text, no real signing. */
static char *unsigned_token(const char *header, const char *user_id, const char *signature)
{
	char *claims = claims_json(user_id, "access", (long)time(NULL) + 600);
	char *h = b64url(header), *c = b64url(claims);
	size_t cap = strlen(h) + strlen(c) + strlen(signature) + 3;
	char *out = sh_malloc(cap);
	snprintf(out, cap, "%s.%s.%s", h, c, signature);
	sh_free(&h);
	sh_free(&c);
	sh_free(&claims);
	return out;
}

static char *signed_token(jwt_alg_t alg, const char *key, const char *user_id, const char *typ,
			  long exp)
{
	jwt_t *jwt = NULL;
	if (jwt_new(&jwt) != 0 ||
	    jwt_set_alg(jwt, alg, (const unsigned char *)key, (int)strlen(key)) != 0 ||
	    jwt_add_grant(jwt, "iss", "schoolhub") != 0 || jwt_add_grant(jwt, "sub", user_id) != 0 ||
	    jwt_add_grant(jwt, "typ", typ) != 0 || jwt_add_grant_int(jwt, "gen", 0) != 0 ||
	    jwt_add_grant_int(jwt, "iat", (long)time(NULL)) != 0 ||
	    jwt_add_grant_int(jwt, "exp", exp) != 0) {
		fprintf(stderr, "libjwt could not build a token\n");
		exit(1);
	}
	char *s = jwt_encode_str(jwt);
	jwt_free(jwt);
	if (s == NULL) {
		fprintf(stderr, "libjwt could not encode a token\n");
		exit(1);
	}
	char *out = sh_strdup(s);
	free(s);
	return out;
}

char *hx_forge_token(enum hx_forgery kind, const char *user_id, const char *server_key)
{
	long later = (long)time(NULL) + 600;
	switch (kind) {
	case HX_JWT_ALG_NONE:
		return unsigned_token("{\"alg\":\"none\",\"typ\":\"JWT\"}", user_id, "");
	case HX_JWT_ALG_NONE_CASE:
		return unsigned_token("{\"alg\":\"None\",\"typ\":\"JWT\"}", user_id, "");
	case HX_JWT_EMPTY_SIG:
		return unsigned_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", user_id, "");
	case HX_JWT_OTHER_KEY:
		return signed_token(JWT_ALG_HS256, OTHER_KEY, user_id, "access", later);
	case HX_JWT_HS512:
		return signed_token(JWT_ALG_HS512, server_key, user_id, "access", later);
	case HX_JWT_EXPIRED:
		return signed_token(JWT_ALG_HS256, server_key, user_id, "access",
				    (long)time(NULL) - 3600);
	case HX_JWT_REFRESH_TYP:
		return signed_token(JWT_ALG_HS256, server_key, user_id, "refresh", later);
	case HX_JWT_COUNT:
		break;
	}
	return sh_strdup("x");
}
