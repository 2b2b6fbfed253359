/*
 * The school-year rollover's SQL (POST /api/v1/admin/school-year/rollover): the plan (every
 * child at the school and the class it moves to), the moves themselves, the P6 leavers'
 * guardians, and the runs (migration 0019).
 */
#ifndef SCHOOLHUB_ADMIN_ROLLOVER_QUERIES_H
#define SCHOOLHUB_ADMIN_ROLLOVER_QUERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modules/classes/classes.h"
#include "schoolhub/arena.h"
#include "schoolhub/store.h"

struct rollover_move {
	const char *child_id, *first_name, *from;
	const char *to; /* the next class, or NULL: the child leaves (P6) */
};

/* What a rollover does, read in the transaction that runs it (or in the dry run's). */
struct rollover_plan {
	size_t n, leaving;
	struct rollover_move *moves; /* school order, then first name, then id */
	int64_t before[SH_CLASS_COUNT]; /* children per class now */
	int64_t after[SH_CLASS_COUNT]; /* children per class once it ran */
};

/* The plan: every child not archived (children.left_at NULL), into "arena". */
enum sh_db_rc rollover_plan_read(struct sh_conn *conn, struct sh_arena *arena,
				 struct rollover_plan *plan);

/* SH_DB_ROW when a run is recorded with ran_at after "since" (whatever its school year),
 * SH_DB_OK when not. */
enum sh_db_rc rollover_run_since(struct sh_conn *conn, const char *since);

/* Archives the P6 children (left_at = "now") then moves every other child up one class;
 * SH_DB_ERROR when the rows changed are not the plan's (fail closed). */
enum sh_db_rc rollover_apply(struct sh_conn *conn, const struct rollover_plan *plan,
			     const char *now);

/* The guardians of "child_id" whose account is not erased, NULL-terminated, in "arena". */
enum sh_db_rc rollover_guardians(struct sh_conn *conn, struct sh_arena *arena, const char *child_id,
				 const char ***ids_r);

struct rollover_run {
	const char *id, *school_year, *ran_at, *ran_by;
	bool forced;
	int64_t moved, left;
};
enum sh_db_rc rollover_run_insert(struct sh_conn *conn, const struct rollover_run *run);

#endif
