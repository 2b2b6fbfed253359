/*
 * Malformed HTTP and hostile bodies. libmicrohttpd parses the protocol: what it refuses
 * itself (oversized headers, broken chunking) gets its own short HTML 4xx page and the
 * connection closed, which HX_HTTP_REJECT accepts; everything that reaches SchoolHub must
 * come back as a problem+json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"
#include "schoolhub/mem.h"

#define ME "/api/v1/users/me"
#define PAY "/api/v1/sel/transactions"

/* Sends "len" bytes of "req" on a fresh connection; the reply goes to the outcome. */
static void send_raw(struct hx_outcome *o, const void *req, size_t len, int timeout_ms)
{
	hx_exchange(req, len, timeout_ms, &o->reply);
}

/* A request with the attacker's token and "body" of "len" bytes as JSON. */
static void send_json(struct hx_outcome *o, const char *method, const char *target,
		      const char *body, size_t len)
{
	size_t n;
	char *req = hx_build(method, target, hx_world.attacker.access_token, NULL, body, len, &n);
	send_raw(o, req, n, 10000);
	sh_free(&req);
}

/* A header block of "size" bytes: one header, or many small ones. */
static void big_headers(struct hx_outcome *o, size_t size, bool many)
{
	char *req = sh_malloc(size + 256);
	int n = sprintf(req, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
	if (many) {
		for (int i = 0; (size_t)n < size; i++)
			n += sprintf(req + n, "X-Filler-%d: %s\r\n", i,
				     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	} else {
		n += sprintf(req + n, "X-Big: ");
		memset(req + n, 'a', size);
		n += (int)size;
		n += sprintf(req + n, "\r\n");
	}
	n += sprintf(req + n, "\r\n");
	send_raw(o, req, (size_t)n, 10000);
	sh_free(&req);
}

static void header_100k(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	big_headers(o, 100 * 1024, false);
}

static void headers_many(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	big_headers(o, 100 * 1024, true);
}

static void target_100k(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	size_t size = 100 * 1024;
	char *req = sh_malloc(size + 128);
	int n = sprintf(req, "GET /api/v1/sel/services?q=");
	memset(req + n, 'a', size);
	n += (int)size;
	n += sprintf(req + n, " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	send_raw(o, req, (size_t)n, 10000);
	sh_free(&req);
}

/* Content-Length 10, then 40 bytes: the server reads 10 (not JSON) and must say so. */
static void body_longer_than_announced(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	char req[1024];
	int n = snprintf(req, sizeof(req),
			 "PATCH " ME " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
			 "Content-Type: application/json\r\nContent-Length: 10\r\n\r\n"
			 "{\"first_name\":\"Smuggled\",\"role\":\"admin\"}",
			 hx_world.attacker.access_token);
	send_raw(o, req, (size_t)n, 10000);
}

/* Content-Length 100, then 10 bytes and silence: dropped at the idle timeout. */
static void body_shorter_than_announced(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	char req[1024];
	int n = snprintf(req, sizeof(req),
			 "PATCH " ME " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
			 "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
			 "{\"first_n",
			 hx_world.attacker.access_token);
	send_raw(o, req, (size_t)n, 10000);
}

/*
 * libmicrohttpd 0.9.75 hands the request target on as a C string, so a raw NUL cuts it:
 * this is served exactly as GET /api/v1/users/me, with the caller's own rights. What
 * follows the NUL reaches nothing; the case checks the reply is the attacker's own profile.
 */
static void nul_in_request_line(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	static const char line[] = "GET /api/v1/users/me\0/../../etc/passwd HTTP/1.1\r\n";
	char req[1024];
	memcpy(req, line, sizeof(line) - 1);
	int n = snprintf(req + sizeof(line) - 1, sizeof(req) - sizeof(line),
			 "Host: 127.0.0.1\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n",
			 hx_world.attacker.access_token);
	send_raw(o, req, sizeof(line) - 1 + (size_t)n, 5000);
	if (o->reply.body == NULL || strstr(o->reply.body, hx_world.attacker.id) == NULL)
		hx_fail(o, "not the caller's own profile: %.80s", o->reply.body ? o->reply.body : "");
}

/* The app's script asked for with a long hostile list header "name": "unit" repeated to
 * ~8 KB, then "tail". Any answer but a 200 (a crash, a 5xx) fails. */
static void hostile_list_header(struct hx_outcome *o, const char *name, const char *unit,
				const char *tail)
{
	size_t size = 8 * 1024, n = strlen(unit);
	char *extra = sh_malloc(size + n + strlen(name) + strlen(tail) + 8);
	size_t len = (size_t)sprintf(extra, "%s: ", name);
	while (len < size) {
		memcpy(extra + len, unit, n);
		len += n;
	}
	len += (size_t)sprintf(extra + len, "%s\r\n", tail);
	size_t req_len;
	char *req = hx_build("GET", "/", NULL, extra, NULL, 0, &req_len);
	send_raw(o, req, req_len, 10000);
	sh_free(&req);
	sh_free(&extra);
}

static void accept_encoding_garbage(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	hostile_list_header(o, "Accept-Encoding", "br;q=9.99999;q=;;,,\t*;Q=0.,x-gzip;q=1e9, ",
			    "gzip;q=\"0.5, br;p=\"\\\"");
}

static void if_none_match_garbage(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	hostile_list_header(o, "If-None-Match", "W/\"\", W/W/\"x\"\"\",,, ", "\"unclosed");
}

static void tls_hello(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	/* The start of a TLS 1.2 ClientHello record (NUL bytes included). */
	static const char hello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"
				    "0123456789abcdef0123456789abcdef\x00\x00\x02\xc0\x2f\x01\x00";
	send_raw(o, hello, sizeof(hello) - 1, 10000);
}

static void raw_invalid_utf8_target(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	static const char req[] = "GET /\xff\xfe\xc0\xae\xc0\xae/etc/passwd HTTP/1.1\r\n"
				  "Host: 127.0.0.1\r\nConnection: close\r\n\r\n";
	send_raw(o, req, sizeof(req) - 1, 5000);
}

static void json_overlong_utf8(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	static const char body[] = "{\"first_name\":\"\xc0\xae\xc0\xae\"}";
	send_json(o, "PATCH", ME, body, sizeof(body) - 1);
}

static void json_invalid_utf8(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	static const char body[] = "{\"first_name\":\"Eve\xff\xfe\"}";
	send_json(o, "PATCH", ME, body, sizeof(body) - 1);
}

/* "depth" opening brackets (arrays or {"a": objects) and no closing ones needed to fail. */
static void json_deep(struct hx_outcome *o, size_t depth, bool objects)
{
	size_t unit = objects ? 5 : 1;
	char *body = sh_malloc(depth * unit * 2 + 16);
	size_t n = 0;
	for (size_t i = 0; i < depth; i++) {
		memcpy(body + n, objects ? "{\"a\":" : "[", unit);
		n += unit;
	}
	body[n++] = '1';
	for (size_t i = 0; i < depth; i++)
		body[n++] = objects ? '}' : ']';
	if (!objects) {
		/* The body must be an object to get past the first check: wrap it. */
		memmove(body + 5, body, n);
		memcpy(body, "{\"a\":", 5);
		n += 5;
		body[n++] = '}';
	}
	send_json(o, "PATCH", ME, body, n);
	sh_free(&body);
}

static void json_deep_arrays(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	json_deep(o, 100000, false);
}

static void json_deep_objects(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	json_deep(o, 100000, true);
}

#define TEN_MB (10u * 1024 * 1024)

static void body_10mb(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	char head[1024];
	int n = snprintf(head, sizeof(head),
			 "PATCH " ME " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
			 "Content-Type: application/json\r\nContent-Length: %u\r\n\r\n",
			 hx_world.attacker.access_token, TEN_MB);
	int fd = hx_connect(10000);
	if (fd < 0 || !hx_send(fd, head, (size_t)n)) {
		hx_fail(o, "cannot send the head");
		if (fd >= 0)
			close(fd);
		return;
	}
	/* The answer comes before the body: nothing of it is read. */
	hx_read_reply(fd, 5000, 300, &o->reply);
	char *filler = sh_malloc(TEN_MB);
	memset(filler, ' ', TEN_MB);
	(void)hx_send(fd, filler, TEN_MB); /* refused part-way once the server closes */
	sh_free(&filler);
	close(fd);
}

static void body_10mb_chunked(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	char head[1024];
	int n = snprintf(head, sizeof(head),
			 "PATCH " ME " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
			 "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
			 hx_world.attacker.access_token);
	int fd = hx_connect(10000);
	if (fd < 0 || !hx_send(fd, head, (size_t)n)) {
		hx_fail(o, "cannot send the head");
		if (fd >= 0)
			close(fd);
		return;
	}
	size_t chunk = 64 * 1024;
	char *buf = sh_malloc(chunk + 32);
	int h = sprintf(buf, "%zx\r\n", chunk);
	memset(buf + h, ' ', chunk);
	memcpy(buf + h + chunk, "\r\n", 2);
	size_t sent = 0;
	while (sent < TEN_MB && hx_send(fd, buf, (size_t)h + chunk + 2))
		sent += chunk;
	sh_free(&buf);
	if (sent >= TEN_MB)
		(void)hx_send(fd, "0\r\n\r\n", 5);
	hx_read_reply(fd, 5000, 300, &o->reply);
	close(fd);
}

/* Huge JSON numbers and duplicate keys, where the server reads a number. */
#define PAY_TO "{\"to_user_id\":\"{victim_id}\",\"units\":"

const struct hx_case hx_http_cases[] = {
	/* Oversized and broken framing. */
	{.id = "HTTP-01", .title = "one 100 KB header", .expect = HX_HTTP_REJECT, .run = header_100k},
	{.id = "HTTP-02", .title = "100 KB of small headers", .expect = HX_HTTP_REJECT,
	 .run = headers_many},
	{.id = "HTTP-03", .title = "100 KB request target", .expect = HX_HTTP_REJECT,
	 .run = target_100k},
	{.id = "HTTP-04", .title = "40 KB Authorization header", .expect = HX_HTTP_REJECT,
	 .method = "GET", .target = ME, .auth = "{garbage_40k}"},
	{.id = "HTTP-05", .title = "body larger than its Content-Length", .expect = HX_PROBLEM,
	 .status = 400, .code = "invalid_json", .run = body_longer_than_announced},
	{.id = "HTTP-06", .title = "body smaller than its Content-Length", .expect = HX_HTTP_REJECT,
	 .run = body_shorter_than_announced},
	{.id = "HTTP-07", .title = "chunk size not hexadecimal", .expect = HX_HTTP_REJECT,
	 .raw = "PATCH " ME " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok_attacker}\r\n"
		"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
		"zz\r\n{}\r\n0\r\n\r\n"},
	{.id = "HTTP-08", .title = "chunk size overflowing 64 bits", .expect = HX_HTTP_REJECT,
	 .raw = "PATCH " ME " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok_attacker}\r\n"
		"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
		"fffffffffffffffffffff\r\n{}\r\n0\r\n\r\n"},
	{.id = "HTTP-09", .title = "chunk longer than its size", .expect = HX_HTTP_REJECT,
	 .raw = "PATCH " ME " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok_attacker}\r\n"
		"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
		"2\r\n{\"first_name\":\"Chunked\"}\r\n0\r\n\r\n"},
	{.id = "HTTP-10", .title = "Content-Length and Transfer-Encoding (smuggling)",
	 .expect = HX_PROBLEM_CLOSED, .status = 400, .code = "invalid_framing",
	 .raw = "PATCH " ME " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok_attacker}\r\n"
		"Content-Type: application/json\r\nContent-Length: 4\r\n"
		"Transfer-Encoding: chunked\r\n\r\n"
		"1c\r\n{\"first_name\":\"Smuggled\"}\r\n0\r\n\r\n"},
	{.id = "HTTP-11", .title = "two different Content-Length headers",
	 .expect = HX_PROBLEM_CLOSED, .status = 400, .code = "invalid_framing",
	 .raw = "PATCH " ME " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok_attacker}\r\n"
		"Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 26\r\n\r\n"
		"{\"first_name\":\"Smuggled\"}"},
	{.id = "HTTP-12", .title = "negative Content-Length", .expect = HX_HTTP_REJECT,
	 .raw = "PATCH " ME " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok_attacker}\r\n"
		"Content-Type: application/json\r\nContent-Length: -1\r\n\r\n{}"},
	{.id = "HTTP-13", .title = "Content-Length not a number", .expect = HX_HTTP_REJECT,
	 .raw = "PATCH " ME " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok_attacker}\r\n"
		"Content-Type: application/json\r\nContent-Length: 12abc\r\n\r\n{}"},
	{.id = "HTTP-14", .title = "Content-Length beyond 2^64", .expect = HX_HTTP_REJECT,
	 .raw = "PATCH " ME " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok_attacker}\r\n"
		"Content-Type: application/json\r\nContent-Length: 99999999999999999999999\r\n\r\n"
		"{}"},
	{.id = "HTTP-15", .title = "slowloris: a header line growing a byte every 500 ms",
	 .expect = HX_HTTP_REJECT, .run = hx_slowloris},
	{.id = "HTTP-16", .title = "TLS ClientHello on the plain HTTP port", .expect = HX_HTTP_REJECT,
	 .run = tls_hello},
	{.id = "HTTP-17", .title = "header line without a colon", .expect = HX_HTTP_REJECT,
	 .raw = "GET " ME " HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n"},
	{.id = "HTTP-18", .title = "unknown HTTP version", .expect = HX_HTTP_REJECT, .status = 505,
	 .raw = "GET " ME " HTTP/9.9\r\nHost: x\r\n\r\n"},
	{.id = "HTTP-19", .title = "1 KB method name", .expect = HX_PROBLEM, .status = 405,
	 .code = "method_not_allowed", .method = "{long_method}", .target = ME},
	{.id = "HTTP-20", .title = "oversized Content-Length with Expect: 100-continue",
	 .expect = HX_PROBLEM, .status = 413, .code = "payload_too_large",
	 .raw = "PATCH " ME " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok_attacker}\r\n"
		"Content-Type: application/json\r\nContent-Length: 10485760\r\n"
		"Expect: 100-continue\r\n\r\n"},

	/* Paths. */
	{.id = "HTTP-21", .title = "raw NUL byte in the request line (served as the cut path)",
	 .expect = HX_HARMLESS_2XX, .status = 200, .run = nul_in_request_line},
	{.id = "HTTP-22", .title = "%00 in the path", .expect = HX_PROBLEM, .status = 400,
	 .code = "invalid_path", .method = "GET", .target = ME "%00.json",
	 .auth = "{tok_attacker}"},
	{.id = "HTTP-23", .title = "../ traversal", .expect = HX_PROBLEM, .status = 400,
	 .code = "invalid_path", .method = "GET", .target = "/../../../etc/passwd"},
	{.id = "HTTP-24", .title = "%2e%2e/ traversal", .expect = HX_PROBLEM, .status = 400,
	 .code = "invalid_path", .method = "GET", .target = "/%2e%2e/%2e%2e/etc/passwd"},
	{.id = "HTTP-25", .title = "..%2f inside an API path", .expect = HX_PROBLEM, .status = 400,
	 .code = "invalid_path", .method = "GET",
	 .target = "/api/v1/children/..%2f..%2fusers/me", .auth = "{tok_attacker}"},
	{.id = "HTTP-26", .title = "backslash traversal", .expect = HX_PROBLEM, .status = 400,
	 .code = "invalid_path", .method = "GET", .target = "/..%5c..%5cwindows%5cwin.ini"},
	{.id = "HTTP-27", .title = "overlong UTF-8 dots (%c0%ae) in the path", .expect = HX_PROBLEM,
	 .status = 400, .code = "invalid_path", .method = "GET",
	 .target = "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd"},
	{.id = "HTTP-28", .title = "invalid UTF-8 (%ff%fe) in the path", .expect = HX_PROBLEM,
	 .status = 400, .code = "invalid_path", .method = "GET", .target = "/%ff%fe%fd"},
	{.id = "HTTP-29", .title = "raw invalid UTF-8 bytes in the request target",
	 .expect = HX_HTTP_REJECT, .run = raw_invalid_utf8_target},
	{.id = "HTTP-30", .title = "control character (%0a) in an id", .expect = HX_PROBLEM,
	 .status = 400, .code = "invalid_path", .method = "GET",
	 .target = "/api/v1/children/{victim_child}%0a", .auth = "{tok_victim}"},

	/* Bodies. */
	{.id = "HTTP-31", .title = "overlong UTF-8 in a JSON string", .expect = HX_PROBLEM,
	 .status = 400, .code = "invalid_json", .run = json_overlong_utf8},
	{.id = "HTTP-32", .title = "invalid UTF-8 in a JSON string", .expect = HX_PROBLEM,
	 .status = 400, .code = "invalid_json", .run = json_invalid_utf8},
	{.id = "HTTP-33", .title = "lone UTF-16 surrogate escape", .expect = HX_PROBLEM,
	 .status = 400, .code = "invalid_json", .method = "PATCH", .target = ME,
	 .auth = "{tok_attacker}", .body = "{\"first_name\":\"\\ud800\"}"},
	{.id = "HTTP-34", .title = "\\u0000 inside a JSON string", .expect = HX_PROBLEM,
	 .status = 400, .code = "invalid_json", .method = "PATCH", .target = ME,
	 .auth = "{tok_attacker}", .body = "{\"first_name\":\"Eve\\u0000admin\"}"},
	{.id = "HTTP-35", .title = "JSON arrays nested 100,000 deep", .expect = HX_PROBLEM,
	 .status = 400, .code = "invalid_json", .run = json_deep_arrays},
	{.id = "HTTP-36", .title = "JSON objects nested 100,000 deep", .expect = HX_PROBLEM,
	 .status = 400, .code = "invalid_json", .run = json_deep_objects},
	{.id = "HTTP-37", .title = "10 MB body (Content-Length)", .expect = HX_PROBLEM,
	 .status = 413, .code = "payload_too_large", .run = body_10mb},
	{.id = "HTTP-38", .title = "10 MB body (chunked)", .expect = HX_HTTP_REJECT,
	 .run = body_10mb_chunked},
	{.id = "HTTP-39", .title = "units: 1e400", .expect = HX_PROBLEM, .status = 400,
	 .code = "invalid_json", .method = "POST", .target = PAY, .auth = "{tok_attacker}",
	 .body = PAY_TO "1e400}"},
	{.id = "HTTP-40", .title = "units: -1e400", .expect = HX_PROBLEM, .status = 400,
	 .code = "invalid_json", .method = "POST", .target = PAY, .auth = "{tok_attacker}",
	 .body = PAY_TO "-1e400}"},
	{.id = "HTTP-41", .title = "units: 1e-400 (underflows to 0.0)", .expect = HX_PROBLEM,
	 .status = 422, .code = "validation_failed", .method = "POST", .target = PAY,
	 .auth = "{tok_attacker}", .body = PAY_TO "1e-400}"},
	{.id = "HTTP-42", .title = "units: an integer beyond 64 bits", .expect = HX_PROBLEM,
	 .status = 400, .code = "invalid_json", .method = "POST", .target = PAY,
	 .auth = "{tok_attacker}", .body = PAY_TO "99999999999999999999999}"},
	{.id = "HTTP-43", .title = "duplicate key: units 1 then 100000", .expect = HX_PROBLEM,
	 .status = 400, .code = "invalid_json", .method = "POST", .target = PAY,
	 .auth = "{tok_attacker}", .body = PAY_TO "1,\"units\":100000}"},
	{.id = "HTTP-44", .title = "duplicate key: role in a registration", .expect = HX_PROBLEM,
	 .status = 400, .code = "invalid_json", .method = "POST", .target = "/api/v1/auth/register",
	 .body = "{\"email\":\"dup@example.be\",\"password\":\"correct horse battery\","
		 "\"first_name\":\"D\",\"last_name\":\"D\",\"email\":\"{victim_email}\"}"},
	{.id = "HTTP-45", .title = "JSON array instead of an object", .expect = HX_PROBLEM,
	 .status = 400, .code = "invalid_json", .method = "PATCH", .target = ME,
	 .auth = "{tok_attacker}", .body = "[{\"role\":\"admin\"}]"},
	{.id = "HTTP-46", .title = "truncated JSON", .expect = HX_PROBLEM, .status = 400,
	 .code = "invalid_json", .method = "PATCH", .target = ME, .auth = "{tok_attacker}",
	 .body = "{\"first_name\":\"Eve"},
	{.id = "HTTP-47", .title = "two JSON documents in one body", .expect = HX_PROBLEM,
	 .status = 400, .code = "invalid_json", .method = "PATCH", .target = ME,
	 .auth = "{tok_attacker}", .body = "{\"first_name\":\"A\"}{\"role\":\"admin\"}"},
	{.id = "HTTP-48", .title = "empty JSON body", .expect = HX_PROBLEM, .status = 400,
	 .code = "invalid_json", .method = "PATCH", .target = ME, .auth = "{tok_attacker}",
	 .body = ""},

	/* Framing (RFC 9112 6.1, 6.3) and the header deadline. */
	{.id = "HTTP-49", .title = "a valid chunked body that also has a Content-Length",
	 .expect = HX_PROBLEM_CLOSED, .status = 400, .code = "invalid_framing",
	 .raw = "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
		"Content-Type: application/json\r\nContent-Length: 2\r\n"
		"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"},
	{.id = "HTTP-50", .title = "Transfer-Encoding: gzip", .expect = HX_PROBLEM_CLOSED,
	 .status = 501, .code = "unsupported_transfer_encoding",
	 .raw = "PATCH " ME " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok_attacker}\r\n"
		"Content-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\n{}"},
	{.id = "HTTP-51", .title = "Transfer-Encoding: gzip, chunked", .expect = HX_PROBLEM_CLOSED,
	 .status = 501, .code = "unsupported_transfer_encoding",
	 .raw = "PATCH " ME " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok_attacker}\r\n"
		"Content-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
		"2\r\n{}\r\n0\r\n\r\n"},
	{.id = "HTTP-52", .title = "two Transfer-Encoding lines", .expect = HX_PROBLEM_CLOSED,
	 .status = 400, .code = "invalid_framing",
	 .raw = "PATCH " ME " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok_attacker}\r\n"
		"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
		"Transfer-Encoding: identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n"},
	{.id = "HTTP-53", .title = "Transfer-Encoding: chunked in an HTTP/1.0 request",
	 .expect = HX_PROBLEM_CLOSED, .status = 400, .code = "invalid_framing",
	 .raw = "POST /api/v1/auth/login HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n"
		"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
		"2\r\n{}\r\n0\r\n\r\n"},
	{.id = "HTTP-54", .title = "half a header block, then silence", .expect = HX_PROBLEM_CLOSED,
	 .status = 408, .code = "request_timeout",
	 .raw = "GET " ME " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer"},
	/* Before HTTP-56: a refusal logged in the last 10 s would already be counted, not
	 * written, and nothing before this case is refused. */
	{.id = "HTTP-55", .title = "300 connections refused over the per-address limit: the log",
	 .expect = HX_HTTP_REJECT, .run = hx_refused_flood_log},
	{.id = "HTTP-56", .title = "every connection slot held by slow clients",
	 .expect = HX_HARMLESS_2XX, .status = 200, .run = hx_slots_filled_by_tricklers},
	{.id = "HTTP-57", .title = "40 KB header block: libmicrohttpd's 431, closed",
	 .expect = HX_HTTP_REJECT, .run = hx_header_block_too_large},
	/* The static app's negotiation (src/http/content_coding.c). */
	{.id = "HTTP-58", .title = "8 KB Accept-Encoding of bad q-values, quotes and empty elements",
	 .expect = HX_HARMLESS_2XX, .status = 200, .run = accept_encoding_garbage},
	{.id = "HTTP-59", .title = "8 KB If-None-Match of broken entity tags, one left open",
	 .expect = HX_HARMLESS_2XX, .status = 200, .run = if_none_match_garbage},
};
const size_t hx_http_case_count = sizeof(hx_http_cases) / sizeof(hx_http_cases[0]);
