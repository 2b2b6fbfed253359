/*
 * Password guessing limits: 10 failures for one account within 15 minutes lock further
 * password checks for that account (login, password change, account deletion) until
 * the oldest failure ages out.
 */
#ifndef SCHOOLHUB_AUTH_LOGIN_THROTTLE_H
#define SCHOOLHUB_AUTH_LOGIN_THROTTLE_H

#include "schoolhub/http.h"

/* 429 too_many_attempts with Retry-After when "email" is locked; returns 0 or -1 after replying. */
int sh_login_throttle_or_reply(struct sh_request *req, struct sh_response *res, const char *email);
/* Records a wrong password for "email"; returns 0, or -1 after replying with a database error. */
int sh_login_failure_record_or_reply(struct sh_request *req, struct sh_response *res,
				     const char *email);

#endif
