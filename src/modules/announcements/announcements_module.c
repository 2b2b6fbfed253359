/* Module "announcements": the route table and the GDPR hooks. */
#include "modules/announcements/announcement_notify.h"
#include "modules/announcements/announcement_queries.h"
#include "modules/announcements/announcement_routes.h"
#include "schoolhub/modules.h"

static const struct sh_route announcement_routes[] = {
	{"POST", "/api/v1/announcements", sh_announcements_publish,
	 SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY, SH_ROLE_TEACHER | SH_ROLE_ADMIN},
	{"GET", "/api/v1/announcements", sh_announcements_list, SH_ROUTE_AUTH, 0},
	{"GET", "/api/v1/announcements/{id}", sh_announcements_get, SH_ROUTE_AUTH, 0},
	{"POST", "/api/v1/announcements/{id}/ack", sh_announcements_ack, SH_ROUTE_AUTH, 0},
	{"GET", "/api/v1/announcements/{id}/acks", sh_announcements_acks, SH_ROUTE_AUTH, 0},
};

/* The export lists what the member wrote and every acknowledgement they gave. */
static enum sh_db_rc announcements_export(struct sh_conn *conn, const char *user_id, json_t *out)
{
	json_t *authored = json_array(), *acks = json_array();
	json_object_set_new(out, "announcements_authored", authored);
	json_object_set_new(out, "announcement_acknowledgements", acks);
	return sh_ann_export(conn, user_id, authored, acks);
}

/*
 * What the member wrote stays readable for the families it was sent to (the author shows
 * as a former member: the users row is a pseudonym); what they acknowledged stays a fact
 * about their family's children, without them.
 */
static enum sh_db_rc announcements_erase(struct sh_conn *conn, const char *user_id,
					 const char *now)
{
	(void)now;
	return sh_ann_erase_user(conn, user_id);
}

const struct sh_module sh_module_announcements = {
	.name = "announcements",
	.id = SH_MODULE_ANNOUNCEMENTS,
	.routes = announcement_routes,
	.route_count = sizeof(announcement_routes) / sizeof(announcement_routes[0]),
	.export_part = announcements_export,
	.erase_user = announcements_erase,
	.job_kinds = sh_ann_job_kinds,
	.job_kind_count = sizeof(sh_ann_job_kinds) / sizeof(sh_ann_job_kinds[0]),
};
