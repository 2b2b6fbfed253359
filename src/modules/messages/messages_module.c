/* Module "messages": the route table (conversations and messages at a glance) and the GDPR
 * hooks. */
#include "modules/messages/conversation_queries.h"
#include "modules/messages/message_queries.h"
#include "modules/messages/messages.h"
#include "schoolhub/modules.h"

#define AUTH SH_ROUTE_AUTH
#define AUTH_JSON (SH_ROUTE_AUTH | SH_ROUTE_JSON_BODY)

static const struct sh_route messages_routes[] = {
	{"POST", "/api/v1/conversations", sh_conv_create, AUTH_JSON, 0},
	{"GET", "/api/v1/conversations", sh_conv_list_get, AUTH, 0},
	{"GET", "/api/v1/conversations/{id}", sh_conv_get, AUTH, 0},
	{"PATCH", "/api/v1/conversations/{id}", sh_conv_patch, AUTH_JSON, 0},
	{"POST", "/api/v1/conversations/{id}/members", sh_conv_members_add, AUTH_JSON, 0},
	{"DELETE", "/api/v1/conversations/{id}/members/{user_id}", sh_conv_members_remove, AUTH,
	 0},
	{"GET", "/api/v1/conversations/{id}/messages", sh_messages_list, AUTH, 0},
	{"POST", "/api/v1/conversations/{id}/messages", sh_messages_post, AUTH_JSON, 0},
	{"POST", "/api/v1/conversations/{id}/read", sh_conv_read, AUTH_JSON, 0},
	{"PATCH", "/api/v1/messages/{id}", sh_messages_patch, AUTH_JSON, 0},
	{"DELETE", "/api/v1/messages/{id}", sh_messages_delete, AUTH, 0},
};

/* The member's conversations (with their own read marker and mute) and their messages. */
static enum sh_db_rc messages_export(struct sh_conn *conn, const char *user_id, json_t *out)
{
	json_t *part = json_object();
	json_object_set_new(out, "messages", part);
	json_t *conversations = json_array(), *messages = json_array();
	json_object_set_new(part, "conversations", conversations);
	json_object_set_new(part, "messages", messages);
	enum sh_db_rc rc = sh_conv_export(conn, user_id, conversations);
	return rc == SH_DB_OK ? sh_msg_export(conn, user_id, messages) : rc;
}

/* Bodies go, their places stay: the others' threads still read in order, with a tombstone
 * where the erased member spoke. Memberships and read markers go with the account. */
static enum sh_db_rc messages_erase(struct sh_conn *conn, const char *user_id, const char *now)
{
	enum sh_db_rc rc = sh_msg_erase_user(conn, user_id, now);
	return rc == SH_DB_OK ? sh_conv_erase_user(conn, user_id) : rc;
}

const struct sh_module sh_module_messages = {
	.name = "messages",
	.id = SH_MODULE_MESSAGES,
	.routes = messages_routes,
	.route_count = sizeof(messages_routes) / sizeof(messages_routes[0]),
	.export_part = messages_export,
	.erase_user = messages_erase,
	.init = sh_msg_init,
};
