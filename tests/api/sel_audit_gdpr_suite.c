/* The SEL audit (admins only, a tampered balance reported) and GDPR: the export's SEL part
 * and erasure that keeps the ledger under a pseudonym. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/util.h"
#include "sel_support.h"

Suite *api_sel_audit_gdpr_suite(void);

/* --- audit ------------------------------------------------------------------------------- */

START_TEST(audit_admin_only)
{
	struct th_member parent, admin, teacher;
	th_member_register(&parent, "auditparent");
	th_member_register(&admin, "auditadmin");
	th_member_register(&teacher, "auditteacher");
	api_promote(&admin, "admin");
	api_promote(&teacher, "teacher");
	free(sel_pay_ok(&parent, admin.id, 7, "x"));
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
			 sel_db_int("SELECT COUNT(*) FROM sel_accounts", NULL, NULL));
	th_resp_free(&r);
	sel_assert_audit_ok(&admin);

	/* The audit really recomputes: a tampered balance is reported, then put back. */
	sel_db_exec("UPDATE sel_accounts SET balance = balance + 1 WHERE user_id = $1", parent.id);
	r = th_request("GET", "/api/v1/admin/sel/audit", admin.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert(json_is_false(json_object_get(r->json, "ok")));
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "sum_of_balances")), 1);
	json_t *mm = json_object_get(r->json, "mismatched_accounts");
	ck_assert_int_eq(json_array_size(mm), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(mm, 0), "user_id")),
			 parent.id);
	th_resp_free(&r);
	sel_db_exec("UPDATE sel_accounts SET balance = balance - 1 WHERE user_id = $1", parent.id);
	sel_assert_audit_ok(&admin);
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
	char *paid = sel_pay_ok(&a, b.id, 40, "export me");
	char *asked = sel_ask_ok(&a, b.id, 20);

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

	/* A new member: the account and its welcome units from registration. */
	struct th_member none;
	th_member_register(&none, "selexportnone");
	r = th_request("GET", "/api/v1/users/me/export", none.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	sel = json_object_get(r->json, "sel");
	ck_assert_int_eq(json_array_size(json_object_get(sel, "services")), 0);
	account = json_object_get(sel, "account");
	ck_assert_int_eq(json_integer_value(json_object_get(account, "balance")), 120);
	txs = json_object_get(sel, "transactions");
	ck_assert_int_eq(json_array_size(txs), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(txs, 0), "kind")), "opening");
	th_resp_free(&r);
	/* A member from before who never used the SEL: the part is there, empty. */
	sel_forget_account(none.id);
	r = th_request("GET", "/api/v1/users/me/export", none.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	sel = json_object_get(r->json, "sel");
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
	char *paid = sel_pay_ok(&leaver, stayer.id, 70, "before leaving");
	char *received = sel_pay_ok(&stayer, leaver.id, 20, "thanks");
	char *asked_by_leaver = sel_ask_ok(&leaver, stayer.id, 15);
	char *asked_by_stayer = sel_ask_ok(&stayer, leaver.id, 16);
	int64_t stayer_balance = sel_db_balance(stayer.id);
	int64_t leaver_balance = sel_db_balance(leaver.id);
	ck_assert_int_eq(leaver_balance, 70);
	struct sel_snapshot before = sel_snapshot();

	r = th_json("DELETE", "/api/v1/users/me", leaver.access_token, "{s:s}", "password",
		    leaver.password);
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	th_resp_free(&r);

	/* The ledger is intact: same rows, same entries, same balances. */
	struct sel_snapshot after = sel_snapshot();
	ck_assert_int_eq(after.entries, before.entries);
	ck_assert_int_eq(after.completed, before.completed);
	ck_assert_int_eq(after.accounts, before.accounts);
	ck_assert_int_eq(after.sum, 0);
	sel_assert_booked(paid, 70);
	sel_assert_booked(received, 20);
	ck_assert_int_eq(sel_db_balance(leaver.id), leaver_balance);
	ck_assert_int_eq(sel_db_balance(stayer.id), stayer_balance);
	/* Pending requests either way are cancelled, the services deactivated. */
	sel_assert_not_booked(asked_by_leaver, "cancelled");
	sel_assert_not_booked(asked_by_stayer, "cancelled");
	ck_assert_int_eq(sel_db_int("SELECT COUNT(*) FROM sel_services WHERE id = $1 AND NOT is_active",
				svc, NULL),
			 1);
	sel_assert_audit_ok(&admin);

	/* The counterparty sees a localised pseudonym, never the old name. */
	static const struct {
		const char *const *lang;
		const char *name;
	} langs[] = {{sel_lang_fr, "Ancien membre"}, {sel_lang_nl, "Voormalig lid"}, {sel_lang_en, "Former member"}};
	for (size_t i = 0; i < 3; i++) {
		r = sel_list(&stayer, "limit=100", langs[i].lang);
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
			ck_assert_str_eq(sel_party_name(tx, side), langs[i].name);
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
	r = sel_get_tx(&stayer, paid, sel_lang_nl);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(sel_party_name(r->json, "from"), "Voormalig lid");
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/sel/statement.csv", stayer.access_token, NULL, NULL, sel_lang_en);
	ck_assert_int_eq(r->status, 200);
	ck_assert_ptr_nonnull(strstr(r->body, "Former member"));
	ck_assert_ptr_null(strstr(r->body, "selleaver"));
	th_resp_free(&r);

	/* Nobody can pay the former member any more. */
	before = sel_snapshot();
	r = sel_pay(&stayer, leaver.id, 5, "too late");
	ck_assert_problem(r, 422, "unknown_member");
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);
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

Suite *api_sel_audit_gdpr_suite(void)
{
	Suite *s = suite_create("sel_audit_gdpr");
	TCase *tc = tcase_create("audit_gdpr");
	tcase_add_unchecked_fixture(tc, sel_suite_start, sel_suite_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, audit_admin_only);
	tcase_add_test(tc, gdpr_export_has_the_sel_part);
	tcase_add_test(tc, gdpr_erase_keeps_the_ledger);
	suite_add_tcase(s, tc);
	return s;
}
