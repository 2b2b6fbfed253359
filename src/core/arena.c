/*
 * Per-request bump allocator. Blocks grow geometrically; large requests get a
 * block of their own. Deferred cleanups release library objects (jansson values,
 * statements) together with the memory.
 */
#include "schoolhub/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/mem.h"

#define ARENA_FIRST_BLOCK 4096
#define ARENA_ALIGN 16

struct arena_block {
	struct arena_block *next;
	size_t size, used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena_defer {
	struct arena_defer *next;
	void (*fn)(void *);
	void *ptr;
};

struct sh_arena {
	struct arena_block *head;
	struct arena_defer *defers;
	size_t total;
	size_t next_size;
};

struct sh_arena *sh_arena_create(void)
{
	struct sh_arena *arena = sh_calloc(1, sizeof(*arena));
	arena->next_size = ARENA_FIRST_BLOCK;
	return arena;
}

void sh_arena_destroy(struct sh_arena **arena_r)
{
	struct sh_arena *arena = *arena_r;
	if (arena == NULL)
		return;
	for (struct arena_defer *d = arena->defers; d != NULL; d = d->next)
		d->fn(d->ptr);
	struct arena_block *b = arena->head;
	while (b != NULL) {
		struct arena_block *next = b->next;
		sh_free(&b);
		b = next;
	}
	sh_free(arena_r);
}

static struct arena_block *arena_grow(struct sh_arena *arena, size_t need)
{
	size_t size = arena->next_size;
	while (size < need)
		size *= 2;
	if (arena->next_size < 1024 * 1024)
		arena->next_size *= 2;
	struct arena_block *b = sh_malloc(sizeof(*b) + size);
	b->size = size;
	b->used = 0;
	b->next = arena->head;
	arena->head = b;
	return b;
}

void *sh_arena_alloc(struct sh_arena *arena, size_t size)
{
	if (size == 0)
		size = 1;
	if (size > SIZE_MAX - ARENA_ALIGN) {
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"arena allocation too large\"}\n");
		abort();
	}
	size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	struct arena_block *b = arena->head;
	if (b == NULL || b->size - b->used < rounded)
		b = arena_grow(arena, rounded);
	void *p = b->data + b->used;
	b->used += rounded;
	arena->total += rounded;
	memset(p, 0, size);
	return p;
}

char *sh_arena_strndup(struct sh_arena *arena, const char *s, size_t len)
{
	if (s == NULL)
		return NULL;
	char *copy = sh_arena_alloc(arena, len + 1);
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

char *sh_arena_text_reserve(struct sh_arena_text *t, size_t n)
{
	if (t->cap - t->len < n + 1) {
		size_t cap = t->cap ? t->cap : 4096;
		while (cap - t->len < n + 1)
			cap *= 2;
		/* The old buffer stays in the arena: at most as much again as the final text. */
		char *grown = sh_arena_alloc(t->arena, cap);
		if (t->len > 0)
			memcpy(grown, t->data, t->len);
		t->data = grown;
		t->cap = cap;
	}
	return t->data + t->len;
}

void sh_arena_text_add(struct sh_arena_text *t, const char *s, size_t n)
{
	memcpy(sh_arena_text_reserve(t, n), s, n);
	t->len += n;
	t->data[t->len] = '\0';
}

char *sh_arena_strdup(struct sh_arena *arena, const char *s)
{
	return s == NULL ? NULL : sh_arena_strndup(arena, s, strlen(s));
}

char *sh_arena_vprintf(struct sh_arena *arena, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int len = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (len < 0)
		return sh_arena_strdup(arena, "");
	char *out = sh_arena_alloc(arena, (size_t)len + 1);
	vsnprintf(out, (size_t)len + 1, fmt, ap);
	return out;
}

char *sh_arena_printf(struct sh_arena *arena, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *out = sh_arena_vprintf(arena, fmt, ap);
	va_end(ap);
	return out;
}

void sh_arena_defer(struct sh_arena *arena, void (*fn)(void *), void *ptr)
{
	struct arena_defer *d = sh_arena_alloc(arena, sizeof(*d));
	d->fn = fn;
	d->ptr = ptr;
	d->next = arena->defers;
	arena->defers = d;
}

size_t sh_arena_used(const struct sh_arena *arena)
{
	return arena->total;
}
