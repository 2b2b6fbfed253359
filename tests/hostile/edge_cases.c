/*
 * Connection-level attacks: slow header blocks (slowloris) against the header deadline,
 * every connection slot held by slow clients, and a flood of refused connections against
 * the log. The suite runs with a header deadline of HX_HEADER_TIMEOUT_S seconds and an idle
 * timeout of 5 s, so a client that sends a byte every half second is never idle.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"
#include "schoolhub/mem.h"

#define SLOW_HEAD "GET /api/v1/users/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
#define DEADLINE_MS (HX_HEADER_TIMEOUT_S * 1000L)

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool readable_within(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) > 0;
}

static bool health_answers(void)
{
	size_t len;
	char *req = hx_build("GET", "/health", NULL, NULL, NULL, 0, &len);
	struct hx_reply r;
	hx_exchange(req, len, 2000, &r);
	sh_free(&req);
	bool ok = r.status == 200;
	hx_reply_free(&r);
	return ok;
}

/* One byte of a header value that never ends, on every connection still open. */
static void trickle(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0 && send(fds[i], "a", 1, MSG_DONTWAIT | MSG_NOSIGNAL) != 1 &&
		    errno != EAGAIN) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* The value of a /metrics line "name value" (the suite's metrics token), -1 when absent. */
static long metric(const char *name)
{
	size_t len;
	char *req = hx_build("GET", "/metrics", "hostile-suite-metrics-token-0123", NULL, NULL, 0,
			     &len);
	struct hx_reply r;
	hx_exchange(req, len, 3000, &r);
	sh_free(&req);
	long value = -1;
	char pattern[128];
	snprintf(pattern, sizeof(pattern), "\n%s ", name);
	const char *at = r.body != NULL ? strstr(r.body, pattern) : NULL;
	if (at != NULL)
		value = strtol(at + strlen(pattern), NULL, 10);
	hx_reply_free(&r);
	return value;
}

/*
 * A header line that never ends, one byte every 500 ms: never idle, so only a deadline on
 * the whole header block ends it. It must be closed at the deadline (408 problem+json when
 * the reply gets through before the close), while everyone else is served meanwhile.
 */
void hx_slowloris(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	long timeouts_before = metric("schoolhub_http_header_timeouts_total");
	int fd = hx_connect(10000);
	long start = now_ms();
	if (fd < 0 || !hx_send(fd, SLOW_HEAD, sizeof(SLOW_HEAD) - 1)) {
		hx_fail(o, "cannot connect");
		if (fd >= 0)
			close(fd);
		return;
	}
	while (now_ms() - start < DEADLINE_MS + 5000 && !readable_within(fd, 0)) {
		if (!hx_send(fd, "a", 1))
			break; /* closed by the server */
		if (!health_answers())
			hx_fail(o, "/health not served while a client trickled its headers");
		usleep(500 * 1000);
	}
	long ended = now_ms() - start;
	hx_read_reply(fd, 2000, 1000, &o->reply);
	close(fd);
	if (o->reply.status == 0 && !o->reply.closed)
		hx_fail(o, "still open after %ld ms of one byte every 500 ms", ended);
	else if (ended < DEADLINE_MS - 300 || ended > DEADLINE_MS + 1500)
		hx_fail(o, "closed after %ld ms; the header deadline is %ld ms", ended, DEADLINE_MS);
	else if (o->reply.status != 0 &&
		 (o->reply.status != 408 || strcmp(o->reply.code, "request_timeout") != 0))
		hx_fail(o, "closed with %d %s instead of 408 request_timeout", o->reply.status,
			o->reply.code);
	long timeouts_after = metric("schoolhub_http_header_timeouts_total");
	if (timeouts_before < 0 || timeouts_after != timeouts_before + 1)
		hx_fail(o, "schoolhub_http_header_timeouts_total went from %ld to %ld",
			timeouts_before, timeouts_after);
}

/*
 * HX_MAX_CONNECTIONS slow clients from four addresses (under the per-address limit each)
 * hold every connection slot, trickling a byte every 500 ms. A normal client that connects
 * then waits in the listen queue; it must be served once the deadline has closed the slow
 * ones, while they are still trickling.
 */
void hx_slots_filled_by_tricklers(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	int fds[HX_MAX_CONNECTIONS];
	long start = now_ms();
	for (size_t i = 0; i < HX_MAX_CONNECTIONS; i++) {
		char source[16];
		snprintf(source, sizeof(source), "127.0.0.%zu", 2 + i % 4);
		fds[i] = hx_connect_from(source, 2000);
		if (fds[i] >= 0 && !hx_send(fds[i], SLOW_HEAD, sizeof(SLOW_HEAD) - 1)) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	usleep(300 * 1000);
	trickle(fds, HX_MAX_CONNECTIONS);
	size_t len;
	char *req = hx_build("GET", "/health", NULL, NULL, NULL, 0, &len);
	int fd = hx_connect(2000);
	long asked = now_ms();
	if (fd < 0 || !hx_send(fd, req, len)) {
		hx_fail(o, "the normal client could not connect");
	} else {
		while (now_ms() - start < DEADLINE_MS + 4000 && !readable_within(fd, 500))
			trickle(fds, HX_MAX_CONNECTIONS);
		hx_read_reply(fd, 1000, 0, &o->reply);
	}
	long waited = now_ms() - asked;
	size_t still_open = 0;
	for (size_t i = 0; i < HX_MAX_CONNECTIONS; i++)
		if (fds[i] >= 0) {
			still_open++;
			close(fds[i]);
		}
	if (fd >= 0)
		close(fd);
	sh_free(&req);
	if (o->reply.status != 200)
		hx_fail(o, "normal client: %d after %ld ms, %zu slow clients still connected",
			o->reply.status, waited, still_open);
	else if (waited > DEADLINE_MS + 1500)
		hx_fail(o, "normal client served only after %ld ms", waited);
}

/* Counts the lines of "path" that contain "needle". */
static int count_lines(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	char line[4096];
	int n = 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	fclose(f);
	return n;
}

#define FLOOD 300

/*
 * One address holds its HX_MAX_CONNECTIONS_PER_IP connections, then opens FLOOD more: each is
 * accepted and closed at once by libmicrohttpd, which says so in the log every time. The
 * server's log (stderr, captured into a file meanwhile) must hold one line for the first
 * refusal, not one per refusal; the count follows once the interval ends.
 */
void hx_refused_flood_log(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	static const char source[] = "127.0.0.6";
	int held[HX_MAX_CONNECTIONS_PER_IP];
	for (size_t i = 0; i < HX_MAX_CONNECTIONS_PER_IP; i++)
		held[i] = hx_connect_from(source, 2000);
	usleep(200 * 1000);

	char path[] = "/tmp/hostile-log-XXXXXX";
	int capture = mkstemp(path);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	if (capture < 0 || saved < 0 || dup2(capture, STDERR_FILENO) < 0) {
		hx_fail(o, "cannot capture the log");
		return;
	}
	int refused = 0;
	for (int i = 0; i < FLOOD; i++) {
		int fd = hx_connect_from(source, 1000);
		char byte;
		if (fd >= 0 && readable_within(fd, 1000) && recv(fd, &byte, 1, 0) <= 0)
			refused++;
		if (fd >= 0)
			close(fd);
	}
	usleep(300 * 1000);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(capture);
	int lines = count_lines(path, "connection limit");
	unlink(path);
	for (size_t i = 0; i < HX_MAX_CONNECTIONS_PER_IP; i++)
		if (held[i] >= 0)
			close(held[i]);
	o->reply.closed = true; /* what every refused client saw */
	if (refused < FLOOD * 9 / 10)
		hx_fail(o, "only %d of %d connections over the per-address limit were refused",
			refused, FLOOD);
	else if (lines != 1)
		hx_fail(o, "%d log lines for %d refused connections (expected the first one only)",
			lines, refused);
}

/*
 * A header block over the 32 KiB of connection memory. libmicrohttpd 0.9.75 refuses it itself
 * with a page compiled into the library, and no option replaces it: the shape SchoolHub settles
 * on is that page's status, 431, and the connection closed (docs/OPERATIONS.md). This case
 * pins it, so that a libmicrohttpd that answers otherwise is noticed.
 */
void hx_header_block_too_large(const struct hx_case *c, struct hx_outcome *o)
{
	(void)c;
	size_t size = 40 * 1024;
	char *req = sh_malloc(size + 128);
	int n = sprintf(req, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Large: ");
	memset(req + n, 'a', size);
	n += (int)size;
	n += sprintf(req + n, "\r\n\r\n");
	hx_exchange(req, (size_t)n, 5000, &o->reply);
	sh_free(&req);
	if (o->reply.status != 431 || !o->reply.closed)
		hx_fail(o, "expected libmicrohttpd's 431 and a close, got %d%s", o->reply.status,
			o->reply.closed ? ", closed" : "");
}
