/*
 * Modules switched on and off at runtime (GET/PUT /api/v1/admin/modules, migration 0017).
 *
 * The switches live in the database (module_switches), so every instance on it obeys the
 * same ones. Each instance keeps the mask it read for at most SH_MODULE_SWITCH_TTL_MS: a
 * request that finds it older reads the table again (one small query a second at most,
 * whatever the traffic), so two instances disagree for a second at most after a change;
 * the instance that made the change forgets its copy at once. When the database cannot
 * be read the last mask stays in force (and the next request tries again).
 */
#include "schoolhub/modules.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "schoolhub/app.h"
#include "schoolhub/mem.h"

struct sh_module_switches {
	pthread_mutex_t lock;
	unsigned off;      /* modules switched off, among SCHOOLHUB_MODULES */
	int64_t read_at_ms; /* monotonic time of the last read; 0: never / forgotten */
};

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct sh_module_switches *sh_module_switches_create(void)
{
	struct sh_module_switches *s = sh_calloc(1, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	return s;
}

void sh_module_switches_destroy(struct sh_module_switches **s_r)
{
	if (*s_r == NULL)
		return;
	pthread_mutex_destroy(&(*s_r)->lock);
	sh_free(s_r);
}

bool sh_module_switchable(const struct sh_module *m)
{
	/* Accounts, the job queue and the admins' own routes are the platform, not features:
	 * switching them off would lock the admins out or strand queued work. */
	return m->id != SH_MODULE_AUTH && m->id != SH_MODULE_USERS && m->id != SH_MODULE_JOBS &&
	       m->id != SH_MODULE_ADMIN;
}

const struct sh_module *sh_module_by_name(const char *name)
{
	for (size_t i = 0; i < sh_module_count; i++)
		if (strcmp(sh_modules[i]->name, name) == 0)
			return sh_modules[i];
	return NULL;
}

enum sh_db_rc sh_module_switches_read(struct sh_conn *conn, unsigned *off_r)
{
	struct sh_stmt *st = sh_query(conn, "SELECT name, enabled FROM module_switches", SH_ARGS());
	enum sh_db_rc rc;
	unsigned off = 0;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		const struct sh_module *m = sh_module_by_name(sh_stmt_col_text(st, 0));
		if (m != NULL && sh_module_switchable(m) && !sh_stmt_col_bool(st, 1))
			off |= m->id;
	}
	sh_stmt_free(&st);
	if (rc == SH_DB_OK)
		*off_r = off;
	return rc;
}

unsigned sh_modules_on(struct sh_app *app)
{
	struct sh_module_switches *s = app->switches;
	int64_t now = monotonic_ms();
	pthread_mutex_lock(&s->lock);
	bool fresh = s->read_at_ms != 0 && now - s->read_at_ms < SH_MODULE_SWITCH_TTL_MS;
	unsigned off = s->off;
	pthread_mutex_unlock(&s->lock);
	if (!fresh) {
		/* Read outside the lock: two threads may both read, which is harmless. */
		struct sh_conn *conn = sh_db_thread_conn(app->db);
		if (conn != NULL && !sh_conn_in_tx(conn) && sh_module_switches_read(conn, &off) == SH_DB_OK) {
			pthread_mutex_lock(&s->lock);
			s->off = off;
			s->read_at_ms = now;
			pthread_mutex_unlock(&s->lock);
		}
	}
	return app->cfg.modules & ~off;
}

void sh_module_switches_forget(struct sh_app *app)
{
	pthread_mutex_lock(&app->switches->lock);
	app->switches->read_at_ms = 0;
	pthread_mutex_unlock(&app->switches->lock);
}

const struct sh_module *sh_module_of_route(const struct sh_route *route)
{
	for (size_t i = 0; i < sh_module_count; i++) {
		const struct sh_module *m = sh_modules[i];
		if (route >= m->routes && route < m->routes + m->route_count)
			return m;
	}
	return NULL;
}
