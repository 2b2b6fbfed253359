/* The auth module's settings: declared once (help, default, range), parsed into its struct. */
#include "modules/auth/auth_settings.h"

#include "schoolhub/mem.h"

const struct sh_module_setting sh_auth_setting_table[SH_AUTH_SETTING_COUNT] = {
	{"SCHOOLHUB_AUTH_IP_LIMIT", 100, 0, 1000000,
	 "login/register/refresh requests per address per 15 minutes, 0 = off"},
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
	long ip_limit;
	if (sh_module_setting_read(&sh_auth_setting_table[0], &ip_limit, error_r) != 0)
		return -1;
	struct sh_auth_settings *s = sh_malloc(sizeof(*s));
	*s = auth_defaults;
	s->ip_limit = (unsigned)ip_limit;
	*settings_r = s;
	return 0;
}

const struct sh_auth_settings *sh_auth_settings(const struct sh_config *cfg)
{
	const struct sh_auth_settings *s = sh_module_settings(cfg, SH_MODULE_AUTH);
	return s != NULL ? s : &auth_defaults;
}
