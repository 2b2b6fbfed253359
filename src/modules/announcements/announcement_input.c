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

/* "audience.classes": a non-empty list of class names, each at most once in effect. */
static void read_classes(struct sh_request *req, json_t *list, struct sh_ann_input *in,
			 struct sh_validation *v)
{
	if (!json_is_array(list)) {
		sh_validation_add(v, "audience.classes", "invalid_type");
		return;
	}
	size_t n = json_array_size(list);
	if (n == 0) {
		sh_validation_add(v, "audience.classes", "required");
		return;
	}
	if (n > SH_CLASS_COUNT) {
		sh_validation_add(v, "audience.classes", "too_many_items");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *item = json_array_get(list, i);
		int k = json_is_string(item) ? sh_class_index(json_string_value(item)) : -1;
		if (k < 0)
			sh_validation_add(v, sh_arena_printf(req->arena, "audience.classes[%zu]", i),
					  json_is_string(item) ? "invalid_class" : "invalid_type");
		else
			in->classes |= SH_CLASS_BIT(k);
	}
}

/* Lists the classes of the set in school order, as text and as an array. */
static void class_names(struct sh_request *req, struct sh_ann_input *in)
{
	in->class_list = sh_arena_alloc(req->arena, sizeof(*in->class_list) * (SH_CLASS_COUNT + 1));
	char *text = sh_arena_alloc(req->arena, SH_CLASS_COUNT * 3 + 1);
	size_t n = 0;
	text[0] = '\0';
	for (int i = 0; i < SH_CLASS_COUNT; i++) {
		if ((in->classes & SH_CLASS_BIT(i)) == 0)
			continue;
		if (n > 0)
			strcat(text, ",");
		strcat(text, sh_class_names[i]);
		in->class_list[n++] = sh_class_names[i];
	}
	in->class_list[n] = NULL;
	in->class_text = text;
}

static void read_audience(struct sh_request *req, struct sh_ann_input *in, struct sh_validation *v)
{
	json_t *audience = json_object_get(req->json, "audience");
	if (audience == NULL || !json_is_object(audience)) {
		sh_validation_add(v, "audience", audience == NULL ? "required" : "invalid_type");
		return;
	}
	json_t *school = json_object_get(audience, "school");
	json_t *classes = json_object_get(audience, "classes");
	const char *key;
	json_t *value;
	json_object_foreach(audience, key, value) {
		if (strcmp(key, "school") != 0 && strcmp(key, "classes") != 0)
			sh_validation_add(v, sh_arena_printf(req->arena, "audience.%s", key),
					  "unknown_field");
	}
	/* Exactly one of the two, and "school" only as true: anything else is ambiguous. */
	if ((school == NULL) == (classes == NULL) || (school != NULL && !json_is_true(school))) {
		sh_validation_add(v, "audience", "invalid_audience");
		return;
	}
	in->school = school != NULL;
	if (classes != NULL)
		read_classes(req, classes, in, v);
	if (!in->school && in->classes != 0)
		class_names(req, in);
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
