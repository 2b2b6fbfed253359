/*
 * Address ranges for SCHOOLHUB_TRUSTED_PROXIES. A proxy fleet (a load balancer's subnet, a
 * container network) is named by its CIDR block; a single proxy by its address. Matching
 * is a prefix comparison of the network-order bytes, so the same code serves both families.
 */
#include "schoolhub/ip_range.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* "text" as an address: family 4 (bytes[0..3]) or 6; 0 when it is neither. */
static int address_bytes(const char *text, unsigned char bytes[16])
{
	if (inet_pton(AF_INET, text, bytes) == 1)
		return 4;
	if (inet_pton(AF_INET6, text, bytes) != 1)
		return 0;
	if (memcmp(bytes, v4_mapped, sizeof(v4_mapped)) == 0) {
		memmove(bytes, bytes + 12, 4);
		return 4;
	}
	return 6;
}

static bool prefix_equal(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

int sh_ip_range_parse(const char *text, struct sh_ip_range *range_r)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t len = slash != NULL ? (size_t)(slash - text) : strlen(text);
	if (len == 0 || len >= sizeof(addr))
		return -1;
	memcpy(addr, text, len);
	addr[len] = '\0';
	struct sh_ip_range r = {0};
	/* A mapped IPv6 address is refused here: write the IPv4 range it means. */
	if (inet_pton(AF_INET, addr, r.bytes) == 1)
		r.family = 4;
	else if (inet_pton(AF_INET6, addr, r.bytes) == 1)
		r.family = 6;
	else
		return -1;
	unsigned max = r.family == 4 ? 32 : 128;
	r.prefix = (unsigned char)max;
	if (slash != NULL) {
		const char *digits = slash + 1;
		char *end;
		if (*digits < '0' || *digits > '9')
			return -1;
		errno = 0;
		unsigned long n = strtoul(digits, &end, 10);
		if (errno != 0 || *end != '\0' || n > max)
			return -1;
		r.prefix = (unsigned char)n;
	}
	for (unsigned bit = r.prefix; bit < max; bit++)
		r.bytes[bit / 8] &= (unsigned char)~(0x80u >> (bit % 8));
	*range_r = r;
	return 0;
}

bool sh_ip_range_contains(const struct sh_ip_range *range, const char *text)
{
	unsigned char bytes[16] = {0};
	int family = address_bytes(text, bytes);
	return family != 0 && family == range->family &&
	       prefix_equal(bytes, range->bytes, range->prefix);
}
