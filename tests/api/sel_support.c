/* What the SEL ledger's suites share: see sel_support.h. */
#include "sel_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/store.h"

const char *const sel_lang_fr[] = {"Accept-Language: fr", NULL};
const char *const sel_lang_nl[] = {"Accept-Language: nl", NULL};
const char *const sel_lang_en[] = {"Accept-Language: en", NULL};

/* --- database ------------------------------------------------------------------------ */

/* One connection of the test's own, kept for the whole test case (a new PostgreSQL
 * connection per check would cost more than the checks). */
static struct sh_conn *check_conn;

struct sh_conn *sel_db(void)
{
	if (check_conn == NULL) {
		char *error = NULL;
		check_conn = sh_db_connect(th_current->app->db, &error);
		ck_assert_msg(check_conn != NULL, "%s", error ? error : "");
	}
	return check_conn;
}

void sel_suite_start(void)
{
	api_shared_server_start();
}

void sel_suite_stop(void)
{
	sh_conn_close(&check_conn);
	api_shared_server_stop();
}

/* First column of the first row of a query with up to two text parameters, SEL_NO_ROW when
 * there is no row. */
int64_t sel_db_int(const char *sql, const char *p1, const char *p2)
{
	struct sh_stmt *st = sh_stmt_prepare(sel_db(), sql);
	ck_assert_msg(st != NULL, "prepare: %s", sql);
	if (p1 != NULL)
		sh_stmt_bind_text(st, 1, p1);
	if (p2 != NULL)
		sh_stmt_bind_text(st, 2, p2);
	enum sh_db_rc rc = sh_stmt_step(st);
	ck_assert_msg(rc == SH_DB_ROW || rc == SH_DB_OK, "step %d: %s", (int)rc, sql);
	int64_t n = rc == SH_DB_ROW ? sh_stmt_col_int64(st, 0) : SEL_NO_ROW;
	sh_stmt_free(&st);
	return n;
}

void sel_db_exec(const char *sql, const char *p1)
{
	struct sh_stmt *st = sh_stmt_prepare(sel_db(), sql);
	ck_assert_ptr_nonnull(st);
	sh_stmt_bind_text(st, 1, p1);
	ck_assert_int_eq(sh_stmt_exec(st), SH_DB_OK);
	sh_stmt_free(&st);
}

/* The stored balance of a member, SEL_NO_ROW when they have no account yet. */
int64_t sel_db_balance(const char *user_id)
{
	return sel_db_int("SELECT balance FROM sel_accounts WHERE user_id = $1", user_id, NULL);
}

/* Makes "user_id" a member from before accounts opened at registration: their account,
 * its opening and the system account's side of it go, as if they never used the SEL. */
void sel_forget_account(const char *user_id)
{
	sel_db_exec("DELETE FROM sel_entries WHERE transaction_id IN (SELECT id FROM sel_transactions "
		"WHERE kind = 'opening' AND to_user_id = $1)",
		user_id);
	sel_db_exec("UPDATE sel_accounts SET balance = balance + (SELECT COALESCE(SUM(units), 0) FROM "
		"sel_transactions WHERE kind = 'opening' AND to_user_id = $1) WHERE kind = 'system'",
		user_id);
	sel_db_exec("DELETE FROM sel_transactions WHERE kind = 'opening' AND to_user_id = $1", user_id);
	sel_db_exec("DELETE FROM sel_accounts WHERE user_id = $1", user_id);
	ck_assert_int_eq(sel_db_balance(user_id), SEL_NO_ROW);
}

/* What the member's entries add up to. */
int64_t sel_db_entries_sum(const char *user_id)
{
	return sel_db_int("SELECT COALESCE(SUM(e.amount), 0) FROM sel_entries e JOIN sel_accounts a "
		      "ON a.id = e.account_id WHERE a.user_id = $1",
		      user_id, NULL);
}

int64_t sel_db_tx_entries(const char *tx_id)
{
	return sel_db_int("SELECT COUNT(*) FROM sel_entries WHERE transaction_id = $1", tx_id, NULL);
}

int64_t sel_db_tx_rows(const char *tx_id)
{
	return sel_db_int("SELECT COUNT(*) FROM sel_transactions WHERE id = $1", tx_id, NULL);
}

int64_t sel_db_tx_status_is(const char *tx_id, const char *status)
{
	return sel_db_int("SELECT COUNT(*) FROM sel_transactions WHERE id = $1 AND status = $2", tx_id,
		      status);
}

struct sel_snapshot sel_snapshot(void)
{
	return (struct sel_snapshot){
		sel_db_int("SELECT COUNT(*) FROM sel_transactions", NULL, NULL),
		sel_db_int("SELECT COUNT(*) FROM sel_entries", NULL, NULL),
		sel_db_int("SELECT COUNT(*) FROM sel_accounts", NULL, NULL),
		sel_db_int("SELECT COALESCE(SUM(balance), 0) FROM sel_accounts", NULL, NULL),
		sel_db_int("SELECT COUNT(*) FROM sel_transactions WHERE status = 'completed'", NULL, NULL),
	};
}

void sel_assert_nothing_booked(const struct sel_snapshot *before)
{
	struct sel_snapshot now = sel_snapshot();
	ck_assert_int_eq(now.transactions, before->transactions);
	ck_assert_int_eq(now.entries, before->entries);
	ck_assert_int_eq(now.accounts, before->accounts);
	ck_assert_int_eq(now.sum, 0);
	ck_assert_int_eq(now.completed, before->completed);
}

/* Asserts a completed transaction: one row, exactly two entries (-units, +units). */
void sel_assert_booked(const char *tx_id, int64_t units)
{
	ck_assert_int_eq(sel_db_tx_rows(tx_id), 1);
	ck_assert_int_eq(sel_db_tx_status_is(tx_id, "completed"), 1);
	ck_assert_int_eq(sel_db_tx_entries(tx_id), 2);
	ck_assert_int_eq(sel_db_int("SELECT COUNT(*) FROM sel_entries WHERE transaction_id = $1 AND "
				"amount < 0",
				tx_id, NULL),
			 1);
	ck_assert_int_eq(sel_db_int("SELECT SUM(amount) FROM sel_entries WHERE transaction_id = $1",
				tx_id, NULL),
			 0);
	ck_assert_int_eq(sel_db_int("SELECT MAX(amount) FROM sel_entries WHERE transaction_id = $1",
				tx_id, NULL),
			 units);
}

void sel_assert_not_booked(const char *tx_id, const char *status)
{
	ck_assert_int_eq(sel_db_tx_rows(tx_id), 1);
	ck_assert_int_eq(sel_db_tx_status_is(tx_id, status), 1);
	ck_assert_int_eq(sel_db_tx_entries(tx_id), 0);
}

/* --- HTTP ---------------------------------------------------------------------------- */

struct th_resp *sel_pay(const struct th_member *m, const char *to, int units,
			   const char *description)
{
	return th_json("POST", "/api/v1/sel/transactions", m->access_token, "{s:s, s:i, s:s}",
		       "to_user_id", to, "units", units, "description", description);
}

struct th_resp *sel_ask(const struct th_member *m, const char *from, int units,
			   const char *description)
{
	return th_json("POST", "/api/v1/sel/transactions", m->access_token, "{s:s, s:i, s:s}",
		       "from_user_id", from, "units", units, "description", description);
}

/* Pays and asserts 201; returns the transaction id (malloc'ed). */
char *sel_pay_ok(const struct th_member *m, const char *to, int units, const char *description)
{
	struct th_resp *r = sel_pay(m, to, units, description);
	ck_assert_msg(r->status == 201, "pay %d: %ld %s", units, r->status, r->body);
	ck_assert_str_eq(th_str(r, "status"), "completed");
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	sel_assert_booked(id, units);
	return id;
}

char *sel_ask_ok(const struct th_member *m, const char *from, int units)
{
	return sel_ask_for(m, from, units, "asked");
}

char *sel_ask_for(const struct th_member *m, const char *from, int units, const char *description)
{
	struct th_resp *r = sel_ask(m, from, units, description);
	ck_assert_msg(r->status == 201, "ask %d: %ld %s", units, r->status, r->body);
	ck_assert_str_eq(th_str(r, "status"), "pending");
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	sel_assert_not_booked(id, "pending");
	return id;
}

struct th_resp *sel_act(const struct th_member *m, const char *tx_id, const char *action)
{
	return sel_act_in(m, tx_id, action, NULL);
}

struct th_resp *sel_act_in(const struct th_member *m, const char *tx_id, const char *action,
			   const char *const *lang)
{
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/sel/transactions/%s/%s", tx_id, action);
	return th_request("POST", path, m->access_token, NULL, NULL, lang);
}

struct th_resp *sel_pay_in(const struct th_member *m, const char *to, int units,
			   const char *const *lang)
{
	char body[160];
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":%d}", to, units);
	return th_request("POST", "/api/v1/sel/transactions", m->access_token, body, NULL, lang);
}

struct th_resp *sel_get_tx(const struct th_member *m, const char *tx_id,
			      const char *const *extra)
{
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/sel/transactions/%s", tx_id);
	return th_request("GET", path, m->access_token, NULL, NULL, extra);
}

/* The 201 of a new transaction is built from the values written, not read back: it must
 * be exactly what reading the transaction returns. */
void sel_assert_created_reads_back(const struct th_member *m, const struct th_resp *created)
{
	struct th_resp *r = sel_get_tx(m, th_str(created, "id"), NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_msg(json_equal(r->json, created->json), "created %s, read %s", created->body,
		      r->body);
	th_resp_free(&r);
}

struct th_resp *sel_list(const struct th_member *m, const char *query, const char *const *extra)
{
	char path[512];
	snprintf(path, sizeof(path), "/api/v1/sel/transactions%s%s", query ? "?" : "",
		 query ? query : "");
	return th_request("GET", path, m->access_token, NULL, NULL, extra);
}

struct th_resp *sel_reverse(const struct th_member *m, const char *tx_id, const char *body)
{
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/sel/transactions/%s/reverse", tx_id);
	return th_request("POST", path, m->access_token, body, NULL, NULL);
}

struct th_resp *sel_balance(const struct th_member *m)
{
	return th_request("GET", "/api/v1/sel/balance", m->access_token, NULL, NULL, NULL);
}

int64_t sel_api_balance(const struct th_member *m)
{
	struct th_resp *r = sel_balance(m);
	ck_assert_int_eq(r->status, 200);
	int64_t b = json_integer_value(json_object_get(r->json, "balance"));
	th_resp_free(&r);
	return b;
}

void sel_assert_audit_ok(const struct th_member *admin)
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
void sel_assert_create_refused(const struct th_member *m, const char *body, int status,
				  const char *code)
{
	struct sel_snapshot before = sel_snapshot();
	struct th_resp *r =
		th_request("POST", "/api/v1/sel/transactions", m->access_token, body, NULL, NULL);
	ck_assert_msg(r->status == status && th_code(r) && strcmp(th_code(r), code) == 0,
		      "%s: expected %d %s, got %ld %s", body, status, code, r->status, r->body);
	ck_assert_str_eq(th_header(r, "Content-Type"), "application/problem+json");
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);
}

const char *sel_party_name(const json_t *tx, const char *side)
{
	return json_string_value(json_object_get(json_object_get(tx, side), "first_name"));
}

void sel_assert_limit(const struct th_resp *r, const char *code, int64_t max_units,
		      const char *part)
{
	ck_assert_problem(r, 409, code);
	json_t *most = json_object_get(r->json, "max_units");
	ck_assert_msg(json_is_integer(most), "no max_units: %s", r->body);
	ck_assert_int_eq(json_integer_value(most), max_units);
	const char *detail = th_str(r, "detail");
	ck_assert_ptr_nonnull(detail);
	ck_assert_msg(strstr(detail, part) != NULL, "detail \"%s\" lacks \"%s\"", detail, part);
}
