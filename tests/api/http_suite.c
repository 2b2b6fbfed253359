/* The HTTP core: routing, errors, limits, headers, static app, health/ready/metrics. */
#include <stdio.h>
#include <string.h>

#include "api.h"

START_TEST(health_ready_metrics)
{
	struct th_resp *r = th_request("GET", "/health", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "status"), "ok");
	ck_assert_ptr_nonnull(th_header(r, "X-Request-Id"));
	ck_assert_str_eq(th_header(r, "X-Content-Type-Options"), "nosniff");
	ck_assert_str_eq(th_header(r, "X-Frame-Options"), "DENY");
	ck_assert_ptr_nonnull(strstr(th_header(r, "Content-Security-Policy"), "frame-ancestors 'none'"));
	ck_assert_str_eq(th_header(r, "Cache-Control"), "no-store");
	th_resp_free(&r);

	r = th_request("GET", "/ready", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "status"), "ready");
	ck_assert_str_eq(th_str(r, "database"),
			 strcmp(api_backend, "sqlite") == 0 ? "sqlite" : "postgresql");
	th_resp_free(&r);

	r = th_request("GET", "/metrics", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_ptr_nonnull(strstr(th_header(r, "Content-Type"), "text/plain"));
	ck_assert_ptr_nonnull(strstr(r->body, "schoolhub_http_requests_total{method=\"GET\",route=\"/ready\",status=\"200\"} 1"));
	ck_assert_ptr_nonnull(strstr(r->body, "schoolhub_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
	ck_assert_ptr_nonnull(strstr(r->body, "schoolhub_db_errors_total"));
	ck_assert_ptr_nonnull(strstr(r->body, "schoolhub_http_open_connections"));
	ck_assert_ptr_nonnull(strstr(r->body, "schoolhub_uptime_seconds"));
	th_resp_free(&r);
}
END_TEST

/* What an operator watches (docker/monitoring): latency per route pattern (never a raw
 * path: an id in the URL must not become a label), the database pool, the job queue, the
 * WebSocket count and the SEL audit's verdict. */
START_TEST(metrics_for_monitoring)
{
	struct th_resp *r = th_request("GET", "/api/v1/sel/transactions/0190aaaa-0000-7000-8000-000000000001",
				       NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 401);
	th_resp_free(&r);
	r = th_request("GET", "/metrics", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	const char *b = r->body;
	ck_assert_ptr_nonnull(strstr(b, "# TYPE schoolhub_http_route_duration_seconds histogram"));
	ck_assert_ptr_nonnull(strstr(b, "schoolhub_http_route_duration_seconds_count{method=\"GET\","
					"route=\"/api/v1/sel/transactions/{id}\"} "));
	ck_assert_ptr_null(strstr(b, "0190aaaa"));
	bool sqlite = strcmp(api_backend, "sqlite") == 0;
	ck_assert_ptr_nonnull(strstr(b, sqlite ? "schoolhub_db_connections{database=\"sqlite\"} "
					       : "schoolhub_db_connections{database=\"postgresql\"} "));
	ck_assert_ptr_nonnull(strstr(b, "\nschoolhub_jobs_due "));
	ck_assert_ptr_nonnull(strstr(b, "\nschoolhub_jobs_dead "));
	ck_assert_ptr_nonnull(strstr(b, "\nschoolhub_realtime_sockets 0\n"));
	ck_assert_ptr_nonnull(strstr(b, "\nschoolhub_sel_audit_ok 1\n"));
	ck_assert_ptr_nonnull(strstr(b, "\nschoolhub_sel_audit_timestamp_seconds "));
	if (sqlite) {
		ck_assert_ptr_nonnull(strstr(b, "\nschoolhub_sqlite_wal_bytes "));
		ck_assert_ptr_nonnull(strstr(b, "\nschoolhub_sqlite_checkpoints_total "));
	} else {
		ck_assert_ptr_null(strstr(b, "schoolhub_sqlite_wal_bytes"));
	}
	th_resp_free(&r);
}
END_TEST

START_TEST(request_id_echoed_when_sane)
{
	const char *good[] = {"X-Request-Id: abc-123_x.y", NULL};
	struct th_resp *r = th_request("GET", "/health", NULL, NULL, NULL, good);
	ck_assert_str_eq(th_header(r, "X-Request-Id"), "abc-123_x.y");
	th_resp_free(&r);
	const char *bad[] = {"X-Request-Id: <script>", NULL};
	r = th_request("GET", "/health", NULL, NULL, NULL, bad);
	ck_assert_str_ne(th_header(r, "X-Request-Id"), "<script>");
	ck_assert_int_eq(strlen(th_header(r, "X-Request-Id")), 32);
	th_resp_free(&r);
}
END_TEST

START_TEST(unknown_path_and_wrong_method)
{
	struct th_resp *r = th_request("GET", "/api/v1/nothing-here", NULL, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	ck_assert_str_eq(th_str(r, "type"), "https://schoolhub.be/problems/not_found");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "status")), 404);
	ck_assert_ptr_nonnull(th_str(r, "title"));
	ck_assert_ptr_nonnull(th_str(r, "detail"));
	th_resp_free(&r);

	r = th_request("PUT", "/api/v1/users/me", NULL, "{}", NULL, NULL);
	ck_assert_problem(r, 405, "method_not_allowed");
	const char *allow = th_header(r, "Allow");
	ck_assert_ptr_nonnull(strstr(allow, "GET"));
	ck_assert_ptr_nonnull(strstr(allow, "PATCH"));
	ck_assert_ptr_nonnull(strstr(allow, "DELETE"));
	th_resp_free(&r);

	r = th_request("DELETE", "/health", NULL, NULL, NULL, NULL);
	ck_assert_problem(r, 405, "method_not_allowed");
	ck_assert_str_eq(th_header(r, "Allow"), "GET, HEAD");
	th_resp_free(&r);
}
END_TEST

START_TEST(app_paths_are_read_only)
{
	struct th_resp *r = th_request("POST", "/children", NULL, "{}", NULL, NULL);
	ck_assert_problem(r, 405, "method_not_allowed");
	ck_assert_str_eq(th_header(r, "Allow"), "GET, HEAD");
	th_resp_free(&r);
	r = th_request("HEAD", "/", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
}
END_TEST

START_TEST(metrics_need_the_token_when_one_is_set)
{
	struct th_server s;
	const char *env[] = {"SCHOOLHUB_METRICS_TOKEN=scrape-me-0123456789", NULL};
	struct th_server *previous = th_current;
	th_server_start(&s, api_backend, env);
	struct th_resp *r = th_request("GET", "/metrics", NULL, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = th_request("GET", "/metrics", "wrong-token-0123456789", NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = th_request("GET", "/metrics", "scrape-me-0123456789", NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_ptr_nonnull(strstr(r->body, "schoolhub_uptime_seconds"));
	th_resp_free(&r);
	th_server_stop(&s);
	th_current = previous;
}
END_TEST

/* GET /metrics as "ip" with an X-Real-IP header ("real" NULL: none); returns the status. */
static long metrics_from(const char *ip, const char *real)
{
	char header[96];
	snprintf(header, sizeof(header), "X-Real-IP: %s", real ? real : "");
	const char *extra[] = {header, NULL};
	th_source_ip = ip;
	struct th_resp *r = th_request("GET", "/metrics", NULL, NULL, NULL, real ? extra : NULL);
	th_source_ip = NULL;
	long status = r->status;
	th_resp_free(&r);
	return status;
}

/* Through a proxy listed in SCHOOLHUB_TRUSTED_PROXIES, /metrics sees the client the proxy
 * names, not the proxy's loopback address (before, any request forwarded by a same-host
 * proxy was served the metrics). */
START_TEST(metrics_through_a_trusted_proxy_are_the_clients)
{
	struct th_server s;
	const char *env[] = {"SCHOOLHUB_TRUSTED_PROXIES=127.0.0.10", NULL};
	struct th_server *previous = th_current;
	th_server_start(&s, api_backend, env);
	ck_assert_int_eq(metrics_from("127.0.0.10", "198.51.100.7"), 404);
	ck_assert_int_eq(metrics_from("127.0.0.10", "2001:db8::7"), 404);
	/* The proxy naming a loopback client, or nobody (a scraper on the proxy's host). */
	ck_assert_int_eq(metrics_from("127.0.0.10", "127.0.0.1"), 200);
	ck_assert_int_eq(metrics_from("127.0.0.10", NULL), 200);
	ck_assert_int_eq(metrics_from("127.0.0.10", "not an address"), 200);
	/* Anyone else's X-Real-IP is ignored. */
	ck_assert_int_eq(metrics_from("127.0.0.11", "198.51.100.7"), 200);
	th_server_stop(&s);
	th_current = previous;
}
END_TEST

START_TEST(problem_titles_are_localised)
{
	const char *nl[] = {"Accept-Language: nl-BE,nl;q=0.9,en;q=0.5", NULL};
	const char *en[] = {"Accept-Language: en-US,en;q=0.9", NULL};
	const char *de[] = {"Accept-Language: de-DE", NULL};
	struct th_resp *r = th_request("GET", "/api/v1/nope", NULL, NULL, NULL, nl);
	ck_assert_str_eq(th_str(r, "title"), "Niet gevonden");
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/nope", NULL, NULL, NULL, en);
	ck_assert_str_eq(th_str(r, "title"), "Not found");
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/nope", NULL, NULL, NULL, de);
	ck_assert_str_eq(th_str(r, "title"), "Ressource introuvable");
	th_resp_free(&r);
}
END_TEST

START_TEST(body_must_be_a_json_object)
{
	struct th_resp *r = th_request("POST", "/api/v1/auth/login", NULL, "email=a", "application/x-www-form-urlencoded", NULL);
	ck_assert_problem(r, 415, "unsupported_media_type");
	th_resp_free(&r);
	r = th_request("POST", "/api/v1/auth/login", NULL, "{\"email\":", NULL, NULL);
	ck_assert_problem(r, 400, "invalid_json");
	th_resp_free(&r);
	r = th_request("POST", "/api/v1/auth/login", NULL, "[1,2]", NULL, NULL);
	ck_assert_problem(r, 400, "invalid_json");
	th_resp_free(&r);
	r = th_request("POST", "/api/v1/auth/login", NULL, "{\"email\":\"\xff\xfe\"}", NULL, NULL);
	ck_assert_problem(r, 400, "invalid_json");
	th_resp_free(&r);
	r = th_request("POST", "/api/v1/auth/login", NULL, "{\"a\":1,\"a\":2}", NULL, NULL);
	ck_assert_problem(r, 400, "invalid_json");
	th_resp_free(&r);
	r = th_request("POST", "/api/v1/auth/login", NULL, "{\"email\":\"a@b.be\",\"password\":\"x\",\"role\":\"admin\"}", NULL, NULL);
	ck_assert_problem(r, 422, "validation_failed");
	json_t *err = json_array_get(json_object_get(r->json, "errors"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(err, "field")), "role");
	ck_assert_str_eq(json_string_value(json_object_get(err, "code")), "unknown_field");
	ck_assert_ptr_nonnull(json_string_value(json_object_get(err, "message")));
	th_resp_free(&r);
}
END_TEST

START_TEST(oversized_body_is_413)
{
	size_t n = 1024 * 1024 + 10;
	char *big = malloc(n + 1);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	/* As a careful client sends a big body: asking first (Expect: 100-continue), so the 413,
	 * sent before any of the body is read, is not lost to a reset of the connection while
	 * the client is still sending (a plain upload may get the reset instead: tests/hostile). */
	static const char *const expect[] = {"Expect: 100-continue", NULL};
	struct th_resp *r = th_request("POST", "/api/v1/auth/login", NULL, big, NULL, expect);
	ck_assert_problem(r, 413, "payload_too_large");
	th_resp_free(&r);
	free(big);
	/* The server is still fine afterwards. */
	r = th_request("GET", "/health", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
}
END_TEST

START_TEST(static_app_and_traversal)
{
	struct th_resp *r = th_request("GET", "/", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_header(r, "Content-Type"), "text/html; charset=utf-8");
	ck_assert_ptr_nonnull(strstr(th_header(r, "Content-Security-Policy"), "script-src 'self'"));
	ck_assert_str_eq(th_header(r, "Cache-Control"), "no-cache");
	char etag[64];
	snprintf(etag, sizeof(etag), "%s", th_header(r, "ETag"));
	char *index_body = strdup(r->body);
	th_resp_free(&r);

	/* Client-side routes get the app. */
	r = th_request("GET", "/children/123", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(r->body, index_body);
	th_resp_free(&r);

	r = api_get_not_modified("/", etag, etag);
	/* The 304's headers replace the cached page's: it must carry the app's policy. */
	ck_assert_ptr_nonnull(strstr(th_header(r, "Content-Security-Policy"), "script-src 'self'"));
	th_resp_free(&r);

	static const char *const attacks[] = {
		"/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/assets/../../etc/passwd",
		"/..%2f..%2fetc%2fpasswd", "/....//....//etc/passwd", "/%252e%252e/etc/passwd",
		"/index.html/../../etc/shadow", "/\\..\\..\\etc\\passwd"};
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		r = th_request("GET", attacks[i], NULL, NULL, NULL, NULL);
		ck_assert_msg(strstr(r->body, "root:") == NULL, "traversal via %s", attacks[i]);
		ck_assert_msg(r->status == 200 || r->status == 404 || r->status == 400,
			      "%s gave %ld", attacks[i], r->status);
		if (r->status == 200)
			ck_assert_str_eq(r->body, index_body);
		th_resp_free(&r);
	}
	free(index_body);
}
END_TEST

START_TEST(hashed_assets_cached_long)
{
	struct th_resp *r = th_request("GET", "/", NULL, NULL, NULL, NULL);
	const char *src = strstr(r->body, "/assets/");
	ck_assert_msg(src != NULL, "index.html references no /assets/ file");
	char path[256];
	size_t len = strcspn(src, "\"'");
	ck_assert_uint_lt(len, sizeof(path));
	memcpy(path, src, len);
	path[len] = '\0';
	th_resp_free(&r);
	r = th_request("GET", path, NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_header(r, "Cache-Control"), "public, max-age=31536000, immutable");
	ck_assert_ptr_nonnull(th_header(r, "ETag"));
	const char *ct = th_header(r, "Content-Type");
	ck_assert_msg(strstr(ct, "javascript") != NULL || strstr(ct, "text/css") != NULL, "%s", ct);
	th_resp_free(&r);
}
END_TEST

START_TEST(cors_only_for_listed_origins)
{
	struct th_server s;
	const char *env[] = {"SCHOOLHUB_CORS_ORIGINS=https://app.school.be", NULL};
	struct th_server *previous = th_current;
	th_server_start(&s, api_backend, env);
	const char *ok[] = {"Origin: https://app.school.be", NULL};
	const char *evil[] = {"Origin: https://evil.example", NULL};
	struct th_resp *r = th_request("GET", "/health", NULL, NULL, NULL, ok);
	ck_assert_str_eq(th_header(r, "Access-Control-Allow-Origin"), "https://app.school.be");
	th_resp_free(&r);
	r = th_request("GET", "/health", NULL, NULL, NULL, evil);
	ck_assert_ptr_null(th_header(r, "Access-Control-Allow-Origin"));
	th_resp_free(&r);
	const char *pre_ok[] = {"Origin: https://app.school.be", "Access-Control-Request-Method: POST", NULL};
	r = th_request("OPTIONS", "/api/v1/children", NULL, NULL, NULL, pre_ok);
	ck_assert_int_eq(r->status, 204);
	ck_assert_ptr_nonnull(strstr(th_header(r, "Access-Control-Allow-Headers"), "Authorization"));
	th_resp_free(&r);
	const char *pre_bad[] = {"Origin: https://evil.example", "Access-Control-Request-Method: POST", NULL};
	r = th_request("OPTIONS", "/api/v1/children", NULL, NULL, NULL, pre_bad);
	ck_assert_problem(r, 403, "forbidden");
	ck_assert_ptr_null(th_header(r, "Access-Control-Allow-Origin"));
	th_resp_free(&r);
	th_server_stop(&s);
	th_current = previous;

	/* Default: no CORS at all. */
	r = th_request("GET", "/health", NULL, NULL, NULL, ok);
	ck_assert_ptr_null(th_header(r, "Access-Control-Allow-Origin"));
	th_resp_free(&r);
}
END_TEST

START_TEST(disabled_module_answers_404)
{
	struct th_server s;
	const char *env[] = {"SCHOOLHUB_MODULES=auth,users", NULL};
	struct th_server *previous = th_current;
	th_server_start(&s, api_backend, env);
	struct th_member m;
	th_member_register(&m, "modules");
	struct th_resp *r = th_request("GET", "/api/v1/children", m.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/users/me", m.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	th_member_free(&m);
	th_server_stop(&s);
	th_current = previous;
}
END_TEST

Suite *api_http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, health_ready_metrics);
	tcase_add_test(tc, request_id_echoed_when_sane);
	tcase_add_test(tc, unknown_path_and_wrong_method);
	tcase_add_test(tc, problem_titles_are_localised);
	tcase_add_test(tc, app_paths_are_read_only);
	tcase_add_test(tc, metrics_need_the_token_when_one_is_set);
	tcase_add_test(tc, metrics_through_a_trusted_proxy_are_the_clients);
	tcase_add_test(tc, metrics_for_monitoring);
	tcase_add_test(tc, body_must_be_a_json_object);
	tcase_add_test(tc, oversized_body_is_413);
	tcase_add_test(tc, static_app_and_traversal);
	tcase_add_test(tc, hashed_assets_cached_long);
	tcase_add_test(tc, cors_only_for_listed_origins);
	tcase_add_test(tc, disabled_module_answers_404);
	suite_add_tcase(s, tc);
	return s;
}
