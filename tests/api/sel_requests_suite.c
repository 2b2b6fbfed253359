/* SEL payment requests (accept / decline / cancel, BOLA, limits at acceptance) and admins'
 * reversals. Every refusal is checked to book nothing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/util.h"
#include "sel_support.h"

Suite *api_sel_requests_suite(void);

/* --- payment requests ----------------------------------------------------------------- */

START_TEST(request_accept_decline_cancel)
{
	struct th_member payer, asker, third, admin;
	th_member_register(&payer, "reqpayer");
	th_member_register(&asker, "reqasker");
	th_member_register(&third, "reqthird");
	th_member_register(&admin, "reqadmin");
	api_promote(&admin, "admin");

	struct th_resp *r = sel_ask(&asker, payer.id, 60, "Cours de néerlandais");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "kind"), "request");
	ck_assert_str_eq(th_str(r, "status"), "pending");
	ck_assert_str_eq(th_str(r, "from_user_id"), payer.id);
	ck_assert_str_eq(th_str(r, "to_user_id"), asker.id);
	ck_assert_str_eq(th_str(r, "created_by"), asker.id);
	ck_assert(json_is_null(json_object_get(r->json, "completed_at")));
	sel_assert_created_reads_back(&payer, r);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	sel_assert_not_booked(id, "pending");
	/* Asking opens the accounts (with their opening units) but moves nothing. */
	ck_assert_int_eq(sel_db_balance(payer.id), 120);
	ck_assert_int_eq(sel_db_balance(asker.id), 120);

	/* BOLA: a third member sees nothing and can do nothing. */
	struct sel_snapshot before = sel_snapshot();
	r = sel_get_tx(&third, id, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	static const char *const actions[] = {"accept", "decline", "cancel"};
	for (size_t i = 0; i < 3; i++) {
		r = sel_act(&third, id, actions[i]);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
	}
	/* The wrong party: 409 invalid_state. */
	r = sel_act(&asker, id, "accept");
	ck_assert_problem(r, 409, "invalid_state");
	th_resp_free(&r);
	r = sel_act(&asker, id, "decline");
	ck_assert_problem(r, 409, "invalid_state");
	th_resp_free(&r);
	r = sel_act(&payer, id, "cancel");
	ck_assert_problem(r, 409, "invalid_state");
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);
	sel_assert_not_booked(id, "pending");
	/* Parties and admins read it. */
	r = sel_get_tx(&payer, id, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = sel_get_tx(&admin, id, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	/* The payer accepts: booked now. */
	r = sel_act(&payer, id, "accept");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "status"), "completed");
	ck_assert_ptr_nonnull(th_str(r, "completed_at"));
	th_resp_free(&r);
	sel_assert_booked(id, 60);
	ck_assert_int_eq(sel_db_balance(payer.id), 60);
	ck_assert_int_eq(sel_db_balance(asker.id), 180);
	before = sel_snapshot();
	for (size_t i = 0; i < 3; i++) {
		r = sel_act(i == 2 ? &asker : &payer, id, actions[i]);
		ck_assert_problem(r, 409, "invalid_state");
		th_resp_free(&r);
		r = sel_act(&third, id, actions[i]);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
	}
	sel_assert_nothing_booked(&before);

	/* Declined by the payer: nothing moves, and it is final. */
	char *declined = sel_ask_ok(&asker, payer.id, 30);
	r = sel_act(&payer, declined, "decline");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "status"), "declined");
	th_resp_free(&r);
	sel_assert_not_booked(declined, "declined");
	for (size_t i = 0; i < 3; i++) {
		r = sel_act(i == 2 ? &asker : &payer, declined, actions[i]);
		ck_assert_problem(r, 409, "invalid_state");
		th_resp_free(&r);
	}
	/* Withdrawn by the requester. */
	char *cancelled = sel_ask_ok(&asker, payer.id, 30);
	r = sel_act(&asker, cancelled, "cancel");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "status"), "cancelled");
	th_resp_free(&r);
	sel_assert_not_booked(cancelled, "cancelled");
	r = sel_act(&payer, cancelled, "accept");
	ck_assert_problem(r, 409, "invalid_state");
	th_resp_free(&r);
	ck_assert_int_eq(sel_db_balance(payer.id), 60);
	ck_assert_int_eq(sel_db_balance(asker.id), 180);

	/* A plain payment is not a request: nobody accepts or cancels it. */
	char *payment = sel_pay_ok(&payer, asker.id, 10, "plain");
	for (size_t i = 0; i < 3; i++) {
		r = sel_act(&payer, payment, actions[i]);
		ck_assert_problem(r, 409, "invalid_state");
		th_resp_free(&r);
		r = sel_act(&asker, payment, actions[i]);
		ck_assert_problem(r, 409, "invalid_state");
		th_resp_free(&r);
	}
	/* Unknown and malformed ids. */
	r = sel_act(&payer, SEL_RANDOM_UUID, "accept");
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = sel_act(&payer, "not-an-id", "accept");
	ck_assert_int_eq(r->status, 404);
	th_resp_free(&r);
	r = sel_get_tx(&payer, SEL_RANDOM_UUID, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = sel_get_tx(&payer, "not-an-id", NULL);
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
	char *big = sel_ask_ok(&asker, payer.id, 300);
	free(sel_pay_ok(&payer, other.id, 400, "spent it")); /* payer: -280 */
	ck_assert_int_eq(sel_db_balance(payer.id), -280);

	struct sel_snapshot before = sel_snapshot();
	struct th_resp *r = sel_act(&payer, big, "accept");
	/* The payer is the one accepting: told in their terms, with the most they could pay. */
	sel_assert_limit(r, "payer_limit", 20,
		     "Vous pouvez payer au plus 20 unités (20 min) : votre solde ne peut pas "
		     "descendre sous \xE2\x88\x92" "300 unités (\xE2\x88\x92" "5 h).");
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);
	sel_assert_not_booked(big, "pending");
	ck_assert_int_eq(sel_db_balance(payer.id), -280);
	ck_assert_int_eq(sel_db_balance(asker.id), 120);

	/* A smaller one still fits exactly: -280 - 20 = -300. */
	char *small = sel_ask_ok(&asker, payer.id, 20);
	r = sel_act(&payer, small, "accept");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	sel_assert_booked(small, 20);
	ck_assert_int_eq(sel_db_balance(payer.id), -300);

	/* The payee side is checked at acceptance too: other is at 520. */
	char *to_other = sel_ask_ok(&other, asker.id, 81);
	before = sel_snapshot();
	r = sel_act(&asker, to_other, "accept");
	sel_assert_limit(r, "payee_limit", 80, "80 unités (1 h 20 min)");
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);
	sel_assert_not_booked(to_other, "pending");

	/* Still pending: once the payer can afford it again, it goes through. */
	free(sel_pay_ok(&other, payer.id, 480, "refill")); /* payer 180, other 40 */
	r = sel_act(&payer, big, "accept");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	sel_assert_booked(big, 300);
	ck_assert_int_eq(sel_db_balance(payer.id), -120);
	ck_assert_int_eq(sel_db_balance(asker.id), 440);
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
	char *tx = sel_pay_ok(&a, b.id, 300, "by mistake"); /* a -180, b 420 */

	/* Parents cannot, whoever they are. */
	struct sel_snapshot before = sel_snapshot();
	struct th_resp *r = sel_reverse(&a, tx, "{\"reason\":\"mine\"}");
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	r = sel_reverse(&b, tx, "{\"reason\":\"mine\"}");
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	/* Validation. */
	r = sel_reverse(&admin, tx, "{}");
	assert_field_error(r, "reason", "required");
	th_resp_free(&r);
	r = sel_reverse(&admin, tx, "{\"reason\":\"\"}");
	ck_assert_problem(r, 422, "validation_failed");
	th_resp_free(&r);
	r = sel_reverse(&admin, tx, "{\"reason\":\"x\",\"force\":\"yes\"}");
	assert_field_error(r, "force", "invalid_type");
	th_resp_free(&r);
	r = sel_reverse(&admin, tx, "{\"reason\":\"x\",\"units\":3}");
	assert_field_error(r, "units", "unknown_field");
	th_resp_free(&r);
	r = sel_reverse(&admin, SEL_RANDOM_UUID, "{\"reason\":\"x\"}");
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);

	/* b spends most of it: reversing would take b below the minimum. */
	free(sel_pay_ok(&b, c.id, 480, "spent")); /* b -60, c 600 */
	before = sel_snapshot();
	r = sel_reverse(&admin, tx, "{\"reason\":\"Erreur de saisie\"}");
	ck_assert_problem(r, 409, "payer_limit");
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);
	ck_assert_int_eq(sel_db_int("SELECT COUNT(*) FROM sel_transactions WHERE reverses_id = $1", tx,
				NULL),
			 0);

	/* force: true books it anyway. */
	r = sel_reverse(&admin, tx, "{\"reason\":\"Erreur de saisie\",\"force\":true}");
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
	sel_assert_booked(rev, 300);
	sel_assert_booked(tx, 300); /* the original is untouched */
	ck_assert_int_eq(sel_db_balance(a.id), 120);
	ck_assert_int_eq(sel_db_balance(b.id), -360);
	ck_assert_int_eq(sel_db_entries_sum(b.id), -360);
	/* Both parties see the reversal. */
	r = sel_get_tx(&b, rev, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = sel_get_tx(&c, rev, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);

	/* Below the minimum after a forced reversal: b cannot pay, but can receive. */
	before = sel_snapshot();
	r = sel_pay(&b, a.id, 1, "no");
	ck_assert_problem(r, 409, "payer_limit");
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);
	free(sel_pay_ok(&a, b.id, 10, "help")); /* b -350 */

	/* Twice, a reversal, a pending request: 409 invalid_state. */
	before = sel_snapshot();
	r = sel_reverse(&admin, tx, "{\"reason\":\"again\",\"force\":true}");
	ck_assert_problem(r, 409, "invalid_state");
	th_resp_free(&r);
	r = sel_reverse(&admin, rev, "{\"reason\":\"undo the undo\",\"force\":true}");
	ck_assert_problem(r, 409, "invalid_state");
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);
	char *pending = sel_ask_ok(&a, c.id, 5);
	before = sel_snapshot();
	r = sel_reverse(&admin, pending, "{\"reason\":\"pending\",\"force\":true}");
	ck_assert_problem(r, 409, "invalid_state");
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);

	/* A reversal within the limits needs no force. */
	char *small = sel_pay_ok(&c, a.id, 50, "small"); /* c 550, a 160 */
	r = sel_reverse(&admin, small, "{\"reason\":\"small mistake\"}");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	ck_assert_int_eq(sel_db_balance(c.id), 600);
	ck_assert_int_eq(sel_db_balance(a.id), 110);
	sel_assert_audit_ok(&admin);
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

Suite *api_sel_requests_suite(void)
{
	Suite *s = suite_create("sel_requests");
	TCase *tc = tcase_create("requests");
	tcase_add_unchecked_fixture(tc, sel_suite_start, sel_suite_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, request_accept_decline_cancel);
	tcase_add_test(tc, request_accepted_when_no_longer_affordable);
	tcase_add_test(tc, reverse_by_admin_only);
	suite_add_tcase(s, tc);
	return s;
}
