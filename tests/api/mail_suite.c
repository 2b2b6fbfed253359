/*
 * E-mail verification and the e-mails themselves, against a real SMTP server
 * (tests/support/smtp_sink.py, python3-aiosmtpd) on a free port: the link read from the
 * received message verifies the account once; bad, reused, expired or foreign tokens are
 * 400 invalid_token; resending is limited; without an SMTP URL the message is a file in
 * the outbox; invitations are only for verified addresses and are e-mailed to the address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "mail_support.h"
#include "schoolhub/config.h"

#define VERIFY_KIND "auth.verify_email"
#define INVITE_KIND "children.invitation_email"

static void assert_header(const char *msg, const char *name, const char *expected)
{
	char *v = th_mail_header(msg, name);
	ck_assert_msg(v != NULL, "no %s header in:\n%s", name, msg);
	ck_assert_str_eq(v, expected);
	free(v);
}

/* Registration sends the link; the link verifies the account once; the token is stored
 * only hashed; the message has every header the issue asks for. */
START_TEST(test_verification_end_to_end)
{
	struct th_smtp_sink sink;
	th_smtp_sink_start(&sink, 0, false);
	struct th_server s = {0};
	mail_server_start(&s, sink.port, NULL);
	struct th_member m;
	th_member_register_unverified(&m, "verifyme");
	ck_assert(!mail_user_verified(m.access_token));
	char *msg = mail_wait_to(&sink, m.email, 10);
	ck_assert_msg(msg != NULL, "no verification e-mail to %s", m.email);

	char *job_id = mail_job_field("id", VERIFY_KIND);
	char expected_id[80];
	snprintf(expected_id, sizeof(expected_id), "<%s@school.example>", job_id);
	assert_header(msg, "Message-ID", expected_id);
	assert_header(msg, "To", m.email);
	assert_header(msg, "Auto-Submitted", "auto-generated");
	assert_header(msg, "MIME-Version", "1.0");
	assert_header(msg, "Content-Language", "fr");
	char *from = th_mail_header(msg, "From");
	ck_assert_ptr_nonnull(strstr(from, "<ecole@school.example>"));
	free(from);
	char *date = th_mail_header(msg, "Date");
	ck_assert_msg(date != NULL && strstr(date, " +0000") != NULL, "Date: %s", date);
	free(date);
	/* "Vérifiez ..." is not ASCII: an RFC 2047 encoded word. */
	char *subject = th_mail_header(msg, "Subject");
	ck_assert_msg(strncmp(subject, "=?UTF-8?B?", 10) == 0, "Subject: %s", subject);
	free(subject);
	char *ct = th_mail_header(msg, "Content-Type");
	ck_assert_ptr_nonnull(strstr(ct, "multipart/alternative; boundary="));
	free(ct);
	/* An account e-mail: nothing to unsubscribe from. */
	ck_assert_ptr_null(th_mail_header(msg, "List-Unsubscribe"));
	char *text = th_mail_part(msg, "text/plain"), *html = th_mail_part(msg, "text/html");
	ck_assert_ptr_nonnull(strstr(text, "https://school.example/verify-email?token="));
	ck_assert_ptr_nonnull(strstr(text, "verifyme"));
	ck_assert_ptr_nonnull(strstr(html, "<a href=\"https://school.example/verify-email?token="));

	char *token = th_mail_token(msg);
	ck_assert_msg(token != NULL && strlen(token) == 43, "token %s", token);
	/* Never stored: the table holds its keyed hash only. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM email_verifications "
				      "WHERE token_hash = $1 OR email = $1",
				      token, NULL),
			 0);
	ck_assert(mail_wait_job_state(VERIFY_KIND, "done", 5));
	struct th_resp *r = mail_verify(token);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(r->body, "{\"status\":\"email_verified\"}");
	th_resp_free(&r);
	ck_assert(mail_user_verified(m.access_token));
	/* Single use. */
	r = mail_verify(token);
	ck_assert_problem(r, 400, "invalid_token");
	th_resp_free(&r);
	/* Verified: asking again is a conflict, and sends nothing. */
	r = th_request("POST", "/api/v1/auth/verify-email/request", m.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 409, "already_verified");
	th_resp_free(&r);
	ck_assert_int_eq(th_smtp_sink_count(&sink), 1);

	free(text);
	free(html);
	free(token);
	free(job_id);
	free(msg);
	th_member_free(&m);
	th_server_stop(&s);
	th_smtp_sink_stop(&sink);
}
END_TEST

/* Every bad body and every bad token. */
START_TEST(test_verify_email_errors)
{
	struct th_smtp_sink sink;
	th_smtp_sink_start(&sink, 0, false);
	struct th_server s = {0};
	mail_server_start(&s, sink.port, NULL);
	struct th_resp *r = th_json("POST", "/api/v1/auth/verify-email", NULL, "{}");
	assert_field_error(r, "token", "required");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/auth/verify-email", NULL, "{s:i}", "token", 3);
	assert_field_error(r, "token", "invalid_type");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/auth/verify-email", NULL, "{s:s, s:s}", "token", "x", "email",
		    "a@b.be");
	assert_field_error(r, "email", "unknown_field");
	th_resp_free(&r);
	r = mail_verify("short");
	ck_assert_problem(r, 400, "invalid_token");
	th_resp_free(&r);
	r = mail_verify("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); /* forged: 43 characters */
	ck_assert_problem(r, 400, "invalid_token");
	th_resp_free(&r);

	/* Expired. */
	struct th_member m, n;
	th_member_register_unverified(&m, "expiredlink");
	char *msg = mail_wait_to(&sink, m.email, 10);
	ck_assert_ptr_nonnull(msg);
	char *token = th_mail_token(msg);
	api_db_exec("UPDATE email_verifications SET expires_at = created_at WHERE user_id = $1",
		    m.id, NULL);
	r = mail_verify(token);
	ck_assert_problem(r, 400, "invalid_token");
	th_resp_free(&r);
	ck_assert(!mail_user_verified(m.access_token));
	free(token);
	free(msg);

	/* The account's address changed since the link was sent: the link proves the old one. */
	th_member_register_unverified(&n, "movedaway");
	msg = mail_wait_to(&sink, n.email, 10);
	ck_assert_ptr_nonnull(msg);
	token = th_mail_token(msg);
	api_db_exec("UPDATE users SET email = 'moved-' || email WHERE id = $1", n.id, NULL);
	r = mail_verify(token);
	ck_assert_problem(r, 400, "invalid_token");
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND is_verified",
				      n.id, NULL),
			 0);
	free(token);
	free(msg);
	th_member_free(&m);
	th_member_free(&n);
	th_server_stop(&s);
	th_smtp_sink_stop(&sink);
}
END_TEST

static struct th_resp *ask_again(const struct th_member *m)
{
	return th_request("POST", "/api/v1/auth/verify-email/request", m->access_token, NULL, NULL,
			  NULL);
}

/* "Send again": 202 and a new e-mail; not twice a minute (429 + Retry-After), not more than
 * five a day; any unused link of the account's address works. */
START_TEST(test_verify_request_limits)
{
	struct th_smtp_sink sink;
	th_smtp_sink_start(&sink, 0, false);
	struct th_server s = {0};
	mail_server_start(&s, sink.port, NULL);
	struct th_member m;
	th_member_register_unverified(&m, "sendagain");
	ck_assert(th_smtp_sink_wait(&sink, 1, 10));
	struct th_resp *r = ask_again(&m); /* the registration's e-mail just left */
	ck_assert_problem(r, 429, "too_many_requests");
	ck_assert_msg(atol(th_header(r, "Retry-After")) >= 1 && atol(th_header(r, "Retry-After")) <= 60,
		      "Retry-After %s", th_header(r, "Retry-After"));
	th_resp_free(&r);
	char hour_ago[21];
	mail_time_ago(3600, hour_ago);
	for (int i = 2; i <= 5; i++) {
		api_db_exec("UPDATE email_verifications SET created_at = $2 WHERE user_id = $1", m.id,
			    hour_ago);
		r = ask_again(&m);
		ck_assert_msg(r->status == 202, "request %d: %ld %s", i, r->status, r->body);
		ck_assert_str_eq(r->body, "{\"status\":\"verification_sent\"}");
		th_resp_free(&r);
		ck_assert_msg(th_smtp_sink_wait(&sink, (size_t)i, 10), "e-mail %d", i);
	}
	api_db_exec("UPDATE email_verifications SET created_at = $2 WHERE user_id = $1", m.id,
		    hour_ago);
	r = ask_again(&m); /* a sixth within 24 hours */
	ck_assert_problem(r, 429, "too_many_requests");
	ck_assert_int_gt(atol(th_header(r, "Retry-After")), 3600);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM email_verifications WHERE user_id = $1",
				      m.id, NULL),
			 5);
	/* The first link still works. */
	char *first = th_smtp_sink_message(&sink, 0);
	char *token = th_mail_token(first);
	r = mail_verify(token);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	free(token);
	free(first);
	th_member_free(&m);
	th_server_stop(&s);
	th_smtp_sink_stop(&sink);
}
END_TEST

/* Each member gets their e-mail in their language. */
START_TEST(test_verification_languages)
{
	struct th_smtp_sink sink;
	th_smtp_sink_start(&sink, 0, false);
	struct th_server s = {0};
	mail_server_start(&s, sink.port, NULL);
	static const char *const langs[][3] = {
		{"nl", "Bevestig uw e-mailadres voor SchoolHub", "Hallo Lang"},
		{"en", "Confirm your email address for SchoolHub", "Hello Lang"}};
	for (size_t i = 0; i < 2; i++) {
		char email[96];
		snprintf(email, sizeof(email), "lang-%s-%d@example.be", langs[i][0], (int)getpid());
		struct th_resp *r = th_json("POST", "/api/v1/auth/register", NULL,
					    "{s:s, s:s, s:s, s:s, s:s, s:s}", "email", email, "password",
					    "correct horse battery", "first_name", "Lang",
					    "last_name", "Test", "locale", langs[i][0],
					    "privacy_version", TH_PRIVACY_VERSION);
		ck_assert_int_eq(r->status, 201);
		ck_assert(!json_is_true(json_object_get(json_object_get(r->json, "user"),
							"is_verified")));
		th_resp_free(&r);
		char *msg = mail_wait_to(&sink, email, 10);
		ck_assert_ptr_nonnull(msg);
		assert_header(msg, "Subject", langs[i][1]);
		assert_header(msg, "Content-Language", langs[i][0]);
		char *text = th_mail_part(msg, "text/plain");
		ck_assert_ptr_nonnull(strstr(text, langs[i][2]));
		free(text);
		free(msg);
	}
	th_server_stop(&s);
	th_smtp_sink_stop(&sink);
}
END_TEST

/* No SMTP URL: the e-mail is a file named after its job in DATA_DIR/outbox. */
START_TEST(test_file_outbox)
{
	struct th_server s = {0};
	mail_server_start(&s, 0, NULL);
	struct th_member m;
	th_member_register_unverified(&m, "outboxed");
	ck_assert(mail_wait_job_state(VERIFY_KIND, "done", 10));
	char *job_id = mail_job_field("id", VERIFY_KIND);
	char path[256], dir[200];
	snprintf(dir, sizeof(dir), "%s/outbox", s.data_dir);
	snprintf(path, sizeof(path), "%s/%s.eml", dir, job_id);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "no %s", path);
	char buf[16384];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	ck_assert_int_eq(th_dir_count(dir), 1);
	assert_header(buf, "To", m.email);
	char *token = th_mail_token(buf);
	ck_assert_ptr_nonnull(strstr(buf, "Message-ID: <"));
	struct th_resp *r = mail_verify(token);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	ck_assert(mail_user_verified(m.access_token));
	free(token);
	free(job_id);
	th_member_free(&m);
	th_server_stop(&s);
}
END_TEST

/* Waits for a message to "to" with "subject" (as written in the header), malloc'ed. */
static char *wait_subject(const struct th_smtp_sink *sink, const char *to, const char *subject,
			  double timeout_s)
{
	for (double waited = 0; waited <= timeout_s; waited += 0.05) {
		for (size_t i = 0; i < th_smtp_sink_count(sink); i++) {
			char *m = th_smtp_sink_message(sink, i);
			char *t = th_mail_header(m, "To"), *subj = th_mail_header(m, "Subject");
			bool match = t && subj && strcmp(t, to) == 0 && strcmp(subj, subject) == 0;
			free(t);
			free(subj);
			if (match)
				return m;
			free(m);
		}
		usleep(50000);
	}
	return NULL;
}

static char *new_child(const char *token, const char *first)
{
	struct th_resp *r = th_json("POST", "/api/v1/children", token, "{s:s, s:s, s:s}",
				    "first_name", first, "last_name", "Kind", "class_name", "P2");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

static long post_status(const char *path, const char *token)
{
	struct th_resp *r = th_request("POST", path, token, NULL, NULL, NULL);
	long status = r->status;
	th_resp_free(&r);
	return status;
}

/* Issue #10: whoever registers first with someone's address does not get their
 * invitations: an unverified account sees none and cannot answer one. */
START_TEST(test_invitations_need_verified_address)
{
	struct th_smtp_sink sink;
	th_smtp_sink_start(&sink, 0, false);
	struct th_server s = {0};
	mail_server_start(&s, sink.port, NULL);
	struct th_member a, squatter;
	th_member_register(&a, "realparent");
	th_member_register_unverified(&squatter, "squatter");
	char *child = new_child(a.access_token, "Lina");
	char *inv = api_invite(a.access_token, child, squatter.email);
	struct th_resp *r = th_request("GET", "/api/v1/guardian-invitations", squatter.access_token,
				       NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(r->body, "{\"items\":[]}");
	th_resp_free(&r);
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/guardian-invitations/%s/accept", inv);
	r = th_request("POST", path, squatter.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 404, "not_found");
	th_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/guardian-invitations/%s/decline", inv);
	ck_assert_int_eq(post_status(path, squatter.access_token), 404);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM child_guardians WHERE child_id = $1",
				      child, NULL),
			 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM guardian_invitations "
				      "WHERE id = $1 AND status = 'pending'",
				      inv, NULL),
			 1);
	/* Once the address is proved (here through the link it received), it is theirs. */
	char *token = NULL;
	for (int tries = 0; tries < 200 && token == NULL; tries++) {
		for (size_t i = 0; i < th_smtp_sink_count(&sink) && token == NULL; i++) {
			char *m = th_smtp_sink_message(&sink, i);
			char *to = th_mail_header(m, "To");
			if (to != NULL && strcmp(to, squatter.email) == 0)
				token = th_mail_token(m); /* NULL for the invitation e-mail */
			free(to);
			free(m);
		}
		if (token == NULL)
			usleep(50000);
	}
	ck_assert_msg(token != NULL, "no verification e-mail to %s", squatter.email);
	r = mail_verify(token);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/guardian-invitations", squatter.access_token, NULL, NULL,
		       NULL);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
	th_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/guardian-invitations/%s/accept", inv);
	ck_assert_int_eq(post_status(path, squatter.access_token), 200);
	free(token);
	free(inv);
	free(child);
	th_member_free(&a);
	th_member_free(&squatter);
	th_server_stop(&s);
	th_smtp_sink_stop(&sink);
}
END_TEST

/* The invited address is e-mailed whether it has an account or not (same 202 for both), in
 * its holder's language when known, with every value escaped in the HTML. */
START_TEST(test_invitation_email)
{
	struct th_smtp_sink sink;
	th_smtp_sink_start(&sink, 0, false);
	struct th_server s = {0};
	mail_server_start(&s, sink.port, NULL);
	struct th_member a;
	th_member_register(&a, "inviter");
	struct th_resp *p = th_json("PATCH", "/api/v1/users/me", a.access_token, "{s:s}",
				    "first_name", "Inès<i>");
	ck_assert_msg(p->status == 200, "%ld %s", p->status, p->body);
	th_resp_free(&p);
	char *child = new_child(a.access_token, "Zoé <b>&");
	char nobody[96];
	snprintf(nobody, sizeof(nobody), "nobody-%d@example.be", (int)getpid());
	char *inv = api_invite(a.access_token, child, nobody);
	char *msg = mail_wait_to(&sink, nobody, 10);
	ck_assert_msg(msg != NULL, "no invitation e-mail to %s", nobody);
	char *subject = th_mail_header(msg, "Subject");
	/* "Invitation à suivre un enfant sur SchoolHub", RFC 2047 (fr: the inviter's language). */
	ck_assert_str_eq(subject, "=?UTF-8?B?SW52aXRhdGlvbiDDoCBzdWl2cmUgdW4gZW5mYW50IHN1ciBTY2hvb2xIdWI=?=");
	char *text = th_mail_part(msg, "text/plain"), *html = th_mail_part(msg, "text/html");
	ck_assert_ptr_nonnull(strstr(text, "Inès<i> Test"));
	ck_assert_ptr_nonnull(strstr(text, "Zoé <b>&"));
	ck_assert_ptr_nonnull(strstr(text, "https://school.example/children"));
	ck_assert_ptr_nonnull(strstr(html, "Zoé &lt;b&gt;&amp;"));
	ck_assert_ptr_nonnull(strstr(html, "Inès&lt;i&gt; Test"));
	ck_assert_ptr_null(strstr(html, "<b>"));
	ck_assert_ptr_null(strstr(html, "<i>"));
	ck_assert_ptr_null(th_mail_header(msg, "List-Unsubscribe"));
	free(subject);
	free(text);
	free(html);
	free(msg);

	/* An address with an account, whose holder reads Dutch. */
	char email[96];
	snprintf(email, sizeof(email), "nl-parent-%d@example.be", (int)getpid());
	struct th_resp *r = th_json("POST", "/api/v1/auth/register", NULL,
				    "{s:s, s:s, s:s, s:s, s:s, s:s}", "email", email, "password",
				    "correct horse battery", "first_name", "Nl", "last_name",
				    "Ouder", "locale", "nl", "privacy_version", TH_PRIVACY_VERSION);
	ck_assert_int_eq(r->status, 201);
	th_resp_free(&r);
	char *inv2 = api_invite(a.access_token, child, email);
	msg = wait_subject(&sink, email, "Uitnodiging om een kind te volgen op SchoolHub", 10);
	ck_assert_msg(msg != NULL, "no Dutch invitation e-mail");
	free(msg);
	free(inv2);
	free(inv);
	free(child);
	th_member_free(&a);
	th_server_stop(&s);
	th_smtp_sink_stop(&sink);
}
END_TEST

static int load_with(const char *const *env, char **error_r)
{
	/* What the last test server set must not fill the gaps under test. */
	static const char *const mail_vars[] = {"SCHOOLHUB_SMTP_URL", "SCHOOLHUB_SMTP_USER",
						"SCHOOLHUB_SMTP_PASSWORD", "SCHOOLHUB_MAIL_FROM",
						"SCHOOLHUB_PUBLIC_URL", NULL};
	for (const char *const *v = mail_vars; *v; v++)
		unsetenv(*v);
	for (const char *const *e = env; *e; e += 2)
		setenv(e[0], e[1], 1);
	struct sh_config cfg;
	int rc = sh_config_load(&cfg, true, error_r);
	if (rc == 0)
		sh_config_free(&cfg);
	for (const char *const *e = env; *e; e += 2)
		unsetenv(e[0]);
	return rc;
}

/* Production fails closed: an SMTP URL needs the public URL and the sender; credentials
 * never go in the URL (so it can be logged); nothing echoes a password. */
START_TEST(test_mail_settings_fail_closed)
{
	static const char *const no_public[] = {"SCHOOLHUB_ENV", "production", "SCHOOLHUB_SMTP_URL",
						"smtp://relay.example:587", "SCHOOLHUB_MAIL_FROM",
						"ecole@school.example", NULL};
	char *error = NULL;
	ck_assert_int_eq(load_with(no_public, &error), -1);
	ck_assert_msg(strstr(error, "SCHOOLHUB_PUBLIC_URL") != NULL, "%s", error);
	free(error);
	static const char *const no_from[] = {"SCHOOLHUB_ENV", "production", "SCHOOLHUB_SMTP_URL",
					      "smtp://relay.example:587", "SCHOOLHUB_PUBLIC_URL",
					      "https://school.example", NULL};
	ck_assert_int_eq(load_with(no_from, &error), -1);
	ck_assert_msg(strstr(error, "SCHOOLHUB_MAIL_FROM") != NULL, "%s", error);
	free(error);
	static const char *const in_url[] = {"SCHOOLHUB_ENV", "development", "SCHOOLHUB_SMTP_URL",
					     "smtp://user:hunter2secret@relay.example", NULL};
	ck_assert_int_eq(load_with(in_url, &error), -1);
	ck_assert_msg(strstr(error, "hunter2secret") == NULL, "%s", error);
	free(error);
	static const char *const bad_scheme[] = {"SCHOOLHUB_ENV", "development",
						 "SCHOOLHUB_SMTP_URL", "http://relay.example", NULL};
	ck_assert_int_eq(load_with(bad_scheme, &error), -1);
	free(error);
	static const char *const half_login[] = {"SCHOOLHUB_ENV", "development", "SCHOOLHUB_SMTP_USER",
						 "me", NULL};
	ck_assert_int_eq(load_with(half_login, &error), -1);
	free(error);
	static const char *const injected[] = {"SCHOOLHUB_ENV", "development", "SCHOOLHUB_MAIL_FROM",
					       "a@b.be\r\nBcc: x@y.be", NULL};
	ck_assert_int_eq(load_with(injected, &error), -1);
	free(error);
	static const char *const complete[] = {"SCHOOLHUB_ENV", "production", "SCHOOLHUB_SMTP_URL",
					       "smtps://relay.example:465", "SCHOOLHUB_PUBLIC_URL",
					       "https://school.example/", "SCHOOLHUB_MAIL_FROM",
					       "École <ecole@school.example>", NULL};
	ck_assert_msg(load_with(complete, &error) == 0, "%s", error ? error : "");
}
END_TEST

Suite *api_mail_suite(void)
{
	Suite *s = suite_create("mail");
	TCase *tc = tcase_create("verification");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_verification_end_to_end);
	tcase_add_test(tc, test_verify_email_errors);
	tcase_add_test(tc, test_verify_request_limits);
	tcase_add_test(tc, test_verification_languages);
	tcase_add_test(tc, test_file_outbox);
	tcase_add_test(tc, test_invitations_need_verified_address);
	tcase_add_test(tc, test_invitation_email);
	tcase_add_test(tc, test_mail_settings_fail_closed);
	suite_add_tcase(s, tc);
	return s;
}
