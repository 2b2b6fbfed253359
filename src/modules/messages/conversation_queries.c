/* SQL for conversations, members and read markers. Written once; runs on both backends. */
#include "modules/messages/conversation_queries.h"

#include <stdio.h>
#include <string.h>

#include "modules/messages/membership_sql.h"
#include "modules/messages/message_queries.h"
#include "schoolhub/util.h"

static void copy_text(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "");
}

enum sh_db_rc sh_conv_for_member(struct sh_conn *conn, const char *id, const char *user_id,
				 struct sh_conv *c)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT c.id, c.kind, c.owner_id, c.last_seq "
					"FROM conversations c WHERE c.id = $1 AND " SH_IS_MEMBER("c.id", "$2"),
					SH_ARGS(SH_TEXT(id), SH_TEXT(user_id)), &st);
	if (rc == SH_DB_ROW) {
		copy_text(c->id, sizeof(c->id), sh_stmt_col_text(st, 0));
		copy_text(c->kind, sizeof(c->kind), sh_stmt_col_text(st, 1));
		copy_text(c->owner_id, sizeof(c->owner_id), sh_stmt_col_text(st, 2));
		c->last_seq = sh_stmt_col_int64(st, 3);
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_conv_user_reachable(struct sh_conn *conn, const char *user_id)
{
	int64_t one = 0;
	return sh_query_int64(conn,
			      "SELECT 1 FROM users WHERE id = $1 AND active AND deleted_at IS NULL",
			      SH_ARGS(SH_TEXT(user_id)), &one);
}

enum sh_db_rc sh_conv_direct_peer_reachable(struct sh_conn *conn, const char *id,
					    const char *user_id)
{
	int64_t one = 0;
	return sh_query_int64(conn,
			      "SELECT 1 FROM conversation_members cm JOIN users u ON u.id = cm.user_id "
			      "WHERE cm.conversation_id = $1 AND cm.user_id <> $2 AND u.active AND "
			      "u.deleted_at IS NULL",
			      SH_ARGS(SH_TEXT(id), SH_TEXT(user_id)), &one);
}

static enum sh_db_rc member_insert(struct sh_conn *conn, const char *id, const char *user_id,
				   const char *now)
{
	return sh_exec(conn,
		       "INSERT INTO conversation_members (conversation_id, user_id, joined_at) "
		       "VALUES ($1, $2, $3)",
		       SH_ARGS(SH_TEXT(id), SH_TEXT(user_id), SH_TEXT(now)), NULL);
}

enum sh_db_rc sh_conv_direct_ensure(struct sh_conn *conn, const char *me, const char *other,
				    const char *now, char id_r[37], bool *created_r)
{
	/* One key per pair, whoever starts it: the smaller id first. */
	const char *lo = strcmp(me, other) < 0 ? me : other, *hi = lo == me ? other : me;
	char key[80];
	snprintf(key, sizeof(key), "%s:%s", lo, hi);
	sh_uuid_v4(id_r);
	int64_t changed = 0;
	enum sh_db_rc rc = sh_exec(
		conn,
		"INSERT INTO conversations (id, kind, direct_key, members_count, last_activity_at, "
		"created_at) VALUES ($1, 'direct', $2, 2, $3, $3) ON CONFLICT (direct_key) DO NOTHING",
		SH_ARGS(SH_TEXT(id_r), SH_TEXT(key), SH_TEXT(now)), &changed);
	if (rc != SH_DB_OK)
		return rc;
	*created_r = changed == 1;
	if (*created_r) {
		rc = member_insert(conn, id_r, me, now);
		return rc == SH_DB_OK ? member_insert(conn, id_r, other, now) : rc;
	}
	struct sh_stmt *st;
	rc = sh_query_row(conn, "SELECT id FROM conversations WHERE direct_key = $1",
			  SH_ARGS(SH_TEXT(key)), &st);
	if (rc == SH_DB_ROW)
		copy_text(id_r, 37, sh_stmt_col_text(st, 0));
	sh_stmt_free(&st);
	return rc == SH_DB_ROW ? SH_DB_OK : rc == SH_DB_OK ? SH_DB_ERROR : rc;
}

enum sh_db_rc sh_conv_group_create(struct sh_conn *conn, const char *owner, const char *title,
				   const char *const *members, size_t n, const char *now,
				   char id_r[37])
{
	sh_uuid_v4(id_r);
	enum sh_db_rc rc = sh_exec(
		conn,
		"INSERT INTO conversations (id, kind, title, owner_id, members_count, "
		"last_activity_at, created_at) VALUES ($1, 'group', $2, $3, $4, $5, $5)",
		SH_ARGS(SH_TEXT(id_r), SH_TEXT(title), SH_TEXT(owner), SH_INT((int64_t)n + 1),
			SH_TEXT(now)),
		NULL);
	if (rc == SH_DB_OK)
		rc = member_insert(conn, id_r, owner, now);
	for (size_t i = 0; rc == SH_DB_OK && i < n; i++)
		rc = member_insert(conn, id_r, members[i], now);
	return rc;
}

enum sh_db_rc sh_conv_title_set(struct sh_conn *conn, const char *id, const char *title)
{
	return sh_exec(conn, "UPDATE conversations SET title = $2 WHERE id = $1",
		       SH_ARGS(SH_TEXT(id), SH_TEXT(title)), NULL);
}

enum sh_db_rc sh_conv_muted_set(struct sh_conn *conn, const char *id, const char *user_id,
				bool muted)
{
	return sh_exec(conn,
		       "INSERT INTO conversation_reads (conversation_id, user_id, muted) "
		       "VALUES ($1, $2, $3) ON CONFLICT (conversation_id, user_id) "
		       "DO UPDATE SET muted = excluded.muted",
		       SH_ARGS(SH_TEXT(id), SH_TEXT(user_id), SH_BOOL(muted)), NULL);
}

enum sh_db_rc sh_conv_member_add(struct sh_conn *conn, const char *id, const char *user_id,
				 const char *now, bool *added_r)
{
	*added_r = false;
	int64_t one = 0;
	enum sh_db_rc rc = sh_query_int64(
		conn, "SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND user_id = $2",
		SH_ARGS(SH_TEXT(id), SH_TEXT(user_id)), &one);
	if (rc != SH_DB_OK)
		return rc == SH_DB_ROW ? SH_DB_OK : rc;
	int64_t changed = 0;
	rc = sh_exec(conn,
		     "UPDATE conversations SET members_count = members_count + 1 "
		     "WHERE id = $1 AND members_count < $2",
		     SH_ARGS(SH_TEXT(id), SH_INT(SH_GROUP_MAX_MEMBERS)), &changed);
	if (rc != SH_DB_OK)
		return rc;
	if (changed != 1)
		return SH_DB_CHECK;
	rc = member_insert(conn, id, user_id, now);
	if (rc == SH_DB_OK)
		rc = sh_exec(conn,
			     "INSERT INTO conversation_reads (conversation_id, user_id, read_seq) "
			     "SELECT id, $2, last_seq FROM conversations WHERE id = $1 "
			     "ON CONFLICT (conversation_id, user_id) DO UPDATE SET read_seq = "
			     "excluded.read_seq",
			     SH_ARGS(SH_TEXT(id), SH_TEXT(user_id)), NULL);
	*added_r = rc == SH_DB_OK;
	return rc;
}

enum sh_db_rc sh_conv_member_remove(struct sh_conn *conn, const char *id, const char *user_id,
				    bool *removed_r)
{
	int64_t changed = 0;
	*removed_r = false;
	enum sh_db_rc rc = sh_exec(
		conn, "DELETE FROM conversation_members WHERE conversation_id = $1 AND user_id = $2",
		SH_ARGS(SH_TEXT(id), SH_TEXT(user_id)), &changed);
	if (rc != SH_DB_OK || changed == 0)
		return rc;
	*removed_r = true;
	rc = sh_exec(conn,
		     "DELETE FROM conversation_reads WHERE conversation_id = $1 AND user_id = $2",
		     SH_ARGS(SH_TEXT(id), SH_TEXT(user_id)), NULL);
	if (rc != SH_DB_OK)
		return rc;
	return sh_exec(
		conn,
		"UPDATE conversations SET members_count = members_count - 1, owner_id = CASE "
		"WHEN owner_id = $2 THEN (SELECT m.user_id FROM conversation_members m WHERE "
		"m.conversation_id = $1 ORDER BY m.joined_at, m.user_id LIMIT 1) ELSE owner_id END "
		"WHERE id = $1",
		SH_ARGS(SH_TEXT(id), SH_TEXT(user_id)), NULL);
}

enum sh_db_rc sh_conv_read_mark(struct sh_conn *conn, const char *id, const char *user_id,
				int64_t seq, int64_t *read_seq_r)
{
	/* CASE, not MAX/GREATEST: the one spelling both backends share. */
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn,
		"INSERT INTO conversation_reads (conversation_id, user_id, read_seq) "
		"VALUES ($1, $2, $3) ON CONFLICT (conversation_id, user_id) DO UPDATE SET "
		"read_seq = CASE WHEN excluded.read_seq > conversation_reads.read_seq "
		"THEN excluded.read_seq ELSE conversation_reads.read_seq END RETURNING read_seq",
		SH_ARGS(SH_TEXT(id), SH_TEXT(user_id), SH_INT(seq)), &st);
	if (rc == SH_DB_ROW)
		*read_seq_r = sh_stmt_col_int64(st, 0);
	sh_stmt_free(&st);
	return rc == SH_DB_ROW ? SH_DB_OK : rc == SH_DB_OK ? SH_DB_ERROR : rc;
}

/*
 * A conversation row as a member "$1" sees it. members_count is kept on the row for
 * direct and group conversations; a class's is counted from its derived members (a class
 * is a few dozen people). The last message is found by (conversation_id, seq) = last_seq:
 * one index probe, never a scan of the messages. A direct conversation's peer (the other
 * stored member, gone once their account is erased) is joined the same way, so the list
 * names each direct conversation without a request per row.
 */
#define CONV_COLUMNS                                                                         \
	"c.id, c.kind, c.title, c.class_name, CASE WHEN c.kind = 'class' THEN "               \
	SH_CLASS_MEMBERS_COUNT("c.class_name") " ELSE c.members_count END, "                 \
	"c.last_seq - COALESCE(r.read_seq, 0), COALESCE(r.muted, "      \
	"FALSE), c.last_activity_at, m.id IS NOT NULL, " SH_MESSAGE_COLUMNS                 \
	", pu.id, pu.first_name, pu.last_name"
#define CONV_JOINS                                                                           \
	" FROM conversations c LEFT JOIN conversation_reads r ON r.conversation_id = c.id "   \
	"AND r.user_id = $1 LEFT JOIN messages m ON m.conversation_id = c.id AND m.seq = "    \
	"c.last_seq LEFT JOIN users au ON au.id = m.author_id LEFT JOIN conversation_members " \
	"pm ON c.kind = 'direct' AND pm.conversation_id = c.id AND pm.user_id <> $1 LEFT "    \
	"JOIN users pu ON pu.id = pm.user_id "
/* The column of the peer's id, after CONV_COLUMNS' message columns; then its names. */
#define CONV_PEER_COL (9 + SH_MESSAGE_COLUMN_COUNT)
#define CONV_COLUMN_COUNT (CONV_PEER_COL + 3)

static void conv_row_write(struct sh_jw *w, struct sh_stmt *st, bool close)
{
	sh_jw_object_begin(w);
	sh_jw_kstring(w, "id", sh_stmt_col_text(st, 0));
	sh_jw_kstring(w, "kind", sh_stmt_col_text(st, 1));
	sh_jw_kstring(w, "title", sh_stmt_col_text(st, 2));
	sh_jw_kstring(w, "class_name", sh_stmt_col_text(st, 3));
	sh_jw_kint(w, "members_count", sh_stmt_col_int64(st, 4));
	sh_jw_key(w, "last_message");
	if (sh_stmt_col_bool(st, 8))
		sh_message_write(w, st, 9);
	else
		sh_jw_null(w);
	int64_t unread = sh_stmt_col_int64(st, 5);
	sh_jw_kint(w, "unread_count", unread > 0 ? unread : 0);
	sh_jw_kbool(w, "muted", sh_stmt_col_bool(st, 6));
	sh_jw_kstring(w, "last_activity_at", sh_stmt_col_time(st, 7));
	sh_jw_key(w, "peer");
	if (sh_stmt_col_text(st, CONV_PEER_COL) != NULL) {
		sh_jw_object_begin(w);
		sh_jw_kstring(w, "id", sh_stmt_col_text(st, CONV_PEER_COL));
		sh_jw_kstring(w, "first_name", sh_stmt_col_text(st, CONV_PEER_COL + 1));
		sh_jw_kstring(w, "last_name", sh_stmt_col_text(st, CONV_PEER_COL + 2));
		sh_jw_object_end(w);
	} else {
		sh_jw_null(w); /* a group, a class, or a direct conversation whose peer is gone */
	}
	if (close)
		sh_jw_object_end(w);
}

static enum sh_db_rc members_write(struct sh_conn *conn, const char *id, struct sh_jw *w)
{
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT u.id, u.first_name, u.last_name, CASE WHEN c.owner_id = u.id THEN 'owner' "
		"ELSE k.member_role END FROM (" SH_MEMBERS_OF("$1") ") k JOIN users u ON u.id = "
		"k.user_id JOIN conversations c ON c.id = $1 ORDER BY u.last_name, u.first_name, "
		"u.id",
		SH_ARGS(SH_TEXT(id)));
	enum sh_db_rc rc;
	sh_jw_key(w, "members");
	sh_jw_array_begin(w);
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		sh_jw_object_begin(w);
		sh_jw_kstring(w, "id", sh_stmt_col_text(st, 0));
		sh_jw_kstring(w, "first_name", sh_stmt_col_text(st, 1));
		sh_jw_kstring(w, "last_name", sh_stmt_col_text(st, 2));
		sh_jw_kstring(w, "role", sh_stmt_col_text(st, 3));
		sh_jw_object_end(w);
	}
	sh_jw_array_end(w);
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_conv_write(struct sh_conn *conn, const char *id, const char *user_id,
			    bool with_members, struct sh_jw *w)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn,
					"SELECT " CONV_COLUMNS ", c.owner_id, c.created_at" CONV_JOINS
					"WHERE c.id = $2 AND " SH_IS_MEMBER("c.id", "$1"),
					SH_ARGS(SH_TEXT(user_id), SH_TEXT(id)), &st);
	if (rc != SH_DB_ROW) {
		sh_stmt_free(&st);
		return rc;
	}
	int col = CONV_COLUMN_COUNT;
	conv_row_write(w, st, false);
	sh_jw_kstring(w, "owner_id", sh_stmt_col_text(st, col));
	sh_jw_kstring(w, "created_at", sh_stmt_col_time(st, col + 1));
	sh_stmt_free(&st);
	if (with_members && (rc = members_write(conn, id, w)) != SH_DB_OK)
		return rc;
	sh_jw_object_end(w);
	return SH_DB_ROW;
}

/* The conversations of "$1": its stored memberships and the classes it is in. */
#define MY_CONVERSATIONS SH_MY_CONVERSATIONS("c.id", "$1")
#define LIST_ORDER " ORDER BY c.last_activity_at DESC, c.id DESC LIMIT $2"

enum sh_db_rc sh_conv_list(struct sh_conn *conn, struct sh_arena *arena, const char *user_id,
			   const char *after_time, const char *after_id, int limit, struct sh_jw *w,
			   bool *more_r, const char **last_time_r, const char **last_id_r)
{
	struct sh_stmt *st =
		after_time == NULL
			? sh_query(conn, "SELECT " CONV_COLUMNS CONV_JOINS "WHERE " MY_CONVERSATIONS
					 LIST_ORDER,
				   SH_ARGS(SH_TEXT(user_id), SH_INT(limit + 1)))
			: sh_query(conn,
				   "SELECT " CONV_COLUMNS CONV_JOINS "WHERE " MY_CONVERSATIONS
				   " AND (c.last_activity_at < $3 OR (c.last_activity_at = $3 AND "
				   "c.id < $4))" LIST_ORDER,
				   SH_ARGS(SH_TEXT(user_id), SH_INT(limit + 1), SH_TEXT(after_time),
					   SH_TEXT(after_id)));
	enum sh_db_rc rc;
	int n = 0;
	*more_r = false;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		if (n == limit) {
			*more_r = true;
			continue;
		}
		conv_row_write(w, st, true);
		*last_id_r = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
		*last_time_r = sh_arena_strdup(arena, sh_stmt_col_time(st, 7));
		n++;
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_conv_shared_json(struct sh_conn *conn, struct sh_arena *arena, const char *id,
				  const char **json_r)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(
		conn,
		"SELECT c.id, c.kind, c.title, c.class_name, CASE WHEN c.kind = 'class' THEN "
		SH_CLASS_MEMBERS_COUNT("c.class_name") " ELSE c.members_count END FROM conversations c WHERE c.id = $1",
		SH_ARGS(SH_TEXT(id)), &st);
	if (rc == SH_DB_ROW) {
		struct sh_jw w;
		sh_jw_init(&w, arena);
		sh_jw_object_begin(&w);
		sh_jw_kstring(&w, "id", sh_stmt_col_text(st, 0));
		sh_jw_kstring(&w, "kind", sh_stmt_col_text(st, 1));
		sh_jw_kstring(&w, "title", sh_stmt_col_text(st, 2));
		sh_jw_kstring(&w, "class_name", sh_stmt_col_text(st, 3));
		sh_jw_kint(&w, "members_count", sh_stmt_col_int64(st, 4));
		sh_jw_object_end(&w);
		*json_r = sh_jw_text(&w, NULL);
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_conv_export(struct sh_conn *conn, const char *user_id, json_t *items)
{
	struct sh_stmt *st = sh_query(
		conn,
		"SELECT c.id, c.kind, c.title, c.class_name, COALESCE(r.read_seq, 0), "
		"COALESCE(r.muted, FALSE) FROM conversations c LEFT JOIN conversation_reads r ON "
		"r.conversation_id = c.id AND r.user_id = $1 WHERE " MY_CONVERSATIONS
		" ORDER BY c.created_at, c.id",
		SH_ARGS(SH_TEXT(user_id)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		const char *title = sh_stmt_col_text(st, 2), *klass = sh_stmt_col_text(st, 3);
		json_array_append_new(
			items, json_pack("{s:s, s:s, s:o, s:o, s:I, s:b}", "id",
					 sh_stmt_col_text(st, 0), "kind", sh_stmt_col_text(st, 1),
					 "title", title ? json_string(title) : json_null(),
					 "class_name", klass ? json_string(klass) : json_null(),
					 "read_seq", (json_int_t)sh_stmt_col_int64(st, 4), "muted",
					 sh_stmt_col_bool(st, 5)));
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_conv_erase_user(struct sh_conn *conn, const char *user_id)
{
	struct sh_stmt *st = sh_query(
		conn, "SELECT conversation_id FROM conversation_members WHERE user_id = $1",
		SH_ARGS(SH_TEXT(user_id)));
	/* Collected first: removing rows while stepping over them is not portable. */
	char ids[256][37];
	size_t n = 0;
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW && n < 256)
		copy_text(ids[n++], 37, sh_stmt_col_text(st, 0));
	sh_stmt_free(&st);
	if (rc != SH_DB_OK && rc != SH_DB_ROW)
		return rc;
	bool more = rc == SH_DB_ROW, removed;
	for (size_t i = 0; i < n; i++)
		if ((rc = sh_conv_member_remove(conn, ids[i], user_id, &removed)) != SH_DB_OK)
			return rc;
	if (more) /* more than 256 memberships: the next batch */
		return sh_conv_erase_user(conn, user_id);
	return sh_exec(conn, "DELETE FROM conversation_reads WHERE user_id = $1",
		       SH_ARGS(SH_TEXT(user_id)), NULL);
}
