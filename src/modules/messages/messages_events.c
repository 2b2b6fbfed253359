/* The member events of module "messages": one INSERT ... SELECT per change. */
#include "modules/messages/messages_events.h"

#include "modules/messages/conversation_queries.h"
#include "modules/messages/membership_sql.h"
#include "schoolhub/events.h"
#include "schoolhub/json_writer.h"

enum sh_db_rc sh_msg_events_fanout(struct sh_conn *conn, const char *conversation_id,
				   const char *kind, const char *data_json)
{
	return sh_exec(conn,
		       "INSERT INTO member_events (user_id, kind, data) SELECT k.user_id, $2, $3 "
		       "FROM (" SH_MEMBERS_OF("$1") ") k",
		       SH_ARGS(SH_TEXT(conversation_id), SH_TEXT(kind), SH_TEXT(data_json)), NULL);
}

enum sh_db_rc sh_msg_events_conversation(struct sh_conn *conn, struct sh_arena *arena,
					 const char *conversation_id, const char *also_user)
{
	const char *json = NULL;
	enum sh_db_rc rc = sh_conv_shared_json(conn, arena, conversation_id, &json);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc;
	rc = sh_msg_events_fanout(conn, conversation_id, "conversation.updated", json);
	if (rc == SH_DB_OK && also_user != NULL)
		rc = sh_event_add(conn, also_user, "conversation.updated", json, NULL);
	return rc;
}

enum sh_db_rc sh_msg_events_read(struct sh_conn *conn, struct sh_arena *arena,
				 const char *conversation_id, const char *user_id,
				 int64_t read_seq, int64_t unread_count)
{
	struct sh_jw w;
	sh_jw_init(&w, arena);
	sh_jw_object_begin(&w);
	sh_jw_kstring(&w, "conversation_id", conversation_id);
	sh_jw_kint(&w, "read_seq", read_seq);
	sh_jw_kint(&w, "unread_count", unread_count);
	sh_jw_object_end(&w);
	return sh_event_add(conn, user_id, "read.updated", sh_jw_text(&w, NULL), NULL);
}

void sh_msg_events_wake(struct sh_request *req)
{
	sh_events_wake(req->app);
}
