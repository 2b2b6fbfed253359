/*
 * Module settings and lifetime hooks: each module parses its own settings (defaults, range
 * errors, nothing read for a disabled module), --help lists them, and the init/stop hooks
 * run for enabled modules only, init in module order and stop in reverse.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/auth/auth_settings.h"
#include "modules/sel/sel_settings.h"
#include "schoolhub/config.h"
#include "schoolhub/mem.h"
#include "schoolhub/modules.h"

static void base_env(void)
{
	static const char *const names[] = {"SCHOOLHUB_MODULES", "SCHOOLHUB_AUTH_IP_LIMIT",
					    "SCHOOLHUB_AUTH_ACCOUNT_LIMIT", "SEL_INITIAL_BALANCE",
					    "SEL_MIN_BALANCE", "SEL_MAX_BALANCE", NULL};
	for (const char *const *n = names; *n; n++)
		unsetenv(*n);
	setenv("SCHOOLHUB_ENV", "development", 1);
	setenv("SCHOOLHUB_SECRET_KEY", "0123456789abcdef0123456789abcdef", 1);
}

static void expect_error(const char *needle)
{
	struct sh_config cfg;
	char *error = NULL;
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), -1);
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(strstr(error, needle) != NULL, "error \"%s\" lacks \"%s\"", error, needle);
	free(error);
}

START_TEST(sel_settings_defaults_and_values)
{
	base_env();
	struct sh_config cfg;
	char *error = NULL;
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), 0);
	ck_assert_ptr_nonnull(sh_module_settings(&cfg, SH_MODULE_SEL));
	const struct sh_sel_limits *l = sh_sel_settings(&cfg);
	ck_assert_int_eq(l->initial, 120);
	ck_assert_int_eq(l->min, -300);
	ck_assert_int_eq(l->max, 600);
	/* Modules without settings hold none. */
	ck_assert_ptr_null(sh_module_settings(&cfg, SH_MODULE_CHILDREN));
	sh_config_free(&cfg);
	ck_assert_ptr_null(cfg.module_settings[3]);

	setenv("SEL_INITIAL_BALANCE", "0", 1);
	setenv("SEL_MIN_BALANCE", "-100000", 1);
	setenv("SEL_MAX_BALANCE", "100000", 1);
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), 0);
	l = sh_sel_settings(&cfg);
	ck_assert_int_eq(l->initial, 0);
	ck_assert_int_eq(l->min, -100000);
	ck_assert_int_eq(l->max, 100000);
	sh_config_free(&cfg);
}
END_TEST

START_TEST(sel_settings_range_errors)
{
	base_env();
	setenv("SEL_MIN_BALANCE", "1", 1);
	expect_error("SEL_MIN_BALANCE: expected a whole number between -100000 and 0, got \"1\"");
	setenv("SEL_MIN_BALANCE", "-300x", 1);
	expect_error("SEL_MIN_BALANCE: expected a whole number");
	unsetenv("SEL_MIN_BALANCE");
	setenv("SEL_MAX_BALANCE", "100001", 1);
	expect_error("SEL_MAX_BALANCE: expected a whole number between 0 and 100000");
	setenv("SEL_MAX_BALANCE", "99999999999999999999999", 1);
	expect_error("SEL_MAX_BALANCE: expected a whole number");
	setenv("SEL_MAX_BALANCE", "100", 1);
	expect_error("SEL_INITIAL_BALANCE (120) must not exceed SEL_MAX_BALANCE (100)");
	unsetenv("SEL_MAX_BALANCE");
	setenv("SEL_INITIAL_BALANCE", "-1", 1);
	expect_error("SEL_INITIAL_BALANCE: expected a whole number between 0 and 100000");
}
END_TEST

/* A disabled module's settings are not read: a typo there does not stop the server. */
START_TEST(disabled_module_settings_are_ignored)
{
	base_env();
	setenv("SCHOOLHUB_MODULES", "auth,users,children", 1);
	setenv("SEL_MIN_BALANCE", "not-a-number", 1);
	setenv("SEL_MAX_BALANCE", "-5", 1);
	struct sh_config cfg;
	char *error = NULL;
	ck_assert_msg(sh_config_load(&cfg, true, &error) == 0, "%s", error);
	ck_assert_ptr_null(sh_module_settings(&cfg, SH_MODULE_SEL));
	/* Code that still needs the numbers (the seeders) gets the defaults. */
	ck_assert_int_eq(sh_sel_settings(&cfg)->min, -300);
	sh_config_free(&cfg);
	/* Enabled again, the same value is refused. */
	setenv("SCHOOLHUB_MODULES", "auth,users,children,sel", 1);
	expect_error("SEL_MIN_BALANCE");
	unsetenv("SCHOOLHUB_MODULES");
}
END_TEST

START_TEST(help_lists_every_module_setting)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(out);
	sh_modules_print_help(out);
	ck_assert_int_eq(fclose(out), 0);
	for (size_t i = 0; i < sh_module_count; i++)
		for (size_t k = 0; k < sh_modules[i]->setting_count; k++)
			ck_assert_ptr_nonnull(strstr(text, sh_modules[i]->settings[k].env));
	ck_assert_ptr_nonnull(strstr(text, "SEL_MIN_BALANCE           sel: lowest balance allowed "
					   "(default -300)\n"));
	ck_assert_ptr_nonnull(strstr(text, "SCHOOLHUB_AUTH_IP_LIMIT   auth: "));
	ck_assert_ptr_nonnull(strstr(text, "SCHOOLHUB_AUTH_ACCOUNT_LIMIT auth: failed password "
					   "checks per account per 15 minutes, every address "
					   "(default 100)\n"));
	ck_assert_ptr_nonnull(strstr(sh_config_help(), "SCHOOLHUB_MODULES"));
	free(text);
}
END_TEST

START_TEST(auth_settings_defaults_errors_and_disabled)
{
	base_env();
	struct sh_config cfg;
	char *error = NULL;
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), 0);
	const struct sh_auth_settings *a = sh_auth_settings(&cfg);
	ck_assert_ptr_nonnull(sh_module_settings(&cfg, SH_MODULE_AUTH));
	ck_assert_uint_eq(a->ip_limit, 100);
	ck_assert_uint_eq(a->login_max_failures, 10);
	ck_assert_uint_eq(a->login_account_max_failures, 100);
	ck_assert_uint_eq(a->login_window_s, 15 * 60);
	ck_assert_uint_eq(a->refresh_token_ttl_s, 30 * 24 * 3600);
	sh_config_free(&cfg);

	setenv("SCHOOLHUB_AUTH_IP_LIMIT", "0", 1);
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), 0);
	ck_assert_uint_eq(sh_auth_settings(&cfg)->ip_limit, 0);
	sh_config_free(&cfg);
	setenv("SCHOOLHUB_AUTH_IP_LIMIT", "1000001", 1);
	expect_error("SCHOOLHUB_AUTH_IP_LIMIT: expected a whole number between 0 and 1000000, "
		     "got \"1000001\"");
	setenv("SCHOOLHUB_AUTH_IP_LIMIT", "-1", 1);
	expect_error("SCHOOLHUB_AUTH_IP_LIMIT: expected a whole number");

	/* Without the auth module, its limit is not read. */
	setenv("SCHOOLHUB_MODULES", "users,children,sel", 1);
	ck_assert_msg(sh_config_load(&cfg, true, &error) == 0, "%s", error);
	ck_assert_ptr_null(sh_module_settings(&cfg, SH_MODULE_AUTH));
	ck_assert_uint_eq(sh_auth_settings(&cfg)->ip_limit, 100);
	sh_config_free(&cfg);
	unsetenv("SCHOOLHUB_MODULES");
	unsetenv("SCHOOLHUB_AUTH_IP_LIMIT");
}
END_TEST

/* The account-wide cap on failed password checks: 100 unless set, never below the
 * per-(account, address) limit of 10, not read without the auth module. */
START_TEST(auth_account_limit_setting)
{
	base_env();
	struct sh_config cfg;
	char *error = NULL;
	ck_assert_int_eq(sh_config_load(&cfg, true, &error), 0);
	ck_assert_uint_eq(sh_auth_settings(&cfg)->login_account_max_failures, 100);
	sh_config_free(&cfg);

	setenv("SCHOOLHUB_AUTH_ACCOUNT_LIMIT", "10", 1);
	ck_assert_msg(sh_config_load(&cfg, true, &error) == 0, "%s", error);
	ck_assert_uint_eq(sh_auth_settings(&cfg)->login_account_max_failures, 10);
	ck_assert_uint_eq(sh_auth_settings(&cfg)->login_max_failures, 10);
	sh_config_free(&cfg);
	setenv("SCHOOLHUB_AUTH_ACCOUNT_LIMIT", "1000000", 1);
	ck_assert_msg(sh_config_load(&cfg, true, &error) == 0, "%s", error);
	ck_assert_uint_eq(sh_auth_settings(&cfg)->login_account_max_failures, 1000000);
	sh_config_free(&cfg);

	setenv("SCHOOLHUB_AUTH_ACCOUNT_LIMIT", "9", 1);
	expect_error("SCHOOLHUB_AUTH_ACCOUNT_LIMIT: expected a whole number between 10 and "
		     "1000000, got \"9\"");
	setenv("SCHOOLHUB_AUTH_ACCOUNT_LIMIT", "1000001", 1);
	expect_error("SCHOOLHUB_AUTH_ACCOUNT_LIMIT: expected a whole number");
	setenv("SCHOOLHUB_AUTH_ACCOUNT_LIMIT", "lots", 1);
	expect_error("SCHOOLHUB_AUTH_ACCOUNT_LIMIT: expected a whole number");

	setenv("SCHOOLHUB_MODULES", "users,children,sel", 1);
	ck_assert_msg(sh_config_load(&cfg, true, &error) == 0, "%s", error);
	ck_assert_uint_eq(sh_auth_settings(&cfg)->login_account_max_failures, 100);
	sh_config_free(&cfg);
	unsetenv("SCHOOLHUB_MODULES");
	unsetenv("SCHOOLHUB_AUTH_ACCOUNT_LIMIT");
}
END_TEST

/* Hook order, on modules built for the test: what each hook did, in order. */
static char trace[128];
static const char *failing; /* the module whose init fails, or NULL */

static int hook_init(const char *name, char **error_r)
{
	snprintf(trace + strlen(trace), sizeof(trace) - strlen(trace), "+%s", name);
	if (failing != NULL && strcmp(failing, name) == 0) {
		*error_r = sh_strdup("no spool directory");
		return -1;
	}
	return 0;
}

static void hook_stop(const char *name)
{
	snprintf(trace + strlen(trace), sizeof(trace) - strlen(trace), "-%s", name);
}

static int init_a(struct sh_app *app, char **error_r) { (void)app; return hook_init("a", error_r); }
static int init_b(struct sh_app *app, char **error_r) { (void)app; return hook_init("b", error_r); }
static int init_c(struct sh_app *app, char **error_r) { (void)app; return hook_init("c", error_r); }
static void stop_a(struct sh_app *app) { (void)app; hook_stop("a"); }
static void stop_b(struct sh_app *app) { (void)app; hook_stop("b"); }
static void stop_c(struct sh_app *app) { (void)app; hook_stop("c"); }

static const struct sh_module mod_a = {.name = "a", .id = 1u << 0, .init = init_a, .stop = stop_a};
static const struct sh_module mod_b = {.name = "b", .id = 1u << 1, .init = init_b, .stop = stop_b};
static const struct sh_module mod_hookless = {.name = "h", .id = 1u << 2};
static const struct sh_module mod_c = {.name = "c", .id = 1u << 3, .init = init_c, .stop = stop_c};
static const struct sh_module *const mods[] = {&mod_a, &mod_b, &mod_hookless, &mod_c};
#define ALL 0xfu

START_TEST(hooks_run_in_order_and_stop_in_reverse)
{
	char *error = NULL;
	trace[0] = '\0';
	failing = NULL;
	ck_assert_int_eq(sh_modules_init(NULL, mods, 4, ALL, &error), 0);
	sh_modules_stop(NULL, mods, 4, ALL);
	ck_assert_str_eq(trace, "+a+b+c-c-b-a");

	/* Disabled modules' hooks never run. */
	trace[0] = '\0';
	ck_assert_int_eq(sh_modules_init(NULL, mods, 4, ALL & ~(1u << 1), &error), 0);
	sh_modules_stop(NULL, mods, 4, ALL & ~(1u << 1));
	ck_assert_str_eq(trace, "+a+c-c-a");
}
END_TEST

START_TEST(failing_init_stops_start_up)
{
	char *error = NULL;
	trace[0] = '\0';
	failing = "c";
	ck_assert_int_eq(sh_modules_init(NULL, mods, 4, ALL, &error), -1);
	/* The modules already started are stopped, last first; the failed one is not. */
	ck_assert_str_eq(trace, "+a+b+c-b-a");
	ck_assert_str_eq(error, "module c: no spool directory");
	free(error);

	trace[0] = '\0';
	failing = "a";
	error = NULL;
	ck_assert_int_eq(sh_modules_init(NULL, mods, 4, ALL, &error), -1);
	ck_assert_str_eq(trace, "+a");
	ck_assert_str_eq(error, "module a: no spool directory");
	free(error);
	failing = NULL;
}
END_TEST

/* SH_MODULE_COUNT follows the enum: one bit per built-in module, each with its slot. */
START_TEST(module_count_matches_the_modules)
{
	ck_assert_uint_eq(SH_MODULE_COUNT, sh_module_count);
	ck_assert_uint_eq(sh_modules_all(), (1u << SH_MODULE_COUNT) - 1u);
	ck_assert_uint_eq(SH_MODULE_SLOTS, SH_MODULE_COUNT);
	struct sh_config cfg;
	ck_assert_uint_eq(sizeof(cfg.module_settings) / sizeof(cfg.module_settings[0]),
			  SH_MODULE_COUNT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("modules");
	TCase *tc = tcase_create("modules");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, sel_settings_defaults_and_values);
	tcase_add_test(tc, sel_settings_range_errors);
	tcase_add_test(tc, disabled_module_settings_are_ignored);
	tcase_add_test(tc, auth_settings_defaults_errors_and_disabled);
	tcase_add_test(tc, auth_account_limit_setting);
	tcase_add_test(tc, help_lists_every_module_setting);
	tcase_add_test(tc, hooks_run_in_order_and_stop_in_reverse);
	tcase_add_test(tc, failing_init_stops_start_up);
	tcase_add_test(tc, module_count_matches_the_modules);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
