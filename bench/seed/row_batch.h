/*
 * Multi-row INSERT batches for bulk loading (schoolhub-bench seed): rows are buffered and
 * written "max_rows" at a time as one "INSERT ... VALUES (...), (...)" statement, so a
 * PostgreSQL load costs one round trip per batch instead of one per row. The SQL is the
 * same on both backends; the full-batch statement is prepared once per connection.
 */
#ifndef SCHOOLHUB_BENCH_ROW_BATCH_H
#define SCHOOLHUB_BENCH_ROW_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "schoolhub/store.h"

struct sh_row_value;

struct sh_row_batch {
	struct sh_conn *conn;
	const char *head;            /* "INSERT INTO t (a, b) VALUES " */
	int cols, max_rows;
	char *sql_full;              /* head + max_rows tuples of placeholders */
	struct sh_row_value *values; /* max_rows * cols, row-major */
	int rows, col;               /* complete rows buffered; next column of the open row */
	struct sh_row_batch *after;  /* rows of this table reference that one: flush it first */
	int64_t written;             /* rows written so far */
};

void sh_row_batch_init(struct sh_row_batch *b, struct sh_conn *conn, const char *head, int cols,
		       int max_rows);
void sh_row_batch_free(struct sh_row_batch *b);

/* The values of one row, in column order; the text is copied. */
void sh_row_batch_text(struct sh_row_batch *b, const char *value); /* NULL: SQL NULL */
void sh_row_batch_int64(struct sh_row_batch *b, int64_t value);
void sh_row_batch_bool(struct sh_row_batch *b, bool value);
/* Closes the row; writes the batch when it is full. */
enum sh_db_rc sh_row_batch_end_row(struct sh_row_batch *b);
/* Writes the rows still buffered ("after" first). */
enum sh_db_rc sh_row_batch_flush(struct sh_row_batch *b);

#endif
