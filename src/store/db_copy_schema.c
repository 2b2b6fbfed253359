/*
 * The schema `schoolhub db copy` works from: read from the PostgreSQL target's catalog
 * (migrated to the source's version, so it is the same schema in PostgreSQL's types),
 * put in foreign-key order, and checked against the SQLite source's tables and columns.
 */
#include "store/db_copy_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/mem.h"

void copy_buf_addn(struct copy_buf *b, const char *text, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = sh_realloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, text, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void copy_buf_add(struct copy_buf *b, const char *text)
{
	copy_buf_addn(b, text, strlen(text));
}

void copy_buf_printf(struct copy_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		copy_buf_addn(b, small, (size_t)n);
		return;
	}
	char *big = sh_malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	copy_buf_addn(b, big, (size_t)n);
	free(big);
}

void copy_buf_ident(struct copy_buf *b, const char *name)
{
	copy_buf_add(b, "\"");
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			copy_buf_add(b, "\"\""); /* a quote inside an identifier is doubled */
		else
			copy_buf_addn(b, p, 1);
	}
	copy_buf_add(b, "\"");
}

void copy_buf_clear(struct copy_buf *b)
{
	b->len = 0;
	if (b->s != NULL)
		b->s[0] = '\0';
}

void copy_buf_free(struct copy_buf *b)
{
	sh_free(&b->s);
	b->len = b->cap = 0;
}

char *copy_error(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return sh_strdup(buf);
}

static enum copy_kind kind_of(const char *typname)
{
	if (strcmp(typname, "int2") == 0 || strcmp(typname, "int4") == 0 ||
	    strcmp(typname, "int8") == 0)
		return COPY_KIND_INT;
	if (strcmp(typname, "bool") == 0)
		return COPY_KIND_BOOL;
	if (strcmp(typname, "timestamptz") == 0)
		return COPY_KIND_TIME;
	if (strcmp(typname, "uuid") == 0)
		return COPY_KIND_UUID;
	if (strcmp(typname, "bytea") == 0)
		return COPY_KIND_BYTES;
	return COPY_KIND_TEXT;
}

/* The tables of the current schema but schema_migrations (compared, never copied), by name. */
static int load_tables(struct sh_conn *pg, struct copy_table **tables_r, int *count_r)
{
	struct sh_stmt *st = sh_query(
		pg,
		"SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
		"WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
		"AND c.relname <> 'schema_migrations' ORDER BY c.relname",
		SH_ARGS());
	struct copy_table *tables = NULL;
	int count = 0;
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		tables = sh_realloc(tables, (size_t)(count + 1) * sizeof(*tables));
		memset(&tables[count], 0, sizeof(*tables));
		tables[count++].name = sh_strdup(sh_stmt_col_text(st, 0));
	}
	sh_stmt_free(&st);
	*tables_r = tables;
	*count_r = count;
	return rc == SH_DB_OK ? 0 : -1;
}

static int load_columns(struct sh_conn *pg, struct copy_table *t)
{
	struct sh_stmt *st = sh_query(
		pg,
		"SELECT a.attname, format_type(a.atttypid, a.atttypmod), ty.typname, "
		"a.attidentity <> '' FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid "
		"WHERE a.attrelid = to_regclass(quote_ident($1)) AND a.attnum > 0 "
		"AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum",
		SH_ARGS(SH_TEXT(t->name)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		t->cols = sh_realloc(t->cols, (size_t)(t->ncols + 1) * sizeof(*t->cols));
		struct copy_column *c = &t->cols[t->ncols++];
		c->name = sh_strdup(sh_stmt_col_text(st, 0));
		c->type = sh_strdup(sh_stmt_col_text(st, 1));
		c->kind = kind_of(sh_stmt_col_text(st, 2));
		c->identity = sh_stmt_col_bool(st, 3);
		t->has_identity |= c->identity;
	}
	sh_stmt_free(&st);
	return rc == SH_DB_OK && t->ncols > 0 ? 0 : -1;
}

static int column_index(const struct copy_table *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return i;
	return -1;
}

/* The primary key's columns in key order; without a key, every column (rows still come
 * in one order on both sides, duplicates included). */
static int load_key(struct sh_conn *pg, struct copy_table *t)
{
	struct sh_stmt *st = sh_query(
		pg,
		"SELECT a.attname FROM pg_index i "
		"CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
		"JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
		"WHERE i.indrelid = to_regclass(quote_ident($1)) AND i.indisprimary ORDER BY k.ord",
		SH_ARGS(SH_TEXT(t->name)));
	t->pk = sh_calloc((size_t)t->ncols, sizeof(*t->pk));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		int i = column_index(t, sh_stmt_col_text(st, 0));
		if (i >= 0 && t->npk < t->ncols)
			t->pk[t->npk++] = i;
	}
	sh_stmt_free(&st);
	if (rc != SH_DB_OK)
		return -1;
	if (t->npk == 0)
		for (int i = 0; i < t->ncols; i++)
			t->pk[t->npk++] = i;
	return 0;
}

static int table_index(const struct copy_schema *s, const char *name)
{
	for (int i = 0; i < s->ntables; i++)
		if (strcmp(s->tables[i].name, name) == 0)
			return i;
	return -1;
}

/*
 * Foreign keys: a table's references to itself (a reply to a message, a reversal of a
 * transaction) are recorded to be deferred during the copy; the others order the tables
 * (Kahn's algorithm, ties by name). A cycle between tables is refused.
 */
static int order_tables(struct sh_conn *pg, struct copy_schema *s, char **error_r)
{
	int n = s->ntables;
	bool *edge = sh_calloc((size_t)n * (size_t)n, sizeof(*edge)); /* [child * n + parent] */
	struct sh_stmt *st = sh_query(
		pg,
		"SELECT c.conname, cr.relname, pr.relname, c.condeferrable FROM pg_constraint c "
		"JOIN pg_class cr ON cr.oid = c.conrelid JOIN pg_class pr ON pr.oid = c.confrelid "
		"WHERE c.contype = 'f' AND c.connamespace = "
		"(SELECT oid FROM pg_namespace WHERE nspname = current_schema()) ORDER BY c.conname",
		SH_ARGS());
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		int child = table_index(s, sh_stmt_col_text(st, 1));
		int parent = table_index(s, sh_stmt_col_text(st, 2));
		if (child < 0 || parent < 0)
			continue;
		if (child != parent) {
			edge[child * n + parent] = true;
		} else if (!sh_stmt_col_bool(st, 3)) {
			struct copy_table *t = &s->tables[child];
			t->self_fks = sh_realloc(t->self_fks, (size_t)(t->nself_fks + 1) * sizeof(char *));
			t->self_fks[t->nself_fks++] = sh_strdup(sh_stmt_col_text(st, 0));
		}
	}
	sh_stmt_free(&st);
	if (rc != SH_DB_OK) {
		free(edge);
		*error_r = copy_error("reading the target's foreign keys: %s", sh_conn_last_error(pg));
		return -1;
	}
	struct copy_table *ordered = sh_calloc((size_t)n, sizeof(*ordered));
	bool *placed = sh_calloc((size_t)n, sizeof(*placed));
	int done = 0;
	while (done < n) {
		int next = -1;
		for (int i = 0; i < n && next < 0; i++) {
			if (placed[i])
				continue;
			bool ready = true;
			for (int p = 0; p < n && ready; p++)
				ready = !edge[i * n + p] || placed[p];
			if (ready)
				next = i;
		}
		if (next < 0)
			break;
		placed[next] = true;
		ordered[done++] = s->tables[next];
	}
	free(edge);
	free(placed);
	if (done < n) {
		free(ordered);
		*error_r = copy_error("the target's foreign keys form a cycle between tables; "
				      "this copy cannot order them");
		return -1;
	}
	free(s->tables);
	s->tables = ordered;
	return 0;
}

int sh_copy_schema_load(struct sh_conn *target, struct copy_schema *schema, char **error_r)
{
	memset(schema, 0, sizeof(*schema));
	if (load_tables(target, &schema->tables, &schema->ntables) != 0) {
		*error_r = copy_error("reading the target's tables: %s", sh_conn_last_error(target));
		return -1;
	}
	for (int i = 0; i < schema->ntables; i++) {
		struct copy_table *t = &schema->tables[i];
		if (load_columns(target, t) != 0 || load_key(target, t) != 0) {
			*error_r = copy_error("reading the columns of table %s: %s", t->name,
					      sh_conn_last_error(target));
			return -1;
		}
	}
	return order_tables(target, schema, error_r);
}

/* Whether "sqlite" has a table "name" with exactly the columns of "t". */
static int match_table(struct sh_conn *sqlite, const struct copy_table *t, char **error_r)
{
	struct sh_stmt *st = sh_query(sqlite, "SELECT name FROM pragma_table_info($1)",
				      SH_ARGS(SH_TEXT(t->name)));
	int found = 0;
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		const char *col = sh_stmt_col_text(st, 0);
		if (column_index(t, col) < 0) {
			*error_r = copy_error("table %s: column %s is in the source, not in the "
					      "target", t->name, col);
			sh_stmt_free(&st);
			return -1;
		}
		found++;
	}
	sh_stmt_free(&st);
	if (rc != SH_DB_OK) {
		*error_r = copy_error("reading the source's table %s: %s", t->name,
				      sh_conn_last_error(sqlite));
		return -1;
	}
	if (found == 0) {
		*error_r = copy_error("table %s is in the target, not in the source", t->name);
		return -1;
	}
	if (found != t->ncols) {
		*error_r = copy_error("table %s: the target has %d column(s), the source %d",
				      t->name, t->ncols, found);
		return -1;
	}
	return 0;
}

int sh_copy_schema_match_source(struct sh_conn *source, const struct copy_schema *schema,
				char **error_r)
{
	for (int i = 0; i < schema->ntables; i++)
		if (match_table(source, &schema->tables[i], error_r) != 0)
			return -1;
	struct sh_stmt *st = sh_query(source,
				      "SELECT name FROM sqlite_master WHERE type = 'table' "
				      "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
				      "AND name <> 'schema_migrations' ORDER BY name",
				      SH_ARGS());
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		const char *name = sh_stmt_col_text(st, 0);
		if (table_index(schema, name) < 0) {
			*error_r = copy_error("table %s is in the source, not in the target", name);
			sh_stmt_free(&st);
			return -1;
		}
	}
	sh_stmt_free(&st);
	if (rc != SH_DB_OK) {
		*error_r = copy_error("listing the source's tables: %s", sh_conn_last_error(source));
		return -1;
	}
	return 0;
}

void sh_copy_schema_free(struct copy_schema *schema)
{
	for (int i = 0; i < schema->ntables; i++) {
		struct copy_table *t = &schema->tables[i];
		for (int c = 0; c < t->ncols; c++) {
			free(t->cols[c].name);
			free(t->cols[c].type);
		}
		for (int f = 0; f < t->nself_fks; f++)
			free(t->self_fks[f]);
		free(t->self_fks);
		free(t->cols);
		free(t->pk);
		free(t->name);
	}
	free(schema->tables);
	memset(schema, 0, sizeof(*schema));
}
