/*
 * Guessing limits (docs/SECURITY.md, "Guessing limits").
 *
 * Passwords: every route that checks one (login, password change, account deletion) goes
 * through sh_password_check_or_reply. It reserves the attempt in the database before
 * argon2id runs, so parallel guesses cannot all pass a count read earlier: at most
 * login_max_failures (10) per (account, client address) and login_account_max_failures
 * (SCHOOLHUB_AUTH_ACCOUNT_LIMIT, 100) per account over every address within login_window_s
 * (15 minutes). A stranger guessing from one address thus locks only that address out of
 * the account.
 *
 * Addresses: the unauthenticated /api/v1/auth/... routes run through sh_auth_ip_limited,
 * which allows SCHOOLHUB_AUTH_IP_LIMIT requests per client address per 15 minutes.
 */
#ifndef SCHOOLHUB_AUTH_LOGIN_THROTTLE_H
#define SCHOOLHUB_AUTH_LOGIN_THROTTLE_H

#include "schoolhub/http.h"

/*
 * Checks "password" against "hash" (NULL or "" for an unknown account: checked against a
 * dummy hash, same time, same answers) for the account "email". Returns 0 when it matches
 * (this address's failures for the account are forgotten); otherwise -1 after replying
 * 429 too_many_attempts with Retry-After (limit reached: nothing hashed), 401
 * invalid_credentials (the attempt stays counted), 429 too_many_requests (hashing
 * saturated: the attempt is given back) or a database error.
 */
int sh_password_check_or_reply(struct sh_request *req, struct sh_response *res, const char *email,
			       const char *hash, const char *password);

/* Which answers give the address's request back to it. */
enum sh_ip_refund {
	SH_IP_REFUND_SUCCESS, /* a 2xx/3xx answer (and a 5xx) does not count: login, refresh */
	SH_IP_REFUND_ERROR,   /* only a 5xx does not count: register */
};

/*
 * Runs "handler" when the client address has a request left in the window, after counting
 * this one; otherwise answers 429 too_many_attempts with Retry-After (seconds until the
 * oldest counted request ages out). SCHOOLHUB_AUTH_IP_LIMIT=0: runs "handler" uncounted.
 * For route tables: wrap the handler in a two-line function that calls this.
 */
void sh_auth_ip_limited(struct sh_request *req, struct sh_response *res, sh_handler_fn *handler,
			enum sh_ip_refund refund);

#endif
