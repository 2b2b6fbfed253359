/*
 * Co-parent invitations: POST /children/{id}/guardians answers one 202 whoever is invited,
 * nothing is linked before the invitee accepts, and invitations expire, are declined,
 * withdrawn, rate-limited, exported and erased.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"

#define RANDOM_UUID "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69"
#define SENT_BODY "{\"status\":\"invitation_sent\"}"
#define LONG_AGO "2001-01-01T00:00:00Z"

static char *create_child(const char *token, const char *first, const char *class_name)
{
	struct th_resp *r = th_json("POST", "/api/v1/children", token, "{s:s, s:s, s:s}",
				    "first_name", first, "last_name", "Kind", "class_name",
				    class_name);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

static struct th_resp *invite(const char *token, const char *child_id, const char *email)
{
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/children/%s/guardians", child_id);
	return th_json("POST", path, token, "{s:s}", "email", email);
}

/* Asserts the one answer of an accepted invitation request. */
static void assert_sent(struct th_resp *r)
{
	ck_assert_msg(r->status == 202, "%ld %s", r->status, r->body);
	ck_assert_str_eq(r->body, SENT_BODY);
	ck_assert_str_eq(th_header(r, "Content-Type"), "application/json");
	ck_assert_ptr_null(th_header(r, "Location"));
}

static struct th_resp *answer(const char *token, const char *id, const char *verb)
{
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/guardian-invitations/%s/%s", id, verb);
	return th_request("POST", path, token, NULL, NULL, NULL);
}

static struct th_resp *withdraw(const char *token, const char *id)
{
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/guardian-invitations/%s", id);
	return th_request("DELETE", path, token, NULL, NULL, NULL);
}

static struct th_resp *received(const char *token)
{
	return th_request("GET", "/api/v1/guardian-invitations", token, NULL, NULL, NULL);
}

static struct th_resp *sent_for(const char *token, const char *child_id)
{
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/children/%s/guardian-invitations", child_id);
	return th_request("GET", path, token, NULL, NULL, NULL);
}

static size_t item_count(const struct th_resp *r)
{
	return json_array_size(json_object_get(r->json, "items"));
}

static int64_t guardian_rows(const char *child_id)
{
	return api_db_count("SELECT COUNT(*) FROM child_guardians WHERE child_id = $1", child_id,
			    NULL);
}

static int64_t is_guardian(const char *child_id, const char *user_id)
{
	return api_db_count(
		"SELECT COUNT(*) FROM child_guardians WHERE child_id = $1 AND user_id = $2",
		child_id, user_id);
}

static int64_t rows_with_status(const char *id, const char *status)
{
	return api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE id = $1 AND status = $2",
			    id, status);
}

/* --- invite, see, accept ----------------------------------------------------------- */

START_TEST(invite_then_accept)
{
	struct th_member a, co, b;
	th_member_register(&a, "mother");
	th_member_register(&co, "father");
	th_member_register(&b, "neighbour");
	char *id = create_child(a.access_token, "Shared", "P5");

	/* The address is trimmed and lower-cased like an account's. */
	char typed[160];
	snprintf(typed, sizeof(typed), "  %s ", co.email);
	typed[2] = (char)(typed[2] - 'a' + 'A');
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/children/%s/guardians", id);
	struct th_resp *r = th_json("POST", path, a.access_token, "{s:s, s:s}", "email", typed,
				    "relationship", "père");
	assert_sent(r);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE child_id = $1 AND invitee_email = $2 AND status = 'pending'", id, co.email), 1);

	/* Nothing is linked before the invitee accepts. */
	ck_assert_int_eq(guardian_rows(id), 1);
	r = th_request("GET", "/api/v1/children", co.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(item_count(r), 0);
	th_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/children/%s", id);
	r = th_request("GET", path, co.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);

	/* The inviter sees it pending, with the address typed. */
	r = sent_for(a.access_token, id);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(item_count(r), 1);
	json_t *inv = json_array_get(json_object_get(r->json, "items"), 0);
	char *inv_id = strdup(json_string_value(json_object_get(inv, "id")));
	ck_assert_str_eq(json_string_value(json_object_get(inv, "email")), co.email);
	ck_assert_str_eq(json_string_value(json_object_get(inv, "relationship")), "père");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(inv, "invited_by"), "first_name")), "mother");
	ck_assert_ptr_nonnull(json_string_value(json_object_get(inv, "expires_at")));
	th_resp_free(&r);
	/* Expiry is 14 days after sending. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE id = $1 AND expires_at > $2", inv_id, "2000-01-01T00:00:00Z"), 1);

	/* The invitee sees what they need to decide, and nothing else. */
	r = received(co.access_token);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(item_count(r), 1);
	inv = json_array_get(json_object_get(r->json, "items"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(inv, "id")), inv_id);
	json_t *child = json_object_get(inv, "child");
	ck_assert_str_eq(json_string_value(json_object_get(child, "first_name")), "Shared");
	ck_assert_str_eq(json_string_value(json_object_get(child, "class_name")), "P5");
	ck_assert_ptr_null(json_object_get(child, "id"));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(inv, "invited_by"), "first_name")), "mother");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(inv, "invited_by"), "last_name")), "Test");
	ck_assert_ptr_nonnull(json_string_value(json_object_get(inv, "expires_at")));
	ck_assert_ptr_null(strstr(r->body, a.email));
	ck_assert_ptr_null(strstr(r->body, id));
	th_resp_free(&r);

	/* Somebody else's invitation does not exist for a stranger, nor for the inviter. */
	r = received(b.access_token);
	ck_assert_int_eq(item_count(r), 0);
	th_resp_free(&r);
	static const char *const verbs[] = {"accept", "decline"};
	for (size_t i = 0; i < 2; i++) {
		r = answer(b.access_token, inv_id, verbs[i]);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
		r = answer(a.access_token, inv_id, verbs[i]);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
		r = answer(co.access_token, RANDOM_UUID, verbs[i]);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
		r = answer(co.access_token, "not-a-uuid", verbs[i]);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
	}
	ck_assert_int_eq(rows_with_status(inv_id, "pending"), 1);

	/* Accepting links the invitee with the relationship proposed, and answers the child. */
	r = answer(co.access_token, inv_id, "accept");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "id"), id);
	json_t *g = json_object_get(r->json, "guardians");
	ck_assert_int_eq(json_array_size(g), 2);
	ck_assert_ptr_nonnull(strstr(r->body, "père"));
	th_resp_free(&r);
	ck_assert_int_eq(is_guardian(id, co.id), 1);
	ck_assert_int_eq(rows_with_status(inv_id, "accepted"), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE id = $1 AND answered_at IS NOT NULL", inv_id, NULL), 1);

	/* Accepting twice is accepting once. */
	r = answer(co.access_token, inv_id, "accept");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	ck_assert_int_eq(guardian_rows(id), 2);
	/* Answered: gone from both lists; a later decline or withdrawal is refused. */
	r = received(co.access_token);
	ck_assert_int_eq(item_count(r), 0);
	th_resp_free(&r);
	r = sent_for(a.access_token, id);
	ck_assert_int_eq(item_count(r), 0);
	th_resp_free(&r);
	r = answer(co.access_token, inv_id, "decline");
	ck_assert_problem(r, 409, "invitation_closed");
	th_resp_free(&r);
	r = withdraw(a.access_token, inv_id);
	ck_assert_problem(r, 409, "invitation_closed");
	th_resp_free(&r);
	ck_assert_int_eq(rows_with_status(inv_id, "accepted"), 1);

	/* The co-parent now sees the child. */
	r = th_request("GET", "/api/v1/children", co.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(item_count(r), 1);
	th_resp_free(&r);
	free(inv_id);
	free(id);
	th_member_free(&a);
	th_member_free(&co);
	th_member_free(&b);
}
END_TEST

/* --- the answer never tells whether an address has an account ------------------------ */

START_TEST(same_answer_for_every_address)
{
	struct th_member a, known, co, gone;
	th_member_register(&a, "sameinviter");
	th_member_register(&known, "sameknown");
	th_member_register(&co, "sameco");
	th_member_register(&gone, "samegone");
	struct th_resp *r = th_json("DELETE", "/api/v1/users/me", gone.access_token, "{s:s}",
				    "password", gone.password);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	char *id = create_child(a.access_token, "Same", "P2");
	api_link_coparent(a.access_token, id, &co);
	char unknown[96];
	snprintf(unknown, sizeof(unknown), "nobody.%d@example.be", (int)getpid());

	/* No account, an account, already a guardian, a deleted account, the same again. */
	const char *const addresses[] = {unknown, known.email, co.email, gone.email, known.email,
					 unknown};
	for (size_t i = 0; i < sizeof(addresses) / sizeof(addresses[0]); i++) {
		r = invite(a.access_token, id, addresses[i]);
		assert_sent(r);
		th_resp_free(&r);
	}
	/* The co-parent can invite too, with the same answer. */
	r = invite(co.access_token, id, known.email);
	assert_sent(r);
	th_resp_free(&r);

	/* Each address is stored once, account or not: repeats refresh the pending row. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE child_id = $1 AND status = 'pending'", id, NULL), 4);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE child_id = $1 AND invitee_email = $2", id, unknown), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE child_id = $1 AND invitee_email = $2", id, known.email), 1);
	/* The last sender is the inviter of a refreshed row. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE invitee_email = $1 AND inviter_id = $2", known.email, co.id), 1);
	/* Nobody was linked. */
	ck_assert_int_eq(guardian_rows(id), 2);
	ck_assert_int_eq(is_guardian(id, known.id), 0);
	/* Every send counted, whatever the address. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitation_sends WHERE user_id = $1", a.id, NULL), 7);

	/* An invitee already guarding the child is not asked again. */
	r = received(co.access_token);
	ck_assert_int_eq(item_count(r), 0);
	th_resp_free(&r);
	r = received(known.access_token);
	ck_assert_int_eq(item_count(r), 1);
	th_resp_free(&r);

	/* A refresh renews an expired invitation. */
	api_db_exec("UPDATE guardian_invitations SET expires_at = $2 WHERE invitee_email = $1", known.email, LONG_AGO);
	r = received(known.access_token);
	ck_assert_int_eq(item_count(r), 0);
	th_resp_free(&r);
	r = invite(a.access_token, id, known.email);
	assert_sent(r);
	th_resp_free(&r);
	r = received(known.access_token);
	ck_assert_int_eq(item_count(r), 1);
	th_resp_free(&r);
	free(id);
	th_member_free(&a);
	th_member_free(&known);
	th_member_free(&co);
	th_member_free(&gone);
}
END_TEST

/* An address with no account yet: the invitation waits for whoever registers with it. */
START_TEST(registering_later_finds_the_invitation)
{
	struct th_member a;
	th_member_register(&a, "earlyinviter");
	char *id = create_child(a.access_token, "Early", "M3");
	char email[96];
	snprintf(email, sizeof(email), "Late.Comer.%d@Example.be", (int)getpid());
	struct th_resp *r = invite(a.access_token, id, email);
	assert_sent(r);
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s}", "email", email,
		    "password", "correct horse latecomer", "first_name", "Late", "last_name",
		    "Comer");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *token = strdup(th_str(r, "access_token"));
	char *user_id = strdup(json_string_value(json_object_get(json_object_get(r->json, "user"), "id")));
	th_resp_free(&r);
	r = received(token); /* not before the address is verified (mail_suite tests the link) */
	ck_assert_int_eq(item_count(r), 0);
	th_resp_free(&r);
	api_db_exec("UPDATE users SET is_verified = (1 = 1) WHERE id = $1", user_id, NULL);
	r = received(token);
	ck_assert_int_eq(item_count(r), 1);
	const char *inv_id = json_string_value(json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "id"));
	struct th_resp *acc = answer(token, inv_id, "accept");
	ck_assert_int_eq(acc->status, 200);
	th_resp_free(&acc);
	th_resp_free(&r);
	ck_assert_int_eq(is_guardian(id, user_id), 1);
	free(token);
	free(user_id);
	free(id);
	th_member_free(&a);
}
END_TEST

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
	r = th_json("POST", path, a.access_token, "{s:s, s:s}", "email", b.email, "user_id", b.id);
	assert_field_error(r, "user_id", "unknown_field");
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

/* --- GDPR ---------------------------------------------------------------------------- */

static json_t *export_invitations(const struct th_member *m, const char *which)
{
	struct th_resp *r = th_request("GET", "/api/v1/users/me/export", m->access_token, NULL,
				       NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	json_t *list = json_incref(
		json_object_get(json_object_get(r->json, "guardian_invitations"), which));
	ck_assert_ptr_nonnull(list);
	th_resp_free(&r);
	return list;
}

static void delete_account(const struct th_member *m)
{
	struct th_resp *r = th_json("DELETE", "/api/v1/users/me", m->access_token, "{s:s}",
				    "password", m->password);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
}

START_TEST(export_and_erasure)
{
	struct th_member a, co, z;
	th_member_register(&a, "gdprinviter");
	th_member_register(&co, "gdprinvitee");
	th_member_register(&z, "gdprother");
	char *mine = create_child(a.access_token, "Exported", "P1");
	char *theirs = create_child(z.access_token, "Zed", "P2");
	char unknown[96];
	snprintf(unknown, sizeof(unknown), "gdpr.nobody.%d@example.be", (int)getpid());
	char *to_co = api_invite(a.access_token, mine, co.email);
	char *to_unknown = api_invite(a.access_token, mine, unknown);
	char *from_z = api_invite(z.access_token, theirs, co.email);

	json_t *sent = export_invitations(&a, "sent");
	ck_assert_int_eq(json_array_size(sent), 2);
	/* Sent in the same second: either order. */
	const char *e0 = json_string_value(json_object_get(json_array_get(sent, 0), "email"));
	const char *e1 = json_string_value(json_object_get(json_array_get(sent, 1), "email"));
	ck_assert((strcmp(e0, co.email) == 0 && strcmp(e1, unknown) == 0) ||
		  (strcmp(e1, co.email) == 0 && strcmp(e0, unknown) == 0));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(sent, 0), "status")), "pending");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(sent, 0), "child_id")), mine);
	json_decref(sent);
	json_t *got = export_invitations(&a, "received");
	ck_assert_int_eq(json_array_size(got), 0);
	json_decref(got);
	got = export_invitations(&co, "received");
	ck_assert_int_eq(json_array_size(got), 2);
	json_decref(got);

	/* The invitee leaves: invitations to their address go, others stay. */
	delete_account(&co);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE invitee_email = $1", co.email, NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE id = $1", to_unknown, NULL), 1);
	/* The inviter leaves: what they sent goes, with their sends. */
	delete_account(&a);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE inviter_id = $1", a.id, NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitation_sends WHERE user_id = $1", a.id, NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitation_sends WHERE user_id = $1", z.id, NULL), 1);
	free(to_co);
	free(to_unknown);
	free(from_z);
	free(mine);
	free(theirs);
	th_member_free(&a);
	th_member_free(&co);
	th_member_free(&z);
}
END_TEST

START_TEST(every_route_needs_a_token)
{
	struct th_member a;
	th_member_register(&a, "invtokenless");
	char *id = create_child(a.access_token, "Tokenless", "P3");
	char send[160], list[200], accept[160], decline[160], one[160];
	snprintf(send, sizeof(send), "/api/v1/children/%s/guardians", id);
	snprintf(list, sizeof(list), "/api/v1/children/%s/guardian-invitations", id);
	snprintf(accept, sizeof(accept), "/api/v1/guardian-invitations/%s/accept", RANDOM_UUID);
	snprintf(decline, sizeof(decline), "/api/v1/guardian-invitations/%s/decline", RANDOM_UUID);
	snprintf(one, sizeof(one), "/api/v1/guardian-invitations/%s", RANDOM_UUID);
	const struct api_call calls[] = {
		{"POST", send, "{\"email\":\"x@example.be\"}"},
		{"GET", list, NULL},
		{"GET", "/api/v1/guardian-invitations", NULL},
		{"POST", accept, NULL},
		{"POST", decline, NULL},
		{"DELETE", one, NULL},
	};
	api_assert_all_unauthorized(calls, sizeof(calls) / sizeof(calls[0]));
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE child_id = $1", id, NULL), 0);
	free(id);
	th_member_free(&a);
}
END_TEST

Suite *api_guardian_invitations_suite(void)
{
	Suite *s = suite_create("guardian_invitations");
	TCase *tc = tcase_create("invitations");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, invite_then_accept);
	tcase_add_test(tc, same_answer_for_every_address);
	tcase_add_test(tc, registering_later_finds_the_invitation);
	tcase_add_test(tc, invite_validation_and_authorization);
	tcase_add_test(tc, expired_invitations_cannot_be_accepted);
	tcase_add_test(tc, decline_then_invite_again);
	tcase_add_test(tc, withdraw_by_a_guardian);
	tcase_add_test(tc, rate_limited_per_member);
	tcase_add_test(tc, concurrent_invitations);
	tcase_add_test(tc, export_and_erasure);
	tcase_add_test(tc, every_route_needs_a_token);
	suite_add_tcase(s, tc);
	return s;
}
