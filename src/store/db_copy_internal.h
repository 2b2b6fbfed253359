/*
 * What the parts of `schoolhub db copy` share (db_copy.c, db_copy_schema.c,
 * db_fingerprint.c): the target's schema as the copy sees it, and a growable string for
 * the SQL it writes. Only those files include this.
 */
#ifndef SCHOOLHUB_DB_COPY_INTERNAL_H
#define SCHOOLHUB_DB_COPY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "schoolhub/store.h"

/* How a column's values are converted and put in canonical text (from its PostgreSQL type). */
enum copy_kind {
	COPY_KIND_TEXT,  /* text, varchar, date, numbers: the text as it is */
	COPY_KIND_INT,   /* smallint, integer, bigint: decimal, compared as numbers */
	COPY_KIND_BOOL,  /* boolean: SQLite 0/1 */
	COPY_KIND_TIME,  /* timestamptz: SQLite RFC 3339 text */
	COPY_KIND_UUID,  /* uuid: SQLite text */
	COPY_KIND_BYTES, /* bytea: SQLite BLOB, carried as hex */
};

struct copy_column {
	char *name;
	char *type; /* format_type(): what the value is CAST to on the way in */
	enum copy_kind kind;
	bool identity; /* GENERATED ... AS IDENTITY: its sequence is moved past the copy */
};

struct copy_table {
	char *name;
	struct copy_column *cols;
	int ncols;
	int *pk; /* indexes into cols, in key order; every column when there is no key */
	int npk;
	bool has_identity;
	char **self_fks; /* NOT DEFERRABLE foreign keys to the table itself: deferred during the copy */
	int nself_fks;
	int64_t seeded; /* rows the migrations put there (what an empty target holds) */
};

struct copy_schema {
	struct copy_table *tables; /* in foreign-key order: a table after the ones it refers to */
	int ntables;
};

/* Reads the (migrated) PostgreSQL target's tables, columns, keys and foreign-key order.
 * 0, or -1 with "*error_r". */
int sh_copy_schema_load(struct sh_conn *target, struct copy_schema *schema, char **error_r);
/* Every table of the schema exists in the SQLite source with the same columns, and no
 * source table is missing from it. 0, or -1 with "*error_r" naming the difference. */
int sh_copy_schema_match_source(struct sh_conn *source, const struct copy_schema *schema,
				char **error_r);
void sh_copy_schema_free(struct copy_schema *schema);

struct copy_buf;

/* Copies every row of "t" from the SQLite source into the target (in the callers'
 * transactions), converting each value to its column's type; then moves its identity
 * sequences past the copied ids. "*rows_r": rows copied. When an INSERT fails,
 * "failed_keys_r" gets the keys of its batch's first and last rows ("id=3 to id=9"; a
 * text key shown as "(text)", as the verification does), never a value. */
enum sh_db_rc sh_copy_table_rows(struct sh_conn *source, struct sh_conn *target,
				 const struct copy_table *t, int64_t *rows_r,
				 struct copy_buf *failed_keys_r);

/* A growable NUL-terminated string. */
struct copy_buf {
	char *s;
	size_t len, cap;
};
void copy_buf_add(struct copy_buf *b, const char *text);
void copy_buf_addn(struct copy_buf *b, const char *text, size_t n);
void copy_buf_printf(struct copy_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "name" as a double-quoted SQL identifier (same on both backends). */
void copy_buf_ident(struct copy_buf *b, const char *name);
void copy_buf_clear(struct copy_buf *b); /* empties, keeps the memory */
void copy_buf_free(struct copy_buf *b);

/* A malloc'ed message (printf format). */
char *copy_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A table's rows in canonical text and key order, with the running BLAKE2b-256 of them
 * (db_fingerprint.c): the source and the copy are read side by side and compared row by
 * row, so a difference is named by its key, and the checksum is what the report shows.
 */
struct copy_cursor {
	const struct copy_table *table;
	bool pg;
	struct sh_conn *conn;
	/* PostgreSQL: the rows come through a server-side cursor, FETCH_ROWS at a time (a
	 * whole table in one result would sit in memory); "batch" counts the current FETCH's
	 * rows, "drained" says the last FETCH came back short, "declared" that it must be
	 * closed, "failed" that a FETCH failed (the transaction is lost: nothing to close). */
	int batch;
	bool declared, drained, failed;
	struct sh_stmt *stmt;
	struct copy_buf sql, row, key; /* row: canonical text; key: "id=..." of the row */
	crypto_generichash_state hash;
	int64_t rows;
};
void sh_copy_cursor_open(struct copy_cursor *c, struct sh_conn *conn, const struct copy_table *t);
/* The next row into c->row and c->key: SH_DB_ROW, SH_DB_OK at the end, or an error. */
enum sh_db_rc sh_copy_cursor_next(struct copy_cursor *c);
/* Frees the cursor; "hex_r" (may be NULL) gets the checksum of the rows read. */
void sh_copy_cursor_close(struct copy_cursor *c, char hex_r[65]);
/* Canonical text of a timestamp: "YYYY-MM-DDTHH:MM:SS.ffffffZ" in UTC from any RFC 3339
 * text; false when "text" is not one (the caller keeps it raw, so it cannot match). */
bool sh_copy_canonical_time(const char *text, char out[32]);

#endif
