/* SQL for refresh tokens and invitations (login failures: attempt_queries.h). */
#ifndef SCHOOLHUB_AUTH_SESSION_QUERIES_H
#define SCHOOLHUB_AUTH_SESSION_QUERIES_H

#include <jansson.h>
#include <stdbool.h>

#include "schoolhub/arena.h"
#include "schoolhub/store.h"

struct sh_refresh {
	const char *id, *user_id, *family_id, *expires_at, *rotated_at, *revoked_at;
};

enum sh_db_rc sh_refresh_insert(struct sh_conn *conn, const char *id, const char *user_id,
				const char *family_id, const char *token_hash, const char *now,
				const char *expires_at);
/* SH_DB_ROW when found, SH_DB_OK when unknown. */
enum sh_db_rc sh_refresh_find(struct sh_conn *conn, struct sh_arena *arena,
			      const char *token_hash, struct sh_refresh *r);
/* Marks a live token used; "*changed_r" is 0 when someone else rotated it first. */
enum sh_db_rc sh_refresh_rotate(struct sh_conn *conn, const char *id, const char *now,
				int64_t *changed_r);
/*
 * The lost answer: token "old_id" of "family_id" was exchanged at "rotated_at", and no token
 * of its family has been exchanged since (so the successor it was exchanged for was never
 * used; times are to the second, hence "since": at or after). Then the family's live token,
 * that successor, is marked used. "*changed_r" is 1 when it was, 0 otherwise (a replay).
 */
enum sh_db_rc sh_refresh_supersede(struct sh_conn *conn, const char *family_id,
				   const char *old_id, const char *rotated_at, const char *now,
				   int64_t *changed_r);
enum sh_db_rc sh_refresh_revoke_family(struct sh_conn *conn, const char *family_id,
				       const char *user_id, const char *now);
enum sh_db_rc sh_refresh_revoke_user(struct sh_conn *conn, const char *user_id, const char *now);
/* Account deletion: every session row of the member goes. */
enum sh_db_rc sh_refresh_delete_user(struct sh_conn *conn, const char *user_id);
/* Ends every access token of the member: the gate compares each token's "gen" claim with
 * users.token_generation, which this bumps. Refresh tokens are not touched. */
enum sh_db_rc sh_session_end_access_tokens(struct sh_conn *conn, const char *user_id,
					   const char *now);
/* The caller's sessions for the data export. */
enum sh_db_rc sh_refresh_export(struct sh_conn *conn, const char *user_id, json_t *items);

/* An invitation row (email and locale NULL unless it is e-mailed). */
struct sh_invite_row {
	const char *id, *code_hash, *created_by, *email, *locale, *now, *expires_at;
};
enum sh_db_rc sh_invite_insert(struct sh_conn *conn, const struct sh_invite_row *r);
/* What the invitation e-mail of row "id" needs (arena strings). */
struct sh_invite_facts {
	const char *code_hash, *email, *locale, *expires_at;
	bool still_wanted; /* unused and unexpired */
};
/* SH_DB_ROW with "*f", SH_DB_OK when the row is gone, or an error. */
enum sh_db_rc sh_invite_mail_facts(struct sh_conn *conn, struct sh_arena *arena, const char *id,
				   const char *now, struct sh_invite_facts *f);
/* SH_DB_ROW when the invite exists, is unused and unexpired. */
enum sh_db_rc sh_invite_usable(struct sh_conn *conn, const char *code_hash, const char *now);
/* Uses an unexpired, unused invite (its address is forgotten); "*changed_r" is 1 on
 * success, 0 when invalid. */
enum sh_db_rc sh_invite_consume(struct sh_conn *conn, const char *code_hash, const char *user_id,
				const char *now, int64_t *changed_r);

#endif
