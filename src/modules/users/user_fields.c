/* Field rules for accounts. Each function records at most one error for its field. */
#include "modules/users/user_fields.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "schoolhub/util.h"

/* A trimmed arena copy of "value". */
static char *trimmed(struct sh_request *req, const char *value)
{
	while (*value == ' ' || *value == '\t')
		value++;
	size_t n = strlen(value);
	while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
		n--;
	return sh_arena_strndup(req->arena, value, n);
}

const char *sh_field_email(struct sh_request *req, const char *field, const char *value,
			   struct sh_validation *v)
{
	char *email = trimmed(req, value);
	size_t n = strlen(email);
	for (size_t i = 0; i < n; i++)
		email[i] = (char)tolower((unsigned char)email[i]);
	const char *at = strchr(email, '@');
	bool ok = n >= 3 && n <= 254 && at != NULL && at != email && strchr(at + 1, '@') == NULL &&
		  (size_t)(at - email) <= 64;
	if (ok) {
		const char *domain = at + 1;
		const char *dot = strrchr(domain, '.');
		ok = dot != NULL && dot != domain && dot[1] != '\0' && domain[0] != '.' &&
		     strstr(domain, "..") == NULL;
	}
	for (size_t i = 0; ok && i < n; i++) {
		unsigned char c = (unsigned char)email[i];
		ok = c > 0x20 && c != 0x7f && c != '"' && c != '(' && c != ')' && c != ',' &&
		     c != ':' && c != ';' && c != '<' && c != '>' && c != '[' && c != ']' &&
		     c != '\\';
	}
	if (ok)
		ok = sh_utf8_valid_text(email, 254, NULL);
	if (!ok) {
		sh_validation_add(v, field, "invalid_email");
		return NULL;
	}
	return email;
}

const char *sh_field_name(struct sh_request *req, const char *field, const char *value,
			  struct sh_validation *v)
{
	char *name = trimmed(req, value);
	size_t chars;
	if (*name == '\0') {
		sh_validation_add(v, field, "required");
		return NULL;
	}
	if (!sh_utf8_valid_text(name, SIZE_MAX, &chars)) {
		sh_validation_add(v, field, "invalid_text");
		return NULL;
	}
	if (chars > SH_NAME_MAX) {
		sh_validation_add(v, field, "too_long");
		return NULL;
	}
	return name;
}

bool sh_field_password(const char *field, const char *value, struct sh_validation *v)
{
	/* Count code points, not bytes: "été" is three characters to a parent. Any
	 * printable text is allowed; only broken UTF-8 is refused. */
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		if ((*p & 0xc0) != 0x80)
			chars++;
	if (chars < SH_PASSWORD_MIN) {
		sh_validation_add(v, field, "password_too_short");
		return false;
	}
	if (chars > SH_PASSWORD_MAX) {
		sh_validation_add(v, field, "password_too_long");
		return false;
	}
	return true;
}

const char *sh_field_phone(struct sh_request *req, const char *field, const char *value,
			   struct sh_validation *v)
{
	if (value == NULL)
		return NULL;
	char *phone = trimmed(req, value);
	if (*phone == '\0')
		return NULL;
	size_t digits = 0, n = strlen(phone);
	bool ok = n <= 32;
	for (size_t i = 0; ok && i < n; i++) {
		char c = phone[i];
		if (c >= '0' && c <= '9')
			digits++;
		else
			ok = strchr(" +()-./", c) != NULL && (c != '+' || i == 0);
	}
	if (!ok || digits < 6 || digits > 20) {
		sh_validation_add(v, field, "invalid_phone");
		return NULL;
	}
	return phone;
}

const char *sh_field_locale(const char *field, const char *value, struct sh_validation *v)
{
	enum sh_lang lang;
	if (sh_lang_parse(value, &lang) != 0 || (strlen(value) != 2 && strlen(value) != 5)) {
		sh_validation_add(v, field, "invalid_locale");
		return NULL;
	}
	return sh_lang_code(lang);
}
