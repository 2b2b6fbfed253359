/* Invitation codes: made by admins (API or CLI), required to register in "invite" mode. */
#ifndef SCHOOLHUB_AUTH_INVITES_H
#define SCHOOLHUB_AUTH_INVITES_H

#include "schoolhub/jobs.h"
#include "schoolhub/store.h"

#define SH_INVITE_DEFAULT_DAYS 14
#define SH_INVITE_JOB_KIND "auth.invite_email"
#define SH_INVITE_CODE_LEN 19 /* "ABCD-EFGH-JKLM-NPQR" */

struct sh_app;

/* The stored form of a code (codes are compared case-insensitively, ignoring dashes). */
void sh_invite_code_hash(const char *code, char out[65]);

/* What an invitation is made of; "email" and "locale" NULL: not e-mailed. */
struct sh_invite_spec {
	const char *created_by; /* NULL: the command line */
	long days;
	const char *email;  /* the invitee's address, normalised */
	const char *locale; /* the e-mail's language: "fr", "nl" or "en" */
	const char *request_id; /* for the audit row; NULL from the command line */
};

/*
 * Creates a code valid for "s->days" days, and with an address the job that mails it,
 * inside the caller's transaction when there is one, with its audit row
 * ("invite.created", the invite's id). "code_r" receives the code,
 * "expires_at_r" the RFC 3339 expiry.
 */
enum sh_db_rc sh_invite_create(struct sh_conn *conn, const struct sh_app *app,
			       const struct sh_invite_spec *s, char code_r[SH_INVITE_CODE_LEN + 1],
			       char expires_at_r[21]);

/* The job kind SH_INVITE_JOB_KIND (invite_mail.c, listed in auth_routes.c's job table). */
sh_job_run_fn sh_invite_email_run;
/* The code of invitation row "invite_id" (derived from it under the secret key). */
void sh_invite_code(const struct sh_app *app, const char *invite_id,
		    char out[SH_INVITE_CODE_LEN + 1]);

#endif
