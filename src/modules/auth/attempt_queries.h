/*
 * SQL for the guessing limits: password checks per (account, client address) in
 * login_failures, and requests to /api/v1/auth/... per client address in auth_ip_attempts.
 *
 * A limit is enforced inside the INSERT that reserves the attempt (it counts and refuses
 * in one statement), run in a write transaction: SQLite serialises writers, PostgreSQL runs
 * it SERIALIZABLE, so parallel requests can never all see "one slot left".
 */
#ifndef SCHOOLHUB_AUTH_ATTEMPT_QUERIES_H
#define SCHOOLHUB_AUTH_ATTEMPT_QUERIES_H

#include <stdint.h>

#include "schoolhub/arena.h"
#include "schoolhub/store.h"

/* One reservation; the strings are the caller's and must outlive the call. */
struct sh_attempt {
	const char *id;         /* UUID of the row to write */
	const char *client_ip;
	const char *now;        /* the attempt's time */
	const char *since;      /* start of the window: rows at or before it no longer count */
};

/*
 * Writes a pending password check for ("email", a->client_ip) unless that pair already has
 * "pair_max" rows in the window or the account "account_max" over every address; prunes
 * everyone's rows older than the window first. "*reserved_r" is 1 when written, 0 when
 * refused. Runs in the caller's write transaction.
 */
enum sh_db_rc sh_password_attempt_reserve(struct sh_conn *conn, const char *email,
					  const struct sh_attempt *a, int64_t pair_max,
					  int64_t account_max, int64_t *reserved_r);
/* After a refusal: rows in the window and the oldest of them (arena), for the pair
 * ("client_ip" set) or for the account over every address ("client_ip" NULL). */
enum sh_db_rc sh_password_attempts_in_window(struct sh_conn *conn, struct sh_arena *arena,
					     const char *email, const char *client_ip,
					     const char *since, int64_t *count_r,
					     const char **oldest_r);
/* Gives back one reservation (the check could not run: hashing saturated). */
enum sh_db_rc sh_password_attempt_release(struct sh_conn *conn, const char *id);
/* The right password: forgets the failures of ("email", "client_ip"); other addresses'
 * failures keep counting towards the account-wide cap. */
enum sh_db_rc sh_password_attempts_clear_pair(struct sh_conn *conn, const char *email,
					      const char *client_ip);
/* Account deletion: every failure recorded under that account's email. */
enum sh_db_rc sh_login_failure_clear_user(struct sh_conn *conn, const char *user_id);

/* The same for a request to /api/v1/auth/...: refused when a->client_ip has "max" rows in
 * the window; prunes everyone's expired rows first. */
enum sh_db_rc sh_ip_attempt_reserve(struct sh_conn *conn, const struct sh_attempt *a, int64_t max,
				    int64_t *reserved_r);
/* The oldest of the address's rows in the window (arena; NULL when none). */
enum sh_db_rc sh_ip_attempt_oldest(struct sh_conn *conn, struct sh_arena *arena,
				   const char *client_ip, const char *since, const char **oldest_r);
enum sh_db_rc sh_ip_attempt_release(struct sh_conn *conn, const char *id);

#endif
