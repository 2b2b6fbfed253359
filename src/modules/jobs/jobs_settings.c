/* The jobs module's settings: declared once (help, default, range), parsed into its struct. */
#include "modules/jobs/jobs_settings.h"

#include "schoolhub/mem.h"

const struct sh_module_setting sh_jobs_setting_table[SH_JOBS_SETTING_COUNT] = {
	{"SCHOOLHUB_JOBS_WORKERS", 1, 0, 16,
	 "job worker threads in serve; 0 = none (run `schoolhub jobs run` from cron)"},
	{"SCHOOLHUB_JOBS_MAX_ATTEMPTS", 8, 1, 100, "attempts before a failing job is dead"},
	{"SCHOOLHUB_JOBS_BACKOFF_S", 30, 1, 86400,
	 "seconds before the first retry of a failed job; doubles each time, at most 6 h"},
	{"SCHOOLHUB_JOBS_LEASE_S", 300, 1, 86400,
	 "seconds a claimed job is exclusive; a job whose instance died runs again after it"},
	{"SCHOOLHUB_JOBS_POLL_MS", 1000, 10, 60000, "how often an idle worker looks for due jobs"},
};

/* Eight attempts with a 30 s start span about two hours (30 s ... 64 min). */
static const struct sh_jobs_settings jobs_defaults = {
	.workers = 1,
	.policy = {.max_attempts = 8, .backoff_s = 30, .lease_s = 300, .poll_ms = 1000},
};

int sh_jobs_settings_load(void **settings_r, char **error_r)
{
	long v[SH_JOBS_SETTING_COUNT];
	for (size_t i = 0; i < SH_JOBS_SETTING_COUNT; i++)
		if (sh_module_setting_read(&sh_jobs_setting_table[i], &v[i], error_r) != 0)
			return -1;
	struct sh_jobs_settings *s = sh_malloc(sizeof(*s));
	s->workers = (unsigned)v[0];
	s->policy.max_attempts = v[1];
	s->policy.backoff_s = v[2];
	s->policy.lease_s = v[3];
	s->policy.poll_ms = v[4];
	*settings_r = s;
	return 0;
}

const struct sh_jobs_settings *sh_jobs_settings(const struct sh_config *cfg)
{
	const struct sh_jobs_settings *s = sh_module_settings(cfg, SH_MODULE_JOBS);
	return s != NULL ? s : &jobs_defaults;
}
