/* The shared layout of SchoolHub's e-mails, in text and in HTML (every value escaped). */
#ifndef SCHOOLHUB_MAIL_COMPOSE_H
#define SCHOOLHUB_MAIL_COMPOSE_H

#include "schoolhub/arena.h"

#define SH_MAIL_PARAGRAPHS 4

struct sh_mail_layout {
	const char *lang;       /* html lang */
	const char *title;      /* the subject */
	const char *greeting;   /* "Bonjour Anne," */
	const char *paragraphs[SH_MAIL_PARAGRAPHS]; /* NULL-terminated when fewer */
	const char *link;       /* the one link, shown in full in the text part */
	const char *link_label; /* its text in the HTML part */
	const char *footer;     /* why you got this e-mail */
};

/* The text and HTML bodies (arena) of "l". */
void sh_mail_compose(struct sh_arena *arena, const struct sh_mail_layout *l, const char **text_r,
		     const char **html_r);

#endif
