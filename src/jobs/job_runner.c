/*
 * Running due jobs: claim one, find its kind's handler among the enabled modules, run it
 * outside any transaction (an SMTP exchange takes seconds), record the outcome. Shared by
 * the worker threads and `schoolhub jobs run`.
 */
#include <string.h>
#include <time.h>

#include "jobs/job_queries.h"
#include "schoolhub/app.h"
#include "schoolhub/jobs.h"
#include "schoolhub/log.h"
#include "schoolhub/modules.h"
#include "schoolhub/util.h"

/* The longest wait between two attempts, however many failed. */
#define SH_JOB_BACKOFF_MAX_S (6L * 3600)
/* last_error is for an operator's eye: a line, not a transcript. */
#define SH_JOB_ERROR_MAX 400

static const struct sh_job_kind *kind_named(const struct sh_app *app, const char *name)
{
	for (size_t i = 0; i < sh_module_count; i++) {
		const struct sh_module *m = sh_modules[i];
		if ((app->cfg.modules & m->id) == 0)
			continue;
		for (size_t k = 0; k < m->job_kind_count; k++)
			if (strcmp(m->job_kinds[k].name, name) == 0)
				return &m->job_kinds[k];
	}
	return NULL;
}

/* Seconds before attempt "attempts" + 1: backoff, 2 x backoff, 4 x ... capped. */
static long backoff_after(const struct sh_jobs_policy *p, int64_t attempts)
{
	long wait = p->backoff_s;
	for (int64_t i = 1; i < attempts && wait < SH_JOB_BACKOFF_MAX_S; i++)
		wait *= 2;
	return wait < SH_JOB_BACKOFF_MAX_S ? wait : SH_JOB_BACKOFF_MAX_S;
}

static enum sh_job_outcome run_claimed(struct sh_app *app, struct sh_conn *conn,
				       const struct sh_job_claim *c, struct sh_arena *arena,
				       const char **error_r)
{
	const struct sh_job_kind *kind = kind_named(app, c->kind);
	if (kind == NULL) {
		*error_r = "no handler for this kind (is its module enabled?)";
		return SH_JOB_RETRY;
	}
	json_error_t jerr;
	json_t *payload = json_loads(c->payload, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(payload)) {
		json_decref(payload);
		*error_r = "payload is not a JSON object";
		return SH_JOB_FAIL;
	}
	struct sh_job job = {c->id, c->kind, payload, c->attempts, arena};
	*error_r = NULL;
	enum sh_job_outcome out = kind->run(app, conn, &job, error_r);
	json_decref(payload);
	if (out != SH_JOB_DONE && *error_r == NULL)
		*error_r = "failed";
	return out;
}

/* Claims and runs one job: 1 ran, 0 nothing due, -1 database error ("*rc_r"). */
static int run_one(struct sh_app *app, struct sh_conn *conn, const struct sh_jobs_policy *p,
		   const char *worker_id, enum sh_db_rc *rc_r)
{
	struct sh_arena *arena = sh_arena_create();
	time_t now_t = time(NULL);
	char now[SH_TIME_LEN + 1], lease[SH_TIME_LEN + 1];
	sh_time_format(now_t, now);
	sh_time_format(now_t + p->lease_s, lease);
	struct sh_job_claim c = {0};
	int ran = -1;
	enum sh_db_rc rc = sh_job_claim(conn, arena, worker_id, now, lease, &c);
	if (rc != SH_DB_ROW) {
		ran = rc == SH_DB_OK ? 0 : -1;
		goto out;
	}
	const char *error = NULL;
	enum sh_job_outcome outcome = run_claimed(app, conn, &c, arena, &error);
	time_t done_t = time(NULL);
	char done[SH_TIME_LEN + 1], again[SH_TIME_LEN + 1];
	sh_time_format(done_t, done);
	sh_time_format(done_t + backoff_after(p, c.attempts), again);
	const char *state = "done";
	if (outcome == SH_JOB_FAIL || (outcome == SH_JOB_RETRY && c.attempts >= p->max_attempts))
		state = "dead";
	else if (outcome == SH_JOB_RETRY)
		state = "queued";
	if (error != NULL && strlen(error) > SH_JOB_ERROR_MAX)
		error = sh_arena_strndup(arena, error, SH_JOB_ERROR_MAX);
	int64_t changed = 0;
	rc = sh_job_finish(conn, c.id, worker_id, state, strcmp(state, "queued") == 0 ? again : NULL,
			   outcome == SH_JOB_DONE ? NULL : error, done, &changed);
	if (rc != SH_DB_OK)
		goto out;
	if (changed == 0)
		sh_log_warn("job %s (%s): its lease ran out while it ran; another worker owns it",
			    c.id, c.kind);
	else if (strcmp(state, "dead") == 0)
		sh_log_error("job %s (%s) is dead after %lld attempt(s): %s", c.id, c.kind,
			     (long long)c.attempts, error);
	else if (strcmp(state, "queued") == 0)
		sh_log_warn("job %s (%s) failed (attempt %lld), next at %s: %s", c.id, c.kind,
			    (long long)c.attempts, again, error);
	ran = 1;
out:
	*rc_r = rc;
	sh_arena_destroy(&arena);
	return ran;
}

int sh_jobs_run_due(struct sh_app *app, struct sh_conn *conn, const struct sh_jobs_policy *p,
		    const char *worker_id, int max, int *ran_r, enum sh_db_rc *rc_r)
{
	*ran_r = 0;
	*rc_r = SH_DB_OK;
	int lost_races = 0;
	while (*ran_r < max) {
		int r = run_one(app, conn, p, worker_id, rc_r);
		if (r < 0)
			return -1;
		if (r == 1) {
			(*ran_r)++;
			continue;
		}
		/* Nothing claimed: either nothing is due, or another worker took the row this
		 * one had picked. Look again while due jobs remain (a few times at most). */
		char now[SH_TIME_LEN + 1];
		sh_time_now(now);
		int64_t due = 0;
		if ((*rc_r = sh_job_due_count(conn, now, &due)) != SH_DB_OK)
			return -1;
		if (due == 0 || ++lost_races > 8)
			break;
	}
	return 0;
}
