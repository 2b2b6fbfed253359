/* Tokens derived from an id under the server's secret key (see link_tokens.h for why). */
#include "modules/auth/link_tokens.h"

#include <sodium.h>
#include <string.h>

#include "schoolhub/app.h"

void sh_link_token_mac(const struct sh_app *app, const char *context, const char *subject,
		       unsigned char *out, size_t len)
{
	/* The configured key may have any length: BLAKE2b of it is a key of the right size. */
	unsigned char key[crypto_generichash_KEYBYTES];
	crypto_generichash(key, sizeof(key), (const unsigned char *)app->cfg.secret_key,
			   app->cfg.secret_key_len, NULL, 0);
	crypto_generichash_state st;
	crypto_generichash_init(&st, key, sizeof(key), len);
	crypto_generichash_update(&st, (const unsigned char *)context, strlen(context));
	crypto_generichash_update(&st, (const unsigned char *)subject, strlen(subject));
	crypto_generichash_final(&st, out, len);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(&st, sizeof(st));
}

void sh_link_token(const struct sh_app *app, const char *context, const char *subject,
		   char out[SH_LINK_TOKEN_LEN + 1])
{
	unsigned char mac[32];
	sh_link_token_mac(app, context, subject, mac, sizeof(mac));
	sodium_bin2base64(out, SH_LINK_TOKEN_LEN + 1, mac, sizeof(mac),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(mac, sizeof(mac));
}
