/*
 * bench_realtime_clients: many WebSocket clients of the realtime channel in one thread
 * (docs/PERFORMANCE.md, "Realtime"; driven by bench/realtime_bench.sh, which seeds the
 * members and starts the server).
 *
 *	bench_realtime_clients fanout HOST WS_PORT HTTP_PORT USERS_FILE SOCKETS ROUNDS CONV_ID
 *	bench_realtime_clients idle   HOST WS_PORT HTTP_PORT USERS_FILE SOCKETS SECONDS
 *
 * Environment: SCHOOLHUB_SECRET_KEY (the server's: the access tokens are signed here, so
 * 10,000 members need no 10,000 password hashes), BENCH_SERVER_PID (its CPU and RSS are
 * read from /proc).
 *
 * fanout: SOCKETS sockets authenticate (socket i as the i-th member of USERS_FILE, one id a
 * line, wrapping round), then ROUNDS times one member POSTs a message to conversation
 * CONV_ID over HTTP and every socket's receipt of its message.created is timed from the
 * moment before the request was written. Printed: p50/p99/max over every socket of every
 * round, the worst round's last socket, and the server's CPU during the rounds.
 * idle: SOCKETS sockets authenticate, then stay open SECONDS seconds (answering pings);
 * printed: the server's RSS before and after, and its CPU while they idle.
 *
 * A minimal client of its own rather than libwebsockets' client: one epoll loop drives
 * 10,000 sockets with a few hundred bytes each and stamps each frame the moment it is
 * read, so the clients cost little next to the server they measure (the Python clients of
 * the first measurement were themselves the bottleneck). It speaks only what the channel
 * needs: the upgrade, masked text frames out, unfragmented text/ping/close frames in.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jwt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_IN_FLIGHT 200 /* handshakes under way at once: the listener's backlog */
#define BUF_START 2048

enum state { CONNECTING, UPGRADING, AUTHING, READY, CLOSED };

struct client {
	int fd;
	enum state state;
	const char *token;
	char *buf;
	size_t len, cap;
	double got_at; /* this round's message.created, 0 until then */
};

static struct client *clients;
static size_t nclients, nready, nclosed, in_flight;
static int ep;
static struct sockaddr_in ws_addr, http_addr;
static const char *host_header;
/* The POST's socket in the loop: when its reply arrives (the commit is done by then). */
static struct client http_client = {.state = CLOSED};
static double http_at;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* The server's utime + stime in seconds and its RSS in KiB, from /proc. */
static double server_cpu_s(void)
{
	const char *pid = getenv("BENCH_SERVER_PID");
	char path[64], line[1024];
	snprintf(path, sizeof(path), "/proc/%s/stat", pid ? pid : "self");
	FILE *f = fopen(path, "r");
	if (f == NULL || fgets(line, sizeof(line), f) == NULL)
		die(path);
	fclose(f);
	const char *p = strrchr(line, ')'); /* the command may hold spaces */
	unsigned long ut = 0, st = 0;
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				&ut, &st) != 2)
		die("stat");
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static long server_rss_kib(void)
{
	const char *pid = getenv("BENCH_SERVER_PID");
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%s/status", pid ? pid : "self");
	FILE *f = fopen(path, "r");
	if (f == NULL)
		die(path);
	long kib = -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static double load1(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");
	if (f != NULL) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

/* Writes all of "data" (the socket is non-blocking; these frames are small). */
static int send_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct timespec ts = {0, 100000};
			nanosleep(&ts, NULL);
			continue;
		}
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One masked client frame (RFC 6455 5.3: a client masks; a fixed mask will do here). */
static int send_frame(int fd, unsigned opcode, const char *payload, size_t len)
{
	unsigned char head[14];
	size_t h = 0;
	static const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
	head[h++] = (unsigned char)(0x80 | opcode);
	if (len < 126) {
		head[h++] = (unsigned char)(0x80 | len);
	} else {
		head[h++] = 0x80 | 126;
		head[h++] = (unsigned char)(len >> 8);
		head[h++] = (unsigned char)len;
	}
	memcpy(head + h, mask, 4);
	h += 4;
	char *out = malloc(h + len);
	if (out == NULL)
		die("malloc");
	memcpy(out, head, h);
	for (size_t i = 0; i < len; i++)
		out[h + i] = (char)(payload[i] ^ mask[i % 4]);
	int rc = send_all(fd, out, h + len);
	free(out);
	return rc;
}

static void client_close(struct client *c)
{
	if (c->state == CLOSED)
		return;
	if (c->state == READY)
		nready--;
	else
		in_flight--;
	c->state = CLOSED;
	nclosed++;
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
}

static void client_start(struct client *c)
{
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		die("socket (raise ulimit -n)");
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&ws_addr, sizeof(ws_addr)) != 0 &&
	    errno != EINPROGRESS)
		die("connect");
	c->state = CONNECTING;
	in_flight++;
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
		die("epoll_ctl");
}

static void upgrade_send(struct client *c)
{
	char req[512];
	int n = snprintf(req, sizeof(req),
			 "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			 "Sec-WebSocket-Version: 13\r\nOrigin: http://%s\r\n\r\n",
			 host_header, host_header);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
	if (send_all(c->fd, req, (size_t)n) != 0) {
		client_close(c);
		return;
	}
	c->state = UPGRADING;
}

/* One text frame from the server, NUL-terminated in place. */
static void on_text(struct client *c, char *text, double at)
{
	if (c->state == AUTHING) {
		if (strstr(text, "\"type\":\"ready\"") != NULL) {
			c->state = READY;
			in_flight--;
			nready++;
		} else {
			fprintf(stderr, "unexpected before ready: %.200s\n", text);
			client_close(c);
		}
		return;
	}
	if (c->got_at == 0 && strstr(text, "\"message.created\"") != NULL)
		c->got_at = at;
}

/* Consumes every whole frame in the buffer. */
static void frames_read(struct client *c, double at)
{
	size_t off = 0;
	for (;;) {
		unsigned char *p = (unsigned char *)c->buf + off;
		size_t avail = c->len - off;
		if (avail < 2)
			break;
		unsigned opcode = p[0] & 0x0f;
		uint64_t plen = p[1] & 0x7f;
		size_t h = 2;
		if (plen == 126) {
			if (avail < 4)
				break;
			plen = ((uint64_t)p[2] << 8) | p[3];
			h = 4;
		} else if (plen == 127) {
			if (avail < 10)
				break;
			plen = 0;
			for (int i = 0; i < 8; i++)
				plen = (plen << 8) | p[2 + i];
			h = 10;
		}
		if (avail < h + plen)
			break;
		char *payload = (char *)p + h;
		if (opcode == 0x1) {
			char saved = payload[plen];
			payload[plen] = '\0';
			on_text(c, payload, at);
			payload[plen] = saved;
		} else if (opcode == 0x9) {
			send_frame(c->fd, 0xA, payload, (size_t)plen);
		} else if (opcode == 0x8) {
			unsigned code = plen >= 2 ? ((unsigned char)payload[0] << 8) |
							(unsigned char)payload[1]
						  : 0;
			fprintf(stderr, "closed by the server: %u\n", code);
			client_close(c);
			return;
		}
		off += h + (size_t)plen;
		if (c->state == CLOSED)
			return;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
}

static void on_readable(struct client *c, double at)
{
	for (;;) {
		if (c->cap - c->len < 1024) {
			c->cap *= 2;
			c->buf = realloc(c->buf, c->cap);
			if (c->buf == NULL)
				die("realloc");
		}
		ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			client_close(c);
			return;
		}
		c->len += (size_t)n;
	}
	if (c->state == UPGRADING) {
		c->buf[c->len] = '\0';
		char *end = strstr(c->buf, "\r\n\r\n");
		if (end == NULL)
			return;
		if (strncmp(c->buf, "HTTP/1.1 101", 12) != 0) {
			fprintf(stderr, "upgrade refused: %.80s\n", c->buf);
			client_close(c);
			return;
		}
		size_t head = (size_t)(end + 4 - c->buf);
		memmove(c->buf, c->buf + head, c->len - head);
		c->len -= head;
		char auth[1024];
		int len = snprintf(auth, sizeof(auth),
				   "{\"type\":\"auth\",\"token\":\"%s\",\"last_event_id\":null}",
				   c->token);
		if (send_frame(c->fd, 0x1, auth, (size_t)len) != 0) {
			client_close(c);
			return;
		}
		c->state = AUTHING;
	}
	frames_read(c, at);
}

/* Runs the loop for up to "ms", or until "done" says so. */
static void loop(double ms, int (*done)(void))
{
	struct epoll_event evs[256];
	double end = now_ms() + ms;
	while ((done == NULL || !done()) && now_ms() < end) {
		int n = epoll_wait(ep, evs, 256, 5);
		double at = now_ms();
		for (int i = 0; i < n; i++) {
			struct client *c = evs[i].data.ptr;
			if (c == &http_client) {
				http_at = at;
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
			} else if (c->state == CONNECTING && (evs[i].events & EPOLLOUT))
				upgrade_send(c);
			else if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				on_readable(c, at);
		}
	}
}

static size_t next_to_start;

static int all_connected(void)
{
	while (next_to_start < nclients && in_flight < MAX_IN_FLIGHT)
		client_start(&clients[next_to_start++]);
	return next_to_start == nclients && in_flight == 0;
}

static char *token_for(const char *user_id, const char *secret)
{
	jwt_t *jwt = NULL;
	time_t now = time(NULL);
	if (jwt_new(&jwt) != 0 ||
	    jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)secret, (int)strlen(secret)) ||
	    jwt_add_grant(jwt, "iss", "schoolhub") || jwt_add_grant(jwt, "sub", user_id) ||
	    jwt_add_grant(jwt, "typ", "access") || jwt_add_grant_int(jwt, "gen", 0) ||
	    jwt_add_grant_int(jwt, "iat", (long)now) ||
	    jwt_add_grant_int(jwt, "exp", (long)now + 3600))
		die("jwt");
	char *out = jwt_encode_str(jwt);
	jwt_free(jwt);
	if (out == NULL)
		die("jwt_encode_str");
	return out;
}

/* The ids of USERS_FILE and their tokens. */
static size_t users_load(const char *path, char ***ids_r, char ***tokens_r)
{
	const char *secret = getenv("SCHOOLHUB_SECRET_KEY");
	if (secret == NULL)
		die("SCHOOLHUB_SECRET_KEY");
	FILE *f = fopen(path, "r");
	if (f == NULL)
		die(path);
	size_t n = 0, cap = 1024;
	char **ids = malloc(cap * sizeof(*ids)), **tokens = malloc(cap * sizeof(*tokens));
	char line[128];
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n ")] = '\0';
		if (line[0] == '\0')
			continue;
		if (n == cap) {
			cap *= 2;
			ids = realloc(ids, cap * sizeof(*ids));
			tokens = realloc(tokens, cap * sizeof(*tokens));
		}
		ids[n] = strdup(line);
		tokens[n] = token_for(line, secret);
		n++;
	}
	fclose(f);
	if (n == 0)
		die("no users");
	*ids_r = ids;
	*tokens_r = tokens;
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int http_replied(void)
{
	return http_at != 0;
}

static int round_done(void)
{
	for (size_t i = 0; i < nclients; i++)
		if (clients[i].state == READY && clients[i].got_at == 0)
			return 0;
	return 1;
}

/* POSTs one message as "token"; the reply is read after the round (its socket is left
 * blocking: the request is small, the status is checked). Returns the socket. */
static int post_message(const char *token, const char *conv, int round)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&http_addr, sizeof(http_addr)) != 0)
		die("connect http");
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	char body[128], req[2048];
	int blen = snprintf(body, sizeof(body), "{\"body\":\"Fan-out round %d\"}", round);
	int n = snprintf(req, sizeof(req),
			 "POST /api/v1/conversations/%s/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			 "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
			 "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
			 conv, token, blen, body);
	if (send_all(fd, req, (size_t)n) != 0)
		die("send http");
	http_client.fd = fd;
	http_at = 0;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &http_client};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		die("epoll_ctl http");
	return fd;
}

static void post_check(int fd)
{
	char buf[512];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	if (strncmp(buf, "HTTP/1.1 201", 12) != 0) {
		fprintf(stderr, "POST refused: %.300s\n", buf);
		exit(1);
	}
	close(fd);
}

static int fanout(char **tokens, size_t nusers, int rounds, const char *conv)
{
	double *lat = malloc(sizeof(*lat) * nclients * (size_t)rounds);
	size_t nlat = 0, lost = 0;
	double worst_round = 0, *firsts = malloc(sizeof(*firsts) * (size_t)rounds),
	       *replies = malloc(sizeof(*replies) * (size_t)rounds);
	double cpu0 = server_cpu_s(), wall0 = now_ms();
	struct rusage ru0, ru1;
	getrusage(RUSAGE_SELF, &ru0);
	for (int r = 0; r < rounds; r++) {
		for (size_t i = 0; i < nclients; i++)
			clients[i].got_at = 0;
		double t0 = now_ms();
		int fd = post_message(tokens[(size_t)r % nusers], conv, r);
		loop(10000, round_done);
		double last = 0, first = 1e9;
		for (size_t i = 0; i < nclients; i++) {
			if (clients[i].state != READY)
				continue;
			if (clients[i].got_at == 0) {
				lost++;
				continue;
			}
			double d = clients[i].got_at - t0;
			lat[nlat++] = d;
			if (d > last)
				last = d;
			if (d < first)
				first = d;
		}
		firsts[r] = first;
		loop(10000, http_replied);
		replies[r] = http_at - t0;
		if (last > worst_round)
			worst_round = last;
		post_check(fd);
		loop(250, NULL); /* let the round settle: pings, the next post's rate */
	}
	double cpu = server_cpu_s() - cpu0, wall = (now_ms() - wall0) / 1e3;
	getrusage(RUSAGE_SELF, &ru1);
	double self_cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
			  (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
			  (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
			  (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
	qsort(lat, nlat, sizeof(*lat), cmp_double);
	if (nlat == 0) {
		fprintf(stderr, "no message reached any socket\n");
		return 1;
	}
	printf("fan-out: %zu sockets x %d rounds: POST to receipt p50 %.1f ms, p99 %.1f ms, "
	       "max %.1f ms; slowest round's last socket %.1f ms; missed %zu; closed %zu\n",
	       nready, rounds, lat[nlat / 2], lat[nlat * 99 / 100], lat[nlat - 1], worst_round,
	       lost, nclosed);
	qsort(firsts, (size_t)rounds, sizeof(*firsts), cmp_double);
	printf("first socket of a round (POST, commit, wake-up): p50 %.1f ms, max %.1f ms\n",
	       firsts[rounds / 2], firsts[rounds - 1]);
	qsort(replies, (size_t)rounds, sizeof(*replies), cmp_double);
	printf("the POST's own reply (201): p50 %.1f ms, max %.1f ms\n", replies[rounds / 2],
	       replies[rounds - 1]);
	free(firsts);
	free(replies);
	printf("server CPU during the rounds: %.2f s in %.1f s (%.0f%% of one core; %.1f ms per "
	       "message); these clients: %.2f s; load average %.2f\n",
	       cpu, wall, cpu / wall * 100, cpu / rounds * 1000, self_cpu, load1());
	free(lat);
	return lost > 0 || nclosed > 0;
}

static int idle(int seconds)
{
	double cpu0 = server_cpu_s(), wall0 = now_ms();
	loop(seconds * 1000.0, NULL);
	double cpu = server_cpu_s() - cpu0, wall = (now_ms() - wall0) / 1e3;
	printf("idle: %zu sockets open %.0f s: server RSS %ld KiB; server CPU %.2f s (%.1f%% of "
	       "one core); closed %zu; load average %.2f\n",
	       nready, wall, server_rss_kib(), cpu, cpu / wall * 100, nclosed, load1());
	return nclosed > 0;
}

int main(int argc, char **argv)
{
	if (argc < 8 || (strcmp(argv[1], "fanout") == 0 && argc < 9)) {
		fprintf(stderr, "usage: %s fanout|idle HOST WS_PORT HTTP_PORT USERS_FILE SOCKETS "
				"ROUNDS CONV_ID | SECONDS\n",
			argv[0]);
		return 2;
	}
	bool is_fanout = strcmp(argv[1], "fanout") == 0;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	char hh[128];
	snprintf(hh, sizeof(hh), "%s:%s", argv[2], argv[3]);
	host_header = hh;
	ws_addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3]))};
	http_addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[4]))};
	if (inet_pton(AF_INET, argv[2], &ws_addr.sin_addr) != 1)
		die("HOST (an IPv4 address)");
	http_addr.sin_addr = ws_addr.sin_addr;
	char **ids = NULL, **tokens = NULL;
	size_t nusers = users_load(argv[5], &ids, &tokens);
	nclients = (size_t)atol(argv[6]);
	clients = calloc(nclients, sizeof(*clients));
	ep = epoll_create1(0);
	if (clients == NULL || ep < 0)
		die("setup");
	for (size_t i = 0; i < nclients; i++) {
		clients[i].token = tokens[i % nusers];
		clients[i].cap = BUF_START;
		clients[i].buf = malloc(BUF_START);
	}
	long rss0 = server_rss_kib();
	double t0 = now_ms(), cpu0 = server_cpu_s();
	loop(600000, all_connected);
	printf("connected and authenticated %zu of %zu sockets in %.1f s (server CPU %.2f s); "
	       "server RSS %ld KiB before, %ld KiB after; load average %.2f\n",
	       nready, nclients, (now_ms() - t0) / 1e3, server_cpu_s() - cpu0, rss0,
	       server_rss_kib(), load1());
	if (nready != nclients)
		return 1;
	int status = is_fanout ? fanout(tokens, nusers, atoi(argv[7]), argv[8]) : idle(atoi(argv[7]));
	for (size_t i = 0; i < nclients; i++) {
		client_close(&clients[i]);
		free(clients[i].buf);
	}
	for (size_t i = 0; i < nusers; i++) {
		free(ids[i]);
		free(tokens[i]);
	}
	free(ids);
	free(tokens);
	free(clients);
	close(ep);
	return status;
}
