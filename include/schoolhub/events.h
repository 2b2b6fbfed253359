/*
 * Member events: the durable log behind the realtime channel (issue #12, docs/REALTIME.md).
 *
 * One row of member_events (migration 0010) per recipient member per event: "a message was
 * posted in a conversation you are in", "an announcement reached you". A module writes the
 * rows IN THE SAME TRANSACTION as the change they describe (an outbox, like jobs), so an
 * event exists if and only if its change committed; after the COMMIT it calls
 * sh_events_wake() and the realtime thread delivers them at once. The database is the
 * truth: a client that reconnects with its last event id gets every row after it.
 *
 * Ids need not become visible in increasing order: on PostgreSQL an identity hands ids out
 * in call order, and transactions commit in any order, so id 10 may commit after id 11.
 * Writers take no lock for it (their commits overlap); the realtime reader waits at a hole
 * below a visible id until it fills or is known never to (src/realtime/rt_dispatch.c,
 * docs/REALTIME.md "Ordering"). Still, write events late in a transaction: a transaction
 * that holds an id long holds back every member's live events behind it (up to 5 s).
 *
 * Fanning out to many members is one statement, written by the module that knows them:
 *
 *	rc = sh_exec(conn, "INSERT INTO member_events (user_id, kind, data) "
 *		     "SELECT user_id, $2, $3 FROM conversation_members "
 *		     "WHERE conversation_id = $1", SH_ARGS(...), NULL);
 *
 * (created_at is the database's clock, by default: a parameter in a SELECT list has no
 * column to take its type from on PostgreSQL.)
 */
#ifndef SCHOOLHUB_EVENTS_H
#define SCHOOLHUB_EVENTS_H

#include <stdint.h>

#include "schoolhub/store.h"

struct sh_app;
struct sh_event_bell;

/*
 * Writes one event for one member inside the caller's transaction.
 * "kind" is the protocol's event name ("message.created"); "data_json" the JSON object the
 * client receives as the event's data. "id_r" (may be NULL) receives the event's id.
 */
enum sh_db_rc sh_event_add(struct sh_conn *conn, const char *user_id, const char *kind,
			   const char *data_json, int64_t *id_r);

/* GDPR erasure (DELETE /users/me, inside its transaction): the member's events go, not
 * pseudonymised (they copy what other tables hold; users.id stays, so no cascade). */
enum sh_db_rc sh_events_erase_member(struct sh_conn *conn, const char *user_id);

/*
 * The bell: how the thread that committed events tells the realtime thread, in this
 * process, that there is something to deliver. A counter under a mutex, a condition
 * variable for threads that wait, and one callback for a thread that waits in its own
 * event loop (libwebsockets: the callback calls lws_cancel_service).
 */
/* NULL when the system refuses a mutex or condition variable. */
struct sh_event_bell *sh_event_bell_new(void);
void sh_event_bell_free(struct sh_event_bell **bell_r);

/* After a COMMIT that wrote events. Cheap; safe from any thread; no-op before the app. */
void sh_events_wake(struct sh_app *app);
/* Rings "bell" (sh_events_wake's work; for code that holds the bell, not the app). */
void sh_event_bell_ring(struct sh_event_bell *bell);
/*
 * Waits until the bell has rung since "seen" (a value this function returned) or
 * "timeout_ms" passed; returns the number of rings so far. Start with seen = 0.
 */
uint64_t sh_event_bell_wait(struct sh_event_bell *bell, uint64_t seen, long timeout_ms);
/* Sets (or, with fn NULL, clears) the callback run on each ring, on the ringing thread:
 * it must be quick and must not ring. Set it before the threads that ring start, clear it
 * after they stopped. */
void sh_event_bell_on_ring(struct sh_event_bell *bell, void (*fn)(void *ctx), void *ctx);

#endif
