/*
 * Whole requests against the real server (libmicrohttpd parsing, dispatch, auth gate,
 * handlers) on the seeded database of support/fuzz_app.c.
 *
 * Input: the first byte picks the identity (enum fz_identity); the rest is text:
 *   METHOD TARGET\n
 *   Header-Name: value\n      (any number, up to an empty line)
 *   \n
 *   body                      (sent with its Content-Length when not empty)
 * Placeholders @u0..@u5, @c0..@c2, @s0..@s3, @t0..@t3 become the seeded ids.
 *
 * Aborts when a response holds another family's data, on a 500, or when a SEL
 * invariant breaks (fz_check_and_reset).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_app.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_app_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size > 64 * 1024)
		return -1;
	enum fz_identity who = (enum fz_identity)(data[0] % FZ_IDENTITY_COUNT);
	/* A NUL-terminated copy: method, target and headers are C strings from here on. */
	char *text = malloc(size);
	if (text == NULL)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	size_t len = size - 1;

	char *line_end = memchr(text, '\n', len);
	if (line_end == NULL) {
		free(text);
		return -1;
	}
	*line_end = '\0';
	char *method = text;
	char *space = strchr(method, ' ');
	if (space == NULL || space == method) {
		free(text);
		return -1;
	}
	*space = '\0';
	char *target = space + 1;

	char *rest = line_end + 1;
	size_t rest_len = len - (size_t)(rest - text);
	const char *headers = rest;
	char *body = NULL;
	if (rest_len > 0 && rest[0] == '\n') {
		headers = "";
		body = rest + 1;
	} else {
		char *blank = memmem(rest, rest_len, "\n\n", 2);
		if (blank != NULL) {
			*blank = '\0';
			body = blank + 2;
		}
	}
	size_t body_len = body != NULL ? len - (size_t)(body - text) : 0;
	if (body_len == 0)
		body = NULL;
	if (strlen(method) == 0 || strlen(target) == 0) {
		free(text);
		return -1;
	}
	struct fz_response res;
	bool responded = fz_request(who, method, target, headers, body, body_len, &res);
	fz_check_and_reset(who, (const char *)data + 1, size - 1, &res, responded);
	fz_response_free(&res);
	free(text);
	return 0;
}
