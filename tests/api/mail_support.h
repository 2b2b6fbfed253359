/* Helpers of the e-mail and job suites (mail_support.c). */
#ifndef SCHOOLHUB_TESTS_MAIL_SUPPORT_H
#define SCHOOLHUB_TESTS_MAIL_SUPPORT_H

#include <stdbool.h>

#include "smtp_sink.h"
#include "test_http.h"

/* Starts "s" (or restarts it when it runs) with e-mail sent to 127.0.0.1:"smtp_port"
 * (0: no SMTP URL, the file outbox), links under https://school.example, a fast poll,
 * and the NULL-terminated "extra" settings. */
void mail_server_start(struct th_server *s, unsigned smtp_port, const char *const *extra);
/* RFC 3339 UTC of "seconds" ago. */
void mail_time_ago(long seconds, char out[21]);
/* A column of the newest job of "kind" (malloc'ed text), NULL when none. */
char *mail_job_field(const char *sql_column, const char *kind);
/* Waits until the newest job of "kind" is in "state". */
bool mail_wait_job_state(const char *kind, const char *state, double timeout_s);
/* Waits for the first message to "to" (malloc'ed), NULL after the timeout. */
char *mail_wait_to(const struct th_smtp_sink *sink, const char *to, double timeout_s);
/* POST /auth/verify-email {token}. */
struct th_resp *mail_verify(const char *token);
/* is_verified of GET /users/me. */
bool mail_user_verified(const char *access_token);

#endif
