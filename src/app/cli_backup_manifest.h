/* The backup manifest's files and the restore's check against it (cli_backup_manifest.c). */
#ifndef SCHOOLHUB_APP_CLI_BACKUP_MANIFEST_H
#define SCHOOLHUB_APP_CLI_BACKUP_MANIFEST_H

#include <jansson.h>
#include <stdbool.h>

#include "schoolhub/store.h"

/* The manifest of the SQLite backup copy at "path" (read, then sealed back into one
 * self-contained file). 0, or -1 with "*error_r". */
int sh_cli_manifest_of_sqlite_file(const char *path, json_t **manifest_r, char **error_r);

/* DIR/NAME.manifest.json, 0600, written under a temporary name, fsync'ed and renamed.
 * 0, or -1 (errno set: ENAMETOOLONG for a path too long, ENOMEM when it cannot be
 * serialised, else the failing call's). */
int sh_cli_manifest_write(const char *dir, const char *name, json_t *manifest);

/* FILE.manifest.json, checked for the form `schoolhub backup` writes and for the target's
 * backend ("pg": PostgreSQL), or NULL after printing why the restore is refused. */
json_t *sh_cli_manifest_read(const char *file, bool pg);

/* The restored database "db" against "manifest", in one read snapshot: 0 the same, 1
 * different ("*why_r" names the table), -1 an error ("*why_r"). */
int sh_cli_manifest_verify(struct sh_db *db, json_t *manifest, char **why_r);

/* Undoes a restore into what was an empty database: PostgreSQL, every object of the
 * schema dropped; SQLite, "*db_r" closed and the restored file removed. 0, or -1. */
int sh_cli_restore_undo(struct sh_db **db_r, char **error_r);

#endif
