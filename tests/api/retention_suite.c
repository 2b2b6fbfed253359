/*
 * The retention purge (src/modules/admin/retention.h), called directly with a chosen
 * period and "now" on the running test server's database, and the daily job on the
 * notification clock. Each kind erases what is past its end by a day and keeps what is a
 * day short of it; an account erased by the purge is left exactly as a member's own
 * deletion leaves it; each kind that erases writes its audit row (ids only) in the
 * erasures' own transaction; a dry run changes nothing; a second run finds nothing.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin_support.h"
#include "modules/admin/retention.h"
#include "notify_support.h"
#include "schoolhub/util.h"

#define DAY (24 * 3600)
#define PERIOD 30 /* days: the direct purges below */

/* "t" as stored (RFC 3339 UTC), in static slot "slot" (0..3). */
static const char *at(time_t t, int slot)
{
	static char buf[4][SH_TIME_LEN + 1];
	sh_time_format(t, buf[slot]);
	return buf[slot];
}

static struct sh_purge_counts purge(time_t now, bool dry_run)
{
	struct sh_conn *conn = admin_db();
	struct sh_purge_counts c;
	ck_assert_int_eq(sh_retention_purge(conn, PERIOD, now, dry_run, &c), SH_DB_OK);
	sh_conn_close(&conn);
	return c;
}

static void assert_counts(const struct sh_purge_counts *c, const int64_t want[SH_PURGE_KIND_COUNT])
{
	for (int k = 0; k < SH_PURGE_KIND_COUNT; k++)
		ck_assert_msg(c->n[k] == want[k], "%s: %lld, expected %lld",
			      sh_purge_kind_name((enum sh_purge_kind)k), (long long)c->n[k],
			      (long long)want[k]);
}

/* Audit rows "retention.purged" by the system naming "target" (NULL: all of them). */
static int64_t purge_audits(const char *target)
{
	if (target == NULL)
		return api_db_count("SELECT COUNT(*) FROM audit_log WHERE action = $1 AND "
				    "actor_id IS NULL", "retention.purged", NULL);
	return api_db_count("SELECT COUNT(*) FROM audit_log l JOIN audit_targets t ON t.seq = "
			    "l.seq WHERE l.action = $1 AND l.actor_id IS NULL AND t.target_id = $2",
			    "retention.purged", target);
}

static void deactivate(const struct th_member *admin, const char *id)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/admin/users/%s", id);
	struct th_resp *r = th_json("PATCH", path, admin->access_token, "{s:s}", "status",
				    "deactivated");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
}

/* Deactivated directly at "when" (the suites below the first, which deactivates through
 * the admin's route: fewer accounts to register, each an argon2 hash). */
static void deactivated_directly(const char *id, time_t when)
{
	api_db_exec("UPDATE users SET active = (1 = 0), deactivated_at = $2 WHERE id = $1", id,
		    at(when, 3));
}

/* Moves "id"'s deactivation to "when". */
static void deactivated_at(const char *id, time_t when)
{
	api_db_exec("UPDATE users SET deactivated_at = $2 WHERE id = $1", id, at(when, 3));
}

/* What is left of an erased account, as one comparable line. */
static const char *const remains_sql[] = {
	"SELECT COUNT(*) FROM users WHERE id = $1 AND deleted_at IS NOT NULL AND NOT (active = "
	"(1 = 1)) AND password_hash = '' AND first_name = 'Ancien' AND last_name = 'membre' AND "
	"phone IS NULL AND search_name = '' AND email LIKE 'deleted-%@invalid'",
	"SELECT COUNT(*) FROM child_guardians WHERE user_id = $1",
	"SELECT COUNT(*) FROM refresh_tokens WHERE user_id = $1",
	"SELECT COUNT(*) FROM email_verifications WHERE user_id = $1",
	"SELECT COUNT(*) FROM member_events WHERE user_id = $1",
	"SELECT COUNT(*) FROM notifications WHERE user_id = $1",
	"SELECT COUNT(*) FROM user_search_words WHERE user_id = $1",
};

static void remains(const char *id, char *out, size_t size)
{
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(remains_sql) / sizeof(remains_sql[0]); i++)
		snprintf(out + strlen(out), size - strlen(out), "%lld ",
			 (long long)api_db_count(remains_sql[i], id, NULL));
}

START_TEST(deactivated_accounts_after_the_period)
{
	time_t now = time(NULL);
	struct th_member admin, old, fresh, active, self;
	admin_register(&admin, "retadmin", "admin");
	th_member_register(&old, "retold");
	th_member_register(&fresh, "retfresh");
	th_member_register(&active, "retactive");
	th_member_register(&self, "retself");
	char *old_child = admin_child(&old, "Oldchild", "P3");
	char *self_child = admin_child(&self, "Selfchild", "P3");
	deactivate(&admin, old.id);
	deactivate(&admin, fresh.id);
	/* The deactivation records when: the period starts there. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND "
				      "deactivated_at IS NOT NULL", old.id, NULL), 1);
	deactivated_at(old.id, now - (PERIOD + 1) * DAY);
	deactivated_at(fresh.id, now - (PERIOD - 1) * DAY);
	int64_t audits = purge_audits(NULL);

	/* A dry run counts and changes nothing. */
	struct sh_purge_counts c = purge(now, true);
	assert_counts(&c, (int64_t[SH_PURGE_KIND_COUNT]){[SH_PURGE_ACCOUNTS] = 1});
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND deleted_at "
				      "IS NULL", old.id, NULL), 1);
	ck_assert_int_eq(purge_audits(NULL), audits);

	c = purge(now, false);
	assert_counts(&c, (int64_t[SH_PURGE_KIND_COUNT]){[SH_PURGE_ACCOUNTS] = 1});
	/* Gone exactly as a member's own deletion leaves an account. */
	struct th_resp *r = th_json("DELETE", "/api/v1/users/me", self.access_token, "{s:s}",
				    "password", self.password);
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	char purged[128], deleted[128];
	remains(old.id, purged, sizeof(purged));
	remains(self.id, deleted, sizeof(deleted));
	ck_assert_str_eq(purged, deleted);
	ck_assert_str_eq(purged, "1 0 0 0 0 0 0 ");
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM children WHERE id = $1 OR id = $2",
				      old_child, self_child), 0);
	/* A day short of the period, and never deactivated: kept. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE deleted_at IS NULL AND "
				      "(id = $1 OR id = $2)", fresh.id, active.id), 2);
	ck_assert_int_eq(purge_audits(NULL), audits + 1);
	ck_assert_int_eq(purge_audits(old.id), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM audit_log WHERE action = $1 AND "
				      "target_ids = $2", "retention.purged", old.id), 1);

	/* Idempotent: nothing left, no second row. */
	c = purge(now, false);
	assert_counts(&c, (int64_t[SH_PURGE_KIND_COUNT]){0});
	ck_assert_int_eq(purge_audits(NULL), audits + 1);
	free(old_child);
	free(self_child);
	th_member_free(&admin);
	th_member_free(&old);
	th_member_free(&fresh);
	th_member_free(&active);
	th_member_free(&self);
}
END_TEST

START_TEST(leavers_after_the_period)
{
	time_t now = time(NULL);
	struct th_member parent;
	th_member_register(&parent, "retleaver");
	char *old = admin_child(&parent, "Oldleaver", "P6");
	char *fresh = admin_child(&parent, "Freshleaver", "P6");
	char *pupil = admin_child(&parent, "Pupil", "P5");
	api_db_exec("UPDATE children SET left_at = $2 WHERE id = $1", old,
		    at(now - (PERIOD + 1) * DAY, 0));
	api_db_exec("UPDATE children SET left_at = $2 WHERE id = $1", fresh,
		    at(now - (PERIOD - 1) * DAY, 0));
	struct sh_purge_counts c = purge(now, true);
	assert_counts(&c, (int64_t[SH_PURGE_KIND_COUNT]){[SH_PURGE_CHILDREN] = 1});
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM children WHERE id = $1", old, NULL), 1);

	int64_t audits = purge_audits(NULL);
	c = purge(now, false);
	assert_counts(&c, (int64_t[SH_PURGE_KIND_COUNT]){[SH_PURGE_CHILDREN] = 1});
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM children WHERE id = $1", old, NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM child_guardians WHERE child_id = $1",
				      old, NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM children WHERE id = $1 OR id = $2",
				      fresh, pupil), 2);
	ck_assert_int_eq(purge_audits(NULL), audits + 1);
	ck_assert_int_eq(purge_audits(old), 1);
	/* The guardian's own account stays. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND deleted_at "
				      "IS NULL", parent.id, NULL), 1);
	free(old);
	free(fresh);
	free(pupil);
	th_member_free(&parent);
}
END_TEST

/* Inserts one row of each expiring table for "user_id" at "when" (its expiry or its
 * attempt); "n" makes the ids and unique columns distinct. */
static void expiring_rows(const char *user_id, time_t when, int n)
{
	char sql[640], id[40];
	const char *t = at(when, 0);
	snprintf(id, sizeof(id), "0e0e0e0e-0000-4000-8000-%012d", n);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, "
		 "expires_at) VALUES ('%s', $1, '%s', 'rt-%d', $2, $2)", id, id, n);
	api_db_exec(sql, user_id, t);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO password_resets (id, email_key, user_id, token_hash, created_at, "
		 "expires_at) VALUES ('%s', 'k', $1, 'pr-%d', $2, $2)", id, n);
	api_db_exec(sql, user_id, t);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO email_verifications (id, user_id, email, token_hash, created_at, "
		 "expires_at) VALUES ('%s', $1, 'x@example.be', 'ev-%d', $2, $2)", id, n);
	api_db_exec(sql, user_id, t);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO invites (id, code_hash, created_at, expires_at) VALUES "
		 "('%s', 'iv-%d', $1, $1)", id, n);
	api_db_exec(sql, t, NULL);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO login_failures (id, email, client_ip, failed_at) VALUES "
		 "('%s', 'x@example.be', '192.0.2.%d', $1)", id, n);
	api_db_exec(sql, t, NULL);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO auth_ip_attempts (id, client_ip, attempted_at) VALUES "
		 "('%s', '192.0.2.%d', $1)", id, n);
	api_db_exec(sql, t, NULL);
}

START_TEST(expired_rows_after_a_day)
{
	time_t now = time(NULL);
	struct th_member m;
	th_member_register(&m, "retexpiry");
	expiring_rows(m.id, now - SH_RETENTION_MARGIN_S - 3600, 1); /* past the margin */
	expiring_rows(m.id, now - SH_RETENTION_MARGIN_S + 3600, 2); /* not yet */
	/* A used invitation code stays: it says who joined with it. */
	api_db_exec("INSERT INTO invites (id, code_hash, created_at, expires_at, used_by, used_at) "
		    "VALUES ('0e0e0e0e-0000-4000-8000-000000000003', 'iv-3', $2, $2, $1, $2)",
		    m.id, at(now - 40 * DAY, 0));
	const int64_t want[SH_PURGE_KIND_COUNT] = {
		[SH_PURGE_SESSIONS] = 1, [SH_PURGE_RESET_TOKENS] = 1, [SH_PURGE_LINK_TOKENS] = 2,
		[SH_PURGE_LOGIN_ATTEMPTS] = 2};
	struct sh_purge_counts c = purge(now, true);
	assert_counts(&c, want);
	int64_t audits = purge_audits(NULL);
	c = purge(now, false);
	assert_counts(&c, want);
	static const char *const tables[] = {"refresh_tokens", "password_resets",
					     "email_verifications", "invites", "login_failures",
					     "auth_ip_attempts"};
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		char sql[160];
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s WHERE CAST(id AS TEXT) LIKE $1",
			 tables[i]);
		ck_assert_int_eq(api_db_count(sql, "%-000000000001", NULL), 0);
		ck_assert_int_eq(api_db_count(sql, "%-000000000002", NULL), 1);
	}
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM invites WHERE CAST(id AS TEXT) LIKE $1",
				      "%-000000000003", NULL), 1);
	/* One audit row per kind that erased, without targets (no person was erased). */
	ck_assert_int_eq(purge_audits(NULL), audits + 4);
	th_member_free(&m);
}
END_TEST

/* The audit row is written in the transaction of the erasures it names: when it cannot be
 * appended, nothing of that kind is erased (never an erasure without its row). */
static void exec_ddl(struct sh_conn *conn, const char *sql)
{
	ck_assert_msg(sh_exec(conn, sql, SH_ARGS(), NULL) == SH_DB_OK, "%s", sql);
}

static void audit_inserts_fail(bool fail)
{
	bool pg = strcmp(api_backend, "postgres") == 0;
	struct sh_conn *conn = admin_db();
	if (fail && pg) {
		exec_ddl(conn, "CREATE FUNCTION test_refuse_audit() RETURNS trigger AS $$ BEGIN "
			       "RAISE EXCEPTION 'audit refused by the test'; END $$ LANGUAGE plpgsql");
		exec_ddl(conn, "CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_log FOR "
			       "EACH ROW EXECUTE FUNCTION test_refuse_audit()");
	} else if (fail) {
		exec_ddl(conn, "CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_log BEGIN "
			       "SELECT RAISE(ABORT, 'audit refused by the test'); END");
	} else {
		exec_ddl(conn, pg ? "DROP TRIGGER test_refuse_audit ON audit_log"
				  : "DROP TRIGGER test_refuse_audit");
		if (pg)
			exec_ddl(conn, "DROP FUNCTION test_refuse_audit()");
	}
	sh_conn_close(&conn);
}

START_TEST(no_erasure_without_its_audit_row)
{
	time_t now = time(NULL);
	struct th_member old;
	th_member_register(&old, "retunaudited");
	deactivated_directly(old.id, now - (PERIOD + 3) * DAY);
	int64_t audits = purge_audits(NULL);
	audit_inserts_fail(true);
	struct sh_purge_counts c;
	struct sh_conn *conn = admin_db();
	enum sh_db_rc rc = sh_retention_purge(conn, PERIOD, now, false, &c);
	sh_conn_close(&conn);
	audit_inserts_fail(false);
	ck_assert_int_ne(rc, SH_DB_OK);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND deleted_at "
				      "IS NULL", old.id, NULL), 1);
	ck_assert_int_eq(purge_audits(NULL), audits);
	/* The next run erases it, with its row. */
	c = purge(now, false);
	ck_assert_int_eq(c.n[SH_PURGE_ACCOUNTS], 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND deleted_at "
				      "IS NOT NULL", old.id, NULL), 1);
	ck_assert_int_eq(purge_audits(old.id), 1);
	th_member_free(&old);
}
END_TEST

/* Two instances purging at once (the CLI beside the job): each account erased once, by one
 * of them, and each erased id named by one audit row. */
struct racer {
	time_t now;
	enum sh_db_rc rc;
	struct sh_purge_counts counts;
};

static void *race_purge(void *arg)
{
	struct racer *r = arg;
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(th_current->app->db, &error);
	free(error);
	r->rc = conn == NULL ? SH_DB_ERROR
			     : sh_retention_purge(conn, PERIOD, r->now, false, &r->counts);
	sh_conn_close(&conn);
	return NULL;
}

START_TEST(two_purges_at_once)
{
	time_t now = time(NULL);
	struct th_member m[2];
	for (int i = 0; i < 2; i++) {
		char who[32];
		snprintf(who, sizeof(who), "retrace%d", i);
		th_member_register(&m[i], who);
		deactivated_directly(m[i].id, now - (PERIOD + 2) * DAY);
	}
	struct racer racers[2] = {{.now = now}, {.now = now}};
	pthread_t threads[2];
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, race_purge, &racers[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	ck_assert_int_eq(racers[0].rc, SH_DB_OK);
	ck_assert_int_eq(racers[1].rc, SH_DB_OK);
	ck_assert_int_eq(racers[0].counts.n[SH_PURGE_ACCOUNTS] + racers[1].counts.n[SH_PURGE_ACCOUNTS], 2);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND deleted_at "
					      "IS NOT NULL", m[i].id, NULL), 1);
		ck_assert_int_eq(purge_audits(m[i].id), 1);
		th_member_free(&m[i]);
	}
}
END_TEST

/* The job: queued for 02:00 UTC on the notification clock, it erases what is due then
 * (the server's default period, 365 days) and queues the next day. */
START_TEST(the_daily_job_runs_on_schedule)
{
	struct th_member old, fresh;
	th_member_register(&old, "retjobold");
	th_member_register(&fresh, "retjobfresh");
	/* Two seconds before tomorrow's 02:00 UTC (today's is queued at start-up already). */
	time_t real = time(NULL);
	time_t slot = real - real % DAY + 2 * 3600 + DAY;
	if (slot - DAY <= real)
		slot += DAY;
	nt_clock(slot - 2);
	deactivated_directly(old.id, slot - 366 * DAY);
	deactivated_directly(fresh.id, slot - 364 * DAY);
	struct sh_conn *conn = admin_db();
	ck_assert_int_eq(sh_retention_schedule_next(conn), SH_DB_OK);
	sh_conn_close(&conn);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM notification_schedule WHERE name = $1 "
				      "AND due_at = $2", "retention", at(slot, 1)), 1);
	/* The run's audit row comes after its kinds: once it is there, the run is over. */
	bool ran = false;
	for (int i = 0; i < 400 && !ran; i++) {
		ran = purge_audits(old.id) == 1;
		if (!ran)
			usleep(50000);
	}
	ck_assert_msg(ran, "the scheduled purge did not run");
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND deleted_at IS "
				      "NOT NULL", old.id, NULL), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND deleted_at IS "
				      "NULL", fresh.id, NULL), 1);
	/* The run queued the next day's. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM notification_schedule WHERE name = $1 "
				      "AND due_at = $2", "retention", at(slot + DAY, 1)), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state = 'queued'",
				      SH_RETENTION_JOB, NULL) >= 1, 1);
	nt_clock_reset();
	th_member_free(&old);
	th_member_free(&fresh);
}
END_TEST

Suite *api_retention_suite(void)
{
	Suite *s = suite_create("retention");
	TCase *tc = tcase_create("retention purge");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, deactivated_accounts_after_the_period);
	tcase_add_test(tc, leavers_after_the_period);
	tcase_add_test(tc, expired_rows_after_a_day);
	tcase_add_test(tc, no_erasure_without_its_audit_row);
	tcase_add_test(tc, two_purges_at_once);
	tcase_add_test(tc, the_daily_job_runs_on_schedule);
	suite_add_tcase(s, tc);
	return s;
}
