/* The SEL directory's search words: stems, prefix ranges and the categories they name
 * (service_search.c says how a search matches). */
#ifndef SCHOOLHUB_SEL_SERVICE_SEARCH_H
#define SCHOOLHUB_SEL_SERVICE_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "schoolhub/arena.h"

/* Words of a search that count; later ones are ignored (the hint says so). */
#define SH_SEL_SEARCH_WORDS_MAX 5
#define SH_SEL_SEARCH_CATEGORIES_MAX 10

/* One word typed: services with an indexed word in [from, to) (sh_search_prefix_end),
 * or in one of "categories" (codes), match it. */
struct sh_sel_search_word {
	const char *from, *to;
	const char *categories[SH_SEL_SEARCH_CATEGORIES_MAX];
	size_t n_categories;
};

/* The words of "q" (at most "max", never more than SH_SEL_SEARCH_WORDS_MAX) into "out",
 * strings in the arena; returns how many (0 when q has no letter or digit). */
size_t sh_sel_search_parse(struct sh_arena *arena, const char *q, struct sh_sel_search_word *out,
			   size_t max);

/* How many bytes of a folded word its stem keeps (one plural ending stripped). */
size_t sh_sel_search_stem(const char *word);

/* Whether the category code has its search words here (every valid code must). */
bool sh_sel_search_knows_category(const char *code);

#endif
