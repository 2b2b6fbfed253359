/*
 * Content negotiation of the static app's pre-compressed copies (internal to src/http):
 * which coding an Accept-Encoding field asks for, and whether an If-None-Match field
 * names a given entity tag. Pure functions of the header text, unit-tested on their own
 * (tests/unit/test_content_coding.c).
 */
#ifndef SCHOOLHUB_HTTP_CONTENT_CODING_H
#define SCHOOLHUB_HTTP_CONTENT_CODING_H

#include <stdbool.h>

enum sh_coding {
	SH_CODING_IDENTITY,
	SH_CODING_GZIP,
	SH_CODING_BR,
};

/*
 * The coding to send, given the request's Accept-Encoding field "accept" (all its lines
 * joined with ", "; NULL when absent) and which encoded copies exist. RFC 9110 §12.5.3:
 * - no field, or an empty one: identity;
 * - codings are case-insensitive, "x-gzip" is "gzip", "*" stands for every coding the
 *   field does not name, "q=0" refuses one; a malformed element (a q-value out of
 *   0..1 or with more than three decimals, a parameter other than q) counts as absent;
 *   a coding named twice keeps its lowest weight, so a later ";q=0" is never overruled;
 * - the highest weight wins; a tie goes to the smaller copy (br, then gzip, then
 *   identity), and identity the field does not name loses to any acceptable coding;
 * - when nothing acceptable is available (even "identity;q=0"), identity: the field is
 *   disregarded rather than answered with 406, as §12.5.3 allows.
 */
enum sh_coding sh_coding_choose(const char *accept, bool have_gzip, bool have_br);

/* "gzip" or "br" (the Content-Encoding value); NULL for identity. */
const char *sh_coding_name(enum sh_coding coding);

/*
 * Whether the If-None-Match field "field" (NULL when absent) matches "etag" (quoted,
 * e.g. "\"ab12\""): "*", or a comma-separated list of entity tags one of which equals it
 * by the weak comparison (a "W/" prefix is ignored). A malformed list matches nothing
 * past the point where it stops being a list of entity tags.
 */
bool sh_etag_list_matches(const char *field, const char *etag);

#endif
