/* Runs every API suite against the backend named in argv[1]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "test_db.h"

const char *api_backend;
static struct th_server shared;

void api_shared_server_start(void)
{
	th_server_start(&shared, api_backend, NULL);
}

void api_shared_server_stop(void)
{
	th_server_stop(&shared);
}

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgres") != 0)) {
		fprintf(stderr, "usage: %s sqlite|postgres\n", argv[0]);
		return 2;
	}
	api_backend = argv[1];
	SRunner *sr = srunner_create(api_http_suite());
	srunner_add_suite(sr, api_auth_suite());
	srunner_add_suite(sr, api_session_suite());
	srunner_add_suite(sr, api_users_suite());
	srunner_add_suite(sr, api_children_suite());
	srunner_add_suite(sr, api_guardian_invitations_suite());
	srunner_add_suite(sr, api_sel_services_suite());
	srunner_add_suite(sr, api_sel_ledger_suite());
	srunner_add_suite(sr, api_sel_requests_suite());
	srunner_add_suite(sr, api_sel_history_suite());
	srunner_add_suite(sr, api_sel_audit_gdpr_suite());
	srunner_add_suite(sr, api_sel_limits_suite());
	srunner_add_suite(sr, api_sel_statement_suite());
	srunner_add_suite(sr, api_sel_welcome_suite());
	srunner_add_suite(sr, api_sel_concurrency_suite());
	srunner_add_suite(sr, api_ops_suite());
	srunner_add_suite(sr, api_hash_slots_suite());
	srunner_add_suite(sr, api_route_errors_suite());
	srunner_add_suite(sr, api_guess_limits_suite());
	srunner_add_suite(sr, api_password_race_suite());
	srunner_add_suite(sr, api_db_timeout_suite());
	srunner_add_suite(sr, api_config_suite());
	srunner_add_suite(sr, api_classes_suite());
	srunner_add_suite(sr, api_static_suite());
	srunner_add_suite(sr, api_privacy_suite());
	srunner_add_suite(sr, api_known_co_parent_suite());
	srunner_add_suite(sr, api_auth_gate_suite());
	srunner_add_suite(sr, api_search_suite());
	srunner_add_suite(sr, api_mail_suite());
	srunner_add_suite(sr, api_jobs_suite());
	srunner_add_suite(sr, api_conversations_suite());
	srunner_add_suite(sr, api_conversations_class_suite());
	srunner_add_suite(sr, api_messages_suite());
	srunner_add_suite(sr, api_messages_events_suite());
	srunner_add_suite(sr, api_announcements_suite());
	srunner_add_suite(sr, api_announcement_acks_suite());
	srunner_add_suite(sr, api_member_events_suite());
	srunner_add_suite(sr, api_password_reset_suite());
	srunner_add_suite(sr, api_invite_mail_suite());
	srunner_add_suite(sr, api_notify_suite());
	srunner_add_suite(sr, api_notify_mail_suite());
	srunner_add_suite(sr, api_notify_wiring_suite());
	srunner_add_suite(sr, api_admin_members_suite());
	srunner_add_suite(sr, api_admin_audit_suite());
	/* One process: the server runs in this process's threads. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	th_backend_cleanup();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
