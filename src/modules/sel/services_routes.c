/*
 * SEL services: what members offer to do for others, or ask others to do, priced in
 * units per hour. Every signed-in member reads every service (that is the point of a
 * local exchange); only its owner or an admin changes or withdraws one, so here a
 * stranger gets 403, not 404.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modules/sel/sel.h"
#include "modules/sel/service_queries.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/text.h"
#include "schoolhub/util.h"

#define TITLE_MAX 120
#define DESCRIPTION_MAX 2000
#define UNITS_MIN 1
#define UNITS_MAX 600
#define UNITS_DEFAULT 60 /* one hour of anyone's time is worth one hour */
#define Q_MAX 100

/* "value" as a lower-case UUID (arena), or NULL when it is not one. */
static const char *uuid_or_null(struct sh_request *req, const char *value)
{
	char id[SH_UUID_LEN + 1];
	return sh_uuid_normalize(value, id) ? sh_arena_strdup(req->arena, id) : NULL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A trimmed arena copy of "value" (spaces, tabs and line breaks at both ends). */
static char *trimmed(struct sh_request *req, const char *value)
{
	while (is_space(*value))
		value++;
	size_t n = strlen(value);
	while (n > 0 && is_space(value[n - 1]))
		n--;
	return sh_arena_strndup(req->arena, value, n);
}

static const char *field_title(struct sh_request *req, const char *value, struct sh_validation *v)
{
	char *title = trimmed(req, value);
	size_t chars;
	if (*title == '\0') {
		sh_validation_add(v, "title", "required");
		return NULL;
	}
	if (!sh_utf8_valid_text(title, SIZE_MAX, &chars)) {
		sh_validation_add(v, "title", "invalid_text");
		return NULL;
	}
	if (chars > TITLE_MAX) {
		sh_validation_add(v, "title", "too_long");
		return NULL;
	}
	return title;
}

/*
 * Multi-line text: sh_utf8_valid_text refuses every control character, but a description
 * has paragraphs. CRLF becomes LF (what a textarea gives), then line feeds and tabs are
 * checked as if they were spaces: one character each, so the count stays right.
 */
static const char *field_description(struct sh_request *req, const char *value,
				     struct sh_validation *v)
{
	char *text = trimmed(req, value);
	char *w = text;
	for (const char *r = text; *r; r++)
		if (!(r[0] == '\r' && r[1] == '\n'))
			*w++ = *r;
	*w = '\0';
	char *probe = sh_arena_strdup(req->arena, text);
	for (char *p = probe; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	size_t chars;
	if (!sh_utf8_valid_text(probe, SIZE_MAX, &chars)) {
		sh_validation_add(v, "description", "invalid_text");
		return NULL;
	}
	if (chars > DESCRIPTION_MAX) {
		sh_validation_add(v, "description", "too_long");
		return NULL;
	}
	return text;
}

static bool valid_kind(const char *kind)
{
	return strcmp(kind, "offer") == 0 || strcmp(kind, "request") == 0;
}

/* units_per_hour: a JSON integer 1..600 (not 60.0, not "60"). */
static void read_units(struct sh_request *req, int64_t *units_r, struct sh_validation *v)
{
	json_t *value = json_object_get(req->json, "units_per_hour");
	if (value == NULL)
		return;
	if (!json_is_integer(value)) {
		sh_validation_add(v, "units_per_hour", "invalid_type");
		return;
	}
	json_int_t n = json_integer_value(value);
	if (n < UNITS_MIN || n > UNITS_MAX) {
		sh_validation_add(v, "units_per_hour", "out_of_range");
		return;
	}
	*units_r = (int64_t)n;
}

/* The fields of a service body; on POST title, category and kind are required. A field
 * left NULL (or units 0) was not sent. */
struct service_patch {
	const char *title, *description, *category, *kind;
	int64_t units_per_hour;
	bool has_active, is_active;
};

static void read_service_fields(struct sh_request *req, bool creating, struct service_patch *p,
				struct sh_validation *v)
{
	const char *s = NULL;
	bool is_null = false;
	if (sh_json_get_string(req->json, "title", creating, &s, v))
		p->title = field_title(req, s, v);
	/* null means "no description", the same as "". */
	if (sh_json_get_nullable_string(req->json, "description", &s, &is_null, v))
		p->description = is_null ? "" : field_description(req, s, v);
	if (sh_json_get_string(req->json, "category", creating, &s, v)) {
		if (sh_sel_category_valid(s))
			p->category = s;
		else
			sh_validation_add(v, "category", "invalid_category");
	}
	if (sh_json_get_string(req->json, "kind", creating, &s, v)) {
		if (valid_kind(s))
			p->kind = s;
		else
			sh_validation_add(v, "kind", "invalid_kind");
	}
	read_units(req, &p->units_per_hour, v);
	if (!creating && sh_json_get_bool(req->json, "is_active", false, &p->is_active, v))
		p->has_active = true;
}

/* Replies with the service "id" as the API shows it (404 if it vanished meanwhile). */
static void reply_service(struct sh_request *req, struct sh_response *res, const char *id,
			  unsigned status)
{
	json_t *service = NULL;
	enum sh_db_rc rc = sh_sel_service_json(req->db, id, sh_sel_former_member(req->lang),
					       &service);
	if (rc == SH_DB_ROW)
		sh_reply_json(req, res, status, service);
	else
		sh_reply_lookup_failed(req, res, rc);
}

/* The service of the path, or -1 after replying 404/5xx. */
static int service_or_reply(struct sh_request *req, struct sh_response *res, const char *id,
			    struct sh_sel_service *s)
{
	if (!sh_uuid_valid(id)) {
		sh_reply_not_found(req, res);
		return -1;
	}
	enum sh_db_rc rc = sh_sel_service_load(req->db, req->arena, id, s);
	if (rc == SH_DB_ROW)
		return 0;
	sh_reply_lookup_failed(req, res, rc); /* SH_DB_OK: no such service */
	return -1;
}

/* Only the owner or an admin may change a service: -1 after replying 403 otherwise. */
static int owner_or_admin_or_reply(struct sh_request *req, struct sh_response *res,
				   const struct sh_sel_service *s)
{
	if (strcmp(s->user_id, req->user.id) == 0 || req->user.role == SH_ROLE_ADMIN)
		return 0;
	sh_reply_problem(req, res, 403, "forbidden", NULL);
	return -1;
}

void sh_sel_services_create(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"title", "description", "category", "kind",
					      "units_per_hour", NULL};
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	struct service_patch p = {0};
	struct sh_validation v = {0};
	read_service_fields(req, true, &p, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	char id[SH_UUID_LEN + 1], now[SH_TIME_LEN + 1];
	sh_uuid_v4(id);
	sh_time_now(now);
	struct sh_sel_service s = {
		.id = id,
		.user_id = req->user.id,
		.title = p.title,
		.description = p.description != NULL ? p.description : "",
		.category = p.category,
		.kind = p.kind,
		.units_per_hour = p.units_per_hour != 0 ? p.units_per_hour : UNITS_DEFAULT,
		.is_active = true,
	};
	char *search = sh_sel_service_search_text(s.title, s.description);
	enum sh_db_rc rc = sh_sel_service_insert(req->db, &s, search, now);
	free(search);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	reply_service(req, res, id, 201);
}

/* Exactly "YYYY-MM-DDTHH:MM:SSZ" with a real date and time: anything else in a cursor
 * would reach PostgreSQL as an invalid timestamptz (a 500) instead of a 422. */
static bool valid_timestamp(const char *s)
{
	if (!sh_time_is_canonical(s) || s[17] == '6') /* no leap second either */
		return false;
	char date[11];
	memcpy(date, s, 10);
	date[10] = '\0';
	time_t t;
	return sh_date_parse(date, &t) == 0;
}

/* The directory's cursor: ["created_at", "id"] of the last service served. */
static int decode_cursor(struct sh_request *req, const char *cursor, const char **time_r,
			 const char **id_r)
{
	const char *parts[2];
	if (sh_cursor_decode(req->arena, cursor, 2, parts) != 0 || !valid_timestamp(parts[0]) ||
	    (*id_r = uuid_or_null(req, parts[1])) == NULL)
		return -1;
	*time_r = parts[0];
	return 0;
}

/* A query filter: absent or empty means "any" (a form's "all" choice sends ""). */
static const char *query_filter(struct sh_request *req, const char *name)
{
	const char *value = sh_req_query(req, name);
	return value != NULL && *value != '\0' ? value : NULL;
}

/* The directory's query parameters into "f"; field errors into "v". */
static void read_filter(struct sh_request *req, struct sh_sel_service_filter *f,
			struct sh_validation *v)
{
	/* A blank search is no search (not a search for spaces). */
	const char *q = query_filter(req, "q");
	if (q != NULL && *(q = trimmed(req, q)) == '\0')
		q = NULL;
	size_t chars;
	if (q != NULL) {
		if (!sh_utf8_valid_text(q, SIZE_MAX, &chars))
			sh_validation_add(v, "q", "invalid_text");
		else if (chars > Q_MAX)
			sh_validation_add(v, "q", "too_long");
		else
			f->n_words = sh_sel_search_parse(req->arena, q, f->words,
							 SH_SEL_SEARCH_WORDS_MAX);
		f->searched = true;
	}
	f->category = query_filter(req, "category");
	if (f->category != NULL && !sh_sel_category_valid(f->category))
		sh_validation_add(v, "category", "invalid_category");
	f->kind = query_filter(req, "kind");
	if (f->kind != NULL && !valid_kind(f->kind))
		sh_validation_add(v, "kind", "invalid_kind");
	const char *user_filter = query_filter(req, "user_id");
	f->user_id = uuid_or_null(req, user_filter);
	if (user_filter != NULL && f->user_id == NULL)
		sh_validation_add(v, "user_id", "invalid_uuid");
	const char *withdrawn = query_filter(req, "include_withdrawn");
	if (withdrawn != NULL && strcmp(withdrawn, "true") != 0 && strcmp(withdrawn, "false") != 0)
		sh_validation_add(v, "include_withdrawn", "out_of_range");
	f->with_withdrawn = withdrawn != NULL && strcmp(withdrawn, "true") == 0;
	if (f->with_withdrawn && user_filter == NULL)
		sh_validation_add(v, "user_id", "required");
	const char *cursor = sh_req_query(req, "cursor");
	if (cursor != NULL && decode_cursor(req, cursor, &f->after_time, &f->after_id) != 0)
		sh_validation_add(v, "cursor", "invalid_cursor");
}

void sh_sel_services_list(struct sh_request *req, struct sh_response *res)
{
	int limit;
	if (sh_req_limit_or_reply(req, res, &limit) != 0)
		return;
	struct sh_sel_service_filter f = {0};
	struct sh_validation v = {0};
	read_filter(req, &f, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	/* Withdrawn services are their owner's business (and an admin's). The role is the
	 * account check's (SH_ROUTE_ACCOUNT_LATE: on PostgreSQL it may still be pending,
	 * to travel with the search's first read): settled here first, alone. */
	if (f.with_withdrawn && strcmp(f.user_id, req->user.id) != 0) {
		enum sh_db_rc rc = sh_conn_guard_settle(req->db);
		if (rc != SH_DB_OK) {
			sh_reply_db_error(req, res, rc);
			return;
		}
		if (req->user.role != SH_ROLE_ADMIN) {
			sh_reply_problem(req, res, 403, "forbidden", NULL);
			return;
		}
	}
	struct sh_jw w;
	struct sh_sel_services_page page = {0};
	sh_page_begin(req, &w);
	/* A q of only signs ("%", "-") searches for no word: nothing matches it. */
	enum sh_db_rc rc = f.searched && f.n_words == 0
				   ? SH_DB_OK
				   : sh_sel_services_search(req->db, req->arena, &f, limit,
							    sh_sel_former_member(req->lang), &w,
							    &page);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_reply_page(req, res, &w,
		      page.more ? sh_cursor_encode(req->arena,
						   (const char *[]){page.last_created_at, page.last_id},
						   2)
				: NULL);
}

void sh_sel_services_get(struct sh_request *req, struct sh_response *res)
{
	const char *id = sh_req_uuid_param(req, "id");
	if (!sh_uuid_valid(id)) {
		sh_reply_not_found(req, res);
		return;
	}
	reply_service(req, res, id, 200);
}

struct patch_tx {
	const char *id;
	const struct service_patch *patch;
	struct sh_arena *arena;
	const char *now;
	bool missing;
};

/* Re-reads the row inside the write transaction and merges the patch into it, so two
 * concurrent PATCHes of different fields both land. */
static enum sh_db_rc patch_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	struct patch_tx *t = ctx;
	const struct service_patch *p = t->patch;
	struct sh_sel_service s = {0};
	t->missing = false;
	enum sh_db_rc rc = sh_sel_service_load(conn, t->arena, t->id, &s);
	if (rc != SH_DB_ROW) {
		t->missing = rc == SH_DB_OK; /* none: gone since the handler read it */
		*rollback_r = true;
		return rc;
	}
	if (p->title != NULL)
		s.title = p->title;
	if (p->description != NULL)
		s.description = p->description;
	if (p->category != NULL)
		s.category = p->category;
	if (p->kind != NULL)
		s.kind = p->kind;
	if (p->units_per_hour != 0)
		s.units_per_hour = p->units_per_hour;
	if (p->has_active)
		s.is_active = p->is_active;
	char *search = sh_sel_service_search_text(s.title, s.description);
	rc = sh_sel_service_update(conn, &s, search, t->now);
	free(search);
	return rc;
}

void sh_sel_services_patch(struct sh_request *req, struct sh_response *res)
{
	static const char *const allowed[] = {"title", "description", "category", "kind",
					      "units_per_hour", "is_active", NULL};
	const char *id = sh_req_uuid_param(req, "id");
	struct sh_sel_service current = {0};
	if (service_or_reply(req, res, id, &current) != 0 ||
	    owner_or_admin_or_reply(req, res, &current) != 0)
		return;
	if (sh_json_allowed_fields_or_reply(req, res, allowed) != 0)
		return;
	struct service_patch p = {0};
	struct sh_validation v = {0};
	read_service_fields(req, false, &p, &v);
	if (sh_validation_or_reply(req, res, &v) != 0)
		return;
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	struct patch_tx t = {id, &p, req->arena, now, false};
	enum sh_db_rc rc = sh_conn_transaction(req->db, SH_TX_WRITE, patch_in_tx, &t);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	if (t.missing) {
		sh_reply_not_found(req, res);
		return;
	}
	reply_service(req, res, id, 200);
}

void sh_sel_services_delete(struct sh_request *req, struct sh_response *res)
{
	const char *id = sh_req_uuid_param(req, "id");
	struct sh_sel_service current = {0};
	if (service_or_reply(req, res, id, &current) != 0 ||
	    owner_or_admin_or_reply(req, res, &current) != 0)
		return;
	/* Withdrawn, never removed: past transactions may name the service. Withdrawing
	 * twice is no error. */
	char now[SH_TIME_LEN + 1];
	sh_time_now(now);
	enum sh_db_rc rc = sh_sel_service_set_active(req->db, id, false, now);
	if (rc != SH_DB_OK) {
		sh_reply_db_error(req, res, rc);
		return;
	}
	sh_reply_empty(res, 204);
}
