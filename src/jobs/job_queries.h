/* The job queue's SQL used by the runner (the rest is public in schoolhub/jobs.h). */
#ifndef SCHOOLHUB_JOB_QUERIES_H
#define SCHOOLHUB_JOB_QUERIES_H

#include <stdint.h>

#include "schoolhub/jobs.h"

/* A claimed row (arena strings). */
struct sh_job_claim {
	const char *id, *kind, *payload;
	int64_t attempts;
};

/* Claims the oldest due job for "worker" until "lease_until": SH_DB_ROW with "*c", SH_DB_OK
 * when nothing is due (or another worker won the race for it), or a store error. */
enum sh_db_rc sh_job_claim(struct sh_conn *conn, struct sh_arena *arena, const char *worker,
			   const char *now, const char *lease_until, struct sh_job_claim *c);
/* Jobs due at "now" that nobody holds (SH_DB_OK with the count). */
enum sh_db_rc sh_job_due_count(struct sh_conn *conn, const char *now, int64_t *count_r);
/* Records the outcome of a claim still held by "worker": "state" done, queued (again at
 * "run_at") or dead, with "error" (NULL when done). "*changed_r" 0 when the lease was lost. */
enum sh_db_rc sh_job_finish(struct sh_conn *conn, const char *id, const char *worker,
			    const char *state, const char *run_at, const char *error,
			    const char *now, int64_t *changed_r);

#endif
