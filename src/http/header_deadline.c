/* The header-block deadline and its watchdog thread (see header_deadline.h). */
#include "http/header_deadline.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "schoolhub/mem.h"
#include "schoolhub/util.h"

/* How often the watchdog looks: a connection is closed at most this late. */
#define ROUND_MS 250

enum conn_state {
	WAITING_HEADERS, /* the clock runs */
	HEADERS_IN,      /* the handler has the request; no deadline until the reply is sent */
	EXPIRED,         /* the watchdog closed it */
};

struct sh_hd_conn {
	int fd;
	_Atomic int state;
	_Atomic int64_t since_ms; /* when the clock started */
	_Atomic bool served;       /* a reply has been sent on it (it may sit idle now) */
	struct sh_hd_conn *prev, *next;
};

struct sh_header_deadline {
	int64_t timeout_ms;
	const char *farewell;
	size_t farewell_len;
	struct sh_hd_hooks hooks;
	pthread_mutex_t lock; /* guards the list and "stopping" */
	pthread_cond_t wake;
	bool stopping;
	struct sh_hd_conn *head;
	pthread_t thread;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Tells the client why (best effort: a full send buffer drops it), then ends both directions.
 * shutdown() leaves the descriptor to libmicrohttpd, which sees the end of the stream and
 * closes the connection in its own thread. A reply libmicrohttpd itself started in the same
 * instant (431 for a block that just overflowed) could interleave with this one; the client
 * was out of time either way. */
static void close_late(struct sh_header_deadline *hd, struct sh_hd_conn *c)
{
	(void)send(c->fd, hd->farewell, hd->farewell_len, MSG_DONTWAIT | MSG_NOSIGNAL);
	shutdown(c->fd, SHUT_RDWR);
}

/*
 * Whether the client's bytes are all in: libmicrohttpd reads a connection only when its worker
 * thread is free, and a worker blocked in a slow handler (a login waiting for a password-hashing
 * slot) leaves the headers of its other connections unread in the kernel. Such a client is not
 * slow, the server is: its clock is not held against it while bytes wait to be read. A
 * trickler gains nothing from this: whatever it sends is read as soon as the worker is free.
 */
static bool all_read(int fd)
{
	int pending = 0;
	return ioctl(fd, FIONREAD, &pending) != 0 || pending == 0;
}

/* One round: closes the connections past the deadline; returns how many. */
static unsigned sweep(struct sh_header_deadline *hd)
{
	unsigned closed = 0;
	int64_t now = now_ms();
	for (struct sh_hd_conn *c = hd->head; c != NULL; c = c->next) {
		if (atomic_load(&c->state) != WAITING_HEADERS ||
		    now - atomic_load(&c->since_ms) < hd->timeout_ms || !all_read(c->fd))
			continue;
		int expected = WAITING_HEADERS;
		if (atomic_compare_exchange_strong(&c->state, &expected, EXPIRED)) {
			close_late(hd, c);
			closed++;
		}
	}
	return closed;
}

static void *watchdog(void *arg)
{
	struct sh_header_deadline *hd = arg;
	pthread_mutex_lock(&hd->lock);
	while (!hd->stopping) {
		struct timespec until = sh_deadline_after_ms(CLOCK_MONOTONIC, ROUND_MS);
		int rc = pthread_cond_timedwait(&hd->wake, &hd->lock, &until);
		if (hd->stopping || (rc != 0 && rc != ETIMEDOUT))
			break;
		unsigned closed = sweep(hd);
		pthread_mutex_unlock(&hd->lock);
		for (unsigned i = 0; i < closed && hd->hooks.expired != NULL; i++)
			hd->hooks.expired(hd->hooks.arg);
		if (hd->hooks.tick != NULL)
			hd->hooks.tick(hd->hooks.arg);
		pthread_mutex_lock(&hd->lock);
	}
	pthread_mutex_unlock(&hd->lock);
	return NULL;
}

struct sh_header_deadline *sh_header_deadline_start(unsigned timeout_s, const char *farewell,
						    size_t len, struct sh_hd_hooks hooks)
{
	struct sh_header_deadline *hd = sh_calloc(1, sizeof(*hd));
	hd->timeout_ms = (int64_t)timeout_s * 1000;
	hd->farewell = farewell;
	hd->farewell_len = len;
	hd->hooks = hooks;
	pthread_mutex_init(&hd->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&hd->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&hd->thread, NULL, watchdog, hd) != 0) {
		pthread_cond_destroy(&hd->wake);
		pthread_mutex_destroy(&hd->lock);
		sh_free(&hd);
	}
	return hd;
}

void sh_header_deadline_stop(struct sh_header_deadline **hd_r)
{
	struct sh_header_deadline *hd = *hd_r;
	if (hd == NULL)
		return;
	pthread_mutex_lock(&hd->lock);
	hd->stopping = true;
	pthread_cond_signal(&hd->wake);
	pthread_mutex_unlock(&hd->lock);
	pthread_join(hd->thread, NULL);
	/* Connections still listed (a daemon stopped without notifying) are freed here. */
	while (hd->head != NULL) {
		struct sh_hd_conn *c = hd->head;
		hd->head = c->next;
		sh_free(&c);
	}
	pthread_cond_destroy(&hd->wake);
	pthread_mutex_destroy(&hd->lock);
	sh_free(hd_r);
}

struct sh_hd_conn *sh_header_deadline_watch(struct sh_header_deadline *hd, int fd)
{
	struct sh_hd_conn *c = sh_calloc(1, sizeof(*c));
	c->fd = fd;
	atomic_init(&c->state, WAITING_HEADERS);
	atomic_init(&c->since_ms, now_ms());
	pthread_mutex_lock(&hd->lock);
	c->next = hd->head;
	if (hd->head != NULL)
		hd->head->prev = c;
	hd->head = c;
	pthread_mutex_unlock(&hd->lock);
	return c;
}

void sh_header_deadline_forget(struct sh_header_deadline *hd, struct sh_hd_conn **conn_r)
{
	struct sh_hd_conn *c = *conn_r;
	if (c == NULL)
		return;
	pthread_mutex_lock(&hd->lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		hd->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&hd->lock);
	sh_free(conn_r);
}

bool sh_header_deadline_headers_in(struct sh_hd_conn *conn)
{
	int expected = WAITING_HEADERS;
	return atomic_compare_exchange_strong(&conn->state, &expected, HEADERS_IN) ||
	       expected == HEADERS_IN;
}

void sh_header_deadline_rearm(struct sh_hd_conn *conn)
{
	atomic_store(&conn->served, true);
	/* The clock first, then the state: the watchdog reads them in the other order. */
	atomic_store(&conn->since_ms, now_ms());
	int expected = HEADERS_IN;
	atomic_compare_exchange_strong(&conn->state, &expected, WAITING_HEADERS);
}

size_t sh_header_deadline_arriving(struct sh_header_deadline *hd)
{
	size_t n = 0;
	pthread_mutex_lock(&hd->lock);
	for (struct sh_hd_conn *c = hd->head; c != NULL; c = c->next)
		if (atomic_load(&c->state) == WAITING_HEADERS &&
		    (!atomic_load(&c->served) || !all_read(c->fd)))
			n++;
	pthread_mutex_unlock(&hd->lock);
	return n;
}
