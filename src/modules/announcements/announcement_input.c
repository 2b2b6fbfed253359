/*
 * Checking what an author sends. The JSON gate already refused invalid UTF-8; here the
 * texts are trimmed, control characters refused (the body keeps its line feeds and tabs:
 * it has paragraphs), lengths counted in characters, and the audience is exactly one of
 * {"school": true} or {"classes": [names]} with names the school has.
 */
#include "modules/announcements/announcement_input.h"

#include <stdint.h>
#include <string.h>

#include "modules/announcements/announcement_queries.h"
#include "modules/classes/class_audience.h"
#include "schoolhub/util.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static char *trimmed(struct sh_request *req, const char *value)
{
	while (is_space(*value))
		value++;
	size_t n = strlen(value);
	while (n > 0 && is_space(value[n - 1]))
		n--;
	return sh_arena_strndup(req->arena, value, n);
}

/* A one-line text (the title) or, with "multiline", a text with paragraphs: CRLF becomes
 * LF (what a textarea gives) and line feeds and tabs count as one character each. */
static const char *read_text(struct sh_request *req, const char *field, size_t max,
			     bool multiline, struct sh_validation *v)
{
	const char *value = NULL;
	if (!sh_json_get_string(req->json, field, true, &value, v))
		return NULL;
	char *text = trimmed(req, value);
	if (*text == '\0') {
		sh_validation_add(v, field, "required");
		return NULL;
	}
	if (multiline) {
		char *w = text;
		for (const char *r = text; *r; r++)
			if (!(r[0] == '\r' && r[1] == '\n'))
				*w++ = *r;
		*w = '\0';
	}
	char *probe = sh_arena_strdup(req->arena, text);
	for (char *p = probe; multiline && *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	size_t chars;
	if (!sh_utf8_valid_text(probe, SIZE_MAX, &chars)) {
		sh_validation_add(v, field, "invalid_text");
		return NULL;
	}
	if (chars > max) {
		sh_validation_add(v, field, "too_long");
		return NULL;
	}
	return text;
}

/* The classes of the set in school order, as a NULL-ended array (the rows to write). */
static const char **class_list(struct sh_request *req, sh_class_set classes)
{
	const char **list = sh_arena_alloc(req->arena, sizeof(*list) * (SH_CLASS_COUNT + 1));
	size_t n = 0;
	for (int i = 0; i < SH_CLASS_COUNT; i++)
		if (classes & SH_CLASS_BIT(i))
			list[n++] = sh_class_names[i];
	list[n] = NULL;
	return list;
}

/* The audience (class_audience.h), required. */
static void read_audience(struct sh_request *req, struct sh_ann_input *in, struct sh_validation *v)
{
	struct sh_audience a;
	if (!sh_audience_read(req, &a, v)) {
		sh_validation_add(v, "audience", "required");
		return;
	}
	in->school = a.school;
	in->classes = a.classes;
	if (!in->school && in->classes != 0) {
		in->class_text = a.class_text;
		in->class_list = class_list(req, in->classes);
	}
}

int sh_ann_input_or_reply(struct sh_request *req, struct sh_response *res,
			  struct sh_ann_input *in)
{
	static const char *const allowed[] = {"title", "body", "audience", "requires_ack", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return -1;
	memset(in, 0, sizeof(*in));
	struct sh_validation v = {0};
	in->title = read_text(req, "title", SH_ANNOUNCEMENT_TITLE_MAX, false, &v);
	in->body = read_text(req, "body", SH_ANNOUNCEMENT_BODY_MAX, true, &v);
	sh_json_get_bool(req->json, "requires_ack", false, &in->requires_ack, &v);
	read_audience(req, in, &v);
	return sh_validation_or_reply(req, res, &v);
}
