/*
 * Co-parent invitations: POST /children/{id}/guardians answers one 202 whoever is invited,
 * nothing is linked before the invitee accepts, and invitations expire, are declined,
 * withdrawn, rate-limited, exported and erased. The refusals (bad input, expiry, decline,
 * withdrawal, the rate limit, concurrent senders) are in guardian_invitations_refusals_suite.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guardian_invitations_suite.h"

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
	r = th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s, s:s}", "email",
		    email, "password", "correct horse latecomer", "first_name", "Late", "last_name",
		    "Comer", "privacy_version", TH_PRIVACY_VERSION);
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
	api_guardian_invitation_refusal_tests(tc);
	tcase_add_test(tc, export_and_erasure);
	tcase_add_test(tc, every_route_needs_a_token);
	suite_add_tcase(s, tc);
	return s;
}
