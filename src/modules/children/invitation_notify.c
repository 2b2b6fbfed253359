/* The inviter hears that a co-parent joined (notification "coparent_linked", written in
 * the accepting transaction; the invitation's id as ref, so accepting twice tells once). */
#include "modules/children/invitations.h"
#include "schoolhub/notify.h"

enum sh_db_rc sh_invitation_notify_linked(struct sh_request *req, struct sh_conn *conn,
					  const char *inviter_id, const char *invitation_id,
					  json_t *child)
{
	const struct sh_user *me = &req->user.account;
	const char *child_name = json_string_value(json_object_get(child, "first_name"));
	json_t *params = json_pack("{s:s, s:s}", "name",
				   sh_arena_printf(req->arena, "%s %s", me->first_name, me->last_name),
				   "child", child_name != NULL ? child_name : "");
	struct sh_notify_opts o = {.link = "/children", .ref = invitation_id};
	enum sh_db_rc rc = sh_notify(req->app, conn, inviter_id, "coparent_linked", params, &o);
	json_decref(params);
	return rc;
}
