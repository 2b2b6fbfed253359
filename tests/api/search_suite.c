/* Word search in the members and SEL directories (issues #10 and #11 item 9): words begin
 * words, in any order; the SEL's categories are known by their names in fr, nl and en;
 * plurals, accents and capitals do not matter; odd characters are words' separators,
 * never syntax; the word index follows every write. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "schoolhub/util.h"

/* Declared here as well as in api.h, so the suite builds before the runner lists it. */
Suite *api_search_suite(void);

#define SERVICES "/api/v1/sel/services"

static char *create_service(const char *token, const char *title, const char *description,
			    const char *category)
{
	struct th_resp *r = th_json("POST", SERVICES, token, "{s:s, s:s, s:s, s:s}", "title", title,
				    "description", description, "category", category, "kind",
				    "offer");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

/* GET "path" with "q" (encoded here) and "extra" query parameters. */
static struct th_resp *get_q(const char *token, const char *path, const char *q,
			     const char *extra)
{
	char encoded[800], url[1200];
	th_url_encode(encoded, sizeof(encoded), q);
	snprintf(url, sizeof(url), "%s?q=%s%s%s", path, encoded, extra ? "&" : "", extra ? extra : "");
	return th_request("GET", url, token, NULL, NULL, NULL);
}

/* The directory's services of "owner" matching "q". */
static struct th_resp *search(const char *token, const char *owner, const char *q)
{
	char extra[80];
	snprintf(extra, sizeof(extra), "user_id=%s", owner);
	struct th_resp *r = get_q(token, SERVICES, q, extra);
	ck_assert_msg(r->status == 200, "q=%s: %ld %s", q, r->status, r->body);
	return r;
}

static bool has_item(const struct th_resp *r, const char *id)
{
	json_t *items = json_object_get(r->json, "items");
	for (size_t i = 0; i < json_array_size(items); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(items, i), "id")), id) == 0)
			return true;
	return false;
}

static size_t item_count(const struct th_resp *r)
{
	return json_array_size(json_object_get(r->json, "items"));
}

static int64_t service_word_count(const char *service_id, const char *word)
{
	return api_db_count("SELECT COUNT(*) FROM sel_service_search_words "
			    "WHERE service_id = $1 AND word = $2",
			    service_id, word);
}

START_TEST(services_match_category_names_in_three_languages)
{
	struct th_member fr, nl;
	th_member_register(&fr, "velofr");
	th_member_register(&nl, "fietsnl");
	char *velo = create_service(fr.access_token, "Réparation de vélos",
				    "Freins, dérailleurs et crevaisons.", "repairs");
	char *opvang = create_service(fr.access_token, "Kinderopvang op woensdag",
				      "Bij ons thuis.", "childcare");
	static const struct {
		const char *q;
		bool velo, opvang;
	} cases[] = {
		{"fiets", true, false},          /* issue #11 item 9: Dutch, the repairs category */
		{"Fietsen", true, false},        /* Dutch plural */
		{"herstellingen", true, false},  /* the Dutch category name */
		{"herstelling", true, false},
		{"repairs", true, false},        /* English */
		{"bike", true, false},
		{"RÉPARATIONS", true, false},    /* French, capitals, accents, plural */
		{"reparation", true, false},
		{"vélo", true, false},
		{"VELOS", true, false},
		{"vel", true, false},            /* a word's beginning */
		{"elo", false, false},           /* not a word's middle */
		{"derailleurs freins", true, false}, /* every word, any order */
		{"fiets kinderopvang", false, false},
		{"garde", false, true},          /* the French name of childcare */
		{"childcare", false, true},
		{"kinderopvang", false, true},
		{"oppas", false, true},
		{"woensdag", false, true},
		{"kinderen", false, true},       /* Dutch plural of "kind": begins "kinderopvang" */
		{"gar", false, true},            /* names two categories ("garde", "garden"): both bound */
		{"bi", false, true},             /* "bij"; not "bike" (a category word) */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct th_resp *r = search(nl.access_token, fr.id, cases[i].q);
		ck_assert_msg(has_item(r, velo) == cases[i].velo, "q=%s velo: %s", cases[i].q, r->body);
		ck_assert_msg(has_item(r, opvang) == cases[i].opvang, "q=%s opvang: %s", cases[i].q,
			      r->body);
		th_resp_free(&r);
	}
	/* Across every member too, and with the other filters. */
	struct th_resp *r = get_q(nl.access_token, SERVICES, "fiets", "category=repairs&limit=100");
	ck_assert_int_eq(r->status, 200);
	ck_assert(has_item(r, velo));
	th_resp_free(&r);
	r = get_q(nl.access_token, SERVICES, "fiets", "category=childcare");
	ck_assert(!has_item(r, velo));
	th_resp_free(&r);
	free(velo);
	free(opvang);
	th_member_free(&fr);
	th_member_free(&nl);
}
END_TEST

START_TEST(services_plurals_fr_nl)
{
	struct th_member a, b;
	th_member_register(&a, "plurals");
	th_member_register(&b, "plurals_b");
	char *cake = create_service(a.access_token, "Gâteau d'anniversaire", "", "cooking");
	char *les = create_service(a.access_token, "Bijles wiskunde", "Een les per week.",
				   "tutoring");
	char *bus = create_service(a.access_token, "Trajet en bus", "", "transport");
	static const struct {
		const char *q;
		bool cake, les, bus;
	} cases[] = {
		{"gâteaux", true, false, false},      /* French -aux */
		{"anniversaires", true, false, false}, /* French -s */
		{"lessen", false, true, false},       /* Dutch -en after a doubled consonant */
		{"les", false, true, false},
		{"bussen", false, false, true},
		{"bus", false, false, true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct th_resp *r = search(b.access_token, a.id, cases[i].q);
		ck_assert_msg(has_item(r, cake) == cases[i].cake, "q=%s cake", cases[i].q);
		ck_assert_msg(has_item(r, les) == cases[i].les, "q=%s les", cases[i].q);
		ck_assert_msg(has_item(r, bus) == cases[i].bus, "q=%s bus", cases[i].q);
		th_resp_free(&r);
	}
	free(cake);
	free(les);
	free(bus);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(services_odd_characters_are_no_syntax)
{
	struct th_member a, b;
	th_member_register(&a, "oddchars");
	th_member_register(&b, "oddchars_b");
	char *s = create_service(a.access_token, "Cours de piano (débutants)",
				 "Solfège \"et\" 100% plaisir_garanti", "other");
	static const struct {
		const char *q;
		bool found;
	} cases[] = {
		{"piano*", true},       /* FTS prefix syntax: just a separator */
		{"\"piano\"", true},    /* FTS phrase quotes */
		{"(debutant)", true},
		{"-piano", true},       /* FTS NOT */
		{"+piano", true},
		{"piano NEAR solfege", false}, /* "near" is a word like any other */
		{"piano OR zzz", false},
		{"piano AND solfege", false},
		{"title:piano", false},
		{"^piano", true},
		{"pia%", true},
		{"pi_no", false},       /* "pi" and "no": "no" begins nothing here */
		{"100%", true},
		{"plaisir_garanti", true},
		{"'", false},
		{"%", false},           /* signs only: no word, no match */
		{"_", false},
		{"\\", false},
		{"%%%", false},
		{"'; DROP TABLE sel_services; --", false},
		{"piano\xe2\x80\x99s", true}, /* "piano’s" */
		{"PIANO \xf0\x9f\x8e\xb9", true}, /* an emoji separates words */
		{"cours de piano debutants solfege zzzz", true}, /* the first five words count */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct th_resp *r = search(b.access_token, a.id, cases[i].q);
		ck_assert_msg(has_item(r, s) == cases[i].found, "q=%s: %s", cases[i].q, r->body);
		th_resp_free(&r);
	}
	/* Nothing was dropped, and blank or empty q is no search at all. */
	struct th_resp *r = search(b.access_token, a.id, "   ");
	ck_assert(has_item(r, s));
	th_resp_free(&r);
	r = search(b.access_token, a.id, "");
	ck_assert(has_item(r, s));
	th_resp_free(&r);
	/* Error paths: too long, not text. */
	char longq[120];
	memset(longq, 'p', 101);
	longq[101] = '\0';
	r = get_q(b.access_token, SERVICES, longq, NULL);
	assert_field_error(r, "q", "too_long");
	th_resp_free(&r);
	r = th_request("GET", SERVICES "?q=%FF%FE", b.access_token, NULL, NULL, NULL);
	assert_field_error(r, "q", "invalid_text");
	th_resp_free(&r);
	r = th_request("GET", SERVICES "?q=pi%01ano", b.access_token, NULL, NULL, NULL);
	assert_field_error(r, "q", "invalid_text");
	th_resp_free(&r);
	r = get_q(NULL, SERVICES, "piano", NULL);
	ck_assert_problem(r, 401, "unauthorized");
	th_resp_free(&r);
	free(s);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(services_word_index_follows_writes)
{
	struct th_member a, b;
	th_member_register(&a, "indexfollows");
	th_member_register(&b, "indexfollows_b");
	char *s = create_service(a.access_token, "Tonte de pelouse", "Tondeuse fournie.", "other");
	/* Stored as words, indexed once each. */
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_services WHERE id = $1 AND "
				      "search_text = $2",
				      s, " tonte de pelouse tondeuse fournie "),
			 1);
	ck_assert_int_eq(service_word_count(s, "pelouse"), 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_service_search_words WHERE "
				      "service_id = $1", s, NULL), 5);
	char path[160];
	snprintf(path, sizeof(path), SERVICES "/%s", s);
	struct th_resp *r = th_json("PATCH", path, a.access_token, "{s:s}", "title",
				    "Taille de haies");
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	ck_assert_int_eq(service_word_count(s, "pelouse"), 0);
	ck_assert_int_eq(service_word_count(s, "haies"), 1);
	ck_assert_int_eq(service_word_count(s, "tondeuse"), 1);
	r = search(b.access_token, a.id, "pelouse");
	ck_assert(!has_item(r, s));
	th_resp_free(&r);
	r = search(b.access_token, a.id, "haie");
	ck_assert(has_item(r, s));
	th_resp_free(&r);
	/* A change that leaves the words alone keeps them. */
	r = th_json("PATCH", path, a.access_token, "{s:i}", "units_per_hour", 30);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
	ck_assert_int_eq(service_word_count(s, "haies"), 1);
	/* Withdrawn: out of the directory, still in its owner's list with the same search. */
	r = th_request("DELETE", path, a.access_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	r = search(b.access_token, a.id, "haies");
	ck_assert(!has_item(r, s));
	th_resp_free(&r);
	char extra[120];
	snprintf(extra, sizeof(extra), "user_id=%s&include_withdrawn=true", a.id);
	r = get_q(a.access_token, SERVICES, "haies", extra);
	ck_assert_int_eq(r->status, 200);
	ck_assert(has_item(r, s));
	th_resp_free(&r);
	/* The owner leaves: their services' words go with the description. */
	r = th_json("DELETE", "/api/v1/users/me", a.access_token, "{s:s}", "password", a.password);
	ck_assert_int_eq(r->status, 204);
	th_resp_free(&r);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM sel_service_search_words WHERE "
				      "service_id = $1", s, NULL), 0);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM user_search_words WHERE user_id = $1",
				      a.id, NULL),
			 0);
	free(s);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

START_TEST(services_search_pages)
{
	struct th_member a, b;
	th_member_register(&a, "searchpages");
	th_member_register(&b, "searchpages_b");
	char *ids[3];
	for (int i = 0; i < 3; i++)
		ids[i] = create_service(a.access_token, "Covoiturage matinal", "", "transport");
	char extra[200];
	snprintf(extra, sizeof(extra), "user_id=%s&limit=2", a.id);
	struct th_resp *r = get_q(b.access_token, SERVICES, "carpool", extra);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(item_count(r), 2);
	const char *cursor = th_str(r, "next_cursor");
	ck_assert_ptr_nonnull(cursor);
	snprintf(extra, sizeof(extra), "user_id=%s&limit=2&cursor=%s", a.id, cursor);
	th_resp_free(&r);
	r = get_q(b.access_token, SERVICES, "carpool", extra);
	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(item_count(r), 1);
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
	th_resp_free(&r);
	for (int i = 0; i < 3; i++)
		free(ids[i]);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

/* Each filter and the cursor is written into the SQL only when the request sets it
 * (service_queries.c: PostgreSQL's generic plan misjudged "x = COALESCE($n, x)"), so every
 * combination numbers its own parameters: each must still narrow the search alone. */
START_TEST(services_filters_narrow_a_search)
{
	struct th_member a, b;
	th_member_register(&a, "searchfilters");
	th_member_register(&b, "searchfilters_b");
	char *fix = create_service(a.access_token, "Xylofrak tandem", "", "repairs");
	char *pie = create_service(a.access_token, "Xylofrak tarte bleue", "", "cooking");
	struct th_resp *r = th_json("POST", SERVICES, a.access_token, "{s:s, s:s, s:s, s:s}",
				    "title", "Xylofrak zoektocht", "description", "", "category",
				    "other", "kind", "request");
	ck_assert_int_eq(r->status, 201);
	char *ask = strdup(th_str(r, "id"));
	th_resp_free(&r);
	char extra[300];
	static const struct {
		const char *q, *filters;
		int fix, pie, ask;
	} cases[] = {
		{"xylofrak", "", 1, 1, 1},
		{"xylofrak", "kind=request", 0, 0, 1},
		{"xylofrak", "category=cooking", 0, 1, 0},
		{"xylofrak", "category=cooking&kind=offer&user_id=", 0, 1, 0},
		{"xylofrak", "category=cooking&kind=request", 0, 0, 0},
		{"bleu xylofrak", "", 0, 1, 0},          /* a second word, bound by itself */
		{"xylofrak fiets", "kind=offer", 1, 0, 0}, /* a category's word and a filter */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(extra, sizeof(extra), "%s%s", cases[i].filters,
			 strstr(cases[i].filters, "user_id=") != NULL ? a.id : "");
		r = get_q(b.access_token, SERVICES, cases[i].q, extra);
		ck_assert_msg(r->status == 200, "%s %s: %ld %s", cases[i].q, extra, r->status, r->body);
		ck_assert_msg(has_item(r, fix) == cases[i].fix && has_item(r, pie) == cases[i].pie &&
				      has_item(r, ask) == cases[i].ask &&
				      item_count(r) == (size_t)(cases[i].fix + cases[i].pie + cases[i].ask),
			      "%s %s: %s", cases[i].q, extra, r->body);
		th_resp_free(&r);
	}
	/* A filter and the cursor together: two offers, one a page. */
	r = get_q(b.access_token, SERVICES, "xylofrak", "kind=offer&limit=1");
	ck_assert_int_eq(item_count(r), 1);
	bool first_fix = has_item(r, fix);
	snprintf(extra, sizeof(extra), "kind=offer&limit=1&cursor=%s", th_str(r, "next_cursor"));
	th_resp_free(&r);
	r = get_q(b.access_token, SERVICES, "xylofrak", extra);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_int_eq(item_count(r), 1);
	ck_assert(has_item(r, first_fix ? pie : fix));
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
	th_resp_free(&r);
	free(fix);
	free(pie);
	free(ask);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

/* --- members --------------------------------------------------------------------- */

static void rename_member(const struct th_member *m, const char *first, const char *last)
{
	struct th_resp *r = th_json("PATCH", "/api/v1/users/me", m->access_token, "{s:s, s:s}",
				    "first_name", first, "last_name", last);
	ck_assert_int_eq(r->status, 200);
	th_resp_free(&r);
}

START_TEST(members_match_word_beginnings)
{
	struct th_member a, b;
	th_member_register(&a, "wordsa");
	th_member_register(&b, "wordsb");
	rename_member(&a, "Anne-Sophie", "Van Der Zwalmbeke");
	static const struct {
		const char *q;
		bool found;
	} cases[] = {
		{"zwalm", true},
		{"ZWÂLMBEKE", true},
		{"walmbeke", false},          /* a word's middle */
		{"sophie zwalm", true},
		{"zwalm anne", true},         /* any order */
		{"van der zwalmbeke", true},
		{"anne-sophie", true},
		{"zwalm zwalm", true},
		{"zwalm pieter", false},      /* every word */
		{"zwalmbeke*", true},
		{"\"zwalmbeke\"", true},
		{"%", false},
		{"_", false},
		{"zwalmbekes", false},        /* names are not stemmed */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct th_resp *r = get_q(b.access_token, "/api/v1/users", cases[i].q, "limit=100");
		ck_assert_msg(r->status == 200, "q=%s: %ld %s", cases[i].q, r->status, r->body);
		ck_assert_msg(has_item(r, a.id) == cases[i].found, "q=%s: %s", cases[i].q, r->body);
		th_resp_free(&r);
	}
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM users WHERE id = $1 AND search_name = $2",
				      a.id, " anne sophie van der zwalmbeke "),
			 1);
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM user_search_words WHERE user_id = $1",
				      a.id, NULL),
			 5);
	/* Renamed: the old words leave the index, the new ones come in. */
	rename_member(&a, "Anne-Sophie", "Ottignies");
	ck_assert_int_eq(api_db_count("SELECT COUNT(*) FROM user_search_words WHERE user_id = $1 "
				      "AND word = $2",
				      a.id, "zwalmbeke"),
			 0);
	struct th_resp *r = get_q(b.access_token, "/api/v1/users", "ottig", NULL);
	ck_assert(has_item(r, a.id));
	th_resp_free(&r);
	/* Error paths. */
	char longq[120];
	memset(longq, 'z', 101);
	longq[101] = '\0';
	r = get_q(b.access_token, "/api/v1/users", longq, NULL);
	assert_field_error(r, "q", "invalid_text");
	th_resp_free(&r);
	r = th_request("GET", "/api/v1/users?q=%C3%28", b.access_token, NULL, NULL, NULL);
	assert_field_error(r, "q", "invalid_text");
	th_resp_free(&r);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

/* A rare word drives the members' query; the cursor and a second word are written in
 * only when given (user_queries.c), each with its own parameters. */
START_TEST(members_rare_word_pages)
{
	struct th_member m[3];
	static const char *const firsts[] = {"Alpha", "Beta", "Gamma"};
	for (int i = 0; i < 3; i++) {
		th_member_register(&m[i], "qorvix");
		rename_member(&m[i], firsts[i], "Qorvix");
	}
	struct th_resp *r = get_q(m[0].access_token, "/api/v1/users", "qorvix", "limit=2");
	ck_assert_int_eq(item_count(r), 2);
	ck_assert(has_item(r, m[0].id) && has_item(r, m[1].id)); /* in name order */
	char extra[300];
	snprintf(extra, sizeof(extra), "limit=2&cursor=%s", th_str(r, "next_cursor"));
	th_resp_free(&r);
	r = get_q(m[0].access_token, "/api/v1/users", "qorvix", extra);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	ck_assert_int_eq(item_count(r), 1);
	ck_assert(has_item(r, m[2].id));
	ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
	th_resp_free(&r);
	r = get_q(m[0].access_token, "/api/v1/users", "qorvix bet", extra);
	ck_assert_int_eq(item_count(r), 0); /* Beta is before the cursor */
	th_resp_free(&r);
	r = get_q(m[0].access_token, "/api/v1/users", "gam qorvix", "limit=1");
	ck_assert_int_eq(item_count(r), 1);
	ck_assert(has_item(r, m[2].id));
	th_resp_free(&r);
	for (int i = 0; i < 3; i++)
		th_member_free(&m[i]);
}
END_TEST

/* Past 300 indexed words (SEL) or 2000 (members) a word is checked row by row in the
 * list's order instead of driving the query from the index (service_queries.c,
 * user_queries.c): both ways must give the same rows, pages included. The rows are
 * written straight into the database (the triggers index them), as a big school's would
 * be. */
enum { DENSE_SERVICES = 320, DENSE_MEMBERS = 2010 };

START_TEST(dense_words_page_like_sparse_ones)
{
	struct th_member a, b;
	th_member_register(&a, "dense");
	th_member_register(&b, "dense_b");
	char id[SH_UUID_LEN + 1], email[80];
	for (int i = 0; i < DENSE_MEMBERS; i++) {
		if (i < DENSE_SERVICES) {
			sh_uuid_v4(id);
			api_db_exec("INSERT INTO sel_services (id, user_id, title, description, "
				    "category, kind, units_per_hour, is_active, search_text, "
				    "created_at, updated_at) VALUES ($1, $2, 'Qwelpdense', '', "
				    "'other', 'offer', 60, TRUE, ' qwelpdense ', "
				    "'2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z')",
				    id, a.id);
		}
		sh_uuid_v4(id);
		snprintf(email, sizeof(email), "dense%d.%s@example.be", i, id);
		api_db_exec("INSERT INTO users (id, email, password_hash, first_name, last_name, "
			    "created_at, updated_at, search_name) VALUES ($1, $2, '', 'Anna', "
			    "'Qwelpdense', '2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z', "
			    "' anna qwelpdense ')",
			    id, email);
	}
	char *rare = create_service(a.access_token, "Qwelpdense Zyqvox", "", "other");
	rename_member(&b, "Zyqvox", "Qwelpdense");
	/* Every page of the dense word, each row once; then a rare word among them. */
	static const char *const paths[] = {SERVICES, "/api/v1/users"};
	for (size_t p = 0; p < 2; p++) {
		char extra[600] = "limit=100";
		size_t total = 0;
		for (int page = 0; page < 30; page++) {
			struct th_resp *r = get_q(b.access_token, paths[p], "qwelpd", extra);
			ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
			total += item_count(r);
			json_t *next = json_object_get(r->json, "next_cursor");
			if (json_is_null(next)) {
				th_resp_free(&r);
				break;
			}
			snprintf(extra, sizeof(extra), "limit=100&cursor=%s", json_string_value(next));
			th_resp_free(&r);
		}
		ck_assert_uint_eq(total, (p == 0 ? DENSE_SERVICES : DENSE_MEMBERS) + 1);
		struct th_resp *r = get_q(b.access_token, paths[p], "qwelpdense zyqvox", NULL);
		ck_assert_uint_eq(item_count(r), 1);
		ck_assert(has_item(r, p == 0 ? rare : b.id));
		th_resp_free(&r);
		r = get_q(b.access_token, paths[p], "zyqv qwelp", NULL);
		ck_assert_uint_eq(item_count(r), 1);
		th_resp_free(&r);
	}
	free(rare);
	th_member_free(&a);
	th_member_free(&b);
}
END_TEST

Suite *api_search_suite(void)
{
	Suite *s = suite_create("search");
	TCase *tc = tcase_create("word_search");
	tcase_add_unchecked_fixture(tc, api_shared_server_start, api_shared_server_stop);
	tcase_set_timeout(tc, 600); /* valgrind: 2,330 rows inserted one by one */
	tcase_add_test(tc, services_match_category_names_in_three_languages);
	tcase_add_test(tc, services_plurals_fr_nl);
	tcase_add_test(tc, services_odd_characters_are_no_syntax);
	tcase_add_test(tc, services_word_index_follows_writes);
	tcase_add_test(tc, services_search_pages);
	tcase_add_test(tc, services_filters_narrow_a_search);
	tcase_add_test(tc, members_match_word_beginnings);
	tcase_add_test(tc, members_rare_word_pages);
	tcase_add_test(tc, dense_words_page_like_sparse_ones);
	suite_add_tcase(s, tc);
	return s;
}
