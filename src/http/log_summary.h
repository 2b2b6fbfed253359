/*
 * Warnings that an attacker can repeat at will (a refused connection, a malformed request
 * answered by libmicrohttpd, a connection closed at the header deadline) folded into one
 * line per kind and interval: the first one of a quiet period is logged at once, the
 * repeats are counted and reported as "N more in the last S s". A flood costs a few lines
 * a minute instead of one line per connection (internal to src/http).
 */
#ifndef SCHOOLHUB_HTTP_LOG_SUMMARY_H
#define SCHOOLHUB_HTTP_LOG_SUMMARY_H

#include <stdbool.h>

#include "schoolhub/log.h"

struct sh_log_summary;

struct sh_log_summary *sh_log_summary_create(unsigned interval_s);
/* Reports what is still counted, then frees; clears the caller's pointer. */
void sh_log_summary_destroy(struct sh_log_summary **summary_r);

/* "kind" identifies the warning (at most 96 bytes are compared); "text" is what is logged.
 * Thread-safe. */
void sh_log_summary_note(struct sh_log_summary *s, enum sh_log_level level, const char *kind,
			 const char *text);
/* Writes the count line of every kind whose interval has ended; called about once a second. */
void sh_log_summary_flush(struct sh_log_summary *s);

#endif
