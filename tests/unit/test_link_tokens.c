/*
 * Tokens derived from a row id under the secret key (src/modules/auth/link_tokens.c): the
 * e-mails' links and the invitation codes. The expected values were computed apart, with
 * Python's hashlib (BLAKE2b of the key, then BLAKE2b keyed by it over context + id), so the
 * derivation is checked against its description, not against itself; the verification
 * vector is also what the code before the helper was factored out derived.
 */
#include <check.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modules/auth/email_verification.h"
#include "modules/auth/invites.h"
#include "modules/auth/link_tokens.h"
#include "modules/auth/password_reset.h"
#include "schoolhub/app.h"

#define ROW_ID "00000000-0000-4000-8000-000000000000"

static struct sh_app app_with_key(const char *key)
{
	struct sh_app app;
	memset(&app, 0, sizeof(app));
	app.cfg.secret_key = (char *)(uintptr_t)key;
	app.cfg.secret_key_len = strlen(key);
	return app;
}

START_TEST(link_tokens_match_their_description)
{
	struct sh_app app = app_with_key("0123456789abcdef0123456789abcdef");
	char token[SH_LINK_TOKEN_LEN + 1];
	sh_verification_token(&app, ROW_ID, token);
	ck_assert_str_eq(token, "qPkK5A7rnJCtfkKA4LMd_eQhdgjm888joOyfezfjhew");
	sh_reset_token(&app, ROW_ID, token);
	ck_assert_str_eq(token, "eil6TP64_zVnEWXfbhW63JpEZ1AHNCAuxyfZZbG8kyE");
	/* Another key: another token. */
	struct sh_app other = app_with_key("another secret key, long enough!");
	char token2[SH_LINK_TOKEN_LEN + 1];
	sh_reset_token(&other, ROW_ID, token2);
	ck_assert_int_eq(strlen(token2), SH_LINK_TOKEN_LEN);
	ck_assert_str_ne(token, token2);
}
END_TEST

START_TEST(invite_codes_are_derived_and_readable)
{
	struct sh_app app = app_with_key("0123456789abcdef0123456789abcdef");
	char code[SH_INVITE_CODE_LEN + 1], again[SH_INVITE_CODE_LEN + 1];
	sh_invite_code(&app, ROW_ID, code);
	ck_assert_str_eq(code, "A8BK-8FKT-GZJ2-UWX5");
	sh_invite_code(&app, ROW_ID, again);
	ck_assert_str_eq(code, again);
	sh_invite_code(&app, "00000000-0000-4000-8000-000000000001", again);
	ck_assert_str_ne(code, again);
	for (size_t i = 0; i < SH_INVITE_CODE_LEN; i++) {
		if (i % 5 == 4)
			ck_assert_int_eq(again[i], '-');
		else
			ck_assert_ptr_nonnull(strchr("ABCDEFGHJKMNPQRSTUVWXYZ23456789", again[i]));
	}
	/* Typed in lower case without dashes, it is the same code. */
	char h1[65], h2[65];
	sh_invite_code_hash(code, h1);
	sh_invite_code_hash("a8bk8fktgzj2uwx5", h2);
	ck_assert_str_eq(h1, h2);
}
END_TEST

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	Suite *s = suite_create("link_tokens");
	TCase *tc = tcase_create("derivation");
	tcase_add_test(tc, link_tokens_match_their_description);
	tcase_add_test(tc, invite_codes_are_derived_and_readable);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
