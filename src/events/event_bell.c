/* The event bell (see events.h): committed events -> the realtime thread, in-process. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "schoolhub/app.h"
#include "schoolhub/events.h"
#include "schoolhub/mem.h"

struct sh_event_bell {
	pthread_mutex_t lock;
	pthread_cond_t rung;
	uint64_t rings;          /* under lock */
	void (*on_ring)(void *); /* set before the ringing threads start (events.h) */
	void *on_ring_ctx;
};

struct sh_event_bell *sh_event_bell_new(void)
{
	struct sh_event_bell *bell = sh_calloc(1, sizeof(*bell));
	pthread_condattr_t attr;
	if (pthread_condattr_init(&attr) != 0) {
		sh_free(&bell);
		return NULL;
	}
	/* Timed waits against the monotonic clock: a clock change never stretches a wait. */
	bool ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
		  pthread_cond_init(&bell->rung, &attr) == 0;
	pthread_condattr_destroy(&attr);
	if (!ok || pthread_mutex_init(&bell->lock, NULL) != 0) {
		if (ok)
			pthread_cond_destroy(&bell->rung);
		sh_free(&bell);
	}
	return bell;
}

void sh_event_bell_free(struct sh_event_bell **bell_r)
{
	struct sh_event_bell *bell = *bell_r;
	if (bell == NULL)
		return;
	pthread_cond_destroy(&bell->rung);
	pthread_mutex_destroy(&bell->lock);
	sh_free(bell_r);
}

void sh_event_bell_ring(struct sh_event_bell *bell)
{
	pthread_mutex_lock(&bell->lock);
	bell->rings++;
	void (*fn)(void *) = bell->on_ring;
	void *ctx = bell->on_ring_ctx;
	pthread_cond_broadcast(&bell->rung);
	pthread_mutex_unlock(&bell->lock);
	if (fn != NULL)
		fn(ctx);
}

void sh_events_wake(struct sh_app *app)
{
	if (app != NULL && app->events != NULL)
		sh_event_bell_ring(app->events);
}

uint64_t sh_event_bell_wait(struct sh_event_bell *bell, uint64_t seen, long timeout_ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&bell->lock);
	while (bell->rings == seen)
		if (pthread_cond_timedwait(&bell->rung, &bell->lock, &until) == ETIMEDOUT)
			break;
	uint64_t rings = bell->rings;
	pthread_mutex_unlock(&bell->lock);
	return rings;
}

void sh_event_bell_on_ring(struct sh_event_bell *bell, void (*fn)(void *ctx), void *ctx)
{
	pthread_mutex_lock(&bell->lock);
	bell->on_ring = fn;
	bell->on_ring_ctx = ctx;
	pthread_mutex_unlock(&bell->lock);
}
