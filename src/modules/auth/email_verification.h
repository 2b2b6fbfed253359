/* E-mail verification (auth module internal): tokens, the outbox row, the job kind. */
#ifndef SCHOOLHUB_AUTH_EMAIL_VERIFICATION_H
#define SCHOOLHUB_AUTH_EMAIL_VERIFICATION_H

#include "schoolhub/http.h"
#include "schoolhub/jobs.h"
#include "schoolhub/store.h"
#include "modules/auth/link_tokens.h"

#define SH_VERIFY_JOB_KIND "auth.verify_email"
#define SH_VERIFY_TOKEN_LEN SH_LINK_TOKEN_LEN
#define SH_VERIFY_TTL_S (48L * 3600) /* a link works for 48 hours */
/* Resending: one e-mail per minute and five per day per account, so the button cannot be
 * used to flood an inbox (counted in email_verifications, so across instances). */
#define SH_VERIFY_RESEND_GAP_S 60L
#define SH_VERIFY_PER_DAY 5
#define SH_VERIFY_DAY_S (24L * 3600)

struct sh_app;

/* The link's token for verification row "verification_id" (see email_verification.c). */
void sh_verification_token(const struct sh_app *app, const char *verification_id,
			   char out[SH_VERIFY_TOKEN_LEN + 1]);
/* A verification row for ("user_id", "email") and the job that mails its link, inside the
 * caller's transaction. */
enum sh_db_rc sh_verification_enqueue(struct sh_conn *conn, const struct sh_app *app,
				      const char *user_id, const char *email, const char *now);

/* The job kind SH_VERIFY_JOB_KIND (listed in auth_routes.c's job table). */
sh_job_run_fn sh_verify_email_run;

sh_handler_fn sh_auth_verify_request; /* POST /api/v1/auth/verify-email/request */
sh_handler_fn sh_auth_verify_email;   /* POST /api/v1/auth/verify-email */

#endif
