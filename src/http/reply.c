/* Building responses: JSON bodies, RFC 9457 problems and validation errors. */
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "schoolhub/http.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/log.h"
#include "schoolhub/util.h"

#define PROBLEM_TYPE_BASE "https://schoolhub.be/problems/"

void sh_res_header(struct sh_response *res, const char *name, const char *value)
{
	if (res->header_count == SH_MAX_EXTRA_HEADERS) {
		sh_log_error("too many response headers; dropped %s", name);
		return;
	}
	res->header_names[res->header_count] = name;
	res->header_values[res->header_count] = value;
	res->header_count++;
}

void sh_reply_raw(struct sh_response *res, unsigned status, const char *content_type,
		  const char *body, size_t len)
{
	res->status = status;
	res->content_type = content_type;
	res->body = body;
	res->body_len = len;
	res->replied = true;
}

void sh_reply_empty(struct sh_response *res, unsigned status)
{
	sh_reply_raw(res, status, NULL, "", 0);
}

static json_t *problem_object(struct sh_request *req, unsigned status, const char *code,
			      const char *detail);

/* The last resort when not even the localised 500 problem can be written: still every
 * member docs/openapi.yaml's Problem schema requires. */
static const char internal_error_text[] =
	"{\"type\":\"" PROBLEM_TYPE_BASE "internal_error\",\"title\":\"Internal server error\","
	"\"status\":500,\"detail\":\"Internal server error\",\"code\":\"internal_error\"}";

/* A serialised reply, or a 500 problem if it could not be written (invalid UTF-8 in a
 * value). */
static void reply_text(struct sh_request *req, struct sh_response *res, unsigned status,
		       const char *content_type, const char *text, size_t len)
{
	if (text == NULL) {
		sh_log_error("request %s: reply not serialisable as JSON", req->request_id);
		json_t *problem = problem_object(req, 500, "internal_error", NULL);
		text = problem ? sh_json_dump(req->arena, problem, &len) : NULL;
		json_decref(problem);
		if (text == NULL) {
			text = internal_error_text;
			len = sizeof(internal_error_text) - 1;
		}
		sh_reply_raw(res, 500, "application/problem+json", text, len);
		return;
	}
	sh_reply_raw(res, status, content_type, text, len);
}

static void reply_json_typed(struct sh_request *req, struct sh_response *res, unsigned status,
			     json_t *body, const char *content_type)
{
	if (body == NULL) {
		sh_reply_internal(req, res);
		return;
	}
	size_t len = 0;
	const char *text = sh_json_dump(req->arena, body, &len);
	json_decref(body);
	reply_text(req, res, status, content_type, text, len);
}

void sh_reply_json(struct sh_request *req, struct sh_response *res, unsigned status, json_t *body)
{
	reply_json_typed(req, res, status, body, "application/json");
}

void sh_reply_jw(struct sh_request *req, struct sh_response *res, unsigned status,
		 struct sh_jw *w)
{
	size_t len = 0;
	const char *text = sh_jw_text(w, &len);
	reply_text(req, res, status, "application/json", text, len);
}

void sh_page_begin(struct sh_request *req, struct sh_jw *w)
{
	sh_jw_init(w, req->arena);
	sh_jw_object_begin(w);
	sh_jw_key(w, "items");
	sh_jw_array_begin(w);
}

void sh_reply_page(struct sh_request *req, struct sh_response *res, struct sh_jw *w,
		   const char *next_cursor)
{
	sh_jw_array_end(w);
	sh_jw_kstring(w, "next_cursor", next_cursor);
	sh_jw_object_end(w);
	sh_reply_jw(req, res, 200, w);
}

static json_t *problem_object(struct sh_request *req, unsigned status, const char *code,
			      const char *detail)
{
	const char *title = sh_i18n_problem_title(code, req->lang);
	return json_pack("{s:s, s:s, s:i, s:s, s:s}", "type",
			 sh_arena_printf(req->arena, PROBLEM_TYPE_BASE "%s", code), "title", title,
			 "status", (int)status, "detail", detail ? detail : title, "code", code);
}

void sh_reply_problem(struct sh_request *req, struct sh_response *res, unsigned status,
		      const char *code, const char *detail)
{
	reply_json_typed(req, res, status, problem_object(req, status, code, detail),
			 "application/problem+json");
}

void sh_reply_problem_extended(struct sh_request *req, struct sh_response *res, unsigned status,
			       const char *code, const char *detail, json_t *members)
{
	json_t *problem = problem_object(req, status, code, detail);
	json_object_update_missing(problem, members);
	json_decref(members);
	reply_json_typed(req, res, status, problem, "application/problem+json");
}

void sh_reply_not_found(struct sh_request *req, struct sh_response *res)
{
	sh_reply_problem(req, res, 404, "not_found", NULL);
}

void sh_reply_internal(struct sh_request *req, struct sh_response *res)
{
	/* Never a detail: internals stay in the log, correlated by the request id. */
	sh_reply_problem(req, res, 500, "internal_error", NULL);
}

/* Every password-hashing slot stayed busy: too many password checks at once (a login
 * flood, most likely). A 429 tells clients to slow down; the server itself is fine. */
void sh_reply_busy(struct sh_request *req, struct sh_response *res)
{
	sh_res_header(res, "Retry-After", "2");
	sh_reply_problem(req, res, 429, "too_many_requests", NULL);
}

void sh_reply_db_error(struct sh_request *req, struct sh_response *res, enum sh_db_rc rc)
{
	/* SH_DB_TIMEOUT: PostgreSQL's statement or lock timeout; the transaction was rolled back. */
	if (rc == SH_DB_DOWN || rc == SH_DB_RETRY || rc == SH_DB_TIMEOUT) {
		sh_res_header(res, "Retry-After", "1");
		sh_reply_problem(req, res, 503, "service_unavailable", NULL);
		return;
	}
	if (rc == SH_DB_STORAGE) {
		/* The driver logged the cause; the client learns that nothing was saved. */
		sh_res_header(res, "Retry-After", "30");
		sh_reply_problem(req, res, 503, "storage_unavailable", NULL);
		return;
	}
	if (rc == SH_DB_DENIED) {
		/* The auth gate's deferred account check refused (SH_ROUTE_ACCOUNT_LATE): the
		 * gate replaces this reply with its own; nothing to log. */
		sh_reply_problem(req, res, 401, "unauthorized", NULL);
		return;
	}
	sh_log_error("request %s: database error %d on %s", req->request_id, (int)rc,
		     req->route_pattern ? req->route_pattern : req->path);
	sh_reply_internal(req, res);
}

void sh_reply_lookup_failed(struct sh_request *req, struct sh_response *res, enum sh_db_rc rc)
{
	if (rc == SH_DB_OK)
		sh_reply_not_found(req, res);
	else
		sh_reply_db_error(req, res, rc);
}

void sh_validation_add(struct sh_validation *v, const char *field, const char *code)
{
	if (v->count < SH_MAX_FIELD_ERRORS) {
		v->fields[v->count] = field;
		v->codes[v->count] = code;
		v->count++;
	}
}

int sh_validation_or_reply(struct sh_request *req, struct sh_response *res,
			   const struct sh_validation *v)
{
	if (v->count == 0)
		return 0;
	json_t *problem = problem_object(req, 422, "validation_failed", NULL);
	json_t *errors = json_array();
	for (size_t i = 0; i < v->count; i++)
		json_array_append_new(errors,
				      json_pack("{s:s, s:s, s:s}", "field", v->fields[i], "code",
						v->codes[i], "message",
						sh_i18n_field_message(v->codes[i], req->lang)));
	json_object_set_new(problem, "errors", errors);
	reply_json_typed(req, res, 422, problem, "application/problem+json");
	return -1;
}

void sh_json_check_allowed(struct sh_request *req, const char *const *allowed,
			   struct sh_validation *v)
{
	const char *key;
	json_t *value;
	json_object_foreach(req->json, key, value) {
		bool ok = false;
		for (const char *const *a = allowed; *a != NULL && !ok; a++)
			ok = strcmp(*a, key) == 0;
		if (!ok)
			sh_validation_add(v, sh_arena_strdup(req->arena, key), "unknown_field");
	}
}

int sh_json_allowed_fields_or_reply(struct sh_request *req, struct sh_response *res,
				    const char *const *allowed)
{
	struct sh_validation v = {0};
	sh_json_check_allowed(req, allowed, &v);
	return sh_validation_or_reply(req, res, &v);
}

bool sh_json_get_string(json_t *obj, const char *field, bool required, const char **value_r,
			struct sh_validation *v)
{
	json_t *value = json_object_get(obj, field);
	if (value == NULL) {
		if (required)
			sh_validation_add(v, field, "required");
		return false;
	}
	if (!json_is_string(value)) {
		sh_validation_add(v, field, "invalid_type");
		return false;
	}
	*value_r = json_string_value(value);
	return true;
}

bool sh_json_get_nullable_string(json_t *obj, const char *field, const char **value_r,
				 bool *is_null_r, struct sh_validation *v)
{
	json_t *value = json_object_get(obj, field);
	*is_null_r = false;
	if (value == NULL)
		return false;
	if (json_is_null(value)) {
		*is_null_r = true;
		*value_r = NULL;
		return true;
	}
	return sh_json_get_string(obj, field, false, value_r, v);
}

bool sh_json_get_bool(json_t *obj, const char *field, bool required, bool *value_r,
		      struct sh_validation *v)
{
	json_t *value = json_object_get(obj, field);
	if (value == NULL) {
		if (required)
			sh_validation_add(v, field, "required");
		return false;
	}
	if (!json_is_boolean(value)) {
		sh_validation_add(v, field, "invalid_type");
		return false;
	}
	*value_r = json_is_true(value);
	return true;
}

int sh_req_limit_or_reply(struct sh_request *req, struct sh_response *res, int *limit_r)
{
	const char *s = sh_req_query(req, "limit");
	*limit_r = 20;
	if (s == NULL)
		return 0;
	int n = 0;
	size_t len = strlen(s);
	bool ok = len > 0 && len <= 3;
	for (size_t i = 0; ok && i < len; i++) {
		ok = s[i] >= '0' && s[i] <= '9';
		n = n * 10 + (s[i] - '0');
	}
	if (!ok || n < 1 || n > 100) {
		struct sh_validation v = {0};
		sh_validation_add(&v, "limit", "out_of_range");
		return sh_validation_or_reply(req, res, &v);
	}
	*limit_r = n;
	return 0;
}

const char *sh_req_param(const struct sh_request *req, const char *name)
{
	for (size_t i = 0; i < req->param_count; i++)
		if (strcmp(req->param_names[i], name) == 0)
			return req->param_values[i];
	return NULL;
}

const char *sh_req_uuid_param(const struct sh_request *req, const char *name)
{
	char id[SH_UUID_LEN + 1];
	if (!sh_uuid_normalize(sh_req_param(req, name), id))
		return NULL;
	return sh_arena_strdup(req->arena, id);
}

const char *sh_req_header(const struct sh_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->transport, MHD_HEADER_KIND, name);
}

const char *sh_req_query(const struct sh_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->transport, MHD_GET_ARGUMENT_KIND, name);
}

static const char *const role_names[] = {"parent", "teacher", "admin"};

const char *sh_role_name(enum sh_role role)
{
	switch (role) {
	case SH_ROLE_TEACHER:
		return role_names[1];
	case SH_ROLE_ADMIN:
		return role_names[2];
	default:
		return role_names[0];
	}
}

int sh_role_parse(const char *name, enum sh_role *role_r)
{
	static const enum sh_role roles[] = {SH_ROLE_PARENT, SH_ROLE_TEACHER, SH_ROLE_ADMIN};
	for (int i = 0; i < 3; i++)
		if (name != NULL && strcmp(name, role_names[i]) == 0) {
			*role_r = roles[i];
			return 0;
		}
	return -1;
}
