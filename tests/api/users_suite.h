/*
 * What the users topic files share (users_suite.c: the caller's account; users_directory_suite.c:
 * the members directory; users_gdpr_suite.c: export and deletion). The tests of all three run
 * in one Check test case, in this order, on one shared server: the directory counts members.
 */
#ifndef SCHOOLHUB_TESTS_USERS_SUITE_H
#define SCHOOLHUB_TESTS_USERS_SUITE_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "api.h"

/* Each adds its file's tests to the users test case. */
void api_users_directory_tests(TCase *tc);
void api_users_gdpr_tests(TCase *tc);

static inline struct th_resp *get_me(const char *token)
{
	return th_request("GET", "/api/v1/users/me", token, NULL, NULL, NULL);
}

static inline struct th_resp *login(const char *email, const char *password)
{
	return th_json("POST", "/api/v1/auth/login", NULL, "{s:s, s:s}", "email", email,
		       "password", password);
}

static inline struct th_resp *refresh(const char *token)
{
	return th_json("POST", "/api/v1/auth/refresh", NULL, "{s:s}", "refresh_token", token);
}

/* GET /api/v1/users with a query string (NULL: none). */
static inline struct th_resp *directory(const char *token, const char *query)
{
	char path[2048];
	snprintf(path, sizeof(path), "/api/v1/users%s%s", query ? "?" : "", query ? query : "");
	return th_request("GET", path, token, NULL, NULL, NULL);
}

static inline bool items_contain(const struct th_resp *r, const char *id)
{
	json_t *items = json_object_get(r->json, "items");
	for (size_t i = 0; i < json_array_size(items); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(items, i), "id")), id) == 0)
			return true;
	return false;
}

#endif
