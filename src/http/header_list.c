/* Joining a list header sent on several lines (see header_list.h). */
#include "http/header_list.h"

#include <microhttpd.h>
#include <string.h>
#include <strings.h>

#include "schoolhub/arena.h"

struct join {
	const char *name;
	size_t lines;
	size_t length; /* of the joined text, without its NUL */
	char *out;     /* NULL on the counting pass */
};

static enum MHD_Result join_line(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct join *j = cls;
	(void)kind;
	if (key == NULL || strcasecmp(key, j->name) != 0)
		return MHD_YES;
	size_t n = value != NULL ? strlen(value) : 0;
	if (j->out != NULL) {
		if (j->lines > 0) {
			memcpy(j->out + j->length, ", ", 2);
			j->length += 2;
		}
		memcpy(j->out + j->length, value != NULL ? value : "", n);
	} else if (j->lines > 0) {
		j->length += 2;
	}
	j->lines++;
	j->length += n;
	return MHD_YES;
}

const char *sh_req_header_list(const struct sh_request *req, const char *name)
{
	/* Two passes over the (at most 32 KiB of) headers: count, then copy once. */
	struct join j = {.name = name};
	MHD_get_connection_values(req->transport, MHD_HEADER_KIND, join_line, &j);
	if (j.lines == 0)
		return NULL;
	if (j.lines == 1)
		return MHD_lookup_connection_value(req->transport, MHD_HEADER_KIND, name);
	size_t total = j.length;
	j = (struct join){.name = name, .out = sh_arena_alloc(req->arena, total + 1)};
	MHD_get_connection_values(req->transport, MHD_HEADER_KIND, join_line, &j);
	j.out[j.length] = '\0';
	return j.out;
}
