/* Module "notifications": the route table (the whole API at a glance), the GDPR hooks,
 * the job kinds and the start of the hourly schedule. */
#include "modules/notifications/notify.h"
#include "schoolhub/app.h"
#include "schoolhub/mem.h"
#include "schoolhub/modules.h"

#define AUTH SH_ROUTE_AUTH
#define AUTH_JSON (SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY)

static const struct sh_route notify_routes[] = {
	{"GET", "/api/v1/notifications", notify_list, AUTH, 0},
	{"POST", "/api/v1/notifications/read-all", notify_read_all, AUTH, 0},
	{"POST", "/api/v1/notifications/{id}/read", notify_read_one, AUTH, 0},
	{"GET", "/api/v1/users/me/notifications", notify_prefs_get, AUTH, 0},
	{"PUT", "/api/v1/users/me/notifications", notify_prefs_put, AUTH_JSON, 0},
	/* One-click (RFC 8058): no session, the signed token is the authority. */
	{"POST", "/api/v1/notifications/unsubscribe", notify_unsubscribe_post, SH_ROUTE_NEEDS_DB, 0},
	{"GET", "/api/v1/notifications/unsubscribe", notify_unsubscribe_get, SH_ROUTE_NEEDS_DB, 0},
};

static enum sh_db_rc notify_export(struct sh_conn *conn, const char *user_id, json_t *out)
{
	struct notify_prefs p;
	enum sh_db_rc rc = notify_prefs_load(conn, user_id, &p);
	if (rc != SH_DB_OK)
		return rc;
	json_t *list = json_array();
	json_object_set_new(out, "notifications",
			    json_pack("{s:o, s:o}", "preferences", notify_prefs_json(&p), "items", list));
	struct sh_stmt *st = sh_query(conn,
				      "SELECT id, kind, params, link, created_at, read_at, emailed_at "
				      "FROM notifications WHERE user_id = $1 ORDER BY id",
				      SH_ARGS(SH_TEXT(user_id)));
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		json_t *params = json_loads(sh_stmt_col_text(st, 2), 0, NULL);
		json_array_append_new(
			list, json_pack("{s:s, s:s, s:o, s:s?, s:s, s:s?, s:s?}", "id",
					sh_stmt_col_text(st, 0), "kind", sh_stmt_col_text(st, 1),
					"params", params != NULL ? params : json_object(), "link",
					sh_stmt_col_text(st, 3), "created_at", sh_stmt_col_time(st, 4),
					"read_at", sh_stmt_col_time(st, 5), "emailed_at",
					sh_stmt_col_time(st, 6)));
	}
	sh_stmt_free(&st);
	return rc;
}

static enum sh_db_rc notify_erase(struct sh_conn *conn, const char *user_id, const char *now)
{
	(void)now;
	enum sh_db_rc rc = sh_exec(conn, "DELETE FROM notifications WHERE user_id = $1",
				   SH_ARGS(SH_TEXT(user_id)), NULL);
	if (rc == SH_DB_OK)
		rc = sh_exec(conn, "DELETE FROM notification_prefs WHERE user_id = $1",
			     SH_ARGS(SH_TEXT(user_id)), NULL);
	return rc;
}

/* A serving instance makes sure the next hourly slot is queued (the others' attempts
 * meet the schedule's key). Commands that never run jobs leave it alone. */
static int notify_init(struct sh_app *app, char **error_r)
{
	if (!app->cfg.job_worker)
		return 0;
	struct sh_conn *conn = sh_db_connect(app->db, error_r);
	if (conn == NULL)
		return -1;
	enum sh_db_rc rc = sh_notify_schedule_next(conn);
	sh_conn_close(&conn);
	if (rc != SH_DB_OK) {
		*error_r = sh_strdup("cannot queue the notification schedule");
		return -1;
	}
	return 0;
}

const struct sh_module sh_module_notifications = {
	.name = "notifications",
	.id = SH_MODULE_NOTIFICATIONS,
	.routes = notify_routes,
	.route_count = sizeof(notify_routes) / sizeof(notify_routes[0]),
	.export_part = notify_export,
	.erase_user = notify_erase,
	.init = notify_init,
	.job_kinds = notify_job_kinds,
	.job_kind_count = NOTIFY_JOB_KIND_COUNT,
};
