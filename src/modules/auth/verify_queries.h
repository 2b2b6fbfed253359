/* Every SQL statement about e-mail verification (auth module). */
#ifndef SCHOOLHUB_AUTH_VERIFY_QUERIES_H
#define SCHOOLHUB_AUTH_VERIFY_QUERIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "schoolhub/arena.h"
#include "schoolhub/store.h"

/* A verification e-mail to be sent: the row, with the keyed hash of its token. */
enum sh_db_rc sh_verification_insert(struct sh_conn *conn, const char *id, const char *user_id,
				     const char *email, const char *token_hash, const char *now,
				     const char *expires_at);
/* Verification e-mails of "user_id" created after "since": their count, the oldest and the
 * latest (arena; NULL when none) for the resend limits. */
enum sh_db_rc sh_verification_sends_since(struct sh_conn *conn, struct sh_arena *arena,
					  const char *user_id, const char *since,
					  struct sh_window_tally *sent_r);
/* Uses the token whose hash is "token_hash" and marks its account verified: SH_DB_ROW with
 * "*user_id_r" (arena), SH_DB_OK when no usable token has that hash, or an error. */
enum sh_db_rc sh_verification_use(struct sh_conn *conn, struct sh_arena *arena,
				  const char *token_hash, const char *now, const char **user_id_r);

/* What the verification e-mail of row "id" needs (arena strings). */
struct sh_verification_facts {
	const char *email, *first_name, *locale;
	bool still_wanted; /* unused, unexpired, same address, account live and unverified */
};
/* SH_DB_ROW with "*f", SH_DB_OK when the row (or its account) is gone, or an error. */
enum sh_db_rc sh_verification_mail_facts(struct sh_conn *conn, struct sh_arena *arena,
					 const char *id, const char *now,
					 struct sh_verification_facts *f);
/* Account erasure. */
/* The verification e-mails sent to "user_id", for the GDPR export: {email, sent_at,
 * expires_at, used_at} appended to "items" (never the token's hash). */
enum sh_db_rc sh_verification_export(struct sh_conn *conn, const char *user_id, json_t *items);
enum sh_db_rc sh_verification_delete_user(struct sh_conn *conn, const char *user_id);

#endif
