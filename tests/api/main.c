/* Runs every API suite against the backend named in argv[1]. */
#include <errno.h>
#include <stdbool.h>
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

/* Every API suite, in the order they run. */
static Suite *(*const suites[])(void) = {
	api_http_suite,
	api_auth_suite,
	api_session_suite,
	api_users_suite,
	api_children_suite,
	api_guardian_invitations_suite,
	api_sel_services_suite,
	api_sel_ledger_suite,
	api_sel_requests_suite,
	api_sel_history_suite,
	api_sel_audit_gdpr_suite,
	api_sel_limits_suite,
	api_sel_statement_suite,
	api_sel_welcome_suite,
	api_sel_concurrency_suite,
	api_ops_suite,
	api_hash_slots_suite,
	api_route_errors_suite,
	api_guess_limits_suite,
	api_password_race_suite,
	api_db_timeout_suite,
	api_config_suite,
	api_classes_suite,
	api_static_suite,
	api_privacy_suite,
	api_known_co_parent_suite,
	api_auth_gate_suite,
	api_search_suite,
	api_mail_suite,
	api_jobs_suite,
	api_conversations_suite,
	api_conversations_class_suite,
	api_messages_suite,
	api_messages_events_suite,
	api_announcements_suite,
	api_announcement_acks_suite,
	api_member_events_suite,
	api_password_reset_suite,
	api_invite_mail_suite,
	api_notify_suite,
	api_notify_mail_suite,
	api_notify_wiring_suite,
	api_class_membership_events_suite,
	api_events_suite,
	api_calendar_feed_suite,
	api_calendar_shifts_suite,
	api_admin_members_suite,
	api_admin_audit_suite,
	api_retention_suite,
	api_rollover_suite,
	api_photo_consent_suite,
	api_admin_analytics_suite,
	api_admin_analytics_rollup_suite,
};

/*
 * SCHOOLHUB_TEST_SHARD=K/N runs only the suites whose place in the table is K modulo N (0 <=
 * K < N), so that N processes share the suites: scripts/test.sh runs the valgrind pass in
 * shards side by side (valgrind runs a process's threads one at a time, on one core).
 */
static bool shard_from_env(unsigned *k, unsigned *n)
{
	const char *v = getenv("SCHOOLHUB_TEST_SHARD");
	*k = 0;
	*n = 1;
	if (v == NULL || *v == '\0')
		return true;
	char *end;
	errno = 0;
	unsigned long kk = strtoul(v, &end, 10);
	if (errno != 0 || end == v || *end != '/')
		return false;
	const char *ns = end + 1;
	unsigned long nn = strtoul(ns, &end, 10);
	if (errno != 0 || end == ns || *end != '\0' || nn == 0 || nn > 64 || kk >= nn)
		return false;
	*k = (unsigned)kk;
	*n = (unsigned)nn;
	return true;
}

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgres") != 0)) {
		fprintf(stderr, "usage: %s sqlite|postgres\n", argv[0]);
		return 2;
	}
	unsigned shard, shards;
	if (!shard_from_env(&shard, &shards)) {
		fprintf(stderr, "SCHOOLHUB_TEST_SHARD must be K/N with 0 <= K < N <= 64\n");
		return 2;
	}
	api_backend = argv[1];
	SRunner *sr = NULL;
	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
		if (i % shards != shard)
			continue;
		if (sr == NULL)
			sr = srunner_create(suites[i]());
		else
			srunner_add_suite(sr, suites[i]());
	}
	if (sr == NULL) {
		fprintf(stderr, "shard %u/%u holds no suite\n", shard, shards);
		return 2;
	}
	/* One process: the server runs in this process's threads. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	th_backend_cleanup();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
