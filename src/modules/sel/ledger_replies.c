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

/*
 * "−330 unités (−5 h 30 min)": an amount as the app shows it (web/src/units.js), one minus
 * sign (U+2212) and the singular where the language wants it (fr: 0 and 1; nl, en: 1).
 */
static void amount_text(char *buf, size_t size, int64_t units, enum sh_lang lang)
{
	static const char *const one[SH_LANG_COUNT] = {"unité", "eenheid", "unit"};
	static const char *const many[SH_LANG_COUNT] = {"unités", "eenheden", "units"};
	static const char *const hour[SH_LANG_COUNT] = {"h", "u", "h"}; /* nl: "uur" */
	const char *sign = units < 0 ? "\xE2\x88\x92" : "";
	long long n = units < 0 ? -(long long)units : (long long)units;
	bool singular = n == 1 || (n == 0 && lang == SH_LANG_FR);
	long long h = n / 60, m = n % 60;
	char duration[64];
	if (h > 0 && m > 0)
		snprintf(duration, sizeof(duration), "%s%lld %s %lld min", sign, h, hour[lang], m);
	else if (h > 0)
		snprintf(duration, sizeof(duration), "%s%lld %s", sign, h, hour[lang]);
	else
		snprintf(duration, sizeof(duration), "%s%lld min", sign, m);
	snprintf(buf, size, "%s%lld %s (%s)", sign, n, singular ? one[lang] : many[lang], duration);
}

/*
 * 409 payer_limit / payee_limit in the member's terms: the most this payment could be right
 * now ("max_units", also in the detail) and the limit behind it. "caller_pays": the member
 * asking is the payer (a payment, an accepted request), so the detail says "you".
 */
void sh_sel_reply_limit(struct sh_request *req, struct sh_response *res,
			enum sh_sel_outcome outcome, int64_t max_units, bool caller_pays)
{
	struct sh_sel_limits l = sh_sel_limits_of(req);
	bool payer = outcome == SH_SEL_PAYER_LIMIT;
	/* Each sentence around its two amounts: before, between, after (no format strings
	 * built at run time). */
	static const char *const sentences[3][SH_LANG_COUNT][3] = {
		/* the caller pays and their own minimum binds */
		{{"Vous pouvez payer au plus ", " : votre solde ne peut pas descendre sous ", "."},
		 {"U kunt hoogstens ", " betalen: uw saldo mag niet onder ", " zakken."},
		 {"You can pay at most ", ": your balance may not go below ", "."}},
		/* someone else's payment (an admin's reversal) hits the payer's minimum */
		{{"Ce paiement peut être de ", " au plus : le solde du payeur ne peut pas descendre sous ",
		  "."},
		 {"Deze betaling kan hoogstens ", " zijn: het saldo van de betaler mag niet onder ",
		  " zakken."},
		 {"This payment can be at most ", ": the payer's balance may not go below ", "."}},
		/* the payee's maximum */
		{{"Ce paiement peut être de ", " au plus : le solde du bénéficiaire ne peut pas dépasser ",
		  "."},
		 {"Deze betaling kan hoogstens ", " zijn: het saldo van de ontvanger mag niet boven ",
		  " uitkomen."},
		 {"This payment can be at most ", ": the payee's balance may not go above ", "."}},
	};
	const char *const *words = sentences[payer ? (caller_pays ? 0 : 1) : 2][req->lang];
	char most[96], bound[96], detail[512];
	amount_text(most, sizeof(most), max_units, req->lang);
	amount_text(bound, sizeof(bound), payer ? l.min : l.max, req->lang);
	snprintf(detail, sizeof(detail), "%s%s%s%s%s", words[0], most, words[1], bound, words[2]);
	sh_reply_problem_extended(req, res, 409, payer ? "payer_limit" : "payee_limit",
				  sh_arena_strdup(req->arena, detail),
				  json_pack("{s:I}", "max_units", (json_int_t)max_units));
}

/*
 * The reply after a booking transaction: a store error, a refusal ("problem":
 * not_found -> 404, anything else -> 409), a limit (409 payer/payee_limit with
 * "max_units"; "caller_pays" as in sh_sel_reply_limit) or "body"
 * (whose reference is taken) with "status".
 */
void sh_sel_reply_booking(struct sh_request *req, struct sh_response *res, enum sh_db_rc rc,
			  const char *problem, enum sh_sel_outcome limit, int64_t max_units,
			  bool caller_pays, json_t *body, unsigned status)
{
	if (rc != SH_DB_OK || problem != NULL || limit != SH_SEL_BOOKED)
		json_decref(body);
	if (rc != SH_DB_OK)
		sh_reply_db_error(req, res, rc);
	else if (problem != NULL)
		sh_reply_problem(req, res, strcmp(problem, "not_found") == 0 ? 404 : 409, problem,
				 NULL);
	else if (limit != SH_SEL_BOOKED)
		sh_sel_reply_limit(req, res, limit, max_units, caller_pays);
	else
		sh_reply_json(req, res, status, body);
}
