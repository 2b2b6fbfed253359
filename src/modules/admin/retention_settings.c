/* The admin module's settings: how long the school keeps what the retention purge erases. */
#include "modules/admin/retention.h"

#include "schoolhub/mem.h"

/* At least a day (0 would erase a member the moment an admin deactivates them), at most a
 * century; start-up refuses anything else with the variable's name. */
const struct sh_module_setting sh_retention_setting_table[1] = {
	{"SCHOOLHUB_RETENTION_DAYS", 365, 1, 36500,
	 "days a deactivated account or a child who left is kept before the purge erases it"},
};

static const struct sh_retention_settings retention_defaults = {.days = 365};

int sh_retention_settings_load(void **settings_r, char **error_r)
{
	long days;
	if (sh_module_setting_read(&sh_retention_setting_table[0], &days, error_r) != 0)
		return -1;
	struct sh_retention_settings *s = sh_malloc(sizeof(*s));
	s->days = days;
	*settings_r = s;
	return 0;
}

const struct sh_retention_settings *sh_retention_settings(const struct sh_config *cfg)
{
	const struct sh_retention_settings *s = sh_module_settings(cfg, SH_MODULE_ADMIN);
	return s != NULL ? s : &retention_defaults;
}
