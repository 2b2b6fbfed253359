/*
 * The canonical text of a timestamp in `schoolhub db copy`'s fingerprints
 * (src/store/db_fingerprint.c): SQLite's RFC 3339 text must give what PostgreSQL's
 * to_char(... 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') gives for the same instant, whatever its
 * zone or fraction; text that is no timestamp is refused (then it cannot match).
 */
#include <check.h>
#include <stdlib.h>

#include "store/db_copy_internal.h"

static void same(const char *text, const char *want)
{
	char out[32];
	ck_assert_msg(sh_copy_canonical_time(text, out), "\"%s\" refused", text);
	ck_assert_str_eq(out, want);
}

START_TEST(zones_and_fractions)
{
	same("2026-11-26T21:38:38Z", "2026-11-26T21:38:38.000000Z");
	same("2026-11-26 21:38:38", "2026-11-26T21:38:38.000000Z");
	same("2026-11-26T21:38:38.5Z", "2026-11-26T21:38:38.500000Z");
	same("2026-11-26T21:38:38.123456789Z", "2026-11-26T21:38:38.123456Z");
	same("2026-11-26T22:38:38+01:00", "2026-11-26T21:38:38.000000Z");
	same("2026-11-27T00:08:38+0230", "2026-11-26T21:38:38.000000Z");
	same("2026-11-26T20:38:38-01", "2026-11-26T21:38:38.000000Z");
	same("2027-01-01T00:30:00+01:00", "2026-12-31T23:30:00.000000Z");
}
END_TEST

START_TEST(not_timestamps)
{
	const char *bad[] = {"", "2026-11-26", "2026-11-26T21:38", "2026-11-26T21:38:38.Z",
			     "2026-11-26T21:38:38Q", "2026-11-26T21:38:38+1", "infinity",
			     "2026-11-26T21:38:38+01:00x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char out[32];
		ck_assert_msg(!sh_copy_canonical_time(bad[i], out), "\"%s\" accepted", bad[i]);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("db_fingerprint");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, zones_and_fractions);
	tcase_add_test(tc, not_timestamps);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
