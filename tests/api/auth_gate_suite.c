/*
 * The auth gate on the routes whose account check travels with the handler's first read
 * (SH_ROUTE_ACCOUNT_LATE: GET /sel/balance, /sel/transactions, /sel/transactions/{id}, and
 * the directory searches GET /users and /sel/services).
 * On PostgreSQL the check runs in one round trip with that read, after the handler has
 * begun; these tests hold it to what the gate answers everywhere else: an account
 * deactivated, erased, or whose tokens were ended (token generation) is refused on the
 * very next request with 401 invalid_token, and nothing the handler read reaches the
 * client; a role change applies at once. Each case also covers a request whose handler
 * answers without touching the database (a path id that is not a UUID), where the check
 * runs after the handler.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

/* Pays 1 unit from "from" to "to"; returns the transaction id (malloc'ed). */
static char *pay_one(const struct th_member *from, const struct th_member *to)
{
	struct th_resp *r = th_json("POST", "/api/v1/sel/transactions", from->access_token,
				    "{s:s, s:i, s:s}", "to_user_id", to->id, "units", 1,
				    "description", "gate");
	ck_assert_msg(r->status == 201, "pay: %ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

#define LATE_PATHS 6

/* The late routes as "m" sees them, "tx" one of its transactions. */
static void late_paths(const char *tx, char paths[LATE_PATHS][96])
{
	snprintf(paths[0], 96, "/api/v1/sel/balance");
	snprintf(paths[1], 96, "/api/v1/sel/transactions?limit=5");
	snprintf(paths[2], 96, "/api/v1/sel/transactions/%s", tx);
	snprintf(paths[3], 96, "/api/v1/sel/transactions/not-a-uuid"); /* 404 without a query */
	snprintf(paths[4], 96, "/api/v1/users?q=gate");
	snprintf(paths[5], 96, "/api/v1/sel/services?q=garde");
}

static void assert_answers(const char *token, const char *tx)
{
	char paths[LATE_PATHS][96];
	late_paths(tx, paths);
	for (size_t i = 0; i < LATE_PATHS; i++) {
		struct th_resp *r = th_request("GET", paths[i], token, NULL, NULL, NULL);
		ck_assert_msg(r->status == (i == 3 ? 404 : 200), "%s: %ld %s", paths[i], r->status,
			      r->body);
		th_resp_free(&r);
	}
}

static void assert_refused(const char *token, const char *tx)
{
	char paths[LATE_PATHS][96];
	late_paths(tx, paths);
	for (size_t i = 0; i < LATE_PATHS; i++) {
		struct th_resp *r = th_request("GET", paths[i], token, NULL, NULL, NULL);
		ck_assert_msg(r->status == 401, "%s: %ld %s", paths[i], r->status, r->body);
		ck_assert_str_eq(th_header(r, "Content-Type"), "application/problem+json");
		ck_assert_str_eq(th_code(r), "unauthorized");
		ck_assert_str_eq(th_header(r, "WWW-Authenticate"),
				 "Bearer error=\"invalid_token\"");
		/* Nothing of the handler's answer: no balance, no transaction, no page. */
		ck_assert_ptr_null(strstr(r->body, "balance"));
		ck_assert_ptr_null(strstr(r->body, tx));
		ck_assert_ptr_null(strstr(r->body, "items"));
		th_resp_free(&r);
	}
}

START_TEST(deactivated_account_refused_on_late_routes)
{
	struct th_member m, other;
	th_member_register(&m, "gate-deact");
	th_member_register(&other, "gate-deact-peer");
	char *tx = pay_one(&m, &other);
	assert_answers(m.access_token, tx);

	api_db_exec("UPDATE users SET active = FALSE WHERE id = $1", m.id, NULL);
	assert_refused(m.access_token, tx);

	/* Reactivated, the same token works again: the refusal was the account's state. */
	api_db_exec("UPDATE users SET active = TRUE WHERE id = $1", m.id, NULL);
	assert_answers(m.access_token, tx);
	free(tx);
	th_member_free(&m);
	th_member_free(&other);
}
END_TEST

START_TEST(erased_account_refused_on_late_routes)
{
	struct th_member m, other;
	th_member_register(&m, "gate-erase");
	th_member_register(&other, "gate-erase-peer");
	char *tx = pay_one(&m, &other);
	assert_answers(m.access_token, tx);

	struct th_resp *r = th_json("DELETE", "/api/v1/users/me", m.access_token, "{s:s}",
				    "password", m.password);
	ck_assert_msg(r->status == 204, "delete: %ld %s", r->status, r->body);
	th_resp_free(&r);
	assert_refused(m.access_token, tx);
	free(tx);
	th_member_free(&m);
	th_member_free(&other);
}
END_TEST

START_TEST(ended_tokens_refused_on_late_routes)
{
	struct th_member m, other;
	th_member_register(&m, "gate-gen");
	th_member_register(&other, "gate-gen-peer");
	char *tx = pay_one(&m, &other);
	assert_answers(m.access_token, tx);

	/* "Sign out everywhere" bumps the token generation: the access token still verifies
	 * (signature, expiry) but belongs to an older generation. */
	struct th_resp *r =
		th_request("POST", "/api/v1/auth/logout-all", m.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	assert_refused(m.access_token, tx);
	free(tx);
	th_member_free(&m);
	th_member_free(&other);
}
END_TEST

START_TEST(role_change_applies_at_once_on_late_routes)
{
	struct th_member a, b, c;
	th_member_register(&a, "gate-role-a");
	th_member_register(&b, "gate-role-b");
	th_member_register(&c, "gate-role-c");
	char *tx = pay_one(&a, &b);
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/sel/transactions/%s", tx);

	/* Not a party: 404, as for a transaction that does not exist. */
	struct th_resp *r = th_request("GET", path, c.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	/* Promoted to admin, with the same token: the handler sees the role just read. */
	api_promote(&c, "admin");
	r = th_request("GET", path, c.access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "id"), tx);
	th_resp_free(&r);
	api_promote(&c, "parent");
	r = th_request("GET", path, c.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);

	/* Another member's withdrawn services: an admin's business only, decided on the role
	 * just read (the search settles the pending check before it looks at the role). */
	char withdrawn[160];
	snprintf(withdrawn, sizeof(withdrawn),
		 "/api/v1/sel/services?user_id=%s&include_withdrawn=true", a.id);
	r = th_request("GET", withdrawn, c.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	api_promote(&c, "admin");
	r = th_request("GET", withdrawn, c.access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	api_promote(&c, "parent");
	r = th_request("GET", withdrawn, c.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	/* Deactivated: refused by the gate, not answered 403 by the handler. */
	api_db_exec("UPDATE users SET active = FALSE WHERE id = $1", c.id, NULL);
	r = th_request("GET", withdrawn, c.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	api_db_exec("UPDATE users SET active = TRUE WHERE id = $1", c.id, NULL);
	free(tx);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&c);
}
END_TEST

Suite *api_auth_gate_suite(void)
{
	Suite *s = suite_create("auth_gate");
	TCase *tc = tcase_create("late_account_check");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_add_test(tc, deactivated_account_refused_on_late_routes);
	tcase_add_test(tc, erased_account_refused_on_late_routes);
	tcase_add_test(tc, ended_tokens_refused_on_late_routes);
	tcase_add_test(tc, role_change_applies_at_once_on_late_routes);
	suite_add_tcase(s, tc);
	return s;
}
