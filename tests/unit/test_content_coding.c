/*
 * Accept-Encoding negotiation and If-None-Match matching (src/http/content_coding.c) on
 * their own: RFC 9110's rules, browsers' real fields, and fields no browser sends.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "http/content_coding.h"

/* The coding chosen for "field" when both copies exist. */
static const char *pick(const char *field)
{
	const char *name = sh_coding_name(sh_coding_choose(field, true, true));
	return name ? name : "identity";
}

START_TEST(browsers_get_brotli)
{
	ck_assert_str_eq(pick("gzip, deflate, br"), "br");         /* Chromium, Safari */
	ck_assert_str_eq(pick("gzip, deflate, br, zstd"), "br");   /* Chromium 123+ */
	ck_assert_str_eq(pick("gzip,deflate,br"), "br");
	ck_assert_str_eq(pick("br;q=1.0, gzip;q=0.8, *;q=0.1"), "br");
	ck_assert_str_eq(pick("BR"), "br");
	ck_assert_str_eq(pick("\tbr\t"), "br");
}
END_TEST

START_TEST(without_the_field_identity)
{
	ck_assert_str_eq(pick(NULL), "identity");
	ck_assert_str_eq(pick(""), "identity");
	ck_assert_str_eq(pick("  ,  , "), "identity");
	ck_assert_str_eq(pick("identity"), "identity");
	ck_assert_str_eq(pick("deflate, zstd, compress"), "identity");
}
END_TEST

START_TEST(q_values_are_honoured)
{
	ck_assert_str_eq(pick("gzip"), "gzip");
	ck_assert_str_eq(pick("x-gzip"), "gzip");
	ck_assert_str_eq(pick("br;q=0.5, gzip;q=0.8"), "gzip");
	ck_assert_str_eq(pick("br;q=0.801, gzip;q=0.8"), "br");
	ck_assert_str_eq(pick("br ; q=0.5 , gzip ;Q=0.6"), "gzip");
	ck_assert_str_eq(pick("br;q=0, gzip"), "gzip");
	ck_assert_str_eq(pick("br;q=0, *"), "gzip");
	ck_assert_str_eq(pick("*"), "br");
	ck_assert_str_eq(pick("*;q=0.5, br;q=0.4"), "gzip");
	ck_assert_str_eq(pick("br;q=0, gzip;q=0"), "identity");
	ck_assert_str_eq(pick("br;q=0.000, gzip;q=0."), "identity");
	/* Ties go to the smaller copy; identity named with more weight wins. */
	ck_assert_str_eq(pick("gzip, br"), "br");
	ck_assert_str_eq(pick("gzip;q=1, br;q=1.000"), "br");
	ck_assert_str_eq(pick("identity, gzip"), "gzip");
	ck_assert_str_eq(pick("identity;q=1, gzip;q=0.9"), "identity");
	ck_assert_str_eq(pick("*;q=1, gzip;q=0.5, br;q=0.5"), "identity");
	/* Identity the field does not name loses to anything acceptable. */
	ck_assert_str_eq(pick("gzip;q=0.001"), "gzip");
}
END_TEST

START_TEST(refusing_everything_still_gets_identity)
{
	ck_assert_str_eq(pick("*;q=0"), "identity");
	ck_assert_str_eq(pick("identity;q=0"), "identity");
	ck_assert_str_eq(pick("identity;q=0, *;q=0"), "identity");
}
END_TEST

START_TEST(a_later_refusal_is_never_overruled)
{
	ck_assert_str_eq(pick("br, br;q=0, gzip"), "gzip");
	ck_assert_str_eq(pick("br;q=0, br"), "identity");
	ck_assert_str_eq(pick("gzip;q=0.9, gzip;q=0.2, br;q=0.5"), "br");
}
END_TEST

START_TEST(malformed_elements_count_as_absent)
{
	ck_assert_str_eq(pick("br;q=2, gzip"), "gzip");
	ck_assert_str_eq(pick("br;q=1.5, gzip"), "gzip");
	ck_assert_str_eq(pick("br;q=0.0001, gzip"), "gzip");
	ck_assert_str_eq(pick("br;q=-1, gzip"), "gzip");
	ck_assert_str_eq(pick("br;q=, gzip"), "gzip");
	ck_assert_str_eq(pick("br;q, gzip"), "gzip");
	ck_assert_str_eq(pick("br;q=0.5;q=0.6, gzip;q=0.1"), "gzip");
	ck_assert_str_eq(pick("br;level=5, gzip"), "gzip");
	ck_assert_str_eq(pick("br junk, gzip"), "gzip");
	ck_assert_str_eq(pick("b r, gzip"), "gzip");
	ck_assert_str_eq(pick("\"br\", gzip"), "gzip");
	ck_assert_str_eq(pick("br;q=1e0, gzip"), "gzip");
	/* A comma inside a quoted parameter does not start an element. */
	ck_assert_str_eq(pick("x;p=\"a, br, b\", gzip"), "gzip");
	ck_assert_str_eq(pick("x;p=\"a\\\", br\", gzip"), "gzip");
	ck_assert_str_eq(pick(";;;,,,;q=1"), "identity");
	ck_assert_str_eq(pick("brotli, gz, gzip2"), "identity");
}
END_TEST

START_TEST(only_existing_copies_are_chosen)
{
	ck_assert_int_eq(sh_coding_choose("br", false, false), SH_CODING_IDENTITY);
	ck_assert_int_eq(sh_coding_choose("br, gzip;q=0.1", true, false), SH_CODING_GZIP);
	ck_assert_int_eq(sh_coding_choose("br, gzip", false, true), SH_CODING_BR);
	ck_assert_int_eq(sh_coding_choose("gzip", false, true), SH_CODING_IDENTITY);
	ck_assert_int_eq(sh_coding_choose("*", true, false), SH_CODING_GZIP);
	ck_assert_ptr_null(sh_coding_name(SH_CODING_IDENTITY));
}
END_TEST

START_TEST(a_long_field_is_read_to_its_end)
{
	/* 20 000 refused codings, then the one that is accepted. */
	size_t n = 20000;
	char *field = malloc(n * 8 + 16);
	ck_assert_ptr_nonnull(field);
	char *p = field;
	for (size_t i = 0; i < n; i++) {
		memcpy(p, "x;q=0, ", 7);
		p += 7;
	}
	strcpy(p, "gzip");
	ck_assert_str_eq(pick(field), "gzip");
	free(field);
}
END_TEST

START_TEST(if_none_match_lists)
{
	const char *tag = "\"0123456789abcdef-br\"";
	ck_assert(sh_etag_list_matches(tag, tag));
	ck_assert(sh_etag_list_matches("W/\"0123456789abcdef-br\"", tag));
	ck_assert(sh_etag_list_matches("\"a\", \"0123456789abcdef-br\"", tag));
	ck_assert(sh_etag_list_matches("\"a\",W/\"b\" ,\t\"0123456789abcdef-br\" ", tag));
	ck_assert(sh_etag_list_matches("*", tag));
	ck_assert(sh_etag_list_matches(" * ", tag));
	ck_assert(!sh_etag_list_matches(NULL, tag));
	ck_assert(!sh_etag_list_matches("", tag));
	/* The identity and gzip tags of the same file are other representations. */
	ck_assert(!sh_etag_list_matches("\"0123456789abcdef\"", tag));
	ck_assert(!sh_etag_list_matches("\"0123456789abcdef-gzip\"", tag));
	/* Containing the tag is not being it. */
	ck_assert(!sh_etag_list_matches("\"x0123456789abcdef-br\"", tag));
	ck_assert(!sh_etag_list_matches("\"0123456789abcdef-br\"x", tag));
	ck_assert(!sh_etag_list_matches("0123456789abcdef-br", tag));
	ck_assert(!sh_etag_list_matches("\"0123456789abcdef-br", tag));
	ck_assert(!sh_etag_list_matches("*, \"a\"", tag));
	ck_assert(!sh_etag_list_matches("\"a\", *", tag));
	/* Matching stops where the list stops being a list of tags. */
	ck_assert(!sh_etag_list_matches("junk, \"0123456789abcdef-br\"", tag));
	ck_assert(!sh_etag_list_matches("w/\"0123456789abcdef-br\"", tag));
}
END_TEST

int main(void)
{
	Suite *su = suite_create("content_coding");
	TCase *tc = tcase_create("negotiation");
	tcase_add_test(tc, browsers_get_brotli);
	tcase_add_test(tc, without_the_field_identity);
	tcase_add_test(tc, q_values_are_honoured);
	tcase_add_test(tc, refusing_everything_still_gets_identity);
	tcase_add_test(tc, a_later_refusal_is_never_overruled);
	tcase_add_test(tc, malformed_elements_count_as_absent);
	tcase_add_test(tc, only_existing_copies_are_chosen);
	tcase_add_test(tc, a_long_field_is_read_to_its_end);
	tcase_add_test(tc, if_none_match_lists);
	suite_add_tcase(su, tc);
	SRunner *sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
