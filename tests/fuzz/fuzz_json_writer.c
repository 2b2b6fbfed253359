/*
 * The JSON writer (src/core/json_writer.c), which serialises every reply: for any JSON
 * jansson reads, sh_json_dump() must write exactly json_dumps(JSON_COMPACT)'s text (or
 * refuse exactly when it does), and any bytes written as a string must come back, once
 * read, as themselves (with U+FFFD in place of bytes that are not UTF-8).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/arena.h"
#include "schoolhub/json_writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_as_jansson(struct sh_arena *arena, const uint8_t *data, size_t size)
{
	json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (v == NULL)
		return;
	size_t len = 0;
	const char *ours = sh_json_dump(arena, v, &len);
	char *theirs = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if ((ours == NULL) != (theirs == NULL))
		abort();
	if (ours != NULL && (len != strlen(theirs) || memcmp(ours, theirs, len) != 0))
		abort();
	free(theirs);
	json_decref(v);
}

/* Valid UTF-8 comes back unchanged; anything else at least reads back as one string. */
static void string_round_trip(struct sh_arena *arena, const uint8_t *data, size_t size)
{
	struct sh_jw w;
	sh_jw_init(&w, arena);
	sh_jw_array_begin(&w);
	sh_jw_stringn(&w, (const char *)data, size);
	sh_jw_array_end(&w);
	size_t len = 0;
	const char *text = sh_jw_text(&w, &len);
	json_t *back = text ? json_loadb(text, len, JSON_ALLOW_NUL, NULL) : NULL;
	json_t *s = json_array_get(back, 0);
	if (!json_is_string(s))
		abort();
	json_t *original = json_stringn((const char *)data, size); /* NULL unless valid UTF-8 */
	if (original != NULL && (json_string_length(s) != size ||
				 memcmp(json_string_value(s), data, size) != 0))
		abort();
	json_decref(original);
	json_decref(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return -1;
	struct sh_arena *arena = sh_arena_create();
	same_as_jansson(arena, data, size);
	string_round_trip(arena, data, size);
	sh_arena_destroy(&arena);
	return 0;
}
