/* The three languages of the platform and the server-side message catalogue. */
#ifndef SCHOOLHUB_I18N_H
#define SCHOOLHUB_I18N_H

enum sh_lang { SH_LANG_FR = 0, SH_LANG_NL = 1, SH_LANG_EN = 2 };
#define SH_LANG_COUNT 3

/* Picks the best of fr/nl/en from an Accept-Language header (q-values honoured); fr by default. */
enum sh_lang sh_lang_from_accept(const char *header);
/* "fr", "nl" or "en"; and the reverse (also accepts "fr-BE", "nl-BE"). */
const char *sh_lang_code(enum sh_lang lang);
int sh_lang_parse(const char *code, enum sh_lang *lang_r);

/* Title of a problem code ("not_found" -> "Ressource introuvable"); the code itself if unknown. */
const char *sh_i18n_problem_title(const char *code, enum sh_lang lang);
/* Message of a field error code ("required" -> "Ce champ est obligatoire."). */
const char *sh_i18n_field_message(const char *code, enum sh_lang lang);

#endif
