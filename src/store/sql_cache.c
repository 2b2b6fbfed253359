/* The per-connection map from SQL text to a driver's prepared statement. */
#include "store/store-private.h"

#include "schoolhub/mem.h"

#include <string.h>

static uint64_t sql_hash(const char *sql)
{
	uint64_t h = 1469598103934665603ULL;

	for (const unsigned char *p = (const unsigned char *)sql; *p != '\0'; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return h;
}

struct sh_sql_cache_entry *sh_sql_cache_find(struct sh_sql_cache *cache, const char *sql)
{
	uint64_t h = sql_hash(sql);

	for (size_t i = 0; i < cache->count; i++) {
		struct sh_sql_cache_entry *e = &cache->entries[i];
		if (e->hash == h && strcmp(e->sql, sql) == 0)
			return e;
	}
	return NULL;
}

struct sh_sql_cache_entry *sh_sql_cache_add(struct sh_sql_cache *cache, const char *sql, void *value)
{
	if (cache->count >= SH_SQL_CACHE_MAX)
		return NULL;
	if (cache->count == cache->cap) {
		cache->cap = cache->cap ? cache->cap * 2 : 32;
		cache->entries = sh_realloc(cache->entries, cache->cap * sizeof(*cache->entries));
	}
	struct sh_sql_cache_entry *e = &cache->entries[cache->count++];
	e->sql = sh_strdup(sql);
	e->hash = sql_hash(sql);
	e->value = value;
	e->in_use = false;
	e->max_param = -1;
	return e;
}

void sh_sql_cache_clear(struct sh_sql_cache *cache, void (*free_value)(void *value))
{
	for (size_t i = 0; i < cache->count; i++) {
		if (free_value != NULL && cache->entries[i].value != NULL)
			free_value(cache->entries[i].value);
		sh_free(&cache->entries[i].sql);
	}
	sh_free(&cache->entries);
	cache->count = cache->cap = 0;
}
