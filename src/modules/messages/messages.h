/* The handlers of module "messages" (the route table is in messages_module.c) and what
 * they share. */
#ifndef SCHOOLHUB_MESSAGES_H
#define SCHOOLHUB_MESSAGES_H

#include <stdbool.h>

#include "schoolhub/http.h"

/* A message body: 1 to 4,000 characters (code points) of UTF-8 text. */
#define SH_MESSAGE_MAX_CHARS 4000
/* A group's title. */
#define SH_CONV_TITLE_MAX_CHARS 100
/* Messages one member may post per minute, all conversations together. */
#define SH_MESSAGES_PER_MINUTE 30
/* How long after posting its author may still edit a message. */
#define SH_MESSAGE_EDIT_WINDOW_S (15 * 60)

/* conversations_routes.c */
void sh_conv_create(struct sh_request *req, struct sh_response *res);
void sh_conv_list_get(struct sh_request *req, struct sh_response *res);
void sh_conv_get(struct sh_request *req, struct sh_response *res);
void sh_conv_patch(struct sh_request *req, struct sh_response *res);
/* members_routes.c */
void sh_conv_members_add(struct sh_request *req, struct sh_response *res);
void sh_conv_members_remove(struct sh_request *req, struct sh_response *res);
void sh_conv_read(struct sh_request *req, struct sh_response *res);
/* messages_routes.c */
void sh_messages_list(struct sh_request *req, struct sh_response *res);
void sh_messages_post(struct sh_request *req, struct sh_response *res);
void sh_messages_patch(struct sh_request *req, struct sh_response *res);
void sh_messages_delete(struct sh_request *req, struct sh_response *res);

/* messages_common.c */
/* Checks a text field (body, title): "required", "invalid_type", "too_short" (empty),
 * "too_long" (more than "max" code points), "invalid_text" (control characters other than
 * line breaks and tabs). True when "*value_r" is a valid text. */
bool sh_msg_text_field(json_t *obj, const char *field, size_t max, bool required,
		       const char **value_r, struct sh_validation *v);
/* Answers the conversation "id" as "user_id" sees it (its members included) with "status";
 * a conversation they are not in answers 404. */
void sh_conv_reply(struct sh_request *req, struct sh_response *res, const char *id,
		   unsigned status);

/* typing_audience.c: the realtime channel's typing audience (sh_typing_audience_fn), and
 * the module's init hook that registers it. */
struct sh_conn;
struct sh_arena;
struct sh_app;
int sh_msg_typing_audience(struct sh_conn *conn, struct sh_arena *arena, const char *user_id,
			   const char *conversation_id, const char ***others_r, size_t *count_r);
int sh_msg_init(struct sh_app *app, char **error_r);

#endif
