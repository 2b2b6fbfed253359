/* conversation.updated when a class conversation's derived members change (class_membership.h). */
#include "modules/messages/class_membership.h"

#include <stdlib.h>
#include <string.h>

#include "modules/messages/conversation_queries.h"
#include "modules/messages/membership_sql.h"
#include "modules/messages/messages_events.h"
#include "schoolhub/events.h"

static int compare_ids(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The members of conversation "conv_id", sorted (strcmp), NULL-terminated, in "arena". */
static enum sh_db_rc members_read(struct sh_conn *conn, struct sh_arena *arena,
				  const char *conv_id, const char ***ids_r)
{
	size_t n;
	enum sh_db_rc rc = sh_query_texts(conn, arena,
					  "SELECT DISTINCT k.user_id FROM (" SH_MEMBERS_OF("$1") ") k",
					  SH_ARGS(SH_TEXT(conv_id)), ids_r, &n);
	if (rc == SH_DB_OK)
		qsort(*ids_r, n, sizeof(**ids_r), compare_ids);
	return rc;
}

static bool listed(const char *const *ids, const char *id)
{
	for (; *ids != NULL; ids++)
		if (strcmp(*ids, id) == 0)
			return true;
	return false;
}

static bool same_ids(const char *const *a, const char *const *b)
{
	for (; *a != NULL && *b != NULL; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return *a == NULL && *b == NULL;
}

enum sh_db_rc sh_class_watch_class(struct sh_conn *conn, struct sh_arena *arena,
				   struct sh_class_watch *w, const char *class_name)
{
	if (class_name == NULL)
		return SH_DB_OK;
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn, "SELECT id FROM conversations WHERE class_name = $1",
					SH_ARGS(SH_TEXT(class_name)), &st);
	if (rc != SH_DB_ROW)
		return rc;
	const char *conv_id = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
	sh_stmt_free(&st);
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->classes[i].conversation_id, conv_id) == 0)
			return SH_DB_OK;
	if (w->n == SH_CLASS_WATCH_MAX)
		return SH_DB_ERROR; /* a caller's mistake, not a user's: fail closed */
	rc = members_read(conn, arena, conv_id, &w->classes[w->n].before);
	if (rc == SH_DB_OK)
		w->classes[w->n++].conversation_id = conv_id;
	return rc;
}

enum sh_db_rc sh_class_watch_child(struct sh_conn *conn, struct sh_arena *arena,
				   struct sh_class_watch *w, const char *child_id)
{
	struct sh_stmt *st;
	enum sh_db_rc rc = sh_query_row(conn, "SELECT class_name FROM children WHERE id = $1",
					SH_ARGS(SH_TEXT(child_id)), &st);
	if (rc != SH_DB_ROW)
		return rc;
	const char *class_name = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
	sh_stmt_free(&st);
	return sh_class_watch_class(conn, arena, w, class_name);
}

/* One class: nothing when its members are unchanged; otherwise the event to every member
 * now and to every member before who is no longer one. */
static enum sh_db_rc notify_class(struct sh_conn *conn, struct sh_arena *arena,
				  const char *conv_id, const char *const *before, bool *wrote_r)
{
	const char **after = NULL;
	enum sh_db_rc rc = members_read(conn, arena, conv_id, &after);
	if (rc != SH_DB_OK || same_ids(before, after))
		return rc;
	const char *json = NULL;
	rc = sh_conv_shared_json(conn, arena, conv_id, &json);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc;
	rc = sh_msg_events_fanout(conn, conv_id, "conversation.updated", json);
	for (; rc == SH_DB_OK && *before != NULL; before++)
		if (!listed(after, *before))
			rc = sh_event_add(conn, *before, "conversation.updated", json, NULL);
	if (rc == SH_DB_OK)
		*wrote_r = true;
	return rc;
}

enum sh_db_rc sh_class_watch_notify(struct sh_conn *conn, struct sh_arena *arena,
				    struct sh_class_watch *w)
{
	enum sh_db_rc rc = SH_DB_OK;
	w->wrote = false;
	for (size_t i = 0; rc == SH_DB_OK && i < w->n; i++)
		rc = notify_class(conn, arena, w->classes[i].conversation_id,
				  w->classes[i].before, &w->wrote);
	return rc;
}
