/*
 * The errors every route answers the same way, sent to every route of every module's route
 * table (so a new route is covered the day it is added): no access token (401), a body that
 * is not JSON (400), a body that is not application/json (415) and one larger than
 * SCHOOLHUB_MAX_BODY_BYTES (413). Each answer is asserted here, and, like every API test
 * response, recorded and checked against docs/openapi.yaml by ctest's openapi_conformance:
 * an operation that doesn't document one of these answers fails there.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "schoolhub/modules.h"

#define MAX_BODY 1024

static struct th_server server;
static struct th_member parent, teacher, admin;

static void routes_start(void)
{
	const char *env[] = {"SCHOOLHUB_MAX_BODY_BYTES=1024", NULL};
	th_server_start(&server, api_backend, env);
	th_member_register(&parent, "routesparent");
	th_member_register(&teacher, "routesteacher");
	th_member_register(&admin, "routesadmin");
	api_promote(&teacher, "teacher");
	api_promote(&admin, "admin");
}

static void routes_stop(void)
{
	th_member_free(&parent);
	th_member_free(&teacher);
	th_member_free(&admin);
	th_server_stop(&server);
}

/* The route's pattern with each {param} replaced by a UUID no row has. */
static void concrete_path(const char *pattern, char *out, size_t size)
{
	size_t n = 0;
	for (const char *p = pattern; *p != '\0' && n + 1 < size;) {
		if (*p == '{') {
			n += (size_t)snprintf(out + n, size - n, "%s",
					      "00000000-0000-4000-8000-00000000abcd");
			p = strchr(p, '}') ? strchr(p, '}') + 1 : p + strlen(p);
		} else {
			out[n++] = *p++;
		}
	}
	out[n < size ? n : size - 1] = '\0';
}

/* A token whose role the route allows (it then gets past the gate to the body checks). */
static const char *token_for(const struct sh_route *route)
{
	if (route->roles == 0 || (route->roles & SH_ROLE_PARENT))
		return parent.access_token;
	if (route->roles & SH_ROLE_TEACHER)
		return teacher.access_token;
	return admin.access_token;
}

static void expect(struct th_resp *r, const struct sh_route *route, long status, const char *code)
{
	ck_assert_msg(r->status == status && th_code(r) && strcmp(th_code(r), code) == 0,
		      "%s %s: expected %ld %s, got %ld %s", route->method, route->pattern, status,
		      code, r->status, r->body);
	th_resp_free(&r);
}

/* Calls "check" for every route of every module; returns how many routes it checked (it
 * skips those the error doesn't apply to), so that a filter matching no route fails. */
static size_t each_route(bool (*check)(const struct sh_route *route, const char *path))
{
	size_t count = 0;
	char path[256];
	for (size_t m = 0; m < sh_module_count; m++)
		for (size_t i = 0; i < sh_modules[m]->route_count; i++) {
			const struct sh_route *route = &sh_modules[m]->routes[i];
			concrete_path(route->pattern, path, sizeof(path));
			if (check(route, path))
				count++;
		}
	return count;
}

static bool check_unauthorized(const struct sh_route *route, const char *path)
{
	if (!(route->flags & SH_ROUTE_AUTH))
		return false;
	const char *body = (route->flags & SH_ROUTE_JSON_BODY) ? "{}" : NULL;
	struct th_resp *r = th_request(route->method, path, NULL, body, NULL, NULL);
	ck_assert_msg(th_header(r, "WWW-Authenticate") != NULL, "%s %s: no WWW-Authenticate",
		      route->method, route->pattern);
	expect(r, route, 401, "unauthorized");
	return true;
}

static bool check_bad_bodies(const struct sh_route *route, const char *path)
{
	if (!(route->flags & SH_ROUTE_JSON_BODY))
		return false;
	const char *token = (route->flags & SH_ROUTE_AUTH) ? token_for(route) : NULL;
	expect(th_request(route->method, path, token, "{\"oops\":", NULL, NULL), route, 400,
	       "invalid_json");
	expect(th_request(route->method, path, token, "[1, 2]", NULL, NULL), route, 400,
	       "invalid_json");
	expect(th_request(route->method, path, token, "{}", "text/plain", NULL), route, 415,
	       "unsupported_media_type");
	char big[MAX_BODY * 2];
	memset(big, ' ', sizeof(big) - 1);
	big[0] = '{';
	big[sizeof(big) - 2] = '}';
	big[sizeof(big) - 1] = '\0';
	expect(th_request(route->method, path, token, big, NULL, NULL), route, 413,
	       "payload_too_large");
	return true;
}

START_TEST(every_protected_route_wants_a_token)
{
	ck_assert_uint_gt(each_route(check_unauthorized), 0);
}
END_TEST

START_TEST(every_json_route_refuses_bad_bodies)
{
	ck_assert_uint_gt(each_route(check_bad_bodies), 0);
}
END_TEST

Suite *api_route_errors_suite(void)
{
	Suite *s = suite_create("route errors");
	TCase *tc = tcase_create("every route");
	tcase_add_unchecked_fixture(tc, routes_start, routes_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_protected_route_wants_a_token);
	tcase_add_test(tc, every_json_route_refuses_bad_bodies);
	suite_add_tcase(s, tc);
	return s;
}
