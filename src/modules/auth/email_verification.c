/*
 * E-mail verification, the part that writes and sends: the token, the row and the job
 * (written in the caller's transaction), and the job kind that sends the e-mail.
 *
 * The token is never stored, not even in the job: it is derived from the row's id under
 * the server's secret key (link_tokens.h), so the job can derive it again at every
 * attempt while a copy of the database alone yields no usable link. The row keeps the
 * token's hash (sh_token_hash), as refresh tokens do.
 */
#include "modules/auth/email_verification.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

#include "modules/auth/link_rows.h"
#include "modules/auth/verify_queries.h"
#include "schoolhub/app.h"
#include "schoolhub/i18n.h"
#include "schoolhub/mail.h"
#include "schoolhub/mail_compose.h"
#include "schoolhub/util.h"

void sh_verification_token(const struct sh_app *app, const char *verification_id,
			   char out[SH_VERIFY_TOKEN_LEN + 1])
{
	sh_link_token(app, "schoolhub-verify-email-v1:", verification_id, out);
}

enum sh_db_rc sh_verification_enqueue(struct sh_conn *conn, const struct sh_app *app,
				      const char *user_id, const char *email, const char *now)
{
	struct sh_link_row r;
	sh_link_row_new(app, sh_verification_token, time(NULL), SH_VERIFY_TTL_S, &r);
	enum sh_db_rc rc =
		sh_verification_insert(conn, r.id, user_id, email, r.token_hash, now, r.expires_at);
	if (rc != SH_DB_OK)
		return rc;
	return sh_link_row_mail(conn, SH_VERIFY_JOB_KIND, "verification_id", r.id);
}

/* The texts of the e-mail, per language. */
struct verify_texts {
	const char *subject, *greeting, *intro, *label, *footer;
};

static const struct verify_texts texts[SH_LANG_COUNT] = {
	[SH_LANG_FR] = {"Vérifiez votre adresse e-mail pour SchoolHub", "Bonjour",
			"Pour confirmer que cette adresse e-mail est bien la vôtre, ouvrez ce "
			"lien (valable 48 heures) :",
			"Confirmer mon adresse e-mail",
			"Vous n'avez pas créé de compte SchoolHub ? Ignorez ce message."},
	[SH_LANG_NL] = {"Bevestig uw e-mailadres voor SchoolHub", "Hallo",
			"Open deze link (48 uur geldig) om te bevestigen dat dit e-mailadres van "
			"u is:",
			"Mijn e-mailadres bevestigen",
			"Hebt u geen SchoolHub-account aangemaakt? Negeer dan dit bericht."},
	[SH_LANG_EN] = {"Confirm your email address for SchoolHub", "Hello",
			"To confirm that this email address is yours, open this link (valid for "
			"48 hours):",
			"Confirm my email address",
			"Did not create a SchoolHub account? Ignore this message."},
};

enum sh_job_outcome sh_verify_email_run(struct sh_app *app, struct sh_conn *conn,
					const struct sh_job *job, const char **error_r)
{
	const char *vid = json_string_value(json_object_get(job->payload, "verification_id"));
	if (vid == NULL || !sh_uuid_valid(vid)) {
		*error_r = "payload without a verification_id";
		return SH_JOB_FAIL;
	}
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	struct sh_verification_facts f = {0};
	enum sh_db_rc rc = sh_verification_mail_facts(conn, job->arena, vid, now, &f);
	if (rc != SH_DB_ROW && rc != SH_DB_OK) {
		*error_r = "database error reading the verification";
		return SH_JOB_RETRY;
	}
	/* Gone, used, expired, verified meanwhile or another address: nothing to send. */
	if (rc == SH_DB_OK || !f.still_wanted)
		return SH_JOB_DONE;
	enum sh_lang lang = SH_LANG_FR;
	sh_lang_parse(f.locale, &lang);
	const struct verify_texts *t = &texts[lang];
	char token[SH_VERIFY_TOKEN_LEN + 1];
	sh_verification_token(app, vid, token);
	struct sh_mail_layout l = {
		.lang = sh_lang_code(lang),
		.title = t->subject,
		.greeting = sh_arena_printf(job->arena, "%s %s,", t->greeting, f.first_name),
		.paragraphs = {t->intro},
		.link = sh_arena_printf(job->arena, "%s/verify-email?token=%s", app->cfg.public_url,
					token),
		.link_label = t->label,
		.footer = t->footer,
	};
	sodium_memzero(token, sizeof(token));
	const char *text, *html;
	sh_mail_compose(job->arena, &l, &text, &html);
	if (sh_mail_send_for_job(app, job->arena, job->id, f.email, l.lang, t->subject, text, html,
				 error_r) != 0)
		return SH_JOB_RETRY;
	return SH_JOB_DONE;
}
