/*
 * The e-mail of an admin's invitation: the code and a link to the registration page with
 * it filled in, in the language the admin chose. Facts are read when it is sent: an
 * invitation used or expired meanwhile sends nothing. The code is derived again from the
 * row's id; if the secret key changed since, the code would not be the stored one, and the
 * job fails rather than mail a code that cannot work (the admin makes a new invitation).
 */
#include <sodium.h>
#include <string.h>

#include "modules/auth/invites.h"
#include "modules/auth/session_queries.h"
#include "schoolhub/app.h"
#include "schoolhub/i18n.h"
#include "schoolhub/mail.h"
#include "schoolhub/mail_compose.h"
#include "schoolhub/util.h"

struct invite_texts {
	const char *subject, *greeting, *intro, *code_label, *until, *open, *label, *footer;
};

static const struct invite_texts texts[SH_LANG_COUNT] = {
	[SH_LANG_FR] = {"Invitation à rejoindre SchoolHub", "Bonjour,",
			"L'école vous invite à créer votre compte sur SchoolHub, la plateforme des "
			"parents de l'école.",
			"Votre code d'invitation :", "Il sert une seule fois, jusqu'au",
			"(UTC). Ouvrez ce lien pour vous inscrire :",
			"Créer mon compte",
			"Vous n'attendiez pas cette invitation ? Ignorez ce message."},
	[SH_LANG_NL] = {"Uitnodiging voor SchoolHub", "Hallo,",
			"De school nodigt u uit om uw account aan te maken op SchoolHub, het "
			"platform van de ouders van de school.",
			"Uw uitnodigingscode:", "Hij werkt één keer, tot",
			"(UTC). Open deze link om u te registreren:",
			"Mijn account aanmaken",
			"Verwachtte u deze uitnodiging niet? Negeer dan dit bericht."},
	[SH_LANG_EN] = {"Invitation to join SchoolHub", "Hello,",
			"The school invites you to create your account on SchoolHub, the platform of "
			"the school's parents.",
			"Your invitation code:", "It works once, until",
			"(UTC). Open this link to register:",
			"Create my account",
			"Not expecting this invitation? Ignore this message."},
};

static int send_invitation(struct sh_app *app, const struct sh_job *job, const char *code,
			   const struct sh_invite_facts *f, const char **error_r)
{
	enum sh_lang lang = SH_LANG_FR;
	sh_lang_parse(f->locale, &lang);
	const struct invite_texts *t = &texts[lang];
	/* "2026-12-20T10:00:00Z" -> "2026-12-20 10:00" */
	const char *until = sh_arena_printf(job->arena, "%.10s %.5s", f->expires_at,
					    strlen(f->expires_at) > 11 ? f->expires_at + 11 : "");
	struct sh_mail_layout l = {
		.lang = sh_lang_code(lang),
		.title = t->subject,
		.greeting = t->greeting,
		.paragraphs = {t->intro, sh_arena_printf(job->arena, "%s %s", t->code_label, code),
			       sh_arena_printf(job->arena, "%s %s %s", t->until, until, t->open)},
		.link = sh_arena_printf(job->arena, "%s/register?invite=%s", app->cfg.public_url,
					code),
		.link_label = t->label,
		.footer = t->footer,
	};
	const char *text, *html;
	sh_mail_compose(job->arena, &l, &text, &html);
	return sh_mail_send_for_job(app, job->arena, job->id, f->email, l.lang, t->subject, text,
				    html, error_r);
}

enum sh_job_outcome sh_invite_email_run(struct sh_app *app, struct sh_conn *conn,
					const struct sh_job *job, const char **error_r)
{
	const char *id = json_string_value(json_object_get(job->payload, "invite_id"));
	if (id == NULL || !sh_uuid_valid(id)) {
		*error_r = "payload without an invite_id";
		return SH_JOB_FAIL;
	}
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	struct sh_invite_facts f = {0};
	enum sh_db_rc rc = sh_invite_mail_facts(conn, job->arena, id, now, &f);
	if (rc != SH_DB_ROW && rc != SH_DB_OK) {
		*error_r = "database error reading the invitation";
		return SH_JOB_RETRY;
	}
	if (rc == SH_DB_OK || f.email == NULL || !f.still_wanted)
		return SH_JOB_DONE; /* gone, used or expired: nothing to send */
	char code[SH_INVITE_CODE_LEN + 1], hash[65];
	sh_invite_code(app, id, code);
	sh_invite_code_hash(code, hash);
	if (strcmp(hash, f.code_hash) != 0) {
		sodium_memzero(code, sizeof(code));
		*error_r = "the secret key changed since the invitation was made";
		return SH_JOB_FAIL;
	}
	int sent = send_invitation(app, job, code, &f, error_r);
	sodium_memzero(code, sizeof(code));
	return sent == 0 ? SH_JOB_DONE : SH_JOB_RETRY;
}
