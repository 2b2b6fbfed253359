/*
 * A deliberately small HTTP/1.1 client on a plain socket: it sends exactly the bytes it is
 * given (malformed ones included) and reports what came back, or that nothing did.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"
#include "schoolhub/mem.h"

int hx_connect(int timeout_ms)
{
	return hx_connect_from(NULL, timeout_ms);
}

int hx_connect_from(const char *source_ip, int timeout_ms)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (source_ip != NULL) {
		struct sockaddr_in src = {.sin_family = AF_INET};
		if (inet_pton(AF_INET, source_ip, &src.sin_addr) != 1 ||
		    bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0) {
			close(fd);
			return -1;
		}
	}
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)sh_server_port(th_current->server))};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	int one = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

bool hx_send(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until "fd" is readable or "deadline" passes; 1 readable, 0 timeout. */
static int wait_readable(int fd, long deadline)
{
	for (;;) {
		long left = deadline - now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		return n > 0 ? 1 : 0;
	}
}

static const char *find_header(const char *head, const char *name, size_t *len_r)
{
	size_t n = strlen(name);
	for (const char *p = strstr(head, "\r\n"); p != NULL; p = strstr(p, "\r\n")) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			*len_r = strcspn(v, "\r\n");
			return v;
		}
	}
	return NULL;
}

static void parse_problem_code(struct hx_reply *r)
{
	if (strncmp(r->content_type, "application/problem+json", 24) != 0 || r->body == NULL)
		return;
	json_t *doc = json_loadb(r->body, r->body_len, 0, NULL);
	const char *code = json_string_value(json_object_get(doc, "code"));
	if (code != NULL)
		snprintf(r->code, sizeof(r->code), "%s", code);
	json_decref(doc);
}

void hx_read_reply(int fd, int timeout_ms, int close_wait_ms, struct hx_reply *r)
{
	memset(r, 0, sizeof(*r));
	size_t cap = 8192, len = 0;
	char *buf = sh_malloc(cap);
	long deadline = now_ms() + timeout_ms;
	size_t head_len = 0, want = 0;
	bool eof = false;
	for (;;) {
		if (head_len != 0 && len >= head_len + want)
			break;
		if (wait_readable(fd, deadline) == 0) {
			r->timed_out = true;
			break;
		}
		if (len + 4096 + 1 > cap) {
			cap *= 2;
			buf = sh_realloc(buf, cap);
		}
		ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			eof = true;
			break;
		}
		len += (size_t)n;
		buf[len] = '\0';
		if (head_len == 0) {
			char *end = strstr(buf, "\r\n\r\n");
			if (end == NULL)
				continue;
			head_len = (size_t)(end - buf) + 4;
			size_t vlen = 0;
			const char *cl = find_header(buf, "Content-Length", &vlen);
			want = cl != NULL ? strtoul(cl, NULL, 10) : 0;
		}
	}
	if (head_len != 0 && strncmp(buf, "HTTP/1.", 7) == 0) {
		r->status = atoi(buf + 9);
		size_t vlen = 0;
		const char *ct = find_header(buf, "Content-Type", &vlen);
		if (ct != NULL)
			snprintf(r->content_type, sizeof(r->content_type), "%.*s", (int)vlen, ct);
		size_t body_len = len - head_len < want ? len - head_len : want;
		r->body = sh_malloc(body_len + 1);
		memcpy(r->body, buf + head_len, body_len);
		r->body[body_len] = '\0';
		r->body_len = body_len;
		parse_problem_code(r);
		if (len >= head_len + want)
			r->timed_out = false;
	}
	sh_free(&buf);
	if (eof) {
		r->closed = true;
		r->timed_out = false;
		return;
	}
	/* After a reply: does the server close the connection? */
	if (r->status != 0 && close_wait_ms > 0 &&
	    wait_readable(fd, now_ms() + close_wait_ms) == 1) {
		char c;
		ssize_t n = recv(fd, &c, 1, 0);
		r->closed = n <= 0;
	}
}

void hx_exchange(const void *req, size_t len, int timeout_ms, struct hx_reply *r)
{
	int fd = hx_connect(timeout_ms);
	if (fd < 0) {
		memset(r, 0, sizeof(*r));
		r->timed_out = true;
		return;
	}
	/* A refused send is fine: the server may reply and close before reading it all. */
	(void)hx_send(fd, req, len);
	hx_read_reply(fd, timeout_ms, 300, r);
	close(fd);
}

void hx_reply_free(struct hx_reply *r)
{
	sh_free(&r->body);
}

char *hx_build(const char *method, const char *target, const char *token, const char *extra,
	       const char *body, size_t body_len, size_t *len_r)
{
	size_t cap = strlen(method) + strlen(target) + (token ? strlen(token) : 0) +
		     (extra ? strlen(extra) : 0) + body_len + 256;
	char *out = sh_malloc(cap);
	int n = snprintf(out, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n",
			 method, target);
	if (token != NULL)
		n += snprintf(out + n, cap - (size_t)n, "Authorization: Bearer %s\r\n", token);
	if (body != NULL && (extra == NULL || strcasestr(extra, "Content-Type:") == NULL))
		n += snprintf(out + n, cap - (size_t)n, "Content-Type: application/json\r\n");
	if (body != NULL)
		n += snprintf(out + n, cap - (size_t)n, "Content-Length: %zu\r\n", body_len);
	n += snprintf(out + n, cap - (size_t)n, "%s\r\n", extra ? extra : "");
	if (body != NULL)
		memcpy(out + n, body, body_len);
	*len_r = (size_t)n + (body ? body_len : 0);
	return out;
}
