/* A job's e-mail: the message built around the module's texts, then delivered. */
#include <string.h>
#include <time.h>

#include "schoolhub/app.h"
#include "schoolhub/mail.h"

int sh_mail_send_for_job(const struct sh_app *app, struct sh_arena *arena, const char *job_id,
			 const char *to, const char *lang, const char *subject, const char *text,
			 const char *html, const char **error_r)
{
	return sh_mail_send_listed_for_job(app, arena, job_id, to, lang, subject, text, html, NULL,
					   error_r);
}

int sh_mail_send_listed_for_job(const struct sh_app *app, struct sh_arena *arena,
				const char *job_id, const char *to, const char *lang,
				const char *subject, const char *text, const char *html,
				const char *list_unsubscribe, const char **error_r)
{
	const struct sh_config *cfg = &app->cfg;
	const char *sender = sh_mail_address(arena, cfg->mail_from);
	const char *at = strrchr(sender, '@');
	/* One Message-ID per job, whatever the attempt: a second copy is the same message. */
	struct sh_mail m = {
		.from = cfg->mail_from,
		.to = to,
		.subject = subject,
		.text = text,
		.html = html,
		.lang = lang,
		.message_id = sh_arena_printf(arena, "<%s@%s>", job_id,
					      at != NULL && at[1] ? at + 1 : "schoolhub.invalid"),
		.date = time(NULL),
		.list_unsubscribe = list_unsubscribe,
	};
	size_t len = 0;
	char *msg = sh_mail_render(arena, &m, &len);
	return sh_mail_deliver(cfg, arena, job_id, to, msg, len, error_r);
}
