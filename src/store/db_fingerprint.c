/*
 * A table's fingerprint, computed the same way on SQLite and PostgreSQL so `schoolhub db
 * copy` can compare a copy with its source: the row count, and the BLAKE2b-256 of every
 * row's canonical text, rows in primary-key order.
 *
 * Canonical text of a row: its columns in the target's column order, separated by a tab,
 * ended by a newline. A NULL is "\N"; in any other value a backslash, tab, newline or
 * carriage return is written "\\", "\t", "\n", "\r". Per type (the target's):
 *   integers     decimal ("42")
 *   boolean      "t" or "f" (SQLite's 1 and 0)
 *   timestamptz  UTC with microseconds, "2026-11-26T21:38:38.000000Z"
 *   uuid         lower-case 8-4-4-4-12 hex
 *   bytea        lower-case hex of the bytes
 *   anything else: the text as stored.
 * Order: the primary key's columns, integers as numbers and everything else by the bytes
 * of its canonical text (COLLATE "C" on PostgreSQL, BINARY on SQLite); a table without a
 * key is ordered by all its columns. docs/OPERATIONS.md says the same for operators.
 */
#include "store/db_copy_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static bool digits(const char *s, int n, int *value_r)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*value_r = v;
	return true;
}

/* The zone suffix "Z", "", "+HH", "+HH:MM" or "+HHMM" (or "-") in seconds east of UTC. */
static bool zone_offset(const char *s, int *offset_r)
{
	int oh = 0, om = 0;
	*offset_r = 0;
	if (*s == 'Z')
		return s[1] == '\0';
	if (*s == '\0')
		return true; /* no zone: UTC, as SQLite's own time functions write */
	if ((*s != '+' && *s != '-') || !digits(s + 1, 2, &oh))
		return false;
	int sign = *s == '-' ? -1 : 1;
	s += 3;
	if (*s == ':')
		s++;
	if (*s != '\0' && (!digits(s, 2, &om) || s[2] != '\0'))
		return false;
	*offset_r = sign * (oh * 3600 + om * 60);
	return true;
}

bool sh_copy_canonical_time(const char *s, char out[32])
{
	struct tm tm = {0};
	if (!digits(s, 4, &tm.tm_year) || s[4] != '-' || !digits(s + 5, 2, &tm.tm_mon) ||
	    s[7] != '-' || !digits(s + 8, 2, &tm.tm_mday) || (s[10] != 'T' && s[10] != ' ') ||
	    !digits(s + 11, 2, &tm.tm_hour) || s[13] != ':' || !digits(s + 14, 2, &tm.tm_min) ||
	    s[16] != ':' || !digits(s + 17, 2, &tm.tm_sec))
		return false;
	s += 19;
	char frac[7] = "000000";
	if (*s == '.') {
		s++;
		int n = 0;
		if (!isdigit((unsigned char)*s))
			return false;
		for (; isdigit((unsigned char)*s); s++)
			if (n < 6)
				frac[n++] = *s;
	}
	int offset;
	if (!zone_offset(s, &offset))
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	errno = 0;
	time_t t = timegm(&tm);
	if (t == (time_t)-1 && errno == EOVERFLOW)
		return false;
	t -= offset;
	struct tm utc;
	if (gmtime_r(&t, &utc) == NULL || utc.tm_year + 1900 > 9999 || utc.tm_year + 1900 < 1)
		return false;
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &utc); /* 19 bytes: years 1-9999 */
	if (n != 19)
		return false;
	snprintf(out + n, 32 - n, ".%sZ", frac);
	return true;
}

/* The SQL expression giving column "c"'s canonical text (times: PostgreSQL only). */
static void canonical_expr(struct copy_buf *b, const struct copy_column *c, bool pg)
{
	struct copy_buf id = {0};
	copy_buf_ident(&id, c->name);
	switch (c->kind) {
	case COPY_KIND_BOOL:
		copy_buf_printf(b, pg ? "CASE WHEN %s THEN 't' WHEN NOT %s THEN 'f' END"
				      : "CASE WHEN %s IS NULL THEN NULL WHEN %s THEN 't' ELSE 'f' END",
				id.s, id.s);
		break;
	case COPY_KIND_TIME:
		copy_buf_printf(b, pg ? "to_char(%s AT TIME ZONE 'UTC', "
				      "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
				      : "%s",
				id.s);
		break;
	case COPY_KIND_UUID:
		copy_buf_printf(b, pg ? "%s::text" : "lower(%s)", id.s);
		break;
	case COPY_KIND_BYTES:
		/* SQLite's hex(NULL) is '': NULL kept apart from an empty value */
		copy_buf_printf(b, pg ? "encode(%s, 'hex')"
				      : "CASE WHEN %s IS NULL THEN NULL ELSE lower(hex(%s)) END",
				id.s, id.s);
		break;
	case COPY_KIND_INT:
	case COPY_KIND_TEXT:
		copy_buf_printf(b, pg ? "%s::text" : "%s", id.s);
		break;
	}
	copy_buf_free(&id);
}

/* SELECT of every column's canonical text, in key order. */
static void fingerprint_sql(struct copy_buf *b, const struct copy_table *t, bool pg)
{
	copy_buf_add(b, "SELECT ");
	for (int i = 0; i < t->ncols; i++) {
		if (i > 0)
			copy_buf_add(b, ", ");
		canonical_expr(b, &t->cols[i], pg);
	}
	copy_buf_add(b, " FROM ");
	copy_buf_ident(b, t->name);
	copy_buf_add(b, " ORDER BY ");
	for (int k = 0; k < t->npk; k++) {
		const struct copy_column *c = &t->cols[t->pk[k]];
		if (k > 0)
			copy_buf_add(b, ", ");
		if (c->kind == COPY_KIND_INT) {
			/* Qualified: a bare name would be the output column (its text). */
			copy_buf_ident(b, t->name);
			copy_buf_add(b, ".");
			copy_buf_ident(b, c->name);
			continue;
		}
		copy_buf_add(b, "(");
		canonical_expr(b, c, pg);
		copy_buf_add(b, pg ? ") COLLATE \"C\"" : ") COLLATE BINARY");
	}
}

/* Appends value "v" in canonical form (escaped; NULL as \N). */
static void canonical_value(struct copy_buf *b, const char *v)
{
	if (v == NULL) {
		copy_buf_add(b, "\\N");
		return;
	}
	const char *start = v;
	for (const char *p = v; *p; p++) {
		const char *esc = *p == '\\' ? "\\\\" : *p == '\t' ? "\\t" : *p == '\n' ? "\\n"
				: *p == '\r' ? "\\r" : NULL;
		if (esc == NULL)
			continue;
		copy_buf_addn(b, start, (size_t)(p - start));
		copy_buf_add(b, esc);
		start = p + 1;
	}
	copy_buf_add(b, start);
}

/* PostgreSQL's cursor (one at a time per connection: each is closed before the next) and
 * how many rows a FETCH brings. */
#define FINGERPRINT_CURSOR "sh_fingerprint"
#define FETCH_ROWS 1000
#define FETCH_SQL "FETCH 1000 FROM " FINGERPRINT_CURSOR

void sh_copy_cursor_open(struct copy_cursor *c, struct sh_conn *conn, const struct copy_table *t)
{
	memset(c, 0, sizeof(*c));
	c->table = t;
	c->conn = conn;
	c->pg = sh_db_kind(sh_conn_db(conn)) == SH_DB_POSTGRES;
	fingerprint_sql(&c->sql, t, c->pg);
	crypto_generichash_init(&c->hash, NULL, 0, 32);
	if (!c->pg) {
		c->stmt = sh_query(conn, c->sql.s, SH_ARGS());
		return;
	}
	/* Every caller reads inside a transaction, which a cursor needs. */
	struct copy_buf declare = {0};
	copy_buf_add(&declare, "DECLARE " FINGERPRINT_CURSOR " NO SCROLL CURSOR FOR ");
	copy_buf_add(&declare, c->sql.s);
	c->declared = sh_conn_exec_script(conn, declare.s) == SH_DB_OK;
	copy_buf_free(&declare);
	if (!c->declared)
		c->drained = true; /* the error is the connection's last; next() reports it */
}

/* The next row of the query: SQLite's statement, or PostgreSQL's cursor a FETCH at a time. */
static enum sh_db_rc cursor_step(struct copy_cursor *c)
{
	if (!c->pg)
		return sh_stmt_step(c->stmt);
	if (!c->declared)
		return SH_DB_ERROR;
	for (;;) {
		if (c->stmt == NULL) {
			if (c->drained)
				return SH_DB_OK;
			c->stmt = sh_query(c->conn, FETCH_SQL, SH_ARGS());
			c->batch = 0;
		}
		enum sh_db_rc rc = sh_stmt_step(c->stmt);
		if (rc == SH_DB_ROW)
			c->batch++;
		else if (rc != SH_DB_OK)
			c->failed = true;
		if (rc != SH_DB_OK)
			return rc;
		c->drained = c->batch < FETCH_ROWS;
		sh_stmt_free(&c->stmt);
	}
}

enum sh_db_rc sh_copy_cursor_next(struct copy_cursor *c)
{
	enum sh_db_rc rc = cursor_step(c);
	copy_buf_clear(&c->row);
	copy_buf_clear(&c->key);
	if (rc != SH_DB_ROW)
		return rc;
	const struct copy_table *t = c->table;
	for (int i = 0; i < t->ncols; i++) {
		const char *v = sh_stmt_col_text(c->stmt, i);
		char when[32];
		if (!c->pg && v != NULL && t->cols[i].kind == COPY_KIND_TIME &&
		    sh_copy_canonical_time(v, when))
			v = when;
		if (i > 0)
			copy_buf_add(&c->row, "\t");
		canonical_value(&c->row, v);
	}
	copy_buf_add(&c->row, "\n");
	/* The row's key for messages: ids and numbers as they are; a text key (a search word,
	 * an e-mail address) is personal data and stays out of a terminal's scrollback. */
	for (int k = 0; k < t->npk && k < 4; k++) {
		const struct copy_column *col = &t->cols[t->pk[k]];
		const char *v = sh_stmt_col_text(c->stmt, t->pk[k]);
		bool shown = col->kind == COPY_KIND_INT || col->kind == COPY_KIND_UUID;
		copy_buf_printf(&c->key, "%s%s=%.64s", k > 0 ? ", " : "", col->name,
				v == NULL ? "NULL" : shown ? v : "(text)");
	}
	crypto_generichash_update(&c->hash, (const unsigned char *)c->row.s, c->row.len);
	c->rows++;
	return SH_DB_ROW;
}

void sh_copy_cursor_close(struct copy_cursor *c, char hex_r[65])
{
	unsigned char digest[32];
	crypto_generichash_final(&c->hash, digest, sizeof(digest));
	if (hex_r != NULL)
		sodium_bin2hex(hex_r, 65, digest, sizeof(digest));
	sh_stmt_free(&c->stmt);
	/* Closed for the next table's cursor; after an error the transaction is lost anyway. */
	if (c->declared && !c->failed)
		sh_conn_exec_script(c->conn, "CLOSE " FINGERPRINT_CURSOR);
	copy_buf_free(&c->sql);
	copy_buf_free(&c->row);
	copy_buf_free(&c->key);
}
