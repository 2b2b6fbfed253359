/*
 * Folding text for search: lower case and no accents, so "Émilie", "EMILIE" and
 * "emilie" are the same to the members directory on both databases (SQLite's lower()
 * only knows ASCII; PostgreSQL's depends on the server locale). Covers Latin-1 and
 * Latin Extended-A, which is what French, Dutch and most European names use.
 */
#include "schoolhub/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/mem.h"

/* ASCII replacements for U+00C0..U+017F; NULL keeps the character as it is. */
static const char *const latin_fold[0x180 - 0xC0] = {
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", "d", "n",
	"o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "ss", "a", "a", "a", "a",
	"a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", "d", "n", "o", "o", "o", "o",
	"o", NULL, "o", "u", "u", "u", "u", "y", "th", "y", "a", "a", "a", "a", "a", "a", "c", "c",
	"c", "c", "c", "c", "c", "c", "d", "d", "d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e",
	"e", "g", "g", "g", "g", "g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i",
	"i", "i", "i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l",
	"l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o", "o", "o",
	"oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s", "s", "s", "t", "t",
	"t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "w", "w", "y",
	"y", "y", "z", "z", "z", "z", "z", "z", "s",
};

/* Decodes one UTF-8 sequence at "p" (already validated or not: invalid bytes pass through). */
static size_t decode(const unsigned char *p, uint32_t *cp_r)
{
	if (p[0] < 0x80) {
		*cp_r = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
		*cp_r = ((uint32_t)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
		return 2;
	}
	*cp_r = UINT32_MAX; /* not a two-byte sequence: copied unchanged */
	return 1;
}

char *sh_text_fold(const char *s)
{
	size_t len = strlen(s);
	/* Never longer than the input: every replaced character takes two bytes in UTF-8
	 * and becomes at most two letters. */
	char *out = sh_malloc(len + 1);
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		uint32_t cp;
		size_t n = decode(p, &cp);
		if (cp < 0x80) {
			out[o++] = (char)(cp >= 'A' && cp <= 'Z' ? cp - 'A' + 'a' : cp);
		} else if (cp >= 0xC0 && cp < 0x180 && latin_fold[cp - 0xC0] != NULL) {
			const char *r = latin_fold[cp - 0xC0];
			size_t rl = strlen(r);
			memcpy(out + o, r, rl);
			o += rl;
		} else {
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	out[o] = '\0';
	return out;
}
