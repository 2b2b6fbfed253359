/*
 * The SEL module's own settings: the time bank's limits, in units (60 units = 1 hour).
 * SEL_INITIAL_BALANCE, SEL_MIN_BALANCE and SEL_MAX_BALANCE are read by the module's
 * settings_load hook (only when the module is enabled) into a struct sh_sel_limits.
 */
#ifndef SCHOOLHUB_SEL_SETTINGS_H
#define SCHOOLHUB_SEL_SETTINGS_H

#include "modules/sel/ledger_queries.h"
#include "schoolhub/config.h"
#include "schoolhub/modules.h"

/* The limits "cfg" loaded, or the defaults when the SEL module is disabled. */
const struct sh_sel_limits *sh_sel_settings(const struct sh_config *cfg);

/* The hooks sh_module_sel points to (sel_settings.c). */
#define SH_SEL_SETTING_COUNT 3
extern const struct sh_module_setting sh_sel_setting_table[SH_SEL_SETTING_COUNT];
int sh_sel_settings_load(void **settings_r, char **error_r);
void sh_sel_public_config(const struct sh_config *cfg, json_t *out);

#endif
