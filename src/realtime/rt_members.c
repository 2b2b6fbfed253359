/*
 * The indexes of the open sockets by member and by session id (service thread only): a
 * chained hash of user_id whose chains run through the sessions themselves
 * (member_prev/member_next), and one of sid (sid_prev/sid_next).
 *
 * Delivering one event row, counting a member's sockets and the account re-check each
 * need the sockets of one member; a walk of every socket per row cost 1,000 x 1,000
 * strcmp for one class message (docs/PERFORMANCE.md, session 7). A socket joins the index
 * when its auth frame names its member (rt_auth.c) and leaves it when it closes.
 */
#include <string.h>

#include "realtime/rt_private.h"
#include "schoolhub/mem.h"

#define RT_MEMBERS_FIRST 256 /* buckets at the first socket; doubled past 2 per bucket */

static size_t member_hash(const char *user_id)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)user_id; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (size_t)h;
}

static void chain_push(struct rt_session **bucket, struct rt_session *s)
{
	s->member_prev = NULL;
	s->member_next = *bucket;
	if (*bucket != NULL)
		(*bucket)->member_prev = s;
	*bucket = s;
}

/* Doubles the buckets: chains stay at about two sockets whatever the number open. */
static void grow(struct sh_realtime *rt)
{
	size_t n = rt->member_nbuckets ? rt->member_nbuckets * 2 : RT_MEMBERS_FIRST;
	struct rt_session **buckets = sh_calloc(n, sizeof(*buckets));
	for (size_t i = 0; i < rt->member_nbuckets; i++) {
		struct rt_session *s = rt->member_buckets[i];
		while (s != NULL) {
			struct rt_session *next = s->member_next;
			chain_push(&buckets[member_hash(s->user_id) & (n - 1)], s);
			s = next;
		}
	}
	free(rt->member_buckets);
	rt->member_buckets = buckets;
	rt->member_nbuckets = n;
}

void rt_members_add(struct sh_realtime *rt, struct rt_session *s)
{
	if (s->indexed)
		return;
	if (rt->member_count >= rt->member_nbuckets * 2)
		grow(rt);
	chain_push(&rt->member_buckets[member_hash(s->user_id) & (rt->member_nbuckets - 1)], s);
	s->indexed = true;
	rt->member_count++;
}

void rt_members_remove(struct sh_realtime *rt, struct rt_session *s)
{
	if (!s->indexed)
		return;
	if (s->member_prev != NULL)
		s->member_prev->member_next = s->member_next;
	else
		rt->member_buckets[member_hash(s->user_id) & (rt->member_nbuckets - 1)] =
			s->member_next;
	if (s->member_next != NULL)
		s->member_next->member_prev = s->member_prev;
	s->member_prev = s->member_next = NULL;
	s->indexed = false;
	rt->member_count--;
}

static struct rt_session *same_member(struct rt_session *s, const char *user_id)
{
	while (s != NULL && strcmp(s->user_id, user_id) != 0)
		s = s->member_next;
	return s;
}

struct rt_session *rt_member_first(const struct sh_realtime *rt, const char *user_id)
{
	if (rt->member_nbuckets == 0)
		return NULL;
	return same_member(rt->member_buckets[member_hash(user_id) & (rt->member_nbuckets - 1)],
			   user_id);
}

struct rt_session *rt_member_next(const struct rt_session *s)
{
	return same_member(s->member_next, s->user_id);
}


/* ---- The sockets by session id: a worker's result finds its socket (rt_session_find)
 * in one look-up, not a walk of every socket per result (two per auth). Ids are
 * consecutive: the low bits spread them evenly over the buckets. */

static void sid_push(struct rt_session **bucket, struct rt_session *s)
{
	s->sid_prev = NULL;
	s->sid_next = *bucket;
	if (*bucket != NULL)
		(*bucket)->sid_prev = s;
	*bucket = s;
}

static void sid_grow(struct sh_realtime *rt)
{
	size_t n = rt->sid_nbuckets ? rt->sid_nbuckets * 2 : RT_MEMBERS_FIRST;
	struct rt_session **buckets = sh_calloc(n, sizeof(*buckets));
	for (size_t i = 0; i < rt->sid_nbuckets; i++) {
		struct rt_session *s = rt->sid_buckets[i];
		while (s != NULL) {
			struct rt_session *next = s->sid_next;
			sid_push(&buckets[s->sid & (n - 1)], s);
			s = next;
		}
	}
	free(rt->sid_buckets);
	rt->sid_buckets = buckets;
	rt->sid_nbuckets = n;
}

void rt_sids_add(struct sh_realtime *rt, struct rt_session *s)
{
	if (rt->sid_count >= rt->sid_nbuckets * 2)
		sid_grow(rt);
	sid_push(&rt->sid_buckets[s->sid & (rt->sid_nbuckets - 1)], s);
	rt->sid_count++;
}

void rt_sids_remove(struct sh_realtime *rt, struct rt_session *s)
{
	if (rt_sids_find(rt, s->sid) != s)
		return; /* never added (closed before it was established) */
	if (s->sid_prev != NULL)
		s->sid_prev->sid_next = s->sid_next;
	else
		rt->sid_buckets[s->sid & (rt->sid_nbuckets - 1)] = s->sid_next;
	if (s->sid_next != NULL)
		s->sid_next->sid_prev = s->sid_prev;
	s->sid_prev = s->sid_next = NULL;
	rt->sid_count--;
}

struct rt_session *rt_sids_find(const struct sh_realtime *rt, uint64_t sid)
{
	if (rt->sid_nbuckets == 0)
		return NULL;
	struct rt_session *s = rt->sid_buckets[sid & (rt->sid_nbuckets - 1)];
	while (s != NULL && s->sid != sid)
		s = s->sid_next;
	return s;
}

void rt_members_free(struct sh_realtime *rt)
{
	sh_free(&rt->member_buckets);
	rt->member_nbuckets = rt->member_count = 0;
	sh_free(&rt->sid_buckets);
	rt->sid_nbuckets = rt->sid_count = 0;
}
