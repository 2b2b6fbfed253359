/*
 * Request counters by (method, route pattern, status), latency histograms (all requests,
 * and per route with coarser buckets), open connections. Every request updates them, so
 * the hot path takes no lock and allocates nothing: series are appended (under a mutex)
 * into fixed tables and never move, and all counts are atomics. Labels are route patterns
 * ("/api/v1/sel/transactions/{id}"), never raw paths, so their number is bounded by the
 * route table. A scrape also reads the database's, the job queue's, the realtime channel's
 * and the modules' gauges (sh_metrics_render).
 */
#include "http/metrics.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "schoolhub/app.h"
#include "schoolhub/mem.h"
#include "schoolhub/modules.h"
#include "schoolhub/realtime.h"
#include "schoolhub/security.h"

#define MAX_SERIES 512
#define MAX_ROUTES 256 /* (method, route) pairs with a histogram; more routes: overflow */
#define MAX_MODULE_GAUGES 8

static const double bucket_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
				       0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
#define BUCKETS (sizeof(bucket_bounds) / sizeof(bucket_bounds[0]))

struct series {
	const char *method;
	const char *route;
	unsigned status;
	_Atomic uint64_t count;
};

/* Per route: enough buckets to see a p99 move (fast reads vs. slow writes), few enough
 * that a hundred routes stay a few hundred lines. */
static const double route_bounds[] = {0.005, 0.025, 0.1, 0.5, 2.5};
#define ROUTE_BUCKETS (sizeof(route_bounds) / sizeof(route_bounds[0]))

struct route_hist {
	const char *method;
	const char *route;
	_Atomic uint64_t buckets[ROUTE_BUCKETS + 1]; /* per bucket (not cumulative); last = +Inf */
	_Atomic uint64_t sum_ns;
};

struct sh_metrics {
	pthread_mutex_t append_lock; /* only taken to add a new series */
	struct series series[MAX_SERIES];
	_Atomic size_t series_count; /* entries below it are complete and immutable */
	_Atomic uint64_t overflow;   /* observations that found no free series slot */
	_Atomic uint64_t buckets[BUCKETS + 1]; /* per bucket (not cumulative); last = +Inf */
	_Atomic uint64_t latency_count;
	_Atomic uint64_t latency_sum_ns;
	_Atomic long open_connections;
	_Atomic uint64_t header_timeouts; /* connections closed at the header deadline */
	struct route_hist routes[MAX_ROUTES];
	_Atomic size_t route_count; /* like series_count */
};

struct sh_metrics *sh_metrics_create(void)
{
	struct sh_metrics *m = sh_calloc(1, sizeof(*m));
	pthread_mutex_init(&m->append_lock, NULL);
	return m;
}

void sh_metrics_destroy(struct sh_metrics **metrics_r)
{
	if (*metrics_r == NULL)
		return;
	pthread_mutex_destroy(&(*metrics_r)->append_lock);
	sh_free(metrics_r);
}

static bool series_is(const struct series *s, const char *method, const char *route,
		      unsigned status)
{
	return s->status == status && (s->route == route || strcmp(s->route, route) == 0) &&
	       strcmp(s->method, method) == 0;
}

/* Methods outside this list are folded into "OTHER" so a client cannot grow the table. */
static const char *method_label(const char *method)
{
	static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		if (strcmp(known[k], method) == 0)
			return known[k];
	return "OTHER";
}

static bool route_is(const struct route_hist *h, const char *method, const char *route)
{
	return (h->route == route || strcmp(h->route, route) == 0) && strcmp(h->method, method) == 0;
}

/* The histogram of (method, route), appended on first use; NULL when the table is full. */
static struct route_hist *route_hist_of(struct sh_metrics *m, const char *method,
					const char *route)
{
	size_t n = atomic_load_explicit(&m->route_count, memory_order_acquire);
	size_t i;
	for (i = 0; i < n && !route_is(&m->routes[i], method, route); i++)
		;
	if (i < n)
		return &m->routes[i];
	pthread_mutex_lock(&m->append_lock);
	n = atomic_load_explicit(&m->route_count, memory_order_relaxed);
	for (; i < n && !route_is(&m->routes[i], method, route); i++)
		;
	if (i == n && n < MAX_ROUTES) {
		m->routes[n].method = method;
		m->routes[n].route = route;
		atomic_store_explicit(&m->route_count, n + 1, memory_order_release);
	}
	pthread_mutex_unlock(&m->append_lock);
	return i < MAX_ROUTES ? &m->routes[i] : NULL;
}

static void route_observe(struct sh_metrics *m, const char *method, const char *route,
			  double seconds)
{
	struct route_hist *h = route_hist_of(m, method, route);
	if (h == NULL)
		return; /* counted in schoolhub_http_series_overflow_total by the caller's table */
	size_t b = 0;
	while (b < ROUTE_BUCKETS && seconds > route_bounds[b])
		b++;
	atomic_fetch_add_explicit(&h->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_ns, (uint64_t)(seconds * 1e9), memory_order_relaxed);
}

void sh_metrics_observe(struct sh_metrics *m, const char *method, const char *route,
			unsigned status, double seconds)
{
	method = method_label(method);
	size_t n = atomic_load_explicit(&m->series_count, memory_order_acquire);
	size_t i;
	for (i = 0; i < n && !series_is(&m->series[i], method, route, status); i++)
		;
	if (i == n) {
		pthread_mutex_lock(&m->append_lock);
		n = atomic_load_explicit(&m->series_count, memory_order_relaxed);
		for (; i < n && !series_is(&m->series[i], method, route, status); i++)
			;
		if (i == n && n < MAX_SERIES) {
			m->series[n].method = method;
			m->series[n].route = route;
			m->series[n].status = status;
			atomic_store_explicit(&m->series[n].count, 0, memory_order_relaxed);
			atomic_store_explicit(&m->series_count, n + 1, memory_order_release);
		}
		pthread_mutex_unlock(&m->append_lock);
	}
	if (i < MAX_SERIES)
		atomic_fetch_add_explicit(&m->series[i].count, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&m->overflow, 1, memory_order_relaxed);
	size_t b = 0;
	while (b < BUCKETS && seconds > bucket_bounds[b])
		b++;
	atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->latency_count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->latency_sum_ns, (uint64_t)(seconds * 1e9), memory_order_relaxed);
	route_observe(m, method, route, seconds);
}

void sh_metrics_connection_opened(struct sh_metrics *m)
{
	atomic_fetch_add(&m->open_connections, 1);
}

void sh_metrics_connection_closed(struct sh_metrics *m)
{
	atomic_fetch_sub(&m->open_connections, 1);
}

void sh_metrics_header_timeout(struct sh_metrics *m)
{
	atomic_fetch_add_explicit(&m->header_timeouts, 1, memory_order_relaxed);
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

static void render_route_histograms(struct sh_metrics *m, struct buf *b)
{
	buf_printf(b, "# HELP schoolhub_http_route_duration_seconds Time to produce a response, "
		      "by method and route pattern.\n"
		      "# TYPE schoolhub_http_route_duration_seconds histogram\n");
	size_t n = atomic_load_explicit(&m->route_count, memory_order_acquire);
	for (size_t i = 0; i < n; i++) {
		const struct route_hist *h = &m->routes[i];
		uint64_t cumulative = 0;
		for (size_t k = 0; k <= ROUTE_BUCKETS; k++) {
			cumulative += atomic_load(&h->buckets[k]);
			if (k < ROUTE_BUCKETS)
				buf_printf(b,
					   "schoolhub_http_route_duration_seconds_bucket{method=\"%s\","
					   "route=\"%s\",le=\"%g\"} %llu\n",
					   h->method, h->route, route_bounds[k],
					   (unsigned long long)cumulative);
		}
		buf_printf(b,
			   "schoolhub_http_route_duration_seconds_bucket{method=\"%s\",route=\"%s\","
			   "le=\"+Inf\"} %llu\n"
			   "schoolhub_http_route_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n"
			   "schoolhub_http_route_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
			   h->method, h->route, (unsigned long long)cumulative, h->method, h->route,
			   (double)atomic_load(&h->sum_ns) / 1e9, h->method, h->route,
			   (unsigned long long)cumulative);
	}
}

static void gauge(struct buf *b, const char *name, const char *help, const char *labels,
		  double value)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n%s%s %.17g\n", name, help, name, name,
		   labels, value);
}

static void counter(struct buf *b, const char *name, const char *help, const char *labels,
		    uint64_t value)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n%s%s %llu\n", name, help, name, name,
		   labels, (unsigned long long)value);
}

/* The database as this process sees it (store.h, sh_db_stats). */
static void render_database(const struct sh_app *app, struct buf *b)
{
	struct sh_db_stats st;
	sh_db_stats(app->db, &st);
	char labels[48];
	snprintf(labels, sizeof(labels), "{database=\"%s\"}", sh_db_kind_name(app->db));
	gauge(b, "schoolhub_db_connections",
	      "Open database connections of this process (one per thread that used it).", labels,
	      st.connections);
	gauge(b, "schoolhub_db_connections_down",
	      "Database connections lost and waiting to reconnect.", labels, st.connections_down);
	if (sh_db_kind(app->db) != SH_DB_SQLITE)
		return;
	gauge(b, "schoolhub_db_writers_waiting", "Write transactions queued for the SQLite writer.",
	      "", st.writers_waiting);
	counter(b, "schoolhub_db_group_commits_total", "SQLite group commits.", "", st.group_commits);
	counter(b, "schoolhub_db_log_syncs_total", "SQLite WAL syncs (fdatasync).", "", st.log_syncs);
	gauge(b, "schoolhub_sqlite_wal_bytes", "Size of the SQLite write-ahead log file.", "",
	      (double)st.wal_bytes);
	counter(b, "schoolhub_sqlite_checkpoints_total",
		"WAL checkpoints run by the checkpointer thread.", "", st.checkpoints);
	counter(b, "schoolhub_sqlite_checkpoint_restarts_total",
		"Checkpoints that let the WAL start again at its beginning.", "",
		st.checkpoint_restarts);
}

/* The enabled modules' gauges (sh_module.metrics): the job queue, the SEL audit... */
static void render_modules(struct sh_app *app, struct sh_conn *conn, struct buf *b)
{
	if (conn == NULL)
		return;
	for (size_t i = 0; i < sh_module_count; i++) {
		const struct sh_module *mod = sh_modules[i];
		if (mod->metrics == NULL || (app->cfg.modules & (unsigned)mod->id) == 0)
			continue;
		struct sh_module_gauge g[MAX_MODULE_GAUGES];
		size_t n = mod->metrics(app, conn, g, MAX_MODULE_GAUGES);
		for (size_t k = 0; k < n && k < MAX_MODULE_GAUGES; k++)
			gauge(b, g[k].name, g[k].help, "", g[k].value);
	}
}

char *sh_metrics_render(struct sh_metrics *m, struct sh_app *app, struct sh_conn *conn,
			size_t *len_r)
{
	struct buf b = {sh_malloc(8192), 0, 8192};
	buf_printf(&b, "# HELP schoolhub_http_requests_total HTTP requests by method, route and status.\n"
		       "# TYPE schoolhub_http_requests_total counter\n");
	size_t n = atomic_load_explicit(&m->series_count, memory_order_acquire);
	for (size_t i = 0; i < n; i++)
		buf_printf(&b,
			   "schoolhub_http_requests_total{method=\"%s\",route=\"%s\",status=\"%u\"} %llu\n",
			   m->series[i].method, m->series[i].route, m->series[i].status,
			   (unsigned long long)atomic_load(&m->series[i].count));
	buf_printf(&b, "# HELP schoolhub_http_request_duration_seconds Time to produce a response.\n"
		       "# TYPE schoolhub_http_request_duration_seconds histogram\n");
	uint64_t cumulative = 0;
	for (size_t i = 0; i < BUCKETS; i++) {
		cumulative += atomic_load(&m->buckets[i]);
		buf_printf(&b, "schoolhub_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			   bucket_bounds[i], (unsigned long long)cumulative);
	}
	cumulative += atomic_load(&m->buckets[BUCKETS]);
	buf_printf(&b,
		   "schoolhub_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
		   "schoolhub_http_request_duration_seconds_sum %.6f\n"
		   "schoolhub_http_request_duration_seconds_count %llu\n",
		   (unsigned long long)cumulative, (double)atomic_load(&m->latency_sum_ns) / 1e9,
		   (unsigned long long)cumulative);
	uint64_t overflow = atomic_load(&m->overflow);

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
		   "# HELP schoolhub_http_header_timeouts_total Connections closed because their "
		   "header block was not complete within SCHOOLHUB_HEADER_TIMEOUT_S.\n"
		   "# TYPE schoolhub_http_header_timeouts_total counter\n"
		   "schoolhub_http_header_timeouts_total %llu\n"
		   "# HELP schoolhub_uptime_seconds Seconds since the process started.\n"
		   "# TYPE schoolhub_uptime_seconds gauge\n"
		   "schoolhub_uptime_seconds %lld\n"
		   "# HELP schoolhub_password_verifications_total argon2id password checks run.\n"
		   "# TYPE schoolhub_password_verifications_total counter\n"
		   "schoolhub_password_verifications_total %llu\n",
		   (unsigned long long)overflow, sh_db_kind_name(app->db),
		   (unsigned long long)sh_db_error_count(app->db), atomic_load(&m->open_connections),
		   (unsigned long long)atomic_load(&m->header_timeouts),
		   (long long)(time(NULL) - app->started_at),
		   (unsigned long long)sh_password_verification_count());
	render_route_histograms(m, &b);
	render_database(app, &b);
	gauge(&b, "schoolhub_realtime_sockets", "Open WebSocket connections of this instance.", "",
	      (double)sh_realtime_open_sockets(app));
	render_modules(app, conn, &b);
	*len_r = b.len;
	return b.data;
}
