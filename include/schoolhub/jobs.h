/*
 * Durable jobs: work that must happen after a change commits (an e-mail), written in
 * the same transaction as the change (an outbox) and run by worker threads inside the
 * server process, or by `schoolhub jobs run` from cron.
 *
 * - At least once: a job is claimed with a lease (jobs.locked_by, locked_until); a job
 *   whose worker died is claimed again when the lease runs out. Handlers must therefore
 *   be safe to run twice: e-mails carry a Message-ID derived from the job id, so a second
 *   delivery is the same message, and the file outbox overwrites the same file.
 * - Several workers or instances on one database never run one job at the same time: the
 *   claim is one conditional UPDATE (the lease in its WHERE), on SQLite and PostgreSQL.
 * - A failure is retried with exponential back-off (backoff_s, 2 x, 4 x ... at most 6 h);
 *   after max_attempts claims the job is "dead": listed by GET /api/v1/admin/jobs?state=dead
 *   and `schoolhub jobs list --state dead`, until an admin retries it.
 *
 * This layer knows no module: the kinds and their handlers come from the modules'
 * job_kinds tables (modules.h).
 */
#ifndef SCHOOLHUB_JOBS_H
#define SCHOOLHUB_JOBS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "schoolhub/arena.h"
#include "schoolhub/store.h"

struct sh_app;
struct sh_jw;

/* A claimed job as its handler sees it (strings in the job's arena). */
struct sh_job {
	const char *id;
	const char *kind;
	json_t *payload; /* the enqueued object; owned by the runner */
	int64_t attempts; /* this claim included: 1 on the first run */
	struct sh_arena *arena;
};

enum sh_job_outcome {
	SH_JOB_DONE,  /* finished (or nothing left to do) */
	SH_JOB_RETRY, /* failed for now: run again after the back-off, dead after the last */
	SH_JOB_FAIL,  /* can never succeed (bad payload): dead at once */
};

/* A kind's handler: "*error_r" (arena string, no secrets) says why on RETRY/FAIL. */
typedef enum sh_job_outcome sh_job_run_fn(struct sh_app *app, struct sh_conn *conn,
					  const struct sh_job *job, const char **error_r);

struct sh_job_kind {
	const char *name; /* "<module>.<what>", e.g. "auth.verify_email" */
	sh_job_run_fn *run;
};

/* How jobs are run (the jobs module's settings, docs/CONFIG.md). */
struct sh_jobs_policy {
	long max_attempts; /* claims before a failing job is dead */
	long backoff_s;    /* wait after the first failure; doubles each time */
	long lease_s;      /* how long a claim is exclusive (longer than any job runs) */
	long poll_ms;      /* how often an idle worker looks for due jobs */
};

/*
 * Writes a job of "kind" with "payload" (a JSON object, borrowed), due now, inside the
 * caller's transaction: it exists if and only if the caller's change commits. "id_r"
 * (may be NULL) receives its id. SH_DB_OK or a store error.
 */
enum sh_db_rc sh_job_enqueue(struct sh_conn *conn, const char *kind, json_t *payload,
			     char id_r[37]);

/* The same, due at "run_at" (RFC 3339 UTC; NULL: now): work that must wait (an e-mail held
 * until a member's quiet hours end, a scheduled digest). */
enum sh_db_rc sh_job_enqueue_at(struct sh_conn *conn, const char *kind, json_t *payload,
				const char *run_at, char id_r[37]);

/* Wakes the app's workers (after the commit that enqueued something): no poll delay. */
void sh_jobs_wake(struct sh_app *app);

/*
 * Claims and runs due jobs one at a time until none is due or "max" ran; "*ran_r" counts
 * them. 0, or -1 on a database error ("*rc_r" says which: SH_DB_DOWN wants a new
 * connection). "worker_id" names the claimer in locked_by.
 */
int sh_jobs_run_due(struct sh_app *app, struct sh_conn *conn, const struct sh_jobs_policy *p,
		    const char *worker_id, int max, int *ran_r, enum sh_db_rc *rc_r);

/* Deletes done jobs last updated before "before" (their payloads hold addresses). */
enum sh_db_rc sh_jobs_purge_done(struct sh_conn *conn, const char *before);

/*
 * Lists jobs newest first as {id, kind, state, attempts, run_at, last_error, created_at,
 * updated_at} values written into "w" (an open array): "state" NULL for all, strictly
 * before "before_id" (NULL from the newest), at most "limit" + 1 rows (the extra one says
 * there is a next page); "*count_r" rows written and "*last_id_r" (arena) the last one.
 */
enum sh_db_rc sh_jobs_list(struct sh_conn *conn, struct sh_arena *arena, const char *state,
			   const char *before_id, int limit, struct sh_jw *w, int *count_r,
			   const char **last_id_r);
/* One job in the list's shape, written into "w": SH_DB_ROW, or SH_DB_OK when none. */
enum sh_db_rc sh_job_write(struct sh_conn *conn, const char *id, struct sh_jw *w);
/*
 * Puts dead job "id" back in the queue, due now, with its attempts counted from zero.
 * SH_DB_ROW when it did, SH_DB_OK when the job is unknown, SH_DB_UNIQUE (used as
 * "conflict") when it exists but is not dead.
 */
enum sh_db_rc sh_job_retry(struct sh_conn *conn, const char *id);

/* The queue as /metrics shows it: queued jobs due by "now" (waiting for a worker),
 * queued for later, running (leased), dead. */
struct sh_jobs_depth {
	int64_t due, scheduled, running, dead;
};
enum sh_db_rc sh_jobs_depth(struct sh_conn *conn, const char *now, struct sh_jobs_depth *depth_r);

/* The worker threads of a serving process (src/jobs/job_worker.c). */
struct sh_job_worker;
/* Starts "threads" worker threads, each with its own connection. NULL with "*error_r". */
struct sh_job_worker *sh_job_worker_start(struct sh_app *app, const struct sh_jobs_policy *p,
					  unsigned threads, char **error_r);
/* Lets each thread finish the job it is running, then joins them; clears "*w_r". */
void sh_job_worker_stop(struct sh_job_worker **w_r);
void sh_job_worker_wake(struct sh_job_worker *w);

#endif
