/* One SEL service: anyone reads it; its owner (or an admin) changes and withdraws it,
 * everyone else gets 403. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/sel/sel.h"
#include "sel_services_suite.h"

/* --- GET /api/v1/sel/services/{id} ----------------------------------------------- */

START_TEST(anyone_reads_by_id)
{
	struct th_member a, b;
	th_member_register(&a, "reader_owner");
	th_member_register(&b, "reader_other");
	char *id = create_service(a.access_token, "Cours de guitare", "tutoring", "offer");

	struct th_resp *r = get_service(b.access_token, id);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "id"), id);
	ck_assert_str_eq(th_str(r, "title"), "Cours de guitare");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "owner"), "first_name")), "reader_owner");
	th_resp_free(&r);

	/* Ids are case-insensitive on both backends. */
	char upper[40];
	snprintf(upper, sizeof(upper), "%s", id);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	r = get_service(b.access_token, upper);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "id"), id);
	th_resp_free(&r);

	static const char *const bad[] = {RANDOM_UUID, "not-a-uuid", "123",
					  "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a6", "%27%20OR%201=1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = get_service(a.access_token, bad[i]);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
	}
	free(id);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

/* --- PATCH /api/v1/sel/services/{id} --------------------------------------------- */

START_TEST(owner_patches)
{
	struct th_member a;
	th_member_register(&a, "patcher");
	char *id = create_service(a.access_token, "Tonte de pelouse", "gardening", "offer");
	char path[160];
	service_path(path, sizeof(path), id);
	struct th_resp *r = get_service(a.access_token, id);
	char *created_at = strdup(th_str(r, "created_at"));
	th_resp_free(&r);

	/* Partial: only what is sent changes. */
	r = th_json("PATCH", path, a.access_token, "{s:i, s:s}", "units_per_hour", 45,
		    "description", "Avec ma tondeuse.\nSamedi matin.");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "units_per_hour")), 45);
	ck_assert_str_eq(th_str(r, "description"), "Avec ma tondeuse.\nSamedi matin.");
	ck_assert_str_eq(th_str(r, "title"), "Tonte de pelouse");
	ck_assert_str_eq(th_str(r, "category"), "gardening");
	ck_assert_str_eq(th_str(r, "kind"), "offer");
	ck_assert(json_is_true(json_object_get(r->json, "is_active")));
	ck_assert_str_eq(th_str(r, "created_at"), created_at);
	ck_assert_int_eq(json_object_size(r->json), 10);
	th_resp_free(&r);

	r = th_json("PATCH", path, a.access_token, "{s:s, s:s, s:s}", "title", " Taille de haies ",
		    "category", "repairs", "kind", "request");
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "title"), "Taille de haies");
	th_resp_free(&r);
	r = get_service(a.access_token, id);
	ck_assert_str_eq(th_str(r, "title"), "Taille de haies");
	ck_assert_str_eq(th_str(r, "category"), "repairs");
	ck_assert_str_eq(th_str(r, "kind"), "request");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "units_per_hour")), 45);
	ck_assert_str_eq(th_str(r, "description"), "Avec ma tondeuse.\nSamedi matin.");
	th_resp_free(&r);
	/* The search text follows the new title and description. */
	char *search = db_service_text(id, "search_text");
	ck_assert_str_eq(search, " taille de haies avec ma tondeuse samedi matin ");
	free(search);
	/* null clears the description; {} changes nothing. */
	r = th_json("PATCH", path, a.access_token, "{s:n}", "description");
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "description"), "");
	th_resp_free(&r);
	r = th_json("PATCH", path, a.access_token, "{}");
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "title"), "Taille de haies");
	th_resp_free(&r);

	/* Withdraw and bring back with is_active. */
	r = th_json("PATCH", path, a.access_token, "{s:b}", "is_active", 0);
	ck_assert_int_eq(r->status, 200);
	ck_assert(json_is_false(json_object_get(r->json, "is_active")));
	th_resp_free(&r);
	ck_assert(!db_service_active(id));
	r = th_json("PATCH", path, a.access_token, "{s:b}", "is_active", 1);
	ck_assert_int_eq(r->status, 200);
	ck_assert(json_is_true(json_object_get(r->json, "is_active")));
	th_resp_free(&r);
	ck_assert(db_service_active(id));

	/* Validation: nothing applied. */
	r = th_json("PATCH", path, a.access_token, "{s:s}", "category", "baking");
	assert_field_error(r, "category", "invalid_category");
	th_resp_free(&r);
	r = th_json("PATCH", path, a.access_token, "{s:s}", "kind", "gift");
	assert_field_error(r, "kind", "invalid_kind");
	th_resp_free(&r);
	r = th_json("PATCH", path, a.access_token, "{s:i}", "units_per_hour", 0);
	assert_field_error(r, "units_per_hour", "out_of_range");
	th_resp_free(&r);
	r = th_json("PATCH", path, a.access_token, "{s:s}", "title", "");
	assert_field_error(r, "title", "required");
	th_resp_free(&r);
	r = th_json("PATCH", path, a.access_token, "{s:n}", "title");
	assert_field_error(r, "title", "invalid_type");
	th_resp_free(&r);
	r = th_json("PATCH", path, a.access_token, "{s:s}", "is_active", "false");
	assert_field_error(r, "is_active", "invalid_type");
	th_resp_free(&r);
	r = th_json("PATCH", path, a.access_token, "{s:s, s:s}", "title", "Changed", "user_id", RANDOM_UUID);
	assert_field_error(r, "user_id", "unknown_field");
	th_resp_free(&r);
	r = th_json("PATCH", path, a.access_token, "{s:s, s:s}", "title", "Changed", "created_at", "2000-01-01T00:00:00Z");
	assert_field_error(r, "created_at", "unknown_field");
	th_resp_free(&r);
	r = th_request("PATCH", path, a.access_token, "title=x", "text/plain", NULL);
	ck_assert_problem(r, 415, "unsupported_media_type");
	th_resp_free(&r);
	r = get_service(a.access_token, id);
	ck_assert_str_eq(th_str(r, "title"), "Taille de haies");
	ck_assert_str_eq(th_str(r, "category"), "repairs");
	ck_assert_str_eq(th_str(r, "kind"), "request");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "units_per_hour")), 45);
	ck_assert(json_is_true(json_object_get(r->json, "is_active")));
	th_resp_free(&r);

	/* Unknown or malformed ids. */
	static const char *const bad[] = {RANDOM_UUID, "not-a-uuid"};
	for (size_t i = 0; i < 2; i++) {
		char bpath[160];
		r = th_json("PATCH", service_path(bpath, sizeof(bpath), bad[i]), a.access_token,
			    "{s:s}", "title", "X");
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
	}
	free(created_at);
	free(id);
	th_member_free(&a);
}
END_TEST

/* --- Who may change a service ----------------------------------------------------- */

START_TEST(only_owner_or_admin_changes)
{
	struct th_member a, b, admin;
	th_member_register(&a, "bola_owner");
	th_member_register(&b, "bola_other");
	th_member_register(&admin, "bola_admin");
	char *id = create_service(a.access_token, "Aide informatique", "computers", "offer");
	char path[160];
	service_path(path, sizeof(path), id);

	/* Another member: 403 on every change, even invalid ones, and nothing happens. */
	struct th_resp *r = th_json("PATCH", path, b.access_token, "{s:s}", "title", "Pirated");
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	r = th_json("PATCH", path, b.access_token, "{s:b}", "is_active", 0);
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	r = th_json("PATCH", path, b.access_token, "{s:s}", "nonsense", "x");
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	r = th_request("DELETE", path, b.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	/* The future admin, still a parent, cannot either. */
	r = th_request("DELETE", path, admin.access_token, NULL, NULL, NULL);
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	char *title = db_service_text(id, "title");
	ck_assert_str_eq(title, "Aide informatique");
	free(title);
	ck_assert(db_service_active(id));
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_services WHERE id = $1 AND user_id = $2", id, a.id), 1);

	/* An admin may change and withdraw anyone's service; it stays the owner's. */
	api_promote(&admin, "admin");
	r = th_json("PATCH", path, admin.access_token, "{s:s}", "title", "Aide informatique (modéré)");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "title"), "Aide informatique (modéré)");
	ck_assert_str_eq(th_str(r, "user_id"), a.id);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_services WHERE id = $1 AND user_id = $2", id, a.id), 1);
	r = th_request("DELETE", path, admin.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert(!db_service_active(id));
	/* The other member still cannot bring it back. */
	r = th_json("PATCH", path, b.access_token, "{s:b}", "is_active", 1);
	ck_assert_problem(r, 403, "forbidden");
	th_resp_free(&r);
	ck_assert(!db_service_active(id));
	/* The owner can. */
	r = th_json("PATCH", path, a.access_token, "{s:b}", "is_active", 1);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	ck_assert(db_service_active(id));
	free(id);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&admin);
}
END_TEST

/* --- DELETE /api/v1/sel/services/{id} -------------------------------------------- */

START_TEST(delete_withdraws)
{
	struct th_member a, b;
	th_member_register(&a, "withdrawer");
	th_member_register(&b, "watcher");
	char *id = create_service(a.access_token, "Repas du soir", "cooking", "offer");
	char path[160], query[120];
	service_path(path, sizeof(path), id);
	snprintf(query, sizeof(query), "user_id=%s", a.id);
	struct th_resp *r = list_services(b.access_token, query);
	ck_assert(list_has(r, id));
	th_resp_free(&r);

	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	ck_assert_int_eq(r->body_len, 0);
	th_resp_free(&r);
	/* Still in the database (transactions may name it), inactive. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_services WHERE id = $1", id, NULL), 1);
	ck_assert(!db_service_active(id));
	/* Gone from the list, still readable by id. */
	r = list_services(b.access_token, query);
	ck_assert_int_eq(r->status, 200);
	ck_assert(!list_has(r, id));
	th_resp_free(&r);
	r = list_services(a.access_token, NULL);
	ck_assert(!list_has(r, id));
	th_resp_free(&r);
	r = get_service(b.access_token, id);
	ck_assert_int_eq(r->status, 200);
	ck_assert(json_is_false(json_object_get(r->json, "is_active")));
	ck_assert_str_eq(th_str(r, "title"), "Repas du soir");
	th_resp_free(&r);
	/* Withdrawing twice is fine. */
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);

	/* The ledger only names active services. */
	struct sh_conn *conn = db_open();
	char owner[37] = "";
	ck_assert_int_eq(sh_sel_service_owner(conn, id, owner), SH_DB_OK);
	char *live = create_service(a.access_token, "Repas du midi", "cooking", "offer");
	ck_assert_int_eq(sh_sel_service_owner(conn, live, owner), SH_DB_ROW);
	ck_assert_str_eq(owner, a.id);
	char upper[40];
	snprintf(upper, sizeof(upper), "%s", live);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	memset(owner, 0, sizeof(owner));
	ck_assert_int_eq(sh_sel_service_owner(conn, upper, owner), SH_DB_ROW);
	ck_assert_str_eq(owner, a.id);
	ck_assert_int_eq(sh_sel_service_owner(conn, RANDOM_UUID, owner), SH_DB_OK);
	ck_assert_int_eq(sh_sel_service_owner(conn, "nope", owner), SH_DB_OK);
	sh_conn_close(&conn);

	static const char *const bad[] = {RANDOM_UUID, "not-a-uuid"};
	for (size_t i = 0; i < 2; i++) {
		char bpath[160];
		r = th_request("DELETE", service_path(bpath, sizeof(bpath), bad[i]), a.access_token,
			       NULL, NULL, NULL);
		ck_assert_problem(r, 404, "not_found");
		th_resp_free(&r);
	}
	free(live);
	free(id);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

void api_sel_services_change_tests(TCase *tc)
{
	tcase_add_test(tc, anyone_reads_by_id);
	tcase_add_test(tc, owner_patches);
	tcase_add_test(tc, only_owner_or_admin_changes);
	tcase_add_test(tc, delete_withdraws);
}
