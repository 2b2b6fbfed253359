/*
 * The co-parent invitation e-mail. It goes to the invited address whether or not an
 * account has it (the sender cannot tell, and neither answer nor timing differs), and
 * asks its reader to sign in or register with that address, verify it, and answer in
 * the app. The facts are read when the e-mail is sent, not when it was queued: an
 * invitation withdrawn, answered or expired meanwhile sends nothing.
 */
#include <string.h>

#include "modules/children/invitation_queries.h"
#include "modules/children/invitations.h"
#include "schoolhub/app.h"
#include "schoolhub/i18n.h"
#include "schoolhub/mail.h"
#include "schoolhub/mail_compose.h"
#include "schoolhub/util.h"

enum sh_db_rc sh_invitation_mail_enqueue(struct sh_conn *conn, const char *child_id,
					 const char *inviter_id, const char *email)
{
	json_t *payload = json_pack("{s:s, s:s, s:s}", "child_id", child_id, "inviter_id",
				    inviter_id, "email", email);
	enum sh_db_rc rc = sh_job_enqueue(conn, SH_INVITATION_JOB_KIND, payload, NULL);
	json_decref(payload);
	return rc;
}

struct invitation_texts {
	const char *subject, *greeting, *how, *label, *footer;
};

/* The line naming the inviter and the child is invited_line(): a printf per language. */
static const struct invitation_texts texts[SH_LANG_COUNT] = {
	[SH_LANG_FR] = {"Invitation à suivre un enfant sur SchoolHub", "Bonjour,",
			"Connectez-vous, ou créez un compte, avec cette adresse e-mail, confirmez-la, "
			"puis acceptez ou refusez l'invitation dans la page Enfants (valable 14 jours).",
			"Ouvrir SchoolHub",
			"Vous ne connaissez pas cette personne ? Ignorez ce message."},
	[SH_LANG_NL] = {"Uitnodiging om een kind te volgen op SchoolHub", "Hallo,",
			"Meld u aan, of maak een account aan, met dit e-mailadres, bevestig het en "
			"aanvaard of weiger de uitnodiging op de pagina Kinderen (14 dagen geldig).",
			"SchoolHub openen",
			"Kent u deze persoon niet? Negeer dan dit bericht."},
	[SH_LANG_EN] = {"Invitation to follow a child on SchoolHub", "Hello,",
			"Sign in, or create an account, with this email address, confirm it, then "
			"accept or decline the invitation on the Children page (valid for 14 days).",
			"Open SchoolHub",
			"Don't know this person? Ignore this message."},
};

static const char *invited_line(struct sh_arena *arena, enum sh_lang lang,
				const struct sh_invitation_mail_facts *f)
{
	switch (lang) {
	case SH_LANG_NL:
		return sh_arena_printf(arena, "%s %s nodigt u uit om samen %s te volgen op SchoolHub, "
					      "het platform van de ouders van de school.",
				       f->inviter_first_name, f->inviter_last_name, f->child_first_name);
	case SH_LANG_EN:
		return sh_arena_printf(arena, "%s %s invites you to follow %s together on SchoolHub, "
					      "the platform of the school's parents.",
				       f->inviter_first_name, f->inviter_last_name, f->child_first_name);
	default:
		return sh_arena_printf(arena, "%s %s vous invite à suivre %s avec lui ou elle sur "
					      "SchoolHub, la plateforme des parents de l'école.",
				       f->inviter_first_name, f->inviter_last_name, f->child_first_name);
	}
}

static enum sh_job_outcome invitation_email_run(struct sh_app *app, struct sh_conn *conn,
						const struct sh_job *job, const char **error_r)
{
	const char *child_id = json_string_value(json_object_get(job->payload, "child_id"));
	const char *inviter_id = json_string_value(json_object_get(job->payload, "inviter_id"));
	const char *email = json_string_value(json_object_get(job->payload, "email"));
	if (child_id == NULL || inviter_id == NULL || email == NULL || !sh_uuid_valid(child_id) ||
	    !sh_uuid_valid(inviter_id)) {
		*error_r = "payload without child_id, inviter_id and email";
		return SH_JOB_FAIL;
	}
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	struct sh_invitation_mail_facts f = {0};
	enum sh_db_rc rc =
		sh_invitation_mail_facts(conn, job->arena, child_id, inviter_id, email, now, &f);
	if (rc == SH_DB_OK)
		return SH_JOB_DONE; /* withdrawn, answered or expired: nothing to say */
	if (rc != SH_DB_ROW) {
		*error_r = "database error reading the invitation";
		return SH_JOB_RETRY;
	}
	enum sh_lang lang = SH_LANG_FR;
	sh_lang_parse(f.locale, &lang);
	const struct invitation_texts *t = &texts[lang];
	struct sh_mail_layout l = {
		.lang = sh_lang_code(lang),
		.title = t->subject,
		.greeting = t->greeting,
		.paragraphs = {invited_line(job->arena, lang, &f), t->how},
		.link = sh_arena_printf(job->arena, "%s/children", app->cfg.public_url),
		.link_label = t->label,
		.footer = t->footer,
	};
	const char *text, *html;
	sh_mail_compose(job->arena, &l, &text, &html);
	if (sh_mail_send_for_job(app, job->arena, job->id, email, l.lang, t->subject, text, html,
				 error_r) != 0)
		return SH_JOB_RETRY;
	return SH_JOB_DONE;
}

const struct sh_job_kind sh_invitation_job_kinds[SH_INVITATION_JOB_KIND_COUNT] = {
	{SH_INVITATION_JOB_KIND, invitation_email_run},
};
