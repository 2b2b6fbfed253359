/* A new member's welcome units: registration opens their SEL account with the opening
 * transaction, in the registration's own transaction (a refused registration books
 * nothing), through the module hook (without the SEL, nothing opens); the history, the
 * audit and the GDPR export and erasure see it like any other booking. */
#include <stdlib.h>
#include <string.h>

#include "sel_support.h"

Suite *api_sel_welcome_suite(void);

START_TEST(registration_opens_the_account_with_the_welcome_units)
{
	struct th_member m, admin;
	th_member_register(&m, "welcome");
	th_member_register(&admin, "welcomeadmin");
	api_promote(&admin, "admin");
	ck_assert_int_eq(sel_db_balance(m.id), 120);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_transactions WHERE to_user_id = $1 "
				      "AND kind = 'opening' AND status = 'completed' AND units = 120",
				      m.id, NULL),
			 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_entries e JOIN sel_accounts a ON "
				      "a.id = e.account_id WHERE a.user_id = $1 AND e.amount = 120 "
				      "AND e.balance_after = 120",
				      m.id, NULL),
			 1);
	/* The history's first line from the first day, and nothing given or received yet. */
	struct th_resp *r =
		th_request("GET", "/api/v1/sel/transactions", m.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_int_eq(json_array_size(items), 1);
	json_t *opening = json_array_get(items, 0);
	ck_assert_str_eq(json_string_value(json_object_get(opening, "kind")), "opening");
	ck_assert_int_eq(json_integer_value(json_object_get(opening, "units")), 120);
	ck_assert(json_is_null(json_object_get(opening, "from")));
	ck_assert_str_eq(json_string_value(json_object_get(opening, "to_user_id")), m.id);
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/sel/balance", m.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "balance")), 120);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "total_received")), 0);
	th_resp_free(&r);
	sel_assert_audit_ok(&admin);
	/* The first exchange opens nothing more. */
	struct th_member peer;
	th_member_register(&peer, "welcomepeer");
	struct sel_snapshot before = sel_snapshot();
	free(sel_pay_ok(&m, peer.id, 30, "first"));
	struct sel_snapshot after = sel_snapshot();
	ck_assert_int_eq(after.accounts, before.accounts);
	ck_assert_int_eq(after.transactions, before.transactions + 1);
	ck_assert_int_eq(sel_db_balance(m.id), 90);
	th_member_free(&m);
	th_member_free(&peer);
	th_member_free(&admin);
}
END_TEST

START_TEST(refused_registration_books_nothing)
{
	struct th_member m;
	th_member_register(&m, "welcometaken");
	struct sel_snapshot before = sel_snapshot();
	struct th_resp *r = th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s, s:s}",
				    "email", m.email, "password", "another long password 7",
				    "first_name", "Second", "last_name", "Try", "privacy_version",
				    TH_PRIVACY_VERSION);
	ck_assert_problem(r, 409, "email_taken");
	th_resp_free(&r);
	struct sel_snapshot after = sel_snapshot();
	ck_assert_int_eq(after.accounts, before.accounts);
	ck_assert_int_eq(after.transactions, before.transactions);
	ck_assert_int_eq(after.entries, before.entries);
	ck_assert_int_eq(after.sum, 0);
	th_member_free(&m);
}
END_TEST

/* Without the SEL module nothing opens: the member gets the welcome units at their first
 * exchange once the SEL is on (sh_sel_account_ensure), as members from before do. */
START_TEST(registration_without_the_sel_opens_nothing)
{
	struct th_server s;
	const char *env[] = {"SCHOOLHUB_MODULES=auth,users,children", "SCHOOLHUB_REGISTRATION=open",
			     NULL};
	struct th_server *previous = th_current;
	th_server_start(&s, api_backend, env);
	struct th_member m;
	th_member_register(&m, "welcomenosel");
	/* api_db_count reads this server's database (the suite's check connection does not). */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1", m.id, NULL), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_accounts WHERE user_id = $1", m.id,
				      NULL),
			 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_transactions WHERE to_user_id = $1",
				      m.id, NULL),
			 0);
	th_member_free(&m);
	th_server_stop(&s);
	th_current = previous;
}
END_TEST

START_TEST(a_new_member_erased_leaves_the_ledger_right)
{
	struct th_member m, admin;
	th_member_register(&m, "welcomeleaver");
	th_member_register(&admin, "welcomeeraseadmin");
	api_promote(&admin, "admin");
	struct th_resp *r =
		th_request("GET", "/api/v1/users/me/export", m.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	json_t *sel = json_object_get(r->json, "sel");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(sel, "account"),
							    "balance")),
			 120);
	ck_assert_int_eq(json_array_size(json_object_get(sel, "transactions")), 1);
	th_resp_free(&r);
	struct sel_snapshot before = sel_snapshot();
	r = th_json("DELETE", "/api/v1/users/me", m.access_token, "{s:s}", "password", m.password);
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	/* The opening stays (the system account's side rests on it), under a pseudonym. */
	struct sel_snapshot after = sel_snapshot();
	ck_assert_int_eq(after.transactions, before.transactions);
	ck_assert_int_eq(after.entries, before.entries);
	ck_assert_int_eq(after.sum, 0);
	ck_assert_int_eq(sel_db_balance(m.id), 120);
	sel_assert_audit_ok(&admin);
	th_member_free(&m);
	th_member_free(&admin);
}
END_TEST

Suite *api_sel_welcome_suite(void)
{
	Suite *s = suite_create("sel_welcome");
	TCase *tc = tcase_create("welcome");
	tcase_add_unchecked_fixture(tc, sel_suite_start, sel_suite_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, registration_opens_the_account_with_the_welcome_units);
	tcase_add_test(tc, refused_registration_books_nothing);
	tcase_add_test(tc, registration_without_the_sel_opens_nothing);
	tcase_add_test(tc, a_new_member_erased_leaves_the_ledger_right);
	suite_add_tcase(s, tc);
	return s;
}
