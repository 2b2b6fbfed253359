/*
 * Module "sel" (Système d'Échange Local), internal header: the handlers of its route
 * table (src/modules/sel/sel_module.c) and what its files share.
 *
 * Files: sel_module.c (route table, GDPR hooks), categories.c, labels.c (words shown in
 * data: a former member's pseudonym, transaction kinds), services_routes.c +
 * service_queries.c (offers and requests); the ledger's handlers (ledger_routes.c:
 * balance and history, payment_routes.c, settle_routes.c, statement_routes.c, sharing
 * ledger_routes.h) and its SQL (ledger_queries.h over ledger_*.c).
 *
 * Arrows point one way: handlers use queries, both use labels.c; queries never call a
 * handler file.
 */
#ifndef SCHOOLHUB_SEL_H
#define SCHOOLHUB_SEL_H

#include <jansson.h>
#include <stdbool.h>

#include "schoolhub/http.h"

/* The system (school) account that issues every member's opening units. */
#define SH_SEL_SYSTEM_ACCOUNT "00000000-0000-0000-0000-000000000000"

/* categories.c */
bool sh_sel_category_valid(const char *code);
const char *sh_sel_category_label(const char *code, enum sh_lang lang);
void sh_sel_categories_list(struct sh_request *req, struct sh_response *res);

/* services_routes.c */
void sh_sel_services_create(struct sh_request *req, struct sh_response *res);
void sh_sel_services_list(struct sh_request *req, struct sh_response *res);
void sh_sel_services_get(struct sh_request *req, struct sh_response *res);
void sh_sel_services_patch(struct sh_request *req, struct sh_response *res);
void sh_sel_services_delete(struct sh_request *req, struct sh_response *res);

/* ledger_routes.c, payment_routes.c, settle_routes.c, statement_routes.c */
void sh_sel_balance_get(struct sh_request *req, struct sh_response *res);
void sh_sel_transactions_create(struct sh_request *req, struct sh_response *res);
void sh_sel_transactions_list(struct sh_request *req, struct sh_response *res);
void sh_sel_transactions_get(struct sh_request *req, struct sh_response *res);
void sh_sel_transactions_accept(struct sh_request *req, struct sh_response *res);
void sh_sel_transactions_decline(struct sh_request *req, struct sh_response *res);
void sh_sel_transactions_cancel(struct sh_request *req, struct sh_response *res);
void sh_sel_transactions_reverse(struct sh_request *req, struct sh_response *res);
void sh_sel_statement_csv(struct sh_request *req, struct sh_response *res);
void sh_sel_admin_audit(struct sh_request *req, struct sh_response *res);
/* The last audit's verdict on /metrics (sel_metrics.c; sh_module_metrics_fn). */
struct sh_module_gauge;
size_t sh_sel_metrics(struct sh_app *app, struct sh_conn *conn, struct sh_module_gauge *out,
		      size_t max);

/* labels.c: a deleted member as others see them in the ledger and the services ("Ancien
 * membre" / "Voormalig lid" / "Former member"), and a transaction kind as the statement
 * names it ("paiement"; an unknown kind as it is). */
const char *sh_sel_former_member(enum sh_lang lang);
const char *sh_sel_kind_label(const char *kind, enum sh_lang lang);

/* service_queries.c: an active service's owner, for payments that name a service.
 * SH_DB_ROW when the service exists and is active. */
enum sh_db_rc sh_sel_service_owner(struct sh_conn *conn, const char *service_id, char owner_r[37]);
/* GDPR: the member's services (export) and their deactivation (erase). */
enum sh_db_rc sh_sel_services_export(struct sh_conn *conn, const char *user_id, json_t *items);
enum sh_db_rc sh_sel_services_deactivate_user(struct sh_conn *conn, const char *user_id,
					      const char *now);

/* ledger_gdpr.c: GDPR parts of the ledger. */
enum sh_db_rc sh_sel_ledger_export(struct sh_conn *conn, const char *user_id, json_t *out);
enum sh_db_rc sh_sel_ledger_erase_user(struct sh_conn *conn, const char *user_id, const char *now);

#endif
