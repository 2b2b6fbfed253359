/* What the SEL tells members through the notifications module (schoolhub/notify.h):
 * written in the booking's own transaction, so a refused or rolled-back booking tells
 * nobody anything. */
#include "modules/sel/ledger_routes.h"
#include "schoolhub/notify.h"

enum sh_db_rc sh_sel_notify(struct sh_request *req, struct sh_conn *conn, const char *user_id,
			    const char *kind, int64_t units, const char *tx_id, const char *answer)
{
	const struct sh_user *me = &req->user.account;
	json_t *params = json_pack("{s:s, s:I}", "name",
				   sh_arena_printf(req->arena, "%s %s", me->first_name, me->last_name),
				   "units", (json_int_t)units);
	if (answer != NULL)
		json_object_set_new(params, "answer", json_string(answer));
	struct sh_notify_opts o = {.link = "/sel", .ref = tx_id};
	enum sh_db_rc rc = sh_notify(req->app, conn, user_id, kind, params, &o);
	json_decref(params);
	return rc;
}
