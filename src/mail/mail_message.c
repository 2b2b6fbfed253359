/*
 * RFC 5322 messages: headers (RFC 2047 encoded words for non-ASCII subjects), a
 * multipart/alternative body with a text and an HTML part, each base64 (RFC 2045: lines
 * of 76), CRLF line ends. Every value placed in a header comes from the server (the
 * configured sender, a validated address, a module's subject with a validated name), and
 * none may carry a line break: the renderer replaces any control character by a space.
 */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "schoolhub/mail.h"
#include "schoolhub/util.h"

static void puts_(struct sh_arena_text *b, const char *s)
{
	sh_arena_text_add(b, s, strlen(s));
}

/* A header value on one line: control characters become spaces. */
static void put_header(struct sh_arena_text *b, const char *name, const char *value)
{
	puts_(b, name);
	puts_(b, ": ");
	for (const char *p = value; *p; p++) {
		char c = (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p;
		sh_arena_text_add(b, &c, 1);
	}
	puts_(b, "\r\n");
}

static bool plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80 || (unsigned char)*s < 0x20)
			return false;
	return true;
}

/* Subject: as is when printable ASCII, else encoded words of at most 45 bytes of UTF-8
 * each (60 base64 characters, 72 with the "=?UTF-8?B?...?=" frame), never splitting a
 * character, folded on continuation lines. */
static void put_subject(struct sh_arena_text *b, const char *subject)
{
	if (plain_ascii(subject) && strlen(subject) < 900) {
		put_header(b, "Subject", subject);
		return;
	}
	puts_(b, "Subject:");
	const unsigned char *p = (const unsigned char *)subject;
	size_t left = strlen(subject);
	while (left > 0) {
		size_t n = left < 45 ? left : 45;
		while (n < left && n > 0 && (p[n] & 0xC0) == 0x80)
			n--; /* back to the start of a character */
		if (n == 0) /* not UTF-8 (cannot happen: names are checked): cut anywhere */
			n = left < 45 ? left : 45;
		char chunk[46], enc[sodium_base64_ENCODED_LEN(45, sodium_base64_VARIANT_ORIGINAL)];
		memcpy(chunk, p, n);
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)chunk[i] < 0x20 || chunk[i] == 0x7f)
				chunk[i] = ' ';
		sodium_bin2base64(enc, sizeof(enc), (const unsigned char *)chunk, n,
				  sodium_base64_VARIANT_ORIGINAL);
		puts_(b, " =?UTF-8?B?");
		puts_(b, enc);
		puts_(b, "?=");
		p += n;
		left -= n;
		if (left > 0)
			puts_(b, "\r\n");
	}
	puts_(b, "\r\n");
}

/* One part: its headers, then "body" (with \n turned into CRLF) in base64 lines of 76. */
static void put_part(struct sh_arena_text *b, const char *boundary, const char *type, const char *body)
{
	puts_(b, "--");
	puts_(b, boundary);
	puts_(b, "\r\nContent-Type: ");
	puts_(b, type);
	puts_(b, "; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	struct sh_arena_text crlf = {b->arena, NULL, 0, 0};
	for (const char *p = body; *p; p++) {
		if (*p == '\n' && (p == body || p[-1] != '\r'))
			sh_arena_text_add(&crlf, "\r", 1);
		sh_arena_text_add(&crlf, p, 1);
	}
	size_t enc_len = sodium_base64_ENCODED_LEN(crlf.len, sodium_base64_VARIANT_ORIGINAL);
	char *enc = sh_arena_alloc(b->arena, enc_len);
	sodium_bin2base64(enc, enc_len, (const unsigned char *)(crlf.data ? crlf.data : ""),
			  crlf.len, sodium_base64_VARIANT_ORIGINAL);
	for (size_t off = 0, n = strlen(enc); off < n; off += 76) {
		sh_arena_text_add(b, enc + off, n - off < 76 ? n - off : 76);
		puts_(b, "\r\n");
	}
}

char *sh_mail_render(struct sh_arena *arena, const struct sh_mail *m, size_t *len_r)
{
	struct sh_arena_text b = {arena, NULL, 0, 0};
	char date[64];
	struct tm tm;
	gmtime_r(&m->date, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	/* Derived from the Message-ID, so every attempt of a job renders the same bytes
	 * (but the Date); "=_" cannot occur in base64, so never inside a part. */
	char boundary[96];
	size_t idn = strcspn(m->message_id + 1, "@>");
	snprintf(boundary, sizeof(boundary), "=_sh_%.*s", (int)(idn < 60 ? idn : 60),
		 m->message_id + 1);

	put_header(&b, "From", m->from);
	put_header(&b, "To", m->to);
	put_subject(&b, m->subject);
	put_header(&b, "Date", date);
	put_header(&b, "Message-ID", m->message_id);
	put_header(&b, "MIME-Version", "1.0");
	/* RFC 3834: an automatic message; well-behaved autoresponders stay quiet. */
	put_header(&b, "Auto-Submitted", "auto-generated");
	put_header(&b, "Content-Language", m->lang);
	if (m->list_unsubscribe != NULL) {
		put_header(&b, "List-Unsubscribe", m->list_unsubscribe);
		put_header(&b, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
	}
	puts_(&b, "Content-Type: multipart/alternative; boundary=\"");
	puts_(&b, boundary);
	puts_(&b, "\"\r\n\r\n");
	put_part(&b, boundary, "text/plain", m->text);
	put_part(&b, boundary, "text/html", m->html);
	puts_(&b, "--");
	puts_(&b, boundary);
	puts_(&b, "--\r\n");
	*len_r = b.len;
	return b.data;
}

char *sh_html_escape(struct sh_arena *arena, const char *s)
{
	struct sh_arena_text b = {arena, NULL, 0, 0};
	sh_arena_text_add(&b, "", 0);
	for (const char *p = s ? s : ""; *p; p++) {
		switch (*p) {
		case '&': puts_(&b, "&amp;"); break;
		case '<': puts_(&b, "&lt;"); break;
		case '>': puts_(&b, "&gt;"); break;
		case '"': puts_(&b, "&quot;"); break;
		case '\'': puts_(&b, "&#39;"); break;
		default: sh_arena_text_add(&b, p, 1);
		}
	}
	return b.data;
}

const char *sh_mail_address(struct sh_arena *arena, const char *from)
{
	const char *lt = strrchr(from, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;
	if (lt != NULL && gt != NULL)
		return sh_arena_strndup(arena, lt + 1, (size_t)(gt - lt - 1));
	return sh_arena_strdup(arena, from);
}
