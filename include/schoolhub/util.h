/* Small shared helpers: identifiers, time, random tokens. */
#ifndef SCHOOLHUB_UTIL_H
#define SCHOOLHUB_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define SH_UUID_LEN 36
#define SH_TIME_LEN 20 /* "2026-11-26T21:38:38Z" */

/* A random (version 4) UUID in lower-case text form; "out" holds SH_UUID_LEN + 1 bytes. */
void sh_uuid_v4(char out[SH_UUID_LEN + 1]);
/*
 * A time-ordered UUID (RFC 9562 version 7: the Unix time in milliseconds, then 74 random
 * bits), for rows written at a high rate: consecutive ids land on the same last page of
 * an index instead of a random one, so a commit writes fewer pages. Not for ids whose
 * creation time should stay private (it is readable in the id).
 */
void sh_uuid_v7(char out[SH_UUID_LEN + 1]);
/* True for the canonical 8-4-4-4-12 hex form (either case). */
bool sh_uuid_valid(const char *s);
/*
 * Copies a UUID in lower case into "out"; false (out untouched) when "s" is not a UUID.
 * Every id that reaches SQL goes through this: SQLite compares the stored lower-case
 * text byte for byte while PostgreSQL's uuid type ignores case, so "ABC…" must find the
 * same row on both, and a non-UUID must never reach PostgreSQL (it would be an error,
 * not "not found").
 */
bool sh_uuid_normalize(const char *s, char out[SH_UUID_LEN + 1]);

/* RFC 3339 UTC text of "t"; "out" holds SH_TIME_LEN + 1 bytes. */
void sh_time_format(time_t t, char out[SH_TIME_LEN + 1]);
void sh_time_now(char out[SH_TIME_LEN + 1]);
/* The time "ms" milliseconds from now on "clock", for the timed waits
 * (pthread_cond_timedwait, sem_timedwait) that take an absolute deadline. */
struct timespec sh_deadline_after_ms(clockid_t clock, long ms);
/* Has "s" the shape sh_time_format writes ("YYYY-MM-DDTHH:MM:SSZ", fields in range: month
 * 1-12, day 1-31, hour < 24, minute < 60, second < 61)? Not a calendar check. */
bool sh_time_is_canonical(const char *s);
/* A Retry-After in seconds for a rolling-window limit: until "since" (sh_time_format's text)
 * plus "window_s", at least 1; the whole window when "since" is NULL or unreadable. */
long sh_retry_after_s(const char *since, long window_s, time_t now);
/* Parses "YYYY-MM-DD" strictly (real calendar date); returns 0 and the UTC midnight in "*t_r". */
int sh_date_parse(const char *s, time_t *t_r);

/* "bytes" random bytes as unpadded base64url, malloc'ed. */
char *sh_random_token(size_t bytes);
/* Hex of a keyed BLAKE2b-256 of "token" (used to store refresh tokens and invite codes):
 * "out" holds 65 bytes. */
void sh_token_hash(const char *token, char out[65]);

/* True if "s" is valid UTF-8 of at most "max_chars" code points and has no control characters. */
bool sh_utf8_valid_text(const char *s, size_t max_chars, size_t *chars_r);

#endif
