/*
 * A real SMTP server for the tests: tests/support/smtp_sink.py (Debian's python3-aiosmtpd)
 * listening on a port it binds itself, stopped by its pid, writing each message it accepts to a file
 * of its own directory. And what the tests read in a message.
 */
#ifndef SCHOOLHUB_TEST_SMTP_SINK_H
#define SCHOOLHUB_TEST_SMTP_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct th_smtp_sink {
	pid_t pid;
	unsigned port;
	char dir[64];
};

/* A TCP port on 127.0.0.1 nothing listens on (bound, then closed): connections to it are
 * refused until a sink is started on it. */
unsigned th_free_port(void);
/* Starts a sink on "port" (0: one the kernel picks for the sink itself; s->port then says
 * which) and waits until it listens; "hang": a server that accepts and never answers.
 * Exits the program on failure (the sink's log stays in s->dir). */
void th_smtp_sink_start(struct th_smtp_sink *s, unsigned port, bool hang);
/* Stops it (SIGTERM, then waits for the pid) and removes its directory. */
void th_smtp_sink_stop(struct th_smtp_sink *s);
/* Messages received so far. */
size_t th_smtp_sink_count(const struct th_smtp_sink *s);
/* Waits up to "timeout_s" for at least "n" messages; true when they came. */
bool th_smtp_sink_wait(const struct th_smtp_sink *s, size_t n, double timeout_s);
/* The "i"-th message received (0-based), malloc'ed; NULL when there is none. */
char *th_smtp_sink_message(const struct th_smtp_sink *s, size_t i);
/* The first message sent to "to" (malloc'ed), NULL when none. */
char *th_smtp_sink_message_to(const struct th_smtp_sink *s, const char *to);

/* A header's value (first occurrence, unfolded; malloc'ed) or NULL. */
char *th_mail_header(const char *msg, const char *name);
/* The decoded body of the part whose Content-Type starts with "type" (malloc'ed). */
char *th_mail_part(const char *msg, const char *type);
/* The value of "token=" in the text part's first link (malloc'ed), NULL when none. */
char *th_mail_token(const char *msg);
/* Files in "dir" (not counting names starting with '.'). */
size_t th_dir_count(const char *dir);

#endif
