/* SEL ledger: balance, payments and payment requests (accept / decline / cancel), limits at
 * their exact edges, BOLA, reversal, statement CSV, listing with cursors, idempotency, audit
 * and GDPR (export, erasure under a pseudonym). Every refusal is checked to book nothing. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "modules/users/user_queries.h"
#include "schoolhub/store.h"
#include "schoolhub/util.h"

Suite *api_sel_ledger_suite(void);

#define RANDOM_UUID "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69"
#define NO_ROW INT64_MIN

static const char *const LANG_EN[] = {"Accept-Language: en", NULL};
static const char *const LANG_NL[] = {"Accept-Language: nl", NULL};
static const char *const LANG_FR[] = {"Accept-Language: fr", NULL};

/* --- database helpers ---------------------------------------------------------------- */

/* One connection of the test's own, kept for the whole test case (a new PostgreSQL
 * connection per check would cost more than the checks). */
static struct sh_conn *check_conn;

static struct sh_conn *db(void)
{
	if (check_conn == NULL) {
		char *error = NULL;
		check_conn = sh_db_connect(th_current->app->db, &error);
		ck_assert_msg(check_conn != NULL, "%s", error ? error : "");
	}
	return check_conn;
}

static void ledger_start(void)
{
	api_shared_server_start();
}

static void ledger_stop(void)
{
	sh_conn_close(&check_conn);
	api_shared_server_stop();
}

/* First column of the first row of a query with up to two text parameters, NO_ROW when
 * there is no row. */
static int64_t db_int(const char *sql, const char *p1, const char *p2)
{
	struct sh_stmt *st = sh_stmt_prepare(db(), sql);
	ck_assert_msg(st != NULL, "prepare: %s", sql);
	if (p1 != NULL)
		sh_stmt_bind_text(st, 1, p1);
	if (p2 != NULL)
		sh_stmt_bind_text(st, 2, p2);
	enum sh_db_rc rc = sh_stmt_step(st);
	ck_assert_msg(rc == SH_DB_ROW || rc == SH_DB_OK, "step %d: %s", (int)rc, sql);
	int64_t n = rc == SH_DB_ROW ? sh_stmt_col_int64(st, 0) : NO_ROW;
	sh_stmt_free(&st);
	return n;
}

static void db_exec(const char *sql, const char *p1)
{
	struct sh_stmt *st = sh_stmt_prepare(db(), sql);
	ck_assert_ptr_nonnull(st);
	sh_stmt_bind_text(st, 1, p1);
	ck_assert_int_eq(sh_stmt_exec(st), SH_DB_OK);
	sh_stmt_free(&st);
}

/* The stored balance of a member, NO_ROW when they have no account yet. */
static int64_t db_balance(const char *user_id)
{
	return db_int("SELECT balance FROM sel_accounts WHERE user_id = $1", user_id, NULL);
}

/* What the member's entries add up to. */
static int64_t db_entries_sum(const char *user_id)
{
	return db_int("SELECT COALESCE(SUM(e.amount), 0) FROM sel_entries e JOIN sel_accounts a "
		      "ON a.id = e.account_id WHERE a.user_id = $1",
		      user_id, NULL);
}

static int64_t db_tx_entries(const char *tx_id)
{
	return db_int("SELECT COUNT(*) FROM sel_entries WHERE transaction_id = $1", tx_id, NULL);
}

static int64_t db_tx_rows(const char *tx_id)
{
	return db_int("SELECT COUNT(*) FROM sel_transactions WHERE id = $1", tx_id, NULL);
}

static int64_t db_tx_status_is(const char *tx_id, const char *status)
{
	return db_int("SELECT COUNT(*) FROM sel_transactions WHERE id = $1 AND status = $2", tx_id,
		      status);
}

/* The whole ledger, for "nothing was booked" checks. */
struct ledger_snapshot {
	int64_t transactions, entries, accounts, sum, completed;
};

static struct ledger_snapshot snapshot(void)
{
	return (struct ledger_snapshot){
		db_int("SELECT COUNT(*) FROM sel_transactions", NULL, NULL),
		db_int("SELECT COUNT(*) FROM sel_entries", NULL, NULL),
		db_int("SELECT COUNT(*) FROM sel_accounts", NULL, NULL),
		db_int("SELECT COALESCE(SUM(balance), 0) FROM sel_accounts", NULL, NULL),
		db_int("SELECT COUNT(*) FROM sel_transactions WHERE status = 'completed'", NULL, NULL),
	};
}

static void assert_nothing_booked(const struct ledger_snapshot *before)
{
	struct ledger_snapshot now = snapshot();
	ck_assert_int_eq(now.transactions, before->transactions);
	ck_assert_int_eq(now.entries, before->entries);
	ck_assert_int_eq(now.accounts, before->accounts);
	ck_assert_int_eq(now.sum, 0);
	ck_assert_int_eq(now.completed, before->completed);
}

/* Asserts a completed transaction: one row, exactly two entries (-units, +units). */
static void assert_booked(const char *tx_id, int64_t units)
{
	ck_assert_int_eq(db_tx_rows(tx_id), 1);
	ck_assert_int_eq(db_tx_status_is(tx_id, "completed"), 1);
	ck_assert_int_eq(db_tx_entries(tx_id), 2);
	ck_assert_int_eq(db_int("SELECT COUNT(*) FROM sel_entries WHERE transaction_id = $1 AND "
				"amount < 0",
				tx_id, NULL),
			 1);
	ck_assert_int_eq(db_int("SELECT SUM(amount) FROM sel_entries WHERE transaction_id = $1",
				tx_id, NULL),
			 0);
	ck_assert_int_eq(db_int("SELECT MAX(amount) FROM sel_entries WHERE transaction_id = $1",
				tx_id, NULL),
			 units);
}

static void assert_not_booked(const char *tx_id, const char *status)
{
	ck_assert_int_eq(db_tx_rows(tx_id), 1);
	ck_assert_int_eq(db_tx_status_is(tx_id, status), 1);
	ck_assert_int_eq(db_tx_entries(tx_id), 0);
}

/* --- HTTP helpers -------------------------------------------------------------------- */

static struct th_resp *pay(const struct th_member *m, const char *to, int units,
			   const char *description)
{
	return th_json("POST", "/api/v1/sel/transactions", m->access_token, "{s:s, s:i, s:s}",
		       "to_user_id", to, "units", units, "description", description);
}

static struct th_resp *ask(const struct th_member *m, const char *from, int units,
			   const char *description)
{
	return th_json("POST", "/api/v1/sel/transactions", m->access_token, "{s:s, s:i, s:s}",
		       "from_user_id", from, "units", units, "description", description);
}

/* Pays and asserts 201; returns the transaction id (malloc'ed). */
static char *pay_ok(const struct th_member *m, const char *to, int units, const char *description)
{
	struct th_resp *r = pay(m, to, units, description);
	ck_assert_msg(r->status == 201, "pay %d: %ld %s", units, r->status, r->body);
	ck_assert_str_eq(th_str(r, "status"), "completed");
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	assert_booked(id, units);
	return id;
}

static char *ask_ok(const struct th_member *m, const char *from, int units)
{
	struct th_resp *r = ask(m, from, units, "asked");
	ck_assert_msg(r->status == 201, "ask %d: %ld %s", units, r->status, r->body);
	ck_assert_str_eq(th_str(r, "status"), "pending");
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	assert_not_booked(id, "pending");
	return id;
}

static struct th_resp *act(const struct th_member *m, const char *tx_id, const char *action)
{
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/sel/transactions/%s/%s", tx_id, action);
	return th_request("POST", path, m->access_token, NULL, NULL, NULL);
}

static struct th_resp *get_tx(const struct th_member *m, const char *tx_id,
			      const char *const *extra)
{
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/sel/transactions/%s", tx_id);
	return th_request("GET", path, m->access_token, NULL, NULL, extra);
}

/* The 201 of a new transaction is built from the values written, not read back: it must
 * be exactly what reading the transaction returns. */
static void assert_created_reads_back(const struct th_member *m, const struct th_resp *created)
{
	struct th_resp *r = get_tx(m, th_str(created, "id"), NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_msg(json_equal(r->json, created->json), "created %s, read %s", created->body,
		      r->body);
	th_resp_free(&r);
}

static struct th_resp *reverse(const struct th_member *m, const char *tx_id, const char *body)
{
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/sel/transactions/%s/reverse", tx_id);
	return th_request("POST", path, m->access_token, body, NULL, NULL);
}

static struct th_resp *balance(const struct th_member *m)
{
	return th_request("GET", "/api/v1/sel/balance", m->access_token, NULL, NULL, NULL);
}

static int64_t api_balance(const struct th_member *m)
{
	struct th_resp *r = balance(m);
	ck_assert_int_eq(r->status, 200);
	int64_t b = json_integer_value(json_object_get(r->json, "balance"));
	th_resp_free(&r);
	return b;
}

static void assert_audit_ok(const struct th_member *admin)
{
	struct th_resp *r =
		th_request("GET", "/api/v1/admin/sel/audit", admin->access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_msg(json_is_true(json_object_get(r->json, "ok")), "audit: %s", r->body);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "sum_of_balances")), 0);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "mismatched_accounts")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "unbalanced_transactions")), 0);
	th_resp_free(&r);
}

/* POST /transactions with a raw body; asserts the problem and that nothing was booked. */
static void assert_create_refused(const struct th_member *m, const char *body, int status,
				  const char *code)
{
	struct ledger_snapshot before = snapshot();
	struct th_resp *r =
		th_request("POST", "/api/v1/sel/transactions", m->access_token, body, NULL, NULL);
	ck_assert_msg(r->status == status && th_code(r) && strcmp(th_code(r), code) == 0,
		      "%s: expected %d %s, got %ld %s", body, status, code, r->status, r->body);
	ck_assert_str_eq(th_header(r, "Content-Type"), "application/problem+json");
	th_resp_free(&r);
	assert_nothing_booked(&before);
}

static const char *party_name(const json_t *tx, const char *side)
{
	return json_string_value(json_object_get(json_object_get(tx, side), "first_name"));
}

/* --- GET /balance -------------------------------------------------------------------- */

START_TEST(balance_of_a_new_member)
{
	struct th_member a;
	th_member_register(&a, "balnew");
	struct th_resp *r = balance(&a);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_header(r, "Content-Type"), "application/json");
	ck_assert_int_eq(json_object_size(r->json), 6);
	ck_assert_str_eq(th_str(r, "user_id"), a.id);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "balance")), 120);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "total_given")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "total_received")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "min_balance")), -300);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "max_balance")), 600);
	th_resp_free(&r);
	/* Reading opens nothing. */
	ck_assert_int_eq(db_balance(a.id), NO_ROW);
	r = th_request("GET", "/api/v1/sel/balance", NULL, NULL, NULL, NULL);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	th_member_free(&a);
}
END_TEST

/* Opening an account moves no units between members: what GET /balance says must not
 * change when it happens (here: someone asks the member for a payment, which opens both
 * accounts with their 120 units and books nothing else). */
START_TEST(balance_unchanged_by_account_opening)
{
	struct th_member a, b;
	th_member_register(&a, "balopen");
	th_member_register(&b, "balopenasker");
	struct th_resp *r = balance(&a);
	ck_assert_int_eq(r->status, 200);
	json_t *before = json_incref(r->json);
	th_resp_free(&r);
	char *id = ask_ok(&b, a.id, 10);
	ck_assert_int_eq(db_balance(a.id), 120);
	r = balance(&a);
	ck_assert_int_eq(r->status, 200);
	ck_assert_msg(json_equal(before, r->json), "before the account opened: %s, after: %s",
		      json_dumps(before, JSON_COMPACT), r->body);
	th_resp_free(&r);
	json_decref(before);
	free(id);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

/* --- POST /transactions: payments ----------------------------------------------------- */

START_TEST(payment_success_and_shape)
{
	struct th_member a, b;
	th_member_register(&a, "payer");
	th_member_register(&b, "payee");
	struct th_resp *r = pay(&a, b.id, 90, "Babysitting samedi");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_header(r, "Content-Type"), "application/json");
	static const char *const keys[] = {"id", "kind", "from_user_id", "to_user_id", "from",
					   "to", "units", "description", "service_id", "status",
					   "created_by", "created_at", "completed_at", "reverses_id"};
	ck_assert_int_eq(json_object_size(r->json), sizeof(keys) / sizeof(keys[0]));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ck_assert_msg(json_object_get(r->json, keys[i]) != NULL, "missing %s", keys[i]);
	const char *id = th_str(r, "id");
	ck_assert(sh_uuid_valid(id));
	ck_assert_str_eq(th_str(r, "kind"), "payment");
	ck_assert_str_eq(th_str(r, "status"), "completed");
	ck_assert_str_eq(th_str(r, "from_user_id"), a.id);
	ck_assert_str_eq(th_str(r, "to_user_id"), b.id);
	ck_assert_str_eq(th_str(r, "created_by"), a.id);
	ck_assert_str_eq(th_str(r, "description"), "Babysitting samedi");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "units")), 90);
	ck_assert(json_is_null(json_object_get(r->json, "service_id")));
	ck_assert(json_is_null(json_object_get(r->json, "reverses_id")));
	ck_assert_int_eq(strlen(th_str(r, "created_at")), 20);
	ck_assert_str_eq(th_str(r, "completed_at"), th_str(r, "created_at"));
	json_t *from = json_object_get(r->json, "from");
	ck_assert_int_eq(json_object_size(from), 3);
	ck_assert_str_eq(json_string_value(json_object_get(from, "id")), a.id);
	ck_assert_str_eq(json_string_value(json_object_get(from, "first_name")), "payer");
	ck_assert_str_eq(json_string_value(json_object_get(from, "last_name")), "Test");
	ck_assert_str_eq(party_name(r->json, "to"), "payee");
	ck_assert_ptr_null(strstr(r->body, "email"));
	assert_created_reads_back(&b, r);
	char *tx = strdup(id);
	th_resp_free(&r);

	/* Double entry: two entries, both accounts opened with 120 from the system account. */
	assert_booked(tx, 90);
	ck_assert_int_eq(db_balance(a.id), 30);
	ck_assert_int_eq(db_balance(b.id), 210);
	ck_assert_int_eq(db_entries_sum(a.id), 30);
	ck_assert_int_eq(db_entries_sum(b.id), 210);
	ck_assert_int_eq(db_int("SELECT COUNT(*) FROM sel_transactions WHERE kind = 'opening' AND "
				"to_user_id = $1 AND from_user_id IS NULL AND units = 120",
				a.id, NULL),
			 1);
	ck_assert_int_eq(db_int("SELECT balance_after FROM sel_entries e JOIN sel_accounts a ON "
				"a.id = e.account_id WHERE e.transaction_id = $1 AND a.user_id = $2",
				tx, a.id),
			 30);
	ck_assert_int_eq(snapshot().sum, 0);

	/* (Whether the opening units count as "received" is checked in
	 * balance_unchanged_by_account_opening; here only the exchange itself.) */
	r = balance(&a);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "balance")), 30);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "total_given")), 90);
	json_int_t a_received = json_integer_value(json_object_get(r->json, "total_received"));
	th_resp_free(&r);
	r = balance(&b);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "balance")), 210);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "total_given")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "total_received")),
			 a_received + 90);
	th_resp_free(&r);

	/* Both parties read it; an upper-case id is the same transaction. */
	r = get_tx(&b, tx, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "id"), tx);
	th_resp_free(&r);
	char upper[40];
	snprintf(upper, sizeof(upper), "%s", tx);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	r = get_tx(&a, upper, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	/* Without a description it is "". */
	r = th_json("POST", "/api/v1/sel/transactions", a.access_token, "{s:s, s:i}", "to_user_id",
		    b.id, "units", 1);
	ck_assert_int_eq(r->status, 201);
	ck_assert_str_eq(th_str(r, "description"), "");
	th_resp_free(&r);
	free(tx);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(payment_with_a_service)
{
	struct th_member a, b;
	th_member_register(&a, "svcpayer");
	th_member_register(&b, "svcowner");
	struct th_resp *r = th_json("POST", "/api/v1/sel/services", b.access_token,
				    "{s:s, s:s, s:s}", "title", "Covoiturage", "category",
				    "transport", "kind", "offer");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *svc = strdup(th_str(r, "id"));
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/sel/transactions", a.access_token, "{s:s, s:i, s:s}",
		    "to_user_id", b.id, "units", 30, "service_id", svc);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "service_id"), svc);
	assert_created_reads_back(&a, r);
	th_resp_free(&r);

	/* A deactivated service can no longer be named. */
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/sel/services/%s", svc);
	r = th_request("DELETE", path, b.access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 204 || r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	char body[256];
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":30,\"service_id\":\"%s\"}",
		 b.id, svc);
	assert_create_refused(&a, body, 422, "unknown_service");
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":30,\"service_id\":\"%s\"}",
		 b.id, RANDOM_UUID);
	assert_create_refused(&a, body, 422, "unknown_service");
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":30,\"service_id\":\"nope\"}",
		 b.id);
	assert_create_refused(&a, body, 422, "unknown_service");
	/* service_id: null is no service. */
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":30,\"service_id\":null}", b.id);
	r = th_request("POST", "/api/v1/sel/transactions", a.access_token, body, NULL, NULL);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	ck_assert(json_is_null(json_object_get(r->json, "service_id")));
	th_resp_free(&r);
	free(svc);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(create_validation_errors)
{
	struct th_member a, b;
	th_member_register(&a, "validator");
	th_member_register(&b, "validpeer");
	char body[512];
	struct ledger_snapshot before = snapshot();
	struct th_resp *r;

	/* Exactly one of to_user_id / from_user_id. */
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"from_user_id\":\"%s\",\"units\":5}",
		 b.id, b.id);
	r = th_request("POST", "/api/v1/sel/transactions", a.access_token, body, NULL, NULL);
	ck_assert_problem(r, 422, "validation_failed");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/sel/transactions", a.access_token, "{s:i}", "units", 5);
	ck_assert_problem(r, 422, "validation_failed");
	th_resp_free(&r);

	/* units: an integer 1..900. */
	static const char *const bad_units[] = {"0", "-5", "901", "100000", "1.5", "\"60\"",
						"true", "null"};
	for (size_t i = 0; i < sizeof(bad_units) / sizeof(bad_units[0]); i++) {
		snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":%s}", b.id,
			 bad_units[i]);
		r = th_request("POST", "/api/v1/sel/transactions", a.access_token, body, NULL, NULL);
		ck_assert_msg(r->status == 422, "units %s: %ld %s", bad_units[i], r->status, r->body);
		ck_assert_str_eq(th_code(r), "validation_failed");
		ck_assert_msg(api_has_error(r, "units", "out_of_range") ||
				      api_has_error(r, "units", "invalid_type") ||
				      api_has_error(r, "units", "required"),
			      "units %s: %s", bad_units[i], r->body);
		th_resp_free(&r);
	}
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\"}", b.id);
	r = th_request("POST", "/api/v1/sel/transactions", a.access_token, body, NULL, NULL);
	assert_field_error(r, "units", "required");
	th_resp_free(&r);
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":0}", b.id);
	r = th_request("POST", "/api/v1/sel/transactions", a.access_token, body, NULL, NULL);
	assert_field_error(r, "units", "out_of_range");
	th_resp_free(&r);
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":901}", b.id);
	r = th_request("POST", "/api/v1/sel/transactions", a.access_token, body, NULL, NULL);
	assert_field_error(r, "units", "out_of_range");
	th_resp_free(&r);
	/* Wrong types and unknown fields. */
	r = th_json("POST", "/api/v1/sel/transactions", a.access_token, "{s:i, s:i}", "to_user_id",
		    12, "units", 5);
	ck_assert_problem(r, 422, "validation_failed");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/sel/transactions", a.access_token, "{s:s, s:i, s:s}",
		    "to_user_id", b.id, "units", 5, "status", "completed");
	assert_field_error(r, "status", "unknown_field");
	th_resp_free(&r);
	char long_text[600];
	memset(long_text, 'x', 501);
	long_text[501] = '\0';
	r = pay(&a, b.id, 5, long_text);
	assert_field_error(r, "description", "too_long");
	th_resp_free(&r);
	r = th_request("POST", "/api/v1/sel/transactions", a.access_token, "to_user_id=x",
		       "application/x-www-form-urlencoded", NULL);
	ck_assert_problem(r, 415, "unsupported_media_type");
	th_resp_free(&r);
	r = th_request("POST", "/api/v1/sel/transactions", a.access_token, "{\"units\":", NULL, NULL);
	ck_assert_int_ge(r->status, 400);
	ck_assert_int_lt(r->status, 500);
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/sel/transactions", NULL, "{s:s, s:i}", "to_user_id", b.id,
		    "units", 5);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	assert_nothing_booked(&before);

	/* Paying or asking yourself. */
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":5}", a.id);
	assert_create_refused(&a, body, 422, "self_transaction");
	snprintf(body, sizeof(body), "{\"from_user_id\":\"%s\",\"units\":5}", a.id);
	assert_create_refused(&a, body, 422, "self_transaction");

	/* Unknown counterparties: random, not an id, deactivated. */
	assert_create_refused(&a, "{\"to_user_id\":\"" RANDOM_UUID "\",\"units\":5}", 422,
			      "unknown_member");
	assert_create_refused(&a, "{\"from_user_id\":\"" RANDOM_UUID "\",\"units\":5}", 422,
			      "unknown_member");
	assert_create_refused(&a, "{\"to_user_id\":\"not-a-member\",\"units\":5}", 422,
			      "unknown_member");
	assert_create_refused(&a, "{\"to_user_id\":\"00000000-0000-0000-0000-000000000000\",\"units\":5}",
			      422, "unknown_member");
	struct th_member gone;
	th_member_register(&gone, "deactivated");
	db_exec("UPDATE users SET active = FALSE WHERE id = $1", gone.id);
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":5}", gone.id);
	assert_create_refused(&a, body, 422, "unknown_member");
	snprintf(body, sizeof(body), "{\"from_user_id\":\"%s\",\"units\":5}", gone.id);
	assert_create_refused(&a, body, 422, "unknown_member");

	/* 900 is a valid amount: refused by a limit (both sides break it here: either may be
	 * reported), not by validation. */
	before = snapshot();
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":900}", b.id);
	r = th_request("POST", "/api/v1/sel/transactions", a.access_token, body, NULL, NULL);
	ck_assert_int_eq(r->status, 409);
	ck_assert_msg(strcmp(th_code(r), "payer_limit") == 0 || strcmp(th_code(r), "payee_limit") == 0,
		      "%s", r->body);
	th_resp_free(&r);
	assert_nothing_booked(&before);
	/* A refused first booking opens no account. */
	ck_assert_int_eq(db_balance(a.id), NO_ROW);
	ck_assert_int_eq(db_balance(b.id), NO_ROW);
	th_member_free(&gone);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

/* --- limits --------------------------------------------------------------------------- */

static void assert_limit(struct th_resp *r, const char *code, const char *by)
{
	ck_assert_problem(r, 409, code);
	const char *detail = th_str(r, "detail");
	ck_assert_ptr_nonnull(detail);
	ck_assert_msg(strstr(detail, by) != NULL, "detail \"%s\" lacks \"%s\"", detail, by);
}

START_TEST(limit_edges)
{
	struct th_member a, b, c, d;
	th_member_register(&a, "edgepayer");
	th_member_register(&b, "edgepayee");
	th_member_register(&c, "edgethird");
	th_member_register(&d, "edgefourth");
	/* a lands exactly on the minimum: 120 - 420 = -300. */
	free(pay_ok(&a, b.id, 420, "to the floor"));
	ck_assert_int_eq(db_balance(a.id), -300);
	ck_assert_int_eq(db_balance(b.id), 540);

	/* One unit more is refused, and says by how much. */
	struct ledger_snapshot before = snapshot();
	struct th_resp *r;
	char body[256];
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":1}", c.id);
	r = th_request("POST", "/api/v1/sel/transactions", a.access_token, body, NULL, LANG_EN);
	assert_limit(r, "payer_limit", "by 1 unit");
	th_resp_free(&r);
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":50}", c.id);
	r = th_request("POST", "/api/v1/sel/transactions", a.access_token, body, NULL, LANG_EN);
	assert_limit(r, "payer_limit", "by 50 units");
	ck_assert_ptr_nonnull(strstr(th_str(r, "detail"), "-300"));
	th_resp_free(&r);
	assert_nothing_booked(&before);
	ck_assert_int_eq(db_balance(a.id), -300);
	ck_assert_int_eq(db_balance(c.id), NO_ROW);

	/* b lands exactly on the maximum: 540 + 60 = 600. */
	free(pay_ok(&c, b.id, 60, "to the ceiling"));
	ck_assert_int_eq(db_balance(b.id), 600);
	ck_assert_int_eq(db_balance(c.id), 60);
	before = snapshot();
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":1}", b.id);
	r = th_request("POST", "/api/v1/sel/transactions", d.access_token, body, NULL, LANG_EN);
	assert_limit(r, "payee_limit", "by 1 unit");
	ck_assert_ptr_nonnull(strstr(th_str(r, "detail"), "600"));
	th_resp_free(&r);
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":25}", b.id);
	r = th_request("POST", "/api/v1/sel/transactions", c.access_token, body, NULL, LANG_FR);
	assert_limit(r, "payee_limit", "25");
	th_resp_free(&r);
	assert_nothing_booked(&before);
	ck_assert_int_eq(db_balance(b.id), 600);
	ck_assert_int_eq(db_balance(d.id), NO_ROW);
	ck_assert_int_eq(db_balance(c.id), 60);

	/* Both sides at their limit: money can still flow back. */
	free(pay_ok(&b, a.id, 900, "all the way back"));
	ck_assert_int_eq(db_balance(a.id), 600);
	ck_assert_int_eq(db_balance(b.id), -300);
	ck_assert_int_eq(db_entries_sum(a.id), 600);
	ck_assert_int_eq(db_entries_sum(b.id), -300);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&c);
	th_member_free(&d);
}
END_TEST

/* --- payment requests ----------------------------------------------------------------- */

START_TEST(request_accept_decline_cancel)
{
	struct th_member payer, asker, third, admin;
	th_member_register(&payer, "reqpayer");
	th_member_register(&asker, "reqasker");
	th_member_register(&third, "reqthird");
	th_member_register(&admin, "reqadmin");
	api_promote(&admin, "admin");

	struct th_resp *r = ask(&asker, payer.id, 60, "Cours de néerlandais");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "kind"), "request");
	ck_assert_str_eq(th_str(r, "status"), "pending");
	ck_assert_str_eq(th_str(r, "from_user_id"), payer.id);
	ck_assert_str_eq(th_str(r, "to_user_id"), asker.id);
	ck_assert_str_eq(th_str(r, "created_by"), asker.id);
	ck_assert(json_is_null(json_object_get(r->json, "completed_at")));
	assert_created_reads_back(&payer, r);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	assert_not_booked(id, "pending");
	/* Asking opens the accounts (with their opening units) but moves nothing. */
	ck_assert_int_eq(db_balance(payer.id), 120);
	ck_assert_int_eq(db_balance(asker.id), 120);

	/* BOLA: a third member sees nothing and can do nothing. */
	struct ledger_snapshot before = snapshot();
	r = get_tx(&third, id, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	static const char *const actions[] = {"accept", "decline", "cancel"};
	for (size_t i = 0; i < 3; i++) {
		r = act(&third, id, actions[i]);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
	}
	/* The wrong party: 409 invalid_state. */
	r = act(&asker, id, "accept");
	ck_assert_problem(r, 409, "invalid_state");
	th_resp_free(&r);
	r = act(&asker, id, "decline");
	ck_assert_problem(r, 409, "invalid_state");
	th_resp_free(&r);
	r = act(&payer, id, "cancel");
	ck_assert_problem(r, 409, "invalid_state");
	th_resp_free(&r);
	assert_nothing_booked(&before);
	assert_not_booked(id, "pending");
	/* Parties and admins read it. */
	r = get_tx(&payer, id, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = get_tx(&admin, id, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	/* The payer accepts: booked now. */
	r = act(&payer, id, "accept");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "status"), "completed");
	ck_assert_ptr_nonnull(th_str(r, "completed_at"));
	th_resp_free(&r);
	assert_booked(id, 60);
	ck_assert_int_eq(db_balance(payer.id), 60);
	ck_assert_int_eq(db_balance(asker.id), 180);
	before = snapshot();
	for (size_t i = 0; i < 3; i++) {
		r = act(i == 2 ? &asker : &payer, id, actions[i]);
		ck_assert_problem(r, 409, "invalid_state");
		th_resp_free(&r);
		r = act(&third, id, actions[i]);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
	}
	assert_nothing_booked(&before);

	/* Declined by the payer: nothing moves, and it is final. */
	char *declined = ask_ok(&asker, payer.id, 30);
	r = act(&payer, declined, "decline");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "status"), "declined");
	th_resp_free(&r);
	assert_not_booked(declined, "declined");
	for (size_t i = 0; i < 3; i++) {
		r = act(i == 2 ? &asker : &payer, declined, actions[i]);
		ck_assert_problem(r, 409, "invalid_state");
		th_resp_free(&r);
	}
	/* Withdrawn by the requester. */
	char *cancelled = ask_ok(&asker, payer.id, 30);
	r = act(&asker, cancelled, "cancel");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "status"), "cancelled");
	th_resp_free(&r);
	assert_not_booked(cancelled, "cancelled");
	r = act(&payer, cancelled, "accept");
	ck_assert_problem(r, 409, "invalid_state");
	th_resp_free(&r);
	ck_assert_int_eq(db_balance(payer.id), 60);
	ck_assert_int_eq(db_balance(asker.id), 180);

	/* A plain payment is not a request: nobody accepts or cancels it. */
	char *payment = pay_ok(&payer, asker.id, 10, "plain");
	for (size_t i = 0; i < 3; i++) {
		r = act(&payer, payment, actions[i]);
		ck_assert_problem(r, 409, "invalid_state");
		th_resp_free(&r);
		r = act(&asker, payment, actions[i]);
		ck_assert_problem(r, 409, "invalid_state");
		th_resp_free(&r);
	}
	/* Unknown and malformed ids. */
	r = act(&payer, RANDOM_UUID, "accept");
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = act(&payer, "not-an-id", "accept");
	ck_assert_int_eq(r->status, 404);
	th_resp_free(&r);
	r = get_tx(&payer, RANDOM_UUID, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = get_tx(&payer, "not-an-id", NULL);
	ck_assert_int_eq(r->status, 404);
	th_resp_free(&r);
	free(id);
	free(declined);
	free(cancelled);
	free(payment);
	th_member_free(&payer);
	th_member_free(&asker);
	th_member_free(&third);
	th_member_free(&admin);
}
END_TEST

START_TEST(request_accepted_when_no_longer_affordable)
{
	struct th_member payer, asker, other;
	th_member_register(&payer, "brokepayer");
	th_member_register(&asker, "brokeasker");
	th_member_register(&other, "brokeother");
	/* Asking for more than the payer could ever give is fine: limits apply at acceptance. */
	char *big = ask_ok(&asker, payer.id, 300);
	free(pay_ok(&payer, other.id, 400, "spent it")); /* payer: -280 */
	ck_assert_int_eq(db_balance(payer.id), -280);

	struct ledger_snapshot before = snapshot();
	struct th_resp *r = act(&payer, big, "accept");
	ck_assert_problem(r, 409, "payer_limit");
	th_resp_free(&r);
	assert_nothing_booked(&before);
	assert_not_booked(big, "pending");
	ck_assert_int_eq(db_balance(payer.id), -280);
	ck_assert_int_eq(db_balance(asker.id), 120);

	/* A smaller one still fits exactly: -280 - 20 = -300. */
	char *small = ask_ok(&asker, payer.id, 20);
	r = act(&payer, small, "accept");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	assert_booked(small, 20);
	ck_assert_int_eq(db_balance(payer.id), -300);

	/* The payee side is checked at acceptance too: other is at 520. */
	char *to_other = ask_ok(&other, asker.id, 81);
	before = snapshot();
	r = act(&asker, to_other, "accept");
	ck_assert_problem(r, 409, "payee_limit");
	th_resp_free(&r);
	assert_nothing_booked(&before);
	assert_not_booked(to_other, "pending");

	/* Still pending: once the payer can afford it again, it goes through. */
	free(pay_ok(&other, payer.id, 480, "refill")); /* payer 180, other 40 */
	r = act(&payer, big, "accept");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	assert_booked(big, 300);
	ck_assert_int_eq(db_balance(payer.id), -120);
	ck_assert_int_eq(db_balance(asker.id), 440);
	free(big);
	free(small);
	free(to_other);
	th_member_free(&payer);
	th_member_free(&asker);
	th_member_free(&other);
}
END_TEST

/* --- reverse ----------------------------------------------------------------------------- */

START_TEST(reverse_by_admin_only)
{
	struct th_member a, b, c, admin;
	th_member_register(&a, "revpayer");
	th_member_register(&b, "revpayee");
	th_member_register(&c, "revthird");
	th_member_register(&admin, "revadmin");
	api_promote(&admin, "admin");
	char *tx = pay_ok(&a, b.id, 300, "by mistake"); /* a -180, b 420 */

	/* Parents cannot, whoever they are. */
	struct ledger_snapshot before = snapshot();
	struct th_resp *r = reverse(&a, tx, "{\"reason\":\"mine\"}");
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	r = reverse(&b, tx, "{\"reason\":\"mine\"}");
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	/* Validation. */
	r = reverse(&admin, tx, "{}");
	assert_field_error(r, "reason", "required");
	th_resp_free(&r);
	r = reverse(&admin, tx, "{\"reason\":\"\"}");
	ck_assert_problem(r, 422, "validation_failed");
	th_resp_free(&r);
	r = reverse(&admin, tx, "{\"reason\":\"x\",\"force\":\"yes\"}");
	assert_field_error(r, "force", "invalid_type");
	th_resp_free(&r);
	r = reverse(&admin, tx, "{\"reason\":\"x\",\"units\":3}");
	assert_field_error(r, "units", "unknown_field");
	th_resp_free(&r);
	r = reverse(&admin, RANDOM_UUID, "{\"reason\":\"x\"}");
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	assert_nothing_booked(&before);

	/* b spends most of it: reversing would take b below the minimum. */
	free(pay_ok(&b, c.id, 480, "spent")); /* b -60, c 600 */
	before = snapshot();
	r = reverse(&admin, tx, "{\"reason\":\"Erreur de saisie\"}");
	ck_assert_problem(r, 409, "payer_limit");
	th_resp_free(&r);
	assert_nothing_booked(&before);
	ck_assert_int_eq(db_int("SELECT COUNT(*) FROM sel_transactions WHERE reverses_id = $1", tx,
				NULL),
			 0);

	/* force: true books it anyway. */
	r = reverse(&admin, tx, "{\"reason\":\"Erreur de saisie\",\"force\":true}");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "kind"), "reversal");
	ck_assert_str_eq(th_str(r, "status"), "completed");
	ck_assert_str_eq(th_str(r, "reverses_id"), tx);
	ck_assert_str_eq(th_str(r, "from_user_id"), b.id);
	ck_assert_str_eq(th_str(r, "to_user_id"), a.id);
	ck_assert_str_eq(th_str(r, "created_by"), admin.id);
	ck_assert_str_eq(th_str(r, "description"), "Erreur de saisie");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "units")), 300);
	char *rev = strdup(th_str(r, "id"));
	th_resp_free(&r);
	assert_booked(rev, 300);
	assert_booked(tx, 300); /* the original is untouched */
	ck_assert_int_eq(db_balance(a.id), 120);
	ck_assert_int_eq(db_balance(b.id), -360);
	ck_assert_int_eq(db_entries_sum(b.id), -360);
	/* Both parties see the reversal. */
	r = get_tx(&b, rev, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = get_tx(&c, rev, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);

	/* Below the minimum after a forced reversal: b cannot pay, but can receive. */
	before = snapshot();
	r = pay(&b, a.id, 1, "no");
	ck_assert_problem(r, 409, "payer_limit");
	th_resp_free(&r);
	assert_nothing_booked(&before);
	free(pay_ok(&a, b.id, 10, "help")); /* b -350 */

	/* Twice, a reversal, a pending request: 409 invalid_state. */
	before = snapshot();
	r = reverse(&admin, tx, "{\"reason\":\"again\",\"force\":true}");
	ck_assert_problem(r, 409, "invalid_state");
	th_resp_free(&r);
	r = reverse(&admin, rev, "{\"reason\":\"undo the undo\",\"force\":true}");
	ck_assert_problem(r, 409, "invalid_state");
	th_resp_free(&r);
	assert_nothing_booked(&before);
	char *pending = ask_ok(&a, c.id, 5);
	before = snapshot();
	r = reverse(&admin, pending, "{\"reason\":\"pending\",\"force\":true}");
	ck_assert_problem(r, 409, "invalid_state");
	th_resp_free(&r);
	assert_nothing_booked(&before);

	/* A reversal within the limits needs no force. */
	char *small = pay_ok(&c, a.id, 50, "small"); /* c 550, a 160 */
	r = reverse(&admin, small, "{\"reason\":\"small mistake\"}");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	ck_assert_int_eq(db_balance(c.id), 600);
	ck_assert_int_eq(db_balance(a.id), 110);
	assert_audit_ok(&admin);
	free(tx);
	free(rev);
	free(pending);
	free(small);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&c);
	th_member_free(&admin);
}
END_TEST

/* --- GET /transactions ------------------------------------------------------------------- */

static struct th_resp *list(const struct th_member *m, const char *query,
			    const char *const *extra)
{
	char path[512];
	snprintf(path, sizeof(path), "/api/v1/sel/transactions%s%s", query ? "?" : "",
		 query ? query : "");
	return th_request("GET", path, m->access_token, NULL, NULL, extra);
}

START_TEST(list_pagination_and_filter)
{
	struct th_member p, q, outsider;
	th_member_register(&p, "lister");
	th_member_register(&q, "listpeer");
	th_member_register(&outsider, "listout");
	char *ids[8];
	ids[0] = pay_ok(&p, q.id, 5, "one");
	ids[1] = pay_ok(&q, p.id, 6, "two");
	ids[2] = ask_ok(&p, q.id, 7);
	ids[3] = ask_ok(&q, p.id, 8);
	ids[4] = pay_ok(&p, q.id, 9, "five");
	ids[5] = ask_ok(&p, q.id, 10);
	struct th_resp *r = act(&q, ids[5], "decline");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	free(pay_ok(&outsider, q.id, 3, "not p's"));

	/* Everything at once, newest first: 6 + the opening transaction. */
	r = list(&p, "limit=100", NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_int_eq(json_array_size(items), 7);
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")) ||
		  json_object_get(r->json, "next_cursor") == NULL);
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, i), "id")),
				 ids[5 - i]);
	json_t *opening = json_array_get(items, 6);
	ck_assert_str_eq(json_string_value(json_object_get(opening, "kind")), "opening");
	ck_assert(json_is_null(json_object_get(opening, "from_user_id")));
	ck_assert(json_is_null(json_object_get(opening, "from")));
	ck_assert_int_eq(json_integer_value(json_object_get(opening, "units")), 120);
	json_t *all = json_deep_copy(items);
	th_resp_free(&r);

	/* The same walked one by one: same order, no duplicates, nothing missing. */
	char query[256] = "limit=1";
	size_t seen = 0;
	for (int guard = 0; guard < 20; guard++) {
		r = list(&p, query, NULL);
		ck_assert_msg(r->status == 200, "%s: %ld %s", query, r->status, r->body);
		items = json_object_get(r->json, "items");
		ck_assert_int_le(json_array_size(items), 1);
		if (json_array_size(items) == 1) {
			ck_assert_int_lt(seen, 7);
			ck_assert_str_eq(
				json_string_value(json_object_get(json_array_get(items, 0), "id")),
				json_string_value(json_object_get(json_array_get(all, seen), "id")));
			seen++;
		}
		const char *next = th_str(r, "next_cursor");
		if (next == NULL) {
			th_resp_free(&r);
			break;
		}
		snprintf(query, sizeof(query), "limit=1&cursor=%s", next);
		th_resp_free(&r);
	}
	ck_assert_int_eq(seen, 7);
	/* limit=3: 3 + 3 + 1. */
	r = list(&p, "limit=3", NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 3);
	snprintf(query, sizeof(query), "limit=3&cursor=%s", th_str(r, "next_cursor"));
	th_resp_free(&r);
	r = list(&p, query, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(r->json, "items"), 0), "id")),
			 ids[2]);
	th_resp_free(&r);

	/* Status filter. */
	static const struct {
		const char *status;
		size_t count;
	} filters[] = {{"pending", 2}, {"completed", 4}, {"declined", 1}, {"cancelled", 0}};
	for (size_t i = 0; i < 4; i++) {
		snprintf(query, sizeof(query), "status=%s", filters[i].status);
		r = list(&p, query, NULL);
		ck_assert_int_eq(r->status, 200);
		items = json_object_get(r->json, "items");
		ck_assert_msg(json_array_size(items) == filters[i].count, "%s: %s", query, r->body);
		for (size_t j = 0; j < json_array_size(items); j++)
			ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, j),
									   "status")),
					 filters[i].status);
		th_resp_free(&r);
	}
	/* Paged filter. */
	r = list(&p, "status=pending&limit=1", NULL);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(r->json, "items"), 0), "id")),
			 ids[3]);
	snprintf(query, sizeof(query), "status=pending&limit=1&cursor=%s", th_str(r, "next_cursor"));
	th_resp_free(&r);
	r = list(&p, query, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(r->json, "items"), 0), "id")),
			 ids[2]);
	th_resp_free(&r);

	/* Bad parameters. */
	r = list(&p, "status=lost", NULL);
	assert_field_error(r, "status", "out_of_range");
	th_resp_free(&r);
	r = list(&p, "cursor=%21%21", NULL);
	assert_field_error(r, "cursor", "invalid_cursor");
	th_resp_free(&r);
	r = list(&p, "limit=0", NULL);
	assert_field_error(r, "limit", "out_of_range");
	th_resp_free(&r);
	r = list(&p, "limit=101", NULL);
	assert_field_error(r, "limit", "out_of_range");
	th_resp_free(&r);
	/* Someone else's list holds none of p's. */
	r = list(&outsider, "limit=100", NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 2);
	for (size_t i = 0; i < 6; i++)
		ck_assert_ptr_null(strstr(r->body, ids[i]));
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/sel/transactions", NULL, NULL, NULL, NULL);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	json_decref(all);
	for (size_t i = 0; i < 6; i++)
		free(ids[i]);
	th_member_free(&p);
	th_member_free(&q);
	th_member_free(&outsider);
}
END_TEST

/* --- GET /statement.csv ------------------------------------------------------------------ */

/* Splits "line" on ';' (no ';' inside the test's cells) into at most "max" cells. */
static size_t split_cells(char *line, char **cells, size_t max)
{
	size_t n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(line, ";", &save); tok && n < max; tok = strtok_r(NULL, ";", &save))
		cells[n++] = tok;
	return n;
}

START_TEST(statement_csv)
{
	struct th_member s, t;
	th_member_register(&s, "stmt");
	th_member_register(&t, "stmtpeer");
	free(pay_ok(&s, t.id, 45, "=HYPERLINK(\"http://evil.example\")"));
	free(pay_ok(&t, s.id, 100, "+cmd|' /C calc'!A0"));
	free(pay_ok(&s, t.id, 15, "Réparation vélo"));
	char *pending = ask_ok(&s, t.id, 33); /* not completed: not in the statement */

	struct th_resp *r = th_request("GET", "/api/v1/sel/statement.csv", s.access_token, NULL,
				       NULL, LANG_EN);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_header(r, "Content-Type"), "text/csv; charset=utf-8");
	const char *cd = th_header(r, "Content-Disposition");
	ck_assert_ptr_nonnull(cd);
	ck_assert_ptr_nonnull(strstr(cd, "attachment"));
	ck_assert_ptr_nonnull(strstr(cd, ".csv"));
	ck_assert_int_ge(r->body_len, 3);
	ck_assert_int_eq(memcmp(r->body, "\xEF\xBB\xBF", 3), 0);
	const char *header = "date;transaction;kind;member;description;units;balance\r\n";
	ck_assert_int_eq(strncmp(r->body + 3, header, strlen(header)), 0);
	/* Every line ends with CRLF; no bare LF. */
	size_t crlf = 0;
	for (size_t i = 0; i < r->body_len; i++)
		if (r->body[i] == '\n') {
			ck_assert_msg(i > 0 && r->body[i - 1] == '\r', "bare LF at %zu", i);
			crlf++;
		}
	ck_assert_int_eq(crlf, 5); /* header + opening + 3 payments */
	ck_assert_ptr_null(strstr(r->body, pending));
	/* Formula injection neutralised: the cell starts with a quote. */
	ck_assert_ptr_nonnull(strstr(r->body, "\"'=HYPERLINK(\"\"http://evil.example\"\")\""));
	ck_assert_ptr_nonnull(strstr(r->body, "\"'+cmd|' /C calc'!A0\""));
	ck_assert_ptr_nonnull(strstr(r->body, "\"Réparation vélo\""));
	ck_assert_ptr_null(strstr(r->body, ";\"=HYPERLINK"));

	/* Running balance: the last column is the balance after each entry. */
	static const int64_t amounts[] = {120, -45, 100, -15};
	char *copy = strdup(r->body + 3 + strlen(header));
	char *save = NULL;
	int64_t running = 0;
	size_t n = 0;
	for (char *line = strtok_r(copy, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		char *cells[8];
		ck_assert_int_lt(n, 4);
		ck_assert_int_eq(split_cells(line, cells, 8), 7);
		running += amounts[n];
		ck_assert_int_eq(strlen(cells[0]), 10); /* YYYY-MM-DD */
		ck_assert_int_eq(strtoll(cells[5], NULL, 10), amounts[n]);
		ck_assert_int_eq(strtoll(cells[6], NULL, 10), running);
		if (n == 0)
			ck_assert_str_eq(cells[2], "\"opening\"");
		else
			ck_assert_str_eq(cells[3], "\"stmtpeer Test\"");
		n++;
	}
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(running, api_balance(&s));
	ck_assert_int_eq(running, db_balance(s.id));
	free(copy);
	th_resp_free(&r);

	/* Localised header. */
	r = th_request("GET", "/api/v1/sel/statement.csv", s.access_token, NULL, NULL, LANG_NL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(strncmp(r->body + 3, "datum;transactie;soort;lid;omschrijving;eenheden;saldo\r\n",
				 56),
			 0);
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/sel/statement.csv", s.access_token, NULL, NULL, LANG_FR);
	ck_assert_int_eq(strncmp(r->body + 3, "date;transaction;type;membre;description;unités;solde\r\n",
				 strlen("date;transaction;type;membre;description;unités;solde\r\n")),
			 0);
	th_resp_free(&r);

	/* Period: a range in the past has only the header; today's range has everything. */
	r = th_request("GET", "/api/v1/sel/statement.csv?from=2001-01-01&to=2001-12-31",
		       s.access_token, NULL, NULL, LANG_EN);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(r->body_len, 3 + strlen(header));
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/sel/statement.csv?from=2001-01-01", s.access_token, NULL,
		       NULL, LANG_EN);
	ck_assert_int_eq(r->status, 200);
	ck_assert_ptr_nonnull(strstr(r->body, "HYPERLINK"));
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/sel/statement.csv?from=yesterday", s.access_token, NULL, NULL,
		       NULL);
	assert_field_error(r, "from", "invalid_date");
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/sel/statement.csv?to=2026-13-45", s.access_token, NULL, NULL,
		       NULL);
	assert_field_error(r, "to", "invalid_date");
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/sel/statement.csv?from=2020-02-02&to=2020-02-01",
		       s.access_token, NULL, NULL, NULL);
	assert_field_error(r, "from", "out_of_range");
	th_resp_free(&r);

	/* A member who never used the SEL gets the header only. */
	struct th_member fresh;
	th_member_register(&fresh, "stmtfresh");
	r = th_request("GET", "/api/v1/sel/statement.csv", fresh.access_token, NULL, NULL, LANG_EN);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(r->body_len, 3 + strlen(header));
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/sel/statement.csv", NULL, NULL, NULL, NULL);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	free(pending);
	th_member_free(&fresh);
	th_member_free(&s);
	th_member_free(&t);
}
END_TEST

/* --- Idempotency-Key --------------------------------------------------------------------- */

static struct th_resp *pay_with_key(const struct th_member *m, const char *body, const char *key)
{
	char header[400];
	snprintf(header, sizeof(header), "Idempotency-Key: %s", key);
	const char *const extra[] = {header, NULL};
	return th_request("POST", "/api/v1/sel/transactions", m->access_token, body, NULL, extra);
}

START_TEST(idempotency_key)
{
	struct th_member a, b;
	th_member_register(&a, "idempayer");
	th_member_register(&b, "idempayee");
	char body[256], other_body[256], reordered[256];
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":25,\"description\":\"once\"}",
		 b.id);
	snprintf(reordered, sizeof(reordered),
		 "{\"description\":\"once\", \"units\":25, \"to_user_id\":\"%s\"}", b.id);
	snprintf(other_body, sizeof(other_body),
		 "{\"to_user_id\":\"%s\",\"units\":26,\"description\":\"once\"}", b.id);

	struct th_resp *first = pay_with_key(&a, body, "order-2026-0001");
	ck_assert_msg(first->status == 201, "%ld %s", first->status, first->body);
	const char *id = th_str(first, "id");
	assert_booked(id, 25);
	ck_assert_int_eq(db_balance(a.id), 95);

	/* Replays (also with the keys in another order): same status, same body, nothing booked. */
	struct ledger_snapshot before = snapshot();
	for (int i = 0; i < 3; i++) {
		struct th_resp *again = pay_with_key(&a, i == 2 ? reordered : body, "order-2026-0001");
		ck_assert_int_eq(again->status, 201);
		ck_assert_msg(json_equal(again->json, first->json), "%s vs %s", again->body,
			      first->body);
		th_resp_free(&again);
	}
	assert_nothing_booked(&before);
	ck_assert_int_eq(db_balance(a.id), 95);
	ck_assert_int_eq(db_int("SELECT COUNT(*) FROM sel_transactions WHERE from_user_id = $1 AND "
				"kind = 'payment'",
				a.id, NULL),
			 1);

	/* Same key, other body: 409, nothing booked. */
	struct th_resp *r = pay_with_key(&a, other_body, "order-2026-0001");
	ck_assert_problem(r, 409, "idempotency_conflict");
	th_resp_free(&r);
	assert_nothing_booked(&before);

	/* Keys are per member: b may use the same key for its own payment. */
	char back[256];
	snprintf(back, sizeof(back), "{\"to_user_id\":\"%s\",\"units\":5}", a.id);
	r = pay_with_key(&b, back, "order-2026-0001");
	ck_assert_int_eq(r->status, 201);
	ck_assert_str_ne(th_str(r, "id"), id);
	th_resp_free(&r);
	/* A new key books again. */
	r = pay_with_key(&a, body, "order-2026-0002");
	ck_assert_int_eq(r->status, 201);
	ck_assert_str_ne(th_str(r, "id"), id);
	th_resp_free(&r);
	ck_assert_int_eq(db_balance(a.id), 75);

	/* Requests are idempotent too. */
	char req_body[256];
	snprintf(req_body, sizeof(req_body), "{\"from_user_id\":\"%s\",\"units\":12}", b.id);
	struct th_resp *req1 = pay_with_key(&a, req_body, "request-1");
	ck_assert_int_eq(req1->status, 201);
	ck_assert_str_eq(th_str(req1, "status"), "pending");
	before = snapshot();
	r = pay_with_key(&a, req_body, "request-1");
	ck_assert_int_eq(r->status, 201);
	ck_assert(json_equal(r->json, req1->json));
	th_resp_free(&r);
	assert_nothing_booked(&before);
	th_resp_free(&req1);

	/* Invalid keys: 422, nothing booked. */
	before = snapshot();
	char long_key[300];
	memset(long_key, 'k', 256);
	long_key[256] = '\0';
	r = pay_with_key(&a, body, long_key);
	assert_field_error(r, "Idempotency-Key", "invalid_text");
	th_resp_free(&r);
	long_key[255] = '\0'; /* 255 is fine */
	r = pay_with_key(&a, body, long_key);
	ck_assert_int_eq(r->status, 201); /* a: 50 */
	th_resp_free(&r);
	before = snapshot();
	r = pay_with_key(&a, body, "clé-non-ascii");
	assert_field_error(r, "Idempotency-Key", "invalid_text");
	th_resp_free(&r);
	const char *const empty[] = {"Idempotency-Key;", NULL}; /* curl: an empty header */
	r = th_request("POST", "/api/v1/sel/transactions", a.access_token, body, NULL, empty);
	ck_assert_problem(r, 422, "validation_failed");
	th_resp_free(&r);
	assert_nothing_booked(&before);
	/* A refused payment stores nothing: the same key works once the payer can afford it. */
	char big[256];
	snprintf(big, sizeof(big), "{\"to_user_id\":\"%s\",\"units\":400}", b.id);
	r = pay_with_key(&a, big, "retry-later");
	ck_assert_problem(r, 409, "payer_limit"); /* 50 - 400 = -350 */
	th_resp_free(&r);
	free(pay_ok(&b, a.id, 60, "top up")); /* 110 - 400 = -290 */
	r = pay_with_key(&a, big, "retry-later");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	th_resp_free(&r);

	th_resp_free(&first);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

/* --- audit ------------------------------------------------------------------------------- */

START_TEST(audit_admin_only)
{
	struct th_member parent, admin, teacher;
	th_member_register(&parent, "auditparent");
	th_member_register(&admin, "auditadmin");
	th_member_register(&teacher, "auditteacher");
	api_promote(&admin, "admin");
	api_promote(&teacher, "teacher");
	free(pay_ok(&parent, admin.id, 7, "x"));
	struct th_resp *r =
		th_request("GET", "/api/v1/admin/sel/audit", parent.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/admin/sel/audit", teacher.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/admin/sel/audit", NULL, NULL, NULL, NULL);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/admin/sel/audit", admin.access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_int_eq(json_object_size(r->json), 5);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "accounts")),
			 db_int("SELECT COUNT(*) FROM sel_accounts", NULL, NULL));
	th_resp_free(&r);
	assert_audit_ok(&admin);

	/* The audit really recomputes: a tampered balance is reported, then put back. */
	db_exec("UPDATE sel_accounts SET balance = balance + 1 WHERE user_id = $1", parent.id);
	r = th_request("GET", "/api/v1/admin/sel/audit", admin.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert(json_is_false(json_object_get(r->json, "ok")));
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "sum_of_balances")), 1);
	json_t *mm = json_object_get(r->json, "mismatched_accounts");
	ck_assert_int_eq(json_array_size(mm), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(mm, 0), "user_id")),
			 parent.id);
	th_resp_free(&r);
	db_exec("UPDATE sel_accounts SET balance = balance - 1 WHERE user_id = $1", parent.id);
	assert_audit_ok(&admin);
	th_member_free(&parent);
	th_member_free(&admin);
	th_member_free(&teacher);
}
END_TEST

/* --- GDPR ------------------------------------------------------------------------------ */

START_TEST(gdpr_export_has_the_sel_part)
{
	struct th_member a, b;
	th_member_register(&a, "selexport");
	th_member_register(&b, "selexportpeer");
	struct th_resp *r = th_json("POST", "/api/v1/sel/services", a.access_token,
				    "{s:s, s:s, s:s}", "title", "Aide aux devoirs", "category",
				    "tutoring", "kind", "offer");
	ck_assert_int_eq(r->status, 201);
	char *svc = strdup(th_str(r, "id"));
	th_resp_free(&r);
	char *paid = pay_ok(&a, b.id, 40, "export me");
	char *asked = ask_ok(&a, b.id, 20);

	r = th_request("GET", "/api/v1/users/me/export", a.access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	json_t *sel = json_object_get(r->json, "sel");
	ck_assert_ptr_nonnull(sel);
	json_t *services = json_object_get(sel, "services");
	ck_assert_int_eq(json_array_size(services), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(services, 0), "id")), svc);
	json_t *account = json_object_get(sel, "account");
	ck_assert_int_eq(json_integer_value(json_object_get(account, "balance")), 80);
	ck_assert_int_eq(json_integer_value(json_object_get(account, "total_given")), 40);
	json_t *txs = json_object_get(sel, "transactions");
	ck_assert_int_eq(json_array_size(txs), 3); /* opening, payment, request */
	ck_assert_ptr_nonnull(strstr(r->body, paid));
	ck_assert_ptr_nonnull(strstr(r->body, asked));
	th_resp_free(&r);

	/* Someone who never used the SEL: the part is there, empty. */
	struct th_member none;
	th_member_register(&none, "selexportnone");
	r = th_request("GET", "/api/v1/users/me/export", none.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	sel = json_object_get(r->json, "sel");
	ck_assert_int_eq(json_array_size(json_object_get(sel, "services")), 0);
	ck_assert(json_is_null(json_object_get(sel, "account")));
	ck_assert_int_eq(json_array_size(json_object_get(sel, "transactions")), 0);
	th_resp_free(&r);
	free(svc);
	free(paid);
	free(asked);
	th_member_free(&none);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(gdpr_erase_keeps_the_ledger)
{
	struct th_member leaver, stayer, admin;
	th_member_register(&leaver, "selleaver");
	th_member_register(&stayer, "selstayer");
	th_member_register(&admin, "seleraseadmin");
	api_promote(&admin, "admin");
	struct th_resp *r = th_json("POST", "/api/v1/sel/services", leaver.access_token,
				    "{s:s, s:s, s:s}", "title", "Jardinage", "category",
				    "gardening", "kind", "offer");
	ck_assert_int_eq(r->status, 201);
	char *svc = strdup(th_str(r, "id"));
	th_resp_free(&r);
	char *paid = pay_ok(&leaver, stayer.id, 70, "before leaving");
	char *received = pay_ok(&stayer, leaver.id, 20, "thanks");
	char *asked_by_leaver = ask_ok(&leaver, stayer.id, 15);
	char *asked_by_stayer = ask_ok(&stayer, leaver.id, 16);
	int64_t stayer_balance = db_balance(stayer.id);
	int64_t leaver_balance = db_balance(leaver.id);
	ck_assert_int_eq(leaver_balance, 70);
	struct ledger_snapshot before = snapshot();

	r = th_json("DELETE", "/api/v1/users/me", leaver.access_token, "{s:s}", "password",
		    leaver.password);
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	th_resp_free(&r);

	/* The ledger is intact: same rows, same entries, same balances. */
	struct ledger_snapshot after = snapshot();
	ck_assert_int_eq(after.entries, before.entries);
	ck_assert_int_eq(after.completed, before.completed);
	ck_assert_int_eq(after.accounts, before.accounts);
	ck_assert_int_eq(after.sum, 0);
	assert_booked(paid, 70);
	assert_booked(received, 20);
	ck_assert_int_eq(db_balance(leaver.id), leaver_balance);
	ck_assert_int_eq(db_balance(stayer.id), stayer_balance);
	/* Pending requests either way are cancelled, the services deactivated. */
	assert_not_booked(asked_by_leaver, "cancelled");
	assert_not_booked(asked_by_stayer, "cancelled");
	ck_assert_int_eq(db_int("SELECT COUNT(*) FROM sel_services WHERE id = $1 AND NOT is_active",
				svc, NULL),
			 1);
	assert_audit_ok(&admin);

	/* The counterparty sees a localised pseudonym, never the old name. */
	static const struct {
		const char *const *lang;
		const char *name;
	} langs[] = {{LANG_FR, "Ancien membre"}, {LANG_NL, "Voormalig lid"}, {LANG_EN, "Former member"}};
	for (size_t i = 0; i < 3; i++) {
		r = list(&stayer, "limit=100", langs[i].lang);
		ck_assert_int_eq(r->status, 200);
		ck_assert_ptr_null(strstr(r->body, "selleaver"));
		json_t *items = json_object_get(r->json, "items");
		size_t named = 0;
		for (size_t j = 0; j < json_array_size(items); j++) {
			json_t *tx = json_array_get(items, j);
			const char *tid = json_string_value(json_object_get(tx, "id"));
			/* The leaver paid "paid" and is asked by "asked_by_stayer"; they
			 * received "received" and asked "asked_by_leaver". */
			const char *side = strcmp(tid, paid) == 0 || strcmp(tid, asked_by_stayer) == 0
						   ? "from"
					   : strcmp(tid, received) == 0 || strcmp(tid, asked_by_leaver) == 0
						   ? "to"
						   : NULL;
			if (side == NULL)
				continue;
			ck_assert_str_eq(party_name(tx, side), langs[i].name);
			ck_assert_str_eq(json_string_value(json_object_get(json_object_get(tx, side),
									   "last_name")),
					 "");
			ck_assert_str_eq(json_string_value(json_object_get(json_object_get(tx, side),
									   "id")),
					 leaver.id);
			named++;
		}
		ck_assert_int_eq(named, 4);
		th_resp_free(&r);
	}
	r = get_tx(&stayer, paid, LANG_NL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(party_name(r->json, "from"), "Voormalig lid");
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/sel/statement.csv", stayer.access_token, NULL, NULL, LANG_EN);
	ck_assert_int_eq(r->status, 200);
	ck_assert_ptr_nonnull(strstr(r->body, "Former member"));
	ck_assert_ptr_null(strstr(r->body, "selleaver"));
	th_resp_free(&r);

	/* Nobody can pay the former member any more. */
	before = snapshot();
	r = pay(&stayer, leaver.id, 5, "too late");
	ck_assert_problem(r, 422, "unknown_member");
	th_resp_free(&r);
	assert_nothing_booked(&before);
	free(svc);
	free(paid);
	free(received);
	free(asked_by_leaver);
	free(asked_by_stayer);
	th_member_free(&leaver);
	th_member_free(&stayer);
	th_member_free(&admin);
}
END_TEST

Suite *api_sel_ledger_suite(void)
{
	Suite *s = suite_create("sel_ledger");
	TCase *tc = tcase_create("ledger");
	tcase_add_unchecked_fixture(tc, ledger_start, ledger_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, balance_of_a_new_member);
	tcase_add_test(tc, balance_unchanged_by_account_opening);
	tcase_add_test(tc, payment_success_and_shape);
	tcase_add_test(tc, payment_with_a_service);
	tcase_add_test(tc, create_validation_errors);
	tcase_add_test(tc, limit_edges);
	tcase_add_test(tc, request_accept_decline_cancel);
	tcase_add_test(tc, request_accepted_when_no_longer_affordable);
	tcase_add_test(tc, reverse_by_admin_only);
	tcase_add_test(tc, list_pagination_and_filter);
	tcase_add_test(tc, statement_csv);
	tcase_add_test(tc, idempotency_key);
	tcase_add_test(tc, audit_admin_only);
	tcase_add_test(tc, gdpr_export_has_the_sel_part);
	tcase_add_test(tc, gdpr_erase_keeps_the_ledger);
	suite_add_tcase(s, tc);
	return s;
}
