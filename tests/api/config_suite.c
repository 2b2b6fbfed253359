/*
 * GET /api/v1/config: the enabled modules (SCHOOLHUB_MODULES), the registration mode, the
 * languages and each module's public numbers, without a token, revalidated by ETag. The SEL numbers
 * come from the module's own settings, which also govern the ledger; a disabled module's
 * settings are never parsed.
 */
#include <string.h>

#include "api.h"

static void assert_names(json_t *array, const char *const *names)
{
	ck_assert_ptr_nonnull(array);
	size_t n = 0;
	while (names[n] != NULL)
		n++;
	ck_assert_uint_eq(json_array_size(array), n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(json_string_value(json_array_get(array, i)), names[i]);
}

static long long sel_number(const struct th_resp *r, const char *key)
{
	json_t *v = json_object_get(json_object_get(r->json, "sel"), key);
	ck_assert_msg(json_is_integer(v), "sel.%s missing", key);
	return json_integer_value(v);
}

START_TEST(config_lists_every_module_by_default)
{
	struct th_resp *r = th_request("GET", "/api/v1/config", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	static const char *const all[] = {"auth",    "users",    "children",     "sel",
					  "classes", "jobs",     "messages", "announcements",
					  "notifications", "events", "calendar", "admin", NULL};
	assert_names(json_object_get(r->json, "modules"), all);
	static const char *const langs[] = {"fr", "nl", "en", NULL};
	assert_names(json_object_get(r->json, "languages"), langs);
	ck_assert_str_eq(th_str(r, "registration"), "open"); /* development default */
	ck_assert_int_eq(sel_number(r, "initial_balance"), 120);
	ck_assert_int_eq(sel_number(r, "min_balance"), -300);
	ck_assert_int_eq(sel_number(r, "max_balance"), 600);
	/* Revalidated on every use: a module an admin switches off is gone at the next load. */
	ck_assert_str_eq(th_header(r, "Cache-Control"), "no-cache");
	char etag[80];
	ck_assert_ptr_nonnull(th_header(r, "ETag"));
	snprintf(etag, sizeof(etag), "%s", th_header(r, "ETag"));
	ck_assert_uint_eq(strlen(etag), 34);
	ck_assert_int_eq(etag[0], '"');
	/* The realtime channel runs in `schoolhub serve` only (tests/realtime checks its URL):
	 * here the key is present and null, and the app's CSP connects to itself alone. */
	json_t *rt_url = json_object_get(r->json, "realtime_url");
	ck_assert_ptr_nonnull(rt_url);
	ck_assert(json_is_null(rt_url));
	/* Nothing but what the app needs: no secret, no database address. */
	ck_assert_ptr_null(strstr(r->body, "secret"));
	ck_assert_ptr_null(strstr(r->body, "sqlite"));
	ck_assert_ptr_null(strstr(r->body, "postgres"));
	th_resp_free(&r);

	/* While nothing changed: 304, no body, the same ETag and rule (one ETag of a list). */
	char list[128];
	snprintf(list, sizeof(list), "W/\"x\", %s", etag);
	r = api_get_not_modified("/api/v1/config", list, etag);
	ck_assert_str_eq(th_header(r, "Cache-Control"), "no-cache");
	th_resp_free(&r);
	const char *stale[] = {"If-None-Match: \"0123456789abcdef0123456789abcdef\"", NULL};
	r = th_request("GET", "/api/v1/config", NULL, NULL, NULL, stale);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_header(r, "ETag"), etag);
	th_resp_free(&r);

	/* Other API answers stay uncacheable. */
	r = th_request("GET", "/health", NULL, NULL, NULL, NULL);
	ck_assert_str_eq(th_header(r, "Cache-Control"), "no-store");
	th_resp_free(&r);
}
END_TEST

/* The SEL settings reach both /api/v1/config and the ledger that enforces them. */
START_TEST(config_follows_the_sel_settings)
{
	struct th_server s;
	const char *env[] = {"SEL_INITIAL_BALANCE=60", "SEL_MIN_BALANCE=-100",
			     "SEL_MAX_BALANCE=200", "SCHOOLHUB_REGISTRATION=open", NULL};
	struct th_server *previous = th_current;
	th_server_start(&s, api_backend, env);
	struct th_resp *r = th_request("GET", "/api/v1/config", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(sel_number(r, "initial_balance"), 60);
	ck_assert_int_eq(sel_number(r, "min_balance"), -100);
	ck_assert_int_eq(sel_number(r, "max_balance"), 200);
	th_resp_free(&r);

	struct th_member m;
	th_member_register(&m, "config-sel");
	r = th_request("GET", "/api/v1/sel/balance", m.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "balance")), 60);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "min_balance")), -100);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "max_balance")), 200);
	th_resp_free(&r);
	th_member_free(&m);
	th_server_stop(&s);
	th_current = previous;
	unsetenv("SEL_INITIAL_BALANCE");
	unsetenv("SEL_MIN_BALANCE");
	unsetenv("SEL_MAX_BALANCE");
}
END_TEST

/* A disabled module is absent from the list, publishes nothing, and its settings are not
 * read: a bad SEL_MIN_BALANCE does not keep a server without SEL from starting. */
START_TEST(config_follows_schoolhub_modules)
{
	struct th_server s;
	const char *env[] = {"SCHOOLHUB_MODULES=users,auth", "SCHOOLHUB_REGISTRATION=invite",
			     "SEL_MIN_BALANCE=not-a-number", NULL};
	struct th_server *previous = th_current;
	th_server_start(&s, api_backend, env);
	struct th_resp *r = th_request("GET", "/api/v1/config", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	static const char *const on[] = {"auth", "users", NULL}; /* module order, not the list's */
	assert_names(json_object_get(r->json, "modules"), on);
	ck_assert_str_eq(th_str(r, "registration"), "invite");
	ck_assert_ptr_null(json_object_get(r->json, "sel"));
	th_resp_free(&r);
	th_server_stop(&s);
	th_current = previous;
	unsetenv("SEL_MIN_BALANCE");
}
END_TEST

START_TEST(config_is_read_only)
{
	struct th_resp *r = th_request("POST", "/api/v1/config", NULL, "{}", NULL, NULL);
	ck_assert_problem(r, 405, "method_not_allowed");
	th_resp_free(&r);
}
END_TEST

Suite *api_config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("public_config");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, config_lists_every_module_by_default);
	tcase_add_test(tc, config_follows_the_sel_settings);
	tcase_add_test(tc, config_follows_schoolhub_modules);
	tcase_add_test(tc, config_is_read_only);
	suite_add_tcase(s, tc);
	return s;
}
