/*
 * The auth module's own settings: the per-address limit on the unauthenticated auth
 * routes (SCHOOLHUB_AUTH_IP_LIMIT) and the account-wide cap on failed password checks
 * (SCHOOLHUB_AUTH_ACCOUNT_LIMIT), read by the settings_load hook when the module is
 * enabled, and the fixed password-guessing limits and refresh-token lifetime kept beside
 * them so the module's numbers live in one place.
 */
#ifndef SCHOOLHUB_AUTH_SETTINGS_H
#define SCHOOLHUB_AUTH_SETTINGS_H

#include "schoolhub/config.h"
#include "schoolhub/modules.h"

struct sh_auth_settings {
	unsigned ip_limit;                   /* SCHOOLHUB_AUTH_IP_LIMIT, default 100, 0 = off */
	unsigned login_max_failures;         /* per (account, address) per window: 10 */
	unsigned login_account_max_failures; /* SCHOOLHUB_AUTH_ACCOUNT_LIMIT, default 100, >= 10 */
	unsigned login_window_s;             /* 15 minutes */
	unsigned refresh_token_ttl_s;        /* 30 days */
};

/* The settings "cfg" loaded, or the defaults when the auth module is disabled. */
const struct sh_auth_settings *sh_auth_settings(const struct sh_config *cfg);

/* The hooks sh_module_auth points to (auth_settings.c). */
#define SH_AUTH_SETTING_COUNT 2
extern const struct sh_module_setting sh_auth_setting_table[SH_AUTH_SETTING_COUNT];
int sh_auth_settings_load(void **settings_r, char **error_r);

#endif
