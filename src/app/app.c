/* Application lifetime: global library setup, database, migrations, router, metrics. */
#include "schoolhub/app.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http/metrics.h"
#include "http/router.h"
#include "http/static_files.h"
#include "schoolhub/events.h"
#include "schoolhub/log.h"
#include "schoolhub/mem.h"
#include "schoolhub/migrate.h"
#include "schoolhub/modules.h"
#include "schoolhub/realtime.h"

int sh_global_init(void)
{
	if (sodium_init() < 0)
		return -1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	if (sh_store_global_init() != 0)
		return -1;
	return 0;
}

int sh_app_create(struct sh_config *cfg, bool migrate, struct sh_app **app_r, char **error_r)
{
	struct sh_app *app = sh_calloc(1, sizeof(*app));
	app->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	app->started_at = time(NULL);
	unsigned slots = app->cfg.argon2_max_concurrent ? app->cfg.argon2_max_concurrent : 1;
	if (sem_init(&app->hash_slots, 0, slots) != 0) {
		*error_r = sh_strdup("cannot create the password hashing semaphore");
		sh_config_free(&app->cfg);
		sh_free(&app);
		return -1;
	}
	if (sh_db_open(app->cfg.database_url, &app->db, error_r) != 0)
		goto fail;
	sh_db_set_durable_commits(app->db, app->cfg.sqlite_full_sync);
	if (migrate) {
		struct sh_conn *conn = sh_db_connect(app->db, error_r);
		if (conn == NULL)
			goto fail;
		int applied = sh_migrate(conn, error_r);
		sh_conn_close(&conn);
		if (applied < 0)
			goto fail;
		if (applied > 0)
			sh_log_info("applied %d migration(s)", applied);
	}
	/* After the migrations, which may rightly take longer than a request's statement. */
	sh_db_set_pg_timeouts(app->db, app->cfg.pg_statement_timeout_ms, app->cfg.pg_lock_timeout_ms);
	app->router = sh_router_create(app->cfg.modules);
	app->switches = sh_module_switches_create();
	app->metrics = sh_metrics_create();
	app->events = sh_event_bell_new();
	if (app->events == NULL) {
		*error_r = sh_strdup("cannot create the event bell");
		goto fail;
	}
	sh_static_init();
	if (sh_modules_init(app, sh_modules, sh_module_count, app->cfg.modules, error_r) != 0)
		goto fail;
	app->started_modules = app->cfg.modules;
	*app_r = app;
	return 0;
fail:
	sh_app_destroy(&app);
	return -1;
}

void sh_app_destroy(struct sh_app **app_r)
{
	struct sh_app *app = *app_r;
	if (app == NULL)
		return;
	sh_modules_stop(app, sh_modules, sh_module_count, app->started_modules);
	sh_realtime_stop(app); /* after the job workers, which may still ring it */
	sh_router_destroy(&app->router);
	sh_module_switches_destroy(&app->switches);
	sh_metrics_destroy(&app->metrics);
	sh_event_bell_free(&app->events);
	sh_db_close(&app->db);
	sem_destroy(&app->hash_slots);
	sh_config_free(&app->cfg);
	sh_free(app_r);
}
