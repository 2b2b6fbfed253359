/*
 * The application the request fuzzers talk to: the real server (libmicrohttpd, dispatch,
 * handlers) without a listening socket, on a throwaway SQLite file seeded through the API
 * with three families, a teacher and an admin. Each request travels over a socketpair and
 * is parsed by libmicrohttpd exactly like one from the network.
 *
 * After every input the database is put back to the seeded state, so an input's outcome
 * never depends on the inputs before it (a crash file replays on its own).
 */
#ifndef SCHOOLHUB_FUZZ_APP_H
#define SCHOOLHUB_FUZZ_APP_H

#include <stdbool.h>
#include <stddef.h>

/* Who sends a request: the bearer token the harness adds. */
enum fz_identity {
	FZ_ANON,    /* no Authorization header */
	FZ_A1,      /* family A: two parents, two children */
	FZ_A2,
	FZ_B1,      /* family B: one parent, one child */
	FZ_C1,      /* family C: one parent, no child */
	FZ_TEACHER, /* no child */
	FZ_ADMIN,   /* no child */
	FZ_GARBAGE, /* a token that never verifies */
	FZ_IDENTITY_COUNT
};
#define FZ_USER_COUNT 6 /* FZ_A1 .. FZ_ADMIN */

/* Seeded entities a request can name with a placeholder: @u0..@u5 (users, in identity
 * order), @c0..@c2 (children: A's two, B's one), @s0..@s3 (SEL services), @t0..@t3 (SEL
 * transactions: see fuzz_app.c). */
#define FZ_CHILD_COUNT 3
#define FZ_SERVICE_COUNT 4
#define FZ_TX_COUNT 4

/* Starts everything once (the harness's LLVMFuzzerInitialize); aborts on failure. */
void fz_app_init(void);

struct fz_response {
	unsigned status;
	char *raw; /* the whole HTTP response, NUL-terminated (malloc'ed) */
	size_t raw_len;
	const char *body; /* inside raw */
};

/*
 * Sends one request as "who". "target" is the request target (path and query), "headers"
 * raw header lines separated by '\n' (may be NULL), "body" may be NULL. Placeholders
 * (@c0, @u3...) are expanded in target, headers and body. Returns false when no response
 * came back (libmicrohttpd dropped the connection, which is a fine answer to garbage).
 */
bool fz_request(enum fz_identity who, const char *method, const char *target,
		const char *headers, const char *body, size_t body_len, struct fz_response *res);
void fz_response_free(struct fz_response *res);

/*
 * The checks after each input: aborts (a crash for libFuzzer) when the response holds data
 * "who" may not see (another family's children, someone else's email, phone or SEL
 * transactions) that the request did not itself contain, when it is a 500, or when a SEL
 * invariant no longer holds. Then restores the seeded database.
 */
void fz_check_and_reset(enum fz_identity who, const char *request_text, size_t request_len,
			const struct fz_response *res, bool responded);

/* The id behind a placeholder kind ('u', 'c', 's', 't') and index; NULL if out of range. */
const char *fz_entity_id(char kind, unsigned index);

#endif
