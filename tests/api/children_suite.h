/*
 * What the children topic files share (children_suite.c: create, list, read, change,
 * delete; children_access_suite.c: who may see and change a child, and unlinking
 * co-parents). Their tests run in one Check test case on one shared server.
 */
#ifndef SCHOOLHUB_TESTS_CHILDREN_SUITE_H
#define SCHOOLHUB_TESTS_CHILDREN_SUITE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api.h"

#define RANDOM_UUID "3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69"

/* Adds children_access_suite.c's tests to the children test case. */
void api_children_access_tests(TCase *tc);

static inline const char *child_path(char *buf, size_t size, const char *id)
{
	snprintf(buf, size, "/api/v1/children/%s", id);
	return buf;
}

static inline const char *guardians_path(char *buf, size_t size, const char *id)
{
	snprintf(buf, size, "/api/v1/children/%s/guardians", id);
	return buf;
}

static inline const char *guardian_path(char *buf, size_t size, const char *id, const char *user_id)
{
	snprintf(buf, size, "/api/v1/children/%s/guardians/%s", id, user_id);
	return buf;
}

/* Creates a child for "token" and returns its id (malloc'ed). */
static inline char *create_child(const char *token, const char *first, const char *class_name)
{
	struct th_resp *r = th_json("POST", "/api/v1/children", token, "{s:s, s:s, s:s, s:s}",
				    "first_name", first, "last_name", "Kind", "class_name",
				    class_name, "birth_date", "2019-05-17");
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

static inline struct th_resp *get_child(const char *token, const char *id)
{
	char path[160];
	return th_request("GET", child_path(path, sizeof(path), id), token, NULL, NULL, NULL);
}

static inline struct th_resp *list_children(const char *token)
{
	return th_request("GET", "/api/v1/children", token, NULL, NULL, NULL);
}

static inline int64_t guardian_rows(const char *child_id)
{
	return api_db_count("SELECT COUNT(*) FROM child_guardians WHERE child_id = $1", child_id, NULL);
}

static inline int64_t child_rows(const char *child_id)
{
	return api_db_count("SELECT COUNT(*) FROM children WHERE id = $1", child_id, NULL);
}

#endif
