/* The members directory, GET /api/v1/users: shape, search, pagination, parameter errors. */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "users_suite.h"

/* Sets the names of "m" through the API. */
static void rename_member(const struct th_member *m, const char *first, const char *last)
{
	struct th_resp *r = th_json("PATCH", "/api/v1/users/me", m->access_token, "{s:s, s:s}",
				    "first_name", first, "last_name", last);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
}

/* --- GET /api/v1/users ----------------------------------------------------------- */

START_TEST(directory_shape_and_search)
{
	struct th_member a, b, c;
	th_member_register(&a, "dira");
	th_member_register(&b, "dirb");
	th_member_register(&c, "dirc");
	rename_member(&a, "Zélie", "Quorndike");
	rename_member(&b, "Bram", "Peeters-Quorndike");
	rename_member(&c, "Quorndikette", "Janssens");
	struct th_resp *r = th_json("PATCH", "/api/v1/users/me", a.access_token, "{s:s}", "phone",
				    "+32 470 99 88 77");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	r = directory(a.access_token, "q=quorndike");
	ck_assert_int_eq(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	/* Ordered by last name, then first name. */
	ck_assert_int_eq(json_array_size(items), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "id")), c.id);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 1), "id")), b.id);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 2), "id")), a.id);
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i);
		ck_assert_int_eq(json_object_size(it), 3);
		ck_assert_ptr_nonnull(json_object_get(it, "id"));
		ck_assert_ptr_nonnull(json_object_get(it, "first_name"));
		ck_assert_ptr_nonnull(json_object_get(it, "last_name"));
	}
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 2), "first_name")), "Zélie");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 2), "last_name")), "Quorndike");
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
	/* No contact data anywhere in the body. */
	ck_assert_ptr_null(strstr(r->body, "email"));
	ck_assert_ptr_null(strstr(r->body, "phone"));
	ck_assert_ptr_null(strstr(r->body, "@example.be"));
	ck_assert_ptr_null(strstr(r->body, "password"));
	th_resp_free(&r);

	/* Case-insensitive on first and last name, and on "first last". */
	r = directory(b.access_token, "q=QUORNDIKE");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 3);
	th_resp_free(&r);
	r = directory(b.access_token, "q=quorndikETTE");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
	ck_assert(items_contain(r, c.id));
	th_resp_free(&r);
	r = directory(b.access_token, "q=bRaM%20pEeTeRs");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
	ck_assert(items_contain(r, b.id));
	th_resp_free(&r);
	r = directory(b.access_token, "q=peeters-quorndike%20bram");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
	ck_assert(items_contain(r, b.id));
	th_resp_free(&r);
	/* Words apart, in the order typed (the same search as the SEL directory's). */
	r = directory(b.access_token, "q=bram%20%20quorn");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
	ck_assert(items_contain(r, b.id));
	th_resp_free(&r);

	/* LIKE wildcards are no patterns: they separate words, and words begin names. */
	r = directory(b.access_token, "q=quorn%25ke");
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
	th_resp_free(&r);
	r = directory(b.access_token, "q=quorndik_");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 3);
	th_resp_free(&r);

	/* Email is not searchable. */
	char query[256];
	snprintf(query, sizeof(query), "q=%.*s", (int)(strchr(a.email, '@') - a.email), a.email);
	r = directory(b.access_token, query);
	ck_assert_int_eq(r->status, 200);
	ck_assert(!items_contain(r, a.id));
	th_resp_free(&r);

	/* No q: everyone (still only the three public fields). */
	r = directory(a.access_token, "limit=100");
	ck_assert_int_eq(r->status, 200);
	ck_assert(items_contain(r, a.id) && items_contain(r, b.id) && items_contain(r, c.id));
	ck_assert_ptr_null(strstr(r->body, "email"));
	ck_assert_ptr_null(strstr(r->body, "phone"));
	th_resp_free(&r);
	r = directory(a.access_token, "q=");
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_ge(json_array_size(json_object_get(r->json, "items")), 3);
	th_resp_free(&r);

	r = directory(NULL, "q=quorndike");
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&c);
}
END_TEST

START_TEST(directory_search_ignores_case_and_accents)
{
	struct th_member m;
	th_member_register(&m, "accents");
	struct th_resp *r = th_json("PATCH", "/api/v1/users/me", m.access_token, "{s:s, s:s}",
				    "first_name", "Émilie", "last_name", "Çavérnoux-Ødegård");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	/* Typed with or without accents, in any case: same member, on both databases. */
	static const char *const queries[] = {
		"q=emilie", "q=%C3%89MILIE", "q=%C3%A9milie", "q=EMILIE%20cavernoux", "q=cav%C3%A9rnoux",
		"q=%C3%87AV%C3%89RNOUX", "q=odegard", "q=%C3%B8degard", "q=cavernoux-odegard%20emilie"};
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		r = directory(m.access_token, queries[i]);
		ck_assert_int_eq(r->status, 200);
		ck_assert_msg(items_contain(r, m.id), "%s did not find the member: %s", queries[i], r->body);
		th_resp_free(&r);
	}
	r = directory(m.access_token, "q=emilio");
	ck_assert(!items_contain(r, m.id));
	th_resp_free(&r);
	/* A renamed member is found under the new name only. */
	r = th_json("PATCH", "/api/v1/users/me", m.access_token, "{s:s}", "first_name", "Zoë");
	th_resp_free(&r);
	r = directory(m.access_token, "q=zoe%20cavernoux");
	ck_assert(items_contain(r, m.id));
	th_resp_free(&r);
	r = directory(m.access_token, "q=emilie%20cavernoux");
	ck_assert(!items_contain(r, m.id));
	th_resp_free(&r);
	th_member_free(&m);
}
END_TEST

START_TEST(directory_pagination)
{
	enum { N = 5 };
	struct th_member m[N];
	/* Two share a full name: the id breaks the tie. */
	static const char *const names[N][2] = {{"Anna", "Wixlerpag"}, {"Bert", "Wixlerpag"},
						{"Bert", "Wixlerpag"}, {"Aline", "Wixlerpagen"},
						{"Carl", "Van Wixlerpag"}};
	for (int i = 0; i < N; i++) {
		th_member_register(&m[i], "page");
		rename_member(&m[i], names[i][0], names[i][1]);
	}
	/* A full page first: 5 matches, all in one. */
	struct th_resp *r = directory(m[0].access_token, "q=wixlerpag&limit=5");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), N);
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
	char *expected_order[N];
	for (int i = 0; i < N; i++)
		expected_order[i] = strdup(json_string_value(json_object_get(json_array_get(json_object_get(r->json, "items"), (size_t)i), "id")));
	th_resp_free(&r);

	/* limit=1 walks every match exactly once, in the same order, then stops. */
	char *cursor = NULL;
	int seen = 0;
	for (int page = 0; page < N + 2; page++) {
		char query[1200];
		if (cursor != NULL)
			snprintf(query, sizeof(query), "q=wixlerpag&limit=1&cursor=%s", cursor);
		else
			snprintf(query, sizeof(query), "q=wixlerpag&limit=1");
		r = directory(m[0].access_token, query);
		ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
		json_t *items = json_object_get(r->json, "items");
		ck_assert_int_eq(json_array_size(items), 1);
		ck_assert_int_lt(seen, N);
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "id")),
				 expected_order[seen]);
		seen++;
		free(cursor);
		cursor = NULL;
		json_t *next = json_object_get(r->json, "next_cursor");
		ck_assert_ptr_nonnull(next); /* always present, null at the end */
		if (json_is_string(next))
			cursor = strdup(json_string_value(next));
		th_resp_free(&r);
		if (cursor == NULL)
			break;
	}
	ck_assert_int_eq(seen, N);
	/* Every member appears once: the ids are distinct. */
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			ck_assert_str_ne(expected_order[i], expected_order[j]);
	for (int i = 0; i < N; i++) {
		bool found = false;
		for (int j = 0; j < N; j++)
			found |= strcmp(m[i].id, expected_order[j]) == 0;
		ck_assert(found);
	}
	/* Order: Awixlerpag, then Wixlerpag Anna, Bert, Bert, then Wixlerpagen. */
	ck_assert_str_eq(expected_order[0], m[4].id);
	ck_assert_str_eq(expected_order[1], m[0].id);
	ck_assert_str_eq(expected_order[4], m[3].id);

	/* limit=2: pages of 2, 2, 1. */
	r = directory(m[0].access_token, "q=wixlerpag&limit=2");
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 2);
	ck_assert(json_is_string(json_object_get(r->json, "next_cursor")));
	char query[1200];
	snprintf(query, sizeof(query), "q=wixlerpag&limit=2&cursor=%s", th_str(r, "next_cursor"));
	th_resp_free(&r);
	r = directory(m[0].access_token, query);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "id")), expected_order[2]);
	snprintf(query, sizeof(query), "q=wixlerpag&limit=2&cursor=%s", th_str(r, "next_cursor"));
	th_resp_free(&r);
	r = directory(m[0].access_token, query);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "id")), expected_order[4]);
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
	th_resp_free(&r);

	/* Default limit is 20. */
	r = directory(m[0].access_token, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_le(json_array_size(json_object_get(r->json, "items")), 20);
	th_resp_free(&r);

	for (int i = 0; i < N; i++) {
		free(expected_order[i]);
		th_member_free(&m[i]);
	}
}
END_TEST

START_TEST(directory_parameter_errors)
{
	struct th_member m;
	th_member_register(&m, "dirparams");
	static const char *const bad_limits[] = {"limit=0", "limit=101", "limit=abc", "limit=",
						 "limit=-1", "limit=1000", "limit=1.5"};
	for (size_t i = 0; i < sizeof(bad_limits) / sizeof(bad_limits[0]); i++) {
		struct th_resp *r = directory(m.access_token, bad_limits[i]);
		ck_assert_msg(r->status == 422, "%s gave %ld", bad_limits[i], r->status);
		assert_field_error(r, "limit", "out_of_range");
		th_resp_free(&r);
	}
	struct th_resp *r = directory(m.access_token, "limit=100");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = directory(m.access_token, "limit=1");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	/* Cursors: junk, bad base64, valid base64 of the wrong JSON, a non-UUID id. */
	char cursor_wrong_shape[256], cursor_bad_id[256], cursor_good[256];
	const char *wrong_shape = "{\"a\":1}";
	const char *bad_id = "[\"Test\",\"x\",\"not-a-uuid\"]";
	const char *good = "[\"\",\"\",\"00000000-0000-4000-8000-000000000000\"]";
	sodium_bin2base64(cursor_wrong_shape, sizeof(cursor_wrong_shape), (const unsigned char *)wrong_shape,
			  strlen(wrong_shape), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_bin2base64(cursor_bad_id, sizeof(cursor_bad_id), (const unsigned char *)bad_id,
			  strlen(bad_id), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_bin2base64(cursor_good, sizeof(cursor_good), (const unsigned char *)good,
			  strlen(good), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	const char *bad_cursors[] = {"garbage", "!!!!", "", cursor_wrong_shape, cursor_bad_id};
	for (size_t i = 0; i < sizeof(bad_cursors) / sizeof(bad_cursors[0]); i++) {
		char query[512];
		snprintf(query, sizeof(query), "cursor=%s", bad_cursors[i]);
		r = directory(m.access_token, query);
		ck_assert_msg(r->status == 422, "cursor %s gave %ld", bad_cursors[i], r->status);
		assert_field_error(r, "cursor", "invalid_cursor");
		th_resp_free(&r);
	}
	char query[512];
	snprintf(query, sizeof(query), "cursor=%s&limit=100", cursor_good);
	r = directory(m.access_token, query);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert(items_contain(r, m.id));
	th_resp_free(&r);

	/* Over-long search text. */
	char longq[160] = "q=";
	memset(longq + 2, 'a', 101);
	longq[103] = '\0';
	r = directory(m.access_token, longq);
	assert_field_error(r, "q", "invalid_text");
	th_resp_free(&r);
	th_member_free(&m);
}
END_TEST

void api_users_directory_tests(TCase *tc)
{
	tcase_add_test(tc, directory_shape_and_search);
	tcase_add_test(tc, directory_search_ignores_case_and_accents);
	tcase_add_test(tc, directory_pagination);
	tcase_add_test(tc, directory_parameter_errors);
}
