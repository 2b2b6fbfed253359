/*
 * `schoolhub purge [--dry-run]`: the retention purge from the command line, the same
 * function as the daily job (src/modules/admin/retention.h), for an operator who wants it
 * now or to see first what it would erase. Safe beside serving instances: each kind is its
 * own write transaction, and a second run finds nothing left.
 */
#include "app/cli_purge.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/admin/retention.h"
#include "schoolhub/app.h"
#include "schoolhub/log.h"

static int purge(struct sh_conn *conn, long days, bool dry_run)
{
	struct sh_purge_counts counts;
	enum sh_db_rc rc = sh_retention_purge(conn, days, time(NULL), dry_run, &counts);
	printf("%s (retention %ld days):\n", dry_run ? "would purge" : "purged", days);
	for (int k = 0; k < SH_PURGE_KIND_COUNT; k++)
		printf("  %-15s %" PRId64 "\n", sh_purge_kind_name((enum sh_purge_kind)k),
		       counts.n[k]);
	if (rc != SH_DB_OK) {
		fprintf(stderr, "schoolhub: database error %d during the purge (the kinds above "
				"are done)\n", (int)rc);
		return 1;
	}
	return 0;
}

int sh_cli_purge(int argc, char **argv)
{
	bool dry_run = argc == 3 && strcmp(argv[2], "--dry-run") == 0;
	if (argc > 3 || (argc == 3 && !dry_run)) {
		fputs("usage: schoolhub purge [--dry-run]\n", stderr);
		return 2;
	}
	struct sh_config cfg;
	char *error = NULL;
	if (sh_config_load(&cfg, false, &error) != 0) {
		fprintf(stderr, "schoolhub: configuration: %s\n", error);
		free(error);
		return 1;
	}
	sh_log_set_level(cfg.log_level);
	/* The admin module owns the setting; with it off, the setting is still checked. */
	void *own = NULL;
	const struct sh_retention_settings *settings = sh_module_settings(&cfg, SH_MODULE_ADMIN);
	if (settings == NULL && sh_retention_settings_load(&own, &error) != 0) {
		fprintf(stderr, "schoolhub: configuration: %s\n", error);
		free(error);
		sh_config_free(&cfg);
		return 1;
	}
	long days = settings != NULL ? settings->days
				     : ((const struct sh_retention_settings *)own)->days;
	free(own);
	struct sh_app *app = NULL;
	if (sh_app_create(&cfg, true, &app, &error) != 0) {
		fprintf(stderr, "schoolhub: startup: %s\n", error);
		free(error);
		return 1;
	}
	struct sh_conn *conn = sh_db_connect(app->db, &error);
	int rc = 1;
	if (conn == NULL) {
		fprintf(stderr, "schoolhub: database: %s\n", error ? error : "");
		free(error);
	} else {
		rc = purge(conn, days, dry_run);
	}
	sh_conn_close(&conn);
	sh_app_destroy(&app);
	return rc;
}
