/*
 * The audit log: the admin actions of before this issue write their rows (invites, SEL
 * reversals, class staff), the admins' list with its filters, pages and CSV, the module
 * switches (404 and GET /config follow, audited), concurrent appends keeping one chain,
 * the triggers refusing UPDATE and DELETE, and sh_audit_verify finding a row edited
 * directly in the database (last: it breaks the shared database's chain on purpose).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin_support.h"
#include "announcements_support.h"
#include "schoolhub/audit.h"
#include "sel_support.h"

START_TEST(earlier_admin_actions_are_audited)
{
	struct th_member admin, teacher, a, b;
	admin_register(&admin, "audadmin", "admin");
	admin_register(&teacher, "audteacher", "teacher");
	th_member_register(&a, "audpayer");
	th_member_register(&b, "audpayee");
	/* An invite. */
	struct th_resp *r = th_json("POST", "/api/v1/admin/invites", admin.access_token, "{}");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	ck_assert_int_eq(admin_audit_rows("invite.created", admin.id, NULL), 1);
	/* A class's staff. */
	char body[128];
	snprintf(body, sizeof(body), "{\"user_ids\":[\"%s\"]}", teacher.id);
	r = th_request("PUT", "/api/v1/admin/classes/P1/staff", admin.access_token, body, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	ck_assert_int_eq(admin_audit_rows("class.staff_changed", admin.id, "P1"), 1);
	ck_assert_int_eq(admin_audit_rows("class.staff_changed", admin.id, teacher.id), 1);
	/* A SEL reversal names both transactions and both members. */
	char *tx = sel_pay_ok(&a, b.id, 30, "Jardinage");
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/sel/transactions/%s/reverse", tx);
	r = th_json("POST", path, admin.access_token, "{s:s}", "reason", "Erreur de saisie");
	ck_assert_msg(r->status == 201 || r->status == 200, "%ld %s", r->status, r->body);
	char *rev = strdup(th_str(r, "id"));
	th_resp_free(&r);
	const char *targets[] = {tx, rev, a.id, b.id};
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(admin_audit_rows("sel.transaction_reversed", admin.id, targets[i]), 1);
	/* A refused reversal (already reversed) writes nothing. */
	r = th_json("POST", path, admin.access_token, "{s:s}", "reason", "Encore");
	ck_assert_int_eq(r->status, 409);
	th_resp_free(&r);
	ck_assert_int_eq(admin_audit_rows("sel.transaction_reversed", admin.id, NULL), 1);
	free(tx);
	free(rev);
	th_member_free(&admin);
	th_member_free(&teacher);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

/* The acknowledgement tally shows staff the children an announcement reached: a look at
 * children's data, audited and listed in each guardian's export. */
START_TEST(the_tally_of_an_announcement_is_audited)
{
	struct th_member admin, parent;
	admin_register(&admin, "tallyadmin", "admin");
	th_member_register(&parent, "tallyparent");
	char *child = admin_child(&parent, "Ludivine", "P4");
	char *ann = ann_publish(admin.access_token, "Sortie au musée", "P4", true);
	struct th_resp *r = ann_call("GET", admin.access_token, ann, "/acks");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	ck_assert_int_eq(admin_audit_rows("announcement.acks_viewed", admin.id, ann), 1);
	ck_assert_int_eq(admin_audit_rows("announcement.acks_viewed", admin.id, child), 1);
	r = admin_get(parent.access_token, "/api/v1/users/me/export", 200);
	json_t *acc = json_object_get(r->json, "data_accesses");
	ck_assert_int_eq(json_array_size(acc), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(acc, 0), "action")),
			 "announcement.acks_viewed");
	th_resp_free(&r);
	/* Refused (a parent): nothing shown, nothing written. */
	r = ann_call("GET", parent.access_token, ann, "/acks");
	ck_assert_int_eq(r->status, 403);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM audit_log WHERE action = $1",
				      "announcement.acks_viewed", NULL), 1);
	free(child);
	free(ann);
	th_member_free(&admin);
	th_member_free(&parent);
}
END_TEST

/* The actions of a page's rows, joined by "," (static buffer). */
static const char *page_actions(const struct th_resp *r)
{
	static char out[4096];
	out[0] = '\0';
	json_t *items = json_object_get(r->json, "items");
	for (size_t i = 0; i < json_array_size(items); i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? "," : "",
			 json_string_value(json_object_get(json_array_get(items, i), "action")));
	return out;
}

START_TEST(the_list_filters_pages_and_exports)
{
	struct th_member admin, m;
	admin_register(&admin, "listadmin", "admin");
	th_member_register(&m, "listmember");
	char path[256];
	const char *acts[] = {"{\"role\":\"teacher\"}", "{\"status\":\"deactivated\"}",
			      "{\"status\":\"active\"}"};
	snprintf(path, sizeof(path), "/api/v1/admin/users/%s", m.id);
	for (int i = 0; i < 3; i++) {
		struct th_resp *r = th_request("PATCH", path, admin.access_token, acts[i], NULL, NULL);
		ck_assert_int_eq(r->status, 200);
		th_resp_free(&r);
	}
	/* By actor and target: newest first, ids only. */
	snprintf(path, sizeof(path), "/api/v1/admin/audit?actor=%s&target=%s", admin.id, m.id);
	struct th_resp *r = admin_get(admin.access_token, path, 200);
	ck_assert_str_eq(page_actions(r),
			 "member.reactivated,member.deactivated,member.role_changed");
	json_t *row = json_array_get(json_object_get(r->json, "items"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(row, "actor_id")), admin.id);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(row, "target_ids"), 0)),
			 m.id);
	ck_assert_int_eq(strlen(json_string_value(json_object_get(row, "hash"))), 64);
	ck_assert(json_is_string(json_object_get(row, "request_id")));
	ck_assert_ptr_null(strstr(r->body, m.email));
	th_resp_free(&r);
	/* By action, and a page of one with its cursor. */
	snprintf(path, sizeof(path), "/api/v1/admin/audit?actor=%s&action=member.deactivated",
		 admin.id);
	r = admin_get(admin.access_token, path, 200);
	ck_assert_str_eq(page_actions(r), "member.deactivated");
	th_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/admin/audit?actor=%s&limit=2", admin.id);
	r = admin_get(admin.access_token, path, 200);
	ck_assert_str_eq(page_actions(r), "member.reactivated,member.deactivated");
	snprintf(path, sizeof(path), "/api/v1/admin/audit?actor=%s&limit=2&cursor=%s", admin.id,
		 json_string_value(json_object_get(r->json, "next_cursor")));
	th_resp_free(&r);
	r = admin_get(admin.access_token, path, 200);
	ck_assert_str_eq(page_actions(r), "member.role_changed");
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
	th_resp_free(&r);
	/* By time: nothing before 2000, everything since then. */
	snprintf(path, sizeof(path), "/api/v1/admin/audit?actor=%s&to=2000-01-01", admin.id);
	r = admin_get(admin.access_token, path, 200);
	ck_assert_str_eq(page_actions(r), "");
	th_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/admin/audit?actor=%s&from=2000-01-01T00:00:00Z",
		 admin.id);
	r = admin_get(admin.access_token, path, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 3);
	th_resp_free(&r);
	/* CSV: a header and one line per row. */
	const char *csv[] = {"Accept: text/csv", NULL};
	snprintf(path, sizeof(path), "/api/v1/admin/audit?actor=%s", admin.id);
	r = th_request("GET", path, admin.access_token, NULL, NULL, csv);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_header(r, "Content-Type"), "text/csv; charset=utf-8");
	ck_assert_int_eq(strncmp(r->body, "seq,at,actor_id,action,target_ids,request_id,hash\r\n", 51), 0);
	int lines = 0;
	for (const char *p = r->body; (p = strstr(p, "\r\n")) != NULL; p += 2)
		lines++;
	ck_assert_int_eq(lines, 4);
	ck_assert_ptr_nonnull(strstr(r->body, ",member.role_changed,"));
	th_resp_free(&r);
	/* Bad filters. */
	r = th_request("GET", "/api/v1/admin/audit?actor=x&from=yesterday&to=2026-13-01&cursor=%21",
		       admin.access_token, NULL, NULL, NULL);
	assert_field_error(r, "actor", "invalid_uuid");
	assert_field_error(r, "from", "invalid_time");
	assert_field_error(r, "to", "invalid_time");
	assert_field_error(r, "cursor", "invalid_cursor");
	th_resp_free(&r);
	th_member_free(&admin);
	th_member_free(&m);
}
END_TEST

/* The config's ETag now, for an If-None-Match line ("If-None-Match: \"...\""). */
static void config_etag_line(char *out, size_t size)
{
	struct th_resp *r = th_request("GET", "/api/v1/config", NULL, NULL, NULL, NULL);
	ck_assert_ptr_nonnull(th_header(r, "ETag"));
	snprintf(out, size, "If-None-Match: %s", th_header(r, "ETag"));
	th_resp_free(&r);
}

static long config_status_given(const char *if_none_match)
{
	const char *extra[] = {if_none_match, NULL};
	struct th_resp *r = th_request("GET", "/api/v1/config", NULL, NULL, NULL, extra);
	long status = r->status;
	th_resp_free(&r);
	return status;
}

static bool config_lists(const char *module)
{
	struct th_resp *r = th_request("GET", "/api/v1/config", NULL, NULL, NULL, NULL);
	json_t *mods = json_object_get(r->json, "modules");
	bool found = false;
	for (size_t i = 0; i < json_array_size(mods); i++)
		found = found || strcmp(json_string_value(json_array_get(mods, i)), module) == 0;
	th_resp_free(&r);
	return found;
}

static long status_of(const char *token, const char *path)
{
	struct th_resp *r = th_request("GET", path, token, NULL, NULL, NULL);
	long status = r->status;
	th_resp_free(&r);
	return status;
}

START_TEST(modules_switch_at_runtime)
{
	struct th_member admin;
	admin_register(&admin, "modadmin", "admin");
	const char *tok = admin.access_token;
	struct th_resp *r = admin_get(tok, "/api/v1/admin/modules", 200);
	ck_assert(json_is_true(json_object_get(r->json, "sel")));
	ck_assert(json_is_true(json_object_get(r->json, "admin")));
	th_resp_free(&r);
	char before[128];
	config_etag_line(before, sizeof(before));
	ck_assert_int_eq(config_status_given(before), 304);
	r = th_request("PUT", "/api/v1/admin/modules", tok, "{\"sel\":false}", NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert(json_is_false(json_object_get(r->json, "sel")));
	th_resp_free(&r);
	ck_assert_int_eq(admin_audit_rows("modules.switched", admin.id, "sel"), 1);
	/* At once on this instance: 404 and gone from the config; the data stays. */
	ck_assert_int_eq(status_of(tok, "/api/v1/sel/balance"), 404);
	ck_assert(!config_lists("sel"));
	ck_assert(config_lists("messages"));
	/* A browser revalidating its copy gets the new config, not 304. */
	ck_assert_int_eq(config_status_given(before), 200);
	/* Another instance on the same database agrees within a second or so. */
	struct th_server *one = th_current, two;
	th_server_start_beside(&two, one, NULL);
	ck_assert_int_eq(status_of(tok, "/api/v1/sel/balance"), 404);
	ck_assert(!config_lists("sel"));
	th_current = one;
	r = th_request("PUT", "/api/v1/admin/modules", tok, "{\"sel\":true}", NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	ck_assert_int_eq(status_of(tok, "/api/v1/sel/balance"), 200);
	th_current = &two;
	int waited_ms = 0;
	while (status_of(tok, "/api/v1/sel/balance") != 200 && waited_ms < 3000) {
		usleep(50000);
		waited_ms += 50;
	}
	ck_assert_msg(waited_ms <= 2000, "the second instance took %d ms", waited_ms);
	ck_assert(config_lists("sel"));
	th_server_stop(&two);
	th_current = one;
	/* Unchanged names write no row and no audit; errors per name. */
	r = th_request("PUT", "/api/v1/admin/modules", tok, "{\"sel\":true}", NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	ck_assert_int_eq(admin_audit_rows("modules.switched", admin.id, "sel"), 2);
	r = th_request("PUT", "/api/v1/admin/modules", tok,
		       "{\"chess\":false,\"auth\":false,\"admin\":false,\"messages\":1}", NULL, NULL);
	assert_field_error(r, "chess", "unknown_module");
	assert_field_error(r, "auth", "not_switchable");
	assert_field_error(r, "admin", "not_switchable");
	assert_field_error(r, "messages", "invalid_type");
	th_resp_free(&r);
	ck_assert(config_lists("messages"));
	th_member_free(&admin);
}
END_TEST

/* Appends from several threads at once, each its own transaction: one chain. */
static void *staff_changes(void *arg)
{
	const struct th_member *admin = arg;
	for (int i = 0; i < 5; i++) {
		struct th_resp *r = th_request("PUT", "/api/v1/admin/classes/P6/staff",
					       admin->access_token, "{\"user_ids\":[]}", NULL, NULL);
		ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
		th_resp_free(&r);
	}
	return NULL;
}

static void assert_chain(int64_t want_bad)
{
	struct sh_conn *conn = admin_db();
	int64_t rows = 0, bad = -1;
	const char *reason = NULL;
	ck_assert_int_eq(sh_audit_verify(conn, &rows, &bad, &reason), SH_DB_OK);
	ck_assert_msg(bad == want_bad, "bad row %lld (%s) after %lld rows", (long long)bad,
		      reason ? reason : "-", (long long)rows);
	if (want_bad == 0)
		ck_assert_int_eq(rows, api_db_count("SELECT COUNT(*) FROM audit_log WHERE seq > $1",
						    "0", NULL));
	sh_conn_close(&conn);
}

START_TEST(concurrent_appends_keep_one_chain)
{
	struct th_member admin;
	admin_register(&admin, "concadmin", "admin");
	pthread_t threads[4];
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, staff_changes, &admin), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(threads[i], NULL);
	ck_assert_int_eq(admin_audit_rows("class.staff_changed", admin.id, "P6"), 20);
	assert_chain(0);
	th_member_free(&admin);
}
END_TEST

/* Runs "sql" on its own connection; its result code. */
static enum sh_db_rc raw_exec(const char *sql)
{
	struct sh_conn *conn = admin_db();
	enum sh_db_rc rc = sh_conn_exec_script(conn, sql);
	sh_conn_close(&conn);
	return rc;
}

START_TEST(an_edit_in_the_database_is_found)
{
	assert_chain(0);
	int64_t rows = api_db_count("SELECT COUNT(*) FROM audit_log WHERE seq > $1", "0", NULL);
	ck_assert_int_ge(rows, 3);
	/* The triggers refuse changes, whoever asks. */
	ck_assert_int_ne(raw_exec("UPDATE audit_log SET action = 'nothing' WHERE seq = 2"), SH_DB_OK);
	ck_assert_int_ne(raw_exec("DELETE FROM audit_log WHERE seq = 2"), SH_DB_OK);
	ck_assert_int_ne(raw_exec("DELETE FROM audit_targets"), SH_DB_OK);
	assert_chain(0);
	/* Someone with the database's keys goes round them and edits row 2. */
	bool pg = strcmp(api_backend, "postgres") == 0;
	ck_assert_int_eq(raw_exec(pg ? "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"
				     : "DROP TRIGGER audit_log_no_update"),
			 SH_DB_OK);
	ck_assert_int_eq(raw_exec("UPDATE audit_log SET action = 'nothing' WHERE seq = 2"), SH_DB_OK);
	assert_chain(2);
}
END_TEST

Suite *api_admin_audit_suite(void)
{
	Suite *s = suite_create("admin_audit");
	TCase *tc = tcase_create("audit log");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, earlier_admin_actions_are_audited);
	tcase_add_test(tc, the_list_filters_pages_and_exports);
	tcase_add_test(tc, the_tally_of_an_announcement_is_audited);
	tcase_add_test(tc, modules_switch_at_runtime);
	tcase_add_test(tc, concurrent_appends_keep_one_chain);
	tcase_add_test(tc, an_edit_in_the_database_is_found); /* last: breaks the chain */
	suite_add_tcase(s, tc);
	return s;
}
