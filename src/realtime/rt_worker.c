/*
 * The realtime channel's database work, off the libwebsockets service loop.
 *
 * lws serves every socket of the instance from one thread: a query run there (an account
 * check waiting on a lock, a replay on a busy database) would stall every socket's pings,
 * events and closes for as long. So the service thread never touches the database: it
 * posts a job (struct rt_job) to a worker, the worker runs it on its own connection
 * (sh_db_thread_conn: one per thread) and hands it back on the "done" queue, then rings
 * the service thread with lws_cancel_service; the service thread drains the queue in
 * LWS_CALLBACK_EVENT_WAIT_CANCELLED and applies each result (job->finish).
 *
 * Two workers, each one thread and one connection, each FIFO:
 * - the reader owns the event log cursor: the live reads and the resumes go through it in
 *   the order they were posted, so a resume's replay always comes before the live events
 *   past its position (docs/REALTIME.md "Ordering");
 * - the checker does the account checks (auth, the periodic re-check), the typing
 *   audiences and the purge: a slow one never holds back the event reads.
 * A job names its socket by the session's id (rt_session.sid), never by pointer: the
 * socket may have closed meanwhile, and finish() then finds no session and drops the
 * result.
 */
#include <stdio.h>
#include <string.h>

#include "realtime/rt_private.h"
#include "schoolhub/log.h"
#include "schoolhub/mem.h"

static void job_free(struct rt_job *job)
{
	if (job->release != NULL)
		job->release(job);
	free(job);
}

static void jobs_free(struct rt_job *job)
{
	while (job != NULL) {
		struct rt_job *next = job->next;
		job_free(job);
		job = next;
	}
}

void rt_done_post(struct sh_realtime *rt, struct rt_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&rt->done_lock);
	if (rt->done_tail != NULL)
		rt->done_tail->next = job;
	else
		rt->done = job;
	rt->done_tail = job;
	pthread_mutex_unlock(&rt->done_lock);
	lws_cancel_service(rt->ctx);
}

void rt_done_drain(struct sh_realtime *rt)
{
	pthread_mutex_lock(&rt->done_lock);
	struct rt_job *job = rt->done;
	rt->done = rt->done_tail = NULL;
	pthread_mutex_unlock(&rt->done_lock);
	while (job != NULL) {
		struct rt_job *next = job->next;
		if (job->finish != NULL)
			job->finish(rt, job);
		job_free(job);
		job = next;
	}
}

static void *work(void *arg)
{
	struct rt_worker *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->head == NULL && !w->stop)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->stop)
			break;
		struct rt_job *job = w->head;
		w->head = job->next;
		if (w->head == NULL)
			w->tail = NULL;
		pthread_mutex_unlock(&w->lock);
		/* NULL when the database is away: the job says "try again later" itself. */
		job->run(w->rt, sh_db_thread_conn(w->rt->app->db), job);
		rt_done_post(w->rt, job);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int rt_worker_start(struct sh_realtime *rt, struct rt_worker *w, char **error_r)
{
	w->rt = rt;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	w->ready = true;
	if (pthread_create(&w->thread, NULL, work, w) != 0) {
		*error_r = sh_strdup("realtime: cannot start its database worker");
		return -1;
	}
	w->started = true;
	return 0;
}

void rt_worker_post(struct rt_worker *w, struct rt_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->tail != NULL)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

/* The job it runs finishes first (a query in flight is not interrupted); the queued ones
 * are dropped. Its thread's connection closes with the thread. */
void rt_worker_stop(struct rt_worker *w)
{
	if (!w->ready)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->lock);
		w->stop = true;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
		w->started = false;
	}
	jobs_free(w->head);
	w->head = w->tail = NULL;
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	w->ready = false;
}

/* After both workers stopped: results nobody will apply. */
void rt_done_free(struct sh_realtime *rt)
{
	jobs_free(rt->done);
	rt->done = rt->done_tail = NULL;
}

struct rt_session *rt_session_find(struct sh_realtime *rt, uint64_t sid)
{
	struct rt_session *s = rt_sids_find(rt, sid);
	return s != NULL && s->close_code == 0 ? s : NULL;
}
