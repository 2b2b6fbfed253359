/* Notifications of module "messages" (messages_notify.c explains the ref). */
#ifndef SCHOOLHUB_MESSAGES_NOTIFY_H
#define SCHOOLHUB_MESSAGES_NOTIFY_H

#include <stdint.h>

#include "schoolhub/arena.h"
#include "schoolhub/http.h"
#include "schoolhub/store.h"

/* "user_id"'s read marker of the conversation (0 when none). */
enum sh_db_rc sh_msg_read_seq(struct sh_conn *conn, const char *conversation_id,
			      const char *user_id, int64_t *read_seq_r);

/* The reader moved their marker from "old_read_seq": their notification about what came
 * after it is read, and its pending e-mail not sent. */
enum sh_db_rc sh_msg_notify_read(struct sh_conn *conn, struct sh_arena *arena,
				 const char *conversation_id, const char *user_id,
				 int64_t old_read_seq);

/* The caller just posted "body" in the direct conversation: notifies the other member
 * (direct_message) and reads the caller's own pending one (their marker was
 * "author_old_read_seq" before the post). In the post's transaction. */
enum sh_db_rc sh_msg_notify_direct(struct sh_request *req, struct sh_conn *conn,
				   const char *conversation_id, const char *body,
				   int64_t author_old_read_seq);

#endif
