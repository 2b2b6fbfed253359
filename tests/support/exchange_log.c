/* The API tests' exchange log (see exchange_log.h): JSON lines, one per exchange. */
#include "exchange_log.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file;

static void log_fail(const char *what, const char *path)
{
	fprintf(stderr, "exchange log %s: %s failed: %s\n", path, what, strerror(errno));
	exit(1);
}

static void log_close(void)
{
	if (log_file != NULL && fclose(log_file) != 0)
		fprintf(stderr, "exchange log: fclose failed\n");
	log_file = NULL;
}

/* The header lines of the last response in "raw" (after a 100 Continue or a redirect, curl
 * keeps every block), as {lower-case name: value}; a repeated header keeps its last value. */
static json_t *last_headers(const char *raw)
{
	json_t *headers = json_object();
	const char *block = raw;
	for (const char *p = raw; (p = strstr(p, "HTTP/")) != NULL; p++)
		if (p == raw || p[-1] == '\n')
			block = p;
	const char *line = strchr(block, '\n');
	while (line != NULL && *++line != '\0' && *line != '\r' && *line != '\n') {
		size_t len = strcspn(line, "\r\n");
		const char *colon = memchr(line, ':', len);
		if (colon != NULL) {
			char name[128];
			size_t n = (size_t)(colon - line);
			if (n >= sizeof(name))
				n = sizeof(name) - 1;
			for (size_t i = 0; i < n; i++)
				name[i] = (char)tolower((unsigned char)line[i]);
			name[n] = '\0';
			const char *value = colon + 1;
			while (*value == ' ' || *value == '\t')
				value++;
			json_object_set_new(headers, name,
					    json_stringn(value, (size_t)(line + len - value)));
		}
		line = strchr(line, '\n');
	}
	return headers;
}

void th_exchange_record(const char *method, const char *path, long status, const char *content_type,
			const char *raw_headers, const char *body, size_t body_len)
{
	const char *file = getenv("SCHOOLHUB_API_RECORD");
	if (file == NULL || *file == '\0')
		return;
	json_t *line = json_object();
	json_object_set_new(line, "method", json_string(method));
	json_object_set_new(line, "path", json_string(path));
	json_object_set_new(line, "status", json_integer(status));
	json_object_set_new(line, "content_type",
			    content_type ? json_string(content_type) : json_null());
	if (raw_headers != NULL)
		json_object_set_new(line, "headers", last_headers(raw_headers));
	/* A body that is not UTF-8 can't be a JSON string: the validator reports it. */
	json_t *text = json_stringn(body ? body : "", body ? body_len : 0);
	json_object_set_new(line, "body", text ? text : json_null());
	if (text == NULL)
		json_object_set_new(line, "body_not_utf8", json_true());
	char *out = json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(line);
	if (out == NULL)
		log_fail("json_dumps", file);

	pthread_mutex_lock(&log_lock);
	if (log_file == NULL) {
		log_file = fopen(file, "w");
		if (log_file == NULL)
			log_fail("fopen", file);
		atexit(log_close);
	}
	if (fputs(out, log_file) == EOF || fputc('\n', log_file) == EOF || fflush(log_file) != 0)
		log_fail("write", file);
	pthread_mutex_unlock(&log_lock);
	free(out);
}
