/*
 * The durable job queue, with real failures: SMTP pointed at a closed port fails each
 * attempt (retried with back-off, then dead, listed for admins, retried by one), a
 * restart loses no job, a job held by a crashed instance runs once its lease ends, and
 * two instances on one database deliver each e-mail exactly once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "mail_support.h"
#include "schoolhub/jobs.h"

#define VERIFY_KIND "auth.verify_email"
#define INVITE_KIND "children.invitation_email"

static struct th_resp *jobs_get(const char *token, const char *query)
{
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/admin/jobs%s", query);
	return th_request("GET", path, token, NULL, NULL, NULL);
}

static struct th_resp *jobs_retry(const char *token, const char *id)
{
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/admin/jobs/%s/retry", id);
	return th_request("POST", path, token, NULL, NULL, NULL);
}

/* The admin routes: who may call them and every refusal. */
START_TEST(test_admin_jobs_routes)
{
	struct th_server s = {0};
	mail_server_start(&s, 0, NULL);
	struct th_member admin, parent, other;
	th_member_register(&admin, "jobsadmin");
	th_member_register(&parent, "jobsparent");
	th_member_register_unverified(&other, "jobsother");
	api_promote(&admin, "admin");
	ck_assert(mail_wait_job_state(VERIFY_KIND, "done", 10));

	struct th_resp *r = jobs_get(parent.access_token, "");
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	r = jobs_get(admin.access_token, "?state=done&limit=2");
	ck_assert_int_eq(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_int_eq(json_array_size(items), 2);
	json_t *first = json_array_get(items, 0);
	ck_assert_str_eq(json_string_value(json_object_get(first, "state")), "done");
	ck_assert_str_eq(json_string_value(json_object_get(first, "kind")), VERIFY_KIND);
	ck_assert_ptr_null(json_object_get(first, "payload")); /* addresses stay in the database */
	const char *cursor = json_string_value(json_object_get(r->json, "next_cursor"));
	ck_assert_ptr_nonnull(cursor);
	char query[200], done_id[40];
	snprintf(done_id, sizeof(done_id), "%s", json_string_value(json_object_get(first, "id")));
	snprintf(query, sizeof(query), "?state=done&limit=2&cursor=%s", cursor);
	th_resp_free(&r);
	r = jobs_get(admin.access_token, query);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1); /* 3 registrations */
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
	th_resp_free(&r);
	r = jobs_get(admin.access_token, "?state=dead");
	ck_assert_str_eq(r->body, "{\"items\":[],\"next_cursor\":null}");
	th_resp_free(&r);

	r = jobs_get(admin.access_token, "?state=buried");
	assert_field_error(r, "state", "invalid_job_state");
	th_resp_free(&r);
	r = jobs_get(admin.access_token, "?cursor=nonsense");
	assert_field_error(r, "cursor", "invalid_cursor");
	th_resp_free(&r);
	r = jobs_get(admin.access_token, "?limit=0");
	ck_assert_problem(r, 422, "validation_failed");
	th_resp_free(&r);

	r = jobs_retry(admin.access_token, done_id);
	ck_assert_problem(r, 409, "job_not_dead");
	th_resp_free(&r);
	r = jobs_retry(admin.access_token, "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69");
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = jobs_retry(admin.access_token, "not-a-uuid");
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	r = jobs_retry(parent.access_token, done_id);
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	th_member_free(&admin);
	th_member_free(&parent);
	th_member_free(&other);
	th_server_stop(&s);
}
END_TEST

static int64_t job_attempts(const char *id)
{
	return api_db_count("SELECT attempts FROM jobs WHERE id = $1", id, NULL);
}

/* A job that fails three times (SMTP on a closed port) is retried with back-off, then dead;
 * an admin sees it and retries it once the server is up, and it is delivered. */
START_TEST(test_failing_job_goes_dead_then_retried)
{
	unsigned port = th_free_port(); /* nothing listens: every attempt is refused */
	static const char *const fast[] = {"SCHOOLHUB_JOBS_MAX_ATTEMPTS=3",
					   "SCHOOLHUB_JOBS_BACKOFF_S=1", NULL};
	struct th_server s = {0};
	mail_server_start(&s, port, fast);
	struct th_member admin, m;
	th_member_register(&admin, "deadadmin");
	api_promote(&admin, "admin");
	th_member_register_unverified(&m, "deadletter");
	ck_assert_msg(mail_wait_job_state(VERIFY_KIND, "dead", 20), "the job never died");
	char *id = mail_job_field("id", VERIFY_KIND);
	ck_assert_int_eq(job_attempts(id), 3);
	char *error = mail_job_field("last_error", VERIFY_KIND);
	ck_assert_msg(strstr(error, "SMTP") != NULL, "last_error: %s", error);
	/* Back-off: 1 s then 2 s between the three attempts. */
	char *created = mail_job_field("created_at", VERIFY_KIND);
	char *updated = mail_job_field("updated_at", VERIFY_KIND);
	ck_assert_msg(strcmp(updated, created) > 0, "%s vs %s", updated, created);

	struct th_resp *r = jobs_get(admin.access_token, "?state=dead");
	ck_assert_int_eq(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	ck_assert_int_eq(json_array_size(items), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "id")), id);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(items, 0), "attempts")), 3);
	th_resp_free(&r);

	struct th_smtp_sink sink;
	th_smtp_sink_start(&sink, port, false); /* the SMTP server is back */
	r = jobs_retry(admin.access_token, id);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "id"), id);
	th_resp_free(&r);
	char *msg = mail_wait_to(&sink, m.email, 10);
	ck_assert_msg(msg != NULL, "the retried job delivered nothing");
	ck_assert(mail_wait_job_state(VERIFY_KIND, "done", 5));
	ck_assert_int_eq(job_attempts(id), 1);
	r = jobs_retry(admin.access_token, id); /* done now */
	ck_assert_problem(r, 409, "job_not_dead");
	th_resp_free(&r);
	ck_assert_int_eq(th_smtp_sink_count(&sink), 1);
	free(msg);
	free(created);
	free(updated);
	free(error);
	free(id);
	th_member_free(&admin);
	th_member_free(&m);
	th_server_stop(&s);
	th_smtp_sink_stop(&sink);
}
END_TEST

/* A restart in the middle loses no job: failed once before the restart, delivered after;
 * and a job claimed by an instance that crashed runs again when its lease has run out. */
START_TEST(test_restart_loses_no_job)
{
	unsigned port = th_free_port();
	static const char *const slow_retry[] = {"SCHOOLHUB_JOBS_BACKOFF_S=1", NULL};
	struct th_server s = {0};
	mail_server_start(&s, port, slow_retry);
	struct th_member m;
	th_member_register_unverified(&m, "restarted");
	for (int i = 0; i < 200; i++) {
		char *attempts = mail_job_field("attempts", VERIFY_KIND);
		bool failed_once = attempts != NULL && atoi(attempts) >= 1;
		free(attempts);
		char *state = mail_job_field("state", VERIFY_KIND);
		failed_once = failed_once && strcmp(state, "queued") == 0;
		free(state);
		if (failed_once)
			break;
		usleep(50000);
	}
	struct th_smtp_sink sink;
	th_smtp_sink_start(&sink, 0, false);
	mail_server_start(&s, sink.port, NULL); /* a restart, SMTP now reachable */
	char *msg = mail_wait_to(&sink, m.email, 15);
	ck_assert_msg(msg != NULL, "the job was lost in the restart");
	free(msg);
	ck_assert(mail_wait_job_state(VERIFY_KIND, "done", 5));

	/* A crashed instance's claim: the job is "running" under a lease that ends in 2 s. */
	static const char *const no_workers[] = {"SCHOOLHUB_JOBS_WORKERS=0", NULL};
	mail_server_start(&s, sink.port, no_workers);
	struct th_member n;
	th_member_register_unverified(&n, "crashclaim");
	char *id = mail_job_field("id", VERIFY_KIND);
	char soon[21];
	mail_time_ago(-8, soon);
	api_db_exec("UPDATE jobs SET state = 'running', locked_by = 'crashed-instance', "
		    "attempts = 1, locked_until = $2 WHERE id = $1",
		    id, soon);
	mail_server_start(&s, sink.port, NULL); /* workers again */
	usleep(300000);
	ck_assert_ptr_null(th_smtp_sink_message_to(&sink, n.email)); /* still its lease */
	msg = mail_wait_to(&sink, n.email, 25);
	ck_assert_msg(msg != NULL, "the crashed instance's job never ran again");
	ck_assert(mail_wait_job_state(VERIFY_KIND, "done", 5));
	ck_assert_int_eq(job_attempts(id), 2);
	ck_assert_int_eq(th_smtp_sink_count(&sink), 2);
	free(msg);
	free(id);
	th_member_free(&m);
	th_member_free(&n);
	th_server_stop(&s);
	th_smtp_sink_stop(&sink);
}
END_TEST

/* Two instances on one database, two worker threads each, race for the same 200 due
 * jobs: each e-mail is delivered exactly once, each job claimed once, by several workers. */
START_TEST(test_two_instances_deliver_once)
{
	struct th_smtp_sink sink;
	th_smtp_sink_start(&sink, 0, false);
	static const char *const no_workers[] = {"SCHOOLHUB_JOBS_WORKERS=0", NULL};
	static const char *const racing[] = {"SCHOOLHUB_JOBS_WORKERS=2", "SCHOOLHUB_JOBS_POLL_MS=10",
					     NULL};
	struct th_server one = {0}, two = {0};
	mail_server_start(&one, sink.port, no_workers);
	struct th_member a;
	th_member_register(&a, "manyinvites");
	struct th_resp *r = th_json("POST", "/api/v1/children", a.access_token, "{s:s, s:s, s:s}",
				    "first_name", "Noor", "last_name", "Kind", "class_name", "M3");
	ck_assert_int_eq(r->status, 201);
	char *child = strdup(th_str(r, "id"));
	th_resp_free(&r);
	char email[96];
	snprintf(email, sizeof(email), "twice-%d@example.be", (int)getpid());
	free(api_invite(a.access_token, child, email));
	/* 199 more jobs like the one the invitation queued: each is its own e-mail. */
	enum { N = 200 };
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(one.app->db, &error);
	ck_assert_ptr_nonnull(conn);
	json_t *payload = json_pack("{s:s, s:s, s:s}", "child_id", child, "inviter_id", a.id,
				    "email", email);
	for (int i = 1; i < N; i++)
		ck_assert_int_eq(sh_job_enqueue(conn, INVITE_KIND, payload, NULL), SH_DB_OK);
	json_decref(payload);
	sh_conn_close(&conn);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state = 'queued'",
				      INVITE_KIND, NULL),
			 N);
	/* Both instances start their workers on the same queue. */
	char url[80];
	snprintf(url, sizeof(url), "SCHOOLHUB_SMTP_URL=smtp://127.0.0.1:%u", sink.port);
	const char *env2[] = {url, "SCHOOLHUB_PUBLIC_URL=https://school.example",
			      "SCHOOLHUB_JOBS_WORKERS=2", "SCHOOLHUB_JOBS_POLL_MS=10", NULL};
	th_server_start_beside(&two, &one, env2);
	mail_server_start(&one, sink.port, racing);
	ck_assert_msg(th_smtp_sink_wait(&sink, N, 120), "%zu of %d", th_smtp_sink_count(&sink), N);
	usleep(1000000); /* a second copy would arrive now */
	ck_assert_int_eq(th_smtp_sink_count(&sink), N);
	char **ids = calloc(N, sizeof(*ids));
	for (int i = 0; i < N; i++) {
		char *msg = th_smtp_sink_message(&sink, (size_t)i);
		ids[i] = th_mail_header(msg, "Message-ID");
		for (int k = 0; k < i; k++)
			ck_assert_str_ne(ids[k], ids[i]);
		free(msg);
	}
	for (int i = 0; i < N; i++)
		free(ids[i]);
	free(ids);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state = 'done' "
				      "AND attempts = 1",
				      INVITE_KIND, NULL),
			 N);
	/* locked_by keeps who ran each job: the work was shared. */
	ck_assert_int_ge(api_db_count("SELECT COUNT(DISTINCT locked_by) FROM jobs WHERE kind = $1",
				      INVITE_KIND, NULL),
			 2);
	free(child);
	th_member_free(&a);
	th_server_stop(&two);
	th_server_stop(&one);
	th_smtp_sink_stop(&sink);
}
END_TEST

Suite *api_jobs_suite(void)
{
	Suite *s = suite_create("jobs");
	TCase *tc = tcase_create("queue");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_admin_jobs_routes);
	tcase_add_test(tc, test_failing_job_goes_dead_then_retried);
	tcase_add_test(tc, test_restart_loses_no_job);
	tcase_add_test(tc, test_two_instances_deliver_once);
	suite_add_tcase(s, tc);
	return s;
}
