/* CSV text in an arena (schoolhub/csv.h). */
#include "schoolhub/csv.h"

#include <stdio.h>
#include <string.h>

void sh_csv_add(struct sh_csv *c, const char *s, size_t n)
{
	if (c->len + n + 1 > c->cap) {
		/* Doubling: the arena keeps the old copies until the request ends, at most
		 * as many bytes again as the final text. */
		size_t cap = (c->len + n + 1) * 2;
		char *bigger = sh_arena_alloc(c->arena, cap);
		if (c->len > 0)
			memcpy(bigger, c->text, c->len);
		c->text = bigger;
		c->cap = cap;
	}
	memcpy(c->text + c->len, s, n);
	c->len += n;
	c->text[c->len] = '\0';
}

void sh_csv_cell(struct sh_csv *c, const char *s, size_t n)
{
	sh_csv_add(c, s, n);
	sh_csv_add(c, ";", 1);
}

void sh_csv_text(struct sh_csv *c, const char *s)
{
	if (s == NULL)
		s = "";
	sh_csv_add(c, "\"", 1);
	if (s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
		sh_csv_add(c, "'", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			sh_csv_add(c, "\"\"", 2);
		else
			sh_csv_add(c, p, 1);
	}
	sh_csv_add(c, "\";", 2);
}

void sh_csv_int(struct sh_csv *c, int64_t n)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%lld;", (long long)n);
	sh_csv_add(c, buf, (size_t)len);
}

void sh_csv_row_end(struct sh_csv *c)
{
	if (c->len > 0 && c->text[c->len - 1] == ';')
		c->len--;
	sh_csv_add(c, "\r\n", 2);
}
