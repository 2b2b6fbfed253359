/* Invitation codes: made by admins (API or CLI), required to register in "invite" mode. */
#ifndef SCHOOLHUB_AUTH_INVITES_H
#define SCHOOLHUB_AUTH_INVITES_H

#include "schoolhub/store.h"

#define SH_INVITE_DEFAULT_DAYS 14

/* The stored form of a code (codes are compared case-insensitively, ignoring dashes). */
void sh_invite_code_hash(const char *code, char out[65]);
/*
 * Creates a code valid for "days" days; "*code_r" is malloc'ed ("ABCD-EFGH-JKLM-NPQR"),
 * "expires_at_r" receives the RFC 3339 expiry. "created_by" may be NULL (command line).
 */
enum sh_db_rc sh_invite_create(struct sh_conn *conn, const char *created_by, long days,
			       char **code_r, char expires_at_r[21]);

#endif
