/* Text helpers for search. */
#ifndef SCHOOLHUB_TEXT_H
#define SCHOOLHUB_TEXT_H

#include <stddef.h>

/* Lower-cases and strips Latin accents ("Émilie Çavérnoux" -> "emilie cavernoux"); malloc'ed. */
char *sh_text_fold(const char *s);

/*
 * Word search (src/core/search_text.c says why the words are cut here). A word is a run
 * of letters and digits of sh_text_fold(text), at most SH_SEARCH_WORD_MAX bytes (a longer
 * one keeps its beginning); everything else separates words.
 */
#define SH_SEARCH_WORD_MAX 40

/* What a search column stores: " word word " ("Garde d'enfants!" -> " garde d enfants "),
 * or "" when "s" has no word; malloc'ed. The database triggers of migration 0006 index
 * each word. */
char *sh_search_text(const char *s);

struct sh_arena;
/* The words of a query, the same way, each once and at most "max" of them, into
 * "words_r" (strings in the arena); returns how many. */
size_t sh_search_words(struct sh_arena *arena, const char *q, const char **words_r, size_t max);

/* The upper end of the range of words that begin with "prefix": a word w begins with it
 * when prefix <= w < sh_search_prefix_end(prefix), compared byte by byte. In the arena. */
const char *sh_search_prefix_end(struct sh_arena *arena, const char *prefix);

#endif
