/* Refusing request framings that two parsers could read differently (see request_framing.h). */
#include "http/request_framing.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

struct framing_headers {
	unsigned te_count, cl_count;
	bool te_chunked;     /* the (last) Transfer-Encoding is exactly "chunked" */
	bool cl_disagree;    /* two Content-Length values differ */
	const char *cl_first;
};

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *value)
{
	(void)kind;
	struct framing_headers *h = cls;
	if (value == NULL)
		value = "";
	if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		h->te_count++;
		h->te_chunked = strcasecmp(value, "chunked") == 0;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (h->cl_count++ == 0)
			h->cl_first = value;
		else if (strcmp(h->cl_first, value) != 0)
			h->cl_disagree = true;
	}
	return MHD_YES;
}

enum sh_framing sh_http_framing_check(struct MHD_Connection *c, const char *version)
{
	struct framing_headers h = {0};
	MHD_get_connection_values(c, MHD_HEADER_KIND, collect, &h);
	if (h.cl_disagree)
		return SH_FRAMING_AMBIGUOUS;
	if (h.te_count == 0)
		return SH_FRAMING_OK;
	/* RFC 9112 §6.1: with both, the message is to be treated as an attack; an HTTP/1.0
	 * recipient cannot know chunked at all; two Transfer-Encoding lines are two framings. */
	if (h.cl_count > 0 || h.te_count > 1 ||
	    (version != NULL && strcmp(version, MHD_HTTP_VERSION_1_0) == 0))
		return SH_FRAMING_AMBIGUOUS;
	return h.te_chunked ? SH_FRAMING_OK : SH_FRAMING_UNSUPPORTED;
}
