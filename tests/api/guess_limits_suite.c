/*
 * Guessing limits: parallel wrong passwords hash at most ten times (counted by the
 * server's own argon2id counter on /metrics), a stranger's address locked out of an
 * account leaves the owner's address alone, an account-wide cap bounds guesses from many
 * addresses, and SCHOOLHUB_AUTH_IP_LIMIT bounds /auth/ requests per address (0: off).
 * Distinct client addresses are distinct loopback source addresses (127.0.0.x).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "modules/auth/auth_settings.h"
#include "schoolhub/util.h"

#define GUESSES 40

static struct th_server limits_server;
static struct th_server *previous;

/* Each test starts its own server with "env"; the checked teardown stops it. */
static void start_server(const char *const *env)
{
	previous = th_current;
	th_server_start(&limits_server, api_backend, env);
}

static void limits_teardown(void)
{
	th_source_ip = NULL;
	if (limits_server.app != NULL)
		th_server_stop(&limits_server);
	th_current = previous;
}

static uint64_t verifications_on_metrics(void)
{
	struct th_resp *r = th_request("GET", "/metrics", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	const char *name = "\nschoolhub_password_verifications_total ";
	const char *line = strstr(r->body, name);
	ck_assert_msg(line != NULL, "no verification counter on /metrics");
	uint64_t n = strtoull(line + strlen(name), NULL, 10);
	th_resp_free(&r);
	return n;
}

static struct th_resp *login_from(const char *ip, const char *email, const char *password)
{
	th_source_ip = ip;
	struct th_resp *r = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email",
				    email, "password", password);
	th_source_ip = NULL;
	return r;
}

/* A Retry-After in whole seconds within (min, max]. */
static void assert_retry_after(const struct th_resp *r, long min, long max)
{
	const char *retry = th_header(r, "Retry-After");
	ck_assert_msg(retry != NULL, "no Retry-After");
	ck_assert_msg(strspn(retry, "0123456789") == strlen(retry), "Retry-After \"%s\"", retry);
	long s = atol(retry);
	ck_assert_msg(s > min && s <= max, "Retry-After %ld not in (%ld, %ld]", s, min, max);
}

struct guess {
	pthread_t thread;
	const char *email;
	long status;
	char code[32];
};

static void *guess_once(void *arg)
{
	struct guess *g = arg;
	/* Under valgrind every thread runs on one core and each argon2id check takes seconds:
	 * the ten checks and the queue behind them outlast the usual 30 s. */
	th_timeout_s = 300;
	struct th_resp *r = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email",
				    g->email, "password", "a wrong guess, again");
	g->status = r->status;
	snprintf(g->code, sizeof(g->code), "%s", th_code(r) ? th_code(r) : "");
	th_resp_free(&r);
	return NULL;
}

/* GUESSES wrong passwords at once for "email"; returns how many were answered 401. */
static int parallel_wrong_guesses(const char *email)
{
	static struct guess g[GUESSES];
	for (int i = 0; i < GUESSES; i++) {
		g[i] = (struct guess){.email = email};
		ck_assert_int_eq(pthread_create(&g[i].thread, NULL, guess_once, &g[i]), 0);
	}
	int refused = 0, throttled = 0;
	for (int i = 0; i < GUESSES; i++) {
		ck_assert_int_eq(pthread_join(g[i].thread, NULL), 0);
		if (g[i].status == 401 && strcmp(g[i].code, "invalid_credentials") == 0)
			refused++;
		else if (g[i].status == 429 && strcmp(g[i].code, "too_many_attempts") == 0)
			throttled++;
		else /* hashing saturated on a slow machine (valgrind): also nothing gained */
			ck_assert_msg(g[i].status == 429 && strcmp(g[i].code, "too_many_requests") == 0,
				      "guess %d: %ld %s", i, g[i].status, g[i].code);
	}
	/* Normally 10 and 30; under valgrind some checks find every hashing slot busy and give
	 * their reservation back, so fewer reach the limit. Never more than 10 checks. */
	ck_assert_int_le(refused, 10);
	ck_assert_int_ge(refused + throttled, 1);
	return refused;
}

START_TEST(parallel_wrong_guesses_hash_at_most_ten)
{
	/* Eight workers: with the old read-then-hash-then-record sequence, every worker
	 * passed the check while the others were hashing. */
	const char *env[] = {"SCHOOLHUB_THREADS=8", "SCHOOLHUB_AUTH_IP_LIMIT=1000",
			     "SCHOOLHUB_CONNECTION_TIMEOUT=300", "SCHOOLHUB_HEADER_TIMEOUT_S=300",
			     NULL};
	start_server(env);
	struct th_member m;
	th_member_register(&m, "parallel");

	uint64_t before = verifications_on_metrics();
	int refused = parallel_wrong_guesses(m.email);
	uint64_t hashed = verifications_on_metrics() - before;
	ck_assert_msg(hashed <= 10, "%llu argon2id verifications for %d guesses",
		      (unsigned long long)hashed, GUESSES);
	ck_assert_int_eq((int)hashed, refused);
	/* Each check that ran is a counted failure; the refused ones left nothing behind. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM login_failures WHERE email = $1",
				      m.email, NULL),
			 refused);

	/* An address without an account is counted and throttled the same way. */
	before = verifications_on_metrics();
	refused = parallel_wrong_guesses("nobody.parallel@example.be");
	hashed = verifications_on_metrics() - before;
	ck_assert_int_le((int)hashed, 10);
	ck_assert_int_eq((int)hashed, refused);
	th_member_free(&m);
}
END_TEST

START_TEST(stranger_lockout_spares_the_owner_address)
{
	const char *env[] = {"SCHOOLHUB_AUTH_IP_LIMIT=1000", NULL};
	start_server(env);
	struct th_member m;
	th_member_register(&m, "lockout");
	for (int i = 0; i < 10; i++) {
		struct th_resp *r = login_from("127.0.0.2", m.email, "the stranger guesses");
		ck_assert_problem(r, 401, "invalid_credentials");
		th_resp_free(&r);
	}
	/* The stranger's address is locked out of the account, right password or not... */
	uint64_t before = verifications_on_metrics();
	struct th_resp *r = login_from("127.0.0.2", m.email, m.password);
	ck_assert_problem(r, 429, "too_many_attempts");
	assert_retry_after(r, 800, 900);
	th_resp_free(&r);
	ck_assert_int_eq((int)(verifications_on_metrics() - before), 0);
	/* ...and the same answer for an unknown address once it had ten failures. */
	for (int i = 0; i < 10; i++) {
		r = login_from("127.0.0.2", "nobody.lockout@example.be", "the stranger guesses");
		ck_assert_problem(r, 401, "invalid_credentials");
		th_resp_free(&r);
	}
	r = login_from("127.0.0.2", "nobody.lockout@example.be", "the stranger guesses");
	ck_assert_problem(r, 429, "too_many_attempts");
	assert_retry_after(r, 800, 900);
	th_resp_free(&r);

	/* The owner, at another address, logs in; that forgets only the owner's failures. */
	r = login_from("127.0.0.1", m.email, m.password);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM login_failures WHERE email = $1 "
				      "AND client_ip = $2",
				      m.email, "127.0.0.2"),
			 10);
	r = login_from("127.0.0.2", m.email, m.password);
	ck_assert_problem(r, 429, "too_many_attempts");
	th_resp_free(&r);
	/* The password routes count per address too: the owner can still change it. */
	r = th_json("POST", "/api/v1/users/me/password", m.access_token, "{s:s, s:s}",
		    "current_password", m.password, "new_password", "the owner's new secret");
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	th_member_free(&m);
}
END_TEST

/* Failures from "n" other addresses, "age_s" seconds ago, written as the server would. */
static void insert_failures(const char *email, int n, long age_s)
{
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(th_current->app->db, &error);
	ck_assert_msg(conn != NULL, "%s", error ? error : "");
	char at[SH_TIME_LEN + 1];
	sh_time_format(time(NULL) - age_s, at);
	for (int i = 0; i < n; i++) {
		char id[SH_UUID_LEN + 1], ip[32];
		sh_uuid_v4(id);
		snprintf(ip, sizeof(ip), "192.0.2.%d", i % 250);
		ck_assert_int_eq(sh_exec(conn,
					 "INSERT INTO login_failures (id, email, client_ip, failed_at) "
					 "VALUES ($1, $2, $3, $4)",
					 SH_ARGS(SH_TEXT(id), SH_TEXT(email), SH_TEXT(ip), SH_TEXT(at)),
					 NULL),
				 SH_DB_OK);
	}
	sh_conn_close(&conn);
}

/*
 * With an account-wide cap of "cap": cap - 1 failures from other addresses (under ten each),
 * a minute ago; one more is still a 401, and it closes the account for every address, the
 * right password included, until the oldest failure ages out (about 14 minutes from now).
 */
static void assert_account_cap(const char *who, unsigned cap)
{
	struct th_member m;
	th_member_register(&m, who);
	ck_assert_uint_eq(sh_auth_settings(&limits_server.app->cfg)->login_account_max_failures, cap);
	insert_failures(m.email, (int)cap - 1, 60);
	struct th_resp *r = login_from("127.0.0.3", m.email, "one more guess");
	ck_assert_problem(r, 401, "invalid_credentials");
	th_resp_free(&r);
	r = login_from("127.0.0.4", m.email, m.password);
	ck_assert_problem(r, 429, "too_many_attempts");
	assert_retry_after(r, 780, 845);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM login_failures WHERE email = $1",
				      m.email, NULL),
			 cap);
	th_member_free(&m);
}

START_TEST(account_wide_cap_bounds_guesses_from_many_addresses)
{
	const char *env[] = {"SCHOOLHUB_AUTH_IP_LIMIT=1000", NULL};
	start_server(env);
	assert_account_cap("distributed", 100);
}
END_TEST

/* SCHOOLHUB_AUTH_ACCOUNT_LIMIT moves the account-wide cap (before, it was fixed at 100). */
START_TEST(account_wide_cap_follows_its_setting)
{
	const char *env[] = {"SCHOOLHUB_AUTH_IP_LIMIT=1000", "SCHOOLHUB_AUTH_ACCOUNT_LIMIT=20",
			     NULL};
	start_server(env);
	assert_account_cap("accountcap", 20);
}
END_TEST

static struct th_resp *auth_from(const char *ip, const char *path, const char *fmt, ...);

START_TEST(per_address_limit_on_auth_routes)
{
	const char *env[] = {"SCHOOLHUB_AUTH_IP_LIMIT=5", NULL};
	start_server(env);
	ck_assert_uint_eq(sh_auth_settings(&limits_server.app->cfg)->ip_limit, 5);
	const char *ip = "127.0.0.5";
	th_source_ip = ip;
	struct th_member m;
	th_member_register(&m, "perip"); /* 1: a registration always counts */
	th_source_ip = NULL;
	struct th_resp *r = login_from(ip, m.email, "wrong one"); /* 2 */
	ck_assert_problem(r, 401, "invalid_credentials");
	th_resp_free(&r);
	for (int i = 0; i < 3; i++) { /* a success gives its request back */
		r = login_from(ip, m.email, m.password);
		ck_assert_int_eq(r->status, 200);
		th_resp_free(&r);
	}
	r = auth_from(ip, "/api/v1/auth/refresh", "{s:s}", "refresh_token", "not-a-token"); /* 3 */
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	r = auth_from(ip, "/api/v1/auth/register", "{s:s}", "email", "x"); /* 4: 422 counts */
	ck_assert_int_eq(r->status, 422);
	th_resp_free(&r);
	r = login_from(ip, m.email, "wrong again"); /* 5 */
	ck_assert_problem(r, 401, "invalid_credentials");
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM auth_ip_attempts WHERE client_ip = $1",
				      ip, NULL),
			 5);

	/* The address has used its five: login (even right), register and refresh refuse. */
	uint64_t before = verifications_on_metrics();
	r = login_from(ip, m.email, m.password);
	ck_assert_problem(r, 429, "too_many_attempts");
	assert_retry_after(r, 800, 900);
	th_resp_free(&r);
	r = auth_from(ip, "/api/v1/auth/refresh", "{s:s}", "refresh_token", m.refresh_token);
	ck_assert_problem(r, 429, "too_many_attempts");
	th_resp_free(&r);
	r = auth_from(ip, "/api/v1/auth/register", "{s:s, s:s, s:s, s:s}", "email",
		      "perip.newcomer@example.be", "password", "a long enough secret",
		      "first_name", "New", "last_name", "Comer");
	ck_assert_problem(r, 429, "too_many_attempts");
	th_resp_free(&r);
	ck_assert_int_eq((int)(verifications_on_metrics() - before), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE email = $1",
				      "perip.newcomer@example.be", NULL),
			 0);
	/* Other routes from that address, and other addresses, are not limited. */
	th_source_ip = ip;
	r = th_request("GET", "/api/v1/users/me", m.access_token, NULL, NULL, NULL);
	th_source_ip = NULL;
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = login_from("127.0.0.6", m.email, m.password);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	th_member_free(&m);
}
END_TEST

START_TEST(per_address_limit_zero_is_off_and_default_is_100)
{
	const char *env[] = {"SCHOOLHUB_AUTH_IP_LIMIT=0", NULL};
	start_server(env);
	for (int i = 0; i < 12; i++) {
		struct th_resp *r = auth_from("127.0.0.7", "/api/v1/auth/refresh", "{s:s}",
					      "refresh_token", "not-a-token");
		ck_assert_problem(r, 401, "unauthorized");
		th_resp_free(&r);
	}
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM auth_ip_attempts WHERE client_ip = $1",
				      "127.0.0.7", NULL),
			 0);
	/* The binary's default, and a value that is not a number. */
	struct sh_config cfg;
	char *error = NULL;
	unsetenv("SCHOOLHUB_AUTH_IP_LIMIT");
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), 0);
	ck_assert_uint_eq(sh_auth_settings(&cfg)->ip_limit, 100);
	sh_config_free(&cfg);
	setenv("SCHOOLHUB_AUTH_IP_LIMIT", "lots", 1);
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "SCHOOLHUB_AUTH_IP_LIMIT"));
	free(error);
	unsetenv("SCHOOLHUB_AUTH_IP_LIMIT");
}
END_TEST

static int64_t ip_attempts(const char *counted)
{
	return api_db_count("SELECT COUNT(*) FROM auth_ip_attempts WHERE client_ip = $1", counted,
			    NULL);
}

/* A junk refresh (401, counted, nothing hashed) from "ip" with an X-Real-IP header. */
static void refresh_with_real_ip(const char *ip, const char *real_ip)
{
	char header[128];
	snprintf(header, sizeof(header), "X-Real-IP: %s", real_ip);
	const char *extra[] = {header, NULL};
	th_source_ip = ip;
	struct th_resp *r = th_request("POST", "/api/v1/auth/refresh", NULL,
				       "{\"refresh_token\":\"junk\"}", NULL, extra);
	th_source_ip = NULL;
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
}

START_TEST(trusted_proxy_names_the_client)
{
	const char *env[] = {"SCHOOLHUB_AUTH_IP_LIMIT=50",
			     "SCHOOLHUB_TRUSTED_PROXIES=192.0.2.1, 127.0.0.8", NULL};
	start_server(env);
	ck_assert_uint_eq(limits_server.app->cfg.trusted_proxy_count, 2);
	/* The proxy's X-Real-IP is the client; IPv6 clients count by their /64. */
	refresh_with_real_ip("127.0.0.8", "198.51.100.7");
	refresh_with_real_ip("127.0.0.8", "2001:db8:1:2:3:4:5:6");
	refresh_with_real_ip("127.0.0.8", "2001:db8:1:2:ffff::1");
	ck_assert_int_eq(ip_attempts("198.51.100.7"), 1);
	ck_assert_int_eq(ip_attempts("2001:db8:1:2::/64"), 2);
	/* A proxy header that is not an address counts the proxy itself. */
	refresh_with_real_ip("127.0.0.8", "198.51.100.7, 10.0.0.1");
	ck_assert_int_eq(ip_attempts("127.0.0.8"), 1);
	/* Anyone else's X-Real-IP is ignored. */
	refresh_with_real_ip("127.0.0.9", "198.51.100.7");
	ck_assert_int_eq(ip_attempts("127.0.0.9"), 1);
	ck_assert_int_eq(ip_attempts("198.51.100.7"), 1);

	struct sh_config cfg;
	char *error = NULL;
	setenv("SCHOOLHUB_TRUSTED_PROXIES", "127.0.0.1, nginx.local", 1);
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "nginx.local"));
	free(error);
	unsetenv("SCHOOLHUB_TRUSTED_PROXIES");
}
END_TEST

/* A proxy fleet named by its CIDR block: every peer inside it is trusted, none outside;
 * a prefix out of range stops the server at start. */
START_TEST(trusted_proxy_cidr_block)
{
	const char *env[] = {"SCHOOLHUB_AUTH_IP_LIMIT=50",
			     "SCHOOLHUB_TRUSTED_PROXIES=127.0.0.16/29, 2001:db8::/32", NULL};
	start_server(env);
	ck_assert_uint_eq(limits_server.app->cfg.trusted_proxy_count, 2);
	refresh_with_real_ip("127.0.0.17", "198.51.100.20");
	refresh_with_real_ip("127.0.0.23", "198.51.100.20");
	ck_assert_int_eq(ip_attempts("198.51.100.20"), 2);
	/* 127.0.0.24 is the next block: its header is ignored. */
	refresh_with_real_ip("127.0.0.24", "198.51.100.20");
	ck_assert_int_eq(ip_attempts("127.0.0.24"), 1);
	ck_assert_int_eq(ip_attempts("198.51.100.20"), 2);

	struct sh_config cfg;
	char *error = NULL;
	setenv("SCHOOLHUB_TRUSTED_PROXIES", "10.0.0.0/33", 1);
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "10.0.0.0/33"));
	free(error);
	unsetenv("SCHOOLHUB_TRUSTED_PROXIES");
}
END_TEST

static struct th_resp *auth_from(const char *ip, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	json_t *doc = json_vpack_ex(NULL, 0, fmt, ap);
	va_end(ap);
	ck_assert_ptr_nonnull(doc);
	char *body = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	th_source_ip = ip;
	struct th_resp *r = th_request("POST", path, NULL, body, NULL, NULL);
	th_source_ip = NULL;
	free(body);
	return r;
}

Suite *api_guess_limits_suite(void)
{
	Suite *s = suite_create("guess_limits");
	TCase *tc = tcase_create("limits");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, NULL, limits_teardown);
	tcase_add_test(tc, parallel_wrong_guesses_hash_at_most_ten);
	tcase_add_test(tc, stranger_lockout_spares_the_owner_address);
	tcase_add_test(tc, account_wide_cap_bounds_guesses_from_many_addresses);
	tcase_add_test(tc, account_wide_cap_follows_its_setting);
	tcase_add_test(tc, per_address_limit_on_auth_routes);
	tcase_add_test(tc, per_address_limit_zero_is_off_and_default_is_100);
	tcase_add_test(tc, trusted_proxy_names_the_client);
	tcase_add_test(tc, trusted_proxy_cidr_block);
	suite_add_tcase(s, tc);
	return s;
}
