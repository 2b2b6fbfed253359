/*
 * Address ranges ("192.0.2.7", "10.0.0.0/8", "2001:db8::/32") and the test "is this peer
 * in one of them": SCHOOLHUB_TRUSTED_PROXIES (src/http/client_address.c, the realtime
 * channel's sessions). No project dependencies.
 */
#ifndef SCHOOLHUB_IP_RANGE_H
#define SCHOOLHUB_IP_RANGE_H

#include <stdbool.h>

struct sh_ip_range {
	unsigned char bytes[16]; /* the network, host bits cleared; IPv4 in the first 4 */
	unsigned char family; /* 4 or 6 */
	unsigned char prefix; /* 0..32 (IPv4) or 0..128 (IPv6); a plain address is /32 or /128 */
};

/* Parses "text" (an address, or an address "/" prefix length) into "range_r". Returns 0,
 * or -1 when it is not one (a host name, a prefix out of range, host bits in a CIDR are
 * cleared rather than refused: "10.1.2.3/8" is 10.0.0.0/8). */
int sh_ip_range_parse(const char *text, struct sh_ip_range *range_r);

/* True when the address "text" lies in "range". An IPv4-mapped IPv6 address
 * (::ffff:192.0.2.7, what a dual-stack socket reports) is matched as the IPv4 it maps. */
bool sh_ip_range_contains(const struct sh_ip_range *range, const char *text);

#endif
