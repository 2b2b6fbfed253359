/*
 * What the SEL services topic files share (sel_services_suite.c: categories, create, owners
 * who left; sel_services_changes_suite.c: read, change, withdraw, who may;
 * sel_services_list_suite.c: the list, its pagination, search and filters). Their tests run
 * in one Check test case, in that order, on one shared server.
 */
#ifndef SCHOOLHUB_TESTS_SEL_SERVICES_SUITE_H
#define SCHOOLHUB_TESTS_SEL_SERVICES_SUITE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "schoolhub/store.h"

#define RANDOM_UUID "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69"
#define SERVICES "/api/v1/sel/services"

/* Each adds its file's tests to the services test case. */
void api_sel_services_change_tests(TCase *tc);
void api_sel_services_list_tests(TCase *tc);

static inline const char *service_path(char *buf, size_t size, const char *id)
{
	snprintf(buf, size, SERVICES "/%s", id);
	return buf;
}

/* Creates a service and returns its id (malloc'ed). */
static inline char *create_service(const char *token, const char *title, const char *category,
				   const char *kind)
{
	struct th_resp *r = th_json("POST", SERVICES, token, "{s:s, s:s, s:s}", "title", title,
				    "category", category, "kind", kind);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

static inline struct th_resp *get_service(const char *token, const char *id)
{
	char path[160];
	return th_request("GET", service_path(path, sizeof(path), id), token, NULL, NULL, NULL);
}

static inline struct th_resp *list_services(const char *token, const char *query)
{
	char path[1200];
	snprintf(path, sizeof(path), SERVICES "%s%s", query ? "?" : "", query ? query : "");
	return th_request("GET", path, token, NULL, NULL, NULL);
}

static inline json_t *items_of(const struct th_resp *r)
{
	return json_object_get(r->json, "items");
}

static inline const char *item_id(const struct th_resp *r, size_t i)
{
	return json_string_value(json_object_get(json_array_get(items_of(r), i), "id"));
}

static inline bool list_has(const struct th_resp *r, const char *id)
{
	for (size_t i = 0; i < json_array_size(items_of(r)); i++)
		if (strcmp(item_id(r, i), id) == 0)
			return true;
	return false;
}

static inline struct sh_conn *db_open(void)
{
	char *error = NULL;
	struct sh_conn *conn = sh_db_connect(th_current->app->db, &error);
	ck_assert_msg(conn != NULL, "%s", error ? error : "");
	return conn;
}

/* One text column of sel_services for a service (malloc'ed; NULL for SQL NULL). */
static inline char *db_service_text(const char *id, const char *column)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT %s FROM sel_services WHERE id = $1", column);
	struct sh_conn *conn = db_open();
	struct sh_stmt *st;
	ck_assert_int_eq(sh_query_row(conn, sql, SH_ARGS(SH_TEXT(id)), &st), SH_DB_ROW);
	const char *v = sh_stmt_col_text(st, 0);
	char *copy = v != NULL ? strdup(v) : NULL;
	sh_stmt_free(&st);
	sh_conn_close(&conn);
	return copy;
}

static inline bool db_service_active(const char *id)
{
	struct sh_conn *conn = db_open();
	struct sh_stmt *st;
	ck_assert_int_eq(sh_query_row(conn, "SELECT is_active FROM sel_services WHERE id = $1",
				      SH_ARGS(SH_TEXT(id)), &st),
			 SH_DB_ROW);
	bool active = sh_stmt_col_bool(st, 0);
	sh_stmt_free(&st);
	sh_conn_close(&conn);
	return active;
}

#endif
