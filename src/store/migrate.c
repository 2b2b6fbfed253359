/*
 * Schema migrations: the files embedded from migrations/<backend>/ run in
 * path order, each in one write transaction together with the
 * schema_migrations row that records it, so a migration is either fully
 * applied and recorded or not at all.
 *
 * Two processes may start at once. SQLite's BEGIN IMMEDIATE serialises the
 * transactions and each re-checks schema_migrations inside its own. On
 * PostgreSQL a session advisory lock is taken before any transaction: a lock
 * taken inside a SERIALIZABLE transaction would come after its snapshot, and
 * the waiter would not see the winner's rows.
 */
#include "schoolhub/migrate.h"

#include "schoolhub/embed.h"
#include "schoolhub/mem.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Any constant shared by every SchoolHub process; "SHmi" in ASCII. */
#define PG_MIGRATE_LOCK "1397254505"

static char *migrate_error(struct sh_conn *conn, const char *what, const char *version)
{
	char buf[768];

	snprintf(buf, sizeof(buf), "migration%s%s: %s: %s", version ? " " : "", version ? version : "",
		 what, sh_conn_last_error(conn));
	return sh_strdup(buf);
}

/* SH_DB_ROW if "version" is recorded, SH_DB_OK if not, or an error. */
static enum sh_db_rc is_applied(struct sh_conn *conn, const char *version)
{
	int64_t one;
	return sh_query_int64(conn, "SELECT 1 FROM schema_migrations WHERE version = $1",
			      SH_ARGS(SH_TEXT(version)), &one);
}

/* Applies one file unless recorded; returns 1 applied, 0 skipped, -1 error. */
static int apply_one(struct sh_conn *conn, const char *version, const char *body, char **error_r)
{
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	enum sh_db_rc rc;

	if (sh_conn_begin(conn, SH_TX_WRITE) != SH_DB_OK) {
		*error_r = migrate_error(conn, "begin", version);
		return -1;
	}
	rc = is_applied(conn, version);
	if (rc == SH_DB_ROW) {
		sh_conn_rollback(conn);
		return 0;
	}
	if (rc != SH_DB_OK) {
		*error_r = migrate_error(conn, "reading schema_migrations", version);
		goto fail;
	}
	if (sh_conn_exec_script(conn, body) != SH_DB_OK) {
		*error_r = migrate_error(conn, "applying", version);
		goto fail;
	}
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (sh_exec(conn, "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
		    SH_ARGS(SH_TEXT(version), SH_TEXT(now)), NULL) != SH_DB_OK) {
		*error_r = migrate_error(conn, "recording", version);
		goto fail;
	}
	if (sh_conn_commit(conn) != SH_DB_OK) {
		*error_r = migrate_error(conn, "commit", version);
		return -1;
	}
	return 1;

fail:
	sh_conn_rollback(conn);
	return -1;
}

static int apply_all(struct sh_conn *conn, const char *prefix, char **error_r)
{
	size_t prefix_len = strlen(prefix);
	int applied = 0;

	/* Its own transaction first, so each migration's transaction only reads it. */
	if (sh_conn_begin(conn, SH_TX_WRITE) != SH_DB_OK ||
	    sh_conn_exec_script(conn, "CREATE TABLE IF NOT EXISTS schema_migrations ("
				      "version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)") != SH_DB_OK ||
	    sh_conn_commit(conn) != SH_DB_OK) {
		*error_r = migrate_error(conn, "creating schema_migrations", NULL);
		sh_conn_rollback(conn);
		return -1;
	}

	for (size_t i = 0; i < sh_embedded_migrations_count; i++) {
		const struct sh_embedded_file *f = &sh_embedded_migrations[i];
		const char *name = f->path + prefix_len;
		size_t len = strlen(name);

		if (strncmp(f->path, prefix, prefix_len) != 0 || strchr(name, '/') != NULL ||
		    len <= 4 || strcmp(name + len - 4, ".sql") != 0)
			continue;
		char *version = sh_strndup(name, len - 4);
		int ret = apply_one(conn, version, (const char *)f->data, error_r);
		sh_free(&version);
		if (ret < 0)
			return -1;
		applied += ret;
	}
	return applied;
}

int sh_migrate(struct sh_conn *conn, char **error_r)
{
	char *error = NULL;
	int applied;

	if (sh_conn_in_tx(conn)) {
		error = sh_strdup("migration: called inside a transaction");
		applied = -1;
	} else if (sh_db_kind(sh_conn_db(conn)) == SH_DB_SQLITE) {
		applied = apply_all(conn, "sqlite/", &error);
	} else if (sh_exec(conn, "SELECT pg_advisory_lock(" PG_MIGRATE_LOCK ")", SH_ARGS(), NULL) != SH_DB_OK) {
		error = migrate_error(conn, "lock", NULL);
		applied = -1;
	} else {
		applied = apply_all(conn, "postgres/", &error);
		/* The lock would also go with the session; release it for long-lived ones. */
		if (sh_exec(conn, "SELECT pg_advisory_unlock(" PG_MIGRATE_LOCK ")", SH_ARGS(), NULL) != SH_DB_OK &&
		    applied >= 0) {
			error = migrate_error(conn, "unlock", NULL);
			applied = -1;
		}
	}
	if (applied < 0) {
		if (error_r != NULL)
			*error_r = error;
		else
			sh_free(&error);
	}
	return applied;
}
