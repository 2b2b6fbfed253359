/* Helpers of the admin suites (admin_support.h). */
#include "admin_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void admin_register(struct th_member *m, const char *who, const char *role)
{
	th_member_register(m, who);
	if (role != NULL)
		api_promote(m, role);
}

char *admin_child(const struct th_member *parent, const char *first_name, const char *class_name)
{
	struct th_resp *r = th_json("POST", "/api/v1/children", parent->access_token,
				    "{s:s, s:s, s:s}", "first_name", first_name, "last_name",
				    "Auditée", "class_name", class_name);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

int64_t admin_audit_rows(const char *action, const char *actor, const char *target)
{
	if (target == NULL)
		return api_db_count("SELECT COUNT(*) FROM audit_log WHERE action = $1 AND "
				    "CAST(actor_id AS TEXT) = $2",
				    action, actor);
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM audit_log l JOIN audit_targets t ON t.seq = l.seq "
		 "WHERE l.action = $1 AND CAST(l.actor_id AS TEXT) = $2 AND t.target_id = '%s'",
		 target);
	return api_db_count(sql, action, actor);
}

struct sh_conn *admin_db(void)
{
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(th_current->app->db, &error);
	ck_assert_msg(conn != NULL, "%s", error ? error : "");
	return conn;
}

struct th_resp *admin_get(const char *token, const char *path, long status)
{
	struct th_resp *r = th_request("GET", path, token, NULL, NULL, NULL);
	ck_assert_msg(r->status == status, "GET %s: %ld %s", path, r->status, r->body);
	return r;
}
