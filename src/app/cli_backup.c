/*
 * `schoolhub backup [--to DIR]` and `schoolhub restore FILE` (schoolhub/backup.h).
 *
 * backup: SQLite with the online backup API (safe while the service runs), PostgreSQL with
 * `pg_dump -Fc`; the file is created 0600 (umask 077, O_EXCL) under a temporary name, in a
 * directory only we can enter, fsync'ed and renamed once complete, its manifest (every
 * table's row count and checksum, of the backup's own snapshot) and its SHA-256 written
 * beside it, then old backups rotated (7 daily, 4 weekly).
 * restore: the checksum and the manifest's form first, then into a database that holds
 * nothing yet but extensions (never over a school), then the same checks as `db copy`: every table's row count
 * and content checksum against the manifest (before migrating; a difference undoes the
 * restore), this binary's migration version, the audit chain, the SEL audit.
 */
#include "app/cli_backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/cli_backup_manifest.h"
#include "app/cli_db_copy.h"
#include "app/cli_pg_tool.h"
#include "schoolhub/backup.h"
#include "schoolhub/config.h"
#include "schoolhub/log.h"
#include "schoolhub/mem.h"
#include "schoolhub/migrate.h"

static int fail(const char *what, char *error)
{
	fprintf(stderr, "schoolhub: %s%s%s\n", what, error ? ": " : "", error ? error : "");
	free(error);
	return 1;
}

/* A path from "fmt"; false when it does not fit (never a cut path). */
__attribute__((format(printf, 3, 4))) static bool path_of(char *out, size_t cap, const char *fmt,
							   ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < cap;
}

/* DIR/NAME.sha256, the SHA-256 of "file" (the backup still under its temporary name) in
 * sha256sum's format naming NAME, flushed to disk. 0, or -1 (errno set when known). */
static int write_checksum(const char *dir, const char *name, const char *file)
{
	char path[4096], hex[65];
	errno = 0;
	if (sh_backup_sha256(file, hex) != 0 || !path_of(path, sizeof(path), "%s/%s.sha256", dir, name))
		return -1;
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -1;
	bool ok = fprintf(f, "%s  %s\n", hex, name) > 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
	int saved = errno;
	if (fclose(f) != 0)
		ok = false;
	else
		errno = saved;
	return ok ? 0 : -1;
}

/* Deletes the backups (and their checksums) in "dir" that the rotation does not keep. */
static int rotate(const char *dir, int *removed_r)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return -1;
	char **names = NULL;
	time_t *times = NULL;
	size_t count = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		time_t t = sh_backup_name_time(e->d_name);
		if (t < 0)
			continue;
		names = sh_realloc(names, (count + 1) * sizeof(*names));
		times = sh_realloc(times, (count + 1) * sizeof(*times));
		names[count] = sh_strdup(e->d_name);
		times[count++] = t;
	}
	closedir(d);
	bool *keep = sh_calloc(count ? count : 1, sizeof(*keep));
	sh_backup_rotation(times, count, keep);
	int ret = 0;
	*removed_r = 0;
	for (size_t i = 0; i < count; i++) {
		char path[4096];
		if (!keep[i]) {
			if (!path_of(path, sizeof(path), "%s/%s", dir, names[i]) || remove(path) != 0)
				ret = -1;
			if (path_of(path, sizeof(path), "%s/%s.sha256", dir, names[i]))
				remove(path);
			if (path_of(path, sizeof(path), "%s/%s.manifest.json", dir, names[i]))
				remove(path);
			(*removed_r)++;
		}
		free(names[i]);
	}
	free(names);
	free(times);
	free(keep);
	return ret;
}

/*
 * Removes the temporary files ("." NAME ".partial", "." NAME ".manifest.json.partial") a
 * backup cut short left in "dir" (SIGKILL, a power cut), once they are an hour old: one
 * running now (scripts/backup.sh holds the directory's lock; `schoolhub backup` run by
 * hand besides it is younger than that) keeps its own.
 */
static void remove_stale_partials(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	time_t now = time(NULL);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		char path[4096];
		struct stat st;
		if (strncmp(e->d_name, ".schoolhub-", 11) != 0 || len < 19 ||
		    strcmp(e->d_name + len - 8, ".partial") != 0 ||
		    !path_of(path, sizeof(path), "%s/%s", dir, e->d_name) ||
		    lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || now - st.st_mtime < 3600)
			continue;
		if (remove(path) == 0)
			fprintf(stderr, "schoolhub: removed %s, left by a backup cut short\n", path);
	}
	closedir(d);
}

/* Flushes "path" (a file or a directory) to disk: 0, or -1 (errno set). */
static int sync_path(const char *path, bool dir)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* The temporary file, created empty by us alone with mode 0600 (never wider, not even for
 * a moment): SQLite and pg_dump then write into it. */
static int create_private(const char *path)
{
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	return close(fd);
}

/* The backup directory must be ours alone: a backup holds every secret of the database. */
static int check_private_dir(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) != 0)
		return fail("reading the backup directory", sh_strdup(strerror(errno)));
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "schoolhub: backup refused: %s is not a directory\n", dir);
		return 1;
	}
	if ((st.st_mode & 077) != 0) {
		fprintf(stderr, "schoolhub: backup refused: %s is open to group or others (mode %03o); "
			"chmod 700 it first\n", dir, (unsigned)(st.st_mode & 0777));
		return 1;
	}
	return 0;
}

/*
 * pg_dump into "tmp" and the manifest of the same snapshot. A REPEATABLE READ transaction
 * exports its snapshot (pg_export_snapshot(), its first statement, fixes it) and stays open
 * while pg_dump --snapshot=ID dumps exactly that snapshot; the manifest is then read in the
 * same transaction, so the counts and checksums describe the rows the dump holds, whatever
 * the service commits meanwhile. (Fingerprinting the live database after pg_dump returns
 * would race with every write; restoring the dump elsewhere to fingerprint it would double
 * the work and the disk.)
 */
static int pg_dump_with_manifest(struct sh_db *db, const char *url, const char *tmp,
				 json_t **manifest_r)
{
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(db, &error);
	if (conn == NULL)
		return fail("database", error);
	struct sh_stmt *st = NULL;
	char *snapshot = NULL;
	if (sh_conn_begin(conn, SH_TX_READ) == SH_DB_OK &&
	    (st = sh_query(conn, "SELECT pg_export_snapshot()", SH_ARGS())) != NULL &&
	    sh_stmt_step(st) == SH_DB_ROW && sh_stmt_col_text(st, 0) != NULL)
		snapshot = sh_strdup(sh_stmt_col_text(st, 0));
	sh_stmt_free(&st);
	int ret = 1;
	if (snapshot == NULL) {
		ret = fail("exporting a snapshot for pg_dump", sh_strdup(sh_conn_last_error(conn)));
	} else {
		/* The password in pg_dump's environment, not on its command line (ps). */
		struct sh_pg_tool tool;
		char snap_arg[160], *tmp_arg = sh_strdup(tmp);
		snprintf(snap_arg, sizeof(snap_arg), "--snapshot=%s", snapshot);
		if (sh_pg_tool_prepare(url, &tool, &error) != 0) {
			ret = fail("database", error);
		} else {
			char *argv[] = {"pg_dump", "--format=custom", snap_arg, "--file", tmp_arg,
					"--dbname", tool.conninfo, NULL};
			if (sh_cli_run_tool(argv, tool.envp) == 0) {
				*manifest_r = sh_backup_manifest_of(conn, &error);
				ret = *manifest_r != NULL ? 0 : fail("reading the manifest", error);
			}
			sh_pg_tool_free(&tool);
		}
		free(tmp_arg);
	}
	free(snapshot);
	sh_conn_rollback(conn);
	sh_conn_close(&conn);
	return ret;
}

static int backup_into(struct sh_db *db, const char *url, const char *dir)
{
	char stamp[32], name[64], tmp[4096], path[4096];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	bool sqlite = sh_db_kind(db) == SH_DB_SQLITE;
	snprintf(name, sizeof(name), "schoolhub-%s.%s", stamp, sqlite ? "db" : "dump");
	if (!path_of(tmp, sizeof(tmp), "%s/.%s.partial", dir, name) ||
	    !path_of(path, sizeof(path), "%s/%s", dir, name))
		return fail("the backup directory's path is too long", NULL);
	if (access(path, F_OK) == 0)
		return fail("a backup of this second exists already", sh_strdup(path));
	char *error = NULL;
	remove_stale_partials(dir);
	remove(tmp);
	if (create_private(tmp) != 0)
		return fail("creating the backup file", sh_strdup(strerror(errno)));
	json_t *manifest = NULL;
	if (sqlite) {
		if (sh_backup_sqlite(db, tmp, &error) != 0 ||
		    sh_cli_manifest_of_sqlite_file(tmp, &manifest, &error) != 0) {
			remove(tmp);
			return fail("backup", error);
		}
	} else if (pg_dump_with_manifest(db, url, tmp, &manifest) != 0) {
		remove(tmp);
		return 1;
	}
	/* pg_dump keeps the file's mode; a chmod anyway, checked, in case it recreated it.
	 * The manifest and the checksum are in place before the backup gets its name (the
	 * checksum read from the temporary file, naming the final one): a backup is never seen
	 * without what `schoolhub restore` needs, and on any failure none of them stays. */
	errno = 0;
	bool done = chmod(tmp, 0600) == 0 && sync_path(tmp, false) == 0 &&
		    sh_cli_manifest_write(dir, name, manifest) == 0 &&
		    write_checksum(dir, name, tmp) == 0 && rename(tmp, path) == 0 &&
		    sync_path(dir, true) == 0;
	int saved = errno;
	json_decref(manifest);
	if (!done) {
		char side[4096];
		remove(tmp);
		remove(path);
		if (path_of(side, sizeof(side), "%s.sha256", path))
			remove(side);
		if (path_of(side, sizeof(side), "%s.manifest.json", path))
			remove(side);
		return fail("writing the backup", sh_strdup(saved ? strerror(saved) : "failed"));
	}
	int removed = 0;
	if (rotate(dir, &removed) != 0)
		fprintf(stderr, "schoolhub: warning: an old backup in %s could not be removed\n", dir);
	printf("%s\n", path);
	fprintf(stderr, "backup written, checksum in %s.sha256, manifest in %s.manifest.json; "
		"%d old backup(s) rotated out\n", path, path, removed);
	return 0;
}

static int cmd_backup(int argc, char **argv)
{
	const char *to = NULL;
	if (argc == 4 && strcmp(argv[2], "--to") == 0)
		to = argv[3];
	else if (argc != 2) {
		fputs("usage: schoolhub backup [--to DIR]\n", stderr);
		return 2;
	}
	umask(077); /* every file written from here on (pg_dump's too) is ours alone */
	struct sh_config cfg;
	char *error = NULL;
	if (sh_config_load(&cfg, false, &error) != 0)
		return fail("configuration", error);
	sh_log_set_level(cfg.log_level);
	char dir[4096];
	int rc = 1;
	struct sh_db *db = NULL;
	if (!(to ? path_of(dir, sizeof(dir), "%s", to)
		 : path_of(dir, sizeof(dir), "%s/backups", cfg.data_dir)))
		rc = fail("the backup directory's path is too long", NULL);
	else if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		rc = fail("creating the backup directory", sh_strdup(strerror(errno)));
	else if (check_private_dir(dir) != 0)
		rc = 1;
	else if (sh_db_open(cfg.database_url, &db, &error) != 0)
		rc = fail("database", error);
	else
		rc = backup_into(db, cfg.database_url, dir);
	sh_db_close(&db);
	sh_config_free(&cfg);
	return rc;
}

/* The checksum file beside "file" names it and matches its bytes. */
static int check_checksum(const char *file)
{
	char path[4096], want[65] = "", hex[65], listed[4096] = "";
	FILE *f = path_of(path, sizeof(path), "%s.sha256", file) ? fopen(path, "r") : NULL;
	if (f == NULL || fscanf(f, "%64s %4095s", want, listed) != 2) {
		if (f)
			fclose(f);
		fprintf(stderr, "schoolhub: restore refused: no readable %s\n", path);
		return -1;
	}
	fclose(f);
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	if (sh_backup_sha256(file, hex) != 0 || strcmp(hex, want) != 0 || strcmp(listed, base) != 0) {
		fprintf(stderr, "schoolhub: restore refused: %s does not match its checksum file\n",
			file);
		return -1;
	}
	return 0;
}

/*
 * What a database must not hold to be restored into (then a refused restore's undo drops
 * only what the restore created). PostgreSQL: relations (indexes and TOAST come with
 * their tables), routines and types (not the row and array types that come with others)
 * in the schema, an extension's own objects aside (CREATE EXTENSION pg_trgm is not a
 * school). SQLite: anything in sqlite_master.
 */
#define NOT_EXT(catalog, oid)                                                               \
	" AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '" catalog "'::regclass " \
	"AND d.objid = " oid " AND d.deptype = 'e')"
static const char pg_objects_sql[] =
	"SELECT (SELECT COUNT(*) FROM pg_class c WHERE c.relnamespace = "
	"current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S', 'c')" NOT_EXT(
		"pg_class", "c.oid") ") + "
	"(SELECT COUNT(*) FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace" NOT_EXT(
		"pg_proc", "p.oid") ") + "
	"(SELECT COUNT(*) FROM pg_type t WHERE t.typnamespace = current_schema()::regnamespace "
	"AND t.typtype IN ('b', 'd', 'e', 'r') AND t.typelem = 0" NOT_EXT("pg_type", "t.oid") ")";

/* SH_DB_ROW when the database holds anything (then it is not restored into). */
static enum sh_db_rc has_objects(struct sh_conn *conn, bool pg)
{
	int64_t n = 0;
	enum sh_db_rc rc = sh_query_int64(
		conn, pg ? pg_objects_sql : "SELECT COUNT(*) FROM sqlite_master", SH_ARGS(), &n);
	if (rc != SH_DB_ROW)
		return SH_DB_ERROR;
	return n > 0 ? SH_DB_ROW : SH_DB_OK;
}

/* Compares what was restored with the manifest; on any difference undoes the restore. */
static int verify_or_undo(struct sh_db **db_r, json_t *manifest, const char *file)
{
	char *why = NULL, *error = NULL;
	int same = sh_cli_manifest_verify(*db_r, manifest, &why);
	if (same == 0)
		return 0;
	if (sh_cli_restore_undo(db_r, &error) != 0) {
		fprintf(stderr, "schoolhub: restore of %s failed its manifest (%s) and could not be "
			"undone: %s; drop the database by hand\n", file, why ? why : "", error);
		free(why);
		free(error);
		return 1;
	}
	fprintf(stderr, "schoolhub: restore refused: %s %s: %s; the restore was undone (the "
		"database is empty again)\n", file,
		same < 0 ? "could not be compared with its manifest" : "does not match its manifest",
		why ? why : "");
	free(why);
	return same < 0 ? 1 : 4;
}

static int restore_into(struct sh_db **db_r, const char *url, const char *file,
			json_t *manifest)
{
	struct sh_db *db = *db_r;
	bool pg = sh_db_kind(db) == SH_DB_POSTGRES;
	size_t len = strlen(file);
	bool is_dump = len > 5 && strcmp(file + len - 5, ".dump") == 0;
	if (is_dump != pg) {
		fprintf(stderr, "schoolhub: restore refused: %s is a %s backup and DATABASE_URL a %s "
			"database\n", file, is_dump ? "PostgreSQL" : "SQLite", pg ? "PostgreSQL" : "SQLite");
		return 3;
	}
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(db, &error);
	if (conn == NULL)
		return fail("database", error);
	enum sh_db_rc rc = has_objects(conn, pg);
	if (rc != SH_DB_OK) {
		sh_conn_close(&conn);
		if (rc == SH_DB_ROW) {
			fprintf(stderr, "schoolhub: restore refused: the database is not empty (it "
				"has tables, views, sequences, routines or types of its own); "
				"restore only into a new database\n");
			return 3;
		}
		return fail("reading the database", NULL);
	}
	sh_conn_close(&conn);
	int ret = 0;
	if (pg) {
		/* The password in pg_restore's environment, not on its command line (ps). */
		struct sh_pg_tool tool;
		if (sh_pg_tool_prepare(url, &tool, &error) != 0)
			return fail("database", error);
		char *file_arg = sh_strdup(file);
		char *argv[] = {"pg_restore", "--exit-on-error", "--single-transaction", "--no-owner",
				"--no-privileges", "--dbname", tool.conninfo, file_arg, NULL};
		ret = sh_cli_run_tool(argv, tool.envp);
		sh_pg_tool_free(&tool);
		free(file_arg);
	} else {
		ret = sh_backup_sqlite_file(file, sh_backup_sqlite_path(db), false, &error);
		if (ret != 0)
			return fail("restore", error);
	}
	if (ret != 0)
		return 1;
	/* Before any migration: the manifest describes the tables as the backup took them. */
	if (manifest != NULL && (ret = verify_or_undo(db_r, manifest, file)) != 0)
		return ret;
	if ((conn = sh_db_connect(db, &error)) == NULL)
		return fail("database", error);
	/* Restored as it was: migrating now would only add what this binary has more. */
	int applied = sh_migrate(conn, &error);
	char *why = NULL;
	int checks = applied < 0 ? -1 : sh_cli_db_verify(conn, &why);
	sh_conn_close(&conn);
	if (applied < 0)
		return fail("restored, but the migrations fail on it", error);
	if (checks != 0)
		return fail("restored, but its checks fail", why);
	printf("restored %s: %sthe audit chain and the SEL ledger hold%s\n", file,
	       manifest != NULL ? "every table matches its manifest, " : "",
	       applied > 0 ? " (newer migrations applied)" : "");
	return 0;
}

static int cmd_restore(int argc, char **argv)
{
	bool no_manifest = argc == 4 && strcmp(argv[2], "--no-manifest") == 0;
	if (argc != 3 && !no_manifest) {
		fputs("usage: schoolhub restore [--no-manifest] FILE   (a backup from schoolhub "
		      "backup, with its .sha256 and .manifest.json beside it)\n", stderr);
		return 2;
	}
	const char *file = argv[argc - 1];
	umask(077); /* the restored SQLite file's journal, pg_restore's files */
	if (check_checksum(file) != 0)
		return 3;
	if (no_manifest)
		fprintf(stderr, "schoolhub: warning: --no-manifest: the restored tables are not "
			"compared with the backup's row counts and checksums (only the audit chain and "
			"the SEL ledger are checked)\n");
	struct sh_config cfg;
	char *error = NULL;
	if (sh_config_load(&cfg, false, &error) != 0)
		return fail("configuration", error);
	sh_log_set_level(cfg.log_level);
	struct sh_db *db = NULL;
	json_t *manifest = NULL;
	int rc = 3;
	if (sh_db_open(cfg.database_url, &db, &error) != 0)
		rc = fail("database", error);
	else if (no_manifest ||
		 (manifest = sh_cli_manifest_read(file, sh_db_kind(db) == SH_DB_POSTGRES)) != NULL)
		rc = restore_into(&db, cfg.database_url, file, manifest);
	json_decref(manifest);
	sh_db_close(&db);
	sh_config_free(&cfg);
	return rc;
}

int sh_cli_backup(int argc, char **argv)
{
	return strcmp(argv[1], "restore") == 0 ? cmd_restore(argc, argv) : cmd_backup(argc, argv);
}
