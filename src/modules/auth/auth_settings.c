/* The auth module's settings: declared once (help, default, range), parsed into its struct. */
#include "modules/auth/auth_settings.h"

#include "schoolhub/mem.h"

enum { AUTH_IP_LIMIT, AUTH_ACCOUNT_LIMIT };

/* The account-wide cap is never below the per-(account, address) one (10): below it, one
 * stranger's address would lock the owner out from everywhere again. */
const struct sh_module_setting sh_auth_setting_table[SH_AUTH_SETTING_COUNT] = {
	[AUTH_IP_LIMIT] = {"SCHOOLHUB_AUTH_IP_LIMIT", 100, 0, 1000000,
			   "unauthenticated auth requests per address per 15 minutes, 0 = off"},
	[AUTH_ACCOUNT_LIMIT] = {"SCHOOLHUB_AUTH_ACCOUNT_LIMIT", 100, 10, 1000000,
				"failed password checks per account per 15 minutes, every address"},
};

/* Ten addresses' worth of guesses over every address bound a distributed attack. */
static const struct sh_auth_settings auth_defaults = {
	.ip_limit = 100,
	.login_max_failures = 10,
	.login_account_max_failures = 10 * 10,
	.login_window_s = 15 * 60,
	.refresh_token_ttl_s = 30 * 24 * 3600,
};

int sh_auth_settings_load(void **settings_r, char **error_r)
{
	long v[SH_AUTH_SETTING_COUNT];
	for (size_t i = 0; i < SH_AUTH_SETTING_COUNT; i++)
		if (sh_module_setting_read(&sh_auth_setting_table[i], &v[i], error_r) != 0)
			return -1;
	struct sh_auth_settings *s = sh_malloc(sizeof(*s));
	*s = auth_defaults;
	s->ip_limit = (unsigned)v[AUTH_IP_LIMIT];
	s->login_account_max_failures = (unsigned)v[AUTH_ACCOUNT_LIMIT];
	*settings_r = s;
	return 0;
}

const struct sh_auth_settings *sh_auth_settings(const struct sh_config *cfg)
{
	const struct sh_auth_settings *s = sh_module_settings(cfg, SH_MODULE_AUTH);
	return s != NULL ? s : &auth_defaults;
}
