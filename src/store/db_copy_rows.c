/*
 * One table's rows from SQLite into PostgreSQL for `schoolhub db copy`: read in key order,
 * written in multi-row INSERTs (one round trip per batch, not per row), every value bound
 * as text and CAST to its column's type on the way in: SQLite's RFC 3339 text becomes a
 * timestamptz, 0/1 a boolean, text ids uuids; BLOBs travel as hex and are decoded into
 * bytea. Identity columns are copied as they are (OVERRIDING SYSTEM VALUE) and their
 * sequences moved past the highest id afterwards, so the next insert does not collide.
 */
#include "store/db_copy_internal.h"

#include <stdlib.h>
#include <string.h>

#include "schoolhub/mem.h"

/* Rows per INSERT: many, within the store's highest $N. */
#define COPY_BATCH_ROWS 200
#define COPY_MAX_PARAMS 990

static int batch_rows(const struct copy_table *t)
{
	int n = COPY_MAX_PARAMS / t->ncols;
	return n < 1 ? 1 : n > COPY_BATCH_ROWS ? COPY_BATCH_ROWS : n;
}

/* SELECT of the source's columns (BLOBs as hex), in key order. */
static void select_sql(struct copy_buf *b, const struct copy_table *t)
{
	copy_buf_add(b, "SELECT ");
	for (int i = 0; i < t->ncols; i++) {
		if (i > 0)
			copy_buf_add(b, ", ");
		if (t->cols[i].kind == COPY_KIND_BYTES) {
			/* hex(NULL) is '': a NULL must stay NULL, not become an empty bytea */
			copy_buf_add(b, "CASE WHEN ");
			copy_buf_ident(b, t->cols[i].name);
			copy_buf_add(b, " IS NULL THEN NULL ELSE hex(");
			copy_buf_ident(b, t->cols[i].name);
			copy_buf_add(b, ") END");
		} else {
			copy_buf_ident(b, t->cols[i].name);
		}
	}
	copy_buf_add(b, " FROM ");
	copy_buf_ident(b, t->name);
	copy_buf_add(b, " ORDER BY ");
	for (int k = 0; k < t->npk; k++) {
		if (k > 0)
			copy_buf_add(b, ", ");
		copy_buf_ident(b, t->cols[t->pk[k]].name);
	}
}

/* INSERT of "rows" rows: VALUES (CAST($1 AS uuid), ...), (...). */
static void insert_sql(struct copy_buf *b, const struct copy_table *t, int rows)
{
	copy_buf_add(b, "INSERT INTO ");
	copy_buf_ident(b, t->name);
	copy_buf_add(b, " (");
	for (int i = 0; i < t->ncols; i++) {
		if (i > 0)
			copy_buf_add(b, ", ");
		copy_buf_ident(b, t->cols[i].name);
	}
	copy_buf_add(b, t->has_identity ? ") OVERRIDING SYSTEM VALUE VALUES " : ") VALUES ");
	int param = 1;
	for (int r = 0; r < rows; r++) {
		copy_buf_add(b, r > 0 ? ", (" : "(");
		for (int i = 0; i < t->ncols; i++, param++) {
			if (i > 0)
				copy_buf_add(b, ", ");
			if (t->cols[i].kind == COPY_KIND_BYTES)
				copy_buf_printf(b, "decode($%d, 'hex')", param);
			else /* a multi-row VALUES does not take its types from the columns */
				copy_buf_printf(b, "CAST($%d AS %s)", param, t->cols[i].type);
		}
		copy_buf_add(b, ")");
	}
}

/* The values of up to a batch of rows, copied out of the source's statement. */
struct copy_batch {
	char **values; /* rows * ncols, NULL for SQL NULL */
	int rows, cap_rows, ncols;
	struct copy_buf full_sql; /* the INSERT of a full batch, built once */
};

static void batch_free_values(struct copy_batch *b)
{
	for (int i = 0; i < b->rows * b->ncols; i++)
		sh_free(&b->values[i]);
	b->rows = 0;
}

/* Row "row"'s key in "out": ids and numbers as they are, a text key as "(text)". */
static void batch_row_key(struct copy_buf *out, const struct copy_table *t,
			  const struct copy_batch *b, int row)
{
	for (int k = 0; k < t->npk && k < 4; k++) {
		const struct copy_column *col = &t->cols[t->pk[k]];
		const char *v = b->values[row * b->ncols + t->pk[k]];
		bool shown = col->kind == COPY_KIND_INT || col->kind == COPY_KIND_UUID;
		copy_buf_printf(out, "%s%s=%.64s", k > 0 ? ", " : "", col->name,
				v == NULL ? "NULL" : shown ? v : "(text)");
	}
}

static enum sh_db_rc batch_flush(struct sh_conn *target, const struct copy_table *t,
				 struct copy_batch *b, struct copy_buf *failed_keys_r)
{
	if (b->rows == 0)
		return SH_DB_OK;
	struct copy_buf part = {0};
	const char *sql = b->full_sql.s;
	if (b->rows < b->cap_rows) {
		insert_sql(&part, t, b->rows);
		sql = part.s;
	}
	struct sh_stmt *st = sh_stmt_prepare(target, sql);
	for (int i = 0; i < b->rows * b->ncols; i++)
		sh_stmt_bind_text(st, i + 1, b->values[i]); /* NULL binds SQL NULL */
	enum sh_db_rc rc = sh_stmt_exec_free(&st, NULL);
	if (rc != SH_DB_OK) {
		copy_buf_clear(failed_keys_r);
		batch_row_key(failed_keys_r, t, b, 0);
		if (b->rows > 1) {
			copy_buf_add(failed_keys_r, " to ");
			batch_row_key(failed_keys_r, t, b, b->rows - 1);
		}
	}
	copy_buf_free(&part);
	batch_free_values(b);
	return rc;
}

/* Moves each identity column's sequence past the highest id copied. */
static enum sh_db_rc bump_identities(struct sh_conn *target, const struct copy_table *t)
{
	for (int i = 0; i < t->ncols; i++) {
		if (!t->cols[i].identity)
			continue;
		struct copy_buf sql = {0};
		copy_buf_add(&sql, "SELECT setval(pg_get_serial_sequence(quote_ident($1), $2), "
				   "COALESCE((SELECT MAX(");
		copy_buf_ident(&sql, t->cols[i].name);
		copy_buf_add(&sql, ") FROM ");
		copy_buf_ident(&sql, t->name);
		copy_buf_add(&sql, "), 0) + 1, false)");
		enum sh_db_rc rc = sh_exec(target, sql.s,
					   SH_ARGS(SH_TEXT(t->name), SH_TEXT(t->cols[i].name)), NULL);
		copy_buf_free(&sql);
		if (rc != SH_DB_OK)
			return rc;
	}
	return SH_DB_OK;
}

enum sh_db_rc sh_copy_table_rows(struct sh_conn *source, struct sh_conn *target,
				 const struct copy_table *t, int64_t *rows_r,
				 struct copy_buf *failed_keys_r)
{
	struct copy_batch b = {.ncols = t->ncols, .cap_rows = batch_rows(t)};
	b.values = sh_calloc((size_t)b.cap_rows * (size_t)b.ncols, sizeof(char *));
	insert_sql(&b.full_sql, t, b.cap_rows);
	struct copy_buf select = {0};
	select_sql(&select, t);
	struct sh_stmt *st = sh_query(source, select.s, SH_ARGS());
	enum sh_db_rc rc = SH_DB_OK, flushed = SH_DB_OK;
	*rows_r = 0;
	while (flushed == SH_DB_OK && (rc = sh_stmt_step(st)) == SH_DB_ROW) {
		char **row = &b.values[b.rows * b.ncols];
		for (int i = 0; i < t->ncols; i++) {
			const char *v = sh_stmt_col_text(st, i);
			row[i] = v ? sh_strdup(v) : NULL;
		}
		(*rows_r)++;
		if (++b.rows == b.cap_rows)
			flushed = batch_flush(target, t, &b, failed_keys_r);
	}
	sh_stmt_free(&st);
	if (flushed == SH_DB_OK && rc == SH_DB_OK)
		flushed = batch_flush(target, t, &b, failed_keys_r);
	else if (flushed == SH_DB_OK)
		flushed = rc; /* the source failed: its error is the one to report */
	batch_free_values(&b);
	free(b.values);
	copy_buf_free(&b.full_sql);
	copy_buf_free(&select);
	if (flushed == SH_DB_OK && t->has_identity)
		flushed = bump_identities(target, t);
	return flushed;
}
