/*
 * The SEL's fixed words in fr, nl and en that are data rather than screens: a former
 * member's pseudonym (the ledger and the services show it) and the kinds of transaction
 * as the statement names them. Queries and handlers both use them, so they live below
 * both.
 */
#include <string.h>

#include "modules/sel/sel.h"

const char *sh_sel_former_member(enum sh_lang lang)
{
	static const char *const names[SH_LANG_COUNT] = {"Ancien membre", "Voormalig lid",
							 "Former member"};
	return names[lang];
}

const char *sh_sel_kind_label(const char *kind, enum sh_lang lang)
{
	static const struct {
		const char *kind;
		const char *label[SH_LANG_COUNT];
	} labels[] = {
		{"opening", {"ouverture", "opening", "opening"}},
		{"payment", {"paiement", "betaling", "payment"}},
		{"request", {"demande de paiement", "betalingsverzoek", "payment request"}},
		{"reversal", {"correction", "correctie", "reversal"}},
		{"reward", {"bénévolat", "vrijwilligerswerk", "volunteering reward"}},
	};
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i].kind, kind) == 0)
			return labels[i].label[lang];
	return kind;
}
