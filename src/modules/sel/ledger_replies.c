/*
 * What the ledger's handlers share: the configured limits, and the replies after a booking
 * transaction (a store error, a refusal, a limit with a localised detail, or the body).
 */
#include <stdio.h>
#include <string.h>

#include "modules/sel/ledger_routes.h"
#include "modules/sel/sel_settings.h"
#include "schoolhub/app.h"

struct sh_sel_limits sh_sel_limits_of(const struct sh_request *req)
{
	return *sh_sel_settings(&req->app->cfg);
}

/* 409 payer_limit / payee_limit with a localised detail saying by how much. */
void sh_sel_reply_limit(struct sh_request *req, struct sh_response *res,
			enum sh_sel_outcome outcome, int64_t excess)
{
	struct sh_sel_limits l = sh_sel_limits_of(req);
	bool payer = outcome == SH_SEL_PAYER_LIMIT;
	long long bound = payer ? (long long)l.min : (long long)l.max;
	long long by = (long long)excess;
	char detail[256];
	switch (req->lang * 2 + (payer ? 0 : 1)) {
	case SH_LANG_FR * 2:
		snprintf(detail, sizeof(detail), "Le solde du payeur passerait sous le minimum de "
			 "%lld unités (de %lld unités).", bound, by);
		break;
	case SH_LANG_FR * 2 + 1:
		snprintf(detail, sizeof(detail), "Le solde du bénéficiaire dépasserait le maximum "
			 "de %lld unités (de %lld unités).", bound, by);
		break;
	case SH_LANG_NL * 2:
		snprintf(detail, sizeof(detail), "Het saldo van de betaler zou onder het minimum "
			 "van %lld eenheden zakken (met %lld eenheden).", bound, by);
		break;
	case SH_LANG_NL * 2 + 1:
		snprintf(detail, sizeof(detail), "Het saldo van de ontvanger zou het maximum van "
			 "%lld eenheden overschrijden (met %lld eenheden).", bound, by);
		break;
	case SH_LANG_EN * 2:
		snprintf(detail, sizeof(detail), "The payer's balance would fall below the minimum "
			 "of %lld units (by %lld units).", bound, by);
		break;
	default:
		snprintf(detail, sizeof(detail), "The payee's balance would exceed the maximum of "
			 "%lld units (by %lld units).", bound, by);
		break;
	}
	sh_reply_problem(req, res, 409, payer ? "payer_limit" : "payee_limit",
			 sh_arena_strdup(req->arena, detail));
}

/*
 * The reply after a booking transaction: a store error, a refusal ("problem":
 * not_found -> 404, anything else -> 409), a limit (409 payer/payee_limit) or "body"
 * (whose reference is taken) with "status".
 */
void sh_sel_reply_booking(struct sh_request *req, struct sh_response *res, enum sh_db_rc rc,
			  const char *problem, enum sh_sel_outcome limit, int64_t excess,
			  json_t *body, unsigned status)
{
	if (rc != SH_DB_OK || problem != NULL || limit != SH_SEL_BOOKED)
		json_decref(body);
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else if (problem != NULL)
		sh_reply_problem(req, res, strcmp(problem, "not_found") == 0 ? 404 : 409, problem,
				 NULL);
	else if (limit != SH_SEL_BOOKED)
		sh_sel_reply_limit(req, res, limit, excess);
	else
		sh_reply_json(req, res, status, body);
}
