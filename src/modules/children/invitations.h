/*
 * Co-parent invitations: a guardian invites an e-mail address to share a child, and the
 * person holding that address accepts or declines; nothing is linked before they accept.
 * The handlers are rows of the children module's route table (children_routes.c).
 */
#ifndef SCHOOLHUB_CHILDREN_INVITATIONS_H
#define SCHOOLHUB_CHILDREN_INVITATIONS_H

#include "schoolhub/http.h"
#include "schoolhub/jobs.h"

/* An invitation can be accepted for 14 days after it was last sent. */
#define SH_INVITATION_TTL_S (14L * 24 * 3600)
/*
 * Invitations one member may send (new or repeated) per rolling 24 hours. Enough for a
 * family with several children and a few typos; small enough that nobody uses the school's
 * platform to mail strangers once invitations are e-mailed. Counted in the database
 * (guardian_invitation_sends), so it holds across instances.
 */
#define SH_INVITATIONS_PER_WINDOW 20
#define SH_INVITATION_WINDOW_S (24L * 3600)

/* The e-mail telling an invited address about its invitation (invitation_mail.c). */
#define SH_INVITATION_JOB_KIND "children.invitation_email"
#define SH_INVITATION_JOB_KIND_COUNT 1
extern const struct sh_job_kind sh_invitation_job_kinds[SH_INVITATION_JOB_KIND_COUNT];
/* Enqueues that e-mail inside the sending transaction. */
enum sh_db_rc sh_invitation_mail_enqueue(struct sh_conn *conn, const char *child_id,
					 const char *inviter_id, const char *email);
/* Tells the inviter that the caller accepted (invitation_notify.c), inside the answer's
 * transaction; "child" is the child's API object. */
enum sh_db_rc sh_invitation_notify_linked(struct sh_request *req, struct sh_conn *conn,
					  const char *inviter_id, const char *invitation_id,
					  json_t *child);

sh_handler_fn sh_invitation_send;          /* POST /children/{id}/guardians */
sh_handler_fn sh_invitations_of_child_get; /* GET /children/{id}/guardian-invitations */
sh_handler_fn sh_invitations_mine_get;     /* GET /guardian-invitations */
sh_handler_fn sh_invitation_accept;        /* POST /guardian-invitations/{id}/accept */
sh_handler_fn sh_invitation_decline;       /* POST /guardian-invitations/{id}/decline */
sh_handler_fn sh_invitation_withdraw;      /* DELETE /guardian-invitations/{id} */

#endif
