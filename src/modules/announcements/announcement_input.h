/* The body of POST /api/v1/announcements, checked: lengths, text, audience. */
#ifndef SCHOOLHUB_ANNOUNCEMENT_INPUT_H
#define SCHOOLHUB_ANNOUNCEMENT_INPUT_H

#include <stdbool.h>

#include "modules/classes/classes.h"
#include "schoolhub/http.h"

struct sh_ann_input {
	const char *title, *body; /* trimmed; the body's CRLF made LF */
	bool requires_ack;
	bool school;              /* the whole school, else "classes" */
	sh_class_set classes;
	const char *class_text;   /* "P3,P4" in school order, NULL for the school */
	const char **class_list;  /* the same, NULL-ended; NULL for the school */
};

/* Reads "req->json" into "in": 0, or -1 after replying 422 (unknown fields, each field's
 * errors at once). */
int sh_ann_input_or_reply(struct sh_request *req, struct sh_response *res,
			  struct sh_ann_input *in);

#endif
