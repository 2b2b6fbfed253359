/* Routes every instance serves whatever modules are enabled: /health, /ready, /metrics. */
#ifndef SCHOOLHUB_HTTP_CORE_ROUTES_H
#define SCHOOLHUB_HTTP_CORE_ROUTES_H

#include <stddef.h>

#include "schoolhub/http.h"

extern const struct sh_route sh_core_routes[];
extern const size_t sh_core_route_count;

#endif
