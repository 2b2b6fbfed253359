/* SQL for messages. Written once; runs on SQLite and PostgreSQL. */
#include "modules/messages/message_queries.h"

#include <stdio.h>
#include <string.h>

#include "modules/messages/membership_sql.h"
#include "schoolhub/util.h"

#define MESSAGE_FROM " FROM messages m LEFT JOIN users au ON au.id = m.author_id "

static void copy_text(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "");
}

void sh_message_write(struct sh_jw *w, struct sh_stmt *row, int col)
{
	sh_jw_object_begin(w);
	sh_jw_kstring(w, "id", sh_stmt_col_text(row, col));
	sh_jw_kstring(w, "conversation_id", sh_stmt_col_text(row, col + 1));
	sh_jw_kint(w, "seq", sh_stmt_col_int64(row, col + 2));
	sh_jw_key(w, "author");
	if (sh_stmt_col_is_null(row, col + 3)) {
		sh_jw_null(w);
	} else {
		sh_jw_object_begin(w);
		sh_jw_kstring(w, "id", sh_stmt_col_text(row, col + 3));
		sh_jw_kstring(w, "first_name", sh_stmt_col_text(row, col + 4));
		sh_jw_kstring(w, "last_name", sh_stmt_col_text(row, col + 5));
		sh_jw_object_end(w);
	}
	bool deleted = sh_stmt_col_bool(row, col + 10);
	sh_jw_kstring(w, "body", deleted ? NULL : sh_stmt_col_text(row, col + 6));
	sh_jw_kstring(w, "reply_to", sh_stmt_col_text(row, col + 7));
	sh_jw_kstring(w, "created_at", sh_stmt_col_time(row, col + 8));
	sh_jw_kstring(w, "edited_at", sh_stmt_col_time(row, col + 9));
	sh_jw_kbool(w, "deleted", deleted);
	sh_jw_object_end(w);
}

enum sh_db_rc sh_msg_for_member(struct sh_conn *conn, const char *id, const char *user_id,
				struct sh_msg *m)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn,
		"SELECT m.id, m.conversation_id, m.author_id, m.created_at, m.deleted_at IS NOT NULL "
		"FROM messages m WHERE m.id = $1 AND " SH_IS_MEMBER("m.conversation_id", "$2"),
		SH_ARGS(SH_TEXT(id), SH_TEXT(user_id)), &st);
	if (rc == SH_DB_ROW) {
		copy_text(m->id, sizeof(m->id), sh_stmt_col_text(st, 0));
		copy_text(m->conversation_id, sizeof(m->conversation_id), sh_stmt_col_text(st, 1));
		copy_text(m->author_id, sizeof(m->author_id), sh_stmt_col_text(st, 2));
		copy_text(m->created_at, sizeof(m->created_at), sh_stmt_col_time(st, 3));
		m->deleted = sh_stmt_col_bool(st, 4);
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_msg_json(struct sh_conn *conn, struct sh_arena *arena, const char *id,
			  const char **json_r)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT " SH_MESSAGE_COLUMNS MESSAGE_FROM "WHERE m.id = $1",
					SH_ARGS(SH_TEXT(id)), &st);
	if (rc == SH_DB_ROW) {
		struct sh_jw w;
		sh_jw_init(&w, arena);
		sh_message_write(&w, st, 0);
		*json_r = sh_jw_text(&w, NULL);
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_msg_by_client_id(struct sh_conn *conn, const char *author_id,
				  const char *client_id, char id_r[37], char conversation_id_r[37])
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn, "SELECT id, conversation_id FROM messages WHERE author_id = $1 AND client_id = $2",
		SH_ARGS(SH_TEXT(author_id), SH_TEXT(client_id)), &st);
	if (rc == SH_DB_ROW) {
		copy_text(id_r, 37, sh_stmt_col_text(st, 0));
		copy_text(conversation_id_r, 37, sh_stmt_col_text(st, 1));
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_msg_recent(struct sh_conn *conn, struct sh_arena *arena, const char *author_id,
			    const char *since, struct sh_window_tally *tally_r)
{
	return sh_query_window(conn, arena,
			       "SELECT COUNT(*), MIN(created_at), MAX(created_at) FROM messages "
			       "WHERE author_id = $1 AND created_at > $2",
			       SH_ARGS(SH_TEXT(author_id), SH_TEXT(since)), tally_r);
}

enum sh_db_rc sh_msg_in_conversation(struct sh_conn *conn, const char *id,
				     const char *conversation_id)
{
	int64_t one = 0;
	return sh_query_int64(conn,
			      "SELECT 1 FROM messages WHERE id = $1 AND conversation_id = $2",
			      SH_ARGS(SH_TEXT(id), SH_TEXT(conversation_id)), &one);
}

enum sh_db_rc sh_msg_insert(struct sh_conn *conn, struct sh_msg_new *m)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"UPDATE conversations SET last_seq = last_seq + 1, "
					"last_activity_at = $2 WHERE id = $1 RETURNING last_seq",
					SH_ARGS(SH_TEXT(m->conversation_id), SH_TEXT(m->now)), &st);
	if (rc == SH_DB_ROW)
		m->seq = sh_stmt_col_int64(st, 0);
	sh_stmt_free(&st);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc;
	sh_uuid_v7(m->id); /* time-ordered: new rows land at the end of the primary key */
	rc = sh_exec(conn,
		     "INSERT INTO messages (id, conversation_id, seq, author_id, body, reply_to, "
		     "client_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		     SH_ARGS(SH_TEXT(m->id), SH_TEXT(m->conversation_id), SH_INT(m->seq),
			     SH_TEXT(m->author_id), SH_TEXT(m->body), SH_TEXT(m->reply_to),
			     SH_TEXT(m->client_id), SH_TEXT(m->now)),
		     NULL);
	if (rc != SH_DB_OK)
		return rc;
	/* The author has read what they wrote. */
	return sh_exec(conn,
		       "INSERT INTO conversation_reads (conversation_id, user_id, read_seq) "
		       "VALUES ($1, $2, $3) ON CONFLICT (conversation_id, user_id) DO UPDATE SET "
		       "read_seq = excluded.read_seq",
		       SH_ARGS(SH_TEXT(m->conversation_id), SH_TEXT(m->author_id), SH_INT(m->seq)),
		       NULL);
}

enum sh_db_rc sh_msg_edit(struct sh_conn *conn, const char *id, const char *body,
			  const char *now)
{
	return sh_exec(conn,
		       "UPDATE messages SET body = $2, edited_at = $3 WHERE id = $1 "
		       "AND deleted_at IS NULL",
		       SH_ARGS(SH_TEXT(id), SH_TEXT(body), SH_TEXT(now)), NULL);
}

enum sh_db_rc sh_msg_tombstone(struct sh_conn *conn, const char *id, const char *now)
{
	return sh_exec(conn,
		       "UPDATE messages SET body = NULL, deleted_at = $2 WHERE id = $1 "
		       "AND deleted_at IS NULL",
		       SH_ARGS(SH_TEXT(id), SH_TEXT(now)), NULL);
}

/* The page's rows in seq order (the backward query is read newest first, then reversed
 * in the inner SELECT so the writer always gets oldest first). */
enum sh_db_rc sh_msg_page(struct sh_conn *conn, const char *conversation_id, int64_t before,
			  int64_t after, int limit, struct sh_jw *w)
{
	struct sh_stmt *st;
	if (after >= 0)
		st = sh_query(conn,
			      "SELECT " SH_MESSAGE_COLUMNS MESSAGE_FROM
			      "WHERE m.conversation_id = $1 AND m.seq > $2 AND m.seq < $3 "
			      "ORDER BY m.seq LIMIT $4",
			      SH_ARGS(SH_TEXT(conversation_id), SH_INT(after),
				      SH_INT(before > 0 ? before : INT64_MAX), SH_INT(limit)));
	else
		st = sh_query(conn,
			      "SELECT " SH_MESSAGE_COLUMNS " FROM (SELECT * FROM messages WHERE "
			      "conversation_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3) m "
			      "LEFT JOIN users au ON au.id = m.author_id ORDER BY m.seq",
			      SH_ARGS(SH_TEXT(conversation_id),
				      SH_INT(before > 0 ? before : INT64_MAX), SH_INT(limit)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		sh_message_write(w, st, 0);
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_msg_export(struct sh_conn *conn, const char *user_id, json_t *items)
{
	struct sh_stmt *st = sh_query(conn,
				      "SELECT m.id, m.conversation_id, m.seq, m.body, m.reply_to, "
				      "m.created_at, m.edited_at, m.deleted_at IS NOT NULL "
				      "FROM messages m WHERE m.author_id = $1 ORDER BY m.created_at, m.id",
				      SH_ARGS(SH_TEXT(user_id)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		const char *body = sh_stmt_col_text(st, 3), *reply = sh_stmt_col_text(st, 4),
			   *edited = sh_stmt_col_time(st, 6);
		json_array_append_new(
			items,
			json_pack("{s:s, s:s, s:I, s:o, s:o, s:s, s:o, s:b}", "id",
				  sh_stmt_col_text(st, 0), "conversation_id", sh_stmt_col_text(st, 1),
				  "seq", (json_int_t)sh_stmt_col_int64(st, 2), "body",
				  body ? json_string(body) : json_null(), "reply_to",
				  reply ? json_string(reply) : json_null(), "created_at",
				  sh_stmt_col_time(st, 5), "edited_at",
				  edited ? json_string(edited) : json_null(), "deleted",
				  sh_stmt_col_bool(st, 7)));
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_msg_erase_user(struct sh_conn *conn, const char *user_id, const char *now)
{
	return sh_exec(conn,
		       "UPDATE messages SET body = NULL, client_id = NULL, deleted_at = "
		       "COALESCE(deleted_at, $2) WHERE author_id = $1",
		       SH_ARGS(SH_TEXT(user_id), SH_TEXT(now)), NULL);
}
