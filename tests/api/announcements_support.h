/* What the announcements suites share: members with a role, children, staff, publishing. */
#ifndef SCHOOLHUB_TESTS_ANNOUNCEMENTS_SUPPORT_H
#define SCHOOLHUB_TESTS_ANNOUNCEMENTS_SUPPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "api.h"

/* Registers "m" (prefix "who") and, unless NULL, gives it "role". */
void ann_member(struct th_member *m, const char *who, const char *role);
/* A child of "token"'s family in "class_name"; its id (malloc'ed). */
char *ann_child(const char *token, const char *first, const char *class_name);
/* Makes "staff_id" the only staff of "class_name" (as "admin_token"). */
void ann_staff(const char *admin_token, const char *class_name, const char *staff_id);
/* POST /api/v1/announcements with a raw JSON body. */
struct th_resp *ann_post(const char *token, const char *body);
/* Publishes to "classes" ("P3" or "P3\",\"P4"; NULL: the school), 201 expected; the
 * announcement's id (malloc'ed). */
char *ann_publish(const char *token, const char *title, const char *classes, bool requires_ack);
/* "GET|POST /api/v1/announcements/{id}<suffix>" */
struct th_resp *ann_call(const char *method, const char *token, const char *id,
			 const char *suffix);
/* Whether GET /api/v1/announcements?limit=100 for "token" lists "id"; "*item_r" (may be
 * NULL) receives a new reference to it. */
bool ann_listed(const char *token, const char *id, json_t **item_r);

#endif
