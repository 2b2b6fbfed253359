/* Counting wrong passwords per account, shared by every route that checks a password. */
#include "modules/auth/login_throttle.h"

#include <time.h>

#include "modules/auth/session_queries.h"
#include "schoolhub/app.h"
#include "schoolhub/util.h"

/* 429 with Retry-After when the account has too many recent failures; 0 otherwise. */
int sh_login_throttle_or_reply(struct sh_request *req, struct sh_response *res, const char *email)
{
	const struct sh_config *cfg = &req->app->cfg;
	char since[SH_TIME_LEN + 1];
	time_t now = time(NULL);
	sh_time_format(now - (time_t)cfg->login_window_s, since);
	int64_t failures = 0;
	const char *oldest = NULL;
	enum sh_db_rc rc =
		sh_login_failure_count(req->db, req->arena, email, since, &failures, &oldest);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return -1;
	}
	if (failures < (int64_t)cfg->login_max_failures)
		return 0;
	/* Retry when the oldest failure in the window ages out. */
	struct tm tm = {0};
	long wait = (long)cfg->login_window_s;
	if (oldest != NULL && strptime(oldest, "%Y-%m-%dT%H:%M:%SZ", &tm) != NULL)
		wait = (long)(timegm(&tm) + (time_t)cfg->login_window_s - now);
	if (wait < 1)
		wait = 1;
	sh_res_header(res, "Retry-After", sh_arena_printf(req->arena, "%ld", wait));
	sh_reply_problem(req, res, 429, "too_many_attempts", NULL);
	return -1;
}

int sh_login_failure_record_or_reply(struct sh_request *req, struct sh_response *res,
				     const char *email)
{
	char now[SH_TIME_LEN + 1], window_start[SH_TIME_LEN + 1];
	time_t t = time(NULL);
	sh_time_format(t, now);
	sh_time_format(t - (time_t)req->app->cfg.login_window_s, window_start);
	enum sh_db_rc rc = sh_login_failure_add(req->db, email, now, window_start);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return -1;
	}
	return 0;
}
