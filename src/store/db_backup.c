/*
 * What `schoolhub backup` needs from the store and the file system (schoolhub/backup.h):
 * SQLite's online backup into a new file, a file's SHA-256, and which old backups to keep.
 */
#include "schoolhub/backup.h"

#include <errno.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/mem.h"
#include "store/store-private.h"

static char *backup_error(const char *what, const char *detail)
{
	char buf[768];
	snprintf(buf, sizeof(buf), "%s: %s", what, detail ? detail : "");
	return sh_strdup(buf);
}

int sh_backup_sqlite(struct sh_db *db, const char *dest, char **error_r)
{
	if (sh_db_kind(db) != SH_DB_SQLITE) {
		*error_r = sh_strdup("not a SQLite database");
		return -1;
	}
	return sh_backup_sqlite_file(db->target, dest, true, error_r);
}

const char *sh_backup_sqlite_path(struct sh_db *db)
{
	return sh_db_kind(db) == SH_DB_SQLITE ? db->target : NULL;
}

/* Journal mode DELETE on "db", read back: the PRAGMA answers SQLITE_OK even when it does
 * not switch (another connection on the file, a WAL it cannot checkpoint) and then only
 * the mode it returns tells. 0, or -1 with "*error_r". */
static int journal_mode_delete(sqlite3 *db, char **error_r)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = DELETE", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		*error_r = backup_error("finishing the backup file", sqlite3_errmsg(db));
	else if (sqlite3_column_text(st, 0) == NULL ||
		 strcmp((const char *)sqlite3_column_text(st, 0), "delete") != 0)
		*error_r = backup_error("finishing the backup file: its journal mode stays",
					(const char *)sqlite3_column_text(st, 0));
	else
		ret = 0;
	sqlite3_finalize(st);
	return ret;
}

int sh_backup_sqlite_file(const char *from, const char *dest, bool create, char **error_r)
{
	sqlite3 *src = NULL, *out = NULL;
	int ret = -1;
	if (sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		*error_r = backup_error("opening the database", src ? sqlite3_errmsg(src) : NULL);
		goto done;
	}
	sqlite3_busy_timeout(src, 5000);
	/* No SQLITE_OPEN_CREATE: the caller created "dest" (empty, 0600, exclusively), as
	 * sqlite3_open_v2 would create it under the umask (it ignores SQLITE_OPEN_EXCLUSIVE). */
	if (sqlite3_open_v2(dest, &out, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		*error_r = backup_error("creating the backup file", out ? sqlite3_errmsg(out) : NULL);
		goto done;
	}
	sqlite3_backup *b = sqlite3_backup_init(out, "main", src, "main");
	if (b == NULL) {
		*error_r = backup_error("starting the backup", sqlite3_errmsg(out));
		goto done;
	}
	/* All pages in one step: the copy is of one snapshot (a step at a time would start
	 * again whenever another connection writes). */
	int rc;
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED)
		sqlite3_sleep(50);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		*error_r = backup_error("copying the pages", sqlite3_errstr(rc));
		goto done;
	}
	/* A backup is one self-contained file: not in WAL mode, no -wal beside it (a restored
	 * database goes back to WAL when SchoolHub opens it). */
	if (create && journal_mode_delete(out, error_r) != 0)
		goto done;
	ret = 0;
done:
	sqlite3_close(src);
	if (sqlite3_close(out) != SQLITE_OK && ret == 0) {
		*error_r = sh_strdup("closing the backup file failed");
		ret = -1;
	}
	return ret;
}

int sh_backup_sqlite_seal(const char *path, char **error_r)
{
	sqlite3 *db = NULL;
	int ret = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		*error_r = backup_error("opening the backup file", db ? sqlite3_errmsg(db) : NULL);
	else if (journal_mode_delete(db, error_r) == 0)
		ret = 0;
	if (sqlite3_close(db) != SQLITE_OK && ret == 0) {
		*error_r = sh_strdup("closing the backup file failed");
		ret = -1;
	}
	return ret;
}

int sh_backup_sha256(const char *path, char hex_r[65])
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	unsigned char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		crypto_hash_sha256_update(&h, buf, n);
	int failed = ferror(f);
	fclose(f);
	if (failed) {
		errno = EIO;
		return -1;
	}
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_final(&h, digest);
	sodium_bin2hex(hex_r, 65, digest, sizeof(digest));
	return 0;
}

/* The "len" digits at "s" as a number (checked to be digits by the caller). */
static int num(const char *s, int len)
{
	int v = 0;
	for (int i = 0; i < len; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

time_t sh_backup_name_time(const char *name)
{
	static const char prefix[] = "schoolhub-";
	/* "YYYYMMDDTHHMMSSZ." after the prefix: D for a digit. */
	static const char shape[] = "DDDDDDDDTDDDDDDZ.";
	size_t p = sizeof(prefix) - 1, n = sizeof(shape) - 1;
	if (strncmp(name, prefix, p) != 0 || strlen(name) < p + n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = name[p + i];
		if (shape[i] == 'D' ? (c < '0' || c > '9') : c != shape[i])
			return -1;
	}
	const char *ext = name + p + n;
	if (strcmp(ext, "db") != 0 && strcmp(ext, "dump") != 0)
		return -1;
	const char *d = name + p;
	struct tm tm = {0};
	tm.tm_year = num(d, 4) - 1900;
	tm.tm_mon = num(d + 4, 2) - 1;
	tm.tm_mday = num(d + 6, 2);
	tm.tm_hour = num(d + 9, 2);
	tm.tm_min = num(d + 11, 2);
	tm.tm_sec = num(d + 13, 2);
	return timegm(&tm);
}

/* The number of "t"'s day, and of its week (weeks from Monday, as ISO's), in UTC. */
static long day_key(time_t t)
{
	return (long)(t / 86400);
}

static long week_key(time_t t)
{
	return (day_key(t) + 3) / 7; /* day 0, 1970-01-01, was a Thursday */
}

/* Marks the newest backup of each period among the last "periods" periods (counted back
 * from the newest backup's); "order" lists the backups newest first. */
static void keep_newest_per(const time_t *times, size_t count, const size_t *order, long periods,
			    long (*key)(time_t), bool *keep_r)
{
	if (count == 0)
		return;
	long newest = key(times[order[0]]);
	bool any = false;
	long last = 0;
	for (size_t k = 0; k < count; k++) {
		size_t i = order[k];
		long p = key(times[i]);
		if (p <= newest - periods)
			break; /* older than the window */
		if (any && p == last)
			continue; /* an older backup of a period already kept */
		any = true;
		last = p;
		keep_r[i] = true;
	}
}

void sh_backup_rotation(const time_t *times, size_t count, bool *keep_r)
{
	size_t *order = sh_calloc(count ? count : 1, sizeof(*order));
	for (size_t i = 0; i < count; i++) {
		order[i] = i;
		keep_r[i] = false;
	}
	/* Newest first (insertion sort: a directory holds a few dozen backups). */
	for (size_t i = 1; i < count; i++)
		for (size_t j = i; j > 0 && times[order[j]] > times[order[j - 1]]; j--) {
			size_t tmp = order[j];
			order[j] = order[j - 1];
			order[j - 1] = tmp;
		}
	keep_newest_per(times, count, order, SH_BACKUP_KEEP_DAILY, day_key, keep_r);
	keep_newest_per(times, count, order, SH_BACKUP_KEEP_WEEKLY, week_key, keep_r);
	free(order);
}
