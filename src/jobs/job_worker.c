/*
 * The job worker threads of a serving process. Lifecycle modelled on the SQLite
 * checkpointer: a mutex, a condition variable, a stop flag, join. Each thread has its own
 * connection (re-made when the database was lost), claims due jobs until none is left,
 * then sleeps poll_ms or until sh_jobs_wake. Stopping lets the job in progress finish
 * (SMTP timeouts bound it), so a graceful shutdown never leaves a job half-recorded; a
 * killed process leaves it "running" until its lease runs out, and it is run again.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "schoolhub/app.h"
#include "schoolhub/jobs.h"
#include "schoolhub/log.h"
#include "schoolhub/mem.h"
#include "schoolhub/util.h"

#define SH_JOB_WORKERS_MAX 16
/* Done jobs are kept a week (for an operator's look), then deleted (they hold addresses). */
#define SH_JOB_DONE_KEEP_S (7L * 86400)
#define SH_JOB_PURGE_EVERY_S 3600

struct worker_thread {
	struct sh_job_worker *owner;
	pthread_t thread;
	char id[SH_UUID_LEN + 1]; /* locked_by of its claims */
	bool started;
};

struct sh_job_worker {
	struct sh_app *app;
	struct sh_jobs_policy policy;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;          /* under lock */
	unsigned wakeups;   /* under lock: sh_job_worker_wake calls not yet seen */
	unsigned count;
	struct worker_thread threads[SH_JOB_WORKERS_MAX];
};

static void wait_for_work(struct sh_job_worker *w, long ms)
{
	struct timespec until = sh_deadline_after_ms(CLOCK_REALTIME, ms);
	pthread_mutex_lock(&w->lock);
	while (!w->stop && w->wakeups == 0)
		if (pthread_cond_timedwait(&w->wake, &w->lock, &until) == ETIMEDOUT)
			break;
	if (w->wakeups > 0)
		w->wakeups--;
	pthread_mutex_unlock(&w->lock);
}

static bool stopping(struct sh_job_worker *w)
{
	pthread_mutex_lock(&w->lock);
	bool stop = w->stop;
	pthread_mutex_unlock(&w->lock);
	return stop;
}

static void purge_now_and_then(struct sh_conn *conn, time_t *last)
{
	time_t now = time(NULL);
	if (now - *last < SH_JOB_PURGE_EVERY_S)
		return;
	*last = now;
	char before[SH_TIME_LEN + 1];
	sh_time_format(now - SH_JOB_DONE_KEEP_S, before);
	if (sh_jobs_purge_done(conn, before) != SH_DB_OK)
		sh_log_warn("jobs: could not delete old done jobs: %s", sh_conn_last_error(conn));
}

static void *worker_main(void *arg)
{
	struct worker_thread *t = arg;
	struct sh_job_worker *w = t->owner;
	struct sh_conn *conn = NULL;
	time_t last_purge = 0;
	while (!stopping(w)) {
		if (conn == NULL) {
			char *error = NULL;
			conn = sh_db_connect(w->app->db, &error);
			if (conn == NULL) {
				sh_log_warn("jobs: no database connection: %s", error ? error : "");
				sh_free(&error);
				wait_for_work(w, w->policy.poll_ms * 5);
				continue;
			}
		}
		int ran = 0;
		enum sh_db_rc rc = SH_DB_OK;
		/* A batch at a time, so a stop request is seen between batches. */
		if (sh_jobs_run_due(w->app, conn, &w->policy, t->id, 16, &ran, &rc) != 0) {
			sh_log_warn("jobs: database error %d while running jobs", (int)rc);
			if (rc == SH_DB_DOWN)
				sh_conn_close(&conn);
			wait_for_work(w, w->policy.poll_ms);
			continue;
		}
		purge_now_and_then(conn, &last_purge);
		if (ran < 16)
			wait_for_work(w, w->policy.poll_ms);
	}
	sh_conn_close(&conn);
	return NULL;
}

struct sh_job_worker *sh_job_worker_start(struct sh_app *app, const struct sh_jobs_policy *p,
					  unsigned threads, char **error_r)
{
	struct sh_job_worker *w = sh_calloc(1, sizeof(*w));
	w->app = app;
	w->policy = *p;
	w->count = threads < SH_JOB_WORKERS_MAX ? threads : SH_JOB_WORKERS_MAX;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	for (unsigned i = 0; i < w->count; i++) {
		struct worker_thread *t = &w->threads[i];
		t->owner = w;
		sh_uuid_v4(t->id);
		if (pthread_create(&t->thread, NULL, worker_main, t) != 0) {
			*error_r = sh_strdup("cannot start a job worker thread");
			sh_job_worker_stop(&w);
			return NULL;
		}
		t->started = true;
	}
	return w;
}

void sh_job_worker_wake(struct sh_job_worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->wakeups = w->count;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

void sh_job_worker_stop(struct sh_job_worker **w_r)
{
	struct sh_job_worker *w = *w_r;
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	for (unsigned i = 0; i < w->count; i++)
		if (w->threads[i].started)
			pthread_join(w->threads[i].thread, NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	sh_free(w_r);
}

void sh_jobs_wake(struct sh_app *app)
{
	if (app->jobs != NULL)
		sh_job_worker_wake(app->jobs);
}
