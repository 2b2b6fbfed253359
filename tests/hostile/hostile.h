/*
 * The hostile-input suite: requests an attacker would send, over raw TCP sockets to the
 * real server (started in process on a free port), each followed by a check that the
 * server still answers /health and that no data changed.
 */
#ifndef SCHOOLHUB_TESTS_HOSTILE_H
#define SCHOOLHUB_TESTS_HOSTILE_H

#include <stdbool.h>
#include <stddef.h>

#include "test_http.h"

/* --- raw HTTP over a socket (raw_http.c) ------------------------------------------------ */

struct hx_reply {
	int status;              /* 0: no status line came back */
	char content_type[128];  /* "" when absent */
	char code[64];           /* the problem's "code" when the body is problem+json */
	char *body;              /* NUL-terminated, may be NULL */
	size_t body_len;
	bool closed;             /* the server closed the connection (EOF or reset) */
	bool timed_out;          /* neither a complete reply nor a close within the timeout */
};

/* Connected socket to the test server with send/receive timeouts, or -1. */
int hx_connect(int timeout_ms);
/* The same from another loopback address ("127.0.0.2"...): libmicrohttpd counts connections
 * per client address. */
int hx_connect_from(const char *source_ip, int timeout_ms);
/* Sends all of "buf"; false when the server refused (reset, closed). Never raises SIGPIPE. */
bool hx_send(int fd, const void *buf, size_t len);
/* Reads one reply (status line, headers, Content-Length body), then whether the server
 * closes the connection within "close_wait_ms". */
void hx_read_reply(int fd, int timeout_ms, int close_wait_ms, struct hx_reply *r);
/* Connects, sends "len" bytes, reads the reply and closes. */
void hx_exchange(const void *req, size_t len, int timeout_ms, struct hx_reply *r);
void hx_reply_free(struct hx_reply *r);

/* A complete HTTP/1.1 request; "token" adds a Bearer header, "body" a JSON body,
 * "extra" raw header lines each ending in CRLF. Returned buffer is malloc'ed. */
char *hx_build(const char *method, const char *target, const char *token, const char *extra,
	       const char *body, size_t body_len, size_t *len_r);

/* --- data fingerprint (fingerprint.c) ---------------------------------------------------- */

#define HX_FINGERPRINT_LEN 32
void hx_fingerprint_open(void);
/* A hash over every row of every table that a request could change (not login_failures:
 * failed logins are meant to be counted). */
void hx_fingerprint(unsigned char out[HX_FINGERPRINT_LEN]);
void hx_fingerprint_close(void);

/* --- forged access tokens (forged_tokens.c) ------------------------------------------------ */

enum hx_forgery {
	HX_JWT_ALG_NONE,      /* {"alg":"none"}, no signature */
	HX_JWT_ALG_NONE_CASE, /* {"alg":"None"}, no signature */
	HX_JWT_OTHER_KEY,     /* HS256, signed with a key that is not the server's */
	HX_JWT_HS512,         /* HS512 with the server's own key: the algorithm is pinned */
	HX_JWT_EXPIRED,       /* server's key, exp an hour ago */
	HX_JWT_REFRESH_TYP,   /* server's key, typ "refresh" */
	HX_JWT_EMPTY_SIG,     /* HS256 header and claims, empty signature */
	HX_JWT_COUNT
};
/* A token claiming to be "user_id"; malloc'ed. */
char *hx_forge_token(enum hx_forgery kind, const char *user_id, const char *server_key);

/* --- the cases ---------------------------------------------------------------------------- */

/* Ids and tokens of the people and data the cases aim at, set up before the first case. */
struct hx_world {
	struct th_member victim, coparent, attacker, admin;
	char victim_child[37], attacker_child[37];
	char victim_service[37], attacker_service[37];
	char victim_payment[37]; /* completed: victim paid coparent */
	char victim_request[37]; /* pending: coparent asks victim to pay */
	char victim_invitation[37]; /* pending: the victim invited an address with no account */
	char victim_conversation[37]; /* direct: the victim and the co-parent */
	char victim_message[37];      /* the victim's, in that conversation */
	char *forged[HX_JWT_COUNT];
	char metrics_token[40];
};
extern struct hx_world hx_world;

enum hx_expect {
	HX_PROBLEM,    /* a problem+json with "status" (and "code" when set) */
	HX_PROBLEM_CLOSED, /* the same, and the connection closed after it (a framing the
			      server cannot trust: what follows is not a next request) */
	HX_HTTP_REJECT, /* broken HTTP: a 4xx (problem+json or libmicrohttpd's own page) or a
			   closed connection; never a 5xx, never silence */
	HX_HARMLESS_2XX /* a 2xx by design, explained in the case and in docs/SECURITY.md; the
			   case checks what came back, and no data may change */
};

/* What a case observed, for the verdict and the report line. */
struct hx_outcome {
	struct hx_reply reply;
	bool failed;       /* the case's own check failed; "why" says how */
	char why[256];
};

struct hx_case {
	const char *id;       /* "API1-03", "HTTP-07" */
	const char *title;
	enum hx_expect expect;
	int status;           /* HX_PROBLEM: the status, 0 for any 4xx; HX_HARMLESS_2XX: the
				 status; HX_HTTP_REJECT: a status libmicrohttpd may send beyond 4xx */
	const char *code;     /* HX_PROBLEM: the problem code, NULL for any */
	/* Data-driven request; "{name}" in them is replaced from hx_world (see main.c). */
	const char *method, *target, *auth, *body, *extra;
	/* Or a function that does everything itself. */
	void (*run)(const struct hx_case *c, struct hx_outcome *o);
	/* Or the exact bytes to send ("{name}" expanded too). */
	const char *raw;
};

extern const struct hx_case hx_api_cases[];
extern const size_t hx_api_case_count;
/* Connection-level cases (edge_cases.c): header deadline, connection slots, the log. */
void hx_slowloris(const struct hx_case *c, struct hx_outcome *o);
void hx_slots_filled_by_tricklers(const struct hx_case *c, struct hx_outcome *o);
void hx_refused_flood_log(const struct hx_case *c, struct hx_outcome *o);
void hx_header_block_too_large(const struct hx_case *c, struct hx_outcome *o);
/* The header deadline the suite runs with (SCHOOLHUB_HEADER_TIMEOUT_S). */
#define HX_HEADER_TIMEOUT_S 3
/* Its connection limits (SCHOOLHUB_MAX_CONNECTIONS, SCHOOLHUB_MAX_CONNECTIONS_PER_IP). */
#define HX_MAX_CONNECTIONS 96
#define HX_MAX_CONNECTIONS_PER_IP 40

extern const struct hx_case hx_http_cases[];
extern const size_t hx_http_case_count;

/* Expands "{name}" placeholders from hx_world; malloc'ed (NULL stays NULL). */
char *hx_expand(const char *template);

/* Every case with a "run" function reports through these. */
void hx_fail(struct hx_outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
