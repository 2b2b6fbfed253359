/*
 * Forgotten passwords, against a real SMTP server (tests/support/smtp_sink.py): the link
 * read from the received e-mail sets a new password once and ends every session; known
 * and unknown addresses get the same answer and the same writes; used, expired, forged or
 * moved links are 400 invalid_token; weak passwords 422; limits per address and per
 * client address 429 with Retry-After.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "mail_support.h"

#define RESET_KIND "auth.password_reset_email"
#define NEW_PASSWORD "a brand new passphrase"

static const char requested[] = "{\"status\":\"reset_requested\"}";

static struct th_resp *ask_reset(const char *email)
{
	return th_json("POST", "/api/v1/auth/password-reset/request", NULL, "{s:s}", "email",
		       email);
}

static struct th_resp *use_reset(const char *token, const char *password)
{
	return th_json("POST", "/api/v1/auth/password-reset", NULL, "{s:s, s:s}", "token", token,
		       "password", password);
}

/* Waits for a message to "to" whose text part holds "needle" (malloc'ed), NULL if none. */
static char *wait_mail_with(const struct th_smtp_sink *sink, const char *to, const char *needle,
			    double timeout_s)
{
	for (double waited = 0; waited <= timeout_s; waited += 0.05) {
		for (size_t i = 0; i < th_smtp_sink_count(sink); i++) {
			char *m = th_smtp_sink_message(sink, i);
			char *t = th_mail_header(m, "To");
			char *text = th_mail_part(m, "text/plain");
			bool match = t && text && strcmp(t, to) == 0 && strstr(text, needle);
			free(t);
			free(text);
			if (match)
				return m;
			free(m);
		}
		usleep(50000);
	}
	return NULL;
}

/* The reset link's token in the e-mail to "to" (malloc'ed); fails the test if none came. */
static char *reset_token_for(const struct th_smtp_sink *sink, const char *to)
{
	char *msg = wait_mail_with(sink, to, "/reset-password?token=", 30);
	ck_assert_msg(msg != NULL, "no reset e-mail to %s", to);
	char *token = th_mail_token(msg);
	ck_assert_msg(token != NULL && strlen(token) == 43, "token %s", token);
	free(msg);
	return token;
}

static long login_status(const char *email, const char *password)
{
	struct th_resp *r = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email",
				    email, "password", password);
	long status = r->status;
	th_resp_free(&r);
	return status;
}

static void start(struct th_smtp_sink *sink, struct th_server *s, const char *const *extra)
{
	th_smtp_sink_start(sink, 0, false);
	mail_server_start(s, sink->port, extra);
}

static void stop(struct th_smtp_sink *sink, struct th_server *s)
{
	th_server_stop(s);
	th_smtp_sink_stop(sink);
}

/* The whole journey: ask, read the link, set a new password; every session ends. */
START_TEST(test_reset_end_to_end)
{
	struct th_smtp_sink sink;
	struct th_server s = {0};
	start(&sink, &s, NULL);
	struct th_member m;
	th_member_register(&m, "forgetful");
	/* A second device's session: it must end too. */
	struct th_resp *r = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email",
				    m.email, "password", m.password);
	ck_assert_int_eq(r->status, 200);
	char *other_refresh = strdup(th_str(r, "refresh_token"));
	th_resp_free(&r);

	r = ask_reset(m.email);
	ck_assert_int_eq(r->status, 202);
	ck_assert_str_eq(r->body, requested);
	th_resp_free(&r);
	char *msg = wait_mail_with(&sink, m.email, "/reset-password?token=", 30);
	ck_assert_msg(msg != NULL, "no reset e-mail");
	char *text = th_mail_part(msg, "text/plain"), *html = th_mail_part(msg, "text/html");
	ck_assert_ptr_nonnull(strstr(text, "https://school.example/reset-password?token="));
	ck_assert_ptr_nonnull(strstr(text, "Bonjour forgetful,"));
	ck_assert_ptr_nonnull(strstr(text, "30 minutes"));
	ck_assert_ptr_nonnull(strstr(html, "<a href=\"https://school.example/reset-password?token="));
	char *subject = th_mail_header(msg, "Subject"), *lang = th_mail_header(msg, "Content-Language");
	/* "Choisir un nouveau mot de passe SchoolHub" is ASCII: no encoded word needed. */
	ck_assert_str_eq(subject, "Choisir un nouveau mot de passe SchoolHub");
	ck_assert_str_eq(lang, "fr");
	ck_assert_ptr_null(th_mail_header(msg, "List-Unsubscribe"));
	char *token = th_mail_token(msg);
	ck_assert_msg(token != NULL && strlen(token) == 43, "token %s", token);
	/* Never stored, nor in the job: the table keeps its hash. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM password_resets WHERE token_hash = $1",
				      token, NULL),
			 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM jobs WHERE payload LIKE '%' || $1 || '%'",
				      token, NULL),
			 0);
	ck_assert(mail_wait_job_state(RESET_KIND, "done", 30));

	r = use_reset(token, NEW_PASSWORD);
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	/* Every session ended: the old access token, this device's and the other's refresh. */
	r = th_request("GET", "/api/v1/users/me", m.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	const char *refreshes[] = {m.refresh_token, other_refresh};
	for (size_t i = 0; i < 2; i++) {
		r = th_json("POST", "/api/v1/auth/refresh", NULL, "{s:s}", "refresh_token",
			    refreshes[i]);
		ck_assert_problem(r, 401, "unauthorized");
		th_resp_free(&r);
	}
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM refresh_tokens WHERE user_id = $1 "
				      "AND revoked_at IS NULL",
				      m.id, NULL),
			 0);
	ck_assert_int_eq(login_status(m.email, m.password), 401);
	ck_assert_int_eq(login_status(m.email, NEW_PASSWORD), 200);
	/* Single use. */
	r = use_reset(token, "yet another passphrase");
	ck_assert_problem(r, 400, "invalid_token");
	th_resp_free(&r);
	ck_assert_int_eq(login_status(m.email, NEW_PASSWORD), 200);

	free(subject);
	free(lang);
	free(text);
	free(html);
	free(token);
	free(msg);
	free(other_refresh);
	th_member_free(&m);
	stop(&sink, &s);
}
END_TEST

/* An address nobody has: the same answer, the same row and job; no e-mail, and the job
 * forgets the address. */
START_TEST(test_reset_unknown_address_looks_the_same)
{
	struct th_smtp_sink sink;
	struct th_server s = {0};
	start(&sink, &s, NULL);
	struct th_member m;
	/* Its verification e-mail first, then verified: a member verified before the job runs
	 * gets no verification e-mail (the job sees nothing left to confirm), and under load the
	 * worker often came after th_member_register's UPDATE, so the wait below timed out. */
	th_member_register_unverified(&m, "known");
	ck_assert(th_smtp_sink_wait(&sink, 1, 30));
	th_member_mark_verified(&m);
	char nobody[96];
	snprintf(nobody, sizeof(nobody), "nobody-reset-%d@example.be", (int)getpid());

	struct th_resp *known = ask_reset(m.email), *unknown = ask_reset(nobody);
	ck_assert_int_eq(known->status, 202);
	ck_assert_int_eq(unknown->status, 202);
	ck_assert_str_eq(known->body, unknown->body);
	ck_assert_str_eq(th_header(known, "Content-Type"), "application/json");
	ck_assert_str_eq(th_header(unknown, "Content-Type"), "application/json");
	th_resp_free(&known);
	th_resp_free(&unknown);
	/* Both wrote a row and a job (the job may already have forgotten the unknown
	 * address: count every row). */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM password_resets WHERE created_at > $1",
				      "2000-01-01T00:00:00Z", NULL),
			 2);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM jobs WHERE kind = $1", RESET_KIND, NULL),
			 2);
	char *msg = wait_mail_with(&sink, m.email, "/reset-password?token=", 30);
	ck_assert_ptr_nonnull(msg);
	free(msg);
	for (int i = 0; i < 600 && api_db_count("SELECT COUNT(*) FROM jobs WHERE kind = $1 AND "
						"state = 'done'",
						RESET_KIND, NULL) < 2;
	     i++)
		usleep(50000);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state = 'done'",
				      RESET_KIND, NULL),
			 2);
	/* Nothing went to the unknown address, and the address is no longer stored. */
	ck_assert_int_eq(th_smtp_sink_count(&sink), 2);
	msg = th_smtp_sink_message_to(&sink, nobody);
	ck_assert_ptr_null(msg);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM password_resets WHERE email = $1",
				      nobody, NULL),
			 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM password_resets WHERE email IS NULL "
				      "AND user_id IS NULL AND created_at > $1",
				      "2000-01-01T00:00:00Z", NULL),
			 1);
	th_member_free(&m);
	stop(&sink, &s);
}
END_TEST

/* Bad bodies, weak passwords, and every link that must not work. */
START_TEST(test_reset_refusals)
{
	struct th_smtp_sink sink;
	struct th_server s = {0};
	start(&sink, &s, NULL);
	struct th_resp *r = th_json("POST", "/api/v1/auth/password-reset/request", NULL, "{}");
	assert_field_error(r, "email", "required");
	th_resp_free(&r);
	r = ask_reset("not-an-address");
	assert_field_error(r, "email", "invalid_email");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/auth/password-reset/request", NULL, "{s:s, s:s}", "email",
		    "a@b.be", "user_id", "x");
	assert_field_error(r, "user_id", "unknown_field");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/auth/password-reset", NULL, "{}");
	assert_field_error(r, "token", "required");
	assert_field_error(r, "password", "required");
	th_resp_free(&r);
	r = use_reset("short", NEW_PASSWORD);
	ck_assert_problem(r, 400, "invalid_token");
	th_resp_free(&r);
	r = use_reset("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NEW_PASSWORD); /* forged */
	ck_assert_problem(r, 400, "invalid_token");
	th_resp_free(&r);

	struct th_member m, n;
	th_member_register(&m, "weakpass");
	r = ask_reset(m.email);
	ck_assert_int_eq(r->status, 202);
	th_resp_free(&r);
	char *token = reset_token_for(&sink, m.email);
	/* The registration's rules: a weak password is 422, and the link still works. */
	r = use_reset(token, "short");
	assert_field_error(r, "password", "password_too_short");
	th_resp_free(&r);
	ck_assert_int_eq(login_status(m.email, m.password), 200);
	/* Expired: the row backdated past its 30 minutes. */
	api_db_exec("UPDATE password_resets SET expires_at = created_at WHERE user_id = $1", m.id,
		    NULL);
	r = use_reset(token, NEW_PASSWORD);
	ck_assert_problem(r, 400, "invalid_token");
	th_resp_free(&r);
	ck_assert_int_eq(login_status(m.email, m.password), 200);
	free(token);

	/* The account's address changed since: the link proved the old one. */
	th_member_register(&n, "moved");
	r = ask_reset(n.email);
	ck_assert_int_eq(r->status, 202);
	th_resp_free(&r);
	token = reset_token_for(&sink, n.email);
	api_db_exec("UPDATE users SET email = 'moved-' || email WHERE id = $1", n.id, NULL);
	r = use_reset(token, NEW_PASSWORD);
	ck_assert_problem(r, 400, "invalid_token");
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM password_resets WHERE user_id = $1 "
				      "AND used_at IS NOT NULL",
				      n.id, NULL),
			 0);
	free(token);
	th_member_free(&m);
	th_member_free(&n);
	stop(&sink, &s);
}
END_TEST

static void assert_retry_after(const struct th_resp *r, long min, long max)
{
	const char *retry = th_header(r, "Retry-After");
	ck_assert_msg(retry != NULL, "no Retry-After");
	long v = atol(retry);
	ck_assert_msg(v > min && v <= max, "Retry-After %s not in (%ld, %ld]", retry, min, max);
}

/* Three a hour per address, known or not; SCHOOLHUB_AUTH_IP_LIMIT per client address. */
START_TEST(test_reset_limits)
{
	struct th_smtp_sink sink;
	struct th_server s = {0};
	static const char *const env[] = {"SCHOOLHUB_AUTH_IP_LIMIT=8", NULL};
	start(&sink, &s, env);
	th_source_ip = "127.0.0.7";
	char nobody[96];
	snprintf(nobody, sizeof(nobody), "limited-%d@example.be", (int)getpid());
	for (int i = 0; i < 3; i++) {
		struct th_resp *r = ask_reset(nobody);
		ck_assert_msg(r->status == 202, "request %d: %ld %s", i, r->status, r->body);
		th_resp_free(&r);
	}
	struct th_resp *r = ask_reset(nobody);
	ck_assert_problem(r, 429, "too_many_requests");
	assert_retry_after(r, 3000, 3600);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM password_resets WHERE email = $1 OR "
				      "email IS NULL",
				      nobody, NULL),
			 3);
	/* An hour later the address may ask again. */
	char hour_ago[21];
	mail_time_ago(3601, hour_ago);
	api_db_exec("UPDATE password_resets SET created_at = $1", hour_ago, NULL);
	r = ask_reset(nobody);
	ck_assert_int_eq(r->status, 202);
	th_resp_free(&r);
	/* Five requests so far from this client address (the 429 counted too); three more
	 * reach the limit of 8, wherever they ask for. */
	for (int i = 0; i < 3; i++) {
		char other[96];
		snprintf(other, sizeof(other), "other-%d-%d@example.be", i, (int)getpid());
		r = ask_reset(other);
		ck_assert_msg(r->status == 202, "other %d: %ld %s", i, r->status, r->body);
		th_resp_free(&r);
	}
	r = ask_reset("fresh-address@example.be");
	ck_assert_problem(r, 429, "too_many_attempts");
	assert_retry_after(r, 0, 15 * 60);
	th_resp_free(&r);
	r = use_reset("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NEW_PASSWORD);
	ck_assert_problem(r, 429, "too_many_attempts");
	th_resp_free(&r);
	/* Another client address is not held back. */
	th_source_ip = "127.0.0.8";
	r = ask_reset("fresh-address@example.be");
	ck_assert_int_eq(r->status, 202);
	th_resp_free(&r);
	th_source_ip = NULL;
	stop(&sink, &s);
}
END_TEST

/* The e-mail speaks the account's language. */
START_TEST(test_reset_languages)
{
	struct th_smtp_sink sink;
	struct th_server s = {0};
	start(&sink, &s, NULL);
	static const char *const langs[][3] = {
		{"nl", "Een nieuw SchoolHub-wachtwoord kiezen", "Hallo Taal,"},
		{"en", "Choose a new SchoolHub password", "Hello Taal,"}};
	for (size_t i = 0; i < 2; i++) {
		char email[96];
		snprintf(email, sizeof(email), "reset-%s-%d@example.be", langs[i][0], (int)getpid());
		struct th_resp *r = th_json("POST", "/api/v1/auth/register", NULL,
					    "{s:s, s:s, s:s, s:s, s:s, s:s}", "email", email, "password",
					    "correct horse battery", "first_name", "Taal",
					    "last_name", "Test", "locale", langs[i][0],
					    "privacy_version", TH_PRIVACY_VERSION);
		ck_assert_int_eq(r->status, 201);
		th_resp_free(&r);
		r = ask_reset(email);
		ck_assert_int_eq(r->status, 202);
		th_resp_free(&r);
		char *msg = wait_mail_with(&sink, email, "/reset-password?token=", 30);
		ck_assert_ptr_nonnull(msg);
		char *subject = th_mail_header(msg, "Subject"), *lang = th_mail_header(msg, "Content-Language");
		char *text = th_mail_part(msg, "text/plain");
		ck_assert_str_eq(subject, langs[i][1]);
		ck_assert_str_eq(lang, langs[i][0]);
		ck_assert_ptr_nonnull(strstr(text, langs[i][2]));
		free(subject);
		free(lang);
		free(text);
		free(msg);
	}
	stop(&sink, &s);
}
END_TEST

/* Erasing the account erases its reset rows (the users row stays, as a pseudonym, so the
 * foreign key's cascade does not fire), and its link no longer works. */
START_TEST(test_reset_rows_go_with_erasure)
{
	struct th_smtp_sink sink;
	struct th_server s = {0};
	start(&sink, &s, NULL);
	struct th_member m;
	th_member_register(&m, "leaving");
	struct th_resp *r = ask_reset(m.email);
	ck_assert_int_eq(r->status, 202);
	th_resp_free(&r);
	char *token = reset_token_for(&sink, m.email);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM password_resets WHERE user_id = $1",
				      m.id, NULL),
			 1);
	r = th_json("DELETE", "/api/v1/users/me", m.access_token, "{s:s}", "password", m.password);
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM password_resets WHERE user_id = $1 "
				      "OR email = $2",
				      m.id, m.email),
			 0);
	r = use_reset(token, NEW_PASSWORD);
	ck_assert_problem(r, 400, "invalid_token");
	th_resp_free(&r);
	free(token);
	th_member_free(&m);
	stop(&sink, &s);
}
END_TEST

struct parallel_use {
	pthread_t thread;
	const char *token;
	long status;
};

static void *use_once(void *arg)
{
	struct parallel_use *u = arg;
	th_timeout_s = 300; /* argon2id queues behind the others under valgrind */
	struct th_resp *r = use_reset(u->token, NEW_PASSWORD);
	u->status = r->status;
	th_resp_free(&r);
	return NULL;
}

/* One link used from several tabs at once: exactly one sets the password. */
START_TEST(test_reset_parallel_uses)
{
	struct th_smtp_sink sink;
	struct th_server s = {0};
	static const char *const env[] = {"SCHOOLHUB_THREADS=8", NULL};
	start(&sink, &s, env);
	struct th_member m;
	th_member_register(&m, "racing");
	struct th_resp *r = ask_reset(m.email);
	ck_assert_int_eq(r->status, 202);
	th_resp_free(&r);
	char *token = reset_token_for(&sink, m.email);
	struct parallel_use u[6];
	for (size_t i = 0; i < 6; i++) {
		u[i] = (struct parallel_use){.token = token};
		ck_assert_int_eq(pthread_create(&u[i].thread, NULL, use_once, &u[i]), 0);
	}
	int done = 0;
	for (size_t i = 0; i < 6; i++) {
		ck_assert_int_eq(pthread_join(u[i].thread, NULL), 0);
		done += u[i].status == 204;
		/* The others: the link is used (400), or hashing was saturated (429). */
		ck_assert_msg(u[i].status == 204 || u[i].status == 400 || u[i].status == 429,
			      "use %zu: %ld", i, u[i].status);
	}
	ck_assert_int_eq(done, 1);
	ck_assert_int_eq(login_status(m.email, NEW_PASSWORD), 200);
	free(token);
	th_member_free(&m);
	stop(&sink, &s);
}
END_TEST

Suite *api_password_reset_suite(void)
{
	Suite *s = suite_create("password_reset");
	TCase *tc = tcase_create("password_reset");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_reset_end_to_end);
	tcase_add_test(tc, test_reset_unknown_address_looks_the_same);
	tcase_add_test(tc, test_reset_refusals);
	tcase_add_test(tc, test_reset_limits);
	tcase_add_test(tc, test_reset_languages);
	tcase_add_test(tc, test_reset_rows_go_with_erasure);
	tcase_add_test(tc, test_reset_parallel_uses);
	suite_add_tcase(s, tc);
	return s;
}
