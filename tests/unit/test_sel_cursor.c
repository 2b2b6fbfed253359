/*
 * The SEL history cursor (src/modules/sel/history_cursor.c): the one encoding both
 * GET /api/v1/sel/transactions and the bench seeder write, read back by the handler with
 * strtoll(..., 36).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modules/sel/history_cursor.h"

START_TEST(cursor_is_the_seq_in_base_36)
{
	static const struct {
		int64_t seq;
		const char *cursor;
	} cases[] = {
		{1, "1"},   {9, "9"},     {10, "a"},    {35, "z"},
		{36, "10"}, {1295, "zz"}, {1296, "100"}, {INT64_MAX, "1y2p0ij32e8e7"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[SH_SEL_CURSOR_SIZE];
		memset(out, 'x', sizeof(out));
		sh_sel_cursor_encode(cases[i].seq, out);
		ck_assert_str_eq(out, cases[i].cursor);
	}
}
END_TEST

START_TEST(cursor_reads_back_as_the_handler_reads_it)
{
	for (int64_t seq = 1; seq < INT64_MAX / 7; seq = seq * 7 + 3) {
		char out[SH_SEL_CURSOR_SIZE];
		sh_sel_cursor_encode(seq, out);
		char *end = NULL;
		ck_assert_int_eq(strtoll(out, &end, 36), seq);
		ck_assert_int_eq(*end, '\0');
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sel_cursor");
	TCase *tc = tcase_create("cursor");
	tcase_add_test(tc, cursor_is_the_seq_in_base_36);
	tcase_add_test(tc, cursor_reads_back_as_the_handler_reads_it);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
