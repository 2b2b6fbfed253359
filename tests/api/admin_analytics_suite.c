/*
 * GET /api/v1/admin/analytics (issue #15): every figure on a small dataset written straight
 * into the database with known times (spring 2025, far from the rows the suite's own
 * members add now), in Brussels weeks and months across the change to summer time; the
 * "< 5" rule on every count; who may read it; bad periods; CSV; modules switched off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_support.h"

#define U(n) "'00000000-0000-4000-8000-0000000000" n "'"
#define A(n) "'00000000-0000-4000-8000-0000000a00" n "'"
#define S(n) "'00000000-0000-4000-8000-0000000b00" n "'"
#define T(n) "'00000000-0000-4000-8000-0000000c00" n "'"
#define E(n) "'00000000-0000-4000-8000-0000000d00" n "'"
#define R(n) "'00000000-0000-4000-8000-0000000e00" n "'"
#define M(n) "'00000000-0000-4000-8000-0000000f00" n "'"
#define CLASS_CONV "'00000000-0000-4000-8000-00000000c001'"
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PERIOD "/api/v1/admin/analytics?from=2025-03-24&to=2025-04-13"

/* Summer time began on Sunday 2025-03-30 at 01:00 UTC: 22:30 UTC that evening is Monday
 * 00:30 in Brussels (the next ISO week), 21:30 UTC still Sunday. The period asked for is
 * 2025-03-24 (W13) to 2025-04-13 (W15), i.e. from 2025-03-23T23:00Z to 2025-04-13T22:00Z. */
static const char *const seed_users[] = {
	"INSERT INTO users (id, email, password_hash, first_name, last_name, role, created_at,"
	" updated_at) VALUES"
	"(" U("01") ", 'an01@example.test', 'x', 'A', 'A', 'parent', '2025-03-23T23:30:00Z', '2025-03-23T23:30:00Z'),"
	"(" U("02") ", 'an02@example.test', 'x', 'A', 'A', 'parent', '2025-03-25T10:00:00Z', '2025-03-25T10:00:00Z'),"
	"(" U("03") ", 'an03@example.test', 'x', 'A', 'A', 'parent', '2025-03-26T10:00:00Z', '2025-03-26T10:00:00Z'),"
	"(" U("04") ", 'an04@example.test', 'x', 'A', 'A', 'parent', '2025-03-28T10:00:00Z', '2025-03-28T10:00:00Z'),"
	"(" U("05") ", 'an05@example.test', 'x', 'A', 'A', 'parent', '2025-03-30T21:30:00Z', '2025-03-30T21:30:00Z'),"
	"(" U("06") ", 'an06@example.test', 'x', 'A', 'A', 'parent', '2025-03-30T22:30:00Z', '2025-03-30T22:30:00Z'),"
	"(" U("07") ", 'an07@example.test', 'x', 'A', 'A', 'parent', '2025-04-02T10:00:00Z', '2025-04-02T10:00:00Z'),"
	"(" U("08") ", 'an08@example.test', 'x', 'A', 'A', 'parent', '2025-03-23T22:30:00Z', '2025-03-23T22:30:00Z'),"
	"(" U("09") ", 'an09@example.test', 'x', 'A', 'A', 'parent', '2025-04-13T22:30:00Z', '2025-04-13T22:30:00Z'),"
	"(" U("10") ", 'an10@example.test', 'x', 'A', 'A', 'parent', '2025-01-10T10:00:00Z', '2025-01-10T10:00:00Z'),"
	"(" U("11") ", 'an11@example.test', 'x', 'A', 'A', 'parent', '2025-01-10T10:00:00Z', '2025-01-10T10:00:00Z'),"
	"(" U("12") ", 'an12@example.test', 'x', 'A', 'A', 'parent', '2025-01-10T10:00:00Z', '2025-01-10T10:00:00Z'),"
	"(" U("13") ", 'an13@example.test', 'x', 'A', 'A', 'teacher', '2025-01-10T10:00:00Z', '2025-01-10T10:00:00Z');"};

#define TOKEN(id, user, at)                                                                   \
	"(" id ", " user ", " id ", 'hash-' || " id ", '" at "', '2026-01-01T00:00:00Z')"
static const char *const seed_activity[] = {
	"INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at)"
	" VALUES" TOKEN(R("01"), U("01"), "2025-03-25T08:00:00Z") ","
	TOKEN(R("02"), U("01"), "2025-03-27T08:00:00Z") "," TOKEN(R("03"), U("02"), "2025-03-25T08:00:00Z") ","
	TOKEN(R("04"), U("03"), "2025-03-25T08:00:00Z") "," TOKEN(R("05"), U("04"), "2025-03-25T08:00:00Z") ","
	TOKEN(R("06"), U("10"), "2025-03-25T08:00:00Z") "," TOKEN(R("07"), U("13"), "2025-03-25T08:00:00Z") ","
	TOKEN(R("08"), U("02"), "2025-04-01T08:00:00Z") "," TOKEN(R("09"), U("12"), "2025-04-14T08:00:00Z") ";",
	"INSERT INTO messages (id, conversation_id, seq, author_id, body, created_at) VALUES"
	"(" M("01") ", " CLASS_CONV ", 901, " U("11") ", 'b', '2025-03-27T10:00:00Z'),"
	"(" M("02") ", " CLASS_CONV ", 902, " U("05") ", 'b', '2025-04-01T10:00:00Z'),"
	"(" M("03") ", " CLASS_CONV ", 903, " U("05") ", 'b', '2025-04-01T10:01:00Z'),"
	"(" M("04") ", " CLASS_CONV ", 904, " U("05") ", 'b', '2025-04-02T10:00:00Z'),"
	"(" M("05") ", " CLASS_CONV ", 905, " U("05") ", 'b', '2025-04-03T10:00:00Z'),"
	"(" M("06") ", " CLASS_CONV ", 906, " U("05") ", 'b', '2025-04-04T10:00:00Z'),"
	"(" M("07") ", " CLASS_CONV ", 907, " U("05") ", 'b', '2025-04-06T21:59:00Z');",
	"INSERT INTO events (id, title, starts_at, status, organiser_id, audience, created_at,"
	" updated_at) VALUES"
	"(" E("01") ", 'e', '2025-03-30T22:30:00Z', 'published', " U("10") ", 'school', '2025-01-10T10:00:00Z', '2025-01-10T10:00:00Z'),"
	"(" E("02") ", 'e', '2025-04-08T16:00:00Z', 'published', " U("10") ", 'school', '2025-01-10T10:00:00Z', '2025-01-10T10:00:00Z'),"
	"(" E("03") ", 'e', '2025-04-09T16:00:00Z', 'published', " U("10") ", 'school', '2025-01-10T10:00:00Z', '2025-01-10T10:00:00Z'),"
	"(" E("04") ", 'e', '2025-04-10T16:00:00Z', 'published', " U("10") ", 'school', '2025-01-10T10:00:00Z', '2025-01-10T10:00:00Z'),"
	"(" E("05") ", 'e', '2025-04-11T16:00:00Z', 'published', " U("10") ", 'school', '2025-01-10T10:00:00Z', '2025-01-10T10:00:00Z'),"
	"(" E("06") ", 'e', '2025-04-13T21:00:00Z', 'published', " U("10") ", 'school', '2025-01-10T10:00:00Z', '2025-01-10T10:00:00Z'),"
	"(" E("07") ", 'e', '2025-04-12T16:00:00Z', 'proposed', " U("10") ", 'school', '2025-01-10T10:00:00Z', '2025-01-10T10:00:00Z');",
	"INSERT INTO event_registrations (id, event_id, user_id, adults, children, status, arrival,"
	" created_at, updated_at) VALUES (" E("11") ", " E("02") ", " U("12") ", 1, 0, 'waiting', 1,"
	" '2025-04-03T10:00:00Z', '2025-04-03T10:00:00Z');"};

#define ACCOUNT(n, balance)                                                                  \
	"(" A(n) ", " U(n) ", 'member', " balance ", '2025-01-10T10:00:00Z', '2025-01-10T10:00:00Z')"
#define SERVICE(n, category)                                                                  \
	"(" S(n) ", " U("01") ", 's', '" category "', 'offer', '2025-01-10T10:00:00Z',"             \
	" '2025-01-10T10:00:00Z')"
#define PAY(n, kind, units, service, status, created_by, done)                               \
	"(" T(n) ", '" kind "', " A("01") ", " A("02") ", " U("01") ", " U("02") ", " units ", "   \
	service ", '" status "', " created_by ", '2025-03-20T10:00:00Z', " done ")"
/* Childcare: 6 in March (the last at 23:30 in Brussels on March 31); tutoring and a
 * category that looks like a formula: 1 each in March; transport: 5 in April (the first at
 * 00:30 in Brussels on April 1). Left out: a pending one, an opening, one after the period. */
static const char *const seed_sel[] = {
	"UPDATE sel_accounts SET balance = -300 WHERE kind = 'member';",
	"INSERT INTO sel_accounts (id, user_id, kind, balance, created_at, updated_at) VALUES"
	ACCOUNT("01", "-300") "," ACCOUNT("02", "-300") "," ACCOUNT("03", "-300") ","
	ACCOUNT("04", "-300") "," ACCOUNT("05", "-300") "," ACCOUNT("06", "-250") ","
	ACCOUNT("07", "599") "," ACCOUNT("08", "599") "," ACCOUNT("09", "600") ","
	ACCOUNT("10", "0") "," ACCOUNT("11", "0") "," ACCOUNT("12", "59") ";",
	"INSERT INTO sel_services (id, user_id, title, category, kind, created_at, updated_at)"
	" VALUES" SERVICE("01", "childcare") "," SERVICE("02", "tutoring") ","
	SERVICE("03", "transport") "," SERVICE("04", "=SUM(A1)") ";",
	"INSERT INTO sel_transactions (id, kind, from_account, to_account, from_user_id,"
	" to_user_id, units, service_id, status, created_by, created_at, completed_at) VALUES"
	PAY("01", "payment", "60", S("01"), "completed", "NULL", "'2025-03-24T10:00:00Z'") ","
	PAY("02", "payment", "60", S("01"), "completed", "NULL", "'2025-03-25T10:00:00Z'") ","
	PAY("03", "request", "60", S("01"), "completed", "NULL", "'2025-03-26T10:00:00Z'") ","
	PAY("04", "payment", "60", S("01"), "completed", "NULL", "'2025-03-27T10:00:00Z'") ","
	PAY("05", "payment", "60", S("01"), "completed", "NULL", "'2025-03-28T10:00:00Z'") ","
	PAY("06", "payment", "60", S("01"), "completed", "NULL", "'2025-03-31T21:30:00Z'") ","
	PAY("07", "payment", "90", S("02"), "completed", "NULL", "'2025-03-26T10:00:00Z'") ","
	PAY("08", "payment", "60", S("04"), "completed", "NULL", "'2025-03-26T10:00:00Z'") ";",
	"INSERT INTO sel_transactions (id, kind, from_account, to_account, from_user_id,"
	" to_user_id, units, service_id, status, created_by, created_at, completed_at) VALUES"
	PAY("09", "payment", "30", S("03"), "completed", "NULL", "'2025-03-31T22:30:00Z'") ","
	PAY("10", "payment", "30", S("03"), "completed", "NULL", "'2025-04-02T10:00:00Z'") ","
	PAY("11", "payment", "30", S("03"), "completed", "NULL", "'2025-04-03T10:00:00Z'") ","
	PAY("12", "request", "30", S("03"), "completed", "NULL", "'2025-04-08T10:00:00Z'") ","
	PAY("13", "payment", "30", S("03"), "completed", "NULL", "'2025-04-10T10:00:00Z'") ","
	PAY("14", "payment", "60", S("01"), "pending", U("03"), "NULL") ","
	PAY("15", "opening", "120", "NULL", "completed", "NULL", "'2025-03-25T10:00:00Z'") ","
	PAY("16", "payment", "60", S("01"), "completed", "NULL", "'2025-04-13T22:30:00Z'") ";",
	/* May: childcare 5, tutoring 6, transport 3 (the one "< 5" category of the month) */
	"INSERT INTO sel_transactions (id, kind, from_account, to_account, from_user_id,"
	" to_user_id, units, service_id, status, created_by, created_at, completed_at) VALUES"
	PAY("17", "payment", "60", S("01"), "completed", "NULL", "'2025-05-05T10:00:00Z'") ","
	PAY("18", "payment", "60", S("01"), "completed", "NULL", "'2025-05-06T10:00:00Z'") ","
	PAY("19", "payment", "60", S("01"), "completed", "NULL", "'2025-05-07T10:00:00Z'") ","
	PAY("20", "payment", "60", S("01"), "completed", "NULL", "'2025-05-08T10:00:00Z'") ","
	PAY("21", "payment", "60", S("01"), "completed", "NULL", "'2025-05-09T10:00:00Z'") ","
	PAY("22", "payment", "90", S("02"), "completed", "NULL", "'2025-05-05T11:00:00Z'") ","
	PAY("23", "payment", "90", S("02"), "completed", "NULL", "'2025-05-06T11:00:00Z'") ";",
	"INSERT INTO sel_transactions (id, kind, from_account, to_account, from_user_id,"
	" to_user_id, units, service_id, status, created_by, created_at, completed_at) VALUES"
	PAY("24", "payment", "90", S("02"), "completed", "NULL", "'2025-05-07T11:00:00Z'") ","
	PAY("25", "payment", "90", S("02"), "completed", "NULL", "'2025-05-08T11:00:00Z'") ","
	PAY("26", "payment", "90", S("02"), "completed", "NULL", "'2025-05-09T11:00:00Z'") ","
	PAY("27", "payment", "90", S("02"), "completed", "NULL", "'2025-05-12T11:00:00Z'") ","
	PAY("28", "payment", "30", S("03"), "completed", "NULL", "'2025-05-13T10:00:00Z'") ","
	PAY("29", "payment", "30", S("03"), "completed", "NULL", "'2025-05-14T10:00:00Z'") ","
	PAY("30", "payment", "45", S("03"), "completed", "NULL", "'2025-05-15T10:00:00Z'") ";",
	/* the pending one was asked for on April 1: an act of u03 in W14 */
	"UPDATE sel_transactions SET created_at = '2025-04-01T10:00:00Z' WHERE id = " T("14") ";"};

static struct th_member admin;
static int64_t accounts_before; /* member accounts of the suite's own members (at -300) */

static void seed(void)
{
	api_shared_server_start();
	admin_register(&admin, "anaadmin", "admin");
	accounts_before = api_db_count("SELECT COUNT(*) FROM sel_accounts a JOIN users u ON "
				       "u.id = a.user_id WHERE a.kind = $1 AND u.deleted_at IS NULL",
				       "member", NULL);
	struct sh_conn *conn = admin_db();
	const char *const *parts[] = {seed_users, seed_activity, seed_sel};
	const size_t counts[] = {ARRAY_LEN(seed_users), ARRAY_LEN(seed_activity), ARRAY_LEN(seed_sel)};
	for (size_t i = 0; i < 3; i++)
		for (size_t k = 0; k < counts[i]; k++) {
			enum sh_db_rc rc = sh_conn_exec_script(conn, parts[i][k]);
			ck_assert_msg(rc == SH_DB_OK, "seed part %zu.%zu: %d", i, k, (int)rc);
		}
	/* Should the hourly rollup have run while the rows went in, what it rolled up is gone:
	 * this suite checks the figures of the rows (the rollup's suite compares the two). */
	ck_assert_int_eq(sh_conn_exec_script(conn, "DELETE FROM analytics_weeks;"
					     " DELETE FROM analytics_months;"
					     " DELETE FROM analytics_sel_days;"), SH_DB_OK);
	sh_conn_close(&conn);
}

static void unseed(void)
{
	th_member_free(&admin);
	api_shared_server_stop();
}

/* The count "key" of "obj" as the API wrote it: a number, -5 for "< 5", -1 for null
 * (withheld so that a "< 5" cell can't be recomputed by subtraction). */
static int64_t count_of(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (json_is_null(v))
		return -1;
	if (json_is_string(v)) {
		ck_assert_str_eq(json_string_value(v), "< 5");
		return -5;
	}
	ck_assert_msg(json_is_integer(v), "%s is neither a count nor \"< 5\"", key);
	return json_integer_value(v);
}

/* Members whose integers are not counts (limits, bounds, sums). */
static bool not_a_count(const char *key)
{
	static const char *const keys[] = {"floor", "ceiling", "bucket_units", "from", "to",
					   "units_per_hour", "units"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i], key) == 0)
			return true;
	return false;
}

/* No count anywhere in "v" is 1, 2, 3 or 4; returns how many counts it saw. */
static int assert_no_small_count(json_t *v, const char *key)
{
	int seen = 0;
	if (json_is_integer(v) && key != NULL && !not_a_count(key)) {
		json_int_t n = json_integer_value(v);
		ck_assert_msg(n == 0 || n >= 5, "%s = %lld", key, (long long)n);
		seen++;
	} else if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++)
			seen += assert_no_small_count(json_array_get(v, i), key);
	} else if (json_is_object(v)) {
		const char *k;
		json_t *item;
		json_object_foreach(v, k, item)
			seen += assert_no_small_count(item, k);
	}
	return seen;
}

/* The week "i" of the reply: its name and Monday. */
static json_t *week(const struct th_resp *r, size_t i, const char *name, const char *monday)
{
	json_t *w = json_array_get(json_object_get(r->json, "weeks"), i);
	ck_assert_ptr_nonnull(w);
	ck_assert_str_eq(json_string_value(json_object_get(w, "week")), name);
	ck_assert_str_eq(json_string_value(json_object_get(w, "starts")), monday);
	return w;
}

static void assert_week(const struct th_resp *r, size_t i, const char *name, const char *monday,
			int64_t active, int64_t accounts, int64_t messages, int64_t events)
{
	json_t *w = week(r, i, name, monday);
	ck_assert_int_eq(count_of(w, "active_families"), active);
	ck_assert_int_eq(count_of(w, "new_accounts"), accounts);
	ck_assert_int_eq(count_of(w, "messages"), messages);
	ck_assert_int_eq(count_of(w, "events"), events);
}

/* The category "name" of month "m", or NULL. */
static json_t *category(json_t *m, const char *name)
{
	json_t *cats = json_object_get(m, "categories");
	for (size_t i = 0; i < json_array_size(cats); i++) {
		json_t *c = json_array_get(cats, i);
		if (strcmp(json_string_value(json_object_get(c, "category")), name) == 0)
			return c;
	}
	return NULL;
}

START_TEST(every_figure_of_the_period)
{
	struct th_resp *r = admin_get(admin.access_token, PERIOD, 200);
	ck_assert_str_eq(th_str(r, "from"), "2025-03-24");
	ck_assert_str_eq(th_str(r, "to"), "2025-04-13");
	ck_assert_str_eq(th_str(r, "small_count"), "< 5");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "weeks")), 3);
	assert_week(r, 0, "2025-W13", "2025-03-24", 6, 5, -5, 0);
	assert_week(r, 1, "2025-W14", "2025-03-31", -5, -5, 6, -5);
	assert_week(r, 2, "2025-W15", "2025-04-07", 0, 0, 0, 5);

	json_t *sel = json_object_get(r->json, "sel");
	ck_assert_int_eq(json_integer_value(json_object_get(sel, "units_per_hour")), 60);
	json_t *months = json_object_get(sel, "months");
	ck_assert_int_eq(json_array_size(months), 2);
	json_t *march = json_array_get(months, 0), *april = json_array_get(months, 1);
	ck_assert_str_eq(json_string_value(json_object_get(march, "month")), "2025-03");
	ck_assert_int_eq(count_of(march, "exchanges"), 8);
	ck_assert_int_eq(json_integer_value(json_object_get(march, "units")), 510);
	ck_assert_int_eq(json_array_size(json_object_get(march, "categories")), 3);
	/* tutoring and =SUM(A1) are "< 5" and 8 - 6 = 2 would tell they are 1 each:
	 * childcare is withheld as well */
	ck_assert_int_eq(count_of(category(march, "childcare"), "exchanges"), -1);
	ck_assert(json_is_null(json_object_get(category(march, "childcare"), "units")));
	ck_assert_int_eq(count_of(category(march, "tutoring"), "exchanges"), -5);
	ck_assert(json_is_null(json_object_get(category(march, "tutoring"), "units")));
	ck_assert_int_eq(count_of(category(march, "=SUM(A1)"), "exchanges"), -5);
	ck_assert_str_eq(json_string_value(json_object_get(april, "month")), "2025-04");
	ck_assert_int_eq(count_of(april, "exchanges"), 5);
	ck_assert_int_eq(json_integer_value(json_object_get(april, "units")), 150);
	ck_assert_int_eq(json_array_size(json_object_get(april, "categories")), 1);
	ck_assert_int_eq(count_of(category(april, "transport"), "exchanges"), 5);

	json_t *bal = json_object_get(sel, "balances");
	ck_assert_int_eq(json_integer_value(json_object_get(bal, "floor")), -300);
	ck_assert_int_eq(json_integer_value(json_object_get(bal, "ceiling")), 600);
	ck_assert_int_eq(json_integer_value(json_object_get(bal, "bucket_units")), 60);
	json_t *buckets = json_object_get(bal, "buckets");
	ck_assert_int_eq(json_array_size(buckets), 15);
	for (size_t i = 0; i < 15; i++) {
		json_t *b = json_array_get(buckets, i);
		ck_assert_int_eq(json_integer_value(json_object_get(b, "from")), -300 + 60 * (int)i);
		ck_assert_int_eq(json_integer_value(json_object_get(b, "to")), -240 + 60 * (int)i);
		int64_t want = i == 0 ? accounts_before + 6 : (i == 5 || i == 14) ? -5 : 0;
		ck_assert_int_eq(count_of(b, "members"), want);
	}
	ck_assert_int_eq(count_of(bal, "near_floor"), accounts_before + 6);
	ck_assert_int_eq(count_of(bal, "near_ceiling"), -5);
	ck_assert_int_gt(assert_no_small_count(r->json, NULL), 20);
	th_resp_free(&r);
}
END_TEST

START_TEST(no_count_between_1_and_4_whatever_the_period)
{
	/* Every day of the period alone, and the default period (the last 13 weeks). */
	char path[128];
	for (int day = 24; day <= 44; day++) {
		int month = day <= 31 ? 3 : 4, d = day <= 31 ? day : day - 31;
		snprintf(path, sizeof(path), "/api/v1/admin/analytics?from=2025-%02d-%02d&to=2025-%02d-%02d",
			 month, d, month, d);
		struct th_resp *r = admin_get(admin.access_token, path, 200);
		ck_assert_int_gt(assert_no_small_count(r->json, NULL), 5);
		th_resp_free(&r);
	}
	struct th_resp *r = admin_get(admin.access_token, "/api/v1/admin/analytics", 200);
	ck_assert_int_ge(json_array_size(json_object_get(r->json, "weeks")), 13);
	assert_no_small_count(r->json, NULL);
	th_resp_free(&r);
}
END_TEST

/* Whether the CSV "body" holds the line "line" (without its CRLF). */
static bool has_line(const char *body, const char *line)
{
	char *want = NULL;
	ck_assert_int_gt(asprintf(&want, "%s\r\n", line), 0);
	bool found = strstr(body, want) != NULL;
	free(want);
	return found;
}

START_TEST(the_same_figures_as_csv)
{
	const char *accept[] = {"Accept: text/csv", NULL};
	struct th_resp *csv[2] = {
		th_request("GET", PERIOD "&format=csv", admin.access_token, NULL, NULL, NULL),
		th_request("GET", PERIOD, admin.access_token, NULL, NULL, accept),
	};
	for (int i = 0; i < 2; i++) {
		struct th_resp *r = csv[i];
		ck_assert_int_eq(r->status, 200);
		ck_assert_str_eq(th_header(r, "Content-Type"), "text/csv; charset=utf-8");
		ck_assert_ptr_nonnull(strstr(th_header(r, "Content-Disposition"),
					     "analytics-2025-03-24-2025-04-13.csv"));
		ck_assert(strncmp(r->body, "figure,period,category,value\r\n", 30) == 0);
		ck_assert(has_line(r->body, "new_accounts,\"2025-W13\",\"\",\"5\""));
		ck_assert(has_line(r->body, "new_accounts,\"2025-W14\",\"\",\"< 5\""));
		ck_assert(has_line(r->body, "active_families,\"2025-W13\",\"\",\"6\""));
		ck_assert(has_line(r->body, "events,\"2025-W15\",\"\",\"5\""));
		ck_assert(has_line(r->body, "messages,\"2025-W15\",\"\",\"0\""));
		ck_assert(has_line(r->body, "sel_exchanges,\"2025-03\",\"childcare\",\"\""));
		ck_assert(has_line(r->body, "sel_hours,\"2025-03\",\"childcare\",\"\""));
		ck_assert(has_line(r->body, "sel_exchanges,\"2025-03\",\"\",\"8\""));
		ck_assert(has_line(r->body, "sel_hours,\"2025-03\",\"\",\"8.50\""));
		ck_assert(has_line(r->body, "sel_hours,\"2025-03\",\"tutoring\",\"\""));
		/* a category that reads as a formula is defused */
		ck_assert(has_line(r->body, "sel_exchanges,\"2025-03\",\"'=SUM(A1)\",\"< 5\""));
		ck_assert(has_line(r->body, "sel_balance_members,\"[540 .. 600]\",\"\",\"< 5\""));
		/* no value cell holds a count of 1 to 4 */
		for (int n = 1; n <= 4; n++) {
			char cell[16];
			snprintf(cell, sizeof(cell), ",\"%d\"\r\n", n);
			ck_assert_ptr_null(strstr(r->body, cell));
		}
		th_resp_free(&csv[i]);
	}
}
END_TEST

/* Whether the cell "key" of "obj" is hidden: "< 5" or null. */
static bool hidden(json_t *obj, const char *key)
{
	return count_of(obj, key) < 0;
}

START_TEST(a_small_category_cannot_be_recomputed)
{
	/* May: 14 exchanges; transport 3 ("< 5"), childcare 5, tutoring 6. Shown: 14, 6 and
	 * the two hidden ones, so 14 - 6 = 8 is all the reader learns of them. */
	struct th_resp *r = admin_get(admin.access_token,
				      "/api/v1/admin/analytics?from=2025-05-01&to=2025-05-31", 200);
	json_t *may = json_array_get(json_object_get(json_object_get(r->json, "sel"), "months"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(may, "month")), "2025-05");
	ck_assert_int_eq(count_of(may, "exchanges"), 14);
	ck_assert_int_eq(json_integer_value(json_object_get(may, "units")), 300 + 540 + 105);
	ck_assert_int_eq(count_of(category(may, "transport"), "exchanges"), -5);
	ck_assert_int_eq(count_of(category(may, "childcare"), "exchanges"), -1);
	ck_assert(json_is_null(json_object_get(category(may, "childcare"), "units")));
	ck_assert_int_eq(count_of(category(may, "tutoring"), "exchanges"), 6);
	ck_assert_int_eq(json_integer_value(json_object_get(category(may, "tutoring"), "units")), 540);
	/* at least two hidden cells whenever one is, in every month of a longer period */
	th_resp_free(&r);
	r = admin_get(admin.access_token, "/api/v1/admin/analytics?from=2025-03-01&to=2025-05-31",
		      200);
	json_t *months = json_object_get(json_object_get(r->json, "sel"), "months");
	ck_assert_int_eq(json_array_size(months), 3);
	for (size_t i = 0; i < json_array_size(months); i++) {
		json_t *m = json_array_get(months, i), *cats = json_object_get(m, "categories");
		int n = 0;
		for (size_t k = 0; k < json_array_size(cats); k++)
			n += hidden(json_array_get(cats, k), "exchanges");
		ck_assert_msg(n == 0 || n >= 2 || hidden(m, "exchanges"), "month %zu: %d", i, n);
	}
	th_resp_free(&r);
	r = admin_get(admin.access_token, "/api/v1/admin/analytics?from=2025-05-01&to=2025-05-31"
		      "&format=csv", 200);
	ck_assert(has_line(r->body, "sel_exchanges,\"2025-05\",\"\",\"14\""));
	ck_assert(has_line(r->body, "sel_hours,\"2025-05\",\"\",\"15.75\""));
	ck_assert(has_line(r->body, "sel_exchanges,\"2025-05\",\"tutoring\",\"6\""));
	ck_assert(has_line(r->body, "sel_hours,\"2025-05\",\"tutoring\",\"9.00\""));
	ck_assert(has_line(r->body, "sel_exchanges,\"2025-05\",\"transport\",\"< 5\""));
	ck_assert(has_line(r->body, "sel_hours,\"2025-05\",\"transport\",\"\""));
	ck_assert(has_line(r->body, "sel_exchanges,\"2025-05\",\"childcare\",\"\""));
	ck_assert(has_line(r->body, "sel_hours,\"2025-05\",\"childcare\",\"\""));
	th_resp_free(&r);
}
END_TEST

START_TEST(bad_periods_are_refused)
{
	static const char *const cases[][3] = {
		{"from=2025-02-30&to=2025-03-01", "from", "invalid_date"},
		{"from=2025-03-01&to=yesterday", "to", "invalid_date"},
		{"from=2025-04-02&to=2025-04-01", "from", "out_of_range"},
		{"from=2023-01-01&to=2025-01-02", "to", "range_too_long"},
		{"from=2025-03-01&to=2025-03-02&format=xml", "format", "invalid_value"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[160];
		snprintf(path, sizeof(path), "/api/v1/admin/analytics?%s", cases[i][0]);
		struct th_resp *r = admin_get(admin.access_token, path, 422);
		ck_assert_problem(r, 422, "validation_failed");
		assert_field_error(r, cases[i][1], cases[i][2]);
		th_resp_free(&r);
	}
	/* Two whole years, a leap day included, are allowed. */
	struct th_resp *r = admin_get(admin.access_token,
				      "/api/v1/admin/analytics?from=2023-01-01&to=2024-12-31", 200);
	ck_assert_int_eq(json_array_size(json_object_get(json_object_get(r->json, "sel"), "months")), 24);
	th_resp_free(&r);
}
END_TEST

START_TEST(only_admins)
{
	struct th_member parent, teacher;
	admin_register(&parent, "anaparent", NULL);
	admin_register(&teacher, "anateacher", "teacher");
	const char *tokens[] = {parent.access_token, teacher.access_token};
	for (size_t k = 0; k < 2; k++) {
		struct th_resp *r = th_request("GET", PERIOD, tokens[k], NULL, NULL, NULL);
		ck_assert_problem(r, 403, "forbidden");
		th_resp_free(&r);
	}
	struct api_call call = {"GET", PERIOD, NULL};
	api_assert_all_unauthorized(&call, 1);
	th_member_free(&parent);
	th_member_free(&teacher);
}
END_TEST

static void switch_modules(const char *body)
{
	struct th_resp *r = th_request("PUT", "/api/v1/admin/modules", admin.access_token, body,
				       NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
}

START_TEST(a_module_switched_off_has_no_figures)
{
	switch_modules("{\"messages\":false,\"events\":false,\"sel\":false}");
	struct th_resp *r = admin_get(admin.access_token, PERIOD, 200);
	json_t *w = week(r, 0, "2025-W13", "2025-03-24");
	ck_assert_int_eq(count_of(w, "active_families"), 6);
	ck_assert_ptr_null(json_object_get(w, "messages"));
	ck_assert_ptr_null(json_object_get(w, "events"));
	ck_assert_ptr_null(json_object_get(r->json, "sel"));
	th_resp_free(&r);
	r = admin_get(admin.access_token, PERIOD "&format=csv", 200);
	ck_assert_ptr_null(strstr(r->body, "messages,"));
	ck_assert_ptr_null(strstr(r->body, "sel_"));
	th_resp_free(&r);
	switch_modules("{\"messages\":true,\"events\":true,\"sel\":true}");
	r = admin_get(admin.access_token, PERIOD, 200);
	ck_assert_int_eq(count_of(week(r, 1, "2025-W14", "2025-03-31"), "messages"), 6);
	th_resp_free(&r);
}
END_TEST

/* The count of the lowest balance bucket (balances below -240) in the PERIOD's reply. */
static int64_t lowest_bucket(void)
{
	struct th_resp *r = admin_get(admin.access_token, PERIOD, 200);
	json_t *bal = json_object_get(json_object_get(r->json, "sel"), "balances");
	int64_t n = count_of(json_array_get(json_object_get(bal, "buckets"), 0), "members");
	ck_assert_int_eq(count_of(bal, "near_floor"), n);
	th_resp_free(&r);
	return n;
}

/* An erased member keeps the SEL account (kind 'member', the ledger points at it), but
 * is no longer a member whose balance counts: the balances are read from an index of the
 * accounts alone (migration 0026) and the erased members' accounts taken out. */
START_TEST(an_erased_members_balance_is_left_out)
{
	struct th_member gone;
	admin_register(&gone, "anagone", NULL);
	api_db_exec("UPDATE sel_accounts SET balance = -300 WHERE user_id = $1", gone.id, NULL);
	int64_t before = lowest_bucket();
	ck_assert_int_ge(before, 6);
	struct th_resp *r = th_json("DELETE", "/api/v1/users/me", gone.access_token, "{s:s}",
				    "password", gone.password);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_accounts a JOIN users u ON"
				      " u.id = a.user_id WHERE u.id = $1 AND a.kind = 'member'"
				      " AND u.deleted_at IS NOT NULL",
				      gone.id, NULL),
			 1);
	ck_assert_int_eq(lowest_bucket(), before - 1);
	th_member_free(&gone);
}
END_TEST

Suite *api_admin_analytics_suite(void)
{
	Suite *s = suite_create("admin_analytics");
	TCase *tc = tcase_create("analytics");
	tcase_add_unchecked_fixture(tc, seed, unseed);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_figure_of_the_period); /* first: later tests add members */
	tcase_add_test(tc, no_count_between_1_and_4_whatever_the_period);
	tcase_add_test(tc, the_same_figures_as_csv);
	tcase_add_test(tc, a_small_category_cannot_be_recomputed);
	tcase_add_test(tc, bad_periods_are_refused);
	tcase_add_test(tc, only_admins);
	tcase_add_test(tc, a_module_switched_off_has_no_figures);
	tcase_add_test(tc, an_erased_members_balance_is_left_out);
	suite_add_tcase(s, tc);
	return s;
}
