/* Module "events" (issue #14): the route table, the GDPR hooks and the job kinds. */
#include "modules/events/events.h"
#include "schoolhub/jobs.h"
#include "schoolhub/modules.h"

static const struct sh_route event_routes[] = {
	{"POST", "/api/v1/events", sh_events_create, SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY, 0},
	{"GET", "/api/v1/events", sh_events_list, SH_ROUTE_AUTH, 0},
	{"GET", "/api/v1/events/{id}", sh_events_get, SH_ROUTE_AUTH, 0},
	{"PATCH", "/api/v1/events/{id}", sh_events_patch, SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY, 0},
	{"POST", "/api/v1/events/{id}/publish", sh_events_publish, SH_ROUTE_AUTH, SH_ROLE_ADMIN},
	{"POST", "/api/v1/events/{id}/cancel", sh_events_cancel, SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY,
	 0},
	{"POST", "/api/v1/events/{id}/registrations", sh_events_register,
	 SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY, 0},
	{"GET", "/api/v1/events/{id}/registrations", sh_events_registrations, SH_ROUTE_AUTH, 0},
	{"PATCH", "/api/v1/events/{id}/registrations/me", sh_events_registration_change,
	 SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY, 0},
	{"DELETE", "/api/v1/events/{id}/registrations/me", sh_events_registration_withdraw,
	 SH_ROUTE_AUTH, 0},
};

/* The member's registrations and the events they organised, proposals included. */
static enum sh_db_rc events_export(struct sh_conn *conn, const char *user_id, json_t *out)
{
	return sh_events_export(conn, user_id, out);
}

/* Future registrations withdrawn (waiting lists promoted), past ones kept as counts,
 * unpublished proposals deleted (event_gdpr.c). */
static enum sh_db_rc events_erase(struct sh_conn *conn, const char *user_id, const char *now)
{
	return sh_events_erase_user(conn, user_id, now);
}

const struct sh_module sh_module_events = {
	.name = "events",
	.id = SH_MODULE_EVENTS,
	.routes = event_routes,
	.route_count = sizeof(event_routes) / sizeof(event_routes[0]),
	.export_part = events_export,
	.erase_user = events_erase,
	.job_kinds = sh_events_job_kinds,
	.job_kind_count = sizeof(sh_events_job_kinds) / sizeof(sh_events_job_kinds[0]),
};
