/*
 * The member events of module "messages" (schoolhub/events.h): written last in the
 * transaction of the change they describe, one row per member who should hear of it;
 * the handler wakes the realtime thread after the commit.
 */
#ifndef SCHOOLHUB_MESSAGES_EVENTS_H
#define SCHOOLHUB_MESSAGES_EVENTS_H

#include "schoolhub/arena.h"
#include "schoolhub/http.h"
#include "schoolhub/store.h"

/* "kind" with "data_json" to every member of "conversation_id", a class's derived members
 * included (message.created, message.edited, message.deleted). */
enum sh_db_rc sh_msg_events_fanout(struct sh_conn *conn, const char *conversation_id,
				   const char *kind, const char *data_json);

/* conversation.updated (the part every member sees alike: id, kind, title, class_name,
 * members_count) to every member, and to "also_user" when not NULL (a member who just
 * left or was removed, so their client drops it). */
enum sh_db_rc sh_msg_events_conversation(struct sh_conn *conn, struct sh_arena *arena,
					 const char *conversation_id, const char *also_user);

/* read.updated to the reader only: {conversation_id, read_seq, unread_count}. */
enum sh_db_rc sh_msg_events_read(struct sh_conn *conn, struct sh_arena *arena,
				 const char *conversation_id, const char *user_id,
				 int64_t read_seq, int64_t unread_count);

/* After the COMMIT of a change that wrote events. */
void sh_msg_events_wake(struct sh_request *req);

#endif
