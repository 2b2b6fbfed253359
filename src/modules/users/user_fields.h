/* Validation and normalisation of account fields, shared by auth and users. */
#ifndef SCHOOLHUB_USERS_FIELDS_H
#define SCHOOLHUB_USERS_FIELDS_H

#include "schoolhub/http.h"

#define SH_NAME_MAX 100
#define SH_PASSWORD_MIN 12
#define SH_PASSWORD_MAX 256

/* Trims and lower-cases an email; NULL (with an error on "field") when it is not plausible. */
const char *sh_field_email(struct sh_request *req, const char *field, const char *value,
			   struct sh_validation *v);
/* Trims a name; NULL with "required"/"too_long"/"invalid_text" recorded. */
const char *sh_field_name(struct sh_request *req, const char *field, const char *value,
			  struct sh_validation *v);
/* Length in characters 12..256; returns false and records the error otherwise. */
bool sh_field_password(const char *field, const char *value, struct sh_validation *v);
/* Digits, spaces and + ( ) - . / ; 6..20 digits. NULL/"" mean "no phone". */
const char *sh_field_phone(struct sh_request *req, const char *field, const char *value,
			   struct sh_validation *v);
/* "fr", "nl" or "en" (also "fr-BE"/"nl-BE"), normalised to the two-letter code. */
const char *sh_field_locale(const char *field, const char *value, struct sh_validation *v);

#endif
