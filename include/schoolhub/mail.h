/*
 * E-mail: RFC 5322 messages (multipart/alternative text + HTML) delivered over SMTP with
 * libcurl, or written to a file outbox when no SMTP URL is configured (stage 0 works with
 * nothing set up). Modules write their texts; this layer knows no module. Sending happens
 * in jobs (schoolhub/jobs.h), never in a request.
 */
#ifndef SCHOOLHUB_MAIL_H
#define SCHOOLHUB_MAIL_H

#include <stddef.h>
#include <time.h>

#include "schoolhub/arena.h"

struct sh_config;
struct sh_app;

struct sh_mail {
	const char *from;       /* "Name <address>" or an address (SCHOOLHUB_MAIL_FROM) */
	const char *to;         /* one address */
	const char *subject;    /* UTF-8; RFC 2047 encoded when not plain ASCII */
	const char *text;       /* UTF-8 plain text, lines ending in \n */
	const char *html;       /* UTF-8 HTML whose every inserted value is escaped */
	const char *lang;       /* "fr", "nl", "en": Content-Language */
	const char *message_id; /* "<id@domain>", the same for every attempt of one job */
	time_t date;
	/* Non-account mail only (RFC 8058 one-click): NULL leaves the headers out. */
	const char *list_unsubscribe;
};

/* The message's text with CRLF line ends (arena), "*len_r" its length. Bodies are base64,
 * so no line is too long and no byte is 8-bit outside the headers' encoded words. */
char *sh_mail_render(struct sh_arena *arena, const struct sh_mail *m, size_t *len_r);

/* "s" escaped for HTML text and attribute values (& < > " '), in the arena. */
char *sh_html_escape(struct sh_arena *arena, const char *s);

/* The address inside "Name <address>" (or the whole string), in the arena. */
const char *sh_mail_address(struct sh_arena *arena, const char *from);

/*
 * Delivers "msg" to "to": SMTP when cfg->smtp_url is set (STARTTLS when the server
 * offers it on smtp://, TLS from the start on smtps://), else the file
 * cfg->data_dir/outbox/<name>.eml, written whole or not at all (so a retried job writes
 * the same file again, never a second one). 0, or -1 with "*error_r" (arena, never a
 * password).
 */
int sh_mail_deliver(const struct sh_config *cfg, struct sh_arena *arena, const char *name,
		    const char *to, const char *msg, size_t len, const char **error_r);

/*
 * What a job sends: renders a message from cfg->mail_from to "to" with the job's
 * Message-ID (<job_id@sender's domain>) and delivers it under the job's id. 0 or -1.
 */
int sh_mail_send_for_job(const struct sh_app *app, struct sh_arena *arena, const char *job_id,
			 const char *to, const char *lang, const char *subject, const char *text,
			 const char *html, const char **error_r);

/* The same for a non-account e-mail: "list_unsubscribe" is the List-Unsubscribe value
 * ("<https://...>"), sent with List-Unsubscribe-Post (RFC 8058 one-click). */
int sh_mail_send_listed_for_job(const struct sh_app *app, struct sh_arena *arena,
				const char *job_id, const char *to, const char *lang,
				const char *subject, const char *text, const char *html,
				const char *list_unsubscribe, const char **error_r);

/* A line for the start-up log: where e-mails go (no password). */
const char *sh_mail_describe(const struct sh_config *cfg, struct sh_arena *arena);

#endif
