/* Accept-Encoding negotiation and If-None-Match matching (see content_coding.h). */
#include "http/content_coding.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#define UNNAMED (-1) /* a coding the field does not name */

/* Weights in thousandths (q=0.5 is 500), UNNAMED when absent. */
struct weights {
	int br, gzip, identity, star;
};

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 tchar: the characters of a token. */
static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static size_t token_len(const char *p, const char *end)
{
	size_t n = 0;
	while (p + n < end && is_tchar(p[n]))
		n++;
	return n;
}

static bool token_is(const char *p, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(p, word, len) == 0;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths; -1 if not. */
static int parse_qvalue(const char *p, size_t len)
{
	if (len == 0 || len > 5 || (p[0] != '0' && p[0] != '1') || (len > 1 && p[1] != '.'))
		return -1;
	int q = (p[0] - '0') * 1000;
	int scale = 100;
	for (size_t i = 2; i < len; i++, scale /= 10) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		q += (p[i] - '0') * scale;
	}
	return q <= 1000 ? q : -1;
}

/* The end of the list element starting at p: the next comma outside a quoted string. */
static const char *element_end(const char *p)
{
	bool quoted = false;
	for (; *p != '\0'; p++) {
		if (quoted && *p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (*p == ',' && !quoted)
			break;
	}
	return p;
}

/* One element "coding *( OWS ";" OWS q=value ) OWS" in [p, end): its weight, or -1 when
 * malformed (then the element counts as absent). */
static int element_weight(const char *p, const char *end, size_t name_len)
{
	int q = 1000;
	bool seen_q = false;
	p += name_len;
	for (;;) {
		while (p < end && is_ows(*p))
			p++;
		if (p == end)
			return q;
		if (*p != ';')
			return -1;
		p++;
		while (p < end && is_ows(*p))
			p++;
		size_t n = token_len(p, end);
		if (!token_is(p, n, "q") || seen_q || p + n == end || p[n] != '=')
			return -1;
		p += n + 1;
		size_t v = token_len(p, end);
		q = parse_qvalue(p, v);
		if (q < 0)
			return -1;
		seen_q = true;
		p += v;
	}
}

static void weigh(int *slot, int q)
{
	if (*slot == UNNAMED || q < *slot)
		*slot = q;
}

static void parse_accept(const char *field, struct weights *w)
{
	for (const char *p = field;;) {
		const char *end = element_end(p);
		while (p < end && is_ows(*p))
			p++;
		size_t n = token_len(p, end);
		int q = n > 0 ? element_weight(p, end, n) : -1;
		if (q >= 0) {
			if (token_is(p, n, "br"))
				weigh(&w->br, q);
			else if (token_is(p, n, "gzip") || token_is(p, n, "x-gzip"))
				weigh(&w->gzip, q);
			else if (token_is(p, n, "identity"))
				weigh(&w->identity, q);
			else if (token_is(p, n, "*"))
				weigh(&w->star, q);
		}
		if (*end == '\0')
			return;
		p = end + 1;
	}
}

enum sh_coding sh_coding_choose(const char *accept, bool have_gzip, bool have_br)
{
	if (accept == NULL)
		return SH_CODING_IDENTITY;
	struct weights w = {UNNAMED, UNNAMED, UNNAMED, UNNAMED};
	parse_accept(accept, &w);
	int star = w.star == UNNAMED ? 0 : w.star;
	int br = w.br == UNNAMED ? star : w.br;
	int gzip = w.gzip == UNNAMED ? star : w.gzip;
	/* Strictly greater: on a tie the copy tried first (the smaller one) stays. */
	enum sh_coding best = SH_CODING_IDENTITY;
	int best_q = 0;
	if (have_br && br > best_q) {
		best = SH_CODING_BR;
		best_q = br;
	}
	if (have_gzip && gzip > best_q) {
		best = SH_CODING_GZIP;
		best_q = gzip;
	}
	if (best == SH_CODING_IDENTITY)
		return SH_CODING_IDENTITY;
	/* Identity only when the field names it (or "*") with a higher weight. */
	int identity = w.identity != UNNAMED ? w.identity : w.star;
	return identity > best_q ? SH_CODING_IDENTITY : best;
}

const char *sh_coding_name(enum sh_coding coding)
{
	switch (coding) {
	case SH_CODING_GZIP:
		return "gzip";
	case SH_CODING_BR:
		return "br";
	case SH_CODING_IDENTITY:
		break;
	}
	return NULL;
}

bool sh_etag_list_matches(const char *field, const char *etag)
{
	if (field == NULL)
		return false;
	const char *p = field;
	while (is_ows(*p))
		p++;
	if (*p == '*') {
		do
			p++;
		while (is_ows(*p));
		return *p == '\0';
	}
	size_t etag_len = strlen(etag);
	for (;;) {
		while (is_ows(*p) || *p == ',')
			p++;
		if (*p == '\0')
			return false;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p != '"')
			return false;
		const char *close = strchr(p + 1, '"');
		if (close == NULL)
			return false;
		const char *next = close + 1;
		while (is_ows(*next))
			next++;
		if (*next != ',' && *next != '\0')
			return false;
		size_t len = (size_t)(close - p) + 1;
		if (len == etag_len && memcmp(p, etag, len) == 0)
			return true;
		p = next;
	}
}
