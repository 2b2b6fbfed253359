/* Allocation failure is fatal here so that no caller has to handle it. */
#include "schoolhub/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *check(void *p, size_t size)
{
	if (p == NULL && size != 0) {
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"out of memory (%zu bytes)\"}\n", size);
		abort();
	}
	return p;
}

void *sh_malloc(size_t size)
{
	return check(malloc(size ? size : 1), size ? size : 1);
}

void *sh_calloc(size_t count, size_t size)
{
	if (count == 0 || size == 0)
		count = size = 1;
	return check(calloc(count, size), count * size);
}

void *sh_realloc(void *ptr, size_t size)
{
	return check(realloc(ptr, size ? size : 1), size ? size : 1);
}

char *sh_strdup(const char *s)
{
	return sh_strndup(s, strlen(s));
}

char *sh_strndup(const char *s, size_t len)
{
	char *copy = sh_malloc(len + 1);
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

void sh_free(void *ptr_r)
{
	void **p = ptr_r;
	free(*p);
	*p = NULL;
}
