/* Text helpers for search. */
#ifndef SCHOOLHUB_TEXT_H
#define SCHOOLHUB_TEXT_H

/* Lower-cases and strips Latin accents ("Émilie Çavérnoux" -> "emilie cavernoux"); malloc'ed. */
char *sh_text_fold(const char *s);

struct sh_arena;
/*
 * The LIKE pattern that searches folded text (sh_text_fold) for "q": "%q%", folded the same
 * way, LIKE's wildcards escaped (use ESCAPE '\\'). The words of q may be apart in the text,
 * in the order typed (a run of spaces becomes a wildcard): "garde enfants" finds
 * "garde d'enfants", "jean dup" finds "jean dupont". In the arena.
 */
const char *sh_like_pattern(struct sh_arena *arena, const char *q);

#endif
