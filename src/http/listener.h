/*
 * The listening socket, ours rather than libmicrohttpd's: a thread accepts connections and
 * hands each to the daemon (MHD_add_connection), which runs them in its epoll thread pool.
 *
 * Why not let libmicrohttpd listen: stopping a server must first refuse new connections
 * while in-flight requests finish, and libmicrohttpd's way to do that, MHD_quiesce_daemon(),
 * races with its own epoll loop in 0.9.75 (Debian 12): the quiescing thread and a worker
 * both remove the listening socket from the worker's epoll set, and the loser's ENOENT is
 * fatal ("Failed to remove listen FD from epoll set": the process aborts; seen in CI).
 * Its poll() loop has no such race but stalled p99 for 300-700 ms under the soak's load.
 * With our own socket, refusing is closing it, and the daemon never sees a listening fd.
 *
 * Like libmicrohttpd's own accept, the thread leaves connections in the kernel's backlog
 * while the daemon is at its connection limit, and the per-address limit is the daemon's
 * (MHD_add_connection refuses and closes, in the calling thread).
 *
 * The connection limit is ours, counted here: a connection handed over is queued for a
 * worker thread, and when that worker finds itself at its own limit, 0.9.75 leaves a mutex
 * locked (the worker deadlocks on its next connection, and stopping the daemon waits for it
 * for ever: seen in the hostile suite's "every slot held" case). So the daemon's own limit
 * must never be reached: the server gives it the limit times the worker count (each worker
 * then has room for all of them) and this thread never hands over more than the limit.
 */
#ifndef SCHOOLHUB_HTTP_LISTENER_H
#define SCHOOLHUB_HTTP_LISTENER_H

#include <sys/socket.h>

struct MHD_Daemon;
struct sh_listener;

/*
 * Binds "addr" (port 0: the kernel picks), listens, and starts the accept thread feeding
 * "daemon" at most "max_connections" at once. "*open" counts them: the thread adds one per
 * connection handed over, the server subtracts one when libmicrohttpd reports it closed
 * (MHD_CONNECTION_NOTIFY_CLOSED); it outlives the listener. 0 with "*listener_r" and the
 * bound port in "*port_r"; -1 with errno when the socket or the thread cannot be had.
 */
int sh_listener_start(const struct sockaddr *addr, socklen_t addr_len, struct MHD_Daemon *daemon,
		      unsigned max_connections, _Atomic unsigned *open,
		      struct sh_listener **listener_r, unsigned *port_r);

/* Stops accepting: the thread hands the daemon every connection the kernel had already
 * completed (their clients are served, not reset), then the socket is closed, so new
 * clients are refused at connect. Returns how many backlog connections the daemon
 * refused. NULL-safe; sets "*listener_r" to NULL. */
unsigned sh_listener_stop(struct sh_listener **listener_r);

#endif
