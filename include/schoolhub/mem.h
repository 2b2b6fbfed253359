/* Allocation wrappers: running out of memory is fatal, so callers never test for NULL. */
#ifndef SCHOOLHUB_MEM_H
#define SCHOOLHUB_MEM_H

#include <stddef.h>

void *sh_malloc(size_t size);
void *sh_calloc(size_t count, size_t size);
void *sh_realloc(void *ptr, size_t size);
char *sh_strdup(const char *s);
char *sh_strndup(const char *s, size_t len);
/* Frees "*ptr" and sets it to NULL. */
void sh_free(void *ptr_r);

#endif
