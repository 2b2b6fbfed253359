/*
 * The forgotten-password e-mail. The request wrote the same row and job for any address;
 * here, when the job runs, is where an account is looked for. No account: the address is
 * forgotten and nothing is sent. An account: the link goes to it, in its language, and
 * only that account may use it. A row used or expired meanwhile sends nothing.
 */
#include "modules/auth/password_reset.h"

#include <sodium.h>

#include "modules/auth/link_tokens.h"
#include "modules/auth/reset_queries.h"
#include "schoolhub/app.h"
#include "schoolhub/i18n.h"
#include "schoolhub/mail.h"
#include "schoolhub/mail_compose.h"
#include "schoolhub/util.h"

struct reset_texts {
	const char *subject, *greeting, *intro, *label, *footer;
};

static const struct reset_texts texts[SH_LANG_COUNT] = {
	[SH_LANG_FR] = {"Choisir un nouveau mot de passe SchoolHub", "Bonjour",
			"Quelqu'un (vous, sans doute) a demandé un nouveau mot de passe pour votre "
			"compte SchoolHub. Ouvrez ce lien dans les 30 minutes pour le choisir :",
			"Choisir un nouveau mot de passe",
			"Vous n'avez rien demandé ? Ignorez ce message : votre mot de passe ne change "
			"pas."},
	[SH_LANG_NL] = {"Een nieuw SchoolHub-wachtwoord kiezen", "Hallo",
			"Iemand (wellicht u) heeft een nieuw wachtwoord gevraagd voor uw "
			"SchoolHub-account. Open deze link binnen 30 minuten om het te kiezen:",
			"Een nieuw wachtwoord kiezen",
			"Niets gevraagd? Negeer dan dit bericht: uw wachtwoord blijft hetzelfde."},
	[SH_LANG_EN] = {"Choose a new SchoolHub password", "Hello",
			"Someone (probably you) asked for a new password for your SchoolHub "
			"account. Open this link within 30 minutes to choose it:",
			"Choose a new password",
			"Did not ask? Ignore this message: your password stays the same."},
};

/* The link's token for request row "reset_id". */
void sh_reset_token(const struct sh_app *app, const char *reset_id,
		    char out[SH_LINK_TOKEN_LEN + 1])
{
	sh_link_token(app, "schoolhub-password-reset-v1:", reset_id, out);
}

static int send_link(struct sh_app *app, const struct sh_job *job, const char *reset_id,
		     const struct sh_reset_facts *f, const char **error_r)
{
	enum sh_lang lang = SH_LANG_FR;
	sh_lang_parse(f->locale, &lang);
	const struct reset_texts *t = &texts[lang];
	char token[SH_LINK_TOKEN_LEN + 1];
	sh_reset_token(app, reset_id, token);
	struct sh_mail_layout l = {
		.lang = sh_lang_code(lang),
		.title = t->subject,
		.greeting = sh_arena_printf(job->arena, "%s %s,", t->greeting, f->first_name),
		.paragraphs = {t->intro},
		.link = sh_arena_printf(job->arena, "%s/reset-password?token=%s",
					app->cfg.public_url, token),
		.link_label = t->label,
		.footer = t->footer,
	};
	sodium_memzero(token, sizeof(token));
	const char *text, *html;
	sh_mail_compose(job->arena, &l, &text, &html);
	return sh_mail_send_for_job(app, job->arena, job->id, f->email, l.lang, t->subject, text,
				    html, error_r);
}

enum sh_job_outcome sh_reset_email_run(struct sh_app *app, struct sh_conn *conn,
				       const struct sh_job *job, const char **error_r)
{
	const char *id = json_string_value(json_object_get(job->payload, "reset_id"));
	if (id == NULL || !sh_uuid_valid(id)) {
		*error_r = "payload without a reset_id";
		return SH_JOB_FAIL;
	}
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	struct sh_reset_facts f = {0};
	enum sh_db_rc rc = sh_reset_mail_facts(conn, job->arena, id, now, &f);
	if (rc != SH_DB_ROW && rc != SH_DB_OK) {
		*error_r = "database error reading the reset request";
		return SH_JOB_RETRY;
	}
	if (rc == SH_DB_OK || f.email == NULL || !f.still_wanted)
		return SH_JOB_DONE; /* gone, already looked at, used or expired */
	if (f.user_id == NULL) {
		if (sh_reset_forget_address(conn, id) != SH_DB_OK) {
			*error_r = "database error forgetting an address";
			return SH_JOB_RETRY;
		}
		return SH_JOB_DONE;
	}
	if (sh_reset_bind_account(conn, id, f.user_id) != SH_DB_OK) {
		*error_r = "database error binding the reset to its account";
		return SH_JOB_RETRY;
	}
	return send_link(app, job, id, &f, error_r) == 0 ? SH_JOB_DONE : SH_JOB_RETRY;
}
