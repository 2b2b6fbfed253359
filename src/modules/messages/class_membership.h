/*
 * Telling members that a class conversation's membership changed (module "messages", for
 * the children, invitations and classes code). A class conversation's members are derived
 * (membership_sql.h), so nothing in this module sees a child change class, a guardian
 * linked or staff replaced. The module that makes such a change watches the classes it
 * touches: a snapshot of each class conversation's members before the change, then, last
 * in the same transaction, sh_class_watch_notify compares them with the members after it
 * and, for each class whose members changed, writes conversation.updated to everyone who
 * was or is a member (those who left too, so their app drops it; those who stay see the
 * new members_count). A change that leaves the members as they were writes nothing. After
 * the COMMIT, when "wrote" is true, the caller calls sh_events_wake.
 */
#ifndef SCHOOLHUB_MESSAGES_CLASS_MEMBERSHIP_H
#define SCHOOLHUB_MESSAGES_CLASS_MEMBERSHIP_H

#include <stdbool.h>
#include <stddef.h>

#include "schoolhub/arena.h"
#include "schoolhub/store.h"

/* A child's change touches at most two classes (moving from one to another); the
 * school-year rollover touches all nine. */
#define SH_CLASS_WATCH_MAX 9

struct sh_class_watch {
	size_t n;
	struct {
		const char *conversation_id;
		const char **before; /* member ids, sorted, NULL-terminated (arena) */
	} classes[SH_CLASS_WATCH_MAX];
	bool wrote; /* set by sh_class_watch_notify: events were written */
};

/* Snapshots class "class_name"'s conversation members into "w" (once per class; NULL or
 * an unknown class is nothing to watch). Call before the change, inside its transaction. */
enum sh_db_rc sh_class_watch_class(struct sh_conn *conn, struct sh_arena *arena,
				   struct sh_class_watch *w, const char *class_name);
/* The same for the class child "child_id" is in now (no such child: nothing). */
enum sh_db_rc sh_class_watch_child(struct sh_conn *conn, struct sh_arena *arena,
				   struct sh_class_watch *w, const char *child_id);
/* After the change, last in its transaction: the events (see above); sets "w->wrote". */
enum sh_db_rc sh_class_watch_notify(struct sh_conn *conn, struct sh_arena *arena,
				    struct sh_class_watch *w);

#endif
