/*
 * Operations: the server started on a database it cannot reach keeps answering. /health
 * stays 200, /ready and every route that needs the database answer 503 with Retry-After,
 * and the server recovers by itself once the database is back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "schoolhub/log.h"

#define OPS_SECRET "ops-suite-secret-key-for-schoolhub-0123456789"

/* Nothing listens on port 1: libpq's connection is refused at once. */
#define PG_DOWN_URL "postgresql://postgres@127.0.0.1:1/nothing?connect_timeout=2"

static struct th_server down;
static struct th_server *previous;
static char sqlite_dir[64]; /* the SQLite test's mkdtemp() directory, "" when unused */

/*
 * Starts a server on "database_url" without migrating (so without touching the database)
 * and makes it the target of th_request.
 */
static void down_start(const char *database_url)
{
	ck_assert_int_eq(sh_global_init(), 0);
	memset(&down, 0, sizeof(down));
	snprintf(down.data_dir, sizeof(down.data_dir), "/tmp/sh-ops-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(down.data_dir));
	down.database_url = database_url;

	static const char *const cleared[] = {"SCHOOLHUB_REGISTRATION", "SCHOOLHUB_MODULES",
					      "SCHOOLHUB_CORS_ORIGINS", "SCHOOLHUB_ENV",
					      "SCHOOLHUB_MAX_BODY_BYTES", "SCHOOLHUB_HOST",
					      "SCHOOLHUB_METRICS_TOKEN", NULL};
	for (const char *const *c = cleared; *c; c++)
		unsetenv(*c);
	setenv("DATABASE_URL", database_url, 1);
	setenv("SCHOOLHUB_PORT", "0", 1);
	setenv("SCHOOLHUB_SECRET_KEY", OPS_SECRET, 1);
	setenv("SCHOOLHUB_DATA_DIR", down.data_dir, 1);
	setenv("SCHOOLHUB_THREADS", "2", 1);
	/* Every failed connection attempt is logged as a warning: expected here. */
	if (getenv("SCHOOLHUB_TEST_LOG") == NULL)
		setenv("SCHOOLHUB_LOG_LEVEL", "error", 1);

	struct sh_config cfg;
	char *error = NULL;
	ck_assert_msg(sh_config_load(&cfg, true, &error) == 0, "config: %s", error);
	sh_log_set_level(cfg.log_level);
	ck_assert_msg(sh_app_create(&cfg, false /* no migrate */, &down.app, &error) == 0,
		      "app: %s", error);
	ck_assert_msg(sh_server_start(down.app, &down.server, &error) == 0, "server: %s", error);
	snprintf(down.base_url, sizeof(down.base_url), "http://127.0.0.1:%u",
		 sh_server_port(down.server));
	previous = th_current;
	th_current = &down;
}

static void rm_sqlite_dir(void)
{
	if (sqlite_dir[0] == '\0')
		return;
	static const char *const files[] = {"/gone/schoolhub.db", "/gone/schoolhub.db-wal",
					    "/gone/schoolhub.db-shm", NULL};
	char path[128];
	for (const char *const *f = files; *f; f++) {
		snprintf(path, sizeof(path), "%s%s", sqlite_dir, *f);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/gone", sqlite_dir);
	rmdir(path);
	rmdir(sqlite_dir);
	sqlite_dir[0] = '\0';
}

/* Checked teardown: runs after a failed assertion too. */
static void down_teardown(void)
{
	if (down.server != NULL || down.app != NULL) {
		sh_server_stop(&down.server);
		sh_app_destroy(&down.app);
		rmdir(down.data_dir);
		if (th_current == &down)
			th_current = previous;
	}
	memset(&down, 0, sizeof(down));
	rm_sqlite_dir();
}

static void assert_unavailable(const char *database)
{
	struct th_resp *r = th_request("GET", "/ready", NULL, NULL, NULL, NULL);
	ck_assert_msg(r->status == 503, "/ready: expected 503, got %ld: %s", r->status, r->body);
	ck_assert_ptr_nonnull(r->json);
	ck_assert_int_eq(json_object_size(r->json), 2);
	ck_assert_str_eq(th_str(r, "status"), "unavailable");
	ck_assert_str_eq(th_str(r, "database"), database);
	ck_assert_ptr_nonnull(th_header(r, "Retry-After"));
	ck_assert_int_ge(atoi(th_header(r, "Retry-After")), 1);
	ck_assert_ptr_nonnull(strstr(th_header(r, "Content-Type"), "application/json"));
	th_resp_free(&r);

	/* Liveness does not depend on the database. */
	r = th_request("GET", "/health", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "status"), "ok");
	th_resp_free(&r);

	/* An authenticated route, whatever the bearer: the database comes first. */
	r = th_request("GET", "/api/v1/users/me", "any-bearer-token", NULL, NULL, NULL);
	ck_assert_problem(r, 503, "service_unavailable");
	ck_assert_ptr_nonnull(th_header(r, "Retry-After"));
	th_resp_free(&r);

	/* A public route that needs the database. */
	r = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email", "a@example.be",
		    "password", "correct horse battery");
	ck_assert_problem(r, 503, "service_unavailable");
	ck_assert_ptr_nonnull(th_header(r, "Retry-After"));
	th_resp_free(&r);

	/* The failed connection attempts are counted. */
	r = th_request("GET", "/metrics", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	char zero[96];
	snprintf(zero, sizeof(zero), "schoolhub_db_errors_total{database=\"%s\"} 0\n", database);
	ck_assert_ptr_nonnull(strstr(r->body, "schoolhub_db_errors_total{"));
	ck_assert_msg(strstr(r->body, zero) == NULL, "no database error counted:\n%s", r->body);
	th_resp_free(&r);
}

START_TEST(ready_503_when_postgresql_is_unreachable)
{
	down_start(PG_DOWN_URL);
	assert_unavailable("postgresql");
	/* Still down on a second round (reconnection attempts fail the same way). */
	struct th_resp *r = th_request("GET", "/ready", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 503);
	th_resp_free(&r);
}
END_TEST

/*
 * SQLite: the file's directory disappears after start, before any connection is opened,
 * so the worker threads cannot open the database; once it is back they recover.
 */
START_TEST(ready_503_when_sqlite_cannot_open_then_recovers)
{
	snprintf(sqlite_dir, sizeof(sqlite_dir), "/tmp/sh-ops-db-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sqlite_dir));
	char url[160], gone[96];
	snprintf(url, sizeof(url), "sqlite:///%s/gone/schoolhub.db", sqlite_dir);
	snprintf(gone, sizeof(gone), "%s/gone", sqlite_dir);
	down_start(url); /* creates "gone" and an empty database file (mode 0600) in it */
	char file[128];
	snprintf(file, sizeof(file), "%s/schoolhub.db", gone);
	struct stat st;
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(stat(gone, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	ck_assert_int_eq(unlink(file), 0);
	ck_assert_int_eq(rmdir(gone), 0);

	assert_unavailable("sqlite");

	ck_assert_int_eq(mkdir(gone, 0700), 0);
	struct th_resp *r = th_request("GET", "/ready", NULL, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "/ready after recovery: %ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "status"), "ready");
	ck_assert_str_eq(th_str(r, "database"), "sqlite");
	th_resp_free(&r);
}
END_TEST

/* Also declared in api.h once registered in main.c; repeated here so this file builds alone. */
Suite *api_ops_suite(void);

Suite *api_ops_suite(void)
{
	Suite *s = suite_create("ops");
	TCase *tc = tcase_create("database down");
	tcase_add_checked_fixture(tc, NULL, down_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ready_503_when_postgresql_is_unreachable);
	if (strcmp(api_backend, "sqlite") == 0)
		tcase_add_test(tc, ready_503_when_sqlite_cannot_open_then_recovers);
	suite_add_tcase(s, tc);
	return s;
}
