/* Repeated warnings, one line per kind and interval (see log_summary.h). */
#include "http/log_summary.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "schoolhub/mem.h"

/* Distinct kinds counted at once; more than that share the last slot, so that a flood of
 * ever-new messages is still bounded. */
#define KINDS 16
#define OTHER_KIND "(other repeated warnings)"

struct kind_slot {
	char kind[96];
	char text[256];      /* the first message of the current interval */
	enum sh_log_level level;
	bool open;           /* an interval is running: repeats are counted, not logged */
	int64_t since_ms;    /* start of the current interval */
	unsigned long repeats;
};

struct sh_log_summary {
	pthread_mutex_t lock;
	int64_t interval_ms;
	struct kind_slot slots[KINDS];
};

/* A count line waiting to be written once the lock is released. */
struct pending {
	enum sh_log_level level;
	char text[256];
	unsigned long repeats;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct sh_log_summary *sh_log_summary_create(unsigned interval_s)
{
	struct sh_log_summary *s = sh_calloc(1, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->interval_ms = (int64_t)interval_s * 1000;
	return s;
}

static void write_count(const struct pending *p, int64_t interval_ms)
{
	sh_log(p->level, "%s (%lu more in the last %lld s)", p->text, p->repeats,
	       (long long)(interval_ms / 1000));
}

/* Ends the slot's interval if it is over; a count line goes to "out" when there were
 * repeats (and the interval restarts, since the flood may go on). */
static bool close_interval(struct sh_log_summary *s, struct kind_slot *k, int64_t now,
			   struct pending *out)
{
	if (!k->open || now - k->since_ms < s->interval_ms)
		return false;
	if (k->repeats == 0) {
		k->open = false;
		return false;
	}
	out->level = k->level;
	out->repeats = k->repeats;
	/* The shared slot counts warnings of many kinds: its first one is no fair sample. */
	if (strcmp(k->kind, OTHER_KIND) == 0)
		snprintf(out->text, sizeof(out->text), "%s", OTHER_KIND);
	else
		memcpy(out->text, k->text, sizeof(out->text));
	k->since_ms = now;
	k->repeats = 0;
	return true;
}

/* The kind's own slot; else an empty one, or one whose kind has been quiet for a whole
 * interval (closed, so nothing is left to count): the kinds seen over the process's life
 * must not pin the slots, or every warning new since would share the last one and, after
 * its first, be counted instead of logged. Not while the shared slot is counting, though:
 * ever-new messages (libmicrohttpd quotes the URL in some) would otherwise take a slot, and
 * a line, each as fast as slots close. */
static struct kind_slot *find_slot(struct sh_log_summary *s, const char *kind)
{
	struct kind_slot *reusable = NULL;
	bool flooded = s->slots[KINDS - 1].open;
	for (size_t i = 0; i < KINDS - 1; i++) {
		struct kind_slot *k = &s->slots[i];
		if (k->kind[0] != '\0' && strncmp(k->kind, kind, sizeof(k->kind) - 1) == 0)
			return k;
		if (reusable == NULL && (k->kind[0] == '\0' || (!k->open && !flooded)))
			reusable = k;
	}
	if (reusable != NULL) {
		snprintf(reusable->kind, sizeof(reusable->kind), "%s", kind);
		reusable->open = false;
		reusable->repeats = 0;
		return reusable;
	}
	struct kind_slot *other = &s->slots[KINDS - 1];
	if (other->kind[0] == '\0')
		snprintf(other->kind, sizeof(other->kind), "%s", OTHER_KIND);
	return other;
}

void sh_log_summary_note(struct sh_log_summary *s, enum sh_log_level level, const char *kind,
			 const char *text)
{
	if (level < sh_log_get_level())
		return;
	int64_t now = now_ms();
	struct pending count;
	bool have_count, log_now;
	pthread_mutex_lock(&s->lock);
	struct kind_slot *k = find_slot(s, kind);
	have_count = close_interval(s, k, now, &count);
	log_now = !k->open;
	if (log_now) {
		k->open = true;
		k->since_ms = now;
		k->repeats = 0;
		k->level = level;
		snprintf(k->text, sizeof(k->text), "%s", text);
	} else {
		k->repeats++;
	}
	pthread_mutex_unlock(&s->lock);
	if (have_count)
		write_count(&count, s->interval_ms);
	if (log_now)
		sh_log(level, "%s", text);
}

void sh_log_summary_flush(struct sh_log_summary *s)
{
	int64_t now = now_ms();
	struct pending counts[KINDS];
	size_t n = 0;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < KINDS; i++)
		if (close_interval(s, &s->slots[i], now, &counts[n]))
			n++;
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < n; i++)
		write_count(&counts[i], s->interval_ms);
}

void sh_log_summary_destroy(struct sh_log_summary **summary_r)
{
	struct sh_log_summary *s = *summary_r;
	if (s == NULL)
		return;
	for (size_t i = 0; i < KINDS; i++) {
		struct kind_slot *k = &s->slots[i];
		if (k->open && k->repeats > 0)
			sh_log(k->level, "%s (%lu more in the last %lld s)",
			       strcmp(k->kind, OTHER_KIND) == 0 ? OTHER_KIND : k->text, k->repeats,
			       (long long)((now_ms() - k->since_ms + 999) / 1000));
	}
	pthread_mutex_destroy(&s->lock);
	sh_free(summary_r);
}
