/*
 * The Accept-Language parser (src/core/i18n.c): any header value must give one of the
 * three languages, and a language other than the default only when the header names it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "schoolhub/i18n.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Is "code" somewhere in "s", in any case? */
static bool mentions(const char *s, const char *code)
{
	size_t n = strlen(code);
	for (; *s != '\0'; s++)
		if (strncasecmp(s, code, n) == 0)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return -1;
	char *header = malloc(size + 1);
	if (header == NULL)
		abort();
	memcpy(header, data, size);
	header[size] = '\0';

	enum sh_lang lang = sh_lang_from_accept(header);
	if ((int)lang < 0 || lang >= SH_LANG_COUNT)
		abort();
	if (lang != SH_LANG_FR && !mentions(header, sh_lang_code(lang)))
		abort();
	/* The message catalogue answers in that language for every code. */
	if (sh_i18n_problem_title("not_found", lang) == NULL)
		abort();

	enum sh_lang parsed;
	if (sh_lang_parse(header, &parsed) == 0 &&
	    strncasecmp(header, sh_lang_code(parsed), 2) != 0)
		abort();
	free(header);
	return 0;
}
