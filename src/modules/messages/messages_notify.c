/*
 * What module "messages" tells members through the notifications module (schoolhub/
 * notify.h), written in the post's or the read's own transaction.
 *
 * Only direct conversations notify (kind "direct_message"): a group or class message
 * reaches many people who follow the thread in the app (its unread count and realtime
 * event), and an e-mail per group message would be noise. A member who muted the
 * conversation is not notified either.
 *
 * The ref is "conversation:<id>:<the recipient's read marker when the message came>": the
 * messages that arrive while the member has not read on share one notification (one
 * e-mail, not one per message), and once they read, the next message opens a new one.
 * Reading (moving the marker from M) calls sh_notify_read_ref on ".../M": the pending
 * e-mail (held 10 minutes, notify_kinds.c) is then not sent and the bell shows it read.
 * Posting moves the author's own marker too (they have read what they answer), so it
 * does the same for the author.
 */
#include <string.h>

#include "modules/messages/messages_notify.h"
#include "schoolhub/notify.h"
#include "schoolhub/util.h"

/* The text shown in the notification: the first characters of the message. */
#define EXCERPT_CHARS 140

static const char *excerpt(struct sh_arena *arena, const char *body)
{
	size_t chars = 0, i = 0;
	for (; body[i] != '\0'; i++)
		if (((unsigned char)body[i] & 0xC0) != 0x80 && chars++ == EXCERPT_CHARS)
			return sh_arena_printf(arena, "%.*s…", (int)i, body);
	return body;
}

static const char *ref_of(struct sh_arena *arena, const char *conversation_id, int64_t read_seq)
{
	return sh_arena_printf(arena, "conversation:%s:%lld", conversation_id,
			       (long long)read_seq);
}

enum sh_db_rc sh_msg_read_seq(struct sh_conn *conn, const char *conversation_id,
			      const char *user_id, int64_t *read_seq_r)
{
	*read_seq_r = 0;
	enum sh_db_rc rc = sh_query_int64(
		conn,
		"SELECT read_seq FROM conversation_reads WHERE conversation_id = $1 AND user_id = $2",
		SH_ARGS(SH_TEXT(conversation_id), SH_TEXT(user_id)), read_seq_r);
	return rc == SH_DB_ROW ? SH_DB_OK : rc;
}

enum sh_db_rc sh_msg_notify_read(struct sh_conn *conn, struct sh_arena *arena,
				 const char *conversation_id, const char *user_id,
				 int64_t old_read_seq)
{
	return sh_notify_read_ref(conn, user_id, ref_of(arena, conversation_id, old_read_seq));
}

enum sh_db_rc sh_msg_notify_direct(struct sh_request *req, struct sh_conn *conn,
				   const char *conversation_id, const char *body,
				   int64_t author_old_read_seq)
{
	const struct sh_user *me = &req->user.account;
	enum sh_db_rc rc = sh_msg_notify_read(conn, req->arena, conversation_id, req->user.id,
					      author_old_read_seq);
	if (rc != SH_DB_OK)
		return rc;
	struct sh_stmt *st;
	rc = sh_query_row(conn,
			  "SELECT m.user_id, COALESCE(r.read_seq, 0), COALESCE(r.muted, FALSE) "
			  "FROM conversation_members m LEFT JOIN conversation_reads r ON "
			  "r.conversation_id = m.conversation_id AND r.user_id = m.user_id "
			  "WHERE m.conversation_id = $1 AND m.user_id <> $2",
			  SH_ARGS(SH_TEXT(conversation_id), SH_TEXT(req->user.id)), &st);
	if (rc != SH_DB_ROW) {
		sh_stmt_free(&st);
		return rc; /* SH_DB_OK: the peer is gone (the post was refused before this) */
	}
	const char *peer = sh_arena_strdup(req->arena, sh_stmt_col_text(st, 0));
	int64_t peer_seq = sh_stmt_col_int64(st, 1);
	bool muted = sh_stmt_col_bool(st, 2);
	sh_stmt_free(&st);
	if (muted)
		return SH_DB_OK;
	json_t *params = json_pack("{s:s, s:s}", "name",
				   sh_arena_printf(req->arena, "%s %s", me->first_name, me->last_name),
				   "excerpt", excerpt(req->arena, body));
	struct sh_notify_opts o = {
		.link = sh_arena_printf(req->arena, "/messages/%s", conversation_id),
		.ref = ref_of(req->arena, conversation_id, peer_seq)};
	rc = params != NULL ? sh_notify(req->app, conn, peer, "direct_message", params, &o)
			    : SH_DB_ERROR;
	json_decref(params);
	return rc;
}
