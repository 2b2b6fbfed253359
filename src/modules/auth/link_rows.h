/*
 * Link rows (auth module internal): the one shape shared by e-mail verification
 * (email_verifications), password reset (password_resets) and invitation codes (invites).
 * Each e-mailed link or code is one row with a fresh id, the hash of a secret derived from
 * that id (link_tokens.h), a creation and an expiry time, and a used_at that a single use
 * sets; a job mails it, deriving the secret again from the id in its payload. The tables
 * keep their own extra columns and rules; this is what they have in common.
 */
#ifndef SCHOOLHUB_AUTH_LINK_ROWS_H
#define SCHOOLHUB_AUTH_LINK_ROWS_H

#include <time.h>

#include "modules/auth/link_tokens.h"
#include "schoolhub/store.h"
#include "schoolhub/util.h"

/* The common columns of a new link row. */
struct sh_link_row {
	char id[SH_UUID_LEN + 1];
	char token_hash[65]; /* "" until a token function or the caller fills it */
	char created_at[SH_TIME_LEN + 1], expires_at[SH_TIME_LEN + 1];
};

/* The link's token of row "row_id" (each kind derives it under its own context). */
typedef void sh_link_token_fn(const struct sh_app *app, const char *row_id,
			      char out[SH_LINK_TOKEN_LEN + 1]);

/*
 * A new row: a fresh id, created at "now", expiring "ttl_s" seconds later and, with
 * "token", the hash of the token derived from the id. The token itself is wiped at once:
 * the job that mails it derives it again.
 */
void sh_link_row_new(const struct sh_app *app, sh_link_token_fn *token, time_t now, long ttl_s,
		     struct sh_link_row *r);

/* Queues the job "kind" that mails row "id", payload {"<id_key>": id}, in the caller's
 * transaction (the row and its e-mail are written together or not at all). */
enum sh_db_rc sh_link_row_mail(struct sh_conn *conn, const char *kind, const char *id_key,
			       const char *id);

/* SQL: a link row still usable at "now" (a parameter such as "$2"): not used yet and not
 * expired. "alias" is the table's prefix ("r.") or "". */
#define SH_LINK_ALIVE(alias, now) alias "used_at IS NULL AND " alias "expires_at > " now

#endif
