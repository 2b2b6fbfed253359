/*
 * Request counters by (method, route pattern, status), one latency histogram,
 * open connections. Route patterns are static strings, so a label set is a few
 * pointer compares; the table is small and guarded by one mutex.
 */
#include "http/metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "schoolhub/app.h"
#include "schoolhub/mem.h"

#define MAX_SERIES 512

static const double bucket_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
				       0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
#define BUCKETS (sizeof(bucket_bounds) / sizeof(bucket_bounds[0]))

struct series {
	const char *method;
	const char *route;
	unsigned status;
	uint64_t count;
};

struct sh_metrics {
	pthread_mutex_t lock;
	struct series series[MAX_SERIES];
	size_t series_count;
	uint64_t overflow; /* observations that found no free series slot */
	uint64_t buckets[BUCKETS];
	uint64_t latency_count;
	double latency_sum;
	_Atomic long open_connections;
};

struct sh_metrics *sh_metrics_create(void)
{
	struct sh_metrics *m = sh_calloc(1, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	return m;
}

void sh_metrics_destroy(struct sh_metrics **metrics_r)
{
	if (*metrics_r == NULL)
		return;
	pthread_mutex_destroy(&(*metrics_r)->lock);
	sh_free(metrics_r);
}

void sh_metrics_observe(struct sh_metrics *m, const char *method, const char *route,
			unsigned status, double seconds)
{
	pthread_mutex_lock(&m->lock);
	size_t i;
	for (i = 0; i < m->series_count; i++) {
		struct series *s = &m->series[i];
		if (s->status == status && strcmp(s->route, route) == 0 &&
		    strcmp(s->method, method) == 0)
			break;
	}
	if (i == m->series_count && i < MAX_SERIES) {
		/* Methods outside this list are folded so a client cannot grow the table. */
		static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
		const char *label = "OTHER";
		for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strcmp(known[k], method) == 0)
				label = known[k];
		m->series[i] = (struct series){label, route, status, 0};
		m->series_count++;
	}
	if (i < MAX_SERIES)
		m->series[i].count++;
	else
		m->overflow++;
	for (size_t b = 0; b < BUCKETS; b++)
		if (seconds <= bucket_bounds[b])
			m->buckets[b]++;
	m->latency_count++;
	m->latency_sum += seconds;
	pthread_mutex_unlock(&m->lock);
}

void sh_metrics_connection_opened(struct sh_metrics *m)
{
	atomic_fetch_add(&m->open_connections, 1);
}

void sh_metrics_connection_closed(struct sh_metrics *m)
{
	atomic_fetch_sub(&m->open_connections, 1);
}

struct buf {
	char *data;
	size_t len, cap;
};

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (size_t)n;
		b->data = sh_realloc(b->data, b->cap);
	}
}

char *sh_metrics_render(struct sh_metrics *m, const struct sh_app *app, size_t *len_r)
{
	struct buf b = {sh_malloc(8192), 0, 8192};
	pthread_mutex_lock(&m->lock);
	buf_printf(&b, "# HELP schoolhub_http_requests_total HTTP requests by method, route and status.\n"
		       "# TYPE schoolhub_http_requests_total counter\n");
	for (size_t i = 0; i < m->series_count; i++)
		buf_printf(&b,
			   "schoolhub_http_requests_total{method=\"%s\",route=\"%s\",status=\"%u\"} %llu\n",
			   m->series[i].method, m->series[i].route, m->series[i].status,
			   (unsigned long long)m->series[i].count);
	buf_printf(&b, "# HELP schoolhub_http_request_duration_seconds Time to produce a response.\n"
		       "# TYPE schoolhub_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i < BUCKETS; i++)
		buf_printf(&b, "schoolhub_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			   bucket_bounds[i], (unsigned long long)m->buckets[i]);
	buf_printf(&b,
		   "schoolhub_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
		   "schoolhub_http_request_duration_seconds_sum %.6f\n"
		   "schoolhub_http_request_duration_seconds_count %llu\n",
		   (unsigned long long)m->latency_count, m->latency_sum,
		   (unsigned long long)m->latency_count);
	uint64_t overflow = m->overflow;
	pthread_mutex_unlock(&m->lock);

	buf_printf(&b,
		   "# HELP schoolhub_http_series_overflow_total Observations not recorded by label.\n"
		   "# TYPE schoolhub_http_series_overflow_total counter\n"
		   "schoolhub_http_series_overflow_total %llu\n"
		   "# HELP schoolhub_db_errors_total Database errors seen by the drivers.\n"
		   "# TYPE schoolhub_db_errors_total counter\n"
		   "schoolhub_db_errors_total{database=\"%s\"} %llu\n"
		   "# HELP schoolhub_http_open_connections Open HTTP connections.\n"
		   "# TYPE schoolhub_http_open_connections gauge\n"
		   "schoolhub_http_open_connections %ld\n"
		   "# HELP schoolhub_uptime_seconds Seconds since the process started.\n"
		   "# TYPE schoolhub_uptime_seconds gauge\n"
		   "schoolhub_uptime_seconds %lld\n",
		   (unsigned long long)overflow, sh_db_kind_name(app->db),
		   (unsigned long long)sh_db_error_count(app->db), atomic_load(&m->open_connections),
		   (long long)(time(NULL) - app->started_at));
	*len_r = b.len;
	return b.data;
}
