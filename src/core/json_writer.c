/*
 * JSON text written into the arena (see json_writer.h for why). Strings are copied in
 * runs: only the bytes JSON requires escaping, and the start of a multi-byte UTF-8
 * sequence (which is checked), leave the fast loop.
 */
#include "schoolhub/json_writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "schoolhub/arena.h"

void sh_jw_init(struct sh_jw *w, struct sh_arena *arena)
{
	*w = (struct sh_jw){.out = {.arena = arena}};
}

/* Room for "n" more bytes and the final NUL. */
static char *reserve(struct sh_jw *w, size_t n)
{
	return sh_arena_text_reserve(&w->out, n);
}

static void put(struct sh_jw *w, const char *s, size_t n)
{
	memcpy(reserve(w, n), s, n);
	w->out.len += n;
}

static void put_char(struct sh_jw *w, char c)
{
	*reserve(w, 1) = c;
	w->out.len++;
}

/* Before a value: a comma if one came before it at this level. */
static void before_value(struct sh_jw *w)
{
	if (w->need_comma)
		put_char(w, ',');
}

void sh_jw_object_begin(struct sh_jw *w)
{
	before_value(w);
	put_char(w, '{');
	w->need_comma = false;
}

void sh_jw_object_end(struct sh_jw *w)
{
	put_char(w, '}');
	w->need_comma = true;
}

void sh_jw_array_begin(struct sh_jw *w)
{
	before_value(w);
	put_char(w, '[');
	w->need_comma = false;
}

void sh_jw_array_end(struct sh_jw *w)
{
	put_char(w, ']');
	w->need_comma = true;
}

/*
 * Length of the well-formed UTF-8 sequence at "s" (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF, the same rules as jansson's), or 0.
 */
static size_t utf8_sequence(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1Fu;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0Fu;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07u;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0u) != 0x80u)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3Fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/* What JSON makes of a byte below 0x20, '"' and '\\'; NULL for bytes copied as they are. */
static const char *escape_of(unsigned char c, char scratch[7])
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	default:
		if (c >= 0x20)
			return NULL;
		snprintf(scratch, 7, "\\u%04X", (unsigned)c); /* jansson's spelling: upper case */
		return scratch;
	}
}

/*
 * True when none of the eight bytes at "s" needs a look: no control character, '"', '\\'
 * or byte of a multi-byte sequence (the bit tricks of "Bit Twiddling Hacks": a byte
 * below n, a byte equal to c).
 */
static bool plain_word(const unsigned char *s)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t x;
	memcpy(&x, s, sizeof(x));
	uint64_t below_space = (x - ones * 0x20) & ~x;
	uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');
	uint64_t has_quote = (quote - ones) & ~quote, has_backslash = (backslash - ones) & ~backslash;
	return ((below_space | has_quote | has_backslash | x) & highs) == 0;
}

/*
 * Writes the string; returns false at the first invalid UTF-8 byte when "strict" (jansson
 * refuses to dump such a value), else writes U+FFFD for it and goes on.
 */
static bool put_string(struct sh_jw *w, const char *str, size_t len, bool strict)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;
	put_char(w, '"');
	while (i < len) {
		/* Eight plain bytes at a time: most text has nothing to escape. */
		if (len - i >= 8 && plain_word(s + i)) {
			i += 8;
			continue;
		}
		unsigned char c = s[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t n = utf8_sequence(s + i, len - i);
			if (n > 0) {
				i += n;
				continue;
			}
			if (strict)
				return false;
			put(w, str + run, i - run);
			put(w, "\xEF\xBF\xBD", 3);
			run = ++i;
			continue;
		}
		char scratch[7];
		const char *esc = escape_of(c, scratch);
		put(w, str + run, i - run);
		put(w, esc, strlen(esc));
		run = ++i;
	}
	put(w, str + run, len - run);
	put_char(w, '"');
	return true;
}

void sh_jw_key(struct sh_jw *w, const char *key)
{
	before_value(w);
	put_string(w, key, strlen(key), false);
	put_char(w, ':');
	w->need_comma = false;
}

void sh_jw_stringn(struct sh_jw *w, const char *s, size_t len)
{
	before_value(w);
	put_string(w, s, len, false);
	w->need_comma = true;
}

void sh_jw_string(struct sh_jw *w, const char *s)
{
	if (s == NULL)
		sh_jw_null(w);
	else
		sh_jw_stringn(w, s, strlen(s));
}

void sh_jw_int(struct sh_jw *w, int64_t n)
{
	char digits[24];
	int len = snprintf(digits, sizeof(digits), "%" PRId64, n);
	before_value(w);
	put(w, digits, (size_t)len);
	w->need_comma = true;
}

void sh_jw_bool(struct sh_jw *w, bool b)
{
	before_value(w);
	if (b)
		put(w, "true", 4);
	else
		put(w, "false", 5);
	w->need_comma = true;
}

void sh_jw_null(struct sh_jw *w)
{
	before_value(w);
	put(w, "null", 4);
	w->need_comma = true;
}

void sh_jw_kstring(struct sh_jw *w, const char *key, const char *s)
{
	sh_jw_key(w, key);
	sh_jw_string(w, s);
}

void sh_jw_kint(struct sh_jw *w, const char *key, int64_t n)
{
	sh_jw_key(w, key);
	sh_jw_int(w, n);
}

void sh_jw_kbool(struct sh_jw *w, const char *key, bool b)
{
	sh_jw_key(w, key);
	sh_jw_bool(w, b);
}

/*
 * A real as jansson writes it (jsonp_dtostr): "%.17g", a ".0" when the text would read back
 * as an integer, and the exponent without "+" or leading zeros ("1e+20" -> "1e20").
 */
static void put_real(struct sh_jw *w, double d)
{
	char text[40];
	int n = snprintf(text, sizeof(text) - 2, "%.17g", d);
	if (n < 0 || (size_t)n >= sizeof(text) - 2) {
		w->failed = true;
		return;
	}
	size_t len = (size_t)n;
	if (strchr(text, '.') == NULL && strchr(text, 'e') == NULL) {
		memcpy(text + len, ".0", 3);
		len += 2;
	}
	char *e = strchr(text, 'e');
	if (e != NULL) {
		char *start = e + 1, *end = e + 2;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, len - (size_t)(end - text) + 1);
			len -= (size_t)(end - start);
		}
	}
	put(w, text, len);
}

static void put_value(struct sh_jw *w, json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		sh_jw_object_begin(w);
		for (void *it = json_object_iter(v); it != NULL && !w->failed;
		     it = json_object_iter_next(v, it)) {
			before_value(w);
			if (!put_string(w, json_object_iter_key(it), json_object_iter_key_len(it), true))
				w->failed = true;
			put_char(w, ':');
			w->need_comma = false;
			put_value(w, json_object_iter_value(it));
		}
		sh_jw_object_end(w);
		return;
	}
	case JSON_ARRAY: {
		sh_jw_array_begin(w);
		size_t n = json_array_size(v);
		for (size_t i = 0; i < n && !w->failed; i++)
			put_value(w, json_array_get(v, i));
		sh_jw_array_end(w);
		return;
	}
	case JSON_STRING:
		before_value(w);
		if (!put_string(w, json_string_value(v), json_string_length(v), true))
			w->failed = true;
		w->need_comma = true;
		return;
	case JSON_INTEGER:
		sh_jw_int(w, (int64_t)json_integer_value(v));
		return;
	case JSON_REAL:
		before_value(w);
		put_real(w, json_real_value(v));
		w->need_comma = true;
		return;
	case JSON_TRUE:
		sh_jw_bool(w, true);
		return;
	case JSON_FALSE:
		sh_jw_bool(w, false);
		return;
	case JSON_NULL:
		sh_jw_null(w);
		return;
	}
}

void sh_jw_value(struct sh_jw *w, json_t *v)
{
	if (v == NULL) {
		w->failed = true;
		return;
	}
	put_value(w, v);
}

const char *sh_jw_text(struct sh_jw *w, size_t *len_r)
{
	if (w->failed)
		return NULL;
	*reserve(w, 0) = '\0';
	if (len_r != NULL)
		*len_r = w->out.len;
	return w->out.data;
}

json_t *sh_jw_to_json(struct sh_jw *w)
{
	size_t len = 0;
	const char *text = sh_jw_text(w, &len);
	return text ? json_loadb(text, len, JSON_DECODE_ANY, NULL) : NULL;
}

const char *sh_json_dump(struct sh_arena *arena, json_t *v, size_t *len_r)
{
	struct sh_jw w;
	sh_jw_init(&w, arena);
	sh_jw_value(&w, v);
	return sh_jw_text(&w, len_r);
}
