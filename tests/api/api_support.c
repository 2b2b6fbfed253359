/* Helpers shared by the API suites. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "modules/users/user_queries.h"

const char *api_err_field(const struct th_resp *r, size_t i)
{
	return json_string_value(
		json_object_get(json_array_get(json_object_get(r->json, "errors"), i), "field"));
}

const char *api_err_code(const struct th_resp *r, size_t i)
{
	return json_string_value(
		json_object_get(json_array_get(json_object_get(r->json, "errors"), i), "code"));
}

size_t api_err_count(const struct th_resp *r)
{
	return json_array_size(json_object_get(r->json, "errors"));
}

bool api_has_error(const struct th_resp *r, const char *field, const char *code)
{
	for (size_t i = 0; i < api_err_count(r); i++) {
		const char *f = api_err_field(r, i), *c = api_err_code(r, i);
		if (f != NULL && c != NULL && strcmp(f, field) == 0 && strcmp(c, code) == 0)
			return true;
	}
	return false;
}

void assert_field_error(const struct th_resp *r, const char *field, const char *code)
{
	ck_assert_problem(r, 422, "validation_failed");
	ck_assert_msg(api_has_error(r, field, code), "no error %s/%s in %s", field, code, r->body);
}

/* A connection of its own to the running test server's database. */
static struct sh_conn *test_db_connect(void)
{
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(th_current->app->db, &error);
	ck_assert_msg(conn != NULL, "%s", error ? error : "");
	return conn;
}

int64_t api_db_count(const char *sql, const char *p1, const char *p2)
{
	struct sh_conn *conn = test_db_connect();
	int64_t n = 0;
	enum sh_db_rc rc = p2 != NULL
		? sh_query_int64(conn, sql, SH_ARGS(SH_TEXT(p1), SH_TEXT(p2)), &n)
		: sh_query_int64(conn, sql, SH_ARGS(SH_TEXT(p1)), &n);
	ck_assert_msg(rc == SH_DB_ROW, "%s: rc %d %s", sql, rc, sh_conn_last_error(conn));
	sh_conn_close(&conn);
	return n;
}

void api_db_exec(const char *sql, const char *p1, const char *p2)
{
	struct sh_conn *conn = test_db_connect();
	enum sh_db_rc rc = p2 != NULL ? sh_exec(conn, sql, SH_ARGS(SH_TEXT(p1), SH_TEXT(p2)), NULL)
				      : sh_exec(conn, sql, SH_ARGS(SH_TEXT(p1)), NULL);
	ck_assert_msg(rc == SH_DB_OK, "%s: rc %d %s", sql, rc, sh_conn_last_error(conn));
	sh_conn_close(&conn);
}

char *api_invite(const char *inviter_token, const char *child_id, const char *email)
{
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/children/%s/guardians", child_id);
	struct th_resp *r = th_json("POST", path, inviter_token, "{s:s}", "email", email);
	ck_assert_msg(r->status == 202, "invite: %ld %s", r->status, r->body);
	th_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/children/%s/guardian-invitations", child_id);
	r = th_request("GET", path, inviter_token, NULL, NULL, NULL);
	ck_assert_int_eq(r->status, 200);
	char *id = NULL;
	json_t *items = json_object_get(r->json, "items");
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *inv = json_array_get(items, i);
		if (strcmp(json_string_value(json_object_get(inv, "email")), email) == 0)
			id = strdup(json_string_value(json_object_get(inv, "id")));
	}
	ck_assert_msg(id != NULL, "no pending invitation for %s: %s", email, r->body);
	th_resp_free(&r);
	return id;
}

void api_link_coparent(const char *inviter_token, const char *child_id,
		       const struct th_member *invitee)
{
	char *id = api_invite(inviter_token, child_id, invitee->email);
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/guardian-invitations/%s/accept", id);
	struct th_resp *r = th_request("POST", path, invitee->access_token, NULL, NULL, NULL);
	ck_assert_msg(r->status == 200, "accept: %ld %s", r->status, r->body);
	th_resp_free(&r);
	free(id);
}

void api_promote(const struct th_member *m, const char *role)
{
	struct sh_conn *conn = test_db_connect();
	int64_t changed = 0;
	ck_assert_int_eq(sh_user_set_role(conn, m->email, role, "2026-01-01T00:00:00Z", &changed),
			 SH_DB_OK);
	ck_assert_int_eq(changed, 1);
	sh_conn_close(&conn);
}

void api_assert_all_unauthorized(const struct api_call *calls, size_t n)
{
	static const char *const tokens[] = {NULL, "garbage"};
	for (size_t t = 0; t < 2; t++)
		for (size_t i = 0; i < n; i++) {
			struct th_resp *r = th_request(calls[i].method, calls[i].path, tokens[t],
						       calls[i].body, NULL, NULL);
			ck_assert_msg(r->status == 401, "%s %s gave %ld", calls[i].method,
				      calls[i].path, r->status);
			ck_assert_problem(r, 401, "unauthorized");
			ck_assert_ptr_nonnull(strstr(th_header(r, "WWW-Authenticate"), "Bearer"));
			th_resp_free(&r);
		}
}

struct th_resp *api_get_not_modified(const char *path, const char *if_none_match,
				     const char *etag)
{
	char line[256];
	snprintf(line, sizeof(line), "If-None-Match: %s", if_none_match);
	const char *cond[] = {line, NULL};
	struct th_resp *r = th_request("GET", path, NULL, NULL, NULL, cond);
	ck_assert_int_eq(r->status, 304);
	ck_assert_uint_eq(r->body_len, 0);
	ck_assert_str_eq(th_header(r, "ETag"), etag);
	return r;
}
