/*
 * SQL for conversations, their members and each member's read marker (module "messages").
 * Written once; runs on SQLite and PostgreSQL. Who is a member is always asked of the view
 * conversation_membership (migration 0011): stored members of direct and group
 * conversations, derived members of class conversations.
 */
#ifndef SCHOOLHUB_CONVERSATION_QUERIES_H
#define SCHOOLHUB_CONVERSATION_QUERIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "schoolhub/arena.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/store.h"

/* A group holds at most this many members, its owner included. */
#define SH_GROUP_MAX_MEMBERS 100

/* What the routes decide on: a conversation as one of its members sees it. */
struct sh_conv {
	char id[37];
	char kind[8]; /* "direct", "group", "class" */
	char owner_id[37]; /* "" when none */
	int64_t last_seq;
};

/*
 * The conversation "id" when "user_id" is one of its members: SH_DB_ROW with "*c" filled,
 * SH_DB_OK when there is no such conversation or the user is not in it (the routes answer
 * both with 404: a non-member learns nothing), or a store error.
 */
enum sh_db_rc sh_conv_for_member(struct sh_conn *conn, const char *id, const char *user_id,
				 struct sh_conv *c);

/* SH_DB_ROW when "user_id" is an active account (a member others can reach), SH_DB_OK when
 * not, or a store error. */
enum sh_db_rc sh_conv_user_reachable(struct sh_conn *conn, const char *user_id);

/* SH_DB_ROW when the direct conversation "id" has another member than "user_id" whose
 * account is active (someone to write to), SH_DB_OK when not (deactivated, or erased and
 * gone from it), or a store error. */
enum sh_db_rc sh_conv_direct_peer_reachable(struct sh_conn *conn, const char *id,
					    const char *user_id);

/*
 * The direct conversation of the pair: creates it (with both members) unless the pair has
 * one; "*created_r" says which, "id_r" receives its id.
 */
enum sh_db_rc sh_conv_direct_ensure(struct sh_conn *conn, const char *me, const char *other,
				    const char *now, char id_r[37], bool *created_r);

/* A new group owned by "owner" with "owner" and the "n" distinct "members" in it. */
enum sh_db_rc sh_conv_group_create(struct sh_conn *conn, const char *owner, const char *title,
				   const char *const *members, size_t n, const char *now,
				   char id_r[37]);

enum sh_db_rc sh_conv_title_set(struct sh_conn *conn, const char *id, const char *title);
enum sh_db_rc sh_conv_muted_set(struct sh_conn *conn, const char *id, const char *user_id,
				bool muted);

/*
 * Adds "user_id" to group "id" unless the group is full: "*added_r" false when the user
 * was already in it; SH_DB_CHECK when the group already has SH_GROUP_MAX_MEMBERS (the
 * limit is in the UPDATE's WHERE). The new member's read marker starts at the last
 * message: the history they join is not "unread".
 */
enum sh_db_rc sh_conv_member_add(struct sh_conn *conn, const char *id, const char *user_id,
				 const char *now, bool *added_r);
/* Removes a stored member (and their read marker); SH_DB_OK with "*removed_r" false when
 * they were not in it. When the owner goes, the longest-standing member left owns it. */
enum sh_db_rc sh_conv_member_remove(struct sh_conn *conn, const char *id, const char *user_id,
				    bool *removed_r);

/* Moves "user_id"'s read marker of "id" to "seq" unless it is already further; the marker
 * it has then in "*read_seq_r". */
enum sh_db_rc sh_conv_read_mark(struct sh_conn *conn, const char *id, const char *user_id,
				int64_t seq, int64_t *read_seq_r);

/*
 * The conversation "id" as "user_id" sees it, written to "w" (the REST representation:
 * id, kind, title, class_name, members_count, last_message, unread_count, muted, and with
 * "with_members" its members). SH_DB_ROW when written, SH_DB_OK when "user_id" is not in it.
 */
enum sh_db_rc sh_conv_write(struct sh_conn *conn, const char *id, const char *user_id,
			    bool with_members, struct sh_jw *w);

/* One page of "user_id"'s conversations, most recent activity first, as values in "w";
 * "after_time"/"after_id" (both or neither) the cursor. "*more_r" when there are more,
 * "last_time_r"/"last_id_r" the last row written (arena). */
enum sh_db_rc sh_conv_list(struct sh_conn *conn, struct sh_arena *arena, const char *user_id,
			   const char *after_time, const char *after_id, int limit, struct sh_jw *w,
			   bool *more_r, const char **last_time_r, const char **last_id_r);

/* The part of a conversation every member sees alike (id, kind, title, class_name,
 * members_count), as JSON text in the arena: the data of conversation.updated. */
enum sh_db_rc sh_conv_shared_json(struct sh_conn *conn, struct sh_arena *arena, const char *id,
				  const char **json_r);

/* GDPR: the conversations "user_id" is in, with their own read marker and mute. */
enum sh_db_rc sh_conv_export(struct sh_conn *conn, const char *user_id, json_t *items);
/* GDPR erasure: every stored membership (groups and directs keep their other members; an
 * owned group passes on) and every read marker of "user_id". */
enum sh_db_rc sh_conv_erase_user(struct sh_conn *conn, const char *user_id);

#endif
