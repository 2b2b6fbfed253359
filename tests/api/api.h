/* The API test program: one Check suite per area, run against one backend. */
#ifndef SCHOOLHUB_TESTS_API_H
#define SCHOOLHUB_TESTS_API_H

#include <check.h>
#include <stdbool.h>

#include "test_http.h"

/* "sqlite" or "postgres", from argv[1]. */
extern const char *api_backend;

/* Starts the shared server of a suite (unchecked fixture) and stops it. */
void api_shared_server_start(void);
void api_shared_server_stop(void);

Suite *api_http_suite(void);
Suite *api_auth_suite(void);
Suite *api_session_suite(void);
Suite *api_users_suite(void);
Suite *api_children_suite(void);
Suite *api_guardian_invitations_suite(void);
Suite *api_sel_services_suite(void);
Suite *api_sel_ledger_suite(void);
Suite *api_sel_requests_suite(void);
Suite *api_sel_history_suite(void);
Suite *api_sel_audit_gdpr_suite(void);
Suite *api_sel_limits_suite(void);
Suite *api_sel_statement_suite(void);
Suite *api_sel_welcome_suite(void);
Suite *api_sel_concurrency_suite(void);
Suite *api_ops_suite(void);
Suite *api_config_suite(void);
Suite *api_member_events_suite(void);
Suite *api_hash_slots_suite(void);
Suite *api_route_errors_suite(void);
Suite *api_guess_limits_suite(void);
Suite *api_password_race_suite(void);
Suite *api_db_timeout_suite(void);
Suite *api_classes_suite(void);
Suite *api_static_suite(void);
Suite *api_privacy_suite(void);
Suite *api_known_co_parent_suite(void);
Suite *api_auth_gate_suite(void);
Suite *api_search_suite(void);
Suite *api_mail_suite(void);
Suite *api_jobs_suite(void);
Suite *api_conversations_suite(void);
Suite *api_conversations_class_suite(void);
Suite *api_messages_suite(void);
Suite *api_messages_events_suite(void);
Suite *api_class_membership_events_suite(void);
Suite *api_announcements_suite(void);
Suite *api_announcement_acks_suite(void);
Suite *api_password_reset_suite(void);
Suite *api_invite_mail_suite(void);
Suite *api_notify_suite(void);
Suite *api_notify_mail_suite(void);
Suite *api_notify_wiring_suite(void);
Suite *api_events_suite(void);
Suite *api_calendar_feed_suite(void);
Suite *api_calendar_shifts_suite(void);
Suite *api_admin_members_suite(void);
Suite *api_admin_audit_suite(void);
Suite *api_retention_suite(void);
Suite *api_rollover_suite(void);
Suite *api_photo_consent_suite(void);
Suite *api_admin_analytics_suite(void);
Suite *api_admin_analytics_rollup_suite(void);

/* errors[i].field / errors[i].code of a 422, and their number. */
const char *api_err_field(const struct th_resp *r, size_t i);
const char *api_err_code(const struct th_resp *r, size_t i);
size_t api_err_count(const struct th_resp *r);
/* Whether errors[] holds (field, code). */
bool api_has_error(const struct th_resp *r, const char *field, const char *code);
/* Asserts a 422 validation_failed whose errors include (field, code). */
void assert_field_error(const struct th_resp *r, const char *field, const char *code);
/* Each call, without a token and with a garbage one, must answer 401 unauthorized. */
struct api_call {
	const char *method, *path, *body;
};
void api_assert_all_unauthorized(const struct api_call *calls, size_t n);
/* The first column (a COUNT) of a one-row query with one or two text parameters (p2 NULL:
 * one), read directly from the running test server's database. */
int64_t api_db_count(const char *sql, const char *p1, const char *p2);
/* GET "path" with "If-None-Match: <if_none_match>": asserts 304 with no body and the same
 * "etag"; the response, for more checks (th_resp_free it). */
struct th_resp *api_get_not_modified(const char *path, const char *if_none_match,
				     const char *etag);
/* Sets "m"'s role directly in the database, as `schoolhub user promote` does. */
void api_promote(const struct th_member *m, const char *role);
/* Runs one statement with one or two text parameters directly on the test server's database. */
void api_db_exec(const char *sql, const char *p1, const char *p2);
/* Invites "email" to share "child_id" (202) and returns the pending invitation's id, read
 * from the inviter's list (malloc'ed). */
char *api_invite(const char *inviter_token, const char *child_id, const char *email);
/* Makes "invitee" a guardian of "child_id" the only way there is: invited, then accepted. */
void api_link_coparent(const char *inviter_token, const char *child_id,
		       const struct th_member *invitee);

/* Asserts a problem+json reply with "status" and machine "code". */
#define ck_assert_problem(r, st, cd)                                                           \
	do {                                                                                   \
		ck_assert_msg((r)->status == (st), "expected %d, got %ld: %s", (st), (r)->status, \
			      (r)->body);                                                      \
		ck_assert_str_eq(th_header((r), "Content-Type"), "application/problem+json");   \
		ck_assert_str_eq(th_code(r), (cd));                                            \
	} while (0)

#endif
