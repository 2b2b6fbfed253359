/* SEL limits told in the member's terms: a refused payment's 409 carries "max_units", the
 * most it could be right now, computed from both sides whichever row the booking reached
 * first, and a detail that says it ("you" for the member who pays, one minus sign, one
 * unit in the singular) in fr, nl and en. Every refusal books nothing. */
#include <stdlib.h>
#include <string.h>

#include "sel_support.h"

Suite *api_sel_limits_suite(void);

/* Both sides would break a limit: the one with less room is named, with its room. */
START_TEST(limit_names_the_side_that_binds)
{
	struct th_member p, x, q, y, z, p2, q2, w;
	th_member_register(&p, "bindpayer");
	th_member_register(&x, "bindsink");
	th_member_register(&q, "bindpayee");
	th_member_register(&y, "bindfiller");
	th_member_register(&z, "bindtopup");
	th_member_register(&p2, "bindpayer2");
	th_member_register(&q2, "bindpayee2");
	th_member_register(&w, "bindfiller2");
	free(sel_pay_ok(&p, x.id, 410, "")); /* p: -290, room 10 */
	free(sel_pay_ok(&y, q.id, 420, "")); /* q: 540, y: -300 */
	free(sel_pay_ok(&z, q.id, 55, ""));  /* q: 595, room 5; z: 65 */
	free(sel_pay_ok(&p2, y.id, 415, "")); /* p2: -295, room 5; y: 115 */
	free(sel_pay_ok(&w, q2.id, 400, "")); /* q2: 520; w: -280 */
	free(sel_pay_ok(&z, q2.id, 70, ""));  /* q2: 590, room 10; z: -5 */
	ck_assert_int_eq(sel_db_balance(q.id), 595);
	ck_assert_int_eq(sel_db_balance(q2.id), 590);

	struct sel_snapshot before = sel_snapshot();
	/* p could pay 10, q receive 5: the payee binds. */
	struct th_resp *r = sel_pay_in(&p, q.id, 20, sel_lang_en);
	sel_assert_limit(r, "payee_limit", 5,
			 "This payment can be at most 5 units (5 min): the payee's balance may not "
			 "go above 600 units (10 h).");
	th_resp_free(&r);
	/* p2 could pay 5, q2 receive 10: the payer binds. */
	r = sel_pay_in(&p2, q2.id, 20, sel_lang_en);
	sel_assert_limit(r, "payer_limit", 5,
			 "You can pay at most 5 units (5 min): your balance may not go below " SEL_MINUS
			 "300 units (" SEL_MINUS "5 h).");
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);
	ck_assert_int_eq(sel_db_balance(p.id), -290);
	ck_assert_int_eq(sel_db_balance(q2.id), 590);
	/* The maximum it named goes through. */
	free(sel_pay_ok(&p2, q2.id, 5, "exactly"));
	ck_assert_int_eq(sel_db_balance(p2.id), -300);
	th_member_free(&p);
	th_member_free(&x);
	th_member_free(&q);
	th_member_free(&y);
	th_member_free(&z);
	th_member_free(&p2);
	th_member_free(&q2);
	th_member_free(&w);
}
END_TEST

/* "1 unités" no more: the singular, in each language, and the problem's usual members. */
START_TEST(limit_in_member_terms_in_three_languages)
{
	struct th_member a, b, c;
	th_member_register(&a, "termspayer");
	th_member_register(&b, "termssink");
	th_member_register(&c, "termsother");
	free(sel_pay_ok(&a, b.id, 419, "")); /* a: -299 */
	struct sel_snapshot before = sel_snapshot();
	struct th_resp *r = sel_pay_in(&a, c.id, 2, sel_lang_en);
	sel_assert_limit(r, "payer_limit", 1,
			 "You can pay at most 1 unit (1 min): your balance may not go below " SEL_MINUS
			 "300 units (" SEL_MINUS "5 h).");
	ck_assert_str_eq(th_str(r, "type"), "https://schoolhub.be/problems/payer_limit");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "status")), 409);
	ck_assert_ptr_nonnull(th_str(r, "title"));
	th_resp_free(&r);
	r = sel_pay_in(&a, c.id, 2, sel_lang_nl);
	sel_assert_limit(r, "payer_limit", 1,
			 "U kunt hoogstens 1 eenheid (1 min) betalen: uw saldo mag niet onder " SEL_MINUS
			 "300 eenheden (" SEL_MINUS "5 u) zakken.");
	th_resp_free(&r);
	r = sel_pay_in(&a, c.id, 2, sel_lang_fr);
	sel_assert_limit(r, "payer_limit", 1,
			 "Vous pouvez payer au plus 1 unité (1 min) : votre solde ne peut pas "
			 "descendre sous " SEL_MINUS "300 unités (" SEL_MINUS "5 h).");
	/* Never the ASCII minus nor the payer in the third person for the one who pays. */
	ck_assert_ptr_null(strstr(th_str(r, "detail"), "-300"));
	ck_assert_ptr_null(strstr(th_str(r, "detail"), "payeur"));
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);
	free(sel_pay_ok(&a, c.id, 1, "the last one"));
	ck_assert_int_eq(sel_db_balance(a.id), -300);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&c);
}
END_TEST

/* An admin's reversal is nobody's own payment: the detail names the payer. */
START_TEST(reversal_limit_names_the_payer)
{
	struct th_member a, b, c, admin;
	th_member_register(&a, "revlimfrom");
	th_member_register(&b, "revlimto");
	th_member_register(&c, "revlimsink");
	th_member_register(&admin, "revlimadmin");
	api_promote(&admin, "admin");
	char *paid = sel_pay_ok(&a, b.id, 100, "by mistake"); /* b: 220 */
	free(sel_pay_ok(&b, c.id, 470, ""));                  /* b: -250, room 50 */
	struct sel_snapshot before = sel_snapshot();
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/sel/transactions/%s/reverse", paid);
	struct th_resp *r = th_request("POST", path, admin.access_token, "{\"reason\":\"erreur\"}",
				       NULL, sel_lang_en);
	sel_assert_limit(r, "payer_limit", 50,
			 "This payment can be at most 50 units (50 min): the payer's balance may "
			 "not go below " SEL_MINUS "300 units (" SEL_MINUS "5 h).");
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);
	r = th_request("POST", path, admin.access_token, "{\"reason\":\"erreur\",\"force\":true}",
		       NULL, sel_lang_en);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	ck_assert_int_eq(sel_db_balance(b.id), -350);
	sel_assert_audit_ok(&admin);
	/* Past the minimum after the forced reversal: nothing fits, and it says 0. */
	r = sel_pay_in(&b, a.id, 1, sel_lang_en);
	sel_assert_limit(r, "payer_limit", 0, "You can pay at most 0 units (0 min)");
	th_resp_free(&r);
	free(paid);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&c);
	th_member_free(&admin);
}
END_TEST

Suite *api_sel_limits_suite(void)
{
	Suite *s = suite_create("sel_limits");
	TCase *tc = tcase_create("limits");
	tcase_add_unchecked_fixture(tc, sel_suite_start, sel_suite_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, limit_names_the_side_that_binds);
	tcase_add_test(tc, limit_in_member_terms_in_three_languages);
	tcase_add_test(tc, reversal_limit_names_the_payer);
	suite_add_tcase(s, tc);
	return s;
}
