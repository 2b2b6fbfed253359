/*
 * What the SEL directory's "q" means (issue #10, issue #11 item 9).
 *
 * Every word typed must begin a word of the service's title or description, or name its
 * category in any of the three languages. "fiets" finds "Réparation de vélos" because
 * the repairs category is also known by the words "fiets", "vélo" and "bike": a member
 * describes a service in their own language, the category is the only part the app
 * knows in all three.
 *
 * Plurals: a word typed is stemmed by stripping one plural ending (below); the services'
 * words are not, because matching is by prefix: "velo" begins "velos", "fiets" begins
 * "fietsen". Stripping only the query keeps every match the unstemmed word had (a stem
 * is a prefix of the word) and needs no reindexing when the rules change.
 */
#include "modules/sel/service_search.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/sel/sel.h"
#include "schoolhub/mem.h"
#include "schoolhub/text.h"

/* Search words of each category besides its labels (categories.c), in fr, nl and en:
 * what members type when they look for such a service. "other" has none, and its labels
 * ("autre", "andere", "other") are not matched: they describe nothing. */
static const struct {
	const char *code;
	const char *words;
} category_words[] = {
	{"childcare", "garde enfant baby-sitting babysit oppas kinderen babysitting"},
	{"transport", "covoiturage trajet voiture carpool rit auto lift ride car"},
	{"tutoring", "devoirs cours soutien huiswerk bijles homework lessons"},
	{"cooking", "repas gâteau maaltijd taart meal cake"},
	{"repairs", "réparation bricolage vélo plomberie herstelling klussen fiets loodgieter "
		    "repair bike bicycle plumbing diy"},
	{"gardening", "jardin tonte pelouse tuin gras garden lawn"},
	{"languages", "néerlandais français anglais nederlands frans engels dutch french english"},
	{"computers", "ordinateur informatique smartphone computer laptop"},
	{"administrative_help", "impôts formulaire papiers belastingen formulieren taxes forms "
				"paperwork"},
};

#define CATEGORY_COUNT (sizeof(category_words) / sizeof(category_words[0]))

/* Each category's words, labels included, as sh_search_text writes them (" w1 w2 "):
 * folded once per process, not for every word of every search. Never freed. */
static char *category_text[CATEGORY_COUNT];
static pthread_once_t category_text_once = PTHREAD_ONCE_INIT;

static void fold_category_words(void)
{
	for (size_t i = 0; i < CATEGORY_COUNT; i++) {
		const char *code = category_words[i].code;
		char *all = sh_strdup(category_words[i].words);
		for (int lang = 0; lang < SH_LANG_COUNT; lang++) {
			const char *label = sh_sel_category_label(code, (enum sh_lang)lang);
			size_t n = strlen(all) + (label != NULL ? strlen(label) : 0) + 2;
			char *more = sh_malloc(n);
			snprintf(more, n, "%s %s", all, label != NULL ? label : "");
			free(all);
			all = more;
		}
		category_text[i] = sh_search_text(all);
		free(all);
	}
}

/* Whether category "i" has a word beginning with "stem". */
static bool category_matches(size_t i, const char *stem)
{
	pthread_once(&category_text_once, fold_category_words);
	size_t n = strlen(stem);
	for (const char *p = strchr(category_text[i], ' '); p != NULL; p = strchr(p + 1, ' '))
		if (strncmp(p + 1, stem, n) == 0)
			return true;
	return false;
}

/* True when the "n" bytes of "word" end with "suffix". */
static bool ends_with(const char *word, size_t n, const char *suffix)
{
	size_t s = strlen(suffix);
	return n >= s && memcmp(word + n - s, suffix, s) == 0;
}

size_t sh_sel_search_stem(const char *word)
{
	size_t n = strlen(word);
	/* English words that end like a Dutch plural but are not one: "garden" would
	 * become "gard" and find every "garde" (childcare). */
	static const char *const not_plural[] = {"garden", "kitchen", "oven", "chicken"};
	for (size_t i = 0; i < sizeof(not_plural) / sizeof(not_plural[0]); i++)
		if (strcmp(word, not_plural[i]) == 0)
			return n;
	/* A stem keeps at least three letters: "les", "des", "bus" and "gas" stay whole. */
	if (ends_with(word, n, "en") && n - 2 >= 3) {
		/* Dutch plurals: "fietsen" -> "fiets", "herstellingen" -> "herstelling";
		 * "lessen" -> "les" (a consonant doubled before "-en" is single in the
		 * singular). */
		n -= 2;
		if (n >= 4 && word[n - 1] == word[n - 2] && strchr("bdfgklmnprst", word[n - 1]) != NULL)
			n--;
		return n;
	}
	/* French "-aux" ("chevaux", "travaux", "gâteaux"): "cheva" begins "cheval" too. */
	if (ends_with(word, n, "aux") && n - 2 >= 3)
		return n - 2;
	/* French "-s" and "-x" ("vélos", "jeux"), Dutch and English "-s" ("computers",
	 * "repairs"). */
	if ((ends_with(word, n, "s") || ends_with(word, n, "x")) && n - 1 >= 3)
		return n - 1;
	return n;
}

size_t sh_sel_search_parse(struct sh_arena *arena, const char *q, struct sh_sel_search_word *out,
			   size_t max)
{
	const char *words[SH_SEL_SEARCH_WORDS_MAX];
	if (max > SH_SEL_SEARCH_WORDS_MAX)
		max = SH_SEL_SEARCH_WORDS_MAX;
	size_t count = sh_search_words(arena, q, words, max);
	for (size_t w = 0; w < count; w++) {
		struct sh_sel_search_word *o = &out[w];
		const char *stem = sh_arena_strndup(arena, words[w], sh_sel_search_stem(words[w]));
		*o = (struct sh_sel_search_word){.from = stem,
						 .to = sh_search_prefix_end(arena, stem)};
		/* One or two letters begin a word of most categories: they search the
		 * services' own words only. */
		if (strlen(stem) < 3)
			continue;
		for (size_t i = 0; i < CATEGORY_COUNT; i++)
			if (category_matches(i, stem))
				o->categories[o->n_categories++] = category_words[i].code;
	}
	return count;
}

bool sh_sel_search_knows_category(const char *code)
{
	for (size_t i = 0; i < CATEGORY_COUNT; i++)
		if (strcmp(category_words[i].code, code) == 0)
			return true;
	return strcmp(code, "other") == 0;
}
