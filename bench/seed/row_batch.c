/* Multi-row INSERT batches: buffered typed values, bound when the batch is written. */
#include "row_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/mem.h"

enum value_kind { VALUE_NULL, VALUE_TEXT, VALUE_INT, VALUE_BOOL };

struct sh_row_value {
	enum value_kind kind;
	int64_t i;
	char *text; /* malloc'ed, VALUE_TEXT only */
};

/* head + "($1, $2), ($3, $4)" for "rows" rows; malloc'ed. */
static char *build_sql(const char *head, int cols, int rows)
{
	size_t cap = strlen(head) + (size_t)rows * (size_t)cols * 10 + (size_t)rows * 4 + 1;
	char *sql = sh_malloc(cap);
	size_t len = (size_t)snprintf(sql, cap, "%s", head);
	int n = 1;
	for (int r = 0; r < rows; r++) {
		len += (size_t)snprintf(sql + len, cap - len, "%s(", r > 0 ? ", " : "");
		for (int c = 0; c < cols; c++)
			len += (size_t)snprintf(sql + len, cap - len, "%s$%d", c > 0 ? ", " : "", n++);
		len += (size_t)snprintf(sql + len, cap - len, ")");
	}
	return sql;
}

void sh_row_batch_init(struct sh_row_batch *b, struct sh_conn *conn, const char *head, int cols,
		       int max_rows)
{
	memset(b, 0, sizeof(*b));
	b->conn = conn;
	b->head = head;
	b->cols = cols;
	b->max_rows = max_rows;
	b->sql_full = build_sql(head, cols, max_rows);
	b->values = sh_calloc((size_t)max_rows * (size_t)cols, sizeof(*b->values));
}

static void clear_values(struct sh_row_batch *b)
{
	for (int i = 0; i < b->rows * b->cols + b->col; i++)
		if (b->values[i].kind == VALUE_TEXT)
			sh_free(&b->values[i].text);
	b->rows = 0;
	b->col = 0;
}

void sh_row_batch_free(struct sh_row_batch *b)
{
	if (b->values != NULL)
		clear_values(b);
	sh_free(&b->values);
	sh_free(&b->sql_full);
}

static struct sh_row_value *next_value(struct sh_row_batch *b)
{
	if (b->col >= b->cols) {
		fprintf(stderr, "row batch: too many values for \"%s\"\n", b->head);
		abort(); /* a programming error, caught by the first test run */
	}
	return &b->values[b->rows * b->cols + b->col++];
}

void sh_row_batch_text(struct sh_row_batch *b, const char *value)
{
	struct sh_row_value *v = next_value(b);
	v->kind = value != NULL ? VALUE_TEXT : VALUE_NULL;
	v->text = value != NULL ? sh_strdup(value) : NULL;
}

void sh_row_batch_int64(struct sh_row_batch *b, int64_t value)
{
	struct sh_row_value *v = next_value(b);
	v->kind = VALUE_INT;
	v->i = value;
}

void sh_row_batch_bool(struct sh_row_batch *b, bool value)
{
	struct sh_row_value *v = next_value(b);
	v->kind = VALUE_BOOL;
	v->i = value;
}

enum sh_db_rc sh_row_batch_end_row(struct sh_row_batch *b)
{
	if (b->col != b->cols) {
		fprintf(stderr, "row batch: %d of %d values for \"%s\"\n", b->col, b->cols, b->head);
		abort();
	}
	b->rows++;
	b->col = 0;
	return b->rows == b->max_rows ? sh_row_batch_flush(b) : SH_DB_OK;
}

enum sh_db_rc sh_row_batch_flush(struct sh_row_batch *b)
{
	if (b->after != NULL) {
		enum sh_db_rc rc = sh_row_batch_flush(b->after);
		if (rc != SH_DB_OK)
			return rc;
	}
	if (b->rows == 0)
		return SH_DB_OK;
	/* A last, shorter batch gets its own SQL: prepared once, used once. */
	char *sql_short = b->rows < b->max_rows ? build_sql(b->head, b->cols, b->rows) : NULL;
	/* The bind count is known only now: the list is built here, not with SH_ARGS. */
	int count = b->rows * b->cols;
	struct sh_arg *args = sh_malloc((size_t)count * sizeof(*args));
	for (int i = 0; i < count; i++) {
		const struct sh_row_value *v = &b->values[i];
		switch (v->kind) {
		case VALUE_NULL: args[i] = SH_NULL; break;
		case VALUE_TEXT: args[i] = SH_TEXT(v->text); break;
		case VALUE_INT: args[i] = SH_INT(v->i); break;
		case VALUE_BOOL: args[i] = SH_BOOL(v->i != 0); break;
		}
	}
	enum sh_db_rc rc = sh_exec(b->conn, sql_short ? sql_short : b->sql_full,
				   (struct sh_args){args, count}, NULL);
	free(args);
	if (rc == SH_DB_OK)
		b->written += b->rows;
	else
		fprintf(stderr, "row batch: writing %d rows failed: %.60s...\n", b->rows, b->head);
	clear_values(b);
	free(sql_short);
	return rc;
}
