/* The CLI's one way to open the app and a database connection (cli_db.h). */
#include "app/cli_db.h"

#include <stdio.h>
#include <stdlib.h>

#include "schoolhub/log.h"

int sh_cli_fail(const char *what, char *error)
{
	fprintf(stderr, "schoolhub: %s%s%s\n", what, error ? ": " : "", error ? error : "");
	free(error);
	return 1;
}

int sh_cli_app_from(struct sh_config *cfg, struct sh_app **app_r)
{
	char *error = NULL;
	sh_log_set_level(cfg->log_level);
	if (sh_app_create(cfg, true, app_r, &error) != 0)
		return sh_cli_fail("startup", error);
	return 0;
}

int sh_cli_app_open(bool need_secret, struct sh_app **app_r)
{
	struct sh_config cfg;
	char *error = NULL;
	if (sh_config_load(&cfg, need_secret, &error) != 0)
		return sh_cli_fail("configuration", error);
	return sh_cli_app_from(&cfg, app_r);
}

int sh_cli_db_open(bool need_secret, struct sh_cli_db *db)
{
	*db = (struct sh_cli_db){0};
	if (sh_cli_app_open(need_secret, &db->app) != 0)
		return 1;
	char *error = NULL;
	db->conn = sh_db_connect(db->app->db, &error);
	if (db->conn == NULL) {
		sh_app_destroy(&db->app);
		return sh_cli_fail("database", error);
	}
	return 0;
}

void sh_cli_db_close(struct sh_cli_db *db)
{
	sh_conn_close(&db->conn);
	sh_app_destroy(&db->app);
}
