/*
 * API test support: the real server started in process on a free port, and a small
 * libcurl client that returns status, headers, body and parsed JSON.
 */
#ifndef SCHOOLHUB_TEST_HTTP_H
#define SCHOOLHUB_TEST_HTTP_H

#include <jansson.h>
#include <stddef.h>

#include "schoolhub/app.h"
#include "schoolhub/server.h"

struct th_server {
	struct sh_app *app;
	struct sh_server *server;
	char base_url[64];
	char data_dir[64];
	const char *database_url;
};

/*
 * Starts a server on a fresh database of "backend" ("sqlite"/"postgres"). "env" is a
 * NULL-terminated list of "NAME=value" overrides (e.g. "SCHOOLHUB_REGISTRATION=invite").
 * Aborts the program on failure.
 */
void th_server_start(struct th_server *s, const char *backend, const char *const *env);
void th_server_stop(struct th_server *s);
/* A second server on the database of "first" (its own data directory): two instances. */
void th_server_start_beside(struct th_server *s, const struct th_server *first,
			    const char *const *env);
/* Stops "s" and starts it again on the same database and data directory with "env"
 * (a restart: what was committed must still be there, queued jobs included). */
void th_server_restart(struct th_server *s, const char *const *env);
/* Removes DATA_DIR/outbox and the e-mails in it. */
void th_remove_outbox(const char *data_dir);

struct th_resp {
	long status;
	char *body;
	size_t body_len;
	json_t *json; /* NULL unless the body parsed as JSON */
	char *headers; /* raw response headers */
};

/*
 * Sends a request to the current server. "token" adds "Authorization: Bearer"; "body" is
 * sent with "content_type" (default application/json when body is set); "extra" is a
 * NULL-terminated list of raw header lines ("Accept-Language: nl").
 */
struct th_resp *th_request(const char *method, const char *path, const char *token,
			   const char *body, const char *content_type, const char *const *extra);
/* Shortcut: JSON body built with json_pack-style format (NULL fmt: no body). */
struct th_resp *th_json(const char *method, const char *path, const char *token,
			const char *fmt, ...);
/* Value of a response header (case-insensitive), copied into a static buffer; NULL if absent. */
const char *th_header(const struct th_resp *r, const char *name);
/* Percent-encodes "s" for a query string into "out" (cut to fit "size"). */
void th_url_encode(char *out, size_t size, const char *s);
void th_resp_free(struct th_resp **r);

/* String member of the JSON body (NULL if absent). */
const char *th_str(const struct th_resp *r, const char *key);
/* The "code" of a problem+json body. */
const char *th_code(const struct th_resp *r);

/* A registered member for tests. */
struct th_member {
	char email[128];
	char password[64];
	char id[37];
	char *access_token;
	char *refresh_token;
};
/* The privacy notice version a registration must accept: SH_PRIVACY_VERSION of
 * src/modules/users/privacy.h (the privacy suite asserts they are equal). */
#define TH_PRIVACY_VERSION "2026-12-09"
/* Registers a new member with a unique email (prefix "who") whose address counts as
 * verified (th_member_mark_verified), as every member's will once they open the link;
 * aborts on failure. */
void th_member_register(struct th_member *m, const char *who);
/* The same, as registration leaves it: the address not verified yet. */
void th_member_register_unverified(struct th_member *m, const char *who);
/* Sets users.is_verified directly in the database (suites that test something else). */
void th_member_mark_verified(const struct th_member *m);
void th_member_free(struct th_member *m);

/* The calling thread's source address for th_request ("127.0.0.2": any loopback address
 * reaches the server); NULL: the system's choice, 127.0.0.1. */
extern _Thread_local const char *th_source_ip;
/* The calling thread's whole-request timeout in seconds; 0: 30. */
extern _Thread_local long th_timeout_s;

/* The server used by th_request (set by th_server_start). */
extern struct th_server *th_current;

#endif
