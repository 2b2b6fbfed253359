/*
 * The demo school's time bank. A new user should find the SEL alive: services offered and
 * asked for by the parents and the teacher, each written in its author's language, and a
 * few weeks of exchanges between them, including a request that waits for Sophie (the
 * first demo login) and one she declined.
 *
 * Everything goes through the SEL module's queries, the same code paths as the API, with
 * the timestamps of the story instead of the clock: accounts open with their opening units
 * at their first exchange, payments are booked within the configured limits, and the
 * audit finds the ledger balanced.
 */
#include "app/demo_sel.h"

#include <stdint.h>
#include <stdlib.h>

#include "modules/sel/sel.h"
#include "modules/sel/service_queries.h"
#include "schoolhub/util.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define DAY_S 86400

/* "day" days before today, at "hhmm" UTC (1730 is 17:30). */
struct when {
	int day, hhmm;
};

struct demo_service {
	enum demo_member owner;
	const char *kind, *category, *title, *description;
	int64_t units_per_hour;
	struct when created;
};

enum demo_service_ref {
	S_SOPHIE_CHILDCARE,
	S_SOPHIE_PRINTER,
	S_MARC_BIKES,
	S_ANKE_HOMEWORK,
	S_ANKE_CONVERSATION,
	S_ANKE_SWIMMING,
	S_YOUSSEF_CARPOOL,
	S_YOUSSEF_PASTRIES,
	S_CLAIRE_GARDEN,
	S_COUNT
};

static const struct demo_service demo_services[S_COUNT] = {
	[S_SOPHIE_CHILDCARE] = {DEMO_SOPHIE, "offer", "childcare",
		"Garde d'enfants le mercredi après-midi",
		"Je garde vos enfants le mercredi de 12 h à 17 h, chez nous près de la place de "
		"la Paix : jeux, goûter et un coup de main pour les devoirs. Trois enfants à la "
		"fois au plus.", 60, {38, 1915}},
	[S_SOPHIE_PRINTER] = {DEMO_SOPHIE, "request", "computers",
		"Installer une imprimante Wi-Fi",
		"Notre nouvelle imprimante refuse de parler à l'ordinateur portable. Une heure "
		"devrait suffire ; le café est offert.", 60, {6, 2040}},
	[S_MARC_BIKES] = {DEMO_MARC, "offer", "repairs", "Réparation de vélos",
		"Crevaison, freins, dérailleur, éclairage : j'ai les outils et les pièces "
		"courantes. Le samedi matin dans mon garage, ou à la grille de l'école en fin de "
		"journée.", 60, {41, 1010}},
	[S_ANKE_HOMEWORK] = {DEMO_ANKE, "offer", "tutoring", "Hulp bij huiswerk Nederlands",
		"Ik help kinderen van de lagere school met hun huiswerk Nederlands: lezen, "
		"dictee, woordenschat. Ook voor Franstalige kinderen die Nederlands leren. Na "
		"school, bij mij thuis of in de bibliotheek.", 60, {37, 1250}},
	[S_ANKE_CONVERSATION] = {DEMO_ANKE, "offer", "languages", "Nederlands oefenen voor ouders",
		"Een uurtje Nederlands praten bij een koffie, op je eigen tempo. Handig als je "
		"je kinderen met hun Nederlands wilt helpen.", 60, {30, 1305}},
	[S_ANKE_SWIMMING] = {DEMO_ANKE, "request", "transport",
		"Carpool naar de zwemles op zaterdag",
		"Lotte (P1) heeft zwemles op zaterdag om 9 uur. Wie rijdt er ook naartoe en kan "
		"haar meenemen? Ik breng de kinderen daarna terug.", 60, {9, 1830}},
	[S_YOUSSEF_CARPOOL] = {DEMO_YOUSSEF, "offer", "transport",
		"Covoiturage vers l'école le matin",
		"Je dépose Amina et Sami à l'école vers 8 h 15 en passant par l'avenue Henri "
		"Conscience. Deux places libres, avec rehausseurs.", 60, {40, 2005}},
	[S_YOUSSEF_PASTRIES] = {DEMO_YOUSSEF, "offer", "cooking",
		"Pâtisseries pour la fête de l'école",
		"Cornes de gazelle, msemen, gâteau au chocolat : pour la fête de l'école ou un "
		"anniversaire en classe. Prévenez-moi une semaine avant.", 60, {21, 1940}},
	[S_CLAIRE_GARDEN] = {DEMO_CLAIRE, "request", "gardening",
		"Des bras pour le potager de l'école",
		"Les P3 ont planté un potager derrière le préau. Il nous faut de l'aide le "
		"vendredi après-midi pour bêcher, arroser et construire un bac à compost.", 60,
		{33, 1600}},
};

/*
 * One exchange: "payer" gives "units" to "payee", either paid by the payer (booked at
 * once) or asked for by the payee (a request the payer accepts or declines later, or has
 * not answered yet). In time order: the ledger books them in this order and the
 * statements follow its booking numbers.
 */
enum demo_how {
	PAID,
	ACCEPTED, /* asked, then accepted at "answered" */
	DECLINED, /* asked, then declined at "answered" */
	PENDING,  /* asked, not answered yet */
};

struct demo_exchange {
	enum demo_member payer, payee;
	enum demo_how how;
	enum demo_service_ref service;
	int64_t units;
	const char *description; /* in its author's language */
	struct when at, answered;
};

static const struct demo_exchange demo_exchanges[] = {
	{DEMO_ANKE, DEMO_MARC, PAID, S_MARC_BIKES, 60,
	 "Fietsband van Lotte geplakt en remmen afgesteld", {34, 1720}, {0, 0}},
	{DEMO_SOPHIE, DEMO_YOUSSEF, PAID, S_YOUSSEF_CARPOOL, 75,
	 "Covoiturage du matin, Léa et Hugo (5 jours)", {29, 1945}, {0, 0}},
	/* Youssef had not seen her payment: Sophie declines the same week asked again. */
	{DEMO_SOPHIE, DEMO_YOUSSEF, DECLINED, S_YOUSSEF_CARPOOL, 75,
	 "Covoiturage du matin, Léa et Hugo (5 jours)", {28, 710}, {28, 1225}},
	{DEMO_CLAIRE, DEMO_MARC, PAID, S_CLAIRE_GARDEN, 120,
	 "Potager de l'école : bêchage et plantation des fraises avec les P3", {24, 1615}, {0, 0}},
	{DEMO_SOPHIE, DEMO_ANKE, ACCEPTED, S_ANKE_HOMEWORK, 90,
	 "Huiswerk Nederlands met Léa (3 × 30 min)", {20, 1840}, {19, 750}},
	{DEMO_YOUSSEF, DEMO_SOPHIE, PAID, S_SOPHIE_CHILDCARE, 180,
	 "Garde d'Amina et Sami mercredi après-midi (3 h)", {15, 1730}, {0, 0}},
	{DEMO_ANKE, DEMO_YOUSSEF, PAID, S_YOUSSEF_CARPOOL, 60,
	 "Carpool naar school voor Lotte (4 ochtenden)", {6, 1910}, {0, 0}},
	{DEMO_SOPHIE, DEMO_ANKE, PAID, S_SOPHIE_PRINTER, 45, "Imprimante installée, merci Anke !",
	 {4, 2110}, {0, 0}},
	/* Waits for Sophie: her home screen shows it with Accept and Decline. */
	{DEMO_SOPHIE, DEMO_YOUSSEF, PENDING, S_YOUSSEF_PASTRIES, 120,
	 "Cornes de gazelle et msemen pour la fête de l'école (2 plateaux)", {2, 1855}, {0, 0}},
};

static void time_at(time_t today, struct when w, char out[SH_TIME_LEN + 1])
{
	sh_time_format(today - (time_t)w.day * DAY_S + (w.hhmm / 100) * 3600 + (w.hhmm % 100) * 60,
		       out);
}

static enum sh_db_rc seed_services(struct sh_conn *conn, const char *const ids[], time_t today,
				   char service_ids[S_COUNT][SH_UUID_LEN + 1])
{
	for (size_t i = 0; i < S_COUNT; i++) {
		const struct demo_service *d = &demo_services[i];
		char created[SH_TIME_LEN + 1];
		time_at(today, d->created, created);
		sh_uuid_v4(service_ids[i]);
		struct sh_sel_service s = {.id = service_ids[i], .user_id = ids[d->owner],
					   .title = d->title, .description = d->description,
					   .category = d->category, .kind = d->kind,
					   .units_per_hour = d->units_per_hour, .is_active = true};
		char *search = sh_sel_service_search_text(d->title, d->description);
		enum sh_db_rc rc = sh_sel_service_insert(conn, &s, search, created);
		free(search);
		if (rc != SH_DB_OK)
			return rc;
	}
	return SH_DB_OK;
}

/* One exchange, as POST /transactions and then accept or decline would write it. */
static enum sh_db_rc seed_exchange(struct sh_conn *conn, const struct demo_exchange *x,
				   const char *const ids[], const char *service_id,
				   const struct sh_sel_limits *limits, time_t today,
				   bool *refused_r)
{
	bool asked = x->how != PAID;
	char at[SH_TIME_LEN + 1], answered[SH_TIME_LEN + 1];
	time_at(today, x->at, at);
	time_at(today, x->answered, answered);
	struct sh_sel_exchange ex = {.author = ids[asked ? x->payee : x->payer],
				     .counterparty = ids[asked ? x->payer : x->payee],
				     .paying = !asked, .units = x->units,
				     .description = x->description, .service_id = service_id,
				     .at = at};
	struct sh_sel_exchanged done;
	enum sh_db_rc rc = sh_sel_exchange_create(conn, &ex, limits, &done);
	if (rc != SH_DB_OK || done.outcome != SH_SEL_BOOKED) {
		*refused_r = done.outcome != SH_SEL_BOOKED;
		return rc;
	}
	const char *id = done.id;
	if (x->how == ACCEPTED || x->how == DECLINED) {
		int64_t changed = 0;
		rc = sh_sel_tx_settle(conn, id, x->how == ACCEPTED ? "completed" : "declined",
				      answered, &changed);
		if (rc != SH_DB_OK)
			return rc;
		if (changed != 1)
			return SH_DB_ERROR; /* it was written pending just above */
	}
	if (x->how != ACCEPTED)
		return SH_DB_OK;
	enum sh_sel_outcome outcome;
	int64_t excess;
	rc = sh_sel_book(conn, id, done.tx.from_account, done.tx.to_account, x->units, limits,
			 answered, &outcome, &excess);
	if (rc == SH_DB_OK && outcome != SH_SEL_BOOKED)
		*refused_r = true;
	return rc;
}

enum sh_db_rc sh_demo_sel_seed(struct sh_conn *conn, const char *const ids[DEMO_MEMBER_COUNT],
			       const struct sh_sel_limits *limits, time_t now, bool with_history,
			       bool *refused_r)
{
	*refused_r = false;
	time_t today = now - now % DAY_S; /* midnight UTC: every "day" of the story is whole */
	char service_ids[S_COUNT][SH_UUID_LEN + 1];
	enum sh_db_rc rc = seed_services(conn, ids, today, service_ids);
	if (!with_history)
		return rc;
	for (size_t i = 0; rc == SH_DB_OK && !*refused_r && i < COUNT(demo_exchanges); i++) {
		const struct demo_exchange *x = &demo_exchanges[i];
		rc = seed_exchange(conn, x, ids, service_ids[x->service], limits, today, refused_r);
	}
	return rc;
}
