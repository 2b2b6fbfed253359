/* Helpers of the conversations and messages suites. */
#include "conversations_support.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct th_resp *conv_direct(const char *token, const char *user_id)
{
	return th_json("POST", "/api/v1/conversations", token, "{s:s, s:s}", "kind", "direct",
		       "user_id", user_id);
}

char *conv_group_new(const char *token, const char *title, const char *const *ids, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_string(ids[i]));
	struct th_resp *r = th_json("POST", "/api/v1/conversations", token, "{s:s, s:s, s:o}",
				    "kind", "group", "title", title, "member_ids", list);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

struct th_resp *msg_post(const char *token, const char *conv_id, const char *body)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/conversations/%s/messages", conv_id);
	return th_json("POST", path, token, "{s:s}", "body", body);
}

char *msg_new(const char *token, const char *conv_id, const char *body)
{
	struct th_resp *r = msg_post(token, conv_id, body);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

struct th_resp *conv_get(const char *token, const char *fmt, ...)
{
	char path[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return th_request("GET", path, token, NULL, NULL, NULL);
}

json_t *conv_listed(const char *token, const char *id)
{
	struct th_resp *r = conv_get(token, "/api/v1/conversations?limit=100");
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	json_t *found = NULL, *items = json_object_get(r->json, "items");
	for (size_t i = 0; i < json_array_size(items) && found == NULL; i++) {
		json_t *c = json_array_get(items, i);
		if (strcmp(json_string_value(json_object_get(c, "id")), id) == 0)
			found = json_incref(c);
	}
	th_resp_free(&r);
	return found;
}

const char *conv_class_id(const char *name)
{
	static const char *const names[] = {"M1", "M2", "M3", "P1", "P2", "P3", "P4", "P5", "P6"};
	static char ids[9][37];
	for (int i = 0; i < 9; i++)
		if (strcmp(names[i], name) == 0) {
			snprintf(ids[i], sizeof(ids[i]), "00000000-0000-4000-8000-00000000c00%d",
				 i + 1);
			return ids[i];
		}
	ck_abort_msg("no class %s", name);
	return NULL;
}
