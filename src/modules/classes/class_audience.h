/*
 * The audience a request body names, as announcements and events both take it: exactly
 * one of {"school": true} or {"classes": [names]} with names the school has (classes.h),
 * each bad part named in the 422 with its own code.
 */
#ifndef SCHOOLHUB_CLASS_AUDIENCE_H
#define SCHOOLHUB_CLASS_AUDIENCE_H

#include <stdbool.h>

#include "modules/classes/classes.h"
#include "schoolhub/http.h"

struct sh_audience {
	bool school;            /* the whole school, else "classes" */
	sh_class_set classes;
	const char *class_text; /* "P3,P4" in school order (arena); NULL for the school */
};

/*
 * Reads "req->json"'s "audience" into "out". False when the body has none (the caller
 * decides whether it is required); true otherwise, with every error recorded in "v":
 * "audience" invalid_type | invalid_audience, "audience.KEY" unknown_field,
 * "audience.classes" invalid_type | required | too_many_items, "audience.classes[i]"
 * invalid_class | invalid_type.
 */
bool sh_audience_read(struct sh_request *req, struct sh_audience *out, struct sh_validation *v);

#endif
