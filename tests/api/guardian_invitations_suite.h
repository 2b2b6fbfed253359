/*
 * What the co-parent invitation topic files share (guardian_invitations_suite.c: invite,
 * accept, the one answer, export and erasure; guardian_invitations_refusals_suite.c:
 * validation, expiry, decline, withdrawal, the rate limit, concurrent senders). Their tests
 * run in one Check test case on one shared server.
 */
#ifndef SCHOOLHUB_TESTS_GUARDIAN_INVITATIONS_SUITE_H
#define SCHOOLHUB_TESTS_GUARDIAN_INVITATIONS_SUITE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api.h"

#define RANDOM_UUID "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69"
#define SENT_BODY "{\"status\":\"invitation_sent\"}"
#define LONG_AGO "2001-01-01T00:00:00Z"

/* Adds guardian_invitations_refusals_suite.c's tests to the invitations test case. */
void api_guardian_invitation_refusal_tests(TCase *tc);

static inline char *create_child(const char *token, const char *first, const char *class_name)
{
	struct th_resp *r = th_json("POST", "/api/v1/children", token, "{s:s, s:s, s:s}",
				    "first_name", first, "last_name", "Kind", "class_name",
				    class_name);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

static inline struct th_resp *invite(const char *token, const char *child_id, const char *email)
{
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/children/%s/guardians", child_id);
	return th_json("POST", path, token, "{s:s}", "email", email);
}

/* Asserts the one answer of an accepted invitation request. */
static inline void assert_sent(struct th_resp *r)
{
	ck_assert_msg(r->status == 202, "%ld %s", r->status, r->body);
	ck_assert_str_eq(r->body, SENT_BODY);
	ck_assert_str_eq(th_header(r, "Content-Type"), "application/json");
	ck_assert_ptr_null(th_header(r, "Location"));
}

static inline struct th_resp *answer(const char *token, const char *id, const char *verb)
{
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/guardian-invitations/%s/%s", id, verb);
	return th_request("POST", path, token, NULL, NULL, NULL);
}

static inline struct th_resp *withdraw(const char *token, const char *id)
{
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/guardian-invitations/%s", id);
	return th_request("DELETE", path, token, NULL, NULL, NULL);
}

static inline struct th_resp *received(const char *token)
{
	return th_request("GET", "/api/v1/guardian-invitations", token, NULL, NULL, NULL);
}

static inline struct th_resp *sent_for(const char *token, const char *child_id)
{
	char path[200];
	snprintf(path, sizeof(path), "/api/v1/children/%s/guardian-invitations", child_id);
	return th_request("GET", path, token, NULL, NULL, NULL);
}

static inline size_t item_count(const struct th_resp *r)
{
	return json_array_size(json_object_get(r->json, "items"));
}

static inline int64_t guardian_rows(const char *child_id)
{
	return api_db_count("SELECT COUNT(*) FROM child_guardians WHERE child_id = $1", child_id,
			    NULL);
}

static inline int64_t is_guardian(const char *child_id, const char *user_id)
{
	return api_db_count(
		"SELECT COUNT(*) FROM child_guardians WHERE child_id = $1 AND user_id = $2",
		child_id, user_id);
}

static inline int64_t rows_with_status(const char *id, const char *status)
{
	return api_db_count("SELECT COUNT(*) FROM guardian_invitations WHERE id = $1 AND status = $2",
			    id, status);
}

#endif
