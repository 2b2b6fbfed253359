/* CSV text in an arena (schoolhub/csv.h). */
#include "schoolhub/csv.h"

#include <stdio.h>
#include <string.h>

void sh_csv_cell(struct sh_arena_text *c, const char *s, size_t n)
{
	sh_arena_text_add(c, s, n);
	sh_arena_text_add(c, ";", 1);
}

void sh_csv_text(struct sh_arena_text *c, const char *s)
{
	if (s == NULL)
		s = "";
	sh_arena_text_add(c, "\"", 1);
	if (s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
		sh_arena_text_add(c, "'", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			sh_arena_text_add(c, "\"\"", 2);
		else
			sh_arena_text_add(c, p, 1);
	}
	sh_arena_text_add(c, "\";", 2);
}

void sh_csv_int(struct sh_arena_text *c, int64_t n)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%lld;", (long long)n);
	sh_arena_text_add(c, buf, (size_t)len);
}

void sh_csv_row_end(struct sh_arena_text *c)
{
	if (c->len > 0 && c->data[c->len - 1] == ';')
		c->len--;
	sh_arena_text_add(c, "\r\n", 2);
}
