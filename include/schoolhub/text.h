/* Text helpers for search. */
#ifndef SCHOOLHUB_TEXT_H
#define SCHOOLHUB_TEXT_H

/* Lower-cases and strips Latin accents ("Émilie Çavérnoux" -> "emilie cavernoux"); malloc'ed. */
char *sh_text_fold(const char *s);

#endif
