/* Forgotten passwords (auth module internal): the request, the e-mail's job, the reset. */
#ifndef SCHOOLHUB_AUTH_PASSWORD_RESET_H
#define SCHOOLHUB_AUTH_PASSWORD_RESET_H

#include "schoolhub/http.h"
#include "schoolhub/jobs.h"
#include <time.h>

#include "modules/auth/link_rows.h"
#include "modules/auth/link_tokens.h"
#include "modules/auth/reset_queries.h"

#define SH_RESET_JOB_KIND "auth.password_reset_email"
#define SH_RESET_TTL_S (30L * 60)     /* a link works for 30 minutes */
#define SH_RESET_PER_WINDOW 3         /* requests per address per window ... */
#define SH_RESET_WINDOW_S (60L * 60)  /* ... of one hour, whether it has an account or not */

struct sh_app;

/* The link's token for request row "reset_id" (password_reset_mail.c). */
void sh_reset_token(const struct sh_app *app, const char *reset_id,
		    char out[SH_LINK_TOKEN_LEN + 1]);

/* The job kind SH_RESET_JOB_KIND (listed in auth_routes.c's job table). */
sh_job_run_fn sh_reset_email_run;

/*
 * A reset request for "email" as POST /auth/password-reset/request writes it (also used by
 * the admins' POST /admin/users/{id}/password-reset, which never sees a password):
 * prepare fills "p" (its row points into "p"), write reserves the per-address slot and
 * queues the e-mail's job inside the caller's write transaction ("*written_r" 0 when the
 * address is at its limit: nothing written).
 */
struct sh_reset_request {
	struct sh_link_row link;
	char key[SH_LINK_TOKEN_LEN + 1], since[SH_TIME_LEN + 1];
	struct sh_reset_row row;
};
void sh_reset_request_prepare(const struct sh_app *app, const char *email, time_t now,
			      struct sh_reset_request *p);
enum sh_db_rc sh_reset_request_write(struct sh_conn *conn, const struct sh_reset_row *row,
				     int64_t *written_r);
sh_handler_fn sh_auth_reset_request; /* POST /api/v1/auth/password-reset/request */
sh_handler_fn sh_auth_reset_password; /* POST /api/v1/auth/password-reset */

#endif
