/*
 * Prints every route the server can serve, one "METHOD PATTERN" a line: the core routes
 * and the route table of every module built in (enabled or not), read from the same
 * tables the router is built from. tests/openapi/validate.py compares the list with the
 * paths of docs/openapi.yaml, so a route added without its description fails the suite.
 */
#include <stdio.h>
#include <stdlib.h>

#include "http/core_routes.h"
#include "schoolhub/modules.h"

static int print_table(const struct sh_route *routes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (printf("%s %s\n", routes[i].method, routes[i].pattern) < 0)
			return -1;
	return 0;
}

int main(void)
{
	if (print_table(sh_core_routes, sh_core_route_count) != 0)
		return EXIT_FAILURE;
	for (size_t m = 0; m < sh_module_count; m++)
		if (print_table(sh_modules[m]->routes, sh_modules[m]->route_count) != 0)
			return EXIT_FAILURE;
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
