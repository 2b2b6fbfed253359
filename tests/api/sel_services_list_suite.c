/* The SEL services list: a member's own (withdrawn included), pagination, search and
 * filters. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sel_services_suite.h"

/* --- GET /api/v1/sel/services ---------------------------------------------------- */

/* A member's own list can include withdrawn services (to publish them again); nobody
 * else's, except for an admin. */
START_TEST(own_list_with_withdrawn)
{
	struct th_member a, b, admin;
	th_member_register(&a, "ownlist");
	th_member_register(&b, "otherlist");
	th_member_register(&admin, "adminlist");
	api_promote(&admin, "admin");
	char *kept = create_service(a.access_token, "Cours de guitare", "tutoring", "offer");
	char *gone = create_service(a.access_token, "Tondre la pelouse", "gardening", "offer");
	char path[160], query[200];
	struct th_resp *r = th_request("DELETE", service_path(path, sizeof(path), gone),
				       a.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);

	snprintf(query, sizeof(query), "user_id=%s&include_withdrawn=true", a.id);
	r = list_services(a.access_token, query);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_int_eq(json_array_size(items_of(r)), 2);
	ck_assert(list_has(r, kept) && list_has(r, gone));
	for (size_t i = 0; i < 2; i++)
		ck_assert(json_is_boolean(json_object_get(json_array_get(items_of(r), i), "is_active")) &&
			  json_is_true(json_object_get(json_array_get(items_of(r), i), "is_active")) ==
				  (strcmp(item_id(r, i), kept) == 0));
	th_resp_free(&r);
	r = list_services(admin.access_token, query);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_array_size(items_of(r)), 2);
	th_resp_free(&r);
	r = list_services(b.access_token, query);
	ck_assert_int_eq(r->status, 403);
	ck_assert_str_eq(th_str(r, "code"), "forbidden");
	th_resp_free(&r);

	/* false, or absent: active ones only. */
	snprintf(query, sizeof(query), "user_id=%s&include_withdrawn=false", a.id);
	r = list_services(a.access_token, query);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_array_size(items_of(r)), 1);
	ck_assert_str_eq(item_id(r, 0), kept);
	th_resp_free(&r);
	snprintf(query, sizeof(query), "user_id=%s", a.id);
	r = list_services(b.access_token, query);
	ck_assert_int_eq(json_array_size(items_of(r)), 1);
	th_resp_free(&r);

	r = list_services(a.access_token, "include_withdrawn=true");
	ck_assert_int_eq(r->status, 422);
	assert_field_error(r, "user_id", "required");
	th_resp_free(&r);
	snprintf(query, sizeof(query), "user_id=%s&include_withdrawn=yes", a.id);
	r = list_services(a.access_token, query);
	ck_assert_int_eq(r->status, 422);
	assert_field_error(r, "include_withdrawn", "out_of_range");
	th_resp_free(&r);
	free(kept);
	free(gone);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&admin);
}
END_TEST

/* Asserts the page is in (created_at DESC, id DESC) order. */
static void assert_newest_first(json_t *items, const char *prev_at, const char *prev_id)
{
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i);
		const char *at = json_string_value(json_object_get(it, "created_at"));
		const char *id = json_string_value(json_object_get(it, "id"));
		if (prev_at != NULL) {
			int c = strcmp(at, prev_at);
			ck_assert_msg(c < 0 || (c == 0 && strcmp(id, prev_id) < 0),
				      "order: %s/%s after %s/%s", at, id, prev_at, prev_id);
		}
		prev_at = at;
		prev_id = id;
	}
}

START_TEST(list_pagination_walk)
{
	struct th_member a, b;
	th_member_register(&a, "pager");
	th_member_register(&b, "pager_reader");
	enum { N = 7 };
	char *ids[N];
	for (int i = 0; i < N; i++) {
		char title[32];
		snprintf(title, sizeof(title), "Service %d", i);
		ids[i] = create_service(a.access_token, title, i % 2 ? "transport" : "tutoring",
					i % 3 ? "offer" : "request");
	}
	/* One member's services, three at a time: 3 + 3 + 1, each exactly once. */
	char query[400];
	bool seen[N] = {false};
	int pages = 0, total = 0;
	char *cursor = NULL;
	char *prev_at = NULL, *prev_id = NULL;
	do {
		if (cursor != NULL)
			snprintf(query, sizeof(query), "user_id=%s&limit=3&cursor=%s", a.id, cursor);
		else
			snprintf(query, sizeof(query), "user_id=%s&limit=3", a.id);
		struct th_resp *r = list_services(b.access_token, query);
		ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
		json_t *items = items_of(r);
		pages++;
		ck_assert_int_eq(json_array_size(items), pages < 3 ? 3 : 1);
		assert_newest_first(items, prev_at, prev_id);
		for (size_t i = 0; i < json_array_size(items); i++) {
			const char *id = item_id(r, i);
			bool found = false;
			for (int k = 0; k < N; k++)
				if (strcmp(ids[k], id) == 0) {
					ck_assert_msg(!seen[k], "duplicate %s", id);
					seen[k] = found = true;
				}
			ck_assert_msg(found, "foreign service %s", id);
			total++;
		}
		json_t *last = json_array_get(items, json_array_size(items) - 1);
		free(prev_at);
		free(prev_id);
		prev_at = strdup(json_string_value(json_object_get(last, "created_at")));
		prev_id = strdup(json_string_value(json_object_get(last, "id")));
		free(cursor);
		json_t *next = json_object_get(r->json, "next_cursor");
		ck_assert(json_object_get(r->json, "next_cursor") != NULL);
		cursor = json_is_string(next) ? strdup(json_string_value(next)) : NULL;
		ck_assert(pages < 3 ? cursor != NULL : json_is_null(next));
		th_resp_free(&r);
	} while (cursor != NULL && pages < 10);
	ck_assert_int_eq(pages, 3);
	ck_assert_int_eq(total, N);
	free(prev_at);
	free(prev_id);
	prev_at = prev_id = NULL;

	/* The whole list, two at a time: no duplicates, strictly newest first. */
	size_t walked = 0;
	int found_mine = 0;
	pages = 0;
	json_t *seen_ids = json_object();
	do {
		if (cursor != NULL)
			snprintf(query, sizeof(query), "limit=2&cursor=%s", cursor);
		else
			snprintf(query, sizeof(query), "limit=2");
		struct th_resp *r = list_services(a.access_token, query);
		ck_assert_int_eq(r->status, 200);
		json_t *items = items_of(r);
		ck_assert(json_array_size(items) <= 2);
		assert_newest_first(items, prev_at, prev_id);
		for (size_t i = 0; i < json_array_size(items); i++) {
			const char *id = item_id(r, i);
			ck_assert_msg(json_object_get(seen_ids, id) == NULL, "duplicate %s", id);
			json_object_set_new(seen_ids, id, json_true());
			ck_assert(json_is_true(json_object_get(json_array_get(items, i), "is_active")));
			for (int k = 0; k < N; k++)
				found_mine += strcmp(ids[k], id) == 0;
			walked++;
		}
		if (json_array_size(items) > 0) {
			json_t *last = json_array_get(items, json_array_size(items) - 1);
			free(prev_at);
			free(prev_id);
			prev_at = strdup(json_string_value(json_object_get(last, "created_at")));
			prev_id = strdup(json_string_value(json_object_get(last, "id")));
		}
		free(cursor);
		json_t *next = json_object_get(r->json, "next_cursor");
		cursor = json_is_string(next) ? strdup(json_string_value(next)) : NULL;
		th_resp_free(&r);
		pages++;
	} while (cursor != NULL && pages < 1000);
	ck_assert_int_eq(found_mine, N);
	/* As many as the database holds active services of active members. */
	ck_assert_int_eq((int64_t)walked,
			 api_db_count("SELECT COUNT(*) FROM sel_services s JOIN users u ON u.id = s.user_id "
				  "WHERE s.is_active AND u.active AND u.deleted_at IS NULL AND s.id <> $1",
				  RANDOM_UUID, NULL));
	json_decref(seen_ids);
	free(prev_at);
	free(prev_id);

	/* Default limit 20; limit bounds. */
	struct th_resp *r = list_services(a.access_token, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert(json_array_size(items_of(r)) <= 20);
	th_resp_free(&r);
	static const char *const bad_limits[] = {"limit=0", "limit=101", "limit=-1", "limit=abc", "limit="};
	for (size_t i = 0; i < sizeof(bad_limits) / sizeof(bad_limits[0]); i++) {
		r = list_services(a.access_token, bad_limits[i]);
		assert_field_error(r, "limit", "out_of_range");
		th_resp_free(&r);
	}
	r = list_services(a.access_token, "limit=100");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	/* Cursors are opaque but checked: garbage, other JSON, a bad date or id. */
	static const char *const bad_json[] = {
		"[\"2026-01-01T00:00:00Z\"]",
		"[\"2026-01-01T00:00:00Z\", \"not-a-uuid\"]",
		"[\"2026-02-30T00:00:00Z\", \"" RANDOM_UUID "\"]",
		"[\"2026-01-01T24:00:00Z\", \"" RANDOM_UUID "\"]",
		"[\"2026-01-01 00:00:00\", \"" RANDOM_UUID "\"]",
		"[\"yesterday\", \"" RANDOM_UUID "\"]",
		"[1, \"" RANDOM_UUID "\"]",
		"{\"a\": 1}",
	};
	char encoded[256];
	for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		/* base64url without padding, by hand: the test must not share the server's code. */
		static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		const unsigned char *s = (const unsigned char *)bad_json[i];
		size_t n = strlen(bad_json[i]), o = 0;
		for (size_t k = 0; k < n; k += 3) {
			unsigned v = (unsigned)s[k] << 16 | (k + 1 < n ? (unsigned)s[k + 1] << 8 : 0) |
				     (k + 2 < n ? s[k + 2] : 0);
			encoded[o++] = b64[(v >> 18) & 63];
			encoded[o++] = b64[(v >> 12) & 63];
			if (k + 1 < n)
				encoded[o++] = b64[(v >> 6) & 63];
			if (k + 2 < n)
				encoded[o++] = b64[v & 63];
		}
		encoded[o] = '\0';
		snprintf(query, sizeof(query), "cursor=%s", encoded);
		r = list_services(a.access_token, query);
		ck_assert_msg(r->status == 422, "%s: %ld %s", bad_json[i], r->status, r->body);
		assert_field_error(r, "cursor", "invalid_cursor");
		th_resp_free(&r);
	}
	static const char *const bad_cursors[] = {"cursor=***", "cursor=AAAA", "cursor="};
	for (size_t i = 0; i < sizeof(bad_cursors) / sizeof(bad_cursors[0]); i++) {
		r = list_services(a.access_token, bad_cursors[i]);
		assert_field_error(r, "cursor", "invalid_cursor");
		th_resp_free(&r);
	}
	for (int i = 0; i < N; i++)
		free(ids[i]);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

/* GETs the list with "q" (URL-encoded here) limited to "user_id"'s services. */
static struct th_resp *search(const char *token, const char *user_id, const char *q)
{
	char encoded[400], query[600];
	th_url_encode(encoded, sizeof(encoded), q);
	snprintf(query, sizeof(query), "user_id=%s&q=%s", user_id, encoded);
	return list_services(token, query);
}

START_TEST(search_ignores_case_and_accents)
{
	struct th_member a, b;
	th_member_register(&a, "searcher");
	th_member_register(&b, "searcher_b");
	char *velo = create_service(a.access_token, "Réparation de VÉLOS", "repairs", "offer");
	struct th_resp *r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s, s:s}",
				    "title", "Néerlandais", "description",
				    "Conversation en néerlandais.\nNiveau Ærø débutant, 100% garanti_",
				    "category", "languages", "kind", "offer");
	ck_assert_int_eq(r->status, 201);
	char *nl = strdup(th_str(r, "id"));
	th_resp_free(&r);
	char *other = create_service(a.access_token, "Jardin potager", "gardening", "request");

	static const struct {
		const char *q;
		bool velo, nl, other;
	} cases[] = {
		{"velo", true, false, false},
		{"VÉLO", true, false, false},
		{"réparation", true, false, false},
		{"Reparation De", true, false, false},
		{"NEERLANDAIS", false, true, false},
		{"néerlandais", false, true, false},
		{"aero debutant", false, true, false}, /* Æ folds to "ae", in the description */
		{"niveau", false, true, false},
		{"de", true, true, false},
		{"100%", false, true, false},
		{"%", false, false, false},     /* signs only: no word, no match (not a wildcard) */
		{"0% g", false, false, false},  /* words begin: "0" begins none */
		{"i_", false, false, false},    /* "garanti_" is the word "garanti" */
		{"_", false, false, false},
		{"\\", false, false, false},
		{"zzzz", false, false, false},
		{"jardin", false, false, true},
		{"reparation velos", true, false, false}, /* words apart: "réparation DE vélos" */
		{"  jardin   potager ", false, false, true},
		{"potager jardin", false, false, true},   /* words in any order */
		{"100% garanti", false, true, false},
		{"conversation neerlandais", false, true, false},
		{"   ", true, true, true},      /* blank: no filter at all */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = search(b.access_token, a.id, cases[i].q);
		ck_assert_msg(r->status == 200, "q=%s: %ld %s", cases[i].q, r->status, r->body);
		ck_assert_msg(list_has(r, velo) == cases[i].velo, "q=%s velo", cases[i].q);
		ck_assert_msg(list_has(r, nl) == cases[i].nl, "q=%s nl", cases[i].q);
		ck_assert_msg(list_has(r, other) == cases[i].other, "q=%s other", cases[i].q);
		th_resp_free(&r);
	}
	/* Empty q is no filter either. */
	r = search(b.access_token, a.id, "");
	ck_assert_int_eq(json_array_size(items_of(r)), 3);
	th_resp_free(&r);
	/* Searching another member's words across all members finds them too. */
	r = list_services(b.access_token, "q=potager");
	ck_assert(list_has(r, other));
	th_resp_free(&r);
	/* After a PATCH the old words no longer match, the new ones do. */
	char path[160];
	r = th_json("PATCH", service_path(path, sizeof(path), velo), a.access_token, "{s:s, s:s}",
		    "title", "Entretien de trottinettes", "category", "other");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = search(b.access_token, a.id, "velo");
	ck_assert(!list_has(r, velo));
	th_resp_free(&r);
	r = search(b.access_token, a.id, "TROTTINETTE");
	ck_assert(list_has(r, velo));
	th_resp_free(&r);

	/* q validation. */
	char longq[120];
	memset(longq, 'q', 101);
	longq[101] = '\0';
	r = search(b.access_token, a.id, longq);
	assert_field_error(r, "q", "too_long");
	th_resp_free(&r);
	longq[100] = '\0';
	r = search(b.access_token, a.id, longq);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = search(b.access_token, a.id, "tab\there");
	assert_field_error(r, "q", "invalid_text");
	th_resp_free(&r);
	r = list_services(b.access_token, "q=%FF%FE");
	assert_field_error(r, "q", "invalid_text");
	th_resp_free(&r);
	free(velo);
	free(nl);
	free(other);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(list_filters)
{
	struct th_member a, b;
	th_member_register(&a, "filter_a");
	th_member_register(&b, "filter_b");
	char *a_offer = create_service(a.access_token, "Garde A", "childcare", "offer");
	char *a_request = create_service(a.access_token, "Besoin A", "childcare", "request");
	char *a_other = create_service(a.access_token, "Autre A", "administrative_help", "offer");
	char *b_offer = create_service(b.access_token, "Garde B", "childcare", "offer");
	char query[300];

	/* user_id */
	snprintf(query, sizeof(query), "user_id=%s", a.id);
	struct th_resp *r = list_services(b.access_token, query);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_array_size(items_of(r)), 3);
	ck_assert(list_has(r, a_offer) && list_has(r, a_request) && list_has(r, a_other));
	th_resp_free(&r);
	/* An upper-case user id names the same member. */
	char upper[40];
	snprintf(upper, sizeof(upper), "%s", a.id);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	snprintf(query, sizeof(query), "user_id=%s", upper);
	r = list_services(b.access_token, query);
	ck_assert_int_eq(json_array_size(items_of(r)), 3);
	th_resp_free(&r);
	snprintf(query, sizeof(query), "user_id=%s", RANDOM_UUID);
	r = list_services(b.access_token, query);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_array_size(items_of(r)), 0);
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
	th_resp_free(&r);

	/* kind and category, alone and together. */
	snprintf(query, sizeof(query), "user_id=%s&kind=offer", a.id);
	r = list_services(b.access_token, query);
	ck_assert_int_eq(json_array_size(items_of(r)), 2);
	ck_assert(list_has(r, a_offer) && list_has(r, a_other));
	th_resp_free(&r);
	snprintf(query, sizeof(query), "user_id=%s&kind=request", a.id);
	r = list_services(b.access_token, query);
	ck_assert_int_eq(json_array_size(items_of(r)), 1);
	ck_assert(list_has(r, a_request));
	th_resp_free(&r);
	snprintf(query, sizeof(query), "user_id=%s&category=administrative_help", a.id);
	r = list_services(b.access_token, query);
	ck_assert_int_eq(json_array_size(items_of(r)), 1);
	ck_assert(list_has(r, a_other));
	th_resp_free(&r);
	snprintf(query, sizeof(query), "user_id=%s&category=childcare&kind=offer&q=garde", a.id);
	r = list_services(b.access_token, query);
	ck_assert_int_eq(json_array_size(items_of(r)), 1);
	ck_assert(list_has(r, a_offer));
	th_resp_free(&r);
	r = list_services(a.access_token, "category=childcare&kind=offer&limit=100");
	ck_assert(list_has(r, a_offer) && list_has(r, b_offer));
	ck_assert(!list_has(r, a_request) && !list_has(r, a_other));
	for (size_t i = 0; i < json_array_size(items_of(r)); i++) {
		json_t *it = json_array_get(items_of(r), i);
		ck_assert_str_eq(json_string_value(json_object_get(it, "category")), "childcare");
		ck_assert_str_eq(json_string_value(json_object_get(it, "kind")), "offer");
	}
	th_resp_free(&r);
	/* Empty filters mean "any". */
	snprintf(query, sizeof(query), "user_id=%s&category=&kind=&q=", a.id);
	r = list_services(b.access_token, query);
	ck_assert_int_eq(json_array_size(items_of(r)), 3);
	th_resp_free(&r);

	/* Invalid filters: one error each, all reported together. */
	r = list_services(b.access_token, "category=baking");
	assert_field_error(r, "category", "invalid_category");
	th_resp_free(&r);
	r = list_services(b.access_token, "kind=gift");
	assert_field_error(r, "kind", "invalid_kind");
	th_resp_free(&r);
	r = list_services(b.access_token, "user_id=not-a-uuid");
	assert_field_error(r, "user_id", "invalid_uuid");
	th_resp_free(&r);
	r = list_services(b.access_token, "user_id=1%27%20OR%20%271%27=%271");
	assert_field_error(r, "user_id", "invalid_uuid");
	th_resp_free(&r);
	r = list_services(b.access_token, "category=x&kind=y&user_id=z&cursor=%21");
	ck_assert_problem(r, 422, "validation_failed");
	ck_assert_int_eq(api_err_count(r), 4);
	assert_field_error(r, "category", "invalid_category");
	assert_field_error(r, "kind", "invalid_kind");
	assert_field_error(r, "user_id", "invalid_uuid");
	assert_field_error(r, "cursor", "invalid_cursor");
	th_resp_free(&r);
	free(a_offer);
	free(a_request);
	free(a_other);
	free(b_offer);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

void api_sel_services_list_tests(TCase *tc)
{
	tcase_add_test(tc, own_list_with_withdrawn);
	tcase_add_test(tc, list_pagination_walk);
	tcase_add_test(tc, search_ignores_case_and_accents);
	tcase_add_test(tc, list_filters);
}
