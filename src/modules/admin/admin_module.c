/* Module "admin" (issue #15): the admins' routes, the audit log in members' exports, the
 * daily retention purge (retention.h) with its setting, and the hourly analytics rollup
 * (analytics_rollup.h). */
#include "modules/admin/admin_routes.h"
#include "modules/admin/analytics_rollup.h"
#include "modules/admin/audit_queries.h"
#include "modules/admin/retention.h"
#include "schoolhub/jobs.h"
#include "schoolhub/modules.h"

#define ADMIN (SH_ROUTE_AUTH)
#define ADMIN_JSON (SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY)

static const struct sh_route admin_routes[] = {
	{"GET", "/api/v1/admin/audit", admin_audit_get, ADMIN, SH_ROLE_ADMIN},
	{"GET", "/api/v1/admin/users", admin_users_list, ADMIN, SH_ROLE_ADMIN},
	{"GET", "/api/v1/admin/users/{id}", admin_users_get, ADMIN, SH_ROLE_ADMIN},
	{"PATCH", "/api/v1/admin/users/{id}", admin_users_patch, ADMIN_JSON, SH_ROLE_ADMIN},
	{"POST", "/api/v1/admin/users/{id}/password-reset", admin_users_password_reset, ADMIN,
	 SH_ROLE_ADMIN},
	{"POST", "/api/v1/admin/users/{id}/approve", admin_users_approve, ADMIN, SH_ROLE_ADMIN},
	{"POST", "/api/v1/admin/users/{id}/refuse", admin_users_refuse, ADMIN, SH_ROLE_ADMIN},
	{"GET", "/api/v1/admin/analytics", admin_analytics_get, ADMIN, SH_ROLE_ADMIN},
	{"GET", "/api/v1/admin/modules", admin_modules_get, ADMIN, SH_ROLE_ADMIN},
	{"PUT", "/api/v1/admin/modules", admin_modules_put, ADMIN_JSON, SH_ROLE_ADMIN},
	{"POST", "/api/v1/admin/school-year/rollover", admin_school_year_rollover, ADMIN_JSON,
	 SH_ROLE_ADMIN},
};

/* A member's export lists who looked at their data or their children's (GDPR art. 15):
 * when, who (an id) and what kind of look; the audit rows themselves stay. */
static enum sh_db_rc admin_export(struct sh_conn *conn, const char *user_id, json_t *out)
{
	json_t *items = json_array();
	json_object_set_new(out, "data_accesses", items);
	return admin_audit_accesses_of(conn, user_id, items);
}

static const struct sh_job_kind admin_job_kinds[] = {
	{SH_RETENTION_JOB, sh_retention_job},
	{SH_ANALYTICS_ROLLUP_JOB, sh_analytics_rollup_job},
};

/* Both schedules queue their next run at start-up (instances that run jobs only). */
static int admin_init(struct sh_app *app, char **error_r)
{
	if (sh_retention_init(app, error_r) != 0)
		return -1;
	return sh_analytics_rollup_init(app, error_r);
}

const struct sh_module sh_module_admin = {
	.name = "admin",
	.id = SH_MODULE_ADMIN,
	.routes = admin_routes,
	.route_count = sizeof(admin_routes) / sizeof(admin_routes[0]),
	.export_part = admin_export,
	.settings = sh_retention_setting_table,
	.setting_count = 1,
	.settings_load = sh_retention_settings_load,
	.init = admin_init,
	.job_kinds = admin_job_kinds,
	.job_kind_count = sizeof(admin_job_kinds) / sizeof(admin_job_kinds[0]),
};
