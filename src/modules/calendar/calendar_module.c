/* Module "calendar": the route table (feeds, .ics, volunteer shifts) and the GDPR hooks. */
#include "modules/calendar/calendar.h"
#include "schoolhub/modules.h"

#define AUTH SH_ROUTE_AUTH
#define AUTH_JSON (SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY)

static const struct sh_route calendar_routes[] = {
	{"POST", "/api/v1/calendar/feed", sh_cal_feed_create, AUTH, 0},
	{"DELETE", "/api/v1/calendar/feed", sh_cal_feed_revoke, AUTH, 0},
	/* The feed's token is its only credential: no session, no cookie. */
	{"GET", "/ical/{token}.ics", sh_cal_feed_ics, SH_ROUTE_NEEDS_DB, 0},
	{"GET", "/api/v1/events/{id}.ics", sh_cal_event_ics, AUTH, 0},
	{"POST", "/api/v1/events/{id}/shifts", sh_cal_shift_create, AUTH_JSON, 0},
	{"GET", "/api/v1/events/{id}/shifts", sh_cal_shift_list, AUTH, 0},
	{"POST", "/api/v1/events/{id}/shifts/{sid}/volunteers", sh_cal_volunteer_add, AUTH, 0},
	{"GET", "/api/v1/events/{id}/shifts/{sid}/volunteers", sh_cal_volunteer_list, AUTH, 0},
	{"DELETE", "/api/v1/events/{id}/shifts/{sid}/volunteers/me", sh_cal_volunteer_remove, AUTH,
	 0},
	{"POST", "/api/v1/events/{id}/shifts/{sid}/attendance", sh_cal_attendance, AUTH_JSON, 0},
};

/* The export lists every shift the member signed up for, confirmed or not. */
static enum sh_db_rc calendar_export(struct sh_conn *conn, const char *user_id, json_t *out)
{
	json_t *shifts = json_array();
	json_object_set_new(out, "volunteer_shifts", shifts);
	return sh_cal_shifts_export(conn, user_id, shifts);
}

const struct sh_module sh_module_calendar = {
	.name = "calendar",
	.id = SH_MODULE_CALENDAR,
	.routes = calendar_routes,
	.route_count = sizeof(calendar_routes) / sizeof(calendar_routes[0]),
	.export_part = calendar_export,
	.erase_user = sh_cal_erase_user,
};
