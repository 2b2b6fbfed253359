/* The listening socket and its accept thread (see listener.h for why they are ours). */
#include "http/listener.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <unistd.h>

#include "schoolhub/log.h"
#include "schoolhub/mem.h"

struct sh_listener {
	int fd;
	int wake[2]; /* a byte on wake[1] ends the accept loop */
	struct MHD_Daemon *daemon;
	unsigned max_connections;
	_Atomic unsigned *open; /* connections handed over and not yet closed (the server's) */
	pthread_t thread;
	bool warned;              /* an accept error was logged; reset by the next success */
	_Atomic unsigned refused; /* backlog connections the daemon refused at stop */
};

/* How long the thread waits before looking again when the daemon is full, or when the
 * process is out of descriptors (accepting would fail at once, again and again). */
#define BUSY_WAIT_MS 10
/* At stop, how long handshakes already under way get to complete (refuse_new_handshakes). */
#define HANDSHAKE_GRACE_MS 20

/* Counted here, not asked of the daemon: its count misses connections handed over and not
 * yet picked up by a worker thread (see listener.h for why that matters). */
static bool daemon_full(const struct sh_listener *l)
{
	return atomic_load(l->open) >= l->max_connections;
}

/* Hands "c" to the daemon, or closes it when the daemon is full (only while stopping:
 * otherwise the caller never accepts then). False when it was not served. */
static bool hand_over(struct sh_listener *l, int c, const struct sockaddr_storage *addr,
		      socklen_t len)
{
	if (atomic_fetch_add(l->open, 1) >= l->max_connections) {
		atomic_fetch_sub(l->open, 1);
		close(c);
		return false;
	}
	/* On refusal (the per-address limit, no memory) libmicrohttpd has closed the socket
	 * itself, synchronously, and will never report the connection closed. */
	if (MHD_add_connection(l->daemon, c, (const struct sockaddr *)addr, len) != MHD_YES) {
		atomic_fetch_sub(l->open, 1);
		return false;
	}
	return true;
}

/* Accepts until the backlog is empty or, unless stopping, the daemon is full; false when
 * accepting should pause (no descriptors). */
static bool accept_all(struct sh_listener *l, bool stopping)
{
	for (;;) {
		if (!stopping && daemon_full(l))
			return true; /* the rest waits in the backlog for a free slot */
		struct sockaddr_storage addr;
		socklen_t len = sizeof(addr);
		int c = accept4(l->fd, (struct sockaddr *)&addr, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return true;
			if (!l->warned)
				sh_log_warn("accept failed: %s", errno == EMFILE || errno == ENFILE
									? "out of file descriptors"
									: "socket error");
			l->warned = true;
			return false;
		}
		l->warned = false;
		if (!hand_over(l, c, &addr, len) && stopping)
			atomic_fetch_add(&l->refused, 1);
	}
}

/*
 * Closing a listening socket resets every connection the kernel completed since the last
 * accept, and every handshake still under way: clients that connected fine, then lose
 * their request. So before the last accepts the socket stops answering new SYNs (a socket
 * filter drops them: those clients retry later and find the port closed, refused at
 * connect), handshakes already under way get a moment to complete, and only then is the
 * backlog drained and the socket closed. The filter sees the TCP header at offset 0; 13 is
 * its flags byte, and a SYN without ACK is a new connection.
 */
static void refuse_new_handshakes(int fd)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12), /* SYN | ACK */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x02, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),      /* a new connection: dropped */
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu), /* anything else: kept whole */
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) != 0) {
		sh_log_warn("listener: cannot refuse new connections before closing (%s)",
			    "SO_ATTACH_FILTER failed");
		return;
	}
	/* A handshake on loopback or a LAN completes in well under this. */
	poll(NULL, 0, HANDSHAKE_GRACE_MS);
}

static void *accept_loop(void *arg)
{
	struct sh_listener *l = arg;
	for (;;) {
		bool full = daemon_full(l);
		struct pollfd fds[2] = {{.fd = l->wake[0], .events = POLLIN},
					{.fd = l->fd, .events = POLLIN}};
		/* At the limit the backlog waits, as it would for libmicrohttpd's own accept. */
		int n = poll(fds, full ? 1 : 2, full ? BUSY_WAIT_MS : -1);
		if (n < 0 && errno != EINTR)
			sh_log_warn("listener: poll failed");
		if (n > 0 && fds[0].revents != 0)
			break;
		if (!full && n > 0 && fds[1].revents != 0 && !accept_all(l, false))
			poll(NULL, 0, BUSY_WAIT_MS);
	}
	/* Stopping: what the kernel completed before now is served, not reset. */
	refuse_new_handshakes(l->fd);
	accept_all(l, true);
	close(l->fd); /* at once: a connection completed after the last accept would be reset */
	l->fd = -1;
	return NULL;
}

static int listen_on(const struct sockaddr *addr, socklen_t addr_len, unsigned *port_r)
{
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	struct sockaddr_storage bound;
	socklen_t bound_len = sizeof(bound);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    (addr->sa_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    bind(fd, addr, addr_len) != 0 || listen(fd, SOMAXCONN) != 0 ||
	    getsockname(fd, (struct sockaddr *)&bound, &bound_len) != 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	*port_r = bound.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
					      : ntohs(((struct sockaddr_in *)&bound)->sin_port);
	return fd;
}

int sh_listener_start(const struct sockaddr *addr, socklen_t addr_len, struct MHD_Daemon *daemon,
		      unsigned max_connections, _Atomic unsigned *open,
		      struct sh_listener **listener_r, unsigned *port_r)
{
	struct sh_listener *l = sh_calloc(1, sizeof(*l));
	l->daemon = daemon;
	l->max_connections = max_connections;
	l->open = open;
	l->wake[0] = l->wake[1] = -1;
	l->fd = listen_on(addr, addr_len, port_r);
	if (l->fd < 0 || pipe2(l->wake, O_CLOEXEC | O_NONBLOCK) != 0 ||
	    pthread_create(&l->thread, NULL, accept_loop, l) != 0) {
		int saved = errno;
		if (l->fd >= 0)
			close(l->fd);
		if (l->wake[0] >= 0) {
			close(l->wake[0]);
			close(l->wake[1]);
		}
		sh_free(&l);
		errno = saved;
		return -1;
	}
	*listener_r = l;
	return 0;
}

unsigned sh_listener_stop(struct sh_listener **listener_r)
{
	struct sh_listener *l = *listener_r;
	if (l == NULL)
		return 0;
	ssize_t w;
	do
		w = write(l->wake[1], "x", 1);
	while (w < 0 && errno == EINTR);
	if (w != 1)
		sh_log_error("listener: cannot wake the accept thread");
	pthread_join(l->thread, NULL); /* it closed the socket */
	close(l->wake[0]);
	close(l->wake[1]);
	unsigned refused = atomic_load(&l->refused);
	sh_free(listener_r);
	return refused;
}
