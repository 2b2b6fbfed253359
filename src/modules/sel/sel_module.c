/* Module "sel": the route table (the whole SEL API at a glance), the GDPR hooks and the
 * welcome units of a new member. */
#include "modules/sel/sel.h"
#include "modules/sel/sel_settings.h"
#include "schoolhub/app.h"
#include "schoolhub/modules.h"

#define AUTH SH_ROUTE_AUTH
#define AUTH_JSON (SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY)
/* Reads whose handler touches req->user.role/account only after its first query. */
#define AUTH_READ (SH_ROUTE_AUTH | SH_ROUTE_ACCOUNT_LATE)

static const struct sh_route sel_routes[] = {
	{"GET", "/api/v1/sel/categories", sh_sel_categories_list, AUTH, 0},
	{"POST", "/api/v1/sel/services", sh_sel_services_create, AUTH_JSON, 0},
	{"GET", "/api/v1/sel/services", sh_sel_services_list, AUTH_READ, 0},
	{"GET", "/api/v1/sel/services/{id}", sh_sel_services_get, AUTH, 0},
	{"PATCH", "/api/v1/sel/services/{id}", sh_sel_services_patch, AUTH_JSON, 0},
	{"DELETE", "/api/v1/sel/services/{id}", sh_sel_services_delete, AUTH, 0},
	{"GET", "/api/v1/sel/balance", sh_sel_balance_get, AUTH_READ, 0},
	{"POST", "/api/v1/sel/transactions", sh_sel_transactions_create, AUTH_JSON, 0},
	{"GET", "/api/v1/sel/transactions", sh_sel_transactions_list, AUTH_READ, 0},
	{"GET", "/api/v1/sel/transactions/{id}", sh_sel_transactions_get, AUTH_READ, 0},
	{"POST", "/api/v1/sel/transactions/{id}/accept", sh_sel_transactions_accept, AUTH, 0},
	{"POST", "/api/v1/sel/transactions/{id}/decline", sh_sel_transactions_decline, AUTH, 0},
	{"POST", "/api/v1/sel/transactions/{id}/cancel", sh_sel_transactions_cancel, AUTH, 0},
	{"POST", "/api/v1/sel/transactions/{id}/reverse", sh_sel_transactions_reverse, AUTH_JSON,
	 SH_ROLE_ADMIN},
	{"GET", "/api/v1/sel/statement.csv", sh_sel_statement_csv, AUTH, 0},
	{"GET", "/api/v1/admin/sel/audit", sh_sel_admin_audit, AUTH, SH_ROLE_ADMIN},
};

static enum sh_db_rc sel_export(struct sh_conn *conn, const char *user_id, json_t *out)
{
	json_t *sel = json_object();
	json_object_set_new(out, "sel", sel);
	json_t *services = json_array();
	json_object_set_new(sel, "services", services);
	enum sh_db_rc rc = sh_sel_services_export(conn, user_id, services);
	if (rc != SH_DB_OK)
		return rc;
	return sh_sel_ledger_export(conn, user_id, sel);
}

static enum sh_db_rc sel_erase(struct sh_conn *conn, const char *user_id, const char *now)
{
	/* Ledger entries stay (other members' balances rest on them); the member behind them
	 * becomes a pseudonym when the users row is erased. */
	enum sh_db_rc rc = sh_sel_services_deactivate_user(conn, user_id, now);
	if (rc != SH_DB_OK)
		return rc;
	return sh_sel_ledger_erase_user(conn, user_id, now);
}

/*
 * A new member's account opens at registration with the welcome units, so the history and
 * the statement show them from the first day (not "no exchange yet" beside a balance of
 * 120). Booked like any opening (sh_sel_book, from the system account): the audit's sums
 * hold. Members from before, or who registered while the SEL was off, still get theirs at
 * their first exchange (sh_sel_account_ensure).
 */
static enum sh_db_rc sel_account_created(const struct sh_config *cfg, struct sh_conn *conn,
					 const char *user_id, const char *now)
{
	char account_id[37];
	return sh_sel_account_ensure(conn, user_id, sh_sel_settings(cfg), now, account_id);
}

const struct sh_module sh_module_sel = {
	.name = "sel",
	.id = SH_MODULE_SEL,
	.routes = sel_routes,
	.route_count = sizeof(sel_routes) / sizeof(sel_routes[0]),
	.export_part = sel_export,
	.erase_user = sel_erase,
	.account_created = sel_account_created,
	.settings = sh_sel_setting_table,
	.setting_count = SH_SEL_SETTING_COUNT,
	.settings_load = sh_sel_settings_load,
	.public_config = sh_sel_public_config,
	.metrics = sh_sel_metrics,
};
