/* Every SQL statement of the classes module (the public helpers are in classes.h). */
#ifndef SCHOOLHUB_CLASS_QUERIES_H
#define SCHOOLHUB_CLASS_QUERIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "modules/classes/classes.h"
#include "schoolhub/arena.h"
#include "schoolhub/store.h"

/* One staff member of one class, in a list (arena strings). */
struct sh_class_staff {
	const char *id, *first_name, *last_name;
	struct sh_class_staff *next;
};

/* What GET /api/v1/classes shows of a class. */
struct sh_class_summary {
	const char *name;
	int64_t children, families;
	struct sh_class_staff *staff, *staff_last; /* by last name, first name, id */
};

/*
 * "out[i]" (for sh_class_names[i]) filled with its counts and staff; run it inside one
 * read snapshot (sh_conn_read_snapshot) so the counts and the staff agree.
 */
enum sh_db_rc sh_class_summaries_read(struct sh_conn *conn, struct sh_arena *arena,
				      struct sh_class_summary out[SH_CLASS_COUNT]);

/*
 * The children and families of every class (class_families.c). A family is the children
 * and guardian accounts linked by guardianship, directly or through each other, across
 * the whole school: two guardians of one child are one family, and so are a guardian's
 * children and every other guardian of any of them. A class counts each family with at
 * least one child in it once.
 */
enum sh_db_rc sh_class_counts_read(struct sh_conn *conn, struct sh_arena *arena,
				   int64_t children[SH_CLASS_COUNT],
				   int64_t families[SH_CLASS_COUNT]);

/* Whether "user_id" may be staff: SH_DB_ROW with "*eligible_r" (an active teacher or
 * admin) when the account exists and is active, SH_DB_OK when there is no such account. */
enum sh_db_rc sh_class_staff_candidate(struct sh_conn *conn, const char *user_id,
				       bool *eligible_r);

/* The user ids of "class_name"'s staff rows (whatever their role now), as a NULL-ended
 * arena array. */
enum sh_db_rc sh_class_staff_ids(struct sh_conn *conn, struct sh_arena *arena,
				 const char *class_name, const char ***ids_r);
enum sh_db_rc sh_class_staff_remove(struct sh_conn *conn, const char *class_name,
				    const char *user_id);
/* Adds a staff row; one already there keeps its assigned_at. */
enum sh_db_rc sh_class_staff_add(struct sh_conn *conn, const char *class_name,
				 const char *user_id, const char *now);

/* GDPR: the classes "user_id" is assigned to, as [{class_name, assigned_at}] in "items". */
enum sh_db_rc sh_class_staff_export(struct sh_conn *conn, const char *user_id, json_t *items);
/* GDPR erasure: every staff row of "user_id". */
enum sh_db_rc sh_class_staff_erase_user(struct sh_conn *conn, const char *user_id);

#endif
