/* A member's SEL history (GET /sel/transactions: pages, cursors, the status filter, only
 * one's own) and payments retried with an Idempotency-Key. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schoolhub/util.h"
#include "sel_support.h"

Suite *api_sel_history_suite(void);

/* --- GET /transactions ------------------------------------------------------------------- */

START_TEST(list_pagination_and_filter)
{
	struct th_member p, q, outsider;
	th_member_register(&p, "lister");
	th_member_register(&q, "listpeer");
	th_member_register(&outsider, "listout");
	char *ids[8];
	ids[0] = sel_pay_ok(&p, q.id, 5, "one");
	ids[1] = sel_pay_ok(&q, p.id, 6, "two");
	ids[2] = sel_ask_ok(&p, q.id, 7);
	ids[3] = sel_ask_ok(&q, p.id, 8);
	ids[4] = sel_pay_ok(&p, q.id, 9, "five");
	ids[5] = sel_ask_ok(&p, q.id, 10);
	struct th_resp *r = sel_act(&q, ids[5], "decline");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	free(sel_pay_ok(&outsider, q.id, 3, "not p's"));

	/* Everything at once, newest first: 6 + the opening transaction. */
	r = sel_list(&p, "limit=100", NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_int_eq(json_array_size(items), 7);
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")) ||
		  json_object_get(r->json, "next_cursor") == NULL);
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, i), "id")),
				 ids[5 - i]);
	json_t *opening = json_array_get(items, 6);
	ck_assert_str_eq(json_string_value(json_object_get(opening, "kind")), "opening");
	ck_assert(json_is_null(json_object_get(opening, "from_user_id")));
	ck_assert(json_is_null(json_object_get(opening, "from")));
	ck_assert_int_eq(json_integer_value(json_object_get(opening, "units")), 120);
	json_t *all = json_deep_copy(items);
	th_resp_free(&r);

	/* The same walked one by one: same order, no duplicates, nothing missing. */
	char query[256] = "limit=1";
	size_t seen = 0;
	for (int guard = 0; guard < 20; guard++) {
		r = sel_list(&p, query, NULL);
		ck_assert_msg(r->status == 200, "%s: %ld %s", query, r->status, r->body);
		items = json_object_get(r->json, "items");
		ck_assert_int_le(json_array_size(items), 1);
		if (json_array_size(items) == 1) {
			ck_assert_int_lt(seen, 7);
			ck_assert_str_eq(
				json_string_value(json_object_get(json_array_get(items, 0), "id")),
				json_string_value(json_object_get(json_array_get(all, seen), "id")));
			seen++;
		}
		const char *next = th_str(r, "next_cursor");
		if (next == NULL) {
			th_resp_free(&r);
			break;
		}
		snprintf(query, sizeof(query), "limit=1&cursor=%s", next);
		th_resp_free(&r);
	}
	ck_assert_int_eq(seen, 7);
	/* limit=3: 3 + 3 + 1. */
	r = sel_list(&p, "limit=3", NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 3);
	snprintf(query, sizeof(query), "limit=3&cursor=%s", th_str(r, "next_cursor"));
	th_resp_free(&r);
	r = sel_list(&p, query, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(r->json, "items"), 0), "id")),
			 ids[2]);
	th_resp_free(&r);

	/* Status filter. */
	static const struct {
		const char *status;
		size_t count;
	} filters[] = {{"pending", 2}, {"completed", 4}, {"declined", 1}, {"cancelled", 0}};
	for (size_t i = 0; i < 4; i++) {
		snprintf(query, sizeof(query), "status=%s", filters[i].status);
		r = sel_list(&p, query, NULL);
		ck_assert_int_eq(r->status, 200);
		items = json_object_get(r->json, "items");
		ck_assert_msg(json_array_size(items) == filters[i].count, "%s: %s", query, r->body);
		for (size_t j = 0; j < json_array_size(items); j++)
			ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, j),
									   "status")),
					 filters[i].status);
		th_resp_free(&r);
	}
	/* Paged filter. */
	r = sel_list(&p, "status=pending&limit=1", NULL);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(r->json, "items"), 0), "id")),
			 ids[3]);
	snprintf(query, sizeof(query), "status=pending&limit=1&cursor=%s", th_str(r, "next_cursor"));
	th_resp_free(&r);
	r = sel_list(&p, query, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(r->json, "items"), 0), "id")),
			 ids[2]);
	th_resp_free(&r);

	/* Bad parameters. */
	r = sel_list(&p, "status=lost", NULL);
	assert_field_error(r, "status", "out_of_range");
	th_resp_free(&r);
	r = sel_list(&p, "cursor=%21%21", NULL);
	assert_field_error(r, "cursor", "invalid_cursor");
	th_resp_free(&r);
	r = sel_list(&p, "limit=0", NULL);
	assert_field_error(r, "limit", "out_of_range");
	th_resp_free(&r);
	r = sel_list(&p, "limit=101", NULL);
	assert_field_error(r, "limit", "out_of_range");
	th_resp_free(&r);
	/* Someone else's list holds none of p's. */
	r = sel_list(&outsider, "limit=100", NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 2);
	for (size_t i = 0; i < 6; i++)
		ck_assert_ptr_null(strstr(r->body, ids[i]));
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/sel/transactions", NULL, NULL, NULL, NULL);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	json_decref(all);
	for (size_t i = 0; i < 6; i++)
		free(ids[i]);
	th_member_free(&p);
	th_member_free(&q);
	th_member_free(&outsider);
}
END_TEST

/* --- Idempotency-Key --------------------------------------------------------------------- */

static struct th_resp *pay_with_key(const struct th_member *m, const char *body, const char *key)
{
	char header[400];
	snprintf(header, sizeof(header), "Idempotency-Key: %s", key);
	const char *const extra[] = {header, NULL};
	return th_request("POST", "/api/v1/sel/transactions", m->access_token, body, NULL, extra);
}

START_TEST(idempotency_key)
{
	struct th_member a, b;
	th_member_register(&a, "idempayer");
	th_member_register(&b, "idempayee");
	char body[256], other_body[256], reordered[256];
	snprintf(body, sizeof(body), "{\"to_user_id\":\"%s\",\"units\":25,\"description\":\"once\"}",
		 b.id);
	snprintf(reordered, sizeof(reordered),
		 "{\"description\":\"once\", \"units\":25, \"to_user_id\":\"%s\"}", b.id);
	snprintf(other_body, sizeof(other_body),
		 "{\"to_user_id\":\"%s\",\"units\":26,\"description\":\"once\"}", b.id);

	struct th_resp *first = pay_with_key(&a, body, "order-2026-0001");
	ck_assert_msg(first->status == 201, "%ld %s", first->status, first->body);
	const char *id = th_str(first, "id");
	sel_assert_booked(id, 25);
	ck_assert_int_eq(sel_db_balance(a.id), 95);

	/* Replays (also with the keys in another order): same status, same body, nothing booked. */
	struct sel_snapshot before = sel_snapshot();
	for (int i = 0; i < 3; i++) {
		struct th_resp *again = pay_with_key(&a, i == 2 ? reordered : body, "order-2026-0001");
		ck_assert_int_eq(again->status, 201);
		ck_assert_msg(json_equal(again->json, first->json), "%s vs %s", again->body,
			      first->body);
		th_resp_free(&again);
	}
	sel_assert_nothing_booked(&before);
	ck_assert_int_eq(sel_db_balance(a.id), 95);
	ck_assert_int_eq(sel_db_int("SELECT COUNT(*) FROM sel_transactions WHERE from_user_id = $1 AND "
				"kind = 'payment'",
				a.id, NULL),
			 1);

	/* Same key, other body: 409, nothing booked. */
	struct th_resp *r = pay_with_key(&a, other_body, "order-2026-0001");
	ck_assert_problem(r, 409, "idempotency_conflict");
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);

	/* Keys are per member: b may use the same key for its own payment. */
	char back[256];
	snprintf(back, sizeof(back), "{\"to_user_id\":\"%s\",\"units\":5}", a.id);
	r = pay_with_key(&b, back, "order-2026-0001");
	ck_assert_int_eq(r->status, 201);
	ck_assert_str_ne(th_str(r, "id"), id);
	th_resp_free(&r);
	/* A new key books again. */
	r = pay_with_key(&a, body, "order-2026-0002");
	ck_assert_int_eq(r->status, 201);
	ck_assert_str_ne(th_str(r, "id"), id);
	th_resp_free(&r);
	ck_assert_int_eq(sel_db_balance(a.id), 75);

	/* Requests are idempotent too. */
	char req_body[256];
	snprintf(req_body, sizeof(req_body), "{\"from_user_id\":\"%s\",\"units\":12}", b.id);
	struct th_resp *req1 = pay_with_key(&a, req_body, "request-1");
	ck_assert_int_eq(req1->status, 201);
	ck_assert_str_eq(th_str(req1, "status"), "pending");
	before = sel_snapshot();
	r = pay_with_key(&a, req_body, "request-1");
	ck_assert_int_eq(r->status, 201);
	ck_assert(json_equal(r->json, req1->json));
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);
	th_resp_free(&req1);

	/* Invalid keys: 422, nothing booked. */
	before = sel_snapshot();
	char long_key[300];
	memset(long_key, 'k', 256);
	long_key[256] = '\0';
	r = pay_with_key(&a, body, long_key);
	assert_field_error(r, "Idempotency-Key", "invalid_text");
	th_resp_free(&r);
	long_key[255] = '\0'; /* 255 is fine */
	r = pay_with_key(&a, body, long_key);
	ck_assert_int_eq(r->status, 201); /* a: 50 */
	th_resp_free(&r);
	before = sel_snapshot();
	r = pay_with_key(&a, body, "clé-non-ascii");
	assert_field_error(r, "Idempotency-Key", "invalid_text");
	th_resp_free(&r);
	const char *const empty[] = {"Idempotency-Key;", NULL}; /* curl: an empty header */
	r = th_request("POST", "/api/v1/sel/transactions", a.access_token, body, NULL, empty);
	ck_assert_problem(r, 422, "validation_failed");
	th_resp_free(&r);
	sel_assert_nothing_booked(&before);
	/* A refused payment stores nothing: the same key works once the payer can afford it. */
	char big[256];
	snprintf(big, sizeof(big), "{\"to_user_id\":\"%s\",\"units\":400}", b.id);
	r = pay_with_key(&a, big, "retry-later");
	ck_assert_problem(r, 409, "payer_limit"); /* 50 - 400 = -350 */
	th_resp_free(&r);
	free(sel_pay_ok(&b, a.id, 60, "top up")); /* 110 - 400 = -290 */
	r = pay_with_key(&a, big, "retry-later");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	th_resp_free(&r);

	th_resp_free(&first);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

Suite *api_sel_history_suite(void)
{
	Suite *s = suite_create("sel_history");
	TCase *tc = tcase_create("history");
	tcase_add_unchecked_fixture(tc, sel_suite_start, sel_suite_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, list_pagination_and_filter);
	tcase_add_test(tc, idempotency_key);
	suite_add_tcase(s, tc);
	return s;
}
