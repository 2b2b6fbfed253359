/*
 * An admin's invitation sent by e-mail, against a real SMTP server: the invitee receives
 * the code and a link to register with it, in the language the admin chose (or the admin's
 * own); the code read from the e-mail registers once on an invitation-only server; the
 * admin still gets the code; the address is forgotten once the code is used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "mail_support.h"

#define INVITE_KIND "auth.invite_email"

/* The code in the e-mail's link ("…/register?invite=ABCD-…"), malloc'ed, NULL if none. */
static char *invite_code_in(const char *msg)
{
	char *text = th_mail_part(msg, "text/plain");
	const char *p = text ? strstr(text, "/register?invite=") : NULL;
	char *code = NULL;
	if (p != NULL) {
		p += strlen("/register?invite=");
		code = strndup(p, strspn(p, "ABCDEFGHJKMNPQRSTUVWXYZ23456789-"));
	}
	free(text);
	return code;
}

static struct th_resp *invite(const char *admin_token, const char *fmt, const char *email,
			      const char *locale)
{
	return locale ? th_json("POST", "/api/v1/admin/invites", admin_token, fmt, "email", email,
				"locale", locale)
		      : th_json("POST", "/api/v1/admin/invites", admin_token, fmt, "email", email);
}

static struct th_resp *register_with(const char *email, const char *code)
{
	return th_json("POST", "/api/v1/auth/register", NULL, "{s:s, s:s, s:s, s:s, s:s, s:s}",
		       "email", email, "password", "correct horse battery", "first_name", "Nieuw",
		       "last_name", "Ouder", "invite_code", code, "privacy_version",
		       TH_PRIVACY_VERSION);
}

START_TEST(test_invite_by_email)
{
	struct th_smtp_sink sink;
	th_smtp_sink_start(&sink, 0, false);
	struct th_server s = {0};
	/* Invitation-only, as production: the e-mailed code is the way in. */
	static const char *const env[] = {"SCHOOLHUB_REGISTRATION=invite", NULL};
	mail_server_start(&s, sink.port, NULL);
	struct th_member admin;
	th_member_register(&admin, "admin");
	api_promote(&admin, "admin");
	mail_server_start(&s, sink.port, env);
	/* The restart kept the account, not its old refresh: sign in again. */
	struct th_resp *r = th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email",
				    admin.email, "password", admin.password);
	ck_assert_int_eq(r->status, 200);
	char *token = strdup(th_str(r, "access_token"));
	th_resp_free(&r);

	char email[96];
	snprintf(email, sizeof(email), "Invitee-%d@Example.be", (int)getpid());
	r = invite(token, "{s:s, s:s}", email, "nl");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *code = strdup(th_str(r, "code"));
	ck_assert_int_eq(strlen(code), 19);
	char lower[96];
	for (size_t i = 0; i <= strlen(email); i++)
		lower[i] = (char)(email[i] >= 'A' && email[i] <= 'Z' ? email[i] + 32 : email[i]);
	ck_assert_str_eq(th_str(r, "email"), lower);
	ck_assert_str_eq(th_str(r, "locale"), "nl");
	ck_assert_ptr_nonnull(th_str(r, "expires_at"));
	th_resp_free(&r);

	char *msg = mail_wait_to(&sink, lower, 30);
	ck_assert_msg(msg != NULL, "no invitation e-mail to %s", lower);
	char *subject = th_mail_header(msg, "Subject"), *lang = th_mail_header(msg, "Content-Language");
	ck_assert_str_eq(subject, "Uitnodiging voor SchoolHub");
	ck_assert_str_eq(lang, "nl");
	char *html = th_mail_part(msg, "text/html");
	ck_assert_ptr_nonnull(strstr(html, "<a href=\"https://school.example/register?invite="));
	char *mailed = invite_code_in(msg);
	ck_assert_ptr_nonnull(mailed);
	ck_assert_str_eq(mailed, code);
	/* The code is stored only hashed, in the row and in the job. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM jobs WHERE payload LIKE '%' || $1 || '%'",
				      mailed, NULL),
			 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM invites WHERE code_hash = $1", mailed,
				      NULL),
			 0);
	ck_assert(mail_wait_job_state(INVITE_KIND, "done", 30));

	/* The code read from the e-mail registers the invitee, once. */
	r = register_with(lower, mailed);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	char other[96];
	snprintf(other, sizeof(other), "second-%d@example.be", (int)getpid());
	r = register_with(other, mailed);
	ck_assert_problem(r, 403, "invalid_invite");
	th_resp_free(&r);
	/* Used: the invitee's address is no longer kept on the invitation. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM invites WHERE email = $1", lower, NULL),
			 0);

	/* Without a language, the e-mail is in the admin's (the request's). */
	const char *en[] = {"Accept-Language: en", NULL};
	char body[160], third[96];
	snprintf(third, sizeof(third), "third-%d@example.be", (int)getpid());
	snprintf(body, sizeof(body), "{\"email\":\"%s\"}", third);
	r = th_request("POST", "/api/v1/admin/invites", token, body, NULL, en);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "locale"), "en");
	th_resp_free(&r);
	char *msg3 = mail_wait_to(&sink, third, 30);
	ck_assert_ptr_nonnull(msg3);
	char *subject3 = th_mail_header(msg3, "Subject");
	ck_assert_str_eq(subject3, "Invitation to join SchoolHub");

	/* A code without an address is only for the admin: nothing is sent. */
	size_t before = th_smtp_sink_count(&sink);
	r = th_json("POST", "/api/v1/admin/invites", token, "{}");
	ck_assert_int_eq(r->status, 201);
	ck_assert_ptr_null(th_str(r, "email"));
	th_resp_free(&r);
	usleep(300000);
	ck_assert_int_eq(th_smtp_sink_count(&sink), before);

	free(subject3);
	free(msg3);
	free(mailed);
	free(html);
	free(subject);
	free(lang);
	free(msg);
	free(code);
	free(token);
	th_member_free(&admin);
	th_server_stop(&s);
	th_smtp_sink_stop(&sink);
}
END_TEST

START_TEST(test_invite_email_refusals)
{
	struct th_server s = {0};
	mail_server_start(&s, 0, NULL);
	struct th_member admin, parent;
	th_member_register(&admin, "admin");
	th_member_register(&parent, "parent");
	api_promote(&admin, "admin");
	struct th_resp *r = invite(admin.access_token, "{s:s}", "not-an-address", NULL);
	assert_field_error(r, "email", "invalid_email");
	th_resp_free(&r);
	r = invite(admin.access_token, "{s:s, s:s}", "ok@example.be", "de");
	assert_field_error(r, "locale", "invalid_locale");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/admin/invites", admin.access_token, "{s:s}", "locale", "nl");
	assert_field_error(r, "locale", "requires_email");
	th_resp_free(&r);
	r = th_json("POST", "/api/v1/admin/invites", admin.access_token, "{s:i}", "email", 3);
	assert_field_error(r, "email", "invalid_type");
	th_resp_free(&r);
	/* Nothing was written by the refusals. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM jobs WHERE kind = $1", INVITE_KIND, NULL),
			 0);
	/* Parents cannot make one, with or without an address. */
	r = invite(parent.access_token, "{s:s}", "ok@example.be", NULL);
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM invites WHERE email = $1", "ok@example.be",
				      NULL),
			 0);
	th_member_free(&admin);
	th_member_free(&parent);
	th_server_stop(&s);
}
END_TEST

Suite *api_invite_mail_suite(void)
{
	Suite *s = suite_create("invite_mail");
	TCase *tc = tcase_create("invite_mail");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_invite_by_email);
	tcase_add_test(tc, test_invite_email_refusals);
	suite_add_tcase(s, tc);
	return s;
}
