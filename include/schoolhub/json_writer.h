/*
 * Writing JSON text straight into the request's arena.
 *
 * Why not json_dumps(): profiled under load, jansson spent ~80 % of a transaction-list
 * request's user-space instructions building a tree of small mallocs, dumping it one
 * character at a time through a callback and freeing it again. Handlers on hot paths write
 * their reply with these calls instead, and every jansson reply is serialised by
 * sh_jw_value(), which produces exactly the text of json_dumps(value, JSON_COMPACT)
 * (a unit test and the JSON fuzzer compare the two).
 *
 *	struct sh_jw w;
 *	sh_jw_init(&w, req->arena);
 *	sh_jw_object_begin(&w);
 *	sh_jw_key(&w, "units");
 *	sh_jw_int(&w, 120);
 *	sh_jw_object_end(&w);
 *	sh_reply_jw(req, res, 200, &w);
 *
 * Commas are placed by the writer; the caller only keeps keys and values in order.
 */
#ifndef SCHOOLHUB_JSON_WRITER_H
#define SCHOOLHUB_JSON_WRITER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schoolhub/arena.h"

struct sh_arena;

struct sh_jw {
	struct sh_arena_text out;
	bool need_comma; /* a value was written at this level: the next one needs a comma */
	bool failed;     /* a jansson value could not be written (invalid UTF-8 in it) */
};

void sh_jw_init(struct sh_jw *w, struct sh_arena *arena);

void sh_jw_object_begin(struct sh_jw *w);
void sh_jw_object_end(struct sh_jw *w);
void sh_jw_array_begin(struct sh_jw *w);
void sh_jw_array_end(struct sh_jw *w);
/* An object member's name; its value is the next thing written. */
void sh_jw_key(struct sh_jw *w, const char *key);

/* A string; NULL writes null. Bytes that are not UTF-8 become U+FFFD. */
void sh_jw_string(struct sh_jw *w, const char *s);
void sh_jw_stringn(struct sh_jw *w, const char *s, size_t len);
void sh_jw_int(struct sh_jw *w, int64_t n);
void sh_jw_bool(struct sh_jw *w, bool b);
void sh_jw_null(struct sh_jw *w);
/* A jansson value, as json_dumps(v, JSON_COMPACT) would write it. */
void sh_jw_value(struct sh_jw *w, json_t *v);

/* Key and value in one call, for the common members. */
void sh_jw_kstring(struct sh_jw *w, const char *key, const char *s);
void sh_jw_kint(struct sh_jw *w, const char *key, int64_t n);
void sh_jw_kbool(struct sh_jw *w, const char *key, bool b);

/* The text so far, NUL-terminated, in the arena; NULL if sh_jw_value() failed. */
const char *sh_jw_text(struct sh_jw *w, size_t *len_r);

/* The text read back as a jansson value (new reference), for callers that embed what a
 * writer function wrote in a jansson document; NULL on failure. */
json_t *sh_jw_to_json(struct sh_jw *w);

/* json_dumps(v, JSON_COMPACT) into the arena; NULL if v holds invalid UTF-8. */
const char *sh_json_dump(struct sh_arena *arena, json_t *v, size_t *len_r);

#endif
