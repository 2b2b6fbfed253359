/*
 * A bump allocator: one per request (and per CLI command). Everything a handler
 * allocates comes from it and is released at once by sh_arena_destroy(), so a
 * handler has exactly one place where memory is freed.
 */
#ifndef SCHOOLHUB_ARENA_H
#define SCHOOLHUB_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct sh_arena;

struct sh_arena *sh_arena_create(void);
/* Releases every block and every registered cleanup; sets "*arena_r" to NULL. */
void sh_arena_destroy(struct sh_arena **arena_r);

void *sh_arena_alloc(struct sh_arena *arena, size_t size);   /* zeroed */
char *sh_arena_strdup(struct sh_arena *arena, const char *s); /* NULL stays NULL */
char *sh_arena_strndup(struct sh_arena *arena, const char *s, size_t len);
char *sh_arena_printf(struct sh_arena *arena, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *sh_arena_vprintf(struct sh_arena *arena, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Runs "fn(ptr)" when the arena is destroyed (last registered runs first): used
 * for library objects such as jansson values that have their own free function. */
void sh_arena_defer(struct sh_arena *arena, void (*fn)(void *), void *ptr);

/*
 * A text grown in an arena (an iCalendar file, a CSV download, an e-mail): zero it with
 * "arena" set, then add; "data" is NUL-terminated once anything was added (NULL before).
 * It doubles from 4 KiB, so the arena holds at most about as many bytes again as the text.
 */
struct sh_arena_text {
	struct sh_arena *arena;
	char *data;
	size_t len, cap;
};
void sh_arena_text_add(struct sh_arena_text *t, const char *s, size_t n);
/* Room for "n" more bytes and a NUL: where they go (t->data + t->len); the caller writes
 * them and moves t->len (the JSON writer's fast path). */
char *sh_arena_text_reserve(struct sh_arena_text *t, size_t n);

/* Bytes handed out so far (for tests and metrics). */
size_t sh_arena_used(const struct sh_arena *arena);

#endif
