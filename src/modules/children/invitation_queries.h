/*
 * Every SQL statement about co-parent invitations (guardian_invitations, migration 0004).
 * An invitation is "open" while it is pending, not expired, and its inviter still guards
 * the child: an ex-guardian's invitation cannot bring anybody in.
 */
#ifndef SCHOOLHUB_INVITATION_QUERIES_H
#define SCHOOLHUB_INVITATION_QUERIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "schoolhub/arena.h"
#include "schoolhub/store.h"

/* One invitation as the accept/decline/withdraw paths need it (arena strings). */
struct sh_invitation {
	const char *id, *child_id, *inviter_id, *relationship, *status, *expires_at;
	bool open; /* pending, unexpired and the inviter still guards the child */
};

/*
 * A new invitation, or the pending one for the same child and address refreshed (new
 * inviter, relationship, dates): the row is the same whether or not an account has
 * "email". "id" names the new row; a refreshed one keeps its own.
 */
enum sh_db_rc sh_invitation_upsert(struct sh_conn *conn, const char *id, const char *child_id,
				   const char *inviter_id, const char *email,
				   const char *relationship, const char *now,
				   const char *expires_at);

/* Invitations "user_id" sent since "since": the count, and the oldest (arena) for
 * Retry-After. */
enum sh_db_rc sh_invitation_sends_since(struct sh_conn *conn, struct sh_arena *arena,
					const char *user_id, const char *since,
					struct sh_window_tally *sent_r);
/* Records one invitation sent by "user_id" and prunes every row older than "window_start". */
enum sh_db_rc sh_invitation_send_record(struct sh_conn *conn, const char *user_id,
					const char *now, const char *window_start);

/* Open invitations for "child_id" as {id, email, relationship, invited_by, created_at,
 * expires_at} appended to "items" (the caller checked it guards the child). */
enum sh_db_rc sh_invitations_of_child(struct sh_conn *conn, const char *child_id,
				      const char *now, json_t *items);
/* Open invitations addressed to "email" for children "user_id" does not guard yet, as
 * {id, child: {first_name, class_name}, invited_by, relationship, created_at, expires_at}. */
enum sh_db_rc sh_invitations_to_email(struct sh_conn *conn, const char *email,
				      const char *user_id, const char *now, json_t *items);

/* SH_DB_ROW with "*inv" filled when invitation "id" is addressed to "email"; SH_DB_OK when
 * there is no such invitation (or it is someone else's). */
enum sh_db_rc sh_invitation_for_invitee(struct sh_conn *conn, struct sh_arena *arena,
					const char *id, const char *email, const char *now,
					struct sh_invitation *inv);
/* The same, for an invitation about a child "user_id" guards. */
enum sh_db_rc sh_invitation_for_guardian(struct sh_conn *conn, struct sh_arena *arena,
					 const char *id, const char *user_id, const char *now,
					 struct sh_invitation *inv);

/* Moves a pending invitation to "status" (accepted, declined, withdrawn) at "now". */
enum sh_db_rc sh_invitation_close(struct sh_conn *conn, const char *id, const char *status,
				  const char *now);

/* What the invitation e-mail says (arena strings): the child's first name, the inviter's
 * name, and the language: the invitee's own if the address has an account, else the
 * inviter's (likely shared, and never shown to the inviter). */
struct sh_invitation_mail_facts {
	const char *child_first_name, *inviter_first_name, *inviter_last_name, *locale;
};
/* SH_DB_ROW with "*f" while the pending invitation of ("child_id", "email") from
 * "inviter_id" is open, SH_DB_OK when it is not (withdrawn, answered, expired), or an error. */
enum sh_db_rc sh_invitation_mail_facts(struct sh_conn *conn, struct sh_arena *arena,
				       const char *child_id, const char *inviter_id,
				       const char *email, const char *now,
				       struct sh_invitation_mail_facts *f);

/* GDPR: {sent: [...], received: [...]} of "user_id" (received: addressed to their e-mail). */
enum sh_db_rc sh_invitations_export(struct sh_conn *conn, const char *user_id, json_t *out);
/* Account erasure: the invitations they sent, those addressed to their e-mail, their sends. */
enum sh_db_rc sh_invitations_erase_user(struct sh_conn *conn, const char *user_id);

#endif
