/*
 * The JSON bodies of every write endpoint: body decoding (dispatch.c), the field checks of
 * each module and what the handler then does with what passed them, on the seeded
 * database of support/fuzz_app.c.
 *
 * The routes are not listed here: they are every route of every module that takes a JSON
 * body (SH_ROUTE_JSON_BODY), read from the modules' own tables, so a new write endpoint is
 * fuzzed without touching this file.
 *
 * Input: byte 0 picks the route, byte 1 the identity, byte 2 which seeded entity fills
 * the path parameters; the rest is the body. Placeholders (@u0, @c1...) work in the body.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_app.h"
#include "schoolhub/modules.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ROUTES 64
static const struct sh_route *routes[MAX_ROUTES];
static size_t route_count;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (size_t m = 0; m < sh_module_count; m++)
		for (size_t r = 0; r < sh_modules[m]->route_count; r++)
			if ((sh_modules[m]->routes[r].flags & SH_ROUTE_JSON_BODY) &&
			    route_count < MAX_ROUTES)
				routes[route_count++] = &sh_modules[m]->routes[r];
	if (route_count == 0)
		abort();
	fz_app_init();
	return 0;
}

/* What a path parameter of "pattern" names, from the segment before it. */
static char entity_kind(const char *pattern, const char *param)
{
	if (strcmp(param, "{user_id}") == 0)
		return 'u';
	if (strstr(pattern, "/children/") != NULL)
		return 'c';
	if (strstr(pattern, "/services/") != NULL)
		return 's';
	if (strstr(pattern, "/transactions/") != NULL)
		return 't';
	return 'u';
}

/* The route's pattern with each {param} replaced by a seeded id (or, one time in eight,
 * by something that is no id at all). */
static void build_target(const char *pattern, unsigned pick, char *out, size_t cap)
{
	size_t o = 0;
	const char *p = pattern;
	while (*p != '\0' && o + 1 < cap) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			char param[32];
			size_t n = (size_t)(close - p + 1);
			snprintf(param, sizeof(param), "%.*s", (int)n, p);
			char kind = entity_kind(pattern, param);
			const char *id = (pick & 7) == 7 ? "not-a-uuid" : fz_entity_id(kind, pick % 6);
			if (id == NULL)
				id = fz_entity_id(kind, 0);
			o += (size_t)snprintf(out + o, cap - o, "%s", id);
			p = close + 1;
			pick >>= 1;
			continue;
		}
		out[o++] = *p++;
	}
	out[o < cap ? o : cap - 1] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3 || size > 64 * 1024)
		return -1;
	const struct sh_route *route = routes[data[0] % route_count];
	enum fz_identity who = (enum fz_identity)(data[1] % FZ_IDENTITY_COUNT);
	char target[256];
	build_target(route->pattern, data[2], target, sizeof(target));
	const char *headers = "Content-Type: application/json\nIdempotency-Key: fuzz-key";
	struct fz_response res;
	bool responded = fz_request(who, route->method, target, headers, (const char *)data + 3,
				    size - 3, &res);
	/* What the request itself said (path and body) may come back in the response. */
	size_t tlen = strlen(target);
	char *said = malloc(tlen + 1 + size - 3);
	if (said == NULL)
		abort();
	memcpy(said, target, tlen);
	said[tlen] = '\n';
	memcpy(said + tlen + 1, data + 3, size - 3);
	fz_check_and_reset(who, said, tlen + 1 + size - 3, &res, responded);
	free(said);
	fz_response_free(&res);
	return 0;
}
