/* Helpers of the announcements suites (announcements_support.h). */
#include "announcements_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ann_member(struct th_member *m, const char *who, const char *role)
{
	th_member_register(m, who);
	if (role != NULL)
		api_promote(m, role);
}

char *ann_child(const char *token, const char *first, const char *class_name)
{
	struct th_resp *r = th_json("POST", "/api/v1/children", token, "{s:s, s:s, s:s}",
				    "first_name", first, "last_name", "Annonce", "class_name",
				    class_name);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

void ann_staff(const char *admin_token, const char *class_name, const char *staff_id)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/admin/classes/%s/staff", class_name);
	struct th_resp *r = th_json("PUT", path, admin_token, "{s:[s]}", "user_ids", staff_id);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	th_resp_free(&r);
}

struct th_resp *ann_post(const char *token, const char *body)
{
	return th_request("POST", "/api/v1/announcements", token, body, NULL, NULL);
}

char *ann_publish(const char *token, const char *title, const char *classes, bool requires_ack)
{
	char body[512];
	if (classes == NULL)
		snprintf(body, sizeof(body),
			 "{\"title\":\"%s\",\"body\":\"Texte\",\"audience\":{\"school\":true},"
			 "\"requires_ack\":%s}",
			 title, requires_ack ? "true" : "false");
	else
		snprintf(body, sizeof(body),
			 "{\"title\":\"%s\",\"body\":\"Texte\",\"audience\":{\"classes\":[\"%s\"]},"
			 "\"requires_ack\":%s}",
			 title, classes, requires_ack ? "true" : "false");
	struct th_resp *r = ann_post(token, body);
	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
	char *id = strdup(th_str(r, "id"));
	th_resp_free(&r);
	return id;
}

struct th_resp *ann_call(const char *method, const char *token, const char *id,
			 const char *suffix)
{
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/announcements/%s%s", id, suffix);
	return th_request(method, path, token, NULL, NULL, NULL);
}

bool ann_listed(const char *token, const char *id, json_t **item_r)
{
	struct th_resp *r = th_request("GET", "/api/v1/announcements?limit=100", token, NULL, NULL,
				       NULL);
	ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
	json_t *items = json_object_get(r->json, "items");
	bool found = false;
	for (size_t i = 0; i < json_array_size(items) && !found; i++) {
		json_t *item = json_array_get(items, i);
		if (strcmp(json_string_value(json_object_get(item, "id")), id) == 0) {
			found = true;
			if (item_r != NULL)
				*item_r = json_incref(item);
		}
	}
	th_resp_free(&r);
	return found;
}
