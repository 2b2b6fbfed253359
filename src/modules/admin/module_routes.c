/*
 * GET/PUT /api/v1/admin/modules: which modules are on, as a map of name to true/false,
 * among those SCHOOLHUB_MODULES enables (the upper bound). PUT changes only the names it
 * lists; each change is one audit row naming the modules switched.
 */
#include <string.h>

#include "modules/admin/admin_routes.h"
#include "schoolhub/app.h"
#include "schoolhub/audit.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/modules.h"
#include "schoolhub/util.h"

/* The map, from "off" (the switched-off mask) and SCHOOLHUB_MODULES. */
static void reply_map(struct sh_request *req, struct sh_response *res, unsigned off)
{
	struct sh_jw w;
	sh_jw_init(&w, req->arena);
	sh_jw_object_begin(&w);
	for (size_t i = 0; i < sh_module_count; i++) {
		const struct sh_module *m = sh_modules[i];
		if (req->app->cfg.modules & m->id)
			sh_jw_kbool(&w, m->name, (off & m->id) == 0);
	}
	sh_jw_object_end(&w);
	sh_reply_jw(req, res, 200, &w);
}

void admin_modules_get(struct sh_request *req, struct sh_response *res)
{
	unsigned off = 0;
	enum sh_db_rc rc = sh_module_switches_read(req->db, &off); /* the table, not the cache */
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else
		reply_map(req, res, off);
}

struct switch_tx {
	struct sh_request *req;
	unsigned want_on, want_off; /* masks from the body, checked */
	unsigned off;               /* the result */
};

static enum sh_db_rc switch_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct switch_tx *t = ctx;
	unsigned before = 0;
	enum sh_db_rc rc = sh_module_switches_read(conn, &before);
	const char *changed[SH_AUDIT_MAX_TARGETS];
	size_t n = 0;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	for (size_t i = 0; rc == SH_DB_OK && i < sh_module_count; i++) {
		const struct sh_module *m = sh_modules[i];
		if (((t->want_on | t->want_off) & m->id) == 0)
			continue;
		bool on = (t->want_on & m->id) != 0;
		if (on == ((before & m->id) == 0))
			continue; /* already so: no row, no audit */
		rc = sh_exec(conn,
			     "INSERT INTO module_switches (name, enabled, updated_at) VALUES ($1, $2, $3) "
			     "ON CONFLICT (name) DO UPDATE SET enabled = excluded.enabled, "
			     "updated_at = excluded.updated_at",
			     SH_ARGS(SH_TEXT(m->name), SH_BOOL(on), SH_TEXT(now)), NULL);
		changed[n++] = m->name;
	}
	t->off = (before | t->want_off) & ~t->want_on;
	if (rc == SH_DB_OK && n > 0)
		rc = sh_audit_append(conn, &(struct sh_audit_entry){.actor_id = t->req->user.id,
								   .action = "modules.switched",
								   .targets = changed,
								   .target_count = n,
								   .request_id = t->req->request_id});
	return rc;
}

/* Reads the body's map into "t": 0, or -1 after replying 422 (per name). */
static int body_or_reply(struct sh_request *req, struct sh_response *res, struct switch_tx *t)
{
	struct sh_validation v = {0};
	const char *name;
	json_t *value;
	json_object_foreach(req->json, name, value) {
		const struct sh_module *m = sh_module_by_name(name);
		if (m == NULL)
			sh_validation_add(&v, name, "unknown_module");
		else if (!json_is_boolean(value))
			sh_validation_add(&v, name, "invalid_type");
		else if (json_is_true(value) && (req->app->cfg.modules & m->id) == 0)
			sh_validation_add(&v, name, "not_available"); /* SCHOOLHUB_MODULES leaves it out */
		else if (json_is_false(value) && !sh_module_switchable(m))
			sh_validation_add(&v, name, "not_switchable");
		else if (json_is_true(value))
			t->want_on |= m->id;
		else
			t->want_off |= m->id;
	}
	return sh_validation_or_reply(req, res, &v);
}

void admin_modules_put(struct sh_request *req, struct sh_response *res)
{
	struct switch_tx t = {.req = req};
	if (body_or_reply(req, res, &t) != 0)
		return;
	/* Non-switchable modules named "true" are already on: nothing to write for them. */
	for (size_t i = 0; i < sh_module_count; i++)
		if (!sh_module_switchable(sh_modules[i]))
			t.want_on &= ~sh_modules[i]->id;
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, switch_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_module_switches_forget(req->app);
	reply_map(req, res, t.off);
}
