/* Helpers of the e-mail and job suites: servers wired to an SMTP sink, job rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "mail_support.h"
#include "schoolhub/util.h"

void mail_server_start(struct th_server *s, unsigned smtp_port, const char *const *extra)
{
	char url[80];
	snprintf(url, sizeof(url), "SCHOOLHUB_SMTP_URL=smtp://127.0.0.1:%u", smtp_port);
	const char *env[24] = {url, "SCHOOLHUB_PUBLIC_URL=https://school.example/",
			       "SCHOOLHUB_MAIL_FROM=École Les Tilleuls <ecole@school.example>",
			       "SCHOOLHUB_JOBS_POLL_MS=50"};
	size_t n = 4;
	for (const char *const *e = extra; e != NULL && *e != NULL && n < 23; e++)
		env[n++] = *e;
	env[n] = NULL;
	if (s->app == NULL)
		th_server_start(s, api_backend, smtp_port ? env : env + 1);
	else
		th_server_restart(s, smtp_port ? env : env + 1);
}

void mail_time_ago(long seconds, char out[SH_TIME_LEN + 1])
{
	sh_time_format(time(NULL) - seconds, out);
}

char *mail_job_field(const char *sql_column, const char *kind)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT %s FROM jobs WHERE kind = $1 ORDER BY id DESC",
		 sql_column);
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(th_current->app->db, &error);
	ck_assert_msg(conn != NULL, "%s", error ? error : "");
	struct sh_stmt *st = sh_stmt_prepare(conn, sql);
	sh_stmt_bind_text(st, 1, kind);
	char *out = NULL;
	if (sh_stmt_step(st) == SH_DB_ROW) {
		const char *v = sh_stmt_col_text(st, 0);
		out = strdup(v ? v : "");
	}
	sh_stmt_free(&st);
	sh_conn_close(&conn);
	return out;
}

bool mail_wait_job_state(const char *kind, const char *state, double timeout_s)
{
	for (double waited = 0; waited <= timeout_s; waited += 0.05) {
		char *got = mail_job_field("state", kind);
		bool match = got != NULL && strcmp(got, state) == 0;
		free(got);
		if (match)
			return true;
		struct timespec ts = {0, 50 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return false;
}

char *mail_wait_to(const struct th_smtp_sink *sink, const char *to, double timeout_s)
{
	for (double waited = 0; waited <= timeout_s; waited += 0.05) {
		char *msg = th_smtp_sink_message_to(sink, to);
		if (msg != NULL)
			return msg;
		struct timespec ts = {0, 50 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

struct th_resp *mail_verify(const char *token)
{
	return th_json("POST", "/api/v1/auth/verify-email", NULL, "{s:s}", "token", token);
}

bool mail_user_verified(const char *access_token)
{
	struct th_resp *r = th_request("GET", "/api/v1/users/me", access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	json_t *v = json_object_get(r->json, "is_verified");
	ck_assert_msg(json_is_boolean(v), "no is_verified in %s", r->body);
	bool verified = json_is_true(v);
	th_resp_free(&r);
	return verified;
}
