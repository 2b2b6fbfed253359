/*
 * Tokens derived from a row's id under the server's secret key (auth module internal):
 * the links of the e-mails (verification, password reset) and the codes of e-mailed
 * invitations. Such a token is never stored, not even in the job that mails it: the job
 * derives it again at every attempt (a retried job sends the very same link), the row
 * keeps only its hash (sh_token_hash), and a copy of the database alone yields nothing
 * usable. A new SCHOOLHUB_SECRET_KEY voids the links and codes not yet used.
 */
#ifndef SCHOOLHUB_AUTH_LINK_TOKENS_H
#define SCHOOLHUB_AUTH_LINK_TOKENS_H

#include <stddef.h>

#define SH_LINK_TOKEN_LEN 43 /* 256 bits, base64url without padding */

struct sh_app;

/* "len" (at most 64) bytes of BLAKE2b keyed by the secret key over "context" then
 * "subject". Each use has its own "context" ("schoolhub-<what>-v1:"), so a token made for
 * one purpose is worth nothing for another. */
void sh_link_token_mac(const struct sh_app *app, const char *context, const char *subject,
		       unsigned char *out, size_t len);
/* The 256-bit token of "subject" for "context", as base64url text. */
void sh_link_token(const struct sh_app *app, const char *context, const char *subject,
		   char out[SH_LINK_TOKEN_LEN + 1]);

#endif
