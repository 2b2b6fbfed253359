/* GET and PUT /api/v1/users/me/notifications: the member's notification preferences. */
#include "modules/notifications/notify.h"
#include "schoolhub/util.h"

void notify_prefs_get(struct sh_request *req, struct sh_response *res)
{
	struct notify_prefs p;
	enum sh_db_rc rc = notify_prefs_load(req->db, req->user.id, &p);
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else
		sh_reply_json(req, res, 200, notify_prefs_json(&p));
}

/* A partial update: members left out keep their value; any bad member refuses the whole
 * body (422, nothing written). */
void notify_prefs_put(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"kinds", "quiet_hours", "digest_hour", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	struct notify_prefs p;
	enum sh_db_rc rc = notify_prefs_load(req->db, req->user.id, &p);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	struct sh_validation v = {0};
	notify_prefs_apply(req->json, &p, req->arena, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	rc = notify_prefs_save(req->db, req->user.id, &p, now);
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else
		sh_reply_json(req, res, 200, notify_prefs_json(&p));
}
