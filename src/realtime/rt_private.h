/* What the realtime channel's files share (src/realtime): settings, the channel, a socket. */
#ifndef SCHOOLHUB_RT_PRIVATE_H
#define SCHOOLHUB_RT_PRIVATE_H

#include <jansson.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "schoolhub/app.h"
#include "schoolhub/realtime.h"

/* Protocol v1 limits and close codes (docs/REALTIME.md lists every one). */
#define RT_MAX_MESSAGE 16384	 /* bytes of one client message, and of one frame */
#define RT_REPLAY_MAX 1000	 /* events replayed on resume; more: {"type":"resync"} */
#define RT_AUTH_TIMEOUT_S 10	 /* the first frame (auth) must come within this */
#define RT_TYPING_EVERY_MS 2000 /* one typing frame per conversation per socket this often */
#define RT_TYPING_SLOTS 4	 /* conversations a socket may type in within that window */
#define RT_CLOSE_GOING_AWAY 1001 /* the server stops */
#define RT_CLOSE_TOO_BIG 1009	 /* a message over RT_MAX_MESSAGE */
#define RT_CLOSE_SERVER_ERROR 1011 /* the database cannot be read: retry later */
#define RT_CLOSE_BUSY 1013	 /* too many sockets from the client's address: retry later */
#define RT_CLOSE_PROTOCOL 4400	 /* not a v1 JSON text frame, or an unknown type */
#define RT_CLOSE_UNAUTHORIZED 4401 /* no auth in time, a bad token, expired, account changed */
#define RT_CLOSE_ORIGIN 4403	 /* the page's Origin is not the app's */
#define RT_CLOSE_TOO_SLOW 4408	 /* the send queue overflowed: resume from last_event_id */
#define RT_CLOSE_TOO_MANY 4429	 /* the member already has max_sockets sockets open */

struct rt_settings {
	int port;		 /* -1: off */
	char *url;		 /* SCHOOLHUB_REALTIME_URL, or NULL */
	char *redis_url;	 /* REDIS_URL, or NULL */
	long poll_ms;		 /* read the log this often without Redis */
	long recheck_s;		 /* re-read every socket's account this often */
	long queue_bytes;	 /* bound of one socket's send queue */
	long max_sockets;	 /* per member */
	long max_per_ip;	 /* open sockets per client address, authenticated or not */
	long keep_days;		 /* member_events older than this are purged; 0 keeps all */
};

/* One message waiting to be written, with lws's LWS_PRE bytes in front. */
struct rt_msg {
	struct rt_msg *next;
	size_t len;
	unsigned char buf[]; /* LWS_PRE + len */
};

/* A conversation this socket sent "typing" for, and when (rt_typing.c's rate limit). */
struct rt_typing_slot {
	char conv[37];
	int64_t at_ms;
};

/* Where a socket's auth stands while its database work is in flight (rt_auth.c). */
enum rt_auth_stage {
	RT_AUTH_NONE,	   /* no auth frame yet (or live: see authed) */
	RT_AUTH_CHECKING,  /* the token is valid; the checker reads the account */
	RT_AUTH_RESUMING,  /* the account stands; the reader computes "ready" and the replay */
};

/* One WebSocket: lws's per-session data, touched by the service thread only. */
struct rt_session {
	struct lws *wsi;
	struct rt_session *prev, *next; /* every open socket (struct sh_realtime.sessions) */
	struct rt_session *member_prev, *member_next; /* its bucket of the index (rt_members.c) */
	bool indexed;	/* in the index by member: its user_id is set */
	struct rt_session *sid_prev, *sid_next; /* its bucket of the index by sid (rt_members.c) */
	uint64_t sid;	/* unique for the channel's life: what a database job names it by */
	bool authed;	/* auth accepted: receives events */
	enum rt_auth_stage stage;
	int64_t expires_at; /* the token's expiry (unix seconds), once checked */
	int64_t deadline_ms; /* rt_now_ms: no auth by then, or the token expired; 0: none */
	int close_code; /* nonzero: closing with it, sends nothing else */
	const char *close_reason;
	char user_id[37];
	char ip[64];		/* the client's address (sh_client_ip: X-Real-IP of a trusted proxy) */
	int64_t generation;
	int64_t last_sent; /* highest event id queued for it: never sent twice */
	struct rt_msg *head, *tail;
	size_t queued_bytes, allowance; /* allowance: the replay's size, on top of the bound */
	char *rx;		/* a message arriving in fragments */
	size_t rx_len;
	struct rt_typing_slot typing[RT_TYPING_SLOTS];
	uint64_t typing_round; /* the last typing relay that reached it (rt_typing.c) */
};

struct rt_redis;
struct sh_realtime;
struct sh_conn;

/*
 * A piece of database work (rt_worker.c): run() in a worker thread on its connection
 * (NULL when the database is away), then finish() in the service thread with the result.
 * A concrete job embeds this first; release() frees what it owns besides the job itself.
 */
struct rt_job {
	struct rt_job *next;
	void (*run)(struct sh_realtime *rt, struct sh_conn *conn, struct rt_job *job);
	void (*finish)(struct sh_realtime *rt, struct rt_job *job); /* NULL: nothing to apply */
	void (*release)(struct rt_job *job);			   /* NULL: nothing owned */
};

/* One database thread with its FIFO of jobs (the checkpointer's lifecycle). */
struct rt_worker {
	struct sh_realtime *rt;
	pthread_t thread;
	bool ready, started;
	pthread_mutex_t lock; /* guards head, tail, stop */
	pthread_cond_t wake;
	struct rt_job *head, *tail;
	bool stop;
};

/* Ids missing just past the cursor while a higher one is visible: a transaction that
 * drew them may still commit (PostgreSQL), or they never will (rolled back). */
struct rt_hole {
	int64_t lo, hi;	  /* 0, 0: none */
	int64_t seen_ms;  /* first seen */
	int64_t xid_horizon; /* PostgreSQL: every transaction open then has an xid below this */
};

/* One event read from member_events, handed to the service thread. */
struct rt_event {
	struct rt_event *next;
	int64_t id;
	char user_id[37];
	char *kind, *data; /* in the same allocation */
};

struct sh_realtime {
	struct sh_app *app;
	struct rt_settings set;
	unsigned http_port;
	int port; /* bound */
	struct lws_context *ctx;
	pthread_t thread;
	atomic_bool stopping;
	atomic_bool local_wake;	      /* sh_realtime_wake since the last read */
	atomic_llong remote_hint;     /* highest id another instance announced */
	atomic_long open_sockets;     /* sessions opened and not yet closed (/metrics) */
	struct rt_redis *redis;	      /* NULL without REDIS_URL */
	char instance[33];	      /* random: tells this instance's typing notes on Redis */
	pthread_mutex_t typing_lock;  /* guards the inbox (the Redis thread fills it) */
	struct rt_msg *typing_inbox, *typing_inbox_tail; /* other instances' typing notes */
	size_t typing_inbox_count;
	struct rt_worker reader;  /* the event log: live reads and resumes, in order */
	struct rt_worker checker; /* accounts, typing audiences, the purge */
	pthread_mutex_t done_lock; /* guards done (both workers fill it) */
	struct rt_job *done, *done_tail;
	atomic_llong cursor; /* every event up to it was read (the reader writes it) */
	bool cursor_known;   /* the reader's */
	struct rt_hole hole; /* the reader's: ids missing just past the cursor (rt_dispatch.c) */
	atomic_bool hole_open; /* read again soon: the hole may fill */
	atomic_int batches_ahead; /* read, not yet applied by the service thread */

	/* The service thread's own state. */
	struct rt_session *sessions;
	struct rt_session **member_buckets; /* the sessions by member (rt_members.c) */
	size_t member_nbuckets, member_count;
	struct rt_session **sid_buckets; /* the sessions by sid (rt_members.c) */
	size_t sid_nbuckets, sid_count;
	uint64_t next_sid;
	uint64_t typing_round; /* counts typing relays (rt_typing.c) */
	bool read_queued, read_again, read_announce; /* one live read in flight at most */
	bool recheck_queued;
	int64_t last_poll_ms, next_recheck_ms, next_purge_ms;
	int64_t drain_until_ms; /* stopping: sockets closed, waiting for them until then */
	lws_sorted_usec_list_t tick;
};

int64_t rt_now_ms(void);

/* rt_settings.c */
int rt_settings_load(struct rt_settings *s, unsigned http_port, char **error_r);
void rt_settings_free(struct rt_settings *s);

/* rt_session.c: the protocol callback and a socket's queue. */
extern const struct lws_protocols rt_protocols[];
/* Queues a text message (copied); past the bound the socket closes with 4408. */
void rt_session_send(struct sh_realtime *rt, struct rt_session *s, const char *text, size_t len);
/* Closes the socket with "code" at its next write (or drops it if it never can write). */
void rt_session_close(struct rt_session *s, int code, const char *reason);
int rt_sessions_of(const struct sh_realtime *rt, const char *user_id);
/* Closes the sockets whose deadline passed (the tick): the auth's 10 s, the token's expiry. */
void rt_sessions_expire(struct sh_realtime *rt, int64_t now_ms);

/* The open (not closing) socket of that id, or NULL: it closed while its job ran. */
struct rt_session *rt_session_find(struct sh_realtime *rt, uint64_t sid);
/* Queues {"type":"event",...} on the socket and moves its last_sent. */
void rt_session_send_event(struct sh_realtime *rt, struct rt_session *s, int64_t id,
			   const char *kind, const char *data);

/* rt_members.c: the indexes of the sessions by member and by sid (service thread). */
void rt_members_add(struct sh_realtime *rt, struct rt_session *s); /* user_id set; once */
void rt_members_remove(struct sh_realtime *rt, struct rt_session *s);
void rt_members_free(struct sh_realtime *rt);
/* The index by session id: every open session, from session_open to its close. */
void rt_sids_add(struct sh_realtime *rt, struct rt_session *s);
void rt_sids_remove(struct sh_realtime *rt, struct rt_session *s);
struct rt_session *rt_sids_find(const struct sh_realtime *rt, uint64_t sid);
/* The member's first indexed session, then the next one: NULL past the last. */
struct rt_session *rt_member_first(const struct sh_realtime *rt, const char *user_id);
struct rt_session *rt_member_next(const struct rt_session *s);

/* rt_worker.c: the database workers and the queue of their results. */
int rt_worker_start(struct sh_realtime *rt, struct rt_worker *w, char **error_r);
void rt_worker_post(struct rt_worker *w, struct rt_job *job); /* takes the job */
void rt_worker_stop(struct rt_worker *w);
void rt_done_post(struct sh_realtime *rt, struct rt_job *job); /* worker side: takes it */
void rt_done_drain(struct sh_realtime *rt);			/* service thread */
void rt_done_free(struct sh_realtime *rt);

/* rt_auth.c: the auth frame (service thread), its account check and resume. */
void rt_auth_receive(struct sh_realtime *rt, struct rt_session *s, json_t *msg);

/* rt_dispatch.c: reading the event log (on the reader). */
/* Asks for a read past the cursor (coalesced: one in flight); "announce": tell the other
 * instances where it got (after a local commit). */
void rt_dispatch(struct sh_realtime *rt, bool announce);
/* The resume of an accepted auth (on the reader, after the reads posted before it):
 * "ready", then the replay since "last" (or resync), then live. */
void rt_resume_post(struct sh_realtime *rt, struct rt_session *s, bool has_last, int64_t last);
struct rt_event *rt_event_new(int64_t id, const char *user_id, const char *kind,
			      const char *data);
void rt_events_free(struct rt_event *e);

/* rt_upkeep.c: the periodic account re-check and purge (on the checker). */
void rt_recheck_accounts(struct sh_realtime *rt);
void rt_purge(struct sh_realtime *rt);

/* rt_typing.c: the typing indicator (service thread, except rt_typing_remote). */
void rt_typing_receive(struct sh_realtime *rt, struct rt_session *s, json_t *msg);
void rt_typing_remote(struct sh_realtime *rt, const char *text, size_t len);
void rt_typing_drain(struct sh_realtime *rt);
void rt_typing_inbox_free(struct sh_realtime *rt); /* at the end: undelivered notes go */

/* rt_origin.c */
bool rt_origin_allowed(const struct sh_realtime *rt, const char *origin, const char *host);

/* rt_redis.c: the doorbell between instances. */
int rt_redis_start(struct sh_realtime *rt, char **error_r);
void rt_redis_stop(struct sh_realtime *rt);
bool rt_redis_up(const struct sh_realtime *rt);
/* Tells the other instances that events up to "id" are committed (never blocks). */
void rt_redis_announce(struct sh_realtime *rt, int64_t id);
/* Publishes a typing note (malloc'ed "text", taken) on the typing channel; dropped while
 * Redis is away or too many wait (never blocks). */
void rt_redis_publish_typing(struct sh_realtime *rt, char *text);

#endif
