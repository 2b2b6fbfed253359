/*
 * The router (src/http/router.c) over every module's routes, fed the way libmicrohttpd
 * feeds it: the request target's path, percent-decoded by MHD_http_unescape (what the
 * daemon does before our handler sees the URL). Query strings are libmicrohttpd's to split
 * and decode; fuzz_request drives them through the real daemon.
 *
 * Input: byte 0 picks the method (or, past the known ones, the method is the text up to the
 * first space); the rest is the raw path.
 *
 * Checks: a match has the asked method (or GET for HEAD), one non-empty parameter per
 * "{name}" segment with no '/' in it, and the pattern with the parameters put back is the
 * decoded path exactly; a 405 lists methods that do not include the one asked.
 */
#include <microhttpd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/router.h"
#include "schoolhub/modules.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sh_router *router;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	router = sh_router_create(sh_modules_all());
	return 0;
}

static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
#define METHOD_COUNT (sizeof(methods) / sizeof(methods[0]))

/* The pattern with each {param} replaced by its value, into the arena. */
static char *rebuild(struct sh_request *req, const char *pattern)
{
	char *out = sh_arena_strdup(req->arena, "");
	size_t next = 0;
	for (const char *p = pattern; *p != '\0';) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			if (close == NULL || next >= req->param_count)
				abort();
			out = sh_arena_printf(req->arena, "%s%s", out, req->param_values[next++]);
			p = close + 1;
			continue;
		}
		size_t n = strcspn(p, "{");
		out = sh_arena_printf(req->arena, "%s%.*s", out, (int)n, p);
		p += n;
	}
	if (next != req->param_count)
		abort();
	return out;
}

static bool allow_lists(const char *allow, const char *method)
{
	size_t n = strlen(method);
	for (const char *p = allow; *p != '\0';) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, method, n) == 0)
			return true;
		p += len;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return -1;
	char *text = malloc(size);
	if (text == NULL)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	const char *method;
	char *path = text;
	if (data[0] < 0xf0) {
		method = methods[data[0] % METHOD_COUNT];
	} else {
		char *space = strchr(text, ' ');
		if (space == NULL) {
			free(text);
			return -1;
		}
		*space = '\0';
		method = text;
		path = space + 1;
	}
	/* libmicrohttpd hands the handler the path without the query, percent-decoded. */
	path[strcspn(path, "?")] = '\0';
	MHD_http_unescape(path);

	struct sh_request req = {0};
	req.arena = sh_arena_create();
	req.method = method;
	req.path = path;
	const struct sh_route *route = NULL;
	const char *allow = NULL;
	switch (sh_router_match(router, &req, method, path, &route, &allow)) {
	case SH_MATCH_FOUND:
		if (route == NULL || req.route_pattern != route->pattern)
			abort();
		if (strcmp(route->method, method) != 0 &&
		    !(strcmp(method, "HEAD") == 0 && strcmp(route->method, "GET") == 0))
			abort();
		for (size_t i = 0; i < req.param_count; i++) {
			const char *v = req.param_values[i];
			if (v == NULL || *v == '\0' || strchr(v, '/') != NULL)
				abort();
			if (sh_req_param(&req, req.param_names[i]) == NULL)
				abort();
			(void)sh_req_uuid_param(&req, req.param_names[i]);
		}
		if (strcmp(rebuild(&req, route->pattern), path) != 0)
			abort();
		break;
	case SH_MATCH_BAD_METHOD:
		if (allow == NULL || *allow == '\0' || allow_lists(allow, method))
			abort();
		break;
	case SH_MATCH_NOT_FOUND:
		break;
	}
	sh_arena_destroy(&req.arena);
	free(text);
	return 0;
}
