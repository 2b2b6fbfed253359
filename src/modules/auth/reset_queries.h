/* Every SQL statement about forgotten passwords (password_resets, migration 0013). */
#ifndef SCHOOLHUB_AUTH_RESET_QUERIES_H
#define SCHOOLHUB_AUTH_RESET_QUERIES_H

#include <stdbool.h>
#include <stdint.h>

#include "schoolhub/arena.h"
#include "schoolhub/store.h"

/* A request as the request path writes it: the same for every address. */
struct sh_reset_row {
	const char *id, *email_key, *email, *token_hash;
	const char *now, *expires_at;
	const char *since; /* start of the per-address window: older rows are dropped */
};

/*
 * Drops everyone's rows older than the window, then writes "r" unless its address already
 * has "max" rows in the window: "*written_r" 1 or 0. Runs in the caller's write
 * transaction (the count and the INSERT are one statement).
 */
enum sh_db_rc sh_reset_reserve(struct sh_conn *conn, const struct sh_reset_row *r, int64_t max,
			       int64_t *written_r);
/* The requests of "email_key" in the window: their count, oldest and newest. */
enum sh_db_rc sh_reset_window(struct sh_conn *conn, struct sh_arena *arena,
			      const char *email_key, const char *since,
			      struct sh_window_tally *tally_r);

/* What the e-mail of request "id" needs (arena strings; user_id NULL: no account). */
struct sh_reset_facts {
	const char *email, *user_id, *first_name, *locale;
	bool still_wanted; /* unused and unexpired */
};
/* SH_DB_ROW with "*f", SH_DB_OK when the row is gone, or an error. */
enum sh_db_rc sh_reset_mail_facts(struct sh_conn *conn, struct sh_arena *arena, const char *id,
				  const char *now, struct sh_reset_facts *f);
/* The job found no account: the address is forgotten (the row stays for the limit). */
enum sh_db_rc sh_reset_forget_address(struct sh_conn *conn, const char *id);
/* The job mails the link to account "user_id": only that account may use it. */
enum sh_db_rc sh_reset_bind_account(struct sh_conn *conn, const char *id, const char *user_id);

/* The account a usable token (hash) resets: SH_DB_ROW with "*user_id_r" (arena), SH_DB_OK
 * when the token is unknown, used, expired, or its account no longer has the address. */
enum sh_db_rc sh_reset_find(struct sh_conn *conn, struct sh_arena *arena,
			    const char *token_hash, const char *now, const char **user_id_r);
/* Uses the token: the same conditions as sh_reset_find, then every other unused link of
 * the account is voided too. SH_DB_ROW with "*user_id_r", SH_DB_OK when not usable. */
enum sh_db_rc sh_reset_use(struct sh_conn *conn, struct sh_arena *arena, const char *token_hash,
			   const char *now, const char **user_id_r);
/* Account erasure: the member's rows, and those for the address it had. */
enum sh_db_rc sh_reset_delete_user(struct sh_conn *conn, const char *user_id);

#endif
