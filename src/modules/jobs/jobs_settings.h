/* The jobs module's settings (SCHOOLHUB_JOBS_*, docs/CONFIG.md). */
#ifndef SCHOOLHUB_JOBS_SETTINGS_H
#define SCHOOLHUB_JOBS_SETTINGS_H

#include "schoolhub/config.h"
#include "schoolhub/jobs.h"
#include "schoolhub/modules.h"

struct sh_jobs_settings {
	unsigned workers; /* SCHOOLHUB_JOBS_WORKERS: threads in a serving process */
	struct sh_jobs_policy policy;
};

/* The settings "cfg" loaded, or the defaults when the module is disabled (the CLI's
 * `jobs run` still needs a policy). */
const struct sh_jobs_settings *sh_jobs_settings(const struct sh_config *cfg);

#define SH_JOBS_SETTING_COUNT 5
extern const struct sh_module_setting sh_jobs_setting_table[SH_JOBS_SETTING_COUNT];
int sh_jobs_settings_load(void **settings_r, char **error_r);

#endif
