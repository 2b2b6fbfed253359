/*
 * Page cursors of the keyset-paginated lists: the sort key of the last row served, as
 * base64url of a JSON array of strings. Opaque to clients; each list checks the parts it
 * gets back (a UUID, a timestamp) before they reach SQL.
 */
#include <sodium.h>
#include <string.h>

#include "schoolhub/http.h"
#include "schoolhub/json_writer.h"

#define CURSOR_MAX 1024

const char *sh_cursor_encode(struct sh_arena *arena, const char *const *parts, size_t n)
{
	struct sh_jw w;
	sh_jw_init(&w, arena);
	sh_jw_array_begin(&w);
	for (size_t i = 0; i < n; i++)
		sh_jw_string(&w, parts[i]);
	sh_jw_array_end(&w);
	size_t len = 0;
	const char *text = sh_jw_text(&w, &len);
	size_t size = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = sh_arena_alloc(arena, size);
	sodium_bin2base64(out, size, (const unsigned char *)text, len,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

int sh_cursor_decode(struct sh_arena *arena, const char *cursor, size_t n, const char **parts_r)
{
	size_t max = strlen(cursor);
	if (max == 0 || max > CURSOR_MAX)
		return -1;
	unsigned char *raw = sh_arena_alloc(arena, max + 1);
	size_t raw_len;
	if (sodium_base642bin(raw, max, cursor, max, NULL, &raw_len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -1;
	json_t *key = json_loadb((const char *)raw, raw_len, 0, NULL);
	int rc = json_is_array(key) && json_array_size(key) == n ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *part = json_string_value(json_array_get(key, i));
		if (part == NULL)
			rc = -1;
		else
			parts_r[i] = sh_arena_strdup(arena, part);
	}
	json_decref(key);
	return rc;
}
