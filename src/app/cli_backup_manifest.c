/*
 * The manifest beside a backup (schoolhub/backup.h): written by `schoolhub backup` from
 * the snapshot the backup holds, read by `schoolhub restore`, which compares the restored
 * tables with it before migrating and undoes the restore when anything differs.
 */
#include "app/cli_backup_manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schoolhub/backup.h"
#include "schoolhub/mem.h"

static char *message(const char *what, const char *detail)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
	return sh_strdup(buf);
}

int sh_cli_manifest_of_sqlite_file(const char *path, json_t **manifest_r, char **error_r)
{
	char url[4200];
	struct sh_db *db = NULL;
	struct sh_conn *conn = NULL;
	*manifest_r = NULL;
	if ((size_t)snprintf(url, sizeof(url), "sqlite:///%s", path) >= sizeof(url)) {
		*error_r = sh_strdup("the backup's path is too long");
		return -1;
	}
	/* The backup copy, not the live file: the manifest describes exactly the snapshot the
	 * online backup took, whatever the service wrote since. */
	if (sh_db_open(url, &db, error_r) == 0 && (conn = sh_db_connect(db, error_r)) != NULL) {
		if (sh_conn_begin(conn, SH_TX_READ) != SH_DB_OK)
			*error_r = message("reading the backup copy", sh_conn_last_error(conn));
		else
			*manifest_r = sh_backup_manifest_of(conn, error_r);
		sh_conn_rollback(conn);
	}
	sh_conn_close(&conn);
	sh_db_close(&db);
	if (*manifest_r == NULL)
		return -1;
	if (sh_backup_sqlite_seal(path, error_r) != 0) {
		json_decref(*manifest_r);
		*manifest_r = NULL;
		return -1;
	}
	return 0;
}

int sh_cli_manifest_write(const char *dir, const char *name, json_t *manifest)
{
	char tmp[4096], path[4096];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.manifest.json.partial", dir, name) >=
		    sizeof(tmp) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s.manifest.json", dir, name) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	char *text = json_dumps(manifest, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (text == NULL) {
		errno = ENOMEM; /* jansson fails only for want of memory on a manifest it built */
		return -1;
	}
	remove(tmp);
	errno = 0;
	int fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	size_t len = strlen(text);
	bool written = fd >= 0 && write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1 &&
		       fsync(fd) == 0;
	int saved = errno != 0 ? errno : EIO; /* a short write sets no errno */
	free(text);
	if (fd >= 0 && close(fd) != 0)
		written = false;
	if (!written || rename(tmp, path) != 0) {
		if (written)
			saved = errno;
		remove(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}

/* A lowercase hex string of 64 digits (a BLAKE2b-256). */
static bool is_hex64(const char *s)
{
	if (s == NULL || strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* NULL when "m" has the form `schoolhub backup` writes, else what is wrong with it. */
static const char *manifest_form_error(json_t *m)
{
	json_t *tables = json_object_get(m, "tables"), *migrations = json_object_get(m, "migrations");
	const char *backend = json_string_value(json_object_get(m, "backend"));
	if (!json_is_object(m))
		return "not a JSON object";
	if (!json_is_integer(json_object_get(m, "format")) ||
	    json_integer_value(json_object_get(m, "format")) != SH_BACKUP_MANIFEST_FORMAT)
		return "no format 1";
	if (backend == NULL || (strcmp(backend, "postgres") != 0 && strcmp(backend, "sqlite") != 0))
		return "no backend";
	if (!json_is_string(json_object_get(m, "schema_version")) || !json_is_array(migrations))
		return "no schema version";
	size_t i;
	json_t *v;
	json_array_foreach(migrations, i, v)
	{
		if (!json_is_string(v))
			return "a migration that is not a name";
	}
	if (!json_is_object(tables) || json_object_size(tables) == 0)
		return "no tables";
	const char *name;
	json_object_foreach(tables, name, v)
	{
		json_t *rows = json_object_get(v, "rows");
		if (!json_is_integer(rows) || json_integer_value(rows) < 0 ||
		    !is_hex64(json_string_value(json_object_get(v, "blake2b"))))
			return "a table without its row count and 64-digit checksum";
	}
	return NULL;
}

json_t *sh_cli_manifest_read(const char *file, bool pg)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s.manifest.json", file) >= sizeof(path)) {
		fprintf(stderr, "schoolhub: restore refused: the backup's path is too long\n");
		return NULL;
	}
	json_error_t err;
	json_t *manifest = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	if (manifest == NULL) {
		fprintf(stderr,
			"schoolhub: restore refused: no readable manifest %s (%s); a backup "
			"made before manifests existed restores with `schoolhub restore --no-manifest "
			"FILE`, without the check of every table\n",
			path, err.text);
		return NULL;
	}
	/* Its form before anything is restored: a manifest that cannot be compared is a refusal
	 * (3, nothing written), not a restore undone for "not matching" (4). */
	const char *wrong = manifest_form_error(manifest);
	const char *backend = json_string_value(json_object_get(manifest, "backend"));
	if (wrong != NULL)
		fprintf(stderr, "schoolhub: restore refused: %s is not a manifest of format %d (%s)\n",
			path, SH_BACKUP_MANIFEST_FORMAT, wrong);
	else if (strcmp(backend, pg ? "postgres" : "sqlite") != 0)
		fprintf(stderr, "schoolhub: restore refused: %s was taken from a %s database, the "
			"target is %s\n", path, backend, pg ? "postgres" : "sqlite");
	else
		return manifest;
	json_decref(manifest);
	return NULL;
}

int sh_cli_manifest_verify(struct sh_db *db, json_t *manifest, char **why_r)
{
	struct sh_conn *conn = sh_db_connect(db, why_r);
	if (conn == NULL)
		return -1;
	int ret = -1;
	if (sh_conn_begin(conn, SH_TX_READ) != SH_DB_OK)
		*why_r = message("reading the restored database", sh_conn_last_error(conn));
	else
		ret = sh_backup_manifest_check(conn, manifest, why_r);
	sh_conn_rollback(conn);
	sh_conn_close(&conn);
	return ret;
}

/*
 * Everything pg_restore created in the schema, dropped in one transaction: pg_restore
 * --single-transaction has committed by the time the tables can be compared, and the
 * schema held nothing but extensions' objects before (restore_into checked), so whatever
 * else is in it now came from the backup. Tables first (their indexes, triggers, owned
 * sequences, row types and the views on them go with them), then what is left: views,
 * sequences, routines, types. Each name is read as text when the loop's query runs (an
 * object a CASCADE dropped since has no name left to format: it is skipped), and an
 * extension's own objects (pg_depend 'e') are left to the extension, which alone may drop
 * them.
 */
#define UNDO_NOT_EXT(catalog, oid)                                                         \
	"AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '" catalog "'::regclass " \
	"AND d.objid = " oid " AND d.deptype = 'e') "
static const char undo_pg_sql[] =
	"DO $$ DECLARE r record; BEGIN "
	"FOR r IN SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS obj, "
	"  c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
	"  WHERE n.oid = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
	UNDO_NOT_EXT("pg_class", "c.oid") "ORDER BY c.relkind IN ('v', 'm') LOOP "
	"  CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = r.oid); "
	"  IF r.relkind IN ('v', 'm') THEN EXECUTE format('DROP %s IF EXISTS %s CASCADE', "
	"    CASE r.relkind WHEN 'v' THEN 'VIEW' ELSE 'MATERIALIZED VIEW' END, r.obj); "
	"  ELSIF r.relkind = 'f' THEN EXECUTE format('DROP FOREIGN TABLE IF EXISTS %s CASCADE', r.obj); "
	"  ELSE EXECUTE format('DROP TABLE IF EXISTS %s CASCADE', r.obj); END IF; END LOOP; "
	"FOR r IN SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS obj "
	"  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
	"  WHERE n.oid = current_schema()::regnamespace AND c.relkind = 'S' "
	UNDO_NOT_EXT("pg_class", "c.oid") "LOOP "
	"  CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = r.oid); "
	"  EXECUTE format('DROP SEQUENCE IF EXISTS %s CASCADE', r.obj); END LOOP; "
	"FOR r IN SELECT p.oid, quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || "
	"  pg_get_function_identity_arguments(p.oid) || ')' AS obj "
	"  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
	"  WHERE n.oid = current_schema()::regnamespace " UNDO_NOT_EXT("pg_proc", "p.oid") "LOOP "
	"  CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_proc WHERE oid = r.oid); "
	"  EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', r.obj); END LOOP; "
	"FOR r IN SELECT t.oid, quote_ident(n.nspname) || '.' || quote_ident(t.typname) AS obj "
	"  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
	"  WHERE n.oid = current_schema()::regnamespace AND t.typtype IN ('e', 'd', 'c', 'r') "
	"  AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c') "
	UNDO_NOT_EXT("pg_type", "t.oid") "LOOP "
	"  CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_type WHERE oid = r.oid); "
	"  EXECUTE format('DROP TYPE IF EXISTS %s CASCADE', r.obj); END LOOP; "
	"END $$";

int sh_cli_restore_undo(struct sh_db **db_r, char **error_r)
{
	struct sh_db *db = *db_r;
	if (sh_db_kind(db) == SH_DB_POSTGRES) {
		struct sh_conn *conn = sh_db_connect(db, error_r);
		if (conn == NULL)
			return -1;
		int ret = 0;
		if (sh_conn_begin(conn, SH_TX_WRITE) != SH_DB_OK ||
		    sh_conn_exec_script(conn, undo_pg_sql) != SH_DB_OK ||
		    sh_conn_commit(conn) != SH_DB_OK) {
			*error_r =
				message("dropping the restored tables", sh_conn_last_error(conn));
			sh_conn_rollback(conn);
			ret = -1;
		}
		sh_conn_close(&conn);
		return ret;
	}
	/* SQLite: the restored file goes, with its WAL (closed first: no connection keeps it). */
	char *path = sh_strdup(sh_backup_sqlite_path(db));
	sh_db_close(db_r);
	int ret = 0;
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		char file[4200];
		snprintf(file, sizeof(file), "%s%s", path, suffixes[i]);
		if (remove(file) != 0 && errno != ENOENT) {
			*error_r = message("removing the restored file", strerror(errno));
			ret = -1;
		}
	}
	free(path);
	return ret;
}
