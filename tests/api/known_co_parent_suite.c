/*
 * Inviting the family's known co-parent by "user_id" (issue #11 item 12): POST
 * /children/{id}/guardians {user_id} invites a member who already shares one of the caller's
 * children, at the address the server holds, with the same 202 as an address; anyone else
 * is 422 not_a_co_parent, and nothing is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define SENT_BODY "{\"status\":\"invitation_sent\"}"
#define RANDOM_UUID "7d1e5c2b-9a3f-4e8d-b6c1-2f0a9e8d7c6b"

static char *create_child(const char *token, const char *first)
{
	struct th_resp *r = th_json("POST", "/api/v1/children", token, "{s:s, s:s, s:s}",
				    "first_name", first, "last_name", "Famille", "class_name",
				    "P2");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

static struct th_resp *invite_member(const char *token, const char *child_id, const char *user_id)
{
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/children/%s/guardians", child_id);
	return th_json("POST", path, token, "{s:s, s:s}", "user_id", user_id, "relationship",
		       "mother");
}

static int64_t invitations_of(const char *child_id)
{
	return api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE child_id = $1",
			    child_id, NULL);
}

START_TEST(the_known_co_parent_is_invited_without_the_address)
{
	struct th_member a, b;
	th_member_register(&a, "known");
	th_member_register(&b, "coparent");
	char *first = create_child(a.access_token, "Aînée");
	api_link_coparent(a.access_token, first, &b);
	char *second = create_child(a.access_token, "Cadet");

	struct th_resp *r = invite_member(a.access_token, second, b.id);
	ck_assert_msg(r->status == 202, "%ld %s", r->status, r->body);
	ck_assert_str_eq(r->body, SENT_BODY); /* the address is never sent back */
	th_resp_free(&r);
	/* Stored as an invitation to B's address, with the relationship given. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE child_id = "
				      "$1 AND invitee_email = $2 AND status = 'pending' AND "
				      "relationship = 'mother'",
				      second, b.email),
			 1);
	/* B sees it and accepts: B guards the second child too. Nothing linked before that. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM child_guardians WHERE child_id = $1 "
				      "AND user_id = $2",
				      second, b.id),
			 0);
	r = th_request("GET", "/api/v1/guardian-invitations", b.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_int_eq(json_array_size(items), 1);
	char *inv = strdup(json_string_value(json_object_get(json_array_get(items, 0), "id")));
	th_resp_free(&r);
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/guardian-invitations/%s/accept", inv);
	r = th_request("POST", path, b.access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM child_guardians WHERE child_id = $1 "
				      "AND user_id = $2",
				      second, b.id),
			 1);
	/* It counted toward A's daily invitations like any other. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitation_sends WHERE "
				      "user_id = $1",
				      a.id, NULL),
			 2);
	free(inv);
	free(first);
	free(second);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(only_a_member_sharing_a_child_can_be_named)
{
	struct th_member a, stranger, b;
	th_member_register(&a, "namer");
	th_member_register(&stranger, "stranger");
	th_member_register(&b, "partner");
	char *child = create_child(a.access_token, "Seule");
	char *theirs = create_child(stranger.access_token, "Autre");
	api_link_coparent(stranger.access_token, theirs, &b); /* B shares a child, not with A */

	/* A stranger, a co-parent of someone else, oneself, an unknown or malformed id: one
	 * answer, which says nothing about whether the account exists. */
	const char *ids[] = {stranger.id, b.id, a.id, RANDOM_UUID, "not-a-uuid"};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct th_resp *r = invite_member(a.access_token, child, ids[i]);
		ck_assert_problem(r, 422, "validation_failed");
		ck_assert_int_eq(api_err_count(r), 1);
		ck_assert_str_eq(api_err_field(r, 0), "user_id");
		ck_assert_str_eq(api_err_code(r, 0), "not_a_co_parent");
		th_resp_free(&r);
	}
	/* An address and a member at once, or a user_id that is not a string. */
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/children/%s/guardians", child);
	struct th_resp *r = th_json("POST", path, a.access_token, "{s:s, s:s}", "user_id", b.id,
				    "email", b.email);
	ck_assert_problem(r, 422, "validation_failed");
	ck_assert(api_has_error(r, "user_id", "email_or_user_id"));
	th_resp_free(&r);
	r = th_json("POST", path, a.access_token, "{s:i}", "user_id", 7);
	ck_assert_problem(r, 422, "validation_failed");
	ck_assert(api_has_error(r, "user_id", "invalid_type"));
	th_resp_free(&r);
	/* Someone who does not guard the child gets 404, whoever they name. */
	r = invite_member(stranger.access_token, child, a.id);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);

	/* Nothing was written, and no send was counted. */
	ck_assert_int_eq(invitations_of(child), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitation_sends WHERE "
				      "user_id = $1",
				      a.id, NULL),
			 0);
	free(child);
	free(theirs);
	th_member_free(&a);
	th_member_free(&stranger);
	th_member_free(&b);
}
END_TEST

START_TEST(a_co_parent_who_left_is_no_longer_offered)
{
	struct th_member a, b;
	th_member_register(&a, "stayer");
	th_member_register(&b, "leaver");
	char *first = create_child(a.access_token, "Premier");
	api_link_coparent(a.access_token, first, &b);
	char *second = create_child(a.access_token, "Second");
	/* B deletes the account: the link goes, so B's id no longer names anyone. */
	struct th_resp *r = th_json("DELETE", "/api/v1/users/me", b.access_token, "{s:s}",
				    "password", b.password);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	r = invite_member(a.access_token, second, b.id);
	ck_assert_problem(r, 422, "validation_failed");
	ck_assert(api_has_error(r, "user_id", "not_a_co_parent"));
	th_resp_free(&r);
	ck_assert_int_eq(invitations_of(second), 0);
	free(first);
	free(second);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

Suite *api_known_co_parent_suite(void)
{
	Suite *s = suite_create("known_co_parent");
	TCase *tc = tcase_create("known_co_parent");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, the_known_co_parent_is_invited_without_the_address);
	tcase_add_test(tc, only_a_member_sharing_a_child_can_be_named);
	tcase_add_test(tc, a_co_parent_who_left_is_no_longer_offered);
	suite_add_tcase(s, tc);
	return s;
}
