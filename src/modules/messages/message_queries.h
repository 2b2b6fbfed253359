/* SQL for messages (module "messages"). Written once; runs on SQLite and PostgreSQL. */
#ifndef SCHOOLHUB_MESSAGE_QUERIES_H
#define SCHOOLHUB_MESSAGE_QUERIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "schoolhub/arena.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/store.h"

/* The columns a message's representation is read from (message_write), with "m" the
 * messages row and "au" its author's users row (LEFT JOIN: the author may be gone). */
#define SH_MESSAGE_COLUMNS                                                                   \
	"m.id, m.conversation_id, m.seq, m.author_id, au.first_name, au.last_name, m.body, "  \
	"m.reply_to, m.created_at, m.edited_at, m.deleted_at IS NOT NULL"
#define SH_MESSAGE_COLUMN_COUNT 11

/* Writes the message whose SH_MESSAGE_COLUMNS start at column "col" of "row" to "w":
 * {id, conversation_id, seq, author:{id, first_name, last_name}|null, body|null, reply_to,
 * created_at, edited_at, deleted}. */
void sh_message_write(struct sh_jw *w, struct sh_stmt *row, int col);

/* What the routes decide on about one message. */
struct sh_msg {
	char id[37], conversation_id[37], author_id[37];
	char created_at[32];
	bool deleted;
};

/* The message "id" when "user_id" is a member of its conversation: SH_DB_ROW with "*m",
 * SH_DB_OK otherwise (no such message, or not theirs to see), or a store error. */
enum sh_db_rc sh_msg_for_member(struct sh_conn *conn, const char *id, const char *user_id,
				struct sh_msg *m);

/* The message's representation as JSON text in the arena ("*json_r"); SH_DB_ROW or SH_DB_OK
 * when there is none. */
enum sh_db_rc sh_msg_json(struct sh_conn *conn, struct sh_arena *arena, const char *id,
			  const char **json_r);

/* The author's message with "client_id": SH_DB_ROW with its id and conversation. */
enum sh_db_rc sh_msg_by_client_id(struct sh_conn *conn, const char *author_id,
				  const char *client_id, char id_r[37], char conversation_id_r[37]);

/* The messages "author_id" posted since "since" (sh_query_window's tally, times in the
 * arena): the per-minute limit and its Retry-After. */
enum sh_db_rc sh_msg_recent(struct sh_conn *conn, struct sh_arena *arena, const char *author_id,
			    const char *since, struct sh_window_tally *tally_r);

/* SH_DB_ROW when "id" is a message of "conversation_id". */
enum sh_db_rc sh_msg_in_conversation(struct sh_conn *conn, const char *id,
				     const char *conversation_id);

/* A new message: takes the conversation's next seq (the UPDATE holds the row, so two
 * posts never share one), moves its activity time and the author's read marker. */
struct sh_msg_new {
	const char *conversation_id, *author_id, *body, *reply_to, *client_id, *now;
	char id[37];
	int64_t seq;
};
enum sh_db_rc sh_msg_insert(struct sh_conn *conn, struct sh_msg_new *m);

enum sh_db_rc sh_msg_edit(struct sh_conn *conn, const char *id, const char *body,
			  const char *now);
/* Makes the message a tombstone (body gone, deleted_at set); one already deleted stays. */
enum sh_db_rc sh_msg_tombstone(struct sh_conn *conn, const char *id, const char *now);

/* Messages of a conversation in seq order, written as values to "w": after "after" (when
 * >= 0) going forward, else before "before" (when > 0) going back, else the latest;
 * "limit" rows at most, oldest first either way. */
enum sh_db_rc sh_msg_page(struct sh_conn *conn, const char *conversation_id, int64_t before,
			  int64_t after, int limit, struct sh_jw *w);

/* GDPR: the member's own messages (tombstones included, without body). */
enum sh_db_rc sh_msg_export(struct sh_conn *conn, const char *user_id, json_t *items);
/* GDPR erasure: every message of "user_id" becomes a tombstone; the thread keeps its place. */
enum sh_db_rc sh_msg_erase_user(struct sh_conn *conn, const char *user_id, const char *now);

#endif
