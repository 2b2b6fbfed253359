/* SEL ledger: the balance, payments (shape, services, validation) and the limits at their
 * exact edges. Every refusal is checked to book nothing. Requests and reversals are in
 * sel_requests_suite.c, listing and idempotency in sel_history_suite.c, the statement in
 * sel_statement_suite.c, the audit and GDPR in sel_audit_gdpr_suite.c; what they share in
 * sel_support.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/util.h"
#include "sel_support.h"

Suite *api_sel_ledger_suite(void);

/* --- GET /balance -------------------------------------------------------------------- */

START_TEST(balance_of_a_new_member)
{
	struct th_member a;
	th_member_register(&a, "balnew");
	struct th_resp *r = sel_balance(&a);
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
	/* The account opened at registration, with the welcome units. */
	ck_assert_int_eq(sel_db_balance(a.id), 120);
	ck_assert_int_eq(sel_db_entries_sum(a.id), 120);

	/* A member from before (no account until their first exchange) is told the same, and
	 * reading opens nothing. */
	sel_forget_account(a.id);
	r = sel_balance(&a);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "balance")), 120);
	th_resp_free(&r);
	ck_assert_int_eq(sel_db_balance(a.id), SEL_NO_ROW);
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
	sel_forget_account(a.id); /* a member from before: the account opens at first use */
	struct th_resp *r = sel_balance(&a);
	ck_assert_int_eq(r->status, 200);
	json_t *before = json_incref(r->json);
	th_resp_free(&r);
	char *id = sel_ask_ok(&b, a.id, 10);
	ck_assert_int_eq(sel_db_balance(a.id), 120);
	r = sel_balance(&a);
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
	struct th_resp *r = sel_pay(&a, b.id, 90, "Babysitting samedi");
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
	ck_assert_str_eq(sel_party_name(r->json, "to"), "payee");
	ck_assert_ptr_null(strstr(r->body, "email"));
	sel_assert_created_reads_back(&b, r);
	char *tx = strdup(id);
	th_resp_free(&r);

	/* Double entry: two entries, both accounts opened with 120 from the system account. */
	sel_assert_booked(tx, 90);
	ck_assert_int_eq(sel_db_balance(a.id), 30);
	ck_assert_int_eq(sel_db_balance(b.id), 210);
	ck_assert_int_eq(sel_db_entries_sum(a.id), 30);
	ck_assert_int_eq(sel_db_entries_sum(b.id), 210);
	ck_assert_int_eq(sel_db_int("SELECT COUNT(*) FROM sel_transactions WHERE kind = 'opening' AND "
				"to_user_id = $1 AND from_user_id IS NULL AND units = 120",
				a.id, NULL),
			 1);
	ck_assert_int_eq(sel_db_int("SELECT balance_after FROM sel_entries e JOIN sel_accounts a ON "
				"a.id = e.account_id WHERE e.transaction_id = $1 AND a.user_id = $2",
				tx, a.id),
			 30);
	ck_assert_int_eq(sel_snapshot().sum, 0);

	/* (Whether the opening units count as "received" is checked in
	 * balance_unchanged_by_account_opening; here only the exchange itself.) */
	r = sel_balance(&a);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "balance")), 30);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "total_given")), 90);
	json_int_t a_received = json_integer_value(json_object_get(r->json, "total_received"));
	th_resp_free(&r);
	r = sel_balance(&b);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "balance")), 210);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "total_given")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "total_received")),
			 a_received + 90);
	th_resp_free(&r);

	/* Both parties read it; an upper-case id is the same transaction. */
	r = sel_get_tx(&b, tx, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "id"), tx);
	th_resp_free(&r);
	char upper[40];
	snprintf(upper, sizeof(upper), "%s", tx);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	r = sel_get_tx(&a, upper, NULL);
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
	sel_assert_created_reads_back(&a, r);
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
	sel_assert_create_refused(&a, body, 422, "unknown_service");
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":30,\"service_id\":\"%s\"}",
		 b.id, SEL_RANDOM_UUID);
	sel_assert_create_refused(&a, body, 422, "unknown_service");
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":30,\"service_id\":\"nope\"}",
		 b.id);
	sel_assert_create_refused(&a, body, 422, "unknown_service");
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
	struct sel_snapshot before = sel_snapshot();
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
	r = sel_pay(&a, b.id, 5, long_text);
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
	sel_assert_nothing_booked(&before);

	/* Paying or asking yourself. */
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":5}", a.id);
	sel_assert_create_refused(&a, body, 422, "self_transaction");
	snprintf(body, sizeof(body), "{\"from_user_id\":\"%s\",\"units\":5}", a.id);
	sel_assert_create_refused(&a, body, 422, "self_transaction");

	/* Unknown counterparties: random, not an id, deactivated. */
	sel_assert_create_refused(&a, "{\"to_user_id\":\"" SEL_RANDOM_UUID "\",\"units\":5}", 422,
			      "unknown_member");
	sel_assert_create_refused(&a, "{\"from_user_id\":\"" SEL_RANDOM_UUID "\",\"units\":5}", 422,
			      "unknown_member");
	sel_assert_create_refused(&a, "{\"to_user_id\":\"not-a-member\",\"units\":5}", 422,
			      "unknown_member");
	sel_assert_create_refused(&a, "{\"to_user_id\":\"00000000-0000-0000-0000-000000000000\",\"units\":5}",
			      422, "unknown_member");
	struct th_member gone;
	th_member_register(&gone, "deactivated");
	sel_db_exec("UPDATE users SET active = FALSE WHERE id = $1", gone.id);
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":5}", gone.id);
	sel_assert_create_refused(&a, body, 422, "unknown_member");
	snprintf(body, sizeof(body), "{\"from_user_id\":\"%s\",\"units\":5}", gone.id);
	sel_assert_create_refused(&a, body, 422, "unknown_member");

	/* 900 is a valid amount: refused by a limit, not by validation. Both sides break it
	 * here; the payer has less room (120 + 300 against 600 - 120), so it is named. Members
	 * from before (no account yet): a refused first booking opens none. */
	sel_forget_account(a.id);
	sel_forget_account(b.id);
	before = sel_snapshot();
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":900}", b.id);
	r = th_request("POST", "/api/v1/sel/transactions", a.access_token, body, NULL, NULL);
	sel_assert_limit(r, "payer_limit", 420, "420 unités (7 h)");
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);
	ck_assert_int_eq(sel_db_balance(a.id), SEL_NO_ROW);
	ck_assert_int_eq(sel_db_balance(b.id), SEL_NO_ROW);
	th_member_free(&gone);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

/* --- limits --------------------------------------------------------------------------- */

START_TEST(limit_edges)
{
	struct th_member a, b, c, d;
	th_member_register(&a, "edgepayer");
	th_member_register(&b, "edgepayee");
	th_member_register(&c, "edgethird");
	th_member_register(&d, "edgefourth");
	/* a lands exactly on the minimum: 120 - 420 = -300. */
	free(sel_pay_ok(&a, b.id, 420, "to the floor"));
	ck_assert_int_eq(sel_db_balance(a.id), -300);
	ck_assert_int_eq(sel_db_balance(b.id), 540);

	/* One unit more is refused, and says by how much. */
	struct sel_snapshot before = sel_snapshot();
	struct th_resp *r;
	char body[256];
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":1}", c.id);
	r = th_request("POST", "/api/v1/sel/transactions", a.access_token, body, NULL, sel_lang_en);
	sel_assert_limit(r, "payer_limit", 0,
		     "You can pay at most 0 units (0 min): your balance may not go below "
		     "\xE2\x88\x92" "300 units (\xE2\x88\x92" "5 h).");
	th_resp_free(&r);
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":50}", c.id);
	r = th_request("POST", "/api/v1/sel/transactions", a.access_token, body, NULL, sel_lang_en);
	sel_assert_limit(r, "payer_limit", 0, "at most 0 units");
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);
	ck_assert_int_eq(sel_db_balance(a.id), -300);
	ck_assert_int_eq(sel_db_balance(c.id), 120);

	/* b lands exactly on the maximum: 540 + 60 = 600. */
	free(sel_pay_ok(&c, b.id, 60, "to the ceiling"));
	ck_assert_int_eq(sel_db_balance(b.id), 600);
	ck_assert_int_eq(sel_db_balance(c.id), 60);
	before = sel_snapshot();
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":1}", b.id);
	r = th_request("POST", "/api/v1/sel/transactions", d.access_token, body, NULL, sel_lang_en);
	sel_assert_limit(r, "payee_limit", 0,
		     "This payment can be at most 0 units (0 min): the payee's balance may not go "
		     "above 600 units (10 h).");
	th_resp_free(&r);
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":25}", b.id);
	r = th_request("POST", "/api/v1/sel/transactions", c.access_token, body, NULL, sel_lang_fr);
	sel_assert_limit(r, "payee_limit", 0,
		     "Ce paiement peut être de 0 unité (0 min) au plus : le solde du bénéficiaire "
		     "ne peut pas dépasser 600 unités (10 h).");
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);
	ck_assert_int_eq(sel_db_balance(b.id), 600);
	ck_assert_int_eq(sel_db_balance(d.id), 120);
	ck_assert_int_eq(sel_db_balance(c.id), 60);

	/* Both sides at their limit: money can still flow back. */
	free(sel_pay_ok(&b, a.id, 900, "all the way back"));
	ck_assert_int_eq(sel_db_balance(a.id), 600);
	ck_assert_int_eq(sel_db_balance(b.id), -300);
	ck_assert_int_eq(sel_db_entries_sum(a.id), 600);
	ck_assert_int_eq(sel_db_entries_sum(b.id), -300);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&c);
	th_member_free(&d);
}
END_TEST

Suite *api_sel_ledger_suite(void)
{
	Suite *s = suite_create("sel_ledger");
	TCase *tc = tcase_create("ledger");
	tcase_add_unchecked_fixture(tc, sel_suite_start, sel_suite_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, balance_of_a_new_member);
	tcase_add_test(tc, balance_unchanged_by_account_opening);
	tcase_add_test(tc, payment_success_and_shape);
	tcase_add_test(tc, payment_with_a_service);
	tcase_add_test(tc, create_validation_errors);
	tcase_add_test(tc, limit_edges);
	suite_add_tcase(s, tc);
	return s;
}
