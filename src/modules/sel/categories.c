/*
 * SEL service categories: a fixed list of codes with their labels in fr, nl and en.
 * The codes are what the database stores and clients send; the labels are only for
 * display, so they may be reworded without a migration.
 */
#include <string.h>

#include "modules/sel/sel.h"

struct category {
	const char *code;
	const char *label[SH_LANG_COUNT]; /* indexed by enum sh_lang: fr, nl, en */
};

/* In display order; "other" stays last. */
static const struct category categories[] = {
	{"childcare", {"Garde d'enfants", "Kinderopvang", "Childcare"}},
	{"transport", {"Transport", "Vervoer", "Transport"}},
	{"tutoring", {"Soutien scolaire", "Bijles", "Tutoring"}},
	{"cooking", {"Cuisine", "Koken", "Cooking"}},
	{"repairs", {"Réparations", "Herstellingen", "Repairs"}},
	{"gardening", {"Jardinage", "Tuinieren", "Gardening"}},
	{"languages", {"Langues", "Talen", "Languages"}},
	{"computers", {"Informatique", "Computers", "Computers"}},
	{"administrative_help", {"Aide administrative", "Administratieve hulp", "Administrative help"}},
	{"other", {"Autre", "Andere", "Other"}},
};

#define CATEGORY_COUNT (sizeof(categories) / sizeof(categories[0]))

static const struct category *find(const char *code)
{
	for (size_t i = 0; code != NULL && i < CATEGORY_COUNT; i++)
		if (strcmp(categories[i].code, code) == 0)
			return &categories[i];
	return NULL;
}

bool sh_sel_category_valid(const char *code)
{
	return find(code) != NULL;
}

const char *sh_sel_category_label(const char *code, enum sh_lang lang)
{
	const struct category *c = find(code);
	if (c == NULL || (unsigned)lang >= SH_LANG_COUNT)
		return NULL;
	return c->label[lang];
}

void sh_sel_categories_list(struct sh_request *req, struct sh_response *res)
{
	json_t *items = json_array();
	for (size_t i = 0; i < CATEGORY_COUNT; i++)
		json_array_append_new(items, json_pack("{s:s, s:s}", "code", categories[i].code,
						       "label", categories[i].label[req->lang]));
	sh_reply_json(req, res, 200, json_pack("{s:o}", "items", items));
}
