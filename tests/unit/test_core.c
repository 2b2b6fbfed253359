/* Unit tests of the core pieces: arena, identifiers and dates, languages, config, tokens, router. */
#include <check.h>
#include <jwt.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http/router.h"
#include "schoolhub/app.h"
#include "schoolhub/arena.h"
#include "schoolhub/config.h"
#include "schoolhub/i18n.h"
#include "schoolhub/mem.h"
#include "schoolhub/modules.h"
#include "schoolhub/security.h"
#include "schoolhub/util.h"

START_TEST(arena_allocates_aligned_zeroed_and_big)
{
	struct sh_arena *a = sh_arena_create();
	char *s = sh_arena_strdup(a, "bonjour");
	ck_assert_str_eq(s, "bonjour");
	for (int i = 0; i < 1000; i++) {
		unsigned char *p = sh_arena_alloc(a, (size_t)i + 1);
		ck_assert_int_eq((uintptr_t)p % 16, 0);
		int nonzero = 0;
		for (int j = 0; j <= i; j++)
			nonzero += p[j] != 0;
		ck_assert_int_eq(nonzero, 0);
		memset(p, 0xab, (size_t)i + 1);
	}
	char *big = sh_arena_alloc(a, 3 * 1024 * 1024);
	big[3 * 1024 * 1024 - 1] = 'x';
	ck_assert_str_eq(sh_arena_printf(a, "%s-%d", "P", 3), "P-3");
	ck_assert_ptr_null(sh_arena_strdup(a, NULL));
	ck_assert_uint_ge(sh_arena_used(a), 3 * 1024 * 1024);
	sh_arena_destroy(&a);
	ck_assert_ptr_null(a);
}
END_TEST

static int deferred_calls;
static void count_call(void *p)
{
	ck_assert_ptr_eq(p, &deferred_calls);
	deferred_calls++;
}

START_TEST(arena_runs_deferred_cleanups)
{
	struct sh_arena *a = sh_arena_create();
	deferred_calls = 0;
	sh_arena_defer(a, count_call, &deferred_calls);
	sh_arena_defer(a, count_call, &deferred_calls);
	sh_arena_destroy(&a);
	ck_assert_int_eq(deferred_calls, 2);
}
END_TEST

START_TEST(uuid_and_time)
{
	char id[SH_UUID_LEN + 1], other[SH_UUID_LEN + 1];
	sh_uuid_v4(id);
	sh_uuid_v4(other);
	ck_assert(sh_uuid_valid(id));
	ck_assert_str_ne(id, other);
	ck_assert_int_eq(id[14], '4');
	ck_assert(strchr("89ab", id[19]) != NULL);
	ck_assert(!sh_uuid_valid("not-a-uuid"));
	ck_assert(!sh_uuid_valid("0000000000000000000000000000000000000"));
	ck_assert(!sh_uuid_valid("00000000-0000-0000-0000-00000000000g"));
	ck_assert(!sh_uuid_valid(NULL));

	/* Version 7: the time in milliseconds first, so ids made later sort after. */
	struct timespec before, after;
	clock_gettime(CLOCK_REALTIME, &before);
	sh_uuid_v7(id);
	clock_gettime(CLOCK_REALTIME, &after);
	ck_assert(sh_uuid_valid(id));
	ck_assert_int_eq(id[14], '7');
	ck_assert(strchr("89ab", id[19]) != NULL);
	char hex[13];
	memcpy(hex, id, 8);
	memcpy(hex + 8, id + 9, 4);
	hex[12] = '\0';
	unsigned long long ms = strtoull(hex, NULL, 16);
	ck_assert_uint_ge(ms, (unsigned long long)before.tv_sec * 1000 + before.tv_nsec / 1000000);
	ck_assert_uint_le(ms, (unsigned long long)after.tv_sec * 1000 + after.tv_nsec / 1000000);
	struct timespec pause = {0, 2 * 1000 * 1000};
	nanosleep(&pause, NULL);
	sh_uuid_v7(other);
	ck_assert_msg(strcmp(id, other) < 0, "%s then %s", id, other);
	char t[SH_TIME_LEN + 1];
	sh_time_format(0, t);
	ck_assert_str_eq(t, "1970-01-01T00:00:00Z");
	sh_time_format(1795731643, t);
	ck_assert_str_eq(t, "2026-11-26T22:20:43Z");
}
END_TEST

START_TEST(dates_are_strict)
{
	time_t t;
	ck_assert_int_eq(sh_date_parse("2018-04-12", &t), 0);
	ck_assert_int_eq(sh_date_parse("2024-02-29", &t), 0);
	ck_assert_int_eq(sh_date_parse("2023-02-29", &t), -1);
	ck_assert_int_eq(sh_date_parse("2023-02-30", &t), -1);
	ck_assert_int_eq(sh_date_parse("2023-13-01", &t), -1);
	ck_assert_int_eq(sh_date_parse("2023-1-01", &t), -1);
	ck_assert_int_eq(sh_date_parse("12/04/2018", &t), -1);
	ck_assert_int_eq(sh_date_parse("2018-04-12T00:00:00Z", &t), -1);
	ck_assert_int_eq(sh_date_parse("", &t), -1);
}
END_TEST

START_TEST(utf8_text)
{
	size_t n;
	ck_assert(sh_utf8_valid_text("Léa Van den Bossche", 100, &n));
	ck_assert_uint_eq(n, 19);
	ck_assert(sh_utf8_valid_text("Zoë 😀", 100, &n));
	ck_assert_uint_eq(n, 5);
	ck_assert(!sh_utf8_valid_text("bad\xff", 100, NULL));
	ck_assert(!sh_utf8_valid_text("\xc0\xaf", 100, NULL)); /* overlong "/" */
	ck_assert(!sh_utf8_valid_text("\xed\xa0\x80", 100, NULL)); /* surrogate */
	ck_assert(!sh_utf8_valid_text("tab\there", 100, NULL));
	ck_assert(!sh_utf8_valid_text("abcdef", 5, NULL));
}
END_TEST

START_TEST(accept_language)
{
	ck_assert_int_eq(sh_lang_from_accept(NULL), SH_LANG_FR);
	ck_assert_int_eq(sh_lang_from_accept(""), SH_LANG_FR);
	ck_assert_int_eq(sh_lang_from_accept("nl-BE"), SH_LANG_NL);
	ck_assert_int_eq(sh_lang_from_accept("en-US,en;q=0.9,nl;q=0.8"), SH_LANG_EN);
	ck_assert_int_eq(sh_lang_from_accept("de-DE,nl;q=0.5,fr;q=0.7"), SH_LANG_FR);
	ck_assert_int_eq(sh_lang_from_accept("de, en;q=0.1"), SH_LANG_EN);
	ck_assert_int_eq(sh_lang_from_accept("*"), SH_LANG_FR);
	ck_assert_int_eq(sh_lang_from_accept("nlx, enx"), SH_LANG_FR);
	ck_assert_str_eq(sh_i18n_problem_title("not_found", SH_LANG_NL), "Niet gevonden");
	ck_assert_str_eq(sh_i18n_field_message("required", SH_LANG_EN), "This field is required.");
	ck_assert_str_eq(sh_i18n_problem_title("no_such_code", SH_LANG_FR), "no_such_code");
}
END_TEST

static void clear_env(void)
{
	static const char *const names[] = {
		"SCHOOLHUB_HOST", "SCHOOLHUB_PORT", "DATABASE_URL", "SCHOOLHUB_ENV",
		"SCHOOLHUB_SECRET_KEY", "SCHOOLHUB_REGISTRATION", "SCHOOLHUB_MODULES",
		"SCHOOLHUB_CORS_ORIGINS", "SCHOOLHUB_LOG_LEVEL", "SCHOOLHUB_THREADS",
		"SCHOOLHUB_DATA_DIR", "SCHOOLHUB_MAX_BODY_BYTES", "SCHOOLHUB_PASSWORD_SLOT_WAIT_MS",
		NULL};
	for (const char *const *n = names; *n; n++)
		unsetenv(*n);
}

/* Loads config from the current environment, expecting failure containing "needle". */
static void expect_config_error(const char *needle)
{
	struct sh_config cfg;
	char *error = NULL;
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), -1);
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(strstr(error, needle) != NULL, "error \"%s\" lacks \"%s\"", error, needle);
	ck_assert_ptr_null(strchr(error, '\n'));
	free(error);
}

START_TEST(config_defaults_and_errors)
{
	char dir[] = "/tmp/sh-cfg-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	clear_env();
	setenv("SCHOOLHUB_DATA_DIR", dir, 1);
	struct sh_config cfg;
	char *error = NULL;
	char path[64];
	snprintf(path, sizeof(path), "%s/secret.key", dir);
	struct stat st;
	/* Nothing set is production: no generated secret, and the one line says what to set,
	 * including the development switch for a laptop. */
	expect_config_error("SCHOOLHUB_SECRET_KEY: required when SCHOOLHUB_ENV=production, the "
			    "default when SCHOOLHUB_ENV is unset");
	expect_config_error("set SCHOOLHUB_ENV=development");
	ck_assert_int_ne(stat(path, &st), 0);
	/* ... and with a secret it runs as production: invitation-only registration. */
	setenv("SCHOOLHUB_SECRET_KEY", "0123456789abcdef0123456789abcdef", 1);
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), 0);
	ck_assert_int_eq(cfg.env, SH_ENV_PRODUCTION);
	ck_assert_int_eq(cfg.registration, SH_REG_INVITE);
	sh_config_free(&cfg);
	ck_assert_int_ne(stat(path, &st), 0);
	unsetenv("SCHOOLHUB_SECRET_KEY");

	setenv("SCHOOLHUB_ENV", "development", 1);
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), 0);
	ck_assert_str_eq(cfg.host, "127.0.0.1");
	ck_assert_uint_eq(cfg.port, 8080);
	ck_assert_str_eq(cfg.database_url, "sqlite:///./data/schoolhub.db");
	ck_assert_int_eq(cfg.env, SH_ENV_DEVELOPMENT);
	ck_assert_int_eq(cfg.registration, SH_REG_OPEN);
	ck_assert_uint_eq(cfg.modules, sh_modules_all());
	ck_assert_uint_eq(cfg.max_body_bytes, 1024 * 1024);
	ck_assert_uint_eq(cfg.cors_origin_count, 0);
	ck_assert_uint_ge(cfg.secret_key_len, 32);
	char *first_key = sh_strdup(cfg.secret_key);
	sh_config_free(&cfg);
	/* The generated development key is kept (0600) and reused. */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), 0);
	ck_assert_str_eq(cfg.secret_key, first_key);
	sh_config_free(&cfg);
	free(first_key);
	unlink(path);
	rmdir(dir);

	setenv("SCHOOLHUB_ENV", "production", 1);
	expect_config_error("SCHOOLHUB_SECRET_KEY");
	setenv("SCHOOLHUB_SECRET_KEY", "too-short", 1);
	expect_config_error("at least 32 bytes");
	setenv("SCHOOLHUB_SECRET_KEY", "0123456789abcdef0123456789abcdef", 1);
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), 0);
	ck_assert_int_eq(cfg.registration, SH_REG_INVITE);
	sh_config_free(&cfg);
	setenv("SCHOOLHUB_ENV", "staging", 1);
	expect_config_error("SCHOOLHUB_ENV");
	clear_env();
	setenv("SCHOOLHUB_SECRET_KEY", "0123456789abcdef0123456789abcdef", 1);
	setenv("SCHOOLHUB_MODULES", "auth,shop", 1);
	expect_config_error("unknown module \"shop\"");
	setenv("SCHOOLHUB_MODULES", "auth, users", 1);
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), 0);
	ck_assert_uint_eq(cfg.modules, SH_MODULE_AUTH | SH_MODULE_USERS);
	sh_config_free(&cfg);
	unsetenv("SCHOOLHUB_MODULES");
	setenv("SCHOOLHUB_PORT", "80x", 1);
	expect_config_error("SCHOOLHUB_PORT");
	setenv("SCHOOLHUB_PORT", "70000", 1);
	expect_config_error("SCHOOLHUB_PORT");
	unsetenv("SCHOOLHUB_PORT");
	setenv("SCHOOLHUB_REGISTRATION", "maybe", 1);
	expect_config_error("SCHOOLHUB_REGISTRATION");
	unsetenv("SCHOOLHUB_REGISTRATION");
	setenv("SCHOOLHUB_CORS_ORIGINS", "*", 1);
	expect_config_error("SCHOOLHUB_CORS_ORIGINS");
	setenv("SCHOOLHUB_CORS_ORIGINS", "https://a.be, http://localhost:5173", 1);
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), 0);
	ck_assert_uint_eq(cfg.cors_origin_count, 2);
	ck_assert_str_eq(cfg.cors_origins[1], "http://localhost:5173");
	sh_config_free(&cfg);
	unsetenv("SCHOOLHUB_CORS_ORIGINS");
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), 0);
	ck_assert(cfg.sqlite_full_sync); /* acknowledged writes survive a power cut by default */
	sh_config_free(&cfg);
	setenv("SCHOOLHUB_SQLITE_SYNC", "normal", 1);
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), 0);
	ck_assert(!cfg.sqlite_full_sync);
	sh_config_free(&cfg);
	setenv("SCHOOLHUB_SQLITE_SYNC", "off", 1);
	expect_config_error("SCHOOLHUB_SQLITE_SYNC");
	unsetenv("SCHOOLHUB_SQLITE_SYNC");
	setenv("SCHOOLHUB_LOG_LEVEL", "verbose", 1);
	expect_config_error("SCHOOLHUB_LOG_LEVEL");
	unsetenv("SCHOOLHUB_LOG_LEVEL");
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), 0);
	ck_assert_uint_eq(cfg.password_slot_wait_ms, 5000);
	sh_config_free(&cfg);
	setenv("SCHOOLHUB_PASSWORD_SLOT_WAIT_MS", "250", 1);
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), 0);
	ck_assert_uint_eq(cfg.password_slot_wait_ms, 250);
	sh_config_free(&cfg);
	setenv("SCHOOLHUB_PASSWORD_SLOT_WAIT_MS", "60001", 1);
	expect_config_error("SCHOOLHUB_PASSWORD_SLOT_WAIT_MS");
	clear_env();
}
END_TEST

/* PostgreSQL's statement and lock timeouts: 15 s and 10 s by default, 0 turns them off. */
START_TEST(config_pg_timeouts)
{
	char dir[] = "/tmp/sh-cfg-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	clear_env();
	unsetenv("SCHOOLHUB_PG_STATEMENT_TIMEOUT_MS");
	unsetenv("SCHOOLHUB_PG_LOCK_TIMEOUT_MS");
	setenv("SCHOOLHUB_ENV", "development", 1); /* unset would be production: a secret needed */
	setenv("SCHOOLHUB_DATA_DIR", dir, 1);
	struct sh_config cfg;
	char *error = NULL;
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), 0);
	ck_assert_uint_eq(cfg.pg_statement_timeout_ms, 15000);
	ck_assert_uint_eq(cfg.pg_lock_timeout_ms, 10000);
	sh_config_free(&cfg);
	setenv("SCHOOLHUB_PG_STATEMENT_TIMEOUT_MS", "0", 1);
	setenv("SCHOOLHUB_PG_LOCK_TIMEOUT_MS", "750", 1);
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), 0);
	ck_assert_uint_eq(cfg.pg_statement_timeout_ms, 0);
	ck_assert_uint_eq(cfg.pg_lock_timeout_ms, 750);
	sh_config_free(&cfg);
	setenv("SCHOOLHUB_PG_LOCK_TIMEOUT_MS", "2s", 1);
	expect_config_error("SCHOOLHUB_PG_LOCK_TIMEOUT_MS");
	setenv("SCHOOLHUB_PG_LOCK_TIMEOUT_MS", "0", 1);
	setenv("SCHOOLHUB_PG_STATEMENT_TIMEOUT_MS", "3600001", 1);
	expect_config_error("SCHOOLHUB_PG_STATEMENT_TIMEOUT_MS");
	unsetenv("SCHOOLHUB_PG_STATEMENT_TIMEOUT_MS");
	unsetenv("SCHOOLHUB_PG_LOCK_TIMEOUT_MS");
	clear_env();
	char path[64];
	snprintf(path, sizeof(path), "%s/secret.key", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

static double elapsed_ms(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) * 1000.0 +
	       (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

/* With the only slot taken, a hash waits, then gives up (SH_PW_BUSY) without hashing,
 * never longer than half the connection timeout, and gives back no slot it never took. */
START_TEST(password_slot_wait_is_capped)
{
	struct sh_app app;
	memset(&app, 0, sizeof(app));
	ck_assert_int_eq(sem_init(&app.hash_slots, 0, 1), 0);
	ck_assert_int_eq(sem_trywait(&app.hash_slots), 0);
	char hash[SH_PASSWORD_HASH_MAX];
	struct timespec start;

	app.cfg.connection_timeout_s = 30;
	app.cfg.password_slot_wait_ms = 50;
	clock_gettime(CLOCK_MONOTONIC, &start);
	ck_assert_int_eq(sh_password_hash(&app, "a long enough secret", hash), SH_PW_BUSY);
	ck_assert_double_ge(elapsed_ms(&start), 45);

	/* One minute configured, one-second connection timeout: half a second. */
	app.cfg.connection_timeout_s = 1;
	app.cfg.password_slot_wait_ms = 60000;
	clock_gettime(CLOCK_MONOTONIC, &start);
	ck_assert_int_eq(sh_password_hash(&app, "a long enough secret", hash), SH_PW_BUSY);
	double waited = elapsed_ms(&start);
	ck_assert_double_ge(waited, 495);
	ck_assert_double_lt(waited, 1000); /* capped below the 1 s timeout, not the 60 s asked */

	int free_slots = -1;
	ck_assert_int_eq(sem_getvalue(&app.hash_slots, &free_slots), 0);
	ck_assert_int_eq(free_slots, 0);
	sem_destroy(&app.hash_slots);
}
END_TEST

START_TEST(access_tokens)
{
	struct sh_app app;
	memset(&app, 0, sizeof(app));
	app.cfg.secret_key = sh_strdup("0123456789abcdef0123456789abcdef-unit");
	app.cfg.secret_key_len = strlen(app.cfg.secret_key);
	app.cfg.access_token_ttl_s = 900;
	char id[SH_UUID_LEN + 1];
	struct sh_access_claims claims;
	sh_uuid_v4(id);
	char *token = sh_access_token_issue(&app, id, 7);
	ck_assert_ptr_nonnull(token);
	for (int i = 0; i < 2; i++) { /* the second time comes from the verified-token cache */
		memset(&claims, 0, sizeof(claims));
		ck_assert_int_eq(sh_access_token_verify(&app, token, &claims), 0);
		ck_assert_str_eq(claims.user_id, id);
		ck_assert_int_eq(claims.generation, 7);
	}
	/* Same app object, another key (e.g. a restart with a new secret): the cached
	 * verification does not carry over. */
	char *old_key = app.cfg.secret_key;
	app.cfg.secret_key = sh_strdup("another-key-another-key-another-key!");
	app.cfg.secret_key_len = strlen(app.cfg.secret_key);
	ck_assert_int_eq(sh_access_token_verify(&app, token, &claims), -1);
	sh_free(&app.cfg.secret_key);
	app.cfg.secret_key = old_key;
	app.cfg.secret_key_len = strlen(old_key);
	/* Expired. */
	app.cfg.access_token_ttl_s = 0;
	char *expired = sh_access_token_issue(&app, id, 0);
	ck_assert_int_eq(sh_access_token_verify(&app, expired, &claims), -1);
	ck_assert_int_eq(sh_access_token_verify(&app, "", &claims), -1);
	ck_assert_int_eq(sh_access_token_verify(&app, NULL, &claims), -1);
	ck_assert_int_eq(sh_access_token_verify(&app, "a.b.c", &claims), -1);
	free(token);
	free(expired);
	sh_free(&app.cfg.secret_key);
}
END_TEST

/* Signs "payload" (JSON) with the app's key the way a forger holding the key would. */
static char *sign_payload(const struct sh_app *app, const char *payload)
{
	jwt_t *jwt = NULL;
	ck_assert_int_eq(jwt_new(&jwt), 0);
	ck_assert_int_eq(jwt_add_grants_json(jwt, payload), 0);
	ck_assert_int_eq(jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)app->cfg.secret_key,
				     (int)app->cfg.secret_key_len),
			 0);
	char *token = jwt_encode_str(jwt);
	jwt_free(jwt);
	ck_assert_ptr_nonnull(token);
	return token;
}

/* Found by fuzz_access_token: libjwt's integer getter read "gen": "1" as 1. Claims of the
 * wrong JSON type are refused, even under a valid signature. */
START_TEST(access_token_claims_are_typed)
{
	struct sh_app app;
	memset(&app, 0, sizeof(app));
	app.cfg.secret_key = sh_strdup("0123456789abcdef0123456789abcdef-unit");
	app.cfg.secret_key_len = strlen(app.cfg.secret_key);
	struct sh_access_claims claims;
	char good[256], payload[256];
	const char *sub = "0f8fad5b-d9cb-469f-a165-70867728950e";
	long exp = (long)time(NULL) + 600;
	snprintf(good, sizeof(good),
		 "{\"iss\":\"schoolhub\",\"typ\":\"access\",\"sub\":\"%s\",\"gen\":1,\"exp\":%ld}",
		 sub, exp);
	char *token = sign_payload(&app, good);
	ck_assert_int_eq(sh_access_token_verify(&app, token, &claims), 0);
	ck_assert_int_eq(claims.generation, 1);
	free(token);
	char exp_num[32], exp_str[34];
	snprintf(exp_num, sizeof(exp_num), "%ld", exp);
	snprintf(exp_str, sizeof(exp_str), "\"%ld\"", exp);
	static const struct {
		const char *typ, *gen; /* gen: the ",\"gen\":..." member, or "" */
		bool exp_as_string;
	} bad[] = {
		{"access", ",\"gen\":\"1\"", false}, /* a string */
		{"access", ",\"gen\":1.5", false},
		{"access", ",\"gen\":1", true},
		{"access", ",\"gen\":-1", false},
		{"access", "", false},
		{"refresh", ",\"gen\":1", false},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(payload, sizeof(payload),
			 "{\"iss\":\"schoolhub\",\"typ\":\"%s\",\"sub\":\"%s\"%s,\"exp\":%s}",
			 bad[i].typ, sub, bad[i].gen, bad[i].exp_as_string ? exp_str : exp_num);
		token = sign_payload(&app, payload);
		ck_assert_msg(sh_access_token_verify(&app, token, &claims) == -1, "accepted %s", payload);
		free(token);
	}
	sh_free(&app.cfg.secret_key);
}
END_TEST

START_TEST(router_matches_params_and_methods)
{
	struct sh_router *router = sh_router_create(sh_modules_all());
	struct sh_arena *arena = sh_arena_create();
	struct sh_request req;
	memset(&req, 0, sizeof(req));
	req.arena = arena;
	const struct sh_route *route = NULL;
	const char *allow = NULL;
	ck_assert_int_eq(sh_router_match(router, &req, "GET",
					 "/api/v1/children/abc/guardians/def", &route, &allow),
			 SH_MATCH_BAD_METHOD);
	ck_assert_str_eq(allow, "DELETE");
	ck_assert_int_eq(sh_router_match(router, &req, "DELETE",
					 "/api/v1/children/abc/guardians/def", &route, &allow),
			 SH_MATCH_FOUND);
	ck_assert_str_eq(route->pattern, "/api/v1/children/{id}/guardians/{user_id}");
	ck_assert_str_eq(sh_req_param(&req, "id"), "abc");
	ck_assert_str_eq(sh_req_param(&req, "user_id"), "def");
	ck_assert_ptr_null(sh_req_param(&req, "nope"));
	ck_assert_int_eq(sh_router_match(router, &req, "GET", "/api/v1/users/me", &route, &allow),
			 SH_MATCH_FOUND);
	ck_assert_str_eq(route->pattern, "/api/v1/users/me");
	ck_assert_int_eq(sh_router_match(router, &req, "HEAD", "/health", &route, &allow),
			 SH_MATCH_FOUND);
	ck_assert_int_eq(sh_router_match(router, &req, "GET", "/api/v1/users/me/", &route, &allow),
			 SH_MATCH_NOT_FOUND);
	ck_assert_int_eq(sh_router_match(router, &req, "GET", "/api//v1/users", &route, &allow),
			 SH_MATCH_NOT_FOUND);
	ck_assert_int_eq(sh_router_match(router, &req, "GET", "/api/v1/children//", &route, &allow),
			 SH_MATCH_NOT_FOUND);
	ck_assert_int_eq(sh_router_match(router, &req, "GET", "", &route, &allow), SH_MATCH_NOT_FOUND);
	/* A parameter with a literal suffix is tried before the bare one of another module
	 * (events' "/events/{id}"), and its value is the segment without the suffix. */
	ck_assert_int_eq(sh_router_match(router, &req, "GET", "/api/v1/events/abc.ics", &route, &allow),
			 SH_MATCH_FOUND);
	ck_assert_str_eq(route->pattern, "/api/v1/events/{id}.ics");
	ck_assert_str_eq(sh_req_param(&req, "id"), "abc");
	ck_assert_int_eq(sh_router_match(router, &req, "GET", "/api/v1/events/abc", &route, &allow),
			 SH_MATCH_FOUND);
	ck_assert_str_eq(route->pattern, "/api/v1/events/{id}");
	ck_assert_str_eq(sh_req_param(&req, "id"), "abc");
	ck_assert_int_eq(sh_router_match(router, &req, "GET", "/api/v1/events/.ics", &route, &allow),
			 SH_MATCH_FOUND); /* not the suffixed route: nothing before the suffix */
	ck_assert_str_eq(route->pattern, "/api/v1/events/{id}");
	ck_assert_int_eq(sh_router_match(router, &req, "GET", "/ical/tok.txt", &route, &allow),
			 SH_MATCH_NOT_FOUND);
	sh_router_destroy(&router);
	/* A disabled module's routes are simply absent. */
	router = sh_router_create(SH_MODULE_AUTH);
	ck_assert_int_eq(sh_router_match(router, &req, "GET", "/api/v1/children", &route, &allow),
			 SH_MATCH_NOT_FOUND);
	ck_assert_int_eq(sh_router_match(router, &req, "GET", "/health", &route, &allow),
			 SH_MATCH_FOUND);
	sh_router_destroy(&router);
	sh_arena_destroy(&arena);
}
END_TEST

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60); /* sanitizer and valgrind runs are many times slower */
	tcase_add_test(tc, arena_allocates_aligned_zeroed_and_big);
	tcase_add_test(tc, arena_runs_deferred_cleanups);
	tcase_add_test(tc, uuid_and_time);
	tcase_add_test(tc, dates_are_strict);
	tcase_add_test(tc, utf8_text);
	tcase_add_test(tc, accept_language);
	tcase_add_test(tc, config_defaults_and_errors);
	tcase_add_test(tc, config_pg_timeouts);
	tcase_add_test(tc, password_slot_wait_is_capped);
	tcase_add_test(tc, access_tokens);
	tcase_add_test(tc, access_token_claims_are_typed);
	tcase_add_test(tc, router_matches_params_and_methods);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
