/*
 * Every SQL statement of the announcements module. Who an announcement is addressed to
 * is decided here, in one SQL condition (ADDRESSED in announcement_queries.c), so a list,
 * a read and an acknowledgement can never disagree about it:
 * - admins: every announcement;
 * - its author;
 * - a guardian of a child in its frozen audience (announcement_children);
 * - a teacher or admin who staffs one of its classes, or every teacher for the school.
 * Someone not addressed finds nothing (the handlers answer 404, never 403).
 */
#ifndef SCHOOLHUB_ANNOUNCEMENT_QUERIES_H
#define SCHOOLHUB_ANNOUNCEMENT_QUERIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "schoolhub/arena.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/store.h"

/* Authors may publish this many announcements per rolling hour (429 beyond). */
#define SH_ANNOUNCEMENTS_PER_HOUR 20
#define SH_ANNOUNCEMENT_WINDOW_S 3600
#define SH_ANNOUNCEMENT_TITLE_MAX 200
#define SH_ANNOUNCEMENT_BODY_MAX 10000

/* Who is asking: their id and what their role lets them see. */
struct sh_ann_viewer {
	const char *id;
	bool staff; /* an active teacher or admin */
	bool admin;
};

/* An announcement as one viewer sees it (arena strings). */
struct sh_announcement {
	const char *id, *title, *body, *created_at;
	const char *classes; /* "P3,P4" in school order, or NULL for the whole school */
	bool requires_ack;
	const char *author_id; /* NULL once the author's account is erased (a former member) */
	const char *author_first_name, *author_last_name;
	int ack_state; /* -1: nothing for this viewer to acknowledge, 0: not yet, 1: done */
};

/* The one description of an announcement in the API (and in its realtime event). */
void sh_announcement_write(struct sh_jw *w, const struct sh_announcement *a);

/* A new announcement, written by sh_ann_insert. */
struct sh_ann_new {
	const char *id, *author_id, *title, *body, *now;
	const char *classes; /* as in struct sh_announcement */
	const char *const *class_list; /* the same classes, NULL-ended; NULL for the school */
	bool requires_ack;
};

/* The announcements "author_id" published since "since" (count, oldest: the rate limit's
 * Retry-After). */
enum sh_db_rc sh_ann_published_since(struct sh_conn *conn, struct sh_arena *arena,
				     const char *author_id, const char *since,
				     struct sh_window_tally *tally_r);
/* Writes the announcement, its classes and its frozen audience (every child in those
 * classes now, with its class). Run inside the caller's write transaction. */
enum sh_db_rc sh_ann_insert(struct sh_conn *conn, const struct sh_ann_new *a);

/* Lookup: SH_DB_ROW with "*out" when "id" is addressed to "viewer", SH_DB_OK when not
 * (unknown included). */
enum sh_db_rc sh_ann_get(struct sh_conn *conn, struct sh_arena *arena,
			 const struct sh_ann_viewer *viewer, const char *id,
			 struct sh_announcement *out);
/*
 * The announcements addressed to "viewer", newest first, after the cursor (created_at,
 * id of the last one served; both NULL for the first page): up to "limit" + 1 of them in
 * "*items_r" (arena), their number in "*count_r". One more than a page tells the caller
 * there is a next page.
 */
enum sh_db_rc sh_ann_list(struct sh_conn *conn, struct sh_arena *arena,
			  const struct sh_ann_viewer *viewer, const char *after_time,
			  const char *after_id, int limit, struct sh_announcement **items_r,
			  int *count_r);

/* Acknowledges, for every child of "user_id" in the audience of "id" not acknowledged
 * yet, in the name of "user_id" ("*added_r" rows); children already covered (by the
 * other guardian) keep their first acknowledgement. */
enum sh_db_rc sh_ann_ack(struct sh_conn *conn, const char *id, const char *user_id,
			 const char *now, int64_t *added_r);
/* SH_DB_ROW when "user_id" guards a child in the audience of "id", SH_DB_OK when not. */
enum sh_db_rc sh_ann_guards_audience(struct sh_conn *conn, const char *id, const char *user_id);

/* One child of the audience in the tally (arena strings). */
struct sh_ann_tally_item {
	const char *child_id, *first_name, *last_name, *class_name;
	bool acknowledged;
	const char *by_id, *by_first_name, *by_last_name; /* by_id NULL: none, or erased */
	const char *at;                                   /* NULL: not acknowledged */
};
/* The frozen audience of "id" with each child's acknowledgement, in class order (school
 * order), then last name, first name, id: "*items_r" (arena) and its length. */
enum sh_db_rc sh_ann_tally(struct sh_conn *conn, struct sh_arena *arena, const char *id,
			   struct sh_ann_tally_item **items_r, size_t *count_r);

/* GDPR export: the announcements "user_id" wrote and the acknowledgements they gave. */
enum sh_db_rc sh_ann_export(struct sh_conn *conn, const char *user_id, json_t *authored,
			    json_t *acks);
/* GDPR erasure: the acknowledgements "user_id" gave stay, without their author. The
 * announcements they wrote stay readable (the users row is kept as a pseudonym, and the
 * API shows a former member). */
enum sh_db_rc sh_ann_erase_user(struct sh_conn *conn, const char *user_id);

#endif
