/*
 * The analytics rollup (issue #15, src/modules/admin/analytics_rollup.c): GET
 * /api/v1/admin/analytics gives the same bytes before and after the rollup, whole periods
 * and cut ones, across the end of summer time (Sunday 2026-10-25, 01:00 UTC) and a month
 * boundary at a Brussels midnight; a run rolls each finished period once (a second run,
 * or two at once, writes nothing more); the refresh-token purge no longer shrinks a past
 * week's active families; the current week is still counted live; the hourly job runs.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin_support.h"
#include "notify_support.h"
#include "modules/admin/analytics_rollup.h"
#include "modules/admin/retention.h"
#include "schoolhub/util.h"

#define U(n) "'00000000-0000-4000-8000-0000000a10" n "'"
#define A(n) "'00000000-0000-4000-8000-0000000a20" n "'"
#define S(n) "'00000000-0000-4000-8000-0000000a30" n "'"
#define T(n) "'00000000-0000-4000-8000-0000000a40" n "'"
#define E(n) "'00000000-0000-4000-8000-0000000a50" n "'"
#define R(n) "'00000000-0000-4000-8000-0000000a60" n "'"
#define M(n) "'00000000-0000-4000-8000-0000000a70" n "'"
#define CLASS_CONV "'00000000-0000-4000-8000-00000000c001'"
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ROLLUP_NOW "2026-12-01" /* the rollup runs as of this day: October and November over */
/* Whole weeks W42-W46 (months cut); whole months (weeks cut at both ends); a cut week on
 * each side of the change to winter time; and the first as CSV. */
#define WHOLE_WEEKS "/api/v1/admin/analytics?from=2026-10-12&to=2026-11-15"
#define WHOLE_MONTHS "/api/v1/admin/analytics?from=2026-10-01&to=2026-11-30"
#define CUT_WEEKS "/api/v1/admin/analytics?from=2026-10-21&to=2026-10-28"
/* October cut on the day summer time ends, November cut too: both from the day rollup. */
#define CUT_MONTHS "/api/v1/admin/analytics?from=2026-10-25&to=2026-11-05"
static const char *const periods[] = {WHOLE_WEEKS, WHOLE_MONTHS, CUT_WEEKS,
				      WHOLE_WEEKS "&format=csv", CUT_MONTHS};

#define USER(n, role, at)                                                                     \
	"(" U(n) ", 'ro" n "@example.test', 'x', 'A', 'A', '" role "', '" at "', '" at "')"
/* W42 (Mon 12 Oct), W43 (Mon 19 Oct, from 18 Oct 22:00 UTC), W44 (Mon 26 Oct, from 25 Oct
 * 23:00 UTC: winter time), W45 (Mon 2 Nov). New accounts: W42 1, W43 7, W44 3. */
static const char *const seed_sql[] = {
	"INSERT INTO users (id, email, password_hash, first_name, last_name, role, created_at,"
	" updated_at) VALUES" USER("01", "parent", "2026-10-18T21:30:00Z") ","
	USER("02", "parent", "2026-10-18T22:30:00Z") "," USER("03", "parent", "2026-10-20T10:00:00Z") ","
	USER("04", "parent", "2026-10-20T10:00:00Z") "," USER("05", "parent", "2026-10-20T10:00:00Z") ","
	USER("06", "parent", "2026-10-20T10:00:00Z") "," USER("07", "parent", "2026-10-20T10:00:00Z") ","
	USER("08", "parent", "2026-10-25T22:30:00Z") "," USER("09", "parent", "2026-10-25T23:30:00Z") ","
	USER("10", "parent", "2026-10-27T10:00:00Z") "," USER("11", "parent", "2026-10-27T10:00:00Z") ","
	USER("12", "teacher", "2026-10-05T10:00:00Z") ";",
#define TOKEN(id, user, at)                                                                   \
	"(" id ", " user ", " id ", 'hash-' || " id ", '" at "', '2026-11-30T00:00:00Z')"
	/* Active: W43 parents 01-06 and 08 (7; 12 is a teacher), W44 02, 03 and 09 (who
	 * writes), W45 01-05. Every token has expired by the time the suite runs. */
	"INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at)"
	" VALUES" TOKEN(R("01"), U("01"), "2026-10-21T08:00:00Z") ","
	TOKEN(R("02"), U("01"), "2026-10-22T08:00:00Z") "," TOKEN(R("03"), U("02"), "2026-10-21T08:00:00Z") ","
	TOKEN(R("04"), U("03"), "2026-10-21T08:00:00Z") "," TOKEN(R("05"), U("04"), "2026-10-21T08:00:00Z") ","
	TOKEN(R("06"), U("05"), "2026-10-21T08:00:00Z") "," TOKEN(R("07"), U("06"), "2026-10-21T08:00:00Z") ","
	TOKEN(R("08"), U("08"), "2026-10-25T22:30:00Z") "," TOKEN(R("09"), U("12"), "2026-10-21T08:00:00Z") ";",
	"INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at)"
	" VALUES"
	TOKEN(R("10"), U("02"), "2026-10-25T23:30:00Z") "," TOKEN(R("11"), U("03"), "2026-10-28T08:00:00Z") ","
	TOKEN(R("12"), U("01"), "2026-11-03T08:00:00Z") "," TOKEN(R("13"), U("02"), "2026-11-03T08:00:00Z") ","
	TOKEN(R("14"), U("03"), "2026-11-03T08:00:00Z") "," TOKEN(R("15"), U("04"), "2026-11-03T08:00:00Z") ","
	TOKEN(R("16"), U("05"), "2026-11-03T08:00:00Z") ";",
#define MSG(n, user, at) "(" M(n) ", " CLASS_CONV ", 9" n ", " user ", 'b', '" at "')"
	/* Messages: W43 6 (the last at 23:59 on Sunday, winter time), W44 2. */
	"INSERT INTO messages (id, conversation_id, seq, author_id, body, created_at) VALUES"
	MSG("01", U("01"), "2026-10-20T10:00:00Z") "," MSG("02", U("01"), "2026-10-21T10:00:00Z") ","
	MSG("03", U("01"), "2026-10-22T10:00:00Z") "," MSG("04", U("01"), "2026-10-23T10:00:00Z") ","
	MSG("05", U("01"), "2026-10-24T10:00:00Z") "," MSG("06", U("01"), "2026-10-25T22:59:00Z") ","
	MSG("07", U("09"), "2026-10-25T23:00:00Z") "," MSG("08", U("09"), "2026-10-28T10:00:00Z") ";",
#define EVENT(n, at, status)                                                                  \
	"(" E(n) ", 'e', '" at "', '" status "', " U("12") ", 'school', '2026-10-01T10:00:00Z',"   \
	" '2026-10-01T10:00:00Z')"
	"INSERT INTO events (id, title, starts_at, status, organiser_id, audience, created_at,"
	" updated_at) VALUES" EVENT("01", "2026-10-19T16:00:00Z", "published") ","
	EVENT("02", "2026-10-20T16:00:00Z", "published") "," EVENT("03", "2026-10-21T16:00:00Z", "published") ","
	EVENT("04", "2026-10-22T16:00:00Z", "published") "," EVENT("05", "2026-10-25T22:30:00Z", "published") ","
	EVENT("06", "2026-10-25T23:30:00Z", "published") "," EVENT("07", "2026-10-23T16:00:00Z", "proposed") ";",
#define ACCOUNT(n) "(" A(n) ", " U(n) ", 'member', 0, '2026-10-20T10:00:00Z', '2026-10-20T10:00:00Z')"
#define SERVICE(n, category)                                                                  \
	"(" S(n) ", " U("01") ", 's', '" category "', 'offer', '2026-10-20T10:00:00Z',"             \
	" '2026-10-20T10:00:00Z')"
	"INSERT INTO sel_accounts (id, user_id, kind, balance, created_at, updated_at) VALUES"
	ACCOUNT("01") "," ACCOUNT("02") ";",
	"INSERT INTO sel_services (id, user_id, title, category, kind, created_at, updated_at)"
	" VALUES" SERVICE("01", "childcare") "," SERVICE("02", "tutoring") ","
	SERVICE("03", "transport") ";",
#define PAY(n, units, service, done)                                                         \
	"(" T(n) ", 'payment', " A("01") ", " A("02") ", " U("01") ", " U("02") ", " units ", "    \
	service ", 'completed', NULL, '2026-10-05T10:00:00Z', '" done "')"
	/* October: childcare 6 (the last at 23:30 on the 31st, winter time), tutoring 1,
	 * transport 1; November: transport 5 (the first at 00:30 on the 1st), none 2. */
	"INSERT INTO sel_transactions (id, kind, from_account, to_account, from_user_id,"
	" to_user_id, units, service_id, status, created_by, created_at, completed_at) VALUES"
	PAY("01", "60", S("01"), "2026-10-05T10:00:00Z") "," PAY("02", "60", S("01"), "2026-10-06T10:00:00Z") ","
	PAY("03", "60", S("01"), "2026-10-07T10:00:00Z") "," PAY("04", "60", S("01"), "2026-10-08T10:00:00Z") ","
	PAY("05", "60", S("01"), "2026-10-09T10:00:00Z") "," PAY("06", "60", S("01"), "2026-10-31T22:30:00Z") ","
	PAY("07", "90", S("02"), "2026-10-09T10:00:00Z") "," PAY("08", "30", S("03"), "2026-10-09T10:00:00Z") ";",
	"INSERT INTO sel_transactions (id, kind, from_account, to_account, from_user_id,"
	" to_user_id, units, service_id, status, created_by, created_at, completed_at) VALUES"
	PAY("09", "30", S("03"), "2026-10-31T23:30:00Z") "," PAY("10", "30", S("03"), "2026-11-03T10:00:00Z") ","
	PAY("11", "30", S("03"), "2026-11-04T10:00:00Z") "," PAY("12", "30", S("03"), "2026-11-05T10:00:00Z") ","
	PAY("13", "45", S("03"), "2026-11-06T10:00:00Z") "," PAY("14", "60", "NULL", "2026-11-07T10:00:00Z") ","
	PAY("15", "60", "NULL", "2026-11-08T10:00:00Z") ";",
	/* Repair, around the end of summer time (Sunday 25 October, 01:00 UTC): three on the
	 * 25th in Brussels (00:30 and 02:30 summer time, 23:30 winter time), one at 00:30 on
	 * the 26th. */
	"INSERT INTO sel_services (id, user_id, title, category, kind, created_at, updated_at)"
	" VALUES" SERVICE("04", "repair") ";",
	"INSERT INTO sel_transactions (id, kind, from_account, to_account, from_user_id,"
	" to_user_id, units, service_id, status, created_by, created_at, completed_at) VALUES"
	PAY("16", "20", S("04"), "2026-10-24T22:30:00Z") "," PAY("17", "20", S("04"), "2026-10-25T00:30:00Z") ","
	PAY("18", "20", S("04"), "2026-10-25T22:30:00Z") "," PAY("19", "25", S("04"), "2026-10-25T23:30:00Z") ";"};

static struct th_member admin;
static char *live[ARRAY_LEN(periods)]; /* each period's body before any rollup */

static time_t day(const char *date)
{
	time_t t = 0;
	ck_assert_int_eq(sh_date_parse(date, &t), 0);
	return t + 12 * 3600;
}

static struct analytics_rollup_counts rollup_at(time_t now)
{
	struct sh_conn *conn = admin_db();
	struct analytics_rollup_counts counts;
	ck_assert_int_eq(analytics_rollup_run(conn, now, &counts), SH_DB_OK);
	sh_conn_close(&conn);
	return counts;
}

static void exec_sql(const char *sql)
{
	struct sh_conn *conn = admin_db();
	enum sh_db_rc rc = sh_conn_exec_script(conn, sql);
	ck_assert_msg(rc == SH_DB_OK, "%s: %d", sql, (int)rc);
	sh_conn_close(&conn);
}

static void seed(void)
{
	api_shared_server_start();
	admin_register(&admin, "roadmin", "admin");
	for (size_t k = 0; k < ARRAY_LEN(seed_sql); k++)
		exec_sql(seed_sql[k]);
	/* The live answers, the rollup empty (should the hourly job have run meanwhile). */
	exec_sql("DELETE FROM analytics_weeks; DELETE FROM analytics_months;"
		 " DELETE FROM analytics_sel_days;");
	for (size_t i = 0; i < ARRAY_LEN(periods); i++) {
		struct th_resp *r = admin_get(admin.access_token, periods[i], 200);
		live[i] = strdup(r->body);
		th_resp_free(&r);
	}
}

static void unseed(void)
{
	for (size_t i = 0; i < ARRAY_LEN(periods); i++)
		free(live[i]);
	th_member_free(&admin);
	api_shared_server_stop();
}

/* The rows of a rollup table ("key": its period column; api_db_count binds one text). */
static int64_t rows(const char *table, const char *key)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s WHERE %s <> $1", table, key);
	return api_db_count(sql, "", NULL);
}

/* The count "key" of week "i" of "r": a number, -5 for "< 5". */
static int64_t week_count(const struct th_resp *r, size_t i, const char *key)
{
	json_t *v = json_object_get(json_array_get(json_object_get(r->json, "weeks"), i), key);
	if (json_is_string(v)) {
		ck_assert_str_eq(json_string_value(v), "< 5");
		return -5;
	}
	ck_assert_msg(json_is_integer(v), "%s", key);
	return json_integer_value(v);
}

/* The exchanges of "category" on the rolled-up "day" (0 without a row). */
static int64_t day_exchanges(const char *day, const char *category)
{
	return api_db_count("SELECT COALESCE(SUM(exchanges), 0) FROM analytics_sel_day_categories"
			    " WHERE day = $1 AND category = $2", day, category);
}

static void assert_same_as_live(void)
{
	for (size_t i = 0; i < ARRAY_LEN(periods); i++) {
		struct th_resp *r = admin_get(admin.access_token, periods[i], 200);
		ck_assert_msg(strcmp(r->body, live[i]) == 0, "%s\nrolled up: %s\nlive: %s", periods[i],
			      r->body, live[i]);
		th_resp_free(&r);
	}
}

START_TEST(rolled_up_answers_are_the_live_ones)
{
	/* What the live answer says, so that "the same" means something. */
	struct th_resp *r = admin_get(admin.access_token, WHOLE_WEEKS, 200);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(r->json, "weeks"), 1), "starts")),
			 "2026-10-19");
	ck_assert_int_eq(week_count(r, 0, "new_accounts"), -5);
	ck_assert_int_eq(week_count(r, 1, "active_families"), 7);
	ck_assert_int_eq(week_count(r, 1, "new_accounts"), 7);
	ck_assert_int_eq(week_count(r, 1, "messages"), 6);
	ck_assert_int_eq(week_count(r, 1, "events"), 5);
	ck_assert_int_eq(week_count(r, 2, "active_families"), -5);
	ck_assert_int_eq(week_count(r, 3, "active_families"), 5);
	th_resp_free(&r);

	struct analytics_rollup_counts c = rollup_at(day(ROLLUP_NOW));
	/* From the oldest row's week (W41, the teacher's account) to W48; October, November. */
	ck_assert_int_eq(c.weeks, 8);
	ck_assert_int_eq(c.months, 2);
	ck_assert_int_eq(c.days, 57); /* 5 October to 30 November */
	ck_assert_int_eq(api_db_count("SELECT active FROM analytics_weeks WHERE week = $1",
				      "2026-10-19", NULL), 7);
	ck_assert_int_eq(api_db_count("SELECT new_accounts FROM analytics_weeks WHERE week = $1",
				      "2026-10-26", NULL), 3);
	ck_assert_int_eq(api_db_count("SELECT exchanges FROM analytics_month_categories WHERE"
				      " month = $1 AND category = $2", "2026-10", "childcare"), 6);
	ck_assert_int_eq(api_db_count("SELECT exchanges FROM analytics_month_categories WHERE"
				      " month = $1 AND category = $2", "2026-11", "transport"), 5);
	assert_same_as_live();

	/* The day of each SEL row is its Brussels day, across the change of time. */
	ck_assert_int_eq(day_exchanges("2026-10-24", "repair"), 0);
	ck_assert_int_eq(day_exchanges("2026-10-25", "repair"), 3);
	ck_assert_int_eq(day_exchanges("2026-10-26", "repair"), 1);
	ck_assert_int_eq(day_exchanges("2026-10-31", "childcare"), 1);
	ck_assert_int_eq(day_exchanges("2026-11-01", "transport"), 1);

	/* Once: a second run writes nothing, the rows are the same. */
	int64_t weeks = rows("analytics_weeks", "week"), cats = rows("analytics_month_categories", "month");
	c = rollup_at(day(ROLLUP_NOW));
	ck_assert_int_eq(c.weeks + c.months + c.days, 0);
	ck_assert_int_eq(rows("analytics_weeks", "week"), weeks);
	ck_assert_int_eq(rows("analytics_month_categories", "month"), cats);
	assert_same_as_live();
}
END_TEST

/* The months CUT_MONTHS cuts are read from the day rollup: a rolled-up day's row is what
 * the answer says (before session 9 a cut month was always counted from the ledger). */
START_TEST(a_cut_month_is_the_sum_of_its_days)
{
	rollup_at(day(ROLLUP_NOW));
	api_db_exec("UPDATE analytics_sel_day_categories SET exchanges = exchanges + 10"
		    " WHERE day = $1 AND category = $2", "2026-10-26", "repair");
	struct th_resp *r = admin_get(admin.access_token, CUT_MONTHS, 200);
	json_t *october = json_array_get(json_object_get(json_object_get(r->json, "sel"), "months"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(october, "month")), "2026-10");
	/* childcare 1 (the 31st), repair 3 + 1 and the 10 added to the 26th's row */
	ck_assert_msg(json_integer_value(json_object_get(october, "exchanges")) == 15, "%s",
		      r->body);
	th_resp_free(&r);
	api_db_exec("UPDATE analytics_sel_day_categories SET exchanges = exchanges - 10"
		    " WHERE day = $1 AND category = $2", "2026-10-26", "repair");
	assert_same_as_live();
}
END_TEST

struct racer {
	time_t now;
	enum sh_db_rc rc;
	struct analytics_rollup_counts counts;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct sh_conn *conn = admin_db();
	r->rc = analytics_rollup_run(conn, r->now, &r->counts);
	sh_conn_close(&conn);
	return NULL;
}

START_TEST(two_workers_write_each_period_once)
{
	exec_sql("DELETE FROM analytics_weeks; DELETE FROM analytics_months;"
		 " DELETE FROM analytics_sel_days;");
	struct racer racers[2] = {{.now = day(ROLLUP_NOW)}, {.now = day(ROLLUP_NOW)}};
	pthread_t threads[2];
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, race, &racers[i]), 0);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
	ck_assert_int_eq(racers[0].rc, SH_DB_OK);
	ck_assert_int_eq(racers[1].rc, SH_DB_OK);
	ck_assert_int_eq(racers[0].counts.weeks + racers[1].counts.weeks, 8);
	ck_assert_int_eq(racers[0].counts.months + racers[1].counts.months, 2);
	ck_assert_int_eq(rows("analytics_weeks", "week"), 8);
	ck_assert_int_eq(rows("analytics_months", "month"), 2);
	ck_assert_int_eq(racers[0].counts.days + racers[1].counts.days, 57);
	ck_assert_int_eq(rows("analytics_sel_days", "day"), 57);
	assert_same_as_live();
}
END_TEST

/* The retention purge erases expired sessions; before the rollup a past week's active
 * families were recounted from what was left. */
START_TEST(purging_sessions_keeps_past_weeks_active_count)
{
	rollup_at(day(ROLLUP_NOW));
	struct sh_conn *conn = admin_db();
	struct sh_purge_counts purged;
	ck_assert_int_eq(sh_retention_purge(conn, 365, time(NULL), false, &purged), SH_DB_OK);
	sh_conn_close(&conn);
	ck_assert_int_ge(purged.n[SH_PURGE_SESSIONS], 16);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM refresh_tokens WHERE created_at < $1",
				      "2026-12-01T00:00:00Z", NULL), 0);
	struct th_resp *r = admin_get(admin.access_token, WHOLE_WEEKS, 200);
	ck_assert_int_eq(week_count(r, 1, "active_families"), 7);
	ck_assert_int_eq(week_count(r, 3, "active_families"), 5);
	th_resp_free(&r);
	/* A week the period cuts is counted live, from what the purge left (01 who wrote). */
	r = admin_get(admin.access_token, CUT_WEEKS, 200);
	ck_assert_int_eq(week_count(r, 0, "active_families"), -5);
	th_resp_free(&r);
}
END_TEST

static int64_t this_week_messages(void)
{
	struct th_resp *r = admin_get(admin.access_token, "/api/v1/admin/analytics", 200);
	size_t n = json_array_size(json_object_get(r->json, "weeks"));
	int64_t count = week_count(r, n - 1, "messages");
	th_resp_free(&r);
	return count;
}

static void post_five_messages(int first)
{
	char now[SH_TIME_LEN + 1], sql[1024];
	sh_time_now(now);
	int at = 0;
	at += snprintf(sql + at, sizeof(sql) - (size_t)at,
		       "INSERT INTO messages (id, conversation_id, seq, author_id, body, created_at)"
		       " VALUES ");
	for (int i = first; i < first + 5; i++)
		at += snprintf(sql + at, sizeof(sql) - (size_t)at,
			       "%s('00000000-0000-4000-8000-0000000a80%02d', " CLASS_CONV ", %d, "
			       U("01") ", 'b', '%s')", i == first ? "" : ",", i, 800 + i, now);
	exec_sql(sql);
}

START_TEST(the_current_week_is_counted_live)
{
	struct analytics_rollup_counts c = rollup_at(time(NULL));
	(void)c;
	char monday[11];
	time_t today = analytics_brussels_day(time(NULL));
	struct tm tm;
	gmtime_r(&today, &tm);
	today -= (time_t)((tm.tm_wday + 6) % 7) * 86400;
	gmtime_r(&today, &tm);
	strftime(monday, sizeof(monday), "%Y-%m-%d", &tm);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM analytics_weeks WHERE week >= $1",
				      monday, NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM analytics_weeks WHERE week = $1",
				      "2026-11-23", NULL), 1);
	post_five_messages(0);
	int64_t before = this_week_messages();
	ck_assert_int_ge(before, 5);
	post_five_messages(5);
	ck_assert_int_eq(this_week_messages(), before + 5);
}
END_TEST

/* The job: queued at :10 past the hour on the notification clock, it rolls up what is over
 * and queues the next hour's. The clock is moved to two seconds before the slot after the
 * one queued at start-up, and that slot queued as a running job would (each queues the
 * next). Last: the sessions are purged by then, so the weeks it writes hold what is left. */
START_TEST(the_hourly_job_rolls_up)
{
	exec_sql("DELETE FROM analytics_weeks; DELETE FROM analytics_months;");
	time_t real = time(NULL);
	time_t slot = real - real % 3600 + 600 + 3600;
	if (slot - 3600 <= real)
		slot += 3600;
	char due[SH_TIME_LEN + 1], next[SH_TIME_LEN + 1];
	sh_time_format(slot, due);
	sh_time_format(slot + 3600, next);
	nt_clock(slot - 2);
	struct sh_conn *conn = admin_db();
	ck_assert_int_eq(sh_analytics_rollup_schedule_next(conn), SH_DB_OK);
	sh_conn_close(&conn);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM notification_schedule WHERE name = $1"
				      " AND due_at = $2", "analytics-rollup", due), 1);
	bool ran = false;
	for (int i = 0; i < 400 && !ran; i++) {
		ran = api_db_count("SELECT COUNT(*) FROM notification_schedule WHERE name = $1 AND"
				   " due_at = $2", "analytics-rollup", next) == 1 &&
		      rows("analytics_months", "month") >= 2;
		if (!ran)
			usleep(50000);
	}
	nt_clock_reset();
	ck_assert_msg(ran, "the scheduled rollup did not run");
	ck_assert_int_eq(api_db_count("SELECT new_accounts FROM analytics_weeks WHERE week = $1",
				      "2026-10-19", NULL), 7);
	ck_assert_int_eq(api_db_count("SELECT exchanges FROM analytics_month_categories WHERE"
				      " month = $1 AND category = $2", "2026-10", "childcare"), 6);
}
END_TEST

Suite *api_admin_analytics_rollup_suite(void)
{
	Suite *s = suite_create("admin_analytics_rollup");
	TCase *tc = tcase_create("rollup");
	tcase_add_unchecked_fixture(tc, seed, unseed);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, rolled_up_answers_are_the_live_ones);
	tcase_add_test(tc, two_workers_write_each_period_once);
	tcase_add_test(tc, a_cut_month_is_the_sum_of_its_days);
	tcase_add_test(tc, purging_sessions_keeps_past_weeks_active_count); /* erases sessions */
	tcase_add_test(tc, the_current_week_is_counted_live);
	tcase_add_test(tc, the_hourly_job_rolls_up);
	suite_add_tcase(s, tc);
	return s;
}
