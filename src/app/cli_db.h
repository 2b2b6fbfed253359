/*
 * How every command of the CLI opens the application and the database (cli_db.c): the
 * configuration, the log level, the app (migrations applied) and, for commands that read
 * or write, one connection. Errors are one line on stderr, as every command prints them.
 */
#ifndef SCHOOLHUB_APP_CLI_DB_H
#define SCHOOLHUB_APP_CLI_DB_H

#include <stdbool.h>

#include "schoolhub/app.h"

struct sh_cli_db {
	struct sh_app *app;
	struct sh_conn *conn;
};

/* Prints "schoolhub: WHAT[: ERROR]" on stderr, frees "error"; returns 1 (the exit status). */
int sh_cli_fail(const char *what, char *error);

/* The app from a loaded "cfg" (which it takes over), migrations applied. 0 or 1 (printed). */
int sh_cli_app_from(struct sh_config *cfg, struct sh_app **app_r);

/* Loads the configuration ("need_secret" for commands that sign tokens, hash passwords or
 * send e-mails whose links derive from the key), then the app. 0 or 1 (printed). */
int sh_cli_app_open(bool need_secret, struct sh_app **app_r);

/* The app and one connection. 0, or 1 with nothing left open (printed). */
int sh_cli_db_open(bool need_secret, struct sh_cli_db *db);
void sh_cli_db_close(struct sh_cli_db *db);

#endif
