/* Co-parent invitations refused: bad input and strangers, expired, declined and withdrawn
 * invitations, the per-member rate limit, and concurrent senders. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guardian_invitations_suite.h"

/* --- refusals ------------------------------------------------------------------------- */

START_TEST(invite_validation_and_authorization)
{
	struct th_member a, b;
	th_member_register(&a, "validinviter");
	th_member_register(&b, "validstranger");
	char *id = create_child(a.access_token, "Valid", "P1");
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/children/%s/guardians", id);

	struct th_resp *r = invite(a.access_token, id, "not-an-email");
	assert_field_error(r, "email", "invalid_email");
	th_resp_free(&r);
	r = th_json("POST", path, a.access_token, "{}");
	assert_field_error(r, "email", "required");
	th_resp_free(&r);
	r = th_json("POST", path, a.access_token, "{s:i}", "email", 7);
	assert_field_error(r, "email", "invalid_type");
	th_resp_free(&r);
	r = th_json("POST", path, a.access_token, "{s:s, s:s}", "email", b.email, "relationship", "");
	assert_field_error(r, "relationship", "required");
	th_resp_free(&r);
	r = th_json("POST", path, a.access_token, "{s:s, s:s}", "email", b.email, "relationship", "a\007b");
	assert_field_error(r, "relationship", "invalid_text");
	th_resp_free(&r);
	char longrel[64];
	memset(longrel, 'r', 51);
	longrel[51] = '\0';
	r = th_json("POST", path, a.access_token, "{s:s, s:s}", "email", b.email, "relationship", longrel);
	assert_field_error(r, "relationship", "too_long");
	th_resp_free(&r);
	/* user_id names a known co-parent instead of an address (known_co_parent_suite.c). */
	r = th_json("POST", path, a.access_token, "{s:s, s:s}", "email", b.email, "child_id", b.id);
	assert_field_error(r, "child_id", "unknown_field");
	th_resp_free(&r);
	r = th_request("POST", path, a.access_token, "email=x", "application/x-www-form-urlencoded", NULL);
	ck_assert_problem(r, 415, "unsupported_media_type");
	th_resp_free(&r);
	/* One's own address, however typed. */
	char own[160];
	snprintf(own, sizeof(own), " %s", a.email);
	own[1] = (char)(own[1] - 'a' + 'A');
	r = invite(a.access_token, id, own);
	assert_field_error(r, "email", "own_email");
	th_resp_free(&r);

	/* A stranger learns nothing, not even from a malformed body. */
	r = invite(b.access_token, id, b.email);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = invite(b.access_token, id, "not-an-email");
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = sent_for(b.access_token, id);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	static const char *const ids[] = {RANDOM_UUID, "not-a-uuid", "123"};
	for (size_t i = 0; i < 3; i++) {
		r = invite(a.access_token, ids[i], b.email);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
		r = sent_for(a.access_token, ids[i]);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
		r = withdraw(a.access_token, ids[i]);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
	}
	/* None of it stored anything or counted against the limit. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE child_id = $1", id, NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitation_sends WHERE user_id = $1 OR user_id = $2", a.id, b.id), 0);
	ck_assert_int_eq(guardian_rows(id), 1);
	free(id);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(expired_invitations_cannot_be_accepted)
{
	struct th_member a, co;
	th_member_register(&a, "expinviter");
	th_member_register(&co, "expinvitee");
	char *id = create_child(a.access_token, "Expiring", "P3");
	char *inv_id = api_invite(a.access_token, id, co.email);
	api_db_exec("UPDATE guardian_invitations SET expires_at = $2 WHERE id = $1", inv_id, LONG_AGO);
	struct th_resp *r = received(co.access_token);
	ck_assert_int_eq(item_count(r), 0);
	th_resp_free(&r);
	r = sent_for(a.access_token, id);
	ck_assert_int_eq(item_count(r), 0);
	th_resp_free(&r);
	r = answer(co.access_token, inv_id, "accept");
	ck_assert_problem(r, 409, "invitation_closed");
	th_resp_free(&r);
	ck_assert_int_eq(is_guardian(id, co.id), 0);
	ck_assert_int_eq(rows_with_status(inv_id, "pending"), 1);
	free(inv_id);
	free(id);
	th_member_free(&a);
	th_member_free(&co);
}
END_TEST

/* A pending invitation for a child who then left the school links nobody. */
START_TEST(left_child_gains_no_guardian)
{
	struct th_member a, co;
	th_member_register(&a, "leftinviter");
	th_member_register(&co, "leftinvitee");
	char *id = create_child(a.access_token, "Leaving", "P6");
	char *inv_id = api_invite(a.access_token, id, co.email);
	api_db_exec("UPDATE children SET left_at = updated_at WHERE id = $1", id, NULL);
	struct th_resp *r = answer(co.access_token, inv_id, "accept");
	ck_assert_problem(r, 409, "child_left");
	th_resp_free(&r);
	ck_assert_int_eq(is_guardian(id, co.id), 0);
	ck_assert_int_eq(guardian_rows(id), 1);
	ck_assert_int_eq(rows_with_status(inv_id, "pending"), 1);
	free(inv_id);
	free(id);
	th_member_free(&a);
	th_member_free(&co);
}
END_TEST

START_TEST(decline_then_invite_again)
{
	struct th_member a, co;
	th_member_register(&a, "declinviter");
	th_member_register(&co, "declinvitee");
	char *id = create_child(a.access_token, "Declined", "P4");
	char *inv_id = api_invite(a.access_token, id, co.email);
	struct th_resp *r = answer(co.access_token, inv_id, "decline");
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	ck_assert_int_eq(r->body_len, 0);
	th_resp_free(&r);
	ck_assert_int_eq(rows_with_status(inv_id, "declined"), 1);
	r = answer(co.access_token, inv_id, "decline");
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	r = answer(co.access_token, inv_id, "accept");
	ck_assert_problem(r, 409, "invitation_closed");
	th_resp_free(&r);
	r = withdraw(a.access_token, inv_id);
	ck_assert_problem(r, 409, "invitation_closed");
	th_resp_free(&r);
	ck_assert_int_eq(is_guardian(id, co.id), 0);
	r = received(co.access_token);
	ck_assert_int_eq(item_count(r), 0);
	th_resp_free(&r);
	/* The inviter may ask again: a new pending invitation next to the declined one. */
	char *again = api_invite(a.access_token, id, co.email);
	ck_assert_str_ne(again, inv_id);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE child_id = $1", id, NULL), 2);
	free(again);
	free(inv_id);
	free(id);
	th_member_free(&a);
	th_member_free(&co);
}
END_TEST

START_TEST(withdraw_by_a_guardian)
{
	struct th_member a, g2, co, b;
	th_member_register(&a, "wdinviter");
	th_member_register(&g2, "wdguardian");
	th_member_register(&co, "wdinvitee");
	th_member_register(&b, "wdstranger");
	char *id = create_child(a.access_token, "Withdrawn", "M2");
	api_link_coparent(a.access_token, id, &g2);
	char *inv_id = api_invite(a.access_token, id, co.email);

	/* Neither a stranger nor the invitee can withdraw it. */
	struct th_resp *r = withdraw(b.access_token, inv_id);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = withdraw(co.access_token, inv_id);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	ck_assert_int_eq(rows_with_status(inv_id, "pending"), 1);

	/* The other guardian sees it and withdraws it. */
	r = sent_for(g2.access_token, id);
	ck_assert_int_eq(item_count(r), 1);
	th_resp_free(&r);
	r = withdraw(g2.access_token, inv_id);
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	ck_assert_int_eq(rows_with_status(inv_id, "withdrawn"), 1);
	r = withdraw(a.access_token, inv_id);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	r = received(co.access_token);
	ck_assert_int_eq(item_count(r), 0);
	th_resp_free(&r);
	r = answer(co.access_token, inv_id, "accept");
	ck_assert_problem(r, 409, "invitation_closed");
	th_resp_free(&r);
	r = answer(co.access_token, inv_id, "decline");
	ck_assert_problem(r, 409, "invitation_closed");
	th_resp_free(&r);
	ck_assert_int_eq(is_guardian(id, co.id), 0);

	/* An inviter who stops being a guardian takes their open invitations along. */
	char *by_g2 = api_invite(g2.access_token, id, co.email);
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/children/%s/guardians/%s", id, g2.id);
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	r = received(co.access_token);
	ck_assert_int_eq(item_count(r), 0);
	th_resp_free(&r);
	r = answer(co.access_token, by_g2, "accept");
	ck_assert_problem(r, 409, "invitation_closed");
	th_resp_free(&r);
	ck_assert_int_eq(is_guardian(id, co.id), 0);
	/* And they cannot withdraw it any more either. */
	r = withdraw(g2.access_token, by_g2);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);

	/* Deleting the child deletes its invitations. */
	snprintf(path, sizeof(path), "/api/v1/children/%s", id);
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE child_id = $1", id, NULL), 0);
	free(by_g2);
	free(inv_id);
	free(id);
	th_member_free(&a);
	th_member_free(&g2);
	th_member_free(&co);
	th_member_free(&b);
}
END_TEST

/* --- rate limit ---------------------------------------------------------------------- */

START_TEST(rate_limited_per_member)
{
	struct th_member a, other;
	th_member_register(&a, "ratelimited");
	th_member_register(&other, "ratefree");
	char *id = create_child(a.access_token, "Limited", "P6");
	char email[96];
	for (int i = 0; i < 20; i++) {
		/* Repeats count as much as new addresses: each could become an e-mail. */
		snprintf(email, sizeof(email), "rate.%d.%d@example.be", (int)getpid(), i % 12);
		struct th_resp *r = invite(a.access_token, id, email);
		assert_sent(r);
		th_resp_free(&r);
	}
	snprintf(email, sizeof(email), "rate.%d.last@example.be", (int)getpid());
	struct th_resp *r = invite(a.access_token, id, email);
	ck_assert_problem(r, 429, "too_many_invitations");
	const char *retry = th_header(r, "Retry-After");
	ck_assert_ptr_nonnull(retry);
	long wait = atol(retry);
	ck_assert_msg(wait > 86000 && wait <= 86400, "Retry-After %s", retry);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE invitee_email = $1", email, NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitation_sends WHERE user_id = $1", a.id, NULL), 20);

	/* Per member: somebody else still can. */
	char *theirs = create_child(other.access_token, "Free", "P6");
	r = invite(other.access_token, theirs, email);
	assert_sent(r);
	th_resp_free(&r);

	/* Once the window has passed, the member can invite again (old sends are pruned). */
	api_db_exec("UPDATE guardian_invitation_sends SET sent_at = $2 WHERE user_id = $1", a.id, LONG_AGO);
	r = invite(a.access_token, id, email);
	assert_sent(r);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitation_sends WHERE user_id = $1", a.id, NULL), 1);
	free(theirs);
	free(id);
	th_member_free(&a);
	th_member_free(&other);
}
END_TEST

/* Concurrent senders: one row per address and never more than the limit. */
struct shot {
	const char *token, *child_id;
	char email[96];
	long status;
};

static void *shoot(void *arg)
{
	struct shot *s = arg;
	struct th_resp *r = invite(s->token, s->child_id, s->email);
	s->status = r->status;
	th_resp_free(&r);
	return NULL;
}

static void fire(struct shot *shots, size_t n)
{
	pthread_t tids[32];
	ck_assert_uint_le(n, 32);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(pthread_create(&tids[i], NULL, shoot, &shots[i]), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(pthread_join(tids[i], NULL), 0);
}

START_TEST(concurrent_invitations)
{
	struct th_member a;
	th_member_register(&a, "concinviter");
	char *id = create_child(a.access_token, "Concurrent", "P4");
	struct shot shots[32];
	/* Eight at once for one address: eight 202s, one row. */
	for (size_t i = 0; i < 8; i++) {
		shots[i] = (struct shot){.token = a.access_token, .child_id = id};
		snprintf(shots[i].email, sizeof(shots[i].email), "same.%d@example.be", (int)getpid());
	}
	fire(shots, 8);
	for (size_t i = 0; i < 8; i++)
		ck_assert_int_eq(shots[i].status, 202);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE child_id = $1", id, NULL), 1);
	/* 24 more at once: the 12 left of the 20 pass, the others are refused. */
	for (size_t i = 0; i < 24; i++) {
		shots[i] = (struct shot){.token = a.access_token, .child_id = id};
		snprintf(shots[i].email, sizeof(shots[i].email), "conc.%d.%zu@example.be", (int)getpid(), i);
	}
	fire(shots, 24);
	int accepted = 0, limited = 0;
	for (size_t i = 0; i < 24; i++) {
		accepted += shots[i].status == 202;
		limited += shots[i].status == 429;
	}
	ck_assert_int_eq(accepted, 12);
	ck_assert_int_eq(limited, 12);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitation_sends WHERE user_id = $1", a.id, NULL), 20);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE child_id = $1", id, NULL), 13);
	free(id);
	th_member_free(&a);
}
END_TEST

void api_guardian_invitation_refusal_tests(TCase *tc)
{
	tcase_add_test(tc, invite_validation_and_authorization);
	tcase_add_test(tc, expired_invitations_cannot_be_accepted);
	tcase_add_test(tc, left_child_gains_no_guardian);
	tcase_add_test(tc, decline_then_invite_again);
	tcase_add_test(tc, withdraw_by_a_guardian);
	tcase_add_test(tc, rate_limited_per_member);
	tcase_add_test(tc, concurrent_invitations);
}
