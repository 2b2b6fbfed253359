/*
 * Search text: what the members and SEL directories index and look up, made of words.
 *
 * Both databases index the same words because the words are cut here, in C, once: the
 * stored text ("search_name", "search_text") is " word word word " and a trigger of
 * each database copies its words into a B-tree table (migration 0006). A search is then
 * a prefix range on that table, the same SQL on SQLite and PostgreSQL. Neither FTS5's
 * tokenizer nor PostgreSQL's text search parser would cut words, fold accents or treat
 * "d'enfants" the way the other does.
 *
 * A word is a run of letters and digits after folding (sh_text_fold: lower case, no
 * Latin accents). Everything else separates words: ASCII punctuation and spaces, the
 * Latin-1 signs (« » ° · ×), the general punctuation block (’ – — … “ ”), currency
 * signs, arrows, symbols and emoji. Combining accents (a decomposed "é") are dropped.
 * Letters of other scripts stay as they are, part of words.
 */
#include "schoolhub/text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/arena.h"
#include "schoolhub/mem.h"

/* Decodes one UTF-8 sequence at "p"; UINT32_MAX and a length of 1 for an invalid byte. */
static size_t decode(const unsigned char *p, uint32_t *cp_r)
{
	if (p[0] < 0x80) {
		*cp_r = p[0];
		return 1;
	}
	size_t n = (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3 : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 0) {
		*cp_r = UINT32_MAX;
		return 1;
	}
	uint32_t cp = p[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*cp_r = UINT32_MAX;
			return 1;
		}
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	*cp_r = cp;
	return n;
}

enum char_class { WORD_CHAR, SEPARATOR, DROPPED };

static enum char_class classify(uint32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') ? WORD_CHAR : SEPARATOR;
	if (cp >= 0x300 && cp <= 0x36f) /* combining accents */
		return DROPPED;
	if (cp == UINT32_MAX || cp <= 0xbf || cp == 0xd7 || cp == 0xf7 ||
	    (cp >= 0x2000 && cp <= 0x2bff) || /* punctuation, currency, arrows, symbols */
	    (cp >= 0x3000 && cp <= 0x303f) || /* CJK punctuation */
	    (cp >= 0xfe00 && cp <= 0xfe0f) || /* variation selectors */
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff0f) ||
	    (cp >= 0xfff0 && cp <= 0xffff) || (cp >= 0x1f000 && cp <= 0x1faff) || /* emoji */
	    cp >= 0xe0000) /* tags, private use planes */
		return SEPARATOR;
	return WORD_CHAR;
}

/* Calls "emit" for each word of "s" (folded here), each cut to its first
 * SH_SEARCH_WORD_MAX bytes (whole characters), so a pasted link is not one huge key. */
typedef void word_fn(void *ctx, const char *word, size_t len);

static void each_word(const char *s, word_fn *emit, void *ctx)
{
	char *folded = sh_text_fold(s);
	char word[SH_SEARCH_WORD_MAX];
	size_t len = 0;
	bool cut = false;
	const unsigned char *p = (const unsigned char *)folded;
	for (;;) {
		uint32_t cp = 0;
		size_t n = *p ? decode(p, &cp) : 0;
		enum char_class c = n == 0 ? SEPARATOR : classify(cp);
		if (c == WORD_CHAR && !cut) {
			if (len + n <= sizeof(word)) {
				memcpy(word + len, p, n);
				len += n;
			} else {
				cut = true;
			}
		} else if (c == SEPARATOR) {
			if (len > 0)
				emit(ctx, word, len);
			len = 0;
			cut = false;
		}
		if (n == 0)
			break;
		p += n;
	}
	free(folded);
}

struct text_out {
	char *out;
	size_t o;
};

static void append_word(void *ctx, const char *word, size_t len)
{
	struct text_out *t = ctx;
	memcpy(t->out + t->o, word, len);
	t->o += len;
	t->out[t->o++] = ' ';
}

char *sh_search_text(const char *s)
{
	/* Words are never longer than what they came from, and each separator run (one
	 * byte or more) becomes one space: the input's length and two spaces suffice. */
	struct text_out t = {sh_malloc(strlen(s) + 3), 0};
	t.out[t.o++] = ' ';
	each_word(s, append_word, &t);
	if (t.o == 1) /* no word at all */
		t.o = 0;
	t.out[t.o] = '\0';
	return t.out;
}

struct words_out {
	struct sh_arena *arena;
	const char **words;
	size_t count, max;
};

static void collect_word(void *ctx, const char *word, size_t len)
{
	struct words_out *w = ctx;
	if (w->count == w->max)
		return;
	for (size_t i = 0; i < w->count; i++)
		if (strlen(w->words[i]) == len && memcmp(w->words[i], word, len) == 0)
			return; /* "jan jan": one condition is enough */
	w->words[w->count++] = sh_arena_strndup(w->arena, word, len);
}

size_t sh_search_words(struct sh_arena *arena, const char *q, const char **words_r, size_t max)
{
	struct words_out w = {arena, words_r, 0, max};
	each_word(q, collect_word, &w);
	return w.count;
}

const char *sh_search_prefix_end(struct sh_arena *arena, const char *prefix)
{
	/* U+10FFFF sorts after every character a word can hold (the planes from U+E0000 on
	 * separate words), byte-wise on both databases (SQLite's BINARY, PostgreSQL's "C"
	 * collation of the word columns), and it is valid UTF-8 for PostgreSQL's text type. */
	return sh_arena_printf(arena, "%s\xf4\x8f\xbf\xbf", prefix);
}
