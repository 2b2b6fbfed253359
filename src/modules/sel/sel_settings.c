/* The SEL module's settings: declared once (help, default, range), parsed, published. */
#include "modules/sel/sel_settings.h"

#include <stdio.h>

#include "schoolhub/mem.h"

enum { SEL_INITIAL, SEL_MIN, SEL_MAX };

const struct sh_module_setting sh_sel_setting_table[SH_SEL_SETTING_COUNT] = {
	[SEL_INITIAL] = {"SEL_INITIAL_BALANCE", 120, 0, 100000,
			 "units every member starts with (60 = 1 hour)"},
	[SEL_MIN] = {"SEL_MIN_BALANCE", -300, -100000, 0, "lowest balance allowed"},
	[SEL_MAX] = {"SEL_MAX_BALANCE", 600, 0, 100000, "highest balance allowed"},
};

static const struct sh_sel_limits sel_defaults = {120, -300, 600};

int sh_sel_settings_load(void **settings_r, char **error_r)
{
	long v[3];
	for (size_t i = 0; i < SH_SEL_SETTING_COUNT; i++)
		if (sh_module_setting_read(&sh_sel_setting_table[i], &v[i], error_r) != 0)
			return -1;
	if (v[SEL_INITIAL] > v[SEL_MAX]) {
		char buf[160];
		snprintf(buf, sizeof(buf), "SEL_INITIAL_BALANCE (%ld) must not exceed SEL_MAX_BALANCE (%ld)",
			 v[SEL_INITIAL], v[SEL_MAX]);
		*error_r = sh_strdup(buf);
		return -1;
	}
	struct sh_sel_limits *limits = sh_malloc(sizeof(*limits));
	*limits = (struct sh_sel_limits){v[SEL_INITIAL], v[SEL_MIN], v[SEL_MAX]};
	*settings_r = limits;
	return 0;
}

const struct sh_sel_limits *sh_sel_settings(const struct sh_config *cfg)
{
	const struct sh_sel_limits *limits = sh_module_settings(cfg, SH_MODULE_SEL);
	return limits != NULL ? limits : &sel_defaults;
}

/* What the web app draws the balance gauge with and tells a new member. */
void sh_sel_public_config(const struct sh_config *cfg, json_t *out)
{
	const struct sh_sel_limits *l = sh_sel_settings(cfg);
	json_object_set_new(out, "sel",
			    json_pack("{s:I, s:I, s:I}", "initial_balance", (json_int_t)l->initial,
				      "min_balance", (json_int_t)l->min, "max_balance",
				      (json_int_t)l->max));
}
