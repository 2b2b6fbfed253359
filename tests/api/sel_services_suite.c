/* SEL services: categories, create, list (search, filters, pagination), read, change,
 * withdraw, and who may change what (owner or admin; everyone else 403). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "modules/sel/sel.h"
#include "modules/users/user_queries.h"
#include "schoolhub/store.h"
#include "schoolhub/util.h"

/* Declared here as well as in api.h, so the suite builds before the runner lists it. */
Suite *api_sel_services_suite(void);

#define RANDOM_UUID "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69"
#define SERVICES "/api/v1/sel/services"

static const char *service_path(char *buf, size_t size, const char *id)
{
	snprintf(buf, size, SERVICES "/%s", id);
	return buf;
}

/* Percent-encodes a query value (every byte outside the unreserved set). */
static void url_encode(char *out, size_t size, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && o + 4 < size; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p) != NULL) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
}

/* Creates a service and returns its id (malloc'ed). */
static char *create_service(const char *token, const char *title, const char *category,
			    const char *kind)
{
	struct th_resp *r = th_json("POST", SERVICES, token, "{s:s, s:s, s:s}", "title", title,
				    "category", category, "kind", kind);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

static struct th_resp *get_service(const char *token, const char *id)
{
	char path[160];
	return th_request("GET", service_path(path, sizeof(path), id), token, NULL, NULL, NULL);
}

static struct th_resp *list_services(const char *token, const char *query)
{
	char path[1200];
	snprintf(path, sizeof(path), SERVICES "%s%s", query ? "?" : "", query ? query : "");
	return th_request("GET", path, token, NULL, NULL, NULL);
}

static json_t *items_of(const struct th_resp *r)
{
	return json_object_get(r->json, "items");
}

static const char *item_id(const struct th_resp *r, size_t i)
{
	return json_string_value(json_object_get(json_array_get(items_of(r), i), "id"));
}

static bool list_has(const struct th_resp *r, const char *id)
{
	for (size_t i = 0; i < json_array_size(items_of(r)); i++)
		if (strcmp(item_id(r, i), id) == 0)
			return true;
	return false;
}

static struct sh_conn *db_open(void)
{
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(th_current->app->db, &error);
	ck_assert_msg(conn != NULL, "%s", error ? error : "");
	return conn;
}

/* One text column of sel_services for a service (malloc'ed; NULL for SQL NULL). */
static char *db_service_text(const char *id, const char *column)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT %s FROM sel_services WHERE id = $1", column);
	struct sh_conn *conn = db_open();
	struct sh_stmt *st = sh_stmt_prepare(conn, sql);
	ck_assert_ptr_nonnull(st);
	sh_stmt_bind_text(st, 1, id);
	ck_assert_int_eq(sh_stmt_step(st), SH_DB_ROW);
	const char *v = sh_stmt_col_text(st, 0);
	char *copy = v != NULL ? strdup(v) : NULL;
	sh_stmt_free(&st);
	sh_conn_close(&conn);
	return copy;
}

static bool db_service_active(const char *id)
{
	struct sh_conn *conn = db_open();
	struct sh_stmt *st = sh_stmt_prepare(conn, "SELECT is_active FROM sel_services WHERE id = $1");
	ck_assert_ptr_nonnull(st);
	sh_stmt_bind_text(st, 1, id);
	ck_assert_int_eq(sh_stmt_step(st), SH_DB_ROW);
	bool active = sh_stmt_col_bool(st, 0);
	sh_stmt_free(&st);
	sh_conn_close(&conn);
	return active;
}

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

/* --- GET /api/v1/sel/services ---------------------------------------------------- */

/* A member's own list can include withdrawn services (to publish them again); nobody
 * else's, except for an admin. */
START_TEST(own_list_with_withdrawn)
{
	struct th_member a, b, admin;
	th_member_register(&a, "ownlist");
	th_member_register(&b, "otherlist");
	th_member_register(&admin, "adminlist");
	api_promote(&admin, "admin");
	char *kept = create_service(a.access_token, "Cours de guitare", "tutoring", "offer");
	char *gone = create_service(a.access_token, "Tondre la pelouse", "gardening", "offer");
	char path[160], query[200];
	struct th_resp *r = th_request("DELETE", service_path(path, sizeof(path), gone),
				       a.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);

	snprintf(query, sizeof(query), "user_id=%s&include_withdrawn=true", a.id);
	r = list_services(a.access_token, query);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_int_eq(json_array_size(items_of(r)), 2);
	ck_assert(list_has(r, kept) && list_has(r, gone));
	for (size_t i = 0; i < 2; i++)
		ck_assert(json_is_boolean(json_object_get(json_array_get(items_of(r), i), "is_active")) &&
			  json_is_true(json_object_get(json_array_get(items_of(r), i), "is_active")) ==
				  (strcmp(item_id(r, i), kept) == 0));
	th_resp_free(&r);
	r = list_services(admin.access_token, query);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_array_size(items_of(r)), 2);
	th_resp_free(&r);
	r = list_services(b.access_token, query);
	ck_assert_int_eq(r->status, 403);
	ck_assert_str_eq(th_str(r, "code"), "forbidden");
	th_resp_free(&r);

	/* false, or absent: active ones only. */
	snprintf(query, sizeof(query), "user_id=%s&include_withdrawn=false", a.id);
	r = list_services(a.access_token, query);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_array_size(items_of(r)), 1);
	ck_assert_str_eq(item_id(r, 0), kept);
	th_resp_free(&r);
	snprintf(query, sizeof(query), "user_id=%s", a.id);
	r = list_services(b.access_token, query);
	ck_assert_int_eq(json_array_size(items_of(r)), 1);
	th_resp_free(&r);

	r = list_services(a.access_token, "include_withdrawn=true");
	ck_assert_int_eq(r->status, 422);
	assert_field_error(r, "user_id", "required");
	th_resp_free(&r);
	snprintf(query, sizeof(query), "user_id=%s&include_withdrawn=yes", a.id);
	r = list_services(a.access_token, query);
	ck_assert_int_eq(r->status, 422);
	assert_field_error(r, "include_withdrawn", "out_of_range");
	th_resp_free(&r);
	free(kept);
	free(gone);
	th_member_free(&a);
	th_member_free(&b);
	th_member_free(&admin);
}
END_TEST

/* Asserts the page is in (created_at DESC, id DESC) order. */
static void assert_newest_first(json_t *items, const char *prev_at, const char *prev_id)
{
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i);
		const char *at = json_string_value(json_object_get(it, "created_at"));
		const char *id = json_string_value(json_object_get(it, "id"));
		if (prev_at != NULL) {
			int c = strcmp(at, prev_at);
			ck_assert_msg(c < 0 || (c == 0 && strcmp(id, prev_id) < 0),
				      "order: %s/%s after %s/%s", at, id, prev_at, prev_id);
		}
		prev_at = at;
		prev_id = id;
	}
}

START_TEST(list_pagination_walk)
{
	struct th_member a, b;
	th_member_register(&a, "pager");
	th_member_register(&b, "pager_reader");
	enum { N = 7 };
	char *ids[N];
	for (int i = 0; i < N; i++) {
		char title[32];
		snprintf(title, sizeof(title), "Service %d", i);
		ids[i] = create_service(a.access_token, title, i % 2 ? "transport" : "tutoring",
					i % 3 ? "offer" : "request");
	}
	/* One member's services, three at a time: 3 + 3 + 1, each exactly once. */
	char query[400];
	bool seen[N] = {false};
	int pages = 0, total = 0;
	char *cursor = NULL;
	char *prev_at = NULL, *prev_id = NULL;
	do {
		if (cursor != NULL)
			snprintf(query, sizeof(query), "user_id=%s&limit=3&cursor=%s", a.id, cursor);
		else
			snprintf(query, sizeof(query), "user_id=%s&limit=3", a.id);
		struct th_resp *r = list_services(b.access_token, query);
		ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
		json_t *items = items_of(r);
		pages++;
		ck_assert_int_eq(json_array_size(items), pages < 3 ? 3 : 1);
		assert_newest_first(items, prev_at, prev_id);
		for (size_t i = 0; i < json_array_size(items); i++) {
			const char *id = item_id(r, i);
			bool found = false;
			for (int k = 0; k < N; k++)
				if (strcmp(ids[k], id) == 0) {
					ck_assert_msg(!seen[k], "duplicate %s", id);
					seen[k] = found = true;
				}
			ck_assert_msg(found, "foreign service %s", id);
			total++;
		}
		json_t *last = json_array_get(items, json_array_size(items) - 1);
		free(prev_at);
		free(prev_id);
		prev_at = strdup(json_string_value(json_object_get(last, "created_at")));
		prev_id = strdup(json_string_value(json_object_get(last, "id")));
		free(cursor);
		json_t *next = json_object_get(r->json, "next_cursor");
		ck_assert(json_object_get(r->json, "next_cursor") != NULL);
		cursor = json_is_string(next) ? strdup(json_string_value(next)) : NULL;
		ck_assert(pages < 3 ? cursor != NULL : json_is_null(next));
		th_resp_free(&r);
	} while (cursor != NULL && pages < 10);
	ck_assert_int_eq(pages, 3);
	ck_assert_int_eq(total, N);
	free(prev_at);
	free(prev_id);
	prev_at = prev_id = NULL;

	/* The whole list, two at a time: no duplicates, strictly newest first. */
	size_t walked = 0;
	int found_mine = 0;
	pages = 0;
	json_t *seen_ids = json_object();
	do {
		if (cursor != NULL)
			snprintf(query, sizeof(query), "limit=2&cursor=%s", cursor);
		else
			snprintf(query, sizeof(query), "limit=2");
		struct th_resp *r = list_services(a.access_token, query);
		ck_assert_int_eq(r->status, 200);
		json_t *items = items_of(r);
		ck_assert(json_array_size(items) <= 2);
		assert_newest_first(items, prev_at, prev_id);
		for (size_t i = 0; i < json_array_size(items); i++) {
			const char *id = item_id(r, i);
			ck_assert_msg(json_object_get(seen_ids, id) == NULL, "duplicate %s", id);
			json_object_set_new(seen_ids, id, json_true());
			ck_assert(json_is_true(json_object_get(json_array_get(items, i), "is_active")));
			for (int k = 0; k < N; k++)
				found_mine += strcmp(ids[k], id) == 0;
			walked++;
		}
		if (json_array_size(items) > 0) {
			json_t *last = json_array_get(items, json_array_size(items) - 1);
			free(prev_at);
			free(prev_id);
			prev_at = strdup(json_string_value(json_object_get(last, "created_at")));
			prev_id = strdup(json_string_value(json_object_get(last, "id")));
		}
		free(cursor);
		json_t *next = json_object_get(r->json, "next_cursor");
		cursor = json_is_string(next) ? strdup(json_string_value(next)) : NULL;
		th_resp_free(&r);
		pages++;
	} while (cursor != NULL && pages < 1000);
	ck_assert_int_eq(found_mine, N);
	/* As many as the database holds active services of active members. */
	ck_assert_int_eq((int64_t)walked,
			 api_db_count("SELECT COUNT(*) FROM sel_services s JOIN users u ON u.id = s.user_id "
				  "WHERE s.is_active AND u.active AND u.deleted_at IS NULL AND s.id <> $1",
				  RANDOM_UUID, NULL));
	json_decref(seen_ids);
	free(prev_at);
	free(prev_id);

	/* Default limit 20; limit bounds. */
	struct th_resp *r = list_services(a.access_token, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert(json_array_size(items_of(r)) <= 20);
	th_resp_free(&r);
	static const char *const bad_limits[] = {"limit=0", "limit=101", "limit=-1", "limit=abc", "limit="};
	for (size_t i = 0; i < sizeof(bad_limits) / sizeof(bad_limits[0]); i++) {
		r = list_services(a.access_token, bad_limits[i]);
		assert_field_error(r, "limit", "out_of_range");
		th_resp_free(&r);
	}
	r = list_services(a.access_token, "limit=100");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);

	/* Cursors are opaque but checked: garbage, other JSON, a bad date or id. */
	static const char *const bad_json[] = {
		"[\"2026-01-01T00:00:00Z\"]",
		"[\"2026-01-01T00:00:00Z\", \"not-a-uuid\"]",
		"[\"2026-02-30T00:00:00Z\", \"" RANDOM_UUID "\"]",
		"[\"2026-01-01T24:00:00Z\", \"" RANDOM_UUID "\"]",
		"[\"2026-01-01 00:00:00\", \"" RANDOM_UUID "\"]",
		"[\"yesterday\", \"" RANDOM_UUID "\"]",
		"[1, \"" RANDOM_UUID "\"]",
		"{\"a\": 1}",
	};
	char encoded[256];
	for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		/* base64url without padding, by hand: the test must not share the server's code. */
		static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		const unsigned char *s = (const unsigned char *)bad_json[i];
		size_t n = strlen(bad_json[i]), o = 0;
		for (size_t k = 0; k < n; k += 3) {
			unsigned v = (unsigned)s[k] << 16 | (k + 1 < n ? (unsigned)s[k + 1] << 8 : 0) |
				     (k + 2 < n ? s[k + 2] : 0);
			encoded[o++] = b64[(v >> 18) & 63];
			encoded[o++] = b64[(v >> 12) & 63];
			if (k + 1 < n)
				encoded[o++] = b64[(v >> 6) & 63];
			if (k + 2 < n)
				encoded[o++] = b64[v & 63];
		}
		encoded[o] = '\0';
		snprintf(query, sizeof(query), "cursor=%s", encoded);
		r = list_services(a.access_token, query);
		ck_assert_msg(r->status == 422, "%s: %ld %s", bad_json[i], r->status, r->body);
		assert_field_error(r, "cursor", "invalid_cursor");
		th_resp_free(&r);
	}
	static const char *const bad_cursors[] = {"cursor=***", "cursor=AAAA", "cursor="};
	for (size_t i = 0; i < sizeof(bad_cursors) / sizeof(bad_cursors[0]); i++) {
		r = list_services(a.access_token, bad_cursors[i]);
		assert_field_error(r, "cursor", "invalid_cursor");
		th_resp_free(&r);
	}
	for (int i = 0; i < N; i++)
		free(ids[i]);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

/* GETs the list with "q" (URL-encoded here) limited to "user_id"'s services. */
static struct th_resp *search(const char *token, const char *user_id, const char *q)
{
	char encoded[400], query[600];
	url_encode(encoded, sizeof(encoded), q);
	snprintf(query, sizeof(query), "user_id=%s&q=%s", user_id, encoded);
	return list_services(token, query);
}

START_TEST(search_ignores_case_and_accents)
{
	struct th_member a, b;
	th_member_register(&a, "searcher");
	th_member_register(&b, "searcher_b");
	char *velo = create_service(a.access_token, "Réparation de VÉLOS", "repairs", "offer");
	struct th_resp *r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s, s:s}",
				    "title", "Néerlandais", "description",
				    "Conversation en néerlandais.\nNiveau Ærø débutant, 100% garanti_",
				    "category", "languages", "kind", "offer");
	ck_assert_int_eq(r->status, 201);
	char *nl = strdup(th_str(r, "id"));
	th_resp_free(&r);
	char *other = create_service(a.access_token, "Jardin potager", "gardening", "request");

	static const struct {
		const char *q;
		bool velo, nl, other;
	} cases[] = {
		{"velo", true, false, false},
		{"VÉLO", true, false, false},
		{"réparation", true, false, false},
		{"Reparation De", true, false, false},
		{"NEERLANDAIS", false, true, false},
		{"néerlandais", false, true, false},
		{"aero debutant", false, true, false}, /* Æ folds to "ae", in the description */
		{"niveau", false, true, false},
		{"de", true, true, false},
		{"100%", false, true, false},
		{"%", false, false, false},     /* signs only: no word, no match (not a wildcard) */
		{"0% g", false, false, false},  /* words begin: "0" begins none */
		{"i_", false, false, false},    /* "garanti_" is the word "garanti" */
		{"_", false, false, false},
		{"\\", false, false, false},
		{"zzzz", false, false, false},
		{"jardin", false, false, true},
		{"reparation velos", true, false, false}, /* words apart: "réparation DE vélos" */
		{"  jardin   potager ", false, false, true},
		{"potager jardin", false, false, true},   /* words in any order */
		{"100% garanti", false, true, false},
		{"conversation neerlandais", false, true, false},
		{"   ", true, true, true},      /* blank: no filter at all */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = search(b.access_token, a.id, cases[i].q);
		ck_assert_msg(r->status == 200, "q=%s: %ld %s", cases[i].q, r->status, r->body);
		ck_assert_msg(list_has(r, velo) == cases[i].velo, "q=%s velo", cases[i].q);
		ck_assert_msg(list_has(r, nl) == cases[i].nl, "q=%s nl", cases[i].q);
		ck_assert_msg(list_has(r, other) == cases[i].other, "q=%s other", cases[i].q);
		th_resp_free(&r);
	}
	/* Empty q is no filter either. */
	r = search(b.access_token, a.id, "");
	ck_assert_int_eq(json_array_size(items_of(r)), 3);
	th_resp_free(&r);
	/* Searching another member's words across all members finds them too. */
	r = list_services(b.access_token, "q=potager");
	ck_assert(list_has(r, other));
	th_resp_free(&r);
	/* After a PATCH the old words no longer match, the new ones do. */
	char path[160];
	r = th_json("PATCH", service_path(path, sizeof(path), velo), a.access_token, "{s:s, s:s}",
		    "title", "Entretien de trottinettes", "category", "other");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = search(b.access_token, a.id, "velo");
	ck_assert(!list_has(r, velo));
	th_resp_free(&r);
	r = search(b.access_token, a.id, "TROTTINETTE");
	ck_assert(list_has(r, velo));
	th_resp_free(&r);

	/* q validation. */
	char longq[120];
	memset(longq, 'q', 101);
	longq[101] = '\0';
	r = search(b.access_token, a.id, longq);
	assert_field_error(r, "q", "too_long");
	th_resp_free(&r);
	longq[100] = '\0';
	r = search(b.access_token, a.id, longq);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	r = search(b.access_token, a.id, "tab\there");
	assert_field_error(r, "q", "invalid_text");
	th_resp_free(&r);
	r = list_services(b.access_token, "q=%FF%FE");
	assert_field_error(r, "q", "invalid_text");
	th_resp_free(&r);
	free(velo);
	free(nl);
	free(other);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(list_filters)
{
	struct th_member a, b;
	th_member_register(&a, "filter_a");
	th_member_register(&b, "filter_b");
	char *a_offer = create_service(a.access_token, "Garde A", "childcare", "offer");
	char *a_request = create_service(a.access_token, "Besoin A", "childcare", "request");
	char *a_other = create_service(a.access_token, "Autre A", "administrative_help", "offer");
	char *b_offer = create_service(b.access_token, "Garde B", "childcare", "offer");
	char query[300];

	/* user_id */
	snprintf(query, sizeof(query), "user_id=%s", a.id);
	struct th_resp *r = list_services(b.access_token, query);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_array_size(items_of(r)), 3);
	ck_assert(list_has(r, a_offer) && list_has(r, a_request) && list_has(r, a_other));
	th_resp_free(&r);
	/* An upper-case user id names the same member. */
	char upper[40];
	snprintf(upper, sizeof(upper), "%s", a.id);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	snprintf(query, sizeof(query), "user_id=%s", upper);
	r = list_services(b.access_token, query);
	ck_assert_int_eq(json_array_size(items_of(r)), 3);
	th_resp_free(&r);
	snprintf(query, sizeof(query), "user_id=%s", RANDOM_UUID);
	r = list_services(b.access_token, query);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(json_array_size(items_of(r)), 0);
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
	th_resp_free(&r);

	/* kind and category, alone and together. */
	snprintf(query, sizeof(query), "user_id=%s&kind=offer", a.id);
	r = list_services(b.access_token, query);
	ck_assert_int_eq(json_array_size(items_of(r)), 2);
	ck_assert(list_has(r, a_offer) && list_has(r, a_other));
	th_resp_free(&r);
	snprintf(query, sizeof(query), "user_id=%s&kind=request", a.id);
	r = list_services(b.access_token, query);
	ck_assert_int_eq(json_array_size(items_of(r)), 1);
	ck_assert(list_has(r, a_request));
	th_resp_free(&r);
	snprintf(query, sizeof(query), "user_id=%s&category=administrative_help", a.id);
	r = list_services(b.access_token, query);
	ck_assert_int_eq(json_array_size(items_of(r)), 1);
	ck_assert(list_has(r, a_other));
	th_resp_free(&r);
	snprintf(query, sizeof(query), "user_id=%s&category=childcare&kind=offer&q=garde", a.id);
	r = list_services(b.access_token, query);
	ck_assert_int_eq(json_array_size(items_of(r)), 1);
	ck_assert(list_has(r, a_offer));
	th_resp_free(&r);
	r = list_services(a.access_token, "category=childcare&kind=offer&limit=100");
	ck_assert(list_has(r, a_offer) && list_has(r, b_offer));
	ck_assert(!list_has(r, a_request) && !list_has(r, a_other));
	for (size_t i = 0; i < json_array_size(items_of(r)); i++) {
		json_t *it = json_array_get(items_of(r), i);
		ck_assert_str_eq(json_string_value(json_object_get(it, "category")), "childcare");
		ck_assert_str_eq(json_string_value(json_object_get(it, "kind")), "offer");
	}
	th_resp_free(&r);
	/* Empty filters mean "any". */
	snprintf(query, sizeof(query), "user_id=%s&category=&kind=&q=", a.id);
	r = list_services(b.access_token, query);
	ck_assert_int_eq(json_array_size(items_of(r)), 3);
	th_resp_free(&r);

	/* Invalid filters: one error each, all reported together. */
	r = list_services(b.access_token, "category=baking");
	assert_field_error(r, "category", "invalid_category");
	th_resp_free(&r);
	r = list_services(b.access_token, "kind=gift");
	assert_field_error(r, "kind", "invalid_kind");
	th_resp_free(&r);
	r = list_services(b.access_token, "user_id=not-a-uuid");
	assert_field_error(r, "user_id", "invalid_uuid");
	th_resp_free(&r);
	r = list_services(b.access_token, "user_id=1%27%20OR%20%271%27=%271");
	assert_field_error(r, "user_id", "invalid_uuid");
	th_resp_free(&r);
	r = list_services(b.access_token, "category=x&kind=y&user_id=z&cursor=%21");
	ck_assert_problem(r, 422, "validation_failed");
	ck_assert_int_eq(api_err_count(r), 4);
	assert_field_error(r, "category", "invalid_category");
	assert_field_error(r, "kind", "invalid_kind");
	assert_field_error(r, "user_id", "invalid_uuid");
	assert_field_error(r, "cursor", "invalid_cursor");
	th_resp_free(&r);
	free(a_offer);
	free(a_request);
	free(a_other);
	free(b_offer);
	th_member_free(&a);
	th_member_free(&b);
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
	struct sh_stmt *st = sh_stmt_prepare(conn, "UPDATE users SET active = $2 WHERE id = $1");
	ck_assert_ptr_nonnull(st);
	sh_stmt_bind_text(st, 1, off.id);
	sh_stmt_bind_bool(st, 2, false);
	ck_assert_int_eq(sh_stmt_exec(st), SH_DB_OK);
	sh_stmt_free(&st);
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
	tcase_add_test(tc, anyone_reads_by_id);
	tcase_add_test(tc, owner_patches);
	tcase_add_test(tc, only_owner_or_admin_changes);
	tcase_add_test(tc, delete_withdraws);
	tcase_add_test(tc, own_list_with_withdrawn);
	tcase_add_test(tc, list_pagination_walk);
	tcase_add_test(tc, search_ignores_case_and_accents);
	tcase_add_test(tc, list_filters);
	tcase_add_test(tc, inactive_and_deleted_owners);
	tcase_add_test(tc, every_route_needs_a_token);
	suite_add_tcase(s, tc);
	return s;
}
