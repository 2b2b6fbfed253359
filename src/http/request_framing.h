/*
 * Where a request body ends, decided before a byte of it is read. libmicrohttpd 0.9.75 lets
 * Transfer-Encoding win over Content-Length without a word, and for a transfer coding it
 * does not know it reads the body until the client closes: behind a proxy that frames the
 * same bytes differently that is request smuggling (RFC 9112 §6.1, §6.3), and on its own a
 * connection that hangs until the idle timeout (internal to src/http).
 */
#ifndef SCHOOLHUB_HTTP_REQUEST_FRAMING_H
#define SCHOOLHUB_HTTP_REQUEST_FRAMING_H

#include <microhttpd.h>

enum sh_framing {
	SH_FRAMING_OK,
	/* 400 invalid_framing: Transfer-Encoding with Content-Length, Transfer-Encoding twice
	 * or in an HTTP/1.0 request, Content-Length headers that disagree */
	SH_FRAMING_AMBIGUOUS,
	/* 501 unsupported_transfer_encoding: a coding other than "chunked" alone */
	SH_FRAMING_UNSUPPORTED,
};

/* Checks the framing headers of the request on "c" ("version" as libmicrohttpd gives it). */
enum sh_framing sh_http_framing_check(struct MHD_Connection *c, const char *version);

#endif
