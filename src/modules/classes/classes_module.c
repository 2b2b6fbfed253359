/* Module "classes": the route table (classes and their staff at a glance) and the GDPR hooks. */
#include "modules/classes/class_queries.h"
#include "modules/classes/classes_routes.h"
#include "schoolhub/modules.h"

static const struct sh_route classes_routes[] = {
	{"GET", "/api/v1/classes", sh_classes_list, SH_ROUTE_AUTH, 0},
	{"GET", "/api/v1/classes/{name}/photo-consents", sh_class_photo_consents_get,
	 SH_ROUTE_AUTH, 0},
	{"PUT", "/api/v1/admin/classes/{name}/staff", sh_classes_staff_put,
	 SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY, SH_ROLE_ADMIN},
};

/* A staff member's export lists the classes they are assigned to (not the children). */
static enum sh_db_rc classes_export(struct sh_conn *conn, const char *user_id, json_t *out)
{
	json_t *items = json_array();
	json_object_set_new(out, "class_staff", items);
	return sh_class_staff_export(conn, user_id, items);
}

/* The users row stays as a pseudonym, so no cascade removes the staff rows: this does. */
static enum sh_db_rc classes_erase(struct sh_conn *conn, const char *user_id, const char *now)
{
	(void)now;
	return sh_class_staff_erase_user(conn, user_id);
}

const struct sh_module sh_module_classes = {
	.name = "classes",
	.id = SH_MODULE_CLASSES,
	.routes = classes_routes,
	.route_count = sizeof(classes_routes) / sizeof(classes_routes[0]),
	.export_part = classes_export,
	.erase_user = classes_erase,
};
