/*
 * Access token verification (src/core/access_token.c: the HS256 header pin, libjwt's
 * decoding, the claim checks and the per-thread cache).
 *
 * Byte 0 picks the mode; the rest is:
 *   mode 0: a raw token string, verified as is;
 *   mode 1: "header JSON\npayload JSON", base64url-encoded and signed with the server's
 *           key, so the claim checks behind the signature are reached;
 *   mode 2: the same signed with another key, which must never verify.
 * A token that verifies must have had an HS256 header and the claims the server requires
 * (checked here independently with jansson), and must verify again from the cache.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schoolhub/app.h"
#include "schoolhub/security.h"
#include "schoolhub/util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char key[] = "fuzzing-only-secret-key-0123456789abcdef";
static char other_key[] = "another-secret-key-that-must-not-verify!";
static struct sh_app app;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	app.cfg.secret_key = key;
	app.cfg.secret_key_len = strlen(key);
	app.cfg.access_token_ttl_s = 900;
	return 0;
}

static char *b64(const char *s, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(cap);
	if (out == NULL)
		abort();
	sodium_bin2base64(out, cap, (const unsigned char *)s, n,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

/* "b64(header).b64(payload).b64(HMAC-SHA256(signing input))" */
static char *signed_token(const char *header, size_t hlen, const char *payload, size_t plen,
			  const char *with_key)
{
	char *h = b64(header, hlen), *p = b64(payload, plen);
	size_t input_len = strlen(h) + 1 + strlen(p);
	char *input = malloc(input_len + 1);
	if (input == NULL)
		abort();
	memcpy(input, h, strlen(h));
	input[strlen(h)] = '.';
	memcpy(input + strlen(h) + 1, p, strlen(p) + 1);
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)with_key, strlen(with_key));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)input, input_len);
	crypto_auth_hmacsha256_final(&st, mac);
	char *sig = b64((const char *)mac, sizeof(mac));
	char *token = malloc(input_len + 1 + strlen(sig) + 1);
	if (token == NULL)
		abort();
	memcpy(token, input, input_len);
	token[input_len] = '.';
	memcpy(token + input_len + 1, sig, strlen(sig) + 1);
	free(h);
	free(p);
	free(input);
	free(sig);
	return token;
}

/* What the server must have required of a token it accepted. */
static void check_accepted(const char *header, size_t hlen, const char *payload, size_t plen,
			   const struct sh_access_claims *claims)
{
	/* As libjwt reads them: its decoded JSON ends at the first NUL byte (the rest is still
	 * covered by the signature, so this is no way around it). */
	json_t *h = json_loadb(header, strnlen(header, hlen), 0, NULL);
	json_t *p = json_loadb(payload, strnlen(payload, plen), 0, NULL);
	const char *alg = json_string_value(json_object_get(h, "alg"));
	if (alg == NULL || strcmp(alg, "HS256") != 0)
		abort();
	const char *iss = json_string_value(json_object_get(p, "iss"));
	const char *typ = json_string_value(json_object_get(p, "typ"));
	json_t *exp = json_object_get(p, "exp");
	json_t *gen = json_object_get(p, "gen");
	if (iss == NULL || strcmp(iss, "schoolhub") != 0 || typ == NULL ||
	    strcmp(typ, "access") != 0)
		abort();
	if (!json_is_integer(exp) || json_integer_value(exp) <= (json_int_t)time(NULL))
		abort();
	if (!json_is_integer(gen) || json_integer_value(gen) < 0 ||
	    json_integer_value(gen) != claims->generation)
		abort();
	json_decref(h);
	json_decref(p);
}

static bool same_claims(const struct sh_access_claims *a, const struct sh_access_claims *b)
{
	return strcmp(a->user_id, b->user_id) == 0 && a->generation == b->generation;
}

static void check_claims(const struct sh_access_claims *claims)
{
	if (!sh_uuid_valid(claims->user_id) || claims->generation < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 8192)
		return -1;
	unsigned mode = data[0] % 3;
	const char *rest = (const char *)data + 1;
	size_t len = size - 1;
	struct sh_access_claims claims, again;
	if (mode == 0) {
		char *token = malloc(len + 1);
		if (token == NULL)
			abort();
		memcpy(token, rest, len);
		token[len] = '\0';
		if (sh_access_token_verify(&app, token, &claims) == 0) {
			check_claims(&claims);
			if (sh_access_token_verify(&app, token, &again) != 0 ||
			    !same_claims(&claims, &again))
				abort();
		}
		free(token);
		return 0;
	}
	const char *nl = memchr(rest, '\n', len);
	if (nl == NULL)
		return -1;
	size_t hlen = (size_t)(nl - rest), plen = len - hlen - 1;
	char *token = signed_token(rest, hlen, nl + 1, plen, mode == 1 ? key : other_key);
	int rc = sh_access_token_verify(&app, token, &claims);
	if (rc == 0) {
		if (mode == 2)
			abort(); /* signed with a key the server does not have */
		check_claims(&claims);
		check_accepted(rest, hlen, nl + 1, plen, &claims);
		if (sh_access_token_verify(&app, token, &again) != 0 ||
		    !same_claims(&claims, &again))
			abort();
	}
	free(token);
	return 0;
}
