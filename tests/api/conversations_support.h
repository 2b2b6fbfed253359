/* Helpers of the conversations and messages suites. */
#ifndef SCHOOLHUB_TESTS_CONVERSATIONS_SUPPORT_H
#define SCHOOLHUB_TESTS_CONVERSATIONS_SUPPORT_H

#include "api.h"

/* POST /conversations {kind:"direct", user_id}: the response. */
struct th_resp *conv_direct(const char *token, const char *user_id);
/* A new group of the caller with the "n" members: asserts 201, returns its id (malloc'ed). */
char *conv_group_new(const char *token, const char *title, const char *const *ids, size_t n);
/* POST /conversations/{id}/messages {body}: the response. */
struct th_resp *msg_post(const char *token, const char *conv_id, const char *body);
/* Posts "body", asserts 201, returns the message id (malloc'ed). */
char *msg_new(const char *token, const char *conv_id, const char *body);
/* GET "path" (printf-style) with "token". */
struct th_resp *conv_get(const char *token, const char *fmt, ...);
/* The item of the caller's GET /conversations whose id is "id", or NULL (a copy to decref). */
json_t *conv_listed(const char *token, const char *id);
/* The id of class "name"'s conversation (fixed by migration 0011). */
const char *conv_class_id(const char *name);

#endif
