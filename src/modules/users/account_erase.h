/* Erasing an account (GDPR art. 17): the one path, used by DELETE /users/me and by an
 * admin's refusal of a registration waiting for approval (admin module). */
#ifndef SCHOOLHUB_USERS_ACCOUNT_ERASE_H
#define SCHOOLHUB_USERS_ACCOUNT_ERASE_H

#include "schoolhub/store.h"

/* Runs every module's erase hook, the member's events, then pseudonymises the account,
 * inside the caller's write transaction. SH_DB_OK or a store error. */
enum sh_db_rc sh_account_erase(struct sh_conn *conn, const char *user_id, const char *now);

#endif
