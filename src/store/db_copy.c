/*
 * `schoolhub db copy`: SQLite into PostgreSQL in one transaction (schoolhub/db_copy.h).
 *
 * Steps: both databases at this binary's migration version (the target migrated first
 * when it has none); the target's schema read and matched with the source's; the target
 * checked empty (no table holds more rows than the migrations put there, found by
 * migrating a scratch SQLite file); then, in one SERIALIZABLE transaction on the target:
 * the migrations' rows deleted, every table copied in foreign-key order from one read
 * snapshot of the source, identity sequences moved past the copied ids, every table's
 * fingerprint compared with a fresh snapshot of the source (a write to the source during
 * the copy shows there), the caller's checks, COMMIT. Anything wrong rolls it all back.
 */
#include "schoolhub/db_copy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "schoolhub/mem.h"
#include "schoolhub/migrate.h"
#include "store/db_copy_internal.h"

struct copy_run {
	struct sh_conn *source, *target;
	struct sh_db *scratch_db; /* a new database migrated by this binary (scratch_open) */
	struct sh_conn *scratch;
	char scratch_dir[512];
	struct copy_schema schema;
	const struct sh_db_copy_hooks *hooks;
	struct sh_db_copy_report *report;
	char **error_r;
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The applied migrations, "0001_core,0002_sel,..."; NULL (and "*error_r") on failure. */
static char *versions_of(struct sh_conn *conn, const char *which, char **error_r)
{
	struct sh_stmt *st = sh_query(conn, "SELECT version FROM schema_migrations ORDER BY version",
				      SH_ARGS());
	struct copy_buf b = {0};
	copy_buf_add(&b, "");
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		if (b.len > 0)
			copy_buf_add(&b, ",");
		copy_buf_add(&b, sh_stmt_col_text(st, 0));
	}
	sh_stmt_free(&st);
	if (rc != SH_DB_OK) {
		*error_r = copy_error("the %s has no readable schema_migrations (is it a SchoolHub "
				      "database?): %s", which, sh_conn_last_error(conn));
		copy_buf_free(&b);
		return NULL;
	}
	return b.s;
}

/* The last version in a list from versions_of ("none" for an empty one). */
static const char *last_version(const char *list)
{
	const char *comma = strrchr(list, ',');
	return *list == '\0' ? "none" : comma ? comma + 1 : list;
}

static int64_t table_rows(struct sh_conn *conn, const char *table, enum sh_db_rc *rc_r)
{
	struct copy_buf sql = {0};
	copy_buf_add(&sql, "SELECT COUNT(*) FROM ");
	copy_buf_ident(&sql, table);
	int64_t n = 0;
	enum sh_db_rc rc = sh_query_int64(conn, sql.s, SH_ARGS(), &n);
	copy_buf_free(&sql);
	*rc_r = rc == SH_DB_ROW ? SH_DB_OK : rc == SH_DB_OK ? SH_DB_ERROR : rc;
	return n;
}

/*
 * What an empty database holds: a scratch SQLite file migrated by this binary, its
 * versions (the ones both databases must be at) and each table's row count (the
 * migrations' own rows: the nine classes, their conversations, the SEL system account...).
 * It stays open for the run (scratch_counts); scratch_close removes it.
 */
static int scratch_open(struct copy_run *r, char **versions_r)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(r->scratch_dir, sizeof(r->scratch_dir), "%s/schoolhub-copy-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(r->scratch_dir) == NULL) {
		r->scratch_dir[0] = '\0';
		*r->error_r = copy_error("cannot create a scratch directory in %s", tmp ? tmp : "/tmp");
		return -1;
	}
	char url[600];
	snprintf(url, sizeof(url), "sqlite:///%s/empty.db", r->scratch_dir);
	if (sh_db_open(url, &r->scratch_db, r->error_r) != 0)
		return -1;
	sh_db_set_durable_commits(r->scratch_db, false);
	if ((r->scratch = sh_db_connect(r->scratch_db, r->error_r)) == NULL ||
	    sh_migrate(r->scratch, r->error_r) < 0)
		return -1;
	*versions_r = versions_of(r->scratch, "scratch database", r->error_r);
	return *versions_r ? 0 : -1;
}

/* Each table's rows in a new database; a table the migrations do not create (an
 * operator's own, in both databases) has none. */
static int scratch_counts(struct copy_run *r)
{
	for (int i = 0; i < r->schema.ntables; i++) {
		struct copy_table *t = &r->schema.tables[i];
		int64_t exists = 0;
		enum sh_db_rc rc = sh_query_int64(r->scratch, "SELECT COUNT(*) FROM sqlite_master "
						  "WHERE type = 'table' AND name = $1",
						  SH_ARGS(SH_TEXT(t->name)), &exists);
		t->seeded = exists ? table_rows(r->scratch, t->name, &rc) : 0;
		if (rc != SH_DB_ROW && rc != SH_DB_OK) {
			*r->error_r = copy_error("counting the rows of a new database: %s",
						 sh_conn_last_error(r->scratch));
			return -1;
		}
	}
	return 0;
}

static void scratch_close(struct copy_run *r)
{
	sh_conn_close(&r->scratch);
	sh_db_close(&r->scratch_db);
	if (r->scratch_dir[0] == '\0')
		return;
	static const char *const files[] = {"empty.db", "empty.db-wal", "empty.db-shm",
					    "empty.db-journal"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[600];
		snprintf(path, sizeof(path), "%s/%s", r->scratch_dir, files[i]);
		remove(path);
	}
	remove(r->scratch_dir);
}

/* The source at this binary's version: checked before the target is touched. */
static enum sh_db_copy_outcome check_source_version(struct copy_run *r, const char *binary,
						    char **source_r)
{
	if ((*source_r = versions_of(r->source, "source", r->error_r)) == NULL)
		return SH_DB_COPY_REFUSED;
	if (strcmp(*source_r, binary) == 0)
		return SH_DB_COPY_DONE;
	*r->error_r = copy_error("the source is at migration %s, this schoolhub at %s: run "
				 "`schoolhub migrate` on the source first (service stopped)",
				 last_version(*source_r), last_version(binary));
	return SH_DB_COPY_REFUSED;
}

/* The target (migrated now if it had no migration) at the source's version. */
static enum sh_db_copy_outcome check_target_version(struct copy_run *r, const char *source)
{
	char *target = versions_of(r->target, "target", r->error_r);
	if (target == NULL)
		return SH_DB_COPY_ERROR;
	enum sh_db_copy_outcome out = SH_DB_COPY_DONE;
	if (strcmp(target, source) != 0) {
		*r->error_r = copy_error("the target is at migration %s, the source at %s: copy "
					 "only into a new database, or one migrated by this schoolhub",
					 last_version(target), last_version(source));
		out = SH_DB_COPY_REFUSED;
	}
	free(target);
	return out;
}

/* A target without any migration gets them now (outside the copy's transaction). */
static enum sh_db_copy_outcome migrate_if_new(struct copy_run *r)
{
	int64_t has = 0;
	enum sh_db_rc rc = sh_query_int64(
		r->target,
		"SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() "
		"AND tablename = 'schema_migrations'", SH_ARGS(), &has);
	if (rc != SH_DB_ROW) {
		*r->error_r = copy_error("reading the target: %s", sh_conn_last_error(r->target));
		return SH_DB_COPY_ERROR;
	}
	int64_t applied = 0;
	if (has > 0 && sh_query_int64(r->target, "SELECT COUNT(*) FROM schema_migrations",
				      SH_ARGS(), &applied) != SH_DB_ROW) {
		*r->error_r = copy_error("reading the target's schema_migrations: %s",
					 sh_conn_last_error(r->target));
		return SH_DB_COPY_ERROR;
	}
	if (applied > 0)
		return SH_DB_COPY_DONE;
	return sh_migrate(r->target, r->error_r) < 0 ? SH_DB_COPY_ERROR : SH_DB_COPY_DONE;
}

/* Inside the transaction: no table holds more than the migrations' rows. */
static enum sh_db_copy_outcome check_empty(struct copy_run *r)
{
	for (int i = 0; i < r->schema.ntables; i++) {
		const struct copy_table *t = &r->schema.tables[i];
		enum sh_db_rc rc;
		int64_t n = table_rows(r->target, t->name, &rc);
		if (rc != SH_DB_OK) {
			*r->error_r = copy_error("counting the target's table %s: %s", t->name,
						 sh_conn_last_error(r->target));
			return SH_DB_COPY_ERROR;
		}
		if (n > t->seeded) {
			*r->error_r = copy_error("the target is not empty: table %s holds %lld row(s); "
						 "copy only into a new database", t->name, (long long)n);
			return SH_DB_COPY_REFUSED;
		}
	}
	return SH_DB_COPY_DONE;
}

/* "ALTER TABLE t ALTER CONSTRAINT fk <how>" for each of the table's self-references. */
static enum sh_db_rc alter_self_fks(struct sh_conn *target, const struct copy_table *t,
				    const char *how)
{
	for (int f = 0; f < t->nself_fks; f++) {
		struct copy_buf sql = {0};
		copy_buf_add(&sql, "ALTER TABLE ");
		copy_buf_ident(&sql, t->name);
		copy_buf_add(&sql, " ALTER CONSTRAINT ");
		copy_buf_ident(&sql, t->self_fks[f]);
		copy_buf_printf(&sql, " %s", how);
		enum sh_db_rc rc = sh_exec(target, sql.s, SH_ARGS(), NULL);
		copy_buf_free(&sql);
		if (rc != SH_DB_OK)
			return rc;
	}
	return SH_DB_OK;
}

/* Empties "t" on the target when it holds rows (the migrations', or the ones a trigger
 * wrote while an earlier table was copied: the search words of users). */
static enum sh_db_rc clear_table(struct sh_conn *target, const struct copy_table *t)
{
	enum sh_db_rc rc;
	if (table_rows(target, t->name, &rc) == 0 || rc != SH_DB_OK)
		return rc;
	struct copy_buf sql = {0};
	copy_buf_add(&sql, "DELETE FROM ");
	copy_buf_ident(&sql, t->name);
	rc = sh_exec(target, sql.s, SH_ARGS(), NULL);
	copy_buf_free(&sql);
	return rc;
}

/* Before the copy: self-references deferred, the migrations' rows gone (children first). */
static enum sh_db_rc prepare_target(struct copy_run *r)
{
	enum sh_db_rc rc = SH_DB_OK;
	for (int i = 0; i < r->schema.ntables && rc == SH_DB_OK; i++)
		rc = alter_self_fks(r->target, &r->schema.tables[i], "DEFERRABLE INITIALLY DEFERRED");
	for (int i = r->schema.ntables - 1; i >= 0 && rc == SH_DB_OK; i--)
		rc = clear_table(r->target, &r->schema.tables[i]);
	return rc;
}

/* After the copy: the deferred checks run now, the constraints as they were. */
static enum sh_db_rc restore_target(struct copy_run *r, const char **table_r)
{
	for (int i = 0; i < r->schema.ntables; i++) {
		const struct copy_table *t = &r->schema.tables[i];
		*table_r = t->name;
		for (int f = 0; f < t->nself_fks; f++) {
			struct copy_buf sql = {0};
			copy_buf_add(&sql, "SET CONSTRAINTS ");
			copy_buf_ident(&sql, t->self_fks[f]);
			copy_buf_add(&sql, " IMMEDIATE");
			enum sh_db_rc rc = sh_exec(r->target, sql.s, SH_ARGS(), NULL);
			copy_buf_free(&sql);
			if (rc != SH_DB_OK)
				return rc;
		}
		enum sh_db_rc rc = alter_self_fks(r->target, t, "NOT DEFERRABLE INITIALLY IMMEDIATE");
		if (rc != SH_DB_OK)
			return rc;
	}
	return SH_DB_OK;
}

static enum sh_db_copy_outcome copy_tables(struct copy_run *r)
{
	int n = r->schema.ntables;
	for (int i = 0; i < n; i++) {
		const struct copy_table *t = &r->schema.tables[i];
		if (r->hooks && r->hooks->progress)
			r->hooks->progress(r->hooks->ctx, t->name, i + 1, n, -1);
		int64_t rows = 0;
		struct copy_buf keys = {0};
		enum sh_db_rc rc = clear_table(r->target, t);
		if (rc == SH_DB_OK)
			rc = sh_copy_table_rows(r->source, r->target, t, &rows, &keys);
		if (rc != SH_DB_OK) {
			/* The table, the SQLSTATE and the rows' keys: never the server's text, which
			 * quotes the value a cast refused (22P02). */
			*r->error_r = keys.len > 0
					      ? copy_error("copying table %s: SQLSTATE %s in the rows %s",
							   t->name, sh_conn_last_code(r->target), keys.s)
					      : copy_error("copying table %s: SQLSTATE %s (source %s)",
							   t->name, sh_conn_last_code(r->target),
							   sh_conn_last_code(r->source));
			copy_buf_free(&keys);
			return SH_DB_COPY_ERROR;
		}
		copy_buf_free(&keys);
		r->report->rows += rows;
		r->report->tables++;
		if (r->hooks && r->hooks->progress)
			r->hooks->progress(r->hooks->ctx, t->name, i + 1, n, rows);
	}
	return SH_DB_COPY_DONE;
}

/* The column where two canonical rows first differ: the tabs before the first different
 * byte (a tab inside a value is written "\t", so every tab is a separator). */
static const char *differing_column(const struct copy_table *t, const char *a, const char *b)
{
	int col = 0;
	for (; *a && *a == *b; a++, b++)
		col += *a == '\t';
	return col < t->ncols ? t->cols[col].name : "?";
}

/* One table read side by side on the source and the copy: the same rows, in the same
 * order, with the same canonical text. */
static enum sh_db_copy_outcome verify_table(struct copy_run *r, const struct copy_table *t)
{
	struct copy_cursor a, b;
	sh_copy_cursor_open(&a, r->source, t);
	sh_copy_cursor_open(&b, r->target, t);
	enum sh_db_copy_outcome out = SH_DB_COPY_DONE;
	for (;;) {
		enum sh_db_rc ra = sh_copy_cursor_next(&a), rb = sh_copy_cursor_next(&b);
		if ((ra != SH_DB_ROW && ra != SH_DB_OK) || (rb != SH_DB_ROW && rb != SH_DB_OK)) {
			*r->error_r = copy_error("checking table %s: %s / %s", t->name,
						 sh_conn_last_error(r->source),
						 sh_conn_last_error(r->target));
			out = SH_DB_COPY_ERROR;
		} else if (ra != rb) {
			*r->error_r = copy_error("verification failed: table %s: row %s is only in "
						 "the %s", t->name, ra == SH_DB_ROW ? a.key.s : b.key.s,
						 ra == SH_DB_ROW ? "source" : "copy");
			out = SH_DB_COPY_MISMATCH;
		} else if (ra == SH_DB_ROW && strcmp(a.row.s, b.row.s) != 0) {
			/* The key and the column, never the values (a password hash, a name). */
			*r->error_r = copy_error("verification failed: table %s: row %s differs in "
						 "column %s", t->name, a.key.s,
						 differing_column(t, a.row.s, b.row.s));
			out = SH_DB_COPY_MISMATCH;
		}
		if (out != SH_DB_COPY_DONE || ra == SH_DB_OK)
			break;
	}
	char ha[65], hb[65];
	sh_copy_cursor_close(&a, ha);
	sh_copy_cursor_close(&b, hb);
	if (out == SH_DB_COPY_DONE && (a.rows != b.rows || strcmp(ha, hb) != 0)) {
		*r->error_r = copy_error("verification failed: table %s: checksum %.16s in the "
					 "source, %.16s in the copy", t->name, ha, hb);
		out = SH_DB_COPY_MISMATCH;
	}
	return out;
}

/* Every table: a fresh snapshot of the source (a write since the copy shows) against the
 * copy inside its transaction. */
static enum sh_db_copy_outcome verify_tables(struct copy_run *r)
{
	if (sh_conn_begin(r->source, SH_TX_READ) != SH_DB_OK) {
		*r->error_r = copy_error("reading the source again: %s", sh_conn_last_error(r->source));
		return SH_DB_COPY_ERROR;
	}
	enum sh_db_copy_outcome out = SH_DB_COPY_DONE;
	for (int i = 0; i < r->schema.ntables && out == SH_DB_COPY_DONE; i++)
		out = verify_table(r, &r->schema.tables[i]);
	sh_conn_rollback(r->source);
	return out;
}

static enum sh_db_copy_outcome copy_in_tx(struct copy_run *r)
{
	enum sh_db_copy_outcome out = check_empty(r);
	if (out != SH_DB_COPY_DONE)
		return out;
	if (prepare_target(r) != SH_DB_OK) {
		*r->error_r = copy_error("preparing the target: %s", sh_conn_last_error(r->target));
		return SH_DB_COPY_ERROR;
	}
	if (sh_conn_begin(r->source, SH_TX_READ) != SH_DB_OK) {
		*r->error_r = copy_error("reading the source: %s", sh_conn_last_error(r->source));
		return SH_DB_COPY_ERROR;
	}
	out = copy_tables(r);
	sh_conn_rollback(r->source);
	if (out != SH_DB_COPY_DONE)
		return out;
	const char *table = "";
	if (restore_target(r, &table) != SH_DB_OK) {
		*r->error_r = copy_error("table %s: a reference to itself does not hold in the "
					 "copy: %s", table, sh_conn_last_error(r->target));
		return SH_DB_COPY_MISMATCH;
	}
	if ((out = verify_tables(r)) != SH_DB_COPY_DONE)
		return out;
	char *why = NULL;
	if (r->hooks && r->hooks->verify && r->hooks->verify(r->hooks->ctx, r->target, &why) != 0) {
		*r->error_r = copy_error("verification failed: %s", why ? why : "the checks failed");
		free(why);
		return SH_DB_COPY_MISMATCH;
	}
	return SH_DB_COPY_DONE;
}

/* Versions, then the target migrated if new, then the schemas: nothing is written to the
 * target before the source is known to be at this binary's version. */
static enum sh_db_copy_outcome prepare_run(struct copy_run *r)
{
	char *binary = NULL, *source = NULL;
	enum sh_db_copy_outcome out = SH_DB_COPY_ERROR;
	if (scratch_open(r, &binary) == 0 &&
	    (out = check_source_version(r, binary, &source)) == SH_DB_COPY_DONE &&
	    (out = migrate_if_new(r)) == SH_DB_COPY_DONE &&
	    (out = check_target_version(r, source)) == SH_DB_COPY_DONE &&
	    (sh_copy_schema_load(r->target, &r->schema, r->error_r) != 0 || scratch_counts(r) != 0))
		out = SH_DB_COPY_ERROR;
	free(binary);
	free(source);
	return out;
}

static enum sh_db_copy_outcome run_copy(struct copy_run *r)
{
	enum sh_db_copy_outcome out = prepare_run(r);
	if (out != SH_DB_COPY_DONE)
		return out;
	if (sh_copy_schema_match_source(r->source, &r->schema, r->error_r) != 0)
		return SH_DB_COPY_REFUSED;
	if (sh_conn_begin(r->target, SH_TX_WRITE) != SH_DB_OK) {
		*r->error_r = copy_error("starting the transaction: %s", sh_conn_last_error(r->target));
		return SH_DB_COPY_ERROR;
	}
	out = copy_in_tx(r);
	if (out != SH_DB_COPY_DONE) {
		sh_conn_rollback(r->target);
		return out;
	}
	if (sh_conn_commit(r->target) != SH_DB_OK) {
		*r->error_r = copy_error("commit: %s", sh_conn_last_error(r->target));
		return SH_DB_COPY_ERROR;
	}
	return SH_DB_COPY_DONE;
}

/* Opens and connects "url"; SH_DB_COPY_REFUSED when it is no URL of "kind". */
static enum sh_db_copy_outcome open_one(const char *url, enum sh_db_kind kind, const char *which,
					struct sh_db **db_r, struct sh_conn **conn_r,
					char **error_r)
{
	char *error = NULL;
	if (sh_db_open(url, db_r, &error) != 0) {
		*error_r = copy_error("%s: %s", which, error ? error : "cannot open");
		free(error);
		return SH_DB_COPY_REFUSED;
	}
	if (sh_db_kind(*db_r) != kind) {
		*error_r = copy_error("the %s must be a %s URL", which,
				      kind == SH_DB_SQLITE ? "sqlite:///" : "postgresql://");
		return SH_DB_COPY_REFUSED;
	}
	if ((*conn_r = sh_db_connect(*db_r, &error)) == NULL) {
		*error_r = copy_error("%s: %s", which, error ? error : "cannot connect");
		free(error);
		return SH_DB_COPY_ERROR;
	}
	return SH_DB_COPY_DONE;
}

enum sh_db_copy_outcome sh_db_copy(const char *from_url, const char *to_url,
				   const struct sh_db_copy_hooks *hooks,
				   struct sh_db_copy_report *report_r, char **error_r)
{
	memset(report_r, 0, sizeof(*report_r));
	*error_r = NULL;
	double start = now_seconds();
	struct sh_db *from = NULL, *to = NULL;
	struct copy_run r = {.hooks = hooks, .report = report_r, .error_r = error_r};
	/* Opening a SQLite URL creates a missing file (and its directory): the source must
	 * exist before it is opened, the copy only reads it. */
	enum sh_db_copy_outcome out = SH_DB_COPY_DONE;
	if (strncmp(from_url, "sqlite:///", 10) == 0 && access(from_url + 10, R_OK) != 0) {
		*error_r = copy_error("the source %s cannot be read: %s", from_url + 10,
				      strerror(errno));
		out = SH_DB_COPY_REFUSED;
	}
	if (out == SH_DB_COPY_DONE)
		out = open_one(from_url, SH_DB_SQLITE, "source", &from, &r.source, error_r);
	if (out == SH_DB_COPY_DONE)
		out = open_one(to_url, SH_DB_POSTGRES, "target", &to, &r.target, error_r);
	if (out == SH_DB_COPY_DONE)
		out = run_copy(&r);
	if (out != SH_DB_COPY_DONE && *error_r == NULL)
		*error_r = copy_error("the copy failed");
	scratch_close(&r);
	sh_copy_schema_free(&r.schema);
	sh_conn_close(&r.source);
	sh_conn_close(&r.target);
	sh_db_close(&from);
	sh_db_close(&to);
	report_r->seconds = now_seconds() - start;
	return out;
}
