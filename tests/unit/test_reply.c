/*
 * Replies built by src/http/reply.c: even the fallback for a reply that can't be written
 * as JSON is a complete problem (every member docs/openapi.yaml's Problem schema requires),
 * so a client reads its code like any other error's.
 */
#include <check.h>
#include <jansson.h>
#include <string.h>

#include "schoolhub/arena.h"
#include "schoolhub/http.h"
#include "schoolhub/i18n.h"

/* The body of "res" parsed as the problem docs/openapi.yaml describes; fails otherwise. */
static json_t *problem_body(const struct sh_response *res, int status)
{
	ck_assert_uint_eq(res->status, (unsigned)status);
	ck_assert_str_eq(res->content_type, "application/problem+json");
	json_t *doc = json_loadb(res->body, res->body_len, 0, NULL);
	ck_assert_msg(doc != NULL, "not JSON: %.*s", (int)res->body_len, res->body);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "status")), status);
	const char *members[] = {"type", "title", "detail", "code"};
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		ck_assert_msg(json_is_string(json_object_get(doc, members[i])), "no %s in %.*s",
			      members[i], (int)res->body_len, res->body);
	return doc;
}

START_TEST(unwritable_reply_is_a_complete_problem)
{
	struct sh_arena *arena = sh_arena_create();
	struct sh_request req;
	struct sh_response res;
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.arena = arena;
	req.lang = SH_LANG_NL;
	strcpy(req.request_id, "test");
	/* A value that is not UTF-8 can't be written as JSON. */
	sh_reply_json(&req, &res, 200, json_pack("{s:o}", "name", json_string_nocheck("\xff")));
	json_t *doc = problem_body(&res, 500);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "code")), "internal_error");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "type")),
			 "https://schoolhub.be/problems/internal_error");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "title")),
			 sh_i18n_problem_title("internal_error", SH_LANG_NL));
	json_decref(doc);
	sh_arena_destroy(&arena);
}
END_TEST

START_TEST(problem_has_every_member)
{
	struct sh_arena *arena = sh_arena_create();
	struct sh_request req;
	struct sh_response res;
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.arena = arena;
	req.lang = SH_LANG_EN;
	sh_reply_problem(&req, &res, 409, "conflict", NULL);
	json_t *doc = problem_body(&res, 409);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "code")), "conflict");
	json_decref(doc);
	sh_arena_destroy(&arena);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reply");
	TCase *tc = tcase_create("reply");
	tcase_add_test(tc, unwritable_reply_is_a_complete_problem);
	tcase_add_test(tc, problem_has_every_member);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
