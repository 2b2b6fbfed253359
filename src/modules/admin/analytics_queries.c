/*
 * The analytics figures in SQL (analytics_queries.h), one statement each, on both backends.
 *
 * Weeks and months are Brussels ones. PostgreSQL converts with its time zone database
 * (AT TIME ZONE 'Europe/Brussels'). SQLite has none, and its times are RFC 3339 UTC text:
 * the EU rule is written out instead (schoolhub/brussels_time.h): UTC+2 from 01:00 UTC on
 * the last Sunday of March (the first Sunday from the 25th) to 01:00 UTC on the last
 * Sunday of October, UTC+1 otherwise. A week is named by its Monday (an ISO week runs
 * Monday to Sunday); the API layer turns that into "2026-W49".
 */
#include "modules/admin/analytics_queries.h"

#include <stdbool.h>
#include <stdint.h>

/* SQLite: the Brussels wall-clock time of column "c" ("YYYY-MM-DD HH:MM:SS"). */
#define LITE_LOCAL(c)                                                                          \
	"datetime(" c ", CASE WHEN " c " >= strftime('%Y-%m-%dT01:00:00Z', substr(" c           \
	", 1, 4) || '-03-25', 'weekday 0') AND " c " < strftime('%Y-%m-%dT01:00:00Z', substr(" c \
	", 1, 4) || '-10-25', 'weekday 0') THEN '+2 hours' ELSE '+1 hours' END)"
#define LITE_WEEK(c) "date(" LITE_LOCAL(c) ", '-6 days', 'weekday 1')"
#define LITE_MONTH(c) "substr(" LITE_LOCAL(c) ", 1, 7)"
#define LITE_HOUR(c) "(substr(" c ", 1, 13) || ':00:00Z')"
#define PG_LOCAL(c) "(" c " AT TIME ZONE 'Europe/Brussels')"
#define PG_WEEK(c) "to_char(date_trunc('week', " PG_LOCAL(c) "), 'YYYY-MM-DD')"
#define PG_MONTH(c) "to_char(" PG_LOCAL(c) ", 'YYYY-MM')"
/* date_trunc on a timestamptz truncates in the session's time zone: every connection sets
 * it to UTC (driver_pg.c, setup_session, on connect and on reconnect, failing closed), so
 * this is the UTC hour whatever the database's or the server's default (in a zone with a
 * half-hour offset it would not be). */
#define PG_HOUR(c) "date_trunc('hour', " c ")"

/*
 * "sql" written twice from one template: HOUR(column) is the UTC hour a time falls in,
 * WEEK(hour) and MONTH(hour) its Brussels week and month, per backend.
 *
 * Why hours: converting a time to Brussels is several date functions per row on SQLite
 * (and a time-zone lookup on PostgreSQL), too slow for every row of two years of ledger.
 * The rows are counted per UTC hour first, then each hour is converted once: exact,
 * because Brussels changes its offset on the hour (01:00 UTC) and is a whole number of
 * hours from UTC. The hour-to-week (or month) tables are MATERIALIZED so that the
 * conversion runs once per hour, not once per row joined to them (SQLite would otherwise
 * flatten them into the join).
 */
#define TWICE(TEMPLATE)                                                                        \
	{TEMPLATE(LITE_HOUR, LITE_WEEK, LITE_MONTH), TEMPLATE(PG_HOUR, PG_WEEK, PG_MONTH)}

/* Parents active in a week: a row in any of the tables that record what a member did. A
 * refresh token is written at each sign-in and each session refresh (every access token's
 * lifetime while the app is open), so it stands for "used the app". The (hour, member)
 * pairs are made distinct first, then the hours named by week. */
#define ACTIVE_SQL(HOUR, WEEK, MONTH)                                                          \
	"WITH acts AS ("                                                                       \
	" SELECT " HOUR("r.created_at") " AS h, r.user_id AS user_id FROM refresh_tokens r"    \
	" WHERE r.created_at >= $1 AND r.created_at < $2"                                      \
	" UNION SELECT " HOUR("t.created_at") ", t.created_by FROM sel_transactions t"         \
	" WHERE t.created_at >= $1 AND t.created_at < $2 AND t.created_by IS NOT NULL"         \
	" UNION SELECT " HOUR("m.created_at") ", m.author_id FROM messages m"                   \
	" WHERE m.created_at >= $1 AND m.created_at < $2 AND m.author_id IS NOT NULL"          \
	" UNION SELECT " HOUR("e.created_at") ", e.user_id FROM event_registrations e"          \
	" WHERE e.created_at >= $1 AND e.created_at < $2 AND e.user_id IS NOT NULL),"          \
	" weeks AS MATERIALIZED (SELECT h, " WEEK("h") " AS week FROM (SELECT DISTINCT h FROM acts) hours)" \
	" SELECT w.week, COUNT(DISTINCT a.user_id), 0 FROM acts a JOIN weeks w ON w.h = a.h"   \
	" WHERE a.user_id IN (SELECT id FROM users WHERE role = 'parent') GROUP BY w.week"
/* The same parents within one week, whose name the caller knows: no hour, no time zone,
 * so one statement for both backends. For a period of a week the hour tables above cost
 * more than the counting (about 20 ms a week on SQLite at 10,000 families, against 3). */
static const char active_one_week_sql[] =
	"SELECT COUNT(*) FROM (SELECT r.user_id AS user_id FROM refresh_tokens r"
	" WHERE r.created_at >= $1 AND r.created_at < $2"
	" UNION SELECT t.created_by FROM sel_transactions t"
	" WHERE t.created_at >= $1 AND t.created_at < $2 AND t.created_by IS NOT NULL"
	" UNION SELECT m.author_id FROM messages m"
	" WHERE m.created_at >= $1 AND m.created_at < $2 AND m.author_id IS NOT NULL"
	" UNION SELECT e.user_id FROM event_registrations e"
	" WHERE e.created_at >= $1 AND e.created_at < $2 AND e.user_id IS NOT NULL) a"
	" WHERE a.user_id IN (SELECT id FROM users WHERE role = 'parent')";
/* A count per week of the rows of "table" whose "column" is in the period. */
#define WEEKLY_COUNT(HOUR, WEEK, table, column, where)                                         \
	"SELECT " WEEK("c.h") ", SUM(c.n), 0 FROM (SELECT " HOUR(column) " AS h, COUNT(*) AS n" \
	" FROM " table " WHERE " column " >= $1 AND " column " < $2" where " GROUP BY 1) c"    \
	" GROUP BY 1"
#define ACCOUNTS_SQL(HOUR, WEEK, MONTH) WEEKLY_COUNT(HOUR, WEEK, "users", "created_at", "")
#define MESSAGES_SQL(HOUR, WEEK, MONTH) WEEKLY_COUNT(HOUR, WEEK, "messages", "created_at", "")
#define EVENTS_SQL(HOUR, WEEK, MONTH)                                                          \
	WEEKLY_COUNT(HOUR, WEEK, "events", "starts_at", " AND status = 'published'")
/* Per hour and category first, then the hours named by month, once each. */
#define SEL_SQL(HOUR, WEEK, MONTH)                                                             \
	"WITH x AS (SELECT " HOUR("t.completed_at") " AS h, COALESCE(s.category, 'none') AS"    \
	" category, COUNT(*) AS n, SUM(t.units) AS units FROM sel_transactions t"              \
	" LEFT JOIN sel_services s ON s.id = t.service_id"                                     \
	" WHERE t.completed_at >= $1 AND t.completed_at < $2 AND t.status = 'completed'"       \
	" AND t.kind IN ('payment', 'request') GROUP BY 1, 2),"                                \
	" months AS MATERIALIZED (SELECT h, " MONTH("h") " AS month FROM (SELECT DISTINCT h FROM x) hours)" \
	" SELECT m.month, x.category, SUM(x.n), SUM(x.units) FROM x JOIN months m ON m.h = x.h" \
	" GROUP BY 1, 2 ORDER BY 1, 2"

static const char *const weekly_sql[ANALYTICS_WEEKLY_COUNT][2] = {
	[ANALYTICS_ACTIVE] = TWICE(ACTIVE_SQL),
	[ANALYTICS_NEW_ACCOUNTS] = TWICE(ACCOUNTS_SQL),
	[ANALYTICS_MESSAGES] = TWICE(MESSAGES_SQL),
	[ANALYTICS_EVENTS] = TWICE(EVENTS_SQL),
};
static const char *const sel_sql[2] = TWICE(SEL_SQL);

/* The SEL figures of part of one month: the rolled-up days [$3, $4) ("YYYY-MM-DD") plus
 * the raw rows completed in [$1, $2), per category. Every row is in the one month, so no
 * hour and no time zone: one statement for both backends, the categories ordered as
 * SEL_SQL orders them. The rollup job counts a day with it too (no rolled-up days). */
static const char sel_month_part_sql[] =
	"SELECT c.category, SUM(c.n), SUM(c.units) FROM ("
	"SELECT d.category AS category, d.exchanges AS n, d.units AS units"
	" FROM analytics_sel_day_categories d WHERE d.day >= $3 AND d.day < $4"
	" UNION ALL SELECT COALESCE(s.category, 'none'), 1, t.units FROM sel_transactions t"
	" LEFT JOIN sel_services s ON s.id = t.service_id"
	" WHERE t.completed_at >= $1 AND t.completed_at < $2 AND t.status = 'completed'"
	" AND t.kind IN ('payment', 'request')) c GROUP BY c.category ORDER BY c.category";

/* Runs "sql" and hands each row (period, category or NULL, count, sum) to "fn". */
static enum sh_db_rc each_row(struct sh_conn *conn, const char *sql, struct sh_args args,
			      bool has_category, analytics_row_fn *fn, void *ctx)
{
	struct sh_stmt *st = sh_query(conn, sql, args);
	int n = has_category ? 1 : 0;
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		fn(ctx, sh_stmt_col_text(st, 0), has_category ? sh_stmt_col_text(st, 1) : NULL,
		   sh_stmt_col_int64(st, 1 + n), sh_stmt_col_int64(st, 2 + n));
	sh_stmt_free(&st);
	return rc;
}

static int dialect(struct sh_conn *conn)
{
	return sh_db_kind(sh_conn_db(conn)) == SH_DB_POSTGRES ? 1 : 0;
}

enum sh_db_rc analytics_weekly(struct sh_conn *conn, enum analytics_weekly figure,
			       const char *since, const char *until, analytics_row_fn *fn, void *ctx)
{
	return each_row(conn, weekly_sql[figure][dialect(conn)],
			SH_ARGS(SH_TEXT(since), SH_TEXT(until)), false, fn, ctx);
}

enum sh_db_rc analytics_active_in_week(struct sh_conn *conn, const char *since,
				       const char *until, int64_t *count_r)
{
	enum sh_db_rc rc = sh_query_int64(conn, active_one_week_sql,
					  SH_ARGS(SH_TEXT(since), SH_TEXT(until)), count_r);
	return rc == SH_DB_ROW ? SH_DB_OK : rc;
}

enum sh_db_rc analytics_sel_months(struct sh_conn *conn, const char *since, const char *until,
				   analytics_row_fn *fn, void *ctx)
{
	return each_row(conn, sel_sql[dialect(conn)], SH_ARGS(SH_TEXT(since), SH_TEXT(until)),
			true, fn, ctx);
}

enum sh_db_rc analytics_sel_month_part(struct sh_conn *conn, const char *month,
				       const char *first_day, const char *rolled_until,
				       const char *since, const char *until, analytics_row_fn *fn,
				       void *ctx)
{
	struct sh_stmt *st = sh_query(conn, sel_month_part_sql,
				      SH_ARGS(SH_TEXT(since), SH_TEXT(until), SH_TEXT(first_day),
					      SH_TEXT(rolled_until)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		fn(ctx, month, sh_stmt_col_text(st, 0), sh_stmt_col_int64(st, 1),
		   sh_stmt_col_int64(st, 2));
	sh_stmt_free(&st);
	return rc;
}

/*
 * One range count per bucket over the index sel_accounts_member_balance (migration 0026:
 * (kind, balance) WHERE kind = 'member'), the buckets' bounds made by a recursive CTE
 * (i, lo, hi: lo <= balance <= hi, the first from $4 = INT64_MIN, the last to $5 =
 * INT64_MAX); no table row and no users row is read for an account. Erased members keep
 * their account as kind 'member' (sh_user_erase leaves the ledger alone): they are counted
 * per bucket from the partial index users_erased, a handful of rows, and taken out. CROSS
 * JOIN keeps that order on SQLite (users first, then each one's account by user_id) with
 * or without ANALYZE: with a plain JOIN it read every member account from the (kind,
 * balance) index and looked each one up in users. PostgreSQL plans it as an inner join.
 *
 * Until session 9 each request joined all the member accounts to users: about 40 ms of
 * server CPU on SQLite at 10,000 families; one statement with a CASE per account over the
 * index, 6 ms; these range counts, 1 ms (PERFORMANCE.md, "Balances and cut months").
 * Current state, not a rollup: nothing can go stale.
 */
#define BIG(n) "CAST($" #n " AS BIGINT)"
static const char balances_sql[] =
	"WITH RECURSIVE k (i, lo, hi) AS (SELECT CAST(0 AS BIGINT), " BIG(4) ","
	" CASE WHEN " BIG(3) " = 0 THEN " BIG(5) " ELSE " BIG(1) " + " BIG(2) " - 1 END"
	" UNION ALL SELECT k.i + 1, " BIG(1) " + (k.i + 1) * " BIG(2) ","
	" CASE WHEN k.i + 1 = " BIG(3) " THEN " BIG(5) " ELSE " BIG(1) " + (k.i + 2) * " BIG(2)
	" - 1 END FROM k WHERE k.i < " BIG(3) ")"
	" SELECT k.i, (SELECT COUNT(*) FROM sel_accounts a WHERE a.kind = 'member'"
	" AND a.balance BETWEEN k.lo AND k.hi) - (SELECT COUNT(*) FROM users u"
	" CROSS JOIN sel_accounts e WHERE e.user_id = u.id AND u.deleted_at IS NOT NULL"
	" AND e.kind = 'member' AND e.balance BETWEEN k.lo AND k.hi) FROM k";

enum sh_db_rc analytics_balances(struct sh_conn *conn, int64_t floor, int64_t width, int64_t last,
				 analytics_row_fn *fn, void *ctx)
{
	struct sh_stmt *st = sh_query(conn, balances_sql,
				      SH_ARGS(SH_INT(floor), SH_INT(width), SH_INT(last),
					      SH_INT(INT64_MIN), SH_INT(INT64_MAX)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		fn(ctx, NULL, NULL, sh_stmt_col_int64(st, 1), sh_stmt_col_int64(st, 0));
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc analytics_rolled_weeks(struct sh_conn *conn, const char *first, const char *last,
				     analytics_week_fn *fn, void *ctx)
{
	struct sh_stmt *st = sh_query(conn,
				      "SELECT week, active, new_accounts, messages, events"
				      " FROM analytics_weeks WHERE week >= $1 AND week <= $2",
				      SH_ARGS(SH_TEXT(first), SH_TEXT(last)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		int64_t count[ANALYTICS_WEEKLY_COUNT];
		for (int k = 0; k < ANALYTICS_WEEKLY_COUNT; k++)
			count[k] = sh_stmt_col_int64(st, 1 + k);
		fn(ctx, sh_stmt_col_text(st, 0), count);
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc analytics_rolled_months(struct sh_conn *conn, const char *first, const char *last,
				      analytics_row_fn *fn, void *ctx)
{
	/* ORDER BY the category as the live query does (sel_months: ORDER BY 1, 2), so that a
	 * month's categories come in the same order whichever way it was counted. */
	return each_row(conn,
			"SELECT m.month, c.category, COALESCE(c.exchanges, 0), COALESCE(c.units, 0)"
			" FROM analytics_months m LEFT JOIN analytics_month_categories c"
			" ON c.month = m.month WHERE m.month >= $1 AND m.month <= $2"
			" ORDER BY 1, 2",
			SH_ARGS(SH_TEXT(first), SH_TEXT(last)), true, fn, ctx);
}
