/* SEL services: categories, create, and what happens to the services of owners who leave.
 * Reading, changing and withdrawing one (and who may) are in sel_services_changes_suite.c;
 * the list with its search, filters and pagination in sel_services_list_suite.c. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/sel/sel.h"
#include "schoolhub/util.h"
#include "sel_services_suite.h"

/* Declared here as well as in api.h, so the suite builds before the runner lists it. */
Suite *api_sel_services_suite(void);

/* --- GET /api/v1/sel/categories -------------------------------------------------- */

START_TEST(categories_in_three_languages)
{
	struct th_member a;
	th_member_register(&a, "categories");
	static const char *const codes[] = {"childcare", "transport", "tutoring", "cooking",
					    "repairs", "gardening", "languages", "computers",
					    "administrative_help", "other"};
	static const struct {
		const char *header;
		const char *childcare, *admin_help;
	} langs[] = {
		{NULL, "Garde d'enfants", "Aide administrative"},
		{"Accept-Language: fr-BE", "Garde d'enfants", "Aide administrative"},
		{"Accept-Language: nl-BE,nl;q=0.9", "Kinderopvang", "Administratieve hulp"},
		{"Accept-Language: en", "Childcare", "Administrative help"},
	};
	for (size_t l = 0; l < sizeof(langs) / sizeof(langs[0]); l++) {
		const char *extra[] = {langs[l].header, NULL};
		struct th_resp *r = th_request("GET", "/api/v1/sel/categories", a.access_token, NULL,
					       NULL, langs[l].header ? extra : NULL);
		ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
		ck_assert_str_eq(th_header(r, "Content-Type"), "application/json");
		json_t *items = items_of(r);
		ck_assert_int_eq(json_array_size(items), sizeof(codes) / sizeof(codes[0]));
		for (size_t i = 0; i < json_array_size(items); i++) {
			json_t *it = json_array_get(items, i);
			ck_assert_int_eq(json_object_size(it), 2);
			ck_assert_str_eq(json_string_value(json_object_get(it, "code")), codes[i]);
			ck_assert(strlen(json_string_value(json_object_get(it, "label"))) > 0);
		}
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "label")),
				 langs[l].childcare);
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 8), "label")),
				 langs[l].admin_help);
		th_resp_free(&r);
	}
	/* The C helpers the rest of the module uses. */
	ck_assert(sh_sel_category_valid("childcare"));
	ck_assert(sh_sel_category_valid("other"));
	ck_assert(!sh_sel_category_valid("Childcare"));
	ck_assert(!sh_sel_category_valid(""));
	ck_assert(!sh_sel_category_valid(NULL));
	ck_assert_str_eq(sh_sel_category_label("tutoring", SH_LANG_NL), "Bijles");
	ck_assert_str_eq(sh_sel_category_label("other", SH_LANG_EN), "Other");
	ck_assert_ptr_null(sh_sel_category_label("nope", SH_LANG_FR));
	th_member_free(&a);
}
END_TEST

/* --- POST /api/v1/sel/services --------------------------------------------------- */

START_TEST(create_success_and_shape)
{
	struct th_member a;
	th_member_register(&a, "offerer");
	const char *description = "Le mercredi après-midi.\nJusqu'à 3 enfants,\tà partir de 14h.";
	struct th_resp *r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s, s:s, s:i}",
				    "title", "  Garde d'enfants à Ixelles ", "description",
				    description, "category", "childcare", "kind", "offer",
				    "units_per_hour", 90);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_header(r, "Content-Type"), "application/json");
	static const char *const keys[] = {"id", "user_id", "owner", "title", "description",
					   "category", "kind", "units_per_hour", "is_active",
					   "created_at"};
	ck_assert_int_eq(json_object_size(r->json), sizeof(keys) / sizeof(keys[0]));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ck_assert_msg(json_object_get(r->json, keys[i]) != NULL, "missing %s", keys[i]);
	ck_assert(sh_uuid_valid(th_str(r, "id")));
	ck_assert_str_eq(th_str(r, "user_id"), a.id);
	json_t *owner = json_object_get(r->json, "owner");
	ck_assert_int_eq(json_object_size(owner), 3);
	ck_assert_str_eq(json_string_value(json_object_get(owner, "id")), a.id);
	ck_assert_str_eq(json_string_value(json_object_get(owner, "first_name")), "offerer");
	ck_assert_str_eq(json_string_value(json_object_get(owner, "last_name")), "Test");
	ck_assert_str_eq(th_str(r, "title"), "Garde d'enfants à Ixelles");
	/* Line breaks and tabs survive. */
	ck_assert_str_eq(th_str(r, "description"), description);
	ck_assert_str_eq(th_str(r, "category"), "childcare");
	ck_assert_str_eq(th_str(r, "kind"), "offer");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "units_per_hour")), 90);
	ck_assert(json_is_true(json_object_get(r->json, "is_active")));
	ck_assert_int_eq(strlen(th_str(r, "created_at")), 20);
	/* Owners are shown by name, never by contact data. */
	ck_assert_ptr_null(strstr(r->body, a.email));
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);

	/* Stored as sent, with the words search looks up (folded, punctuation cut). */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_services WHERE id = $1 AND user_id = $2", id, a.id), 1);
	char *search = db_service_text(id, "search_text");
	ck_assert_str_eq(search, " garde d enfants a ixelles le mercredi apres midi jusqu a 3 enfants a partir de 14h ");
	free(search);
	ck_assert(db_service_active(id));
	r = get_service(a.access_token, id);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(th_str(r, "description"), description);
	th_resp_free(&r);

	/* Minimal body: 60 units an hour, no description. */
	r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s}", "title", "Cherche covoiturage",
		    "category", "transport", "kind", "request");
	ck_assert_int_eq(r->status, 201);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "units_per_hour")), 60);
	ck_assert_str_eq(th_str(r, "description"), "");
	ck_assert_str_eq(th_str(r, "kind"), "request");
	th_resp_free(&r);
	/* null description is no description; CRLF becomes LF; limits are inclusive. */
	char title[130];
	memset(title, 't', 120);
	title[120] = '\0';
	r = th_json("POST", SERVICES, a.access_token, "{s:s, s:n, s:s, s:s, s:i}", "title", title,
		    "description", "category", "other", "kind", "offer", "units_per_hour", 1);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "description"), "");
	th_resp_free(&r);
	r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s, s:s, s:i}", "title", "ééé",
		    "description", "ligne 1\r\nligne 2", "category", "cooking", "kind", "offer",
		    "units_per_hour", 600);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	ck_assert_str_eq(th_str(r, "description"), "ligne 1\nligne 2");
	th_resp_free(&r);
	/* 2000 characters of two bytes each: counted in characters. */
	char *longdesc = malloc(4001);
	ck_assert_ptr_nonnull(longdesc);
	for (int i = 0; i < 2000; i++)
		memcpy(longdesc + 2 * i, "é", 2);
	longdesc[4000] = '\0';
	r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s, s:s}", "title", "Long",
		    "description", longdesc, "category", "languages", "kind", "offer");
	ck_assert_msg(r->status == 201, "%ld", r->status);
	th_resp_free(&r);
	free(longdesc);
	/* Every category is accepted. */
	static const char *const codes[] = {"childcare", "transport", "tutoring", "cooking",
					    "repairs", "gardening", "languages", "computers",
					    "administrative_help", "other"};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		free(create_service(a.access_token, "Catégorie", codes[i], "request"));
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_services WHERE user_id = $1", a.id, NULL), 15);
	free(id);
	th_member_free(&a);
}
END_TEST

START_TEST(create_validation)
{
	struct th_member a;
	th_member_register(&a, "cvalidation");
	/* Everything required missing, in field order. */
	struct th_resp *r = th_json("POST", SERVICES, a.access_token, "{}");
	ck_assert_problem(r, 422, "validation_failed");
	ck_assert_int_eq(api_err_count(r), 3);
	ck_assert_str_eq(api_err_field(r, 0), "title");
	ck_assert_str_eq(api_err_code(r, 0), "required");
	ck_assert_str_eq(api_err_field(r, 1), "category");
	ck_assert_str_eq(api_err_code(r, 1), "required");
	ck_assert_str_eq(api_err_field(r, 2), "kind");
	ck_assert_str_eq(api_err_code(r, 2), "required");
	th_resp_free(&r);

	static const char *const bad_categories[] = {"Childcare", "childcare ", "", "baking", "all"};
	for (size_t i = 0; i < sizeof(bad_categories) / sizeof(bad_categories[0]); i++) {
		r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s}", "title", "T",
			    "category", bad_categories[i], "kind", "offer");
		assert_field_error(r, "category", "invalid_category");
		ck_assert_int_eq(api_err_count(r), 1);
		th_resp_free(&r);
	}
	static const char *const bad_kinds[] = {"Offer", "offers", "", "ask", "request "};
	for (size_t i = 0; i < sizeof(bad_kinds) / sizeof(bad_kinds[0]); i++) {
		r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s}", "title", "T",
			    "category", "other", "kind", bad_kinds[i]);
		assert_field_error(r, "kind", "invalid_kind");
		ck_assert_int_eq(api_err_count(r), 1);
		th_resp_free(&r);
	}
	static const int bad_units[] = {0, -1, 601, 100000};
	for (size_t i = 0; i < sizeof(bad_units) / sizeof(bad_units[0]); i++) {
		r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s, s:i}", "title", "T",
			    "category", "other", "kind", "offer", "units_per_hour", bad_units[i]);
		assert_field_error(r, "units_per_hour", "out_of_range");
		th_resp_free(&r);
	}
	r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s, s:f}", "title", "T",
		    "category", "other", "kind", "offer", "units_per_hour", 60.0);
	assert_field_error(r, "units_per_hour", "invalid_type");
	th_resp_free(&r);
	r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s, s:s}", "title", "T",
		    "category", "other", "kind", "offer", "units_per_hour", "60");
	assert_field_error(r, "units_per_hour", "invalid_type");
	th_resp_free(&r);
	r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s, s:n}", "title", "T",
		    "category", "other", "kind", "offer", "units_per_hour");
	assert_field_error(r, "units_per_hour", "invalid_type");
	th_resp_free(&r);

	/* Title: blank, too long, control characters. */
	r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s}", "title", " \t ",
		    "category", "other", "kind", "offer");
	assert_field_error(r, "title", "required");
	th_resp_free(&r);
	char title[130];
	memset(title, 't', 121);
	title[121] = '\0';
	r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s}", "title", title,
		    "category", "other", "kind", "offer");
	assert_field_error(r, "title", "too_long");
	th_resp_free(&r);
	r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s}", "title", "two\nlines",
		    "category", "other", "kind", "offer");
	assert_field_error(r, "title", "invalid_text");
	th_resp_free(&r);
	r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s}", "title", "bell\007",
		    "category", "other", "kind", "offer");
	assert_field_error(r, "title", "invalid_text");
	th_resp_free(&r);
	/* Description: too long (2001 characters), control characters other than \n and \t. */
	char *longdesc = malloc(2002);
	ck_assert_ptr_nonnull(longdesc);
	memset(longdesc, 'd', 2001);
	longdesc[2001] = '\0';
	r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s, s:s}", "title", "T",
		    "description", longdesc, "category", "other", "kind", "offer");
	assert_field_error(r, "description", "too_long");
	th_resp_free(&r);
	free(longdesc);
	static const char *const bad_descriptions[] = {"nul\001l", "esc\033[31m", "lone\rcr", "del\177"};
	for (size_t i = 0; i < sizeof(bad_descriptions) / sizeof(bad_descriptions[0]); i++) {
		r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s, s:s}", "title", "T",
			    "description", bad_descriptions[i], "category", "other", "kind", "offer");
		assert_field_error(r, "description", "invalid_text");
		th_resp_free(&r);
	}
	r = th_json("POST", SERVICES, a.access_token, "{s:s, s:i, s:s, s:s}", "title", "T",
		    "description", 5, "category", "other", "kind", "offer");
	assert_field_error(r, "description", "invalid_type");
	th_resp_free(&r);

	/* Wrong types, unknown fields (is_active only on PATCH; ids are not the client's). */
	r = th_json("POST", SERVICES, a.access_token, "{s:i, s:b, s:[]}", "title", 1, "category",
		    1, "kind");
	ck_assert_problem(r, 422, "validation_failed");
	assert_field_error(r, "title", "invalid_type");
	assert_field_error(r, "category", "invalid_type");
	assert_field_error(r, "kind", "invalid_type");
	th_resp_free(&r);
	r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s, s:s}", "title", "T",
		    "category", "other", "kind", "offer", "user_id", RANDOM_UUID);
	assert_field_error(r, "user_id", "unknown_field");
	ck_assert_int_eq(api_err_count(r), 1);
	th_resp_free(&r);
	r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s, s:b}", "title", "T",
		    "category", "other", "kind", "offer", "is_active", 0);
	assert_field_error(r, "is_active", "unknown_field");
	th_resp_free(&r);
	r = th_request("POST", SERVICES, a.access_token, "title=T", "application/x-www-form-urlencoded", NULL);
	ck_assert_problem(r, 415, "unsupported_media_type");
	th_resp_free(&r);
	r = th_request("POST", SERVICES, a.access_token, "[]", NULL, NULL);
	ck_assert_problem(r, 400, "invalid_json");
	th_resp_free(&r);

	/* Messages come in the caller's language. */
	const char *nl[] = {"Accept-Language: nl", NULL};
	r = th_request("POST", SERVICES, a.access_token,
		       "{\"title\":\"T\",\"category\":\"x\",\"kind\":\"y\"}", NULL, nl);
	assert_field_error(r, "category", "invalid_category");
	assert_field_error(r, "kind", "invalid_kind");
	ck_assert_ptr_nonnull(strstr(r->body, "Onbekende categorie"));
	th_resp_free(&r);

	/* Nothing was stored. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_services WHERE user_id = $1", a.id, NULL), 0);
	th_member_free(&a);
}
END_TEST

/* --- Owners who left --------------------------------------------------------------- */

START_TEST(inactive_and_deleted_owners)
{
	struct th_member a, gone, off;
	th_member_register(&a, "remaining");
	th_member_register(&gone, "leaver");
	th_member_register(&off, "suspended");
	struct th_resp *r = th_json("POST", SERVICES, gone.access_token, "{s:s, s:s, s:s, s:s}",
				    "title", "Bricolage", "description", "Appelez-moi au 0470 12 34 56",
				    "category", "repairs", "kind", "offer");
	ck_assert_int_eq(r->status, 201);
	char *gone_id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	char *off_id = create_service(off.access_token, "Couture", "other", "offer");

	/* The GDPR export carries the member's services, withdrawn ones included. */
	char *withdrawn = create_service(gone.access_token, "Ancienne offre", "other", "request");
	char path[160];
	r = th_request("DELETE", service_path(path, sizeof(path), withdrawn), gone.access_token,
		       NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/users/me/export", gone.access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	json_t *services = json_object_get(json_object_get(r->json, "sel"), "services");
	ck_assert_int_eq(json_array_size(services), 2);
	json_t *first = json_array_get(services, 0), *second = json_array_get(services, 1);
	/* Oldest first; same-second rows come by id. */
	bool in_order = strcmp(json_string_value(json_object_get(first, "id")), gone_id) == 0;
	json_t *bricolage = in_order ? first : second;
	json_t *old = in_order ? second : first;
	ck_assert_str_eq(json_string_value(json_object_get(bricolage, "id")), gone_id);
	ck_assert_str_eq(json_string_value(json_object_get(bricolage, "description")), "Appelez-moi au 0470 12 34 56");
	ck_assert(json_is_true(json_object_get(bricolage, "is_active")));
	ck_assert_str_eq(json_string_value(json_object_get(old, "title")), "Ancienne offre");
	ck_assert(json_is_false(json_object_get(old, "is_active")));
	ck_assert(json_object_get(bricolage, "updated_at") != NULL);
	th_resp_free(&r);

	/* A deactivated account's services leave the list (not deleted: still its own). */
	struct sh_conn *conn = db_open();
	ck_assert_int_eq(sh_exec(conn, "UPDATE users SET active = $2 WHERE id = $1",
				 SH_ARGS(SH_TEXT(off.id), SH_BOOL(false)), NULL),
			 SH_DB_OK);
	sh_conn_close(&conn);
	char query[200];
	snprintf(query, sizeof(query), "user_id=%s", off.id);
	r = list_services(a.access_token, query);
	ck_assert_int_eq(json_array_size(items_of(r)), 0);
	th_resp_free(&r);
	r = get_service(a.access_token, off_id);
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "owner"), "first_name")), "suspended");
	th_resp_free(&r);

	/* A deleted member: services withdrawn, contact-prone description gone, and the
	 * owner shown as a former member in the caller's language. */
	r = th_json("DELETE", "/api/v1/users/me", gone.access_token, "{s:s}", "password", gone.password);
	ck_assert_msg(r->status == 204, "%ld %s", r->status, r->body);
	th_resp_free(&r);
	ck_assert(!db_service_active(gone_id));
	char *desc = db_service_text(gone_id, "description");
	ck_assert_str_eq(desc, "");
	free(desc);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_services WHERE user_id = $1 AND (is_active OR search_text <> '')", gone.id, NULL), 0);
	snprintf(query, sizeof(query), "user_id=%s", gone.id);
	r = list_services(a.access_token, query);
	ck_assert_int_eq(json_array_size(items_of(r)), 0);
	th_resp_free(&r);
	static const struct {
		const char *header, *name;
	} langs[] = {{NULL, "Ancien membre"}, {"Accept-Language: nl", "Voormalig lid"},
		     {"Accept-Language: en", "Former member"}};
	for (size_t i = 0; i < sizeof(langs) / sizeof(langs[0]); i++) {
		const char *extra[] = {langs[i].header, NULL};
		r = th_request("GET", service_path(path, sizeof(path), gone_id), a.access_token,
			       NULL, NULL, langs[i].header ? extra : NULL);
		ck_assert_int_eq(r->status, 200);
		json_t *owner = json_object_get(r->json, "owner");
		ck_assert_str_eq(json_string_value(json_object_get(owner, "id")), gone.id);
		ck_assert_str_eq(json_string_value(json_object_get(owner, "first_name")), langs[i].name);
		ck_assert_str_eq(json_string_value(json_object_get(owner, "last_name")), "");
		ck_assert(json_is_false(json_object_get(r->json, "is_active")));
		ck_assert_str_eq(th_str(r, "title"), "Bricolage");
		ck_assert_ptr_null(strstr(r->body, "0470"));
		th_resp_free(&r);
	}
	free(gone_id);
	free(off_id);
	free(withdrawn);
	th_member_free(&a);
	th_member_free(&gone);
	th_member_free(&off);
}
END_TEST

/* --- Authentication on every route ----------------------------------------------- */

START_TEST(every_route_needs_a_token)
{
	struct th_member a;
	th_member_register(&a, "sel_tokenless");
	char *id = create_service(a.access_token, "Protégé", "other", "offer");
	char path[160];
	service_path(path, sizeof(path), id);
	const struct api_call calls[] = {
		{"GET", "/api/v1/sel/categories", NULL},
		{"GET", SERVICES, NULL},
		{"POST", SERVICES, "{\"title\":\"T\",\"category\":\"other\",\"kind\":\"offer\"}"},
		{"GET", path, NULL},
		{"PATCH", path, "{\"title\":\"Stolen\"}"},
		{"DELETE", path, NULL},
	};
	api_assert_all_unauthorized(calls, sizeof(calls) / sizeof(calls[0]));
	/* Nothing happened. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_services WHERE user_id = $1", a.id, NULL), 1);
	struct th_resp *r = get_service(a.access_token, id);
	ck_assert_str_eq(th_str(r, "title"), "Protégé");
	ck_assert(json_is_true(json_object_get(r->json, "is_active")));
	th_resp_free(&r);
	free(id);
	th_member_free(&a);
}
END_TEST

Suite *api_sel_services_suite(void)
{
	Suite *s = suite_create("sel_services");
	TCase *tc = tcase_create("services");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, categories_in_three_languages);
	tcase_add_test(tc, create_success_and_shape);
	tcase_add_test(tc, create_validation);
	api_sel_services_change_tests(tc);
	api_sel_services_list_tests(tc);
	tcase_add_test(tc, inactive_and_deleted_owners);
	tcase_add_test(tc, every_route_needs_a_token);
	suite_add_tcase(s, tc);
	return s;
}
