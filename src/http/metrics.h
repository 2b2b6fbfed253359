/* Prometheus counters for the HTTP layer (internal to src/http). */
#ifndef SCHOOLHUB_HTTP_METRICS_H
#define SCHOOLHUB_HTTP_METRICS_H

#include <stddef.h>

struct sh_metrics;
struct sh_app;

struct sh_metrics *sh_metrics_create(void);
void sh_metrics_destroy(struct sh_metrics **metrics_r);

/* "route" is a static route pattern (or "unmatched"/"static"); duration in seconds. */
void sh_metrics_observe(struct sh_metrics *m, const char *method, const char *route,
			unsigned status, double seconds);
void sh_metrics_connection_opened(struct sh_metrics *m);
void sh_metrics_connection_closed(struct sh_metrics *m);
/* A connection closed at the header deadline (its warnings are summarised in the log). */
void sh_metrics_header_timeout(struct sh_metrics *m);

/* Renders the exposition text (malloc'ed); "conn" (the request's, NULL when the database
 * is unreachable) reads the modules' gauges. */
struct sh_conn;
char *sh_metrics_render(struct sh_metrics *m, struct sh_app *app, struct sh_conn *conn,
			size_t *len_r);

#endif
