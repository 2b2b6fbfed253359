/*
 * SCHOOLHUB_TRUSTED_PROXIES' address ranges (src/core/ip_range.c): what parses, what a
 * range contains at its edges, IPv6 blocks, IPv4-mapped peers, and what is refused.
 */
#include <check.h>
#include <stdlib.h>

#include "schoolhub/ip_range.h"

static struct sh_ip_range range_of(const char *text)
{
	struct sh_ip_range r;
	ck_assert_msg(sh_ip_range_parse(text, &r) == 0, "%s should parse", text);
	return r;
}

START_TEST(ipv4_blocks_and_addresses)
{
	struct sh_ip_range r = range_of("10.1.2.0/24");
	ck_assert(sh_ip_range_contains(&r, "10.1.2.0"));
	ck_assert(sh_ip_range_contains(&r, "10.1.2.255"));
	ck_assert(!sh_ip_range_contains(&r, "10.1.3.0"));
	ck_assert(!sh_ip_range_contains(&r, "10.1.1.255"));
	/* Host bits in a block are cleared: the /8 is 10.0.0.0/8. */
	r = range_of("10.200.3.4/8");
	ck_assert(sh_ip_range_contains(&r, "10.0.0.1"));
	ck_assert(!sh_ip_range_contains(&r, "11.0.0.1"));
	/* A block not on a byte boundary. */
	r = range_of("192.0.2.16/29");
	ck_assert(sh_ip_range_contains(&r, "192.0.2.23"));
	ck_assert(!sh_ip_range_contains(&r, "192.0.2.24"));
	ck_assert(!sh_ip_range_contains(&r, "192.0.2.15"));
	/* A plain address is itself only; /0 is everything of its family. */
	r = range_of("127.0.0.1");
	ck_assert(sh_ip_range_contains(&r, "127.0.0.1"));
	ck_assert(!sh_ip_range_contains(&r, "127.0.0.2"));
	r = range_of("0.0.0.0/0");
	ck_assert(sh_ip_range_contains(&r, "203.0.113.9"));
	ck_assert(!sh_ip_range_contains(&r, "2001:db8::1"));
}
END_TEST

START_TEST(ipv6_blocks_and_mapped_peers)
{
	struct sh_ip_range r = range_of("2001:db8:1::/48");
	ck_assert(sh_ip_range_contains(&r, "2001:db8:1:ffff::1"));
	ck_assert(!sh_ip_range_contains(&r, "2001:db8:2::1"));
	ck_assert(!sh_ip_range_contains(&r, "10.0.0.1"));
	r = range_of("::1");
	ck_assert(sh_ip_range_contains(&r, "::1"));
	ck_assert(!sh_ip_range_contains(&r, "::2"));
	/* A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d: matched as the IPv4. */
	r = range_of("10.0.0.0/24");
	ck_assert(sh_ip_range_contains(&r, "::ffff:10.0.0.5"));
	ck_assert(!sh_ip_range_contains(&r, "::ffff:10.0.1.5"));
}
END_TEST

START_TEST(refused)
{
	static const char *const bad[] = {"",
					  "nginx.local",
					  "10.0.0.0/33",
					  "10.0.0.0/",
					  "10.0.0.0/-1",
					  "10.0.0.0/8x",
					  "2001:db8::/129",
					  "/24",
					  "10.0.0.0/ 8",
					  "10.0.0.0/99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sh_ip_range r;
		ck_assert_msg(sh_ip_range_parse(bad[i], &r) == -1, "\"%s\" should be refused",
			      bad[i]);
	}
	struct sh_ip_range r = range_of("10.0.0.0/8");
	ck_assert(!sh_ip_range_contains(&r, "not an address"));
	ck_assert(!sh_ip_range_contains(&r, ""));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ip_range");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, ipv4_blocks_and_addresses);
	tcase_add_test(tc, ipv6_blocks_and_mapped_peers);
	tcase_add_test(tc, refused);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
