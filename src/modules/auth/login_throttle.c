/* Guessing limits: password checks per account and address, auth requests per address. */
#include "modules/auth/login_throttle.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "modules/auth/attempt_queries.h"
#include "modules/auth/auth_settings.h"
#include "schoolhub/app.h"
#include "schoolhub/log.h"
#include "schoolhub/security.h"
#include "schoolhub/util.h"

/* Seconds until a row written at "oldest" leaves the window; at least 1. */
static long seconds_until_free(const char *oldest, unsigned window_s, time_t now)
{
	struct tm tm = {0};
	long wait = (long)window_s;
	if (oldest != NULL && strptime(oldest, "%Y-%m-%dT%H:%M:%SZ", &tm) != NULL)
		wait = (long)(timegm(&tm) + (time_t)window_s - now);
	return wait < 1 ? 1 : wait;
}

static void reply_too_many_attempts(struct sh_request *req, struct sh_response *res, long wait)
{
	sh_res_header(res, "Retry-After", sh_arena_printf(req->arena, "%ld", wait));
	sh_reply_problem(req, res, 429, "too_many_attempts", NULL);
}

/*
 * The address "text" as the limits count it: IPv4 as is (IPv4-mapped IPv6 too), IPv6 by
 * its /64, which one subscriber gets whole and can walk through at will. NULL when "text"
 * is not an address.
 */
static const char *counted_address(struct sh_arena *arena, const char *text)
{
	unsigned char v6[16];
	struct in_addr v4;
	char out[INET6_ADDRSTRLEN + 4];
	if (inet_pton(AF_INET, text, &v4) == 1)
		return inet_ntop(AF_INET, &v4, out, sizeof(out)) ? sh_arena_strdup(arena, out) : NULL;
	if (inet_pton(AF_INET6, text, v6) != 1)
		return NULL;
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (memcmp(v6, mapped, sizeof(mapped)) == 0) {
		memcpy(&v4, v6 + 12, 4);
		return inet_ntop(AF_INET, &v4, out, sizeof(out)) ? sh_arena_strdup(arena, out) : NULL;
	}
	memset(v6 + 8, 0, 8);
	if (inet_ntop(AF_INET6, v6, out, INET6_ADDRSTRLEN) == NULL)
		return NULL;
	return sh_arena_printf(arena, "%s/64", out);
}

/* Who the limits count: the request's client (sh_req_client_ip: through a trusted proxy,
 * the client it names), grouped as counted_address says. */
static const char *counted_client(struct sh_request *req)
{
	const char *client = sh_req_client_ip(req);
	const char *counted = counted_address(req->arena, client);
	return counted != NULL ? counted : client;
}

/* A fresh attempt row stamped now, counting against the window that ends now. */
static void attempt_init(struct sh_request *req, struct sh_attempt *a, time_t now,
			 char id[SH_UUID_LEN + 1], char stamp[SH_TIME_LEN + 1],
			 char since[SH_TIME_LEN + 1])
{
	sh_uuid_v4(id);
	sh_time_format(now, stamp);
	sh_time_format(now - (time_t)sh_auth_settings(&req->app->cfg)->login_window_s, since);
	a->id = id;
	a->client_ip = counted_client(req);
	a->now = stamp;
	a->since = since;
}

/* --- passwords -------------------------------------------------------------------- */

struct password_reserve_tx {
	const struct sh_auth_settings *cfg;
	const char *email;
	const struct sh_attempt *attempt;
	int64_t reserved;
};

static enum sh_db_rc password_reserve_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct password_reserve_tx *t = ctx;
	return sh_password_attempt_reserve(conn, t->email, t->attempt,
					   (int64_t)t->cfg->login_max_failures,
					   (int64_t)t->cfg->login_account_max_failures, &t->reserved);
}

/* Refused: wait for whichever full limit frees last (the pair's, the account's or both). */
static void reply_password_locked(struct sh_request *req, struct sh_response *res,
				  const char *email, const struct sh_attempt *a, time_t now)
{
	const struct sh_auth_settings *cfg = sh_auth_settings(&req->app->cfg);
	int64_t pair = 0, account = 0;
	const char *pair_oldest = NULL, *account_oldest = NULL;
	enum sh_db_rc rc = sh_password_attempts_in_window(req->db, req->arena, email, a->client_ip,
							  a->since, &pair, &pair_oldest);
	if (rc == SH_DB_OK)
		rc = sh_password_attempts_in_window(req->db, req->arena, email, NULL, a->since,
						    &account, &account_oldest);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	long wait = 1;
	if (pair >= (int64_t)cfg->login_max_failures)
		wait = seconds_until_free(pair_oldest, cfg->login_window_s, now);
	if (account >= (int64_t)cfg->login_account_max_failures) {
		long w = seconds_until_free(account_oldest, cfg->login_window_s, now);
		wait = w > wait ? w : wait;
	}
	reply_too_many_attempts(req, res, wait);
}

int sh_password_check_or_reply(struct sh_request *req, struct sh_response *res, const char *email,
			       const char *hash, const char *password)
{
	char id[SH_UUID_LEN + 1], stamp[SH_TIME_LEN + 1], since[SH_TIME_LEN + 1];
	struct sh_attempt a;
	time_t now = time(NULL);
	attempt_init(req, &a, now, id, stamp, since);
	/* The attempt is counted before argon2id runs, in the statement that checks the
	 * limits: parallel guesses queue on the database, not behind a stale count. */
	struct password_reserve_tx t = {sh_auth_settings(&req->app->cfg), email, &a, 0};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, password_reserve_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return -1;
	}
	if (t.reserved != 1) {
		reply_password_locked(req, res, email, &a, now);
		return -1;
	}
	enum sh_pw_result pw = sh_password_verify(req->app, hash, password);
	if (pw == SH_PW_BUSY) {
		/* Nothing was checked: the attempt is given back. */
		if (sh_password_attempt_release(req->db, a.id) != SH_DB_OK)
			sh_log_warn("request %s: a password attempt could not be given back",
				    req->request_id);
		sh_reply_busy(req, res);
		return -1;
	}
	if (pw != SH_PW_MATCH) {
		/* The reserved row stays: it is the failure. */
		sh_reply_problem(req, res, 401, "invalid_credentials", NULL);
		return -1;
	}
	rc = sh_password_attempts_clear_pair(req->db, email, a.client_ip);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return -1;
	}
	return 0;
}

/* --- requests per client address ------------------------------------------------- */

struct ip_reserve_tx {
	const struct sh_attempt *attempt;
	int64_t max, reserved;
};

static enum sh_db_rc ip_reserve_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct ip_reserve_tx *t = ctx;
	return sh_ip_attempt_reserve(conn, t->attempt, t->max, &t->reserved);
}

static bool ip_refunded(const struct sh_response *res, enum sh_ip_refund refund)
{
	if (res->status >= 500)
		return true; /* the server failed, not the client */
	return refund == SH_IP_REFUND_SUCCESS && res->status < 400;
}

void sh_auth_ip_limited(struct sh_request *req, struct sh_response *res, sh_handler_fn *handler,
			enum sh_ip_refund refund)
{
	const struct sh_auth_settings *settings = sh_auth_settings(&req->app->cfg);
	unsigned limit = settings->ip_limit;
	if (limit == 0) {
		handler(req, res);
		return;
	}
	char id[SH_UUID_LEN + 1], stamp[SH_TIME_LEN + 1], since[SH_TIME_LEN + 1];
	struct sh_attempt a;
	time_t now = time(NULL);
	attempt_init(req, &a, now, id, stamp, since);
	struct ip_reserve_tx t = {&a, (int64_t)limit, 0};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, ip_reserve_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (t.reserved != 1) {
		const char *oldest = NULL;
		rc = sh_ip_attempt_oldest(req->db, req->arena, a.client_ip, a.since, &oldest);
		if (rc != SH_DB_OK)
			sh_reply_db_error(req, res, rc);
		else
			reply_too_many_attempts(
				req, res, seconds_until_free(oldest, settings->login_window_s, now));
		return;
	}
	handler(req, res);
	if (ip_refunded(res, refund) && sh_ip_attempt_release(req->db, a.id) != SH_DB_OK)
		sh_log_warn("request %s: an auth request could not be given back", req->request_id);
}
