/*
 * A backup's manifest (schoolhub/backup.h): per table its row count and the BLAKE2b-256 of
 * its rows' canonical text, read with `db copy`'s fingerprint (db_fingerprint.c), and the
 * migrations the database was at. `schoolhub backup` computes it from the snapshot the
 * backup holds, `schoolhub restore` computes it again on what it restored and compares.
 *
 * Both sides are on the same backend (a .db restores into SQLite, a .dump into
 * PostgreSQL), so the table list comes from the database itself: PostgreSQL's catalog as
 * `db copy` reads it, SQLite's sqlite_master and pragma_table_info (integers ordered as
 * numbers, BLOBs as hex, every other value as its stored text).
 */
#include "schoolhub/backup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/mem.h"
#include "store/db_copy_internal.h"

/* SQLite's kind of a column from its declared type (SQLite's own affinity rules). */
static enum copy_kind sqlite_kind(const char *decl)
{
	char up[64] = "";
	size_t i = 0;
	for (; decl != NULL && decl[i] && i + 1 < sizeof(up); i++)
		up[i] = (char)(decl[i] >= 'a' && decl[i] <= 'z' ? decl[i] - 32 : decl[i]);
	up[i] = '\0';
	if (strstr(up, "INT") != NULL)
		return COPY_KIND_INT;
	if (strstr(up, "BLOB") != NULL)
		return COPY_KIND_BYTES;
	return COPY_KIND_TEXT;
}

/* Columns and key of SQLite table "t" (key: the primary key's columns in key order; all
 * columns when it has none). */
static int sqlite_columns(struct sh_conn *conn, struct copy_table *t)
{
	struct sh_stmt *st = sh_query(conn,
				      "SELECT name, type, pk FROM pragma_table_info($1) "
				      "ORDER BY cid",
				      SH_ARGS(SH_TEXT(t->name)));
	int keys[64];
	int nkeys = 0;
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		t->cols = sh_realloc(t->cols, (size_t)(t->ncols + 1) * sizeof(*t->cols));
		struct copy_column *c = &t->cols[t->ncols];
		memset(c, 0, sizeof(*c));
		c->name = sh_strdup(sh_stmt_col_text(st, 0));
		const char *decl = sh_stmt_col_text(st, 1);
		c->type = sh_strdup(decl ? decl : "");
		c->kind = sqlite_kind(decl);
		int64_t pk = sh_stmt_col_int64(st, 2);
		if (pk > 0 && pk <= 64) {
			keys[pk - 1] = t->ncols;
			nkeys = pk > nkeys ? (int)pk : nkeys;
		}
		t->ncols++;
	}
	sh_stmt_free(&st);
	if (rc != SH_DB_OK || t->ncols == 0)
		return -1;
	t->npk = nkeys > 0 ? nkeys : t->ncols;
	t->pk = sh_calloc((size_t)t->npk, sizeof(*t->pk));
	for (int k = 0; k < t->npk; k++)
		t->pk[k] = nkeys > 0 ? keys[k] : k;
	return 0;
}

/* The tables of a SQLite database but schema_migrations and virtual tables (their
 * shadow tables hold the rows), by name. */
static int sqlite_schema_load(struct sh_conn *conn, struct copy_schema *s, char **error_r)
{
	memset(s, 0, sizeof(*s));
	struct sh_stmt *st = sh_query(conn,
				      "SELECT name FROM sqlite_master WHERE type = 'table' "
				      "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
				      "AND name <> 'schema_migrations' "
				      "AND upper(sql) NOT LIKE 'CREATE VIRTUAL%' ORDER BY name",
				      SH_ARGS());
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		s->tables = sh_realloc(s->tables, (size_t)(s->ntables + 1) * sizeof(*s->tables));
		memset(&s->tables[s->ntables], 0, sizeof(*s->tables));
		s->tables[s->ntables++].name = sh_strdup(sh_stmt_col_text(st, 0));
	}
	sh_stmt_free(&st);
	if (rc != SH_DB_OK) {
		*error_r = copy_error("listing the tables: %s", sh_conn_last_error(conn));
		return -1;
	}
	for (int i = 0; i < s->ntables; i++)
		if (sqlite_columns(conn, &s->tables[i]) != 0) {
			*error_r = copy_error("reading the columns of table %s: %s",
					      s->tables[i].name, sh_conn_last_error(conn));
			return -1;
		}
	return 0;
}

static int schema_load(struct sh_conn *conn, struct copy_schema *s, char **error_r)
{
	if (sh_db_kind(sh_conn_db(conn)) == SH_DB_POSTGRES)
		return sh_copy_schema_load(conn, s, error_r);
	return sqlite_schema_load(conn, s, error_r);
}

/* Table "t"'s row count and content checksum. */
static int table_print(struct sh_conn *conn, const struct copy_table *t, int64_t *rows_r,
		       char hex_r[65], char **error_r)
{
	struct copy_cursor c;
	sh_copy_cursor_open(&c, conn, t);
	enum sh_db_rc rc;
	while ((rc = sh_copy_cursor_next(&c)) == SH_DB_ROW)
		;
	*rows_r = c.rows;
	sh_copy_cursor_close(&c, hex_r);
	if (rc != SH_DB_OK) {
		*error_r = copy_error("reading table %s: %s", t->name, sh_conn_last_error(conn));
		return -1;
	}
	return 0;
}

/* ["0001_core", ...]: the migrations applied, in order. */
static json_t *migrations_of(struct sh_conn *conn, char **error_r)
{
	struct sh_stmt *st =
		sh_query(conn, "SELECT version FROM schema_migrations ORDER BY version", SH_ARGS());
	json_t *list = json_array();
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(list, json_string(sh_stmt_col_text(st, 0)));
	sh_stmt_free(&st);
	if (rc != SH_DB_OK || json_array_size(list) == 0) {
		*error_r =
			copy_error("no readable schema_migrations (is it a SchoolHub database?): "
				   "%s",
				   sh_conn_last_error(conn));
		json_decref(list);
		return NULL;
	}
	return list;
}

json_t *sh_backup_manifest_of(struct sh_conn *conn, char **error_r)
{
	json_t *migrations = migrations_of(conn, error_r);
	if (migrations == NULL)
		return NULL;
	struct copy_schema s;
	if (schema_load(conn, &s, error_r) != 0) {
		sh_copy_schema_free(&s);
		json_decref(migrations);
		return NULL;
	}
	json_t *tables = json_object();
	int failed = 0;
	for (int i = 0; i < s.ntables && !failed; i++) {
		int64_t rows = 0;
		char hex[65];
		failed = table_print(conn, &s.tables[i], &rows, hex, error_r);
		if (!failed)
			json_object_set_new(tables, s.tables[i].name,
					    json_pack("{s:I, s:s}", "rows", (json_int_t)rows,
						      "blake2b", hex));
	}
	sh_copy_schema_free(&s);
	if (failed) {
		json_decref(tables);
		json_decref(migrations);
		return NULL;
	}
	bool pg = sh_db_kind(sh_conn_db(conn)) == SH_DB_POSTGRES;
	const char *last =
		json_string_value(json_array_get(migrations, json_array_size(migrations) - 1));
	return json_pack("{s:i, s:s, s:s, s:o, s:o}", "format", SH_BACKUP_MANIFEST_FORMAT,
			 "backend", pg ? "postgres" : "sqlite", "schema_version", last,
			 "migrations", migrations, "tables", tables);
}

/* The first difference between the manifest's tables and the restored ones, or NULL. */
static char *tables_differ(json_t *want, json_t *got)
{
	const char *name;
	json_t *w;
	json_object_foreach(want, name, w)
	{
		json_t *g = json_object_get(got, name);
		if (g == NULL)
			return copy_error("table %s is in the manifest, not in the backup", name);
		json_int_t wr = json_integer_value(json_object_get(w, "rows"));
		json_int_t gr = json_integer_value(json_object_get(g, "rows"));
		if (!json_is_integer(json_object_get(w, "rows")) || wr != gr)
			return copy_error(
				"table %s: the manifest says %lld row(s), the backup holds "
				"%lld",
				name, (long long)wr, (long long)gr);
		const char *wh = json_string_value(json_object_get(w, "blake2b"));
		if (wh == NULL || strcmp(wh, json_string_value(json_object_get(g, "blake2b"))) != 0)
			return copy_error("table %s: %lld row(s) as the manifest says, but not the "
					  "same content (checksum)",
					  name, (long long)gr);
	}
	json_t *g;
	json_object_foreach(got, name, g)
	{
		if (json_object_get(want, name) == NULL)
			return copy_error("table %s is in the backup, not in the manifest", name);
	}
	return NULL;
}

int sh_backup_manifest_check(struct sh_conn *conn, json_t *manifest, char **why_r)
{
	*why_r = NULL;
	bool pg = sh_db_kind(sh_conn_db(conn)) == SH_DB_POSTGRES;
	const char *backend = json_string_value(json_object_get(manifest, "backend"));
	json_t *want = json_object_get(manifest, "tables");
	if (json_integer_value(json_object_get(manifest, "format")) != SH_BACKUP_MANIFEST_FORMAT ||
	    backend == NULL || !json_is_object(want) ||
	    !json_is_array(json_object_get(manifest, "migrations"))) {
		*why_r = sh_strdup("the manifest is not one `schoolhub backup` writes");
		return 1;
	}
	if (strcmp(backend, pg ? "postgres" : "sqlite") != 0) {
		*why_r = copy_error("the manifest is of a %s backup", backend);
		return 1;
	}
	json_t *got = sh_backup_manifest_of(conn, why_r);
	if (got == NULL)
		return -1;
	int ret = 1;
	if (!json_equal(json_object_get(manifest, "migrations"),
			json_object_get(got, "migrations")))
		*why_r =
			copy_error("schema version: the manifest was taken at %s, the backup is at "
				   "%s",
				   json_string_value(json_object_get(manifest, "schema_version")),
				   json_string_value(json_object_get(got, "schema_version")));
	else if ((*why_r = tables_differ(want, json_object_get(got, "tables"))) == NULL)
		ret = 0;
	json_decref(got);
	return ret;
}
