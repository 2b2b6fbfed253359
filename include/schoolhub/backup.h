/*
 * `schoolhub backup`: a consistent copy of the database in a directory, a checksum file
 * beside it, and the old copies rotated (src/store/db_backup.c, src/app/cli_backup.c).
 *
 * Names: schoolhub-YYYYMMDDTHHMMSSZ.db (SQLite, the online backup API: a consistent copy
 * while the service runs) or .dump (PostgreSQL, pg_dump -Fc), each with a ".sha256" file
 * in sha256sum's format ("<hex>  <name>"), so `sha256sum -c` checks it too.
 */
#ifndef SCHOOLHUB_BACKUP_H
#define SCHOOLHUB_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "schoolhub/store.h"

/* Copies the SQLite database of "db" into "dest" with SQLite's online backup API (readers
 * and writers go on meanwhile); "dest" is a new EMPTY file the caller created with the mode
 * it wants (0600, O_EXCL). 0, or -1 with "*error_r" (malloc'ed). */
int sh_backup_sqlite(struct sh_db *db, const char *dest, char **error_r);

/* The same from the SQLite file "from" into "dest": a new empty file the caller created
 * ("create"), or an existing database whose content it replaces (a restore). */
int sh_backup_sqlite_file(const char *from, const char *dest, bool create, char **error_r);
/* Back to one self-contained file (journal_mode DELETE, no -wal beside it) after the
 * backup copy was opened by the store (which puts it in WAL) to read its manifest. */
int sh_backup_sqlite_seal(const char *path, char **error_r);
/* The file of a SQLite "db"; NULL for PostgreSQL. */
const char *sh_backup_sqlite_path(struct sh_db *db);

/* The SHA-256 of a file's bytes in lower-case hex. 0, or -1 (errno set). */
int sh_backup_sha256(const char *path, char hex_r[65]);

/* Rotation: of "count" backup times (any order), which to keep: the newest of each day
 * of the last 7 days and of each week (Monday to Sunday) of the last 4 weeks, counted back
 * from the newest backup (UTC); older ones go. "keep_r[i]" says it for "times[i]". */
#define SH_BACKUP_KEEP_DAILY 7
#define SH_BACKUP_KEEP_WEEKLY 4
void sh_backup_rotation(const time_t *times, size_t count, bool *keep_r);

/* "schoolhub-YYYYMMDDTHHMMSSZ.<ext>": its time, or -1 when "name" is not one of ours. */
time_t sh_backup_name_time(const char *name);

/*
 * The manifest beside a backup (NAME.manifest.json, src/store/db_manifest.c): what
 * `schoolhub restore` checks the restored data against before it migrates anything.
 *   {"format": 1, "backend": "sqlite"|"postgres", "schema_version": "<last migration>",
 *    "migrations": ["0001_...", ...],
 *    "tables": {"<table>": {"rows": N, "blake2b": "<hex of the rows' canonical text>"}}}
 * Counts and checksums only (db copy's fingerprint, docs/OPERATIONS.md): no value of any
 * row, so it stays readable beside an age-encrypted backup without leaking personal data.
 */
#define SH_BACKUP_MANIFEST_FORMAT 1

/* The manifest of the database "conn" reads, in the caller's transaction (one snapshot).
 * A new object, or NULL with "*error_r". */
json_t *sh_backup_manifest_of(struct sh_conn *conn, char **error_r);

/* Compares "conn"'s database with "manifest": 0 the same; 1 different, "*why_r" naming
 * the first table (or the schema version) that differs; -1 the database cannot be read
 * ("*why_r" says why). */
int sh_backup_manifest_check(struct sh_conn *conn, json_t *manifest, char **why_r);

#endif
