/*
 * The API tests' exchange log: when SCHOOLHUB_API_RECORD names a file, every exchange the
 * test clients make is appended to it as one JSON line, for tests/openapi/validate.py to
 * check against docs/openapi.yaml. Unset: nothing is recorded.
 */
#ifndef SCHOOLHUB_TEST_EXCHANGE_LOG_H
#define SCHOOLHUB_TEST_EXCHANGE_LOG_H

#include <stddef.h>

/*
 * Records one exchange: the request's method and path (with its query string), the
 * response's status, Content-Type (NULL when absent), raw header block (NULL when the
 * client didn't keep it; only the last response's headers are used) and body. Thread safe.
 * The file is truncated by the first record of the process. Aborts the program when the
 * file can't be written, so a run never passes on a partial log.
 */
void th_exchange_record(const char *method, const char *path, long status, const char *content_type,
			const char *raw_headers, const char *body, size_t body_len);

#endif
