/*
 * What a module handler sees of HTTP: a request (with its arena, its parsed JSON
 * body, route parameters, the authenticated user and the thread's database
 * connection) and a response to fill in.
 *
 * A handler replies exactly once with one of the sh_reply_* functions. Helpers
 * named "..._or_reply" write the error reply themselves and return -1, so a
 * handler's validation is one line each: if (x_or_reply(...) != 0) return;
 */
#ifndef SCHOOLHUB_HTTP_H
#define SCHOOLHUB_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schoolhub/arena.h"
#include "schoolhub/i18n.h"
#include "schoolhub/store.h"
#include "schoolhub/user.h"

struct sh_app;

enum sh_role {
	SH_ROLE_PARENT = 1u << 0,
	SH_ROLE_TEACHER = 1u << 1,
	SH_ROLE_ADMIN = 1u << 2,
};
#define SH_ROLES_ANY (SH_ROLE_PARENT | SH_ROLE_TEACHER | SH_ROLE_ADMIN)

const char *sh_role_name(enum sh_role role);
int sh_role_parse(const char *name, enum sh_role *role_r);

#define SH_MAX_ROUTE_PARAMS 4

struct sh_user_ctx {
	bool authenticated;
	char id[37];
	enum sh_role role;
	struct sh_user account; /* the row read by the auth gate for this request */
};

struct sh_request {
	struct sh_app *app;
	struct sh_arena *arena;
	const char *method;
	const char *path;
	const char *route_pattern; /* e.g. "/api/v1/children/{id}" */
	enum sh_lang lang;         /* from Accept-Language */
	char request_id[65];
	const char *peer_ip;   /* filled on demand by sh_req_peer_ip() */
	const char *client_ip; /* filled on demand by sh_req_client_ip() */

	const char *body; /* raw body (NUL-terminated), may be NULL */
	size_t body_len;
	json_t *json; /* parsed body object for POST/PUT/PATCH/DELETE-with-body; borrowed */

	size_t param_count;
	const char *param_names[SH_MAX_ROUTE_PARAMS];
	const char *param_values[SH_MAX_ROUTE_PARAMS];

	struct sh_user_ctx user;
	struct sh_conn *db; /* this worker thread's connection (NULL when unreachable) */

	void *transport; /* the libmicrohttpd connection; only src/http uses it */
};

#define SH_MAX_EXTRA_HEADERS 16

struct sh_response {
	unsigned status;
	const char *content_type;
	const char *body; /* arena-owned or static */
	size_t body_len;
	size_t header_count;
	const char *header_names[SH_MAX_EXTRA_HEADERS];
	const char *header_values[SH_MAX_EXTRA_HEADERS];
	bool replied;
	bool cacheable; /* set by the static file server; API responses get "no-store"
			 * unless their handler set a Cache-Control header */
};

typedef void sh_handler_fn(struct sh_request *req, struct sh_response *res);

enum sh_route_flags {
	SH_ROUTE_PUBLIC = 0,        /* no token needed */
	SH_ROUTE_AUTH = 1u << 0,    /* a valid access token is required */
	SH_ROUTE_JSON_BODY = 1u << 1, /* the body must be a JSON object (415/400 otherwise) */
	SH_ROUTE_NEEDS_DB = 1u << 2,  /* give the handler req->db (implied by SH_ROUTE_AUTH) */
	/*
	 * With SH_ROUTE_AUTH: the handler reads req->user.role and req->user.account only
	 * after its first database call (req->user.id is there from the start), and does
	 * nothing before that call but validate and read. On PostgreSQL the gate's account
	 * check then travels with that call in one round trip instead of going alone before
	 * the handler; a refused request still answers the gate's 401/403, never the handler's.
	 */
	SH_ROUTE_ACCOUNT_LATE = 1u << 3,
};

struct sh_route {
	const char *method;  /* "GET", "POST", ... */
	const char *pattern; /* "/api/v1/children/{id}/guardians/{user_id}" */
	sh_handler_fn *handler;
	unsigned flags;      /* sh_route_flags */
	unsigned roles;      /* allowed sh_role mask when SH_ROUTE_AUTH; 0 means any */
};

/* Route parameter by name ("id"); NULL if absent. */
const char *sh_req_param(const struct sh_request *req, const char *name);
/* Route parameter "name" as a lower-case UUID (arena); NULL when absent or not a UUID. */
const char *sh_req_uuid_param(const struct sh_request *req, const char *name);
/*
 * The socket peer's address as text ("127.0.0.1", "::1"): behind a reverse proxy, the
 * proxy. Only for what must act on the connection itself; a request's client is
 * sh_req_client_ip.
 */
const char *sh_req_peer_ip(struct sh_request *req);
/*
 * The address of the client that made the request (client_address.c): the socket peer,
 * unless the peer is a proxy listed in SCHOOLHUB_TRUSTED_PROXIES, then the address that
 * proxy names in X-Real-IP. For the guessing limits, /metrics' loopback check and anything
 * else that means "who is asking".
 */
const char *sh_req_client_ip(struct sh_request *req);
struct sh_config;
/* The same for a connection that is not a request (the realtime channel): "peer" the socket
 * peer, "x_real_ip" its X-Real-IP header or NULL; the result is "peer" or in "arena". */
const char *sh_client_ip(const struct sh_config *cfg, const char *peer, const char *x_real_ip,
			 struct sh_arena *arena);
/* A request header (case-insensitive); NULL if absent. */
const char *sh_req_header(const struct sh_request *req, const char *name);
/* A query-string argument; NULL if absent. */
const char *sh_req_query(const struct sh_request *req, const char *name);

/* --- replies ---------------------------------------------------------------- */

/* Serialises "body" (the reference is stolen) with the given status. */
void sh_reply_json(struct sh_request *req, struct sh_response *res, unsigned status, json_t *body);
/* The text of a JSON writer (schoolhub/json_writer.h) as an application/json reply. */
struct sh_jw;
void sh_reply_jw(struct sh_request *req, struct sh_response *res, unsigned status,
		 struct sh_jw *w);
/* A page cursor: the sort key of the last row served (n strings), opaque to clients
 * (base64url of a JSON array). Decoding gives back exactly n strings (arena copies) or -1;
 * the caller checks what each must be before it reaches SQL. */
const char *sh_cursor_encode(struct sh_arena *arena, const char *const *parts, size_t n);
int sh_cursor_decode(struct sh_arena *arena, const char *cursor, size_t n, const char **parts_r);
/* A page of a list, {"items": [...], "next_cursor": "..." or null}: sh_page_begin opens the
 * items (write each as a value), sh_reply_page closes them and answers 200. */
void sh_page_begin(struct sh_request *req, struct sh_jw *w);
void sh_reply_page(struct sh_request *req, struct sh_response *res, struct sh_jw *w,
		   const char *next_cursor);
void sh_reply_empty(struct sh_response *res, unsigned status); /* 204 and friends */
void sh_reply_raw(struct sh_response *res, unsigned status, const char *content_type,
		  const char *body, size_t len);
/* Adds a response header; name and value must live as long as the request (arena or static). */
void sh_res_header(struct sh_response *res, const char *name, const char *value);

/*
 * An RFC 9457 problem: {type, title, status, detail, code}. "code" is the stable
 * machine string (e.g. "not_found"); title comes from the message catalogue in the
 * request's language; "detail" may be NULL (then a localised default is used).
 */
void sh_reply_problem(struct sh_request *req, struct sh_response *res, unsigned status,
		      const char *code, const char *detail);
/* The same problem with members of its own (RFC 9457 extension members, e.g. the most a
 * refused payment could be): "members" is a JSON object whose reference is taken; a member
 * named like a standard one is ignored. */
void sh_reply_problem_extended(struct sh_request *req, struct sh_response *res, unsigned status,
			       const char *code, const char *detail, json_t *members);
/* Shortcuts for the common ones. */
void sh_reply_not_found(struct sh_request *req, struct sh_response *res);
void sh_reply_internal(struct sh_request *req, struct sh_response *res);
/* 429 too_many_requests with Retry-After: every password-hashing slot stayed busy (a login
 * flood); the server itself is fine, the client should slow down. */
void sh_reply_busy(struct sh_request *req, struct sh_response *res);
/* Maps a store error to a reply: SH_DB_DOWN -> 503, SH_DB_RETRY -> 503 retry, else 500. */
void sh_reply_db_error(struct sh_request *req, struct sh_response *res, enum sh_db_rc rc);
/* The reply to a lookup that found no row to answer with: SH_DB_OK (none) -> 404 not_found,
 * a store error -> as sh_reply_db_error. */
void sh_reply_lookup_failed(struct sh_request *req, struct sh_response *res, enum sh_db_rc rc);

/* --- validation ----------------------------------------------------------------
 * Collects field errors; sh_validation_reply() sends 422 validation_failed with
 * errors:[{field, code, message}] when any were added.
 */
#define SH_MAX_FIELD_ERRORS 16
struct sh_validation {
	size_t count;
	const char *fields[SH_MAX_FIELD_ERRORS];
	const char *codes[SH_MAX_FIELD_ERRORS];
};
void sh_validation_add(struct sh_validation *v, const char *field, const char *code);
/* Returns 0 when there were no errors, else replies 422 and returns -1. */
int sh_validation_or_reply(struct sh_request *req, struct sh_response *res,
			   const struct sh_validation *v);

/*
 * Rejects (422, code "unknown_field" per field) any member of the JSON body not in
 * the NULL-terminated "allowed" list. Returns 0 or -1 after replying.
 */
int sh_json_allowed_fields_or_reply(struct sh_request *req, struct sh_response *res,
				    const char *const *allowed);
/* The same check, recorded in "v" instead of replying (for checks that must come after an
 * authorization decision). */
void sh_json_check_allowed(struct sh_request *req, const char *const *allowed,
			   struct sh_validation *v);

/*
 * Typed field getters that record validation errors instead of failing:
 * absent -> "*value_r" untouched and, if "required", error "required";
 * wrong type -> error "invalid_type". Return true when the field was present and valid.
 */
bool sh_json_get_string(json_t *obj, const char *field, bool required, const char **value_r,
			struct sh_validation *v);
bool sh_json_get_bool(json_t *obj, const char *field, bool required, bool *value_r,
		      struct sh_validation *v);
/* Like sh_json_get_string but JSON null is accepted ("*is_null_r" set). */
bool sh_json_get_nullable_string(json_t *obj, const char *field, const char **value_r,
				 bool *is_null_r, struct sh_validation *v);

/* --- pagination ------------------------------------------------------------- */
/* limit=1..100 (default 20); 422 otherwise. Returns 0 or -1 after replying. */
int sh_req_limit_or_reply(struct sh_request *req, struct sh_response *res, int *limit_r);

#endif
