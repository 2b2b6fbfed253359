/* Reading the audience of an announcement or an event (class_audience.h). */
#include "modules/classes/class_audience.h"

#include <string.h>

/* "audience.classes": a non-empty list of class names, each at most once in effect. */
static void read_classes(struct sh_request *req, json_t *list, struct sh_audience *out,
			 struct sh_validation *v)
{
	size_t n = json_is_array(list) ? json_array_size(list) : 0;
	if (!json_is_array(list) || n == 0 || n > SH_CLASS_COUNT) {
		sh_validation_add(v, "audience.classes",
				  !json_is_array(list) ? "invalid_type"
				  : n == 0	       ? "required"
						       : "too_many_items");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *item = json_array_get(list, i);
		int k = json_is_string(item) ? sh_class_index(json_string_value(item)) : -1;
		if (k < 0)
			sh_validation_add(v, sh_arena_printf(req->arena, "audience.classes[%zu]", i),
					  json_is_string(item) ? "invalid_class" : "invalid_type");
		else
			out->classes |= SH_CLASS_BIT(k);
	}
	char *text = sh_arena_alloc(req->arena, SH_CLASS_COUNT * 3 + 1);
	for (int i = 0; i < SH_CLASS_COUNT; i++)
		if (out->classes & SH_CLASS_BIT(i)) {
			if (*text != '\0')
				strcat(text, ",");
			strcat(text, sh_class_names[i]);
		}
	out->class_text = out->classes != 0 ? text : NULL;
}

bool sh_audience_read(struct sh_request *req, struct sh_audience *out, struct sh_validation *v)
{
	*out = (struct sh_audience){0};
	json_t *audience = json_object_get(req->json, "audience");
	if (audience == NULL)
		return false;
	if (!json_is_object(audience)) {
		sh_validation_add(v, "audience", "invalid_type");
		return true;
	}
	const char *key;
	json_t *value;
	json_object_foreach(audience, key, value) {
		if (strcmp(key, "school") != 0 && strcmp(key, "classes") != 0)
			sh_validation_add(v, sh_arena_printf(req->arena, "audience.%s", key),
					  "unknown_field");
	}
	json_t *school = json_object_get(audience, "school");
	json_t *classes = json_object_get(audience, "classes");
	/* Exactly one of the two, and "school" only as true: anything else is ambiguous. */
	if ((school == NULL) == (classes == NULL) || (school != NULL && !json_is_true(school))) {
		sh_validation_add(v, "audience", "invalid_audience");
		return true;
	}
	out->school = school != NULL;
	if (classes != NULL)
		read_classes(req, classes, out, v);
	return true;
}
