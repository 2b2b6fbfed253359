/*
 * Column reads of the current row. Times come back as RFC 3339 UTC on both backends.
 */
#include "store/store-private.h"

#include "schoolhub/mem.h"
#include "schoolhub/util.h"

#include <ctype.h>
#include <errno.h>
#include <time.h>

static bool col_ok(struct sh_stmt *stmt, int col)
{
	return stmt->has_row && col >= 0 && col < stmt->conn->db->driver->col_count(stmt);
}

int sh_stmt_col_count(struct sh_stmt *stmt)
{
	return stmt->has_row ? stmt->conn->db->driver->col_count(stmt) : 0;
}

bool sh_stmt_col_is_null(struct sh_stmt *stmt, int col)
{
	return !col_ok(stmt, col) || stmt->conn->db->driver->col_is_null(stmt, col);
}

const char *sh_stmt_col_text(struct sh_stmt *stmt, int col)
{
	if (sh_stmt_col_is_null(stmt, col))
		return NULL;
	return stmt->conn->db->driver->col_text(stmt, col);
}

int64_t sh_stmt_col_int64(struct sh_stmt *stmt, int col)
{
	if (sh_stmt_col_is_null(stmt, col))
		return 0;
	return stmt->conn->db->driver->col_int64(stmt, col);
}

bool sh_stmt_col_bool(struct sh_stmt *stmt, int col)
{
	if (sh_stmt_col_is_null(stmt, col))
		return false;
	return stmt->conn->db->driver->col_bool(stmt, col);
}

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

/*
 * Reads "YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|+HH|+HH:MM|+HHMM|-...]" (no zone
 * means UTC, as SQLite's CURRENT_TIMESTAMP) into seconds since the epoch.
 * Anything else ("infinity", a bare date) is not a timestamp we rewrite.
 */
static bool parse_time(const char *s, time_t *t_r)
{
	struct tm tm = {0};
	int offset = 0, oh = 0, om = 0;

	if (!digits(s, 4, &tm.tm_year) || s[4] != '-' || !digits(s + 5, 2, &tm.tm_mon) ||
	    s[7] != '-' || !digits(s + 8, 2, &tm.tm_mday) || (s[10] != 'T' && s[10] != ' ') ||
	    !digits(s + 11, 2, &tm.tm_hour) || s[13] != ':' || !digits(s + 14, 2, &tm.tm_min) ||
	    s[16] != ':' || !digits(s + 17, 2, &tm.tm_sec))
		return false;
	s += 19;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == 'Z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		int sign = *s == '-' ? -1 : 1;
		if (!digits(s + 1, 2, &oh))
			return false;
		s += 3;
		if (*s == ':')
			s++;
		if (isdigit((unsigned char)*s)) {
			if (!digits(s, 2, &om))
				return false;
			s += 2;
		}
		offset = sign * (oh * 3600 + om * 60);
	}
	if (*s != '\0')
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	errno = 0;
	time_t t = timegm(&tm);
	if (t == (time_t)-1 && errno == EOVERFLOW)
		return false;
	*t_r = t - offset;
	return true;
}

const char *sh_stmt_col_time(struct sh_stmt *stmt, int col)
{
	const char *text = sh_stmt_col_text(stmt, col);
	time_t t;
	struct tm tm;

	if (text == NULL)
		return NULL;
	/* Already canonical (what SQLite holds): no copy, and no timegm() to check it (it was
	 * a tenth of a transaction list's instructions). */
	if (sh_time_is_canonical(text))
		return text;
	if (!parse_time(text, &t) || gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999)
		return text;

	/* Several time columns of one row are used together: one buffer each. */
	int ncols = stmt->conn->db->driver->col_count(stmt);
	if (stmt->ntimes < ncols) {
		sh_free(&stmt->times);
		stmt->times = sh_calloc((size_t)ncols, sizeof(*stmt->times));
		stmt->ntimes = ncols;
	}
	if (strftime(stmt->times[col], SH_TIME_BUF, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return text;
	return stmt->times[col];
}
