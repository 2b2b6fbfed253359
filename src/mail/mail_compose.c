/* The layout every SchoolHub e-mail shares: a greeting, paragraphs, one link, a footer. */
#include <string.h>

#include "schoolhub/mail.h"
#include "schoolhub/mail_compose.h"

void sh_mail_compose(struct sh_arena *arena, const struct sh_mail_layout *l, const char **text_r,
		     const char **html_r)
{
	const char *text = sh_arena_printf(arena, "%s\n\n", l->greeting);
	const char *html = sh_arena_printf(
		arena,
		"<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><title>%s</title>"
		"</head>\n<body style=\"font-family: sans-serif; line-height: 1.5\">\n<p>%s</p>\n",
		sh_html_escape(arena, l->lang), sh_html_escape(arena, l->title),
		sh_html_escape(arena, l->greeting));
	for (size_t i = 0; i < SH_MAIL_PARAGRAPHS && l->paragraphs[i] != NULL; i++) {
		text = sh_arena_printf(arena, "%s%s\n\n", text, l->paragraphs[i]);
		html = sh_arena_printf(arena, "%s<p>%s</p>\n", html,
				       sh_html_escape(arena, l->paragraphs[i]));
	}
	text = sh_arena_printf(arena, "%s%s\n\n%s\n", text, l->link, l->footer);
	html = sh_arena_printf(arena,
			       "%s<p><a href=\"%s\">%s</a></p>\n<p style=\"color: #555\">%s</p>\n"
			       "</body></html>\n",
			       html, sh_html_escape(arena, l->link), sh_html_escape(arena, l->link_label),
			       sh_html_escape(arena, l->footer));
	*text_r = text;
	*html_r = html;
}
