/*
 * A deadline for receiving a request's whole header block. libmicrohttpd only times out
 * inactivity, so a client sending one byte every few seconds keeps its connection slot for
 * good, and a few dozen addresses doing so fill every slot (slowloris). Each connection's
 * clock starts when it is accepted, or when the previous reply on it has been sent; the
 * access handler stops it once libmicrohttpd hands over a complete header block. A watchdog
 * thread closes every connection whose clock passes the deadline (internal to src/http).
 *
 * Threading: libmicrohttpd calls the watch/forget/headers_in/rearm functions from its worker
 * threads (each connection always from the same one); the watchdog runs in its own thread.
 * The list is guarded by a mutex; a connection's state is one atomic, so the handler and
 * the watchdog agree on who won when the header block completes just at the deadline.
 * libmicrohttpd notifies the close (sh_header_deadline_forget) before it closes the socket,
 * so the watchdog never touches a descriptor that has been closed and reused.
 */
#ifndef SCHOOLHUB_HTTP_HEADER_DEADLINE_H
#define SCHOOLHUB_HTTP_HEADER_DEADLINE_H

#include <stdbool.h>
#include <stddef.h>

struct sh_header_deadline;
struct sh_hd_conn;

struct sh_hd_hooks {
	/* Called by the watchdog, outside its lock, once per connection it closed. */
	void (*expired)(void *arg);
	/* Called by the watchdog on every round (about 4 times a second). */
	void (*tick)(void *arg);
	void *arg;
};

/* Starts the watchdog. "farewell" (static, "len" bytes) is written to a connection before it
 * is closed: a complete HTTP response. */
struct sh_header_deadline *sh_header_deadline_start(unsigned timeout_s, const char *farewell,
						    size_t len, struct sh_hd_hooks hooks);
/* Stops and joins the watchdog; every connection must have been forgotten first. */
void sh_header_deadline_stop(struct sh_header_deadline **hd_r);

/* A new connection on socket "fd": its clock starts now. */
struct sh_hd_conn *sh_header_deadline_watch(struct sh_header_deadline *hd, int fd);
/* The connection is about to be closed: no longer watched; clears the caller's pointer. */
void sh_header_deadline_forget(struct sh_header_deadline *hd, struct sh_hd_conn **conn_r);
/* The header block is complete: stops the clock. False when the watchdog already closed the
 * connection (the request must then not be served). */
bool sh_header_deadline_headers_in(struct sh_hd_conn *conn);
/* The reply has been sent and the connection is kept open: the next request's clock starts. */
void sh_header_deadline_rearm(struct sh_hd_conn *conn);
/* Connections whose request may be on its way and has not reached the handler: accepted and
 * never served yet, or with bytes waiting unread. An idle kept-alive connection is not one. */
size_t sh_header_deadline_arriving(struct sh_header_deadline *hd);

#endif
