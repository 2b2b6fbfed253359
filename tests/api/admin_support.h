/* Helpers of the admin suites (admin_*_suite.c): members, audit rows, the database. */
#ifndef SCHOOLHUB_TESTS_ADMIN_SUPPORT_H
#define SCHOOLHUB_TESTS_ADMIN_SUPPORT_H

#include <stdint.h>

#include "api.h"
#include "schoolhub/store.h"

/* Registers "m" ("who" prefix) and, when "role" is not NULL, gives it that role. */
void admin_register(struct th_member *m, const char *who, const char *role);
/* A child of "parent" in "class_name"; its id (malloc'ed). */
char *admin_child(const struct th_member *parent, const char *first_name, const char *class_name);
/* Audit rows with "action" whose targets include "target" (NULL: any) and actor "actor". */
int64_t admin_audit_rows(const char *action, const char *actor, const char *target);
/* A fresh connection to the running test server's database (close it after). */
struct sh_conn *admin_db(void);
/* GET "path" as "token", asserting "status"; the response (free it). */
struct th_resp *admin_get(const char *token, const char *path, long status);

#endif
