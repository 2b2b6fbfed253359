/*
 * The baseline for scripts/bench.sh: libmicrohttpd with the same threading model as
 * SchoolHub (internal thread pool + epoll), answering a fixed string. SchoolHub's
 * numbers are read as a fraction of this one, measured in the same run.
 *
 * usage: bench_bare PORT THREADS
 */
#include <microhttpd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char body[] = "{\"status\":\"ok\"}";

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	(void)cls, (void)url, (void)method, (void)version, (void)upload;
	/* The usual libmicrohttpd pattern (the one SchoolHub follows): the first call only
	 * marks the request; answering there makes MHD close the connection, since it cannot
	 * know the body was consumed, and the baseline would measure TCP handshakes. */
	static int marker;
	if (*con_cls == NULL) {
		*con_cls = &marker;
		return MHD_YES;
	}
	*upload_size = 0;
	struct MHD_Response *r = MHD_create_response_from_buffer(
		sizeof(body) - 1, (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result rc = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s PORT THREADS\n", argv[0]);
		return 2;
	}
	unsigned port = (unsigned)atoi(argv[1]), threads = (unsigned)atoi(argv[2]);
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, (uint16_t)port, NULL, NULL, answer,
		NULL, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, 1024u,
		MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "cannot listen on %u\n", port);
		return 1;
	}
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	int sig;
	sigwait(&stop, &sig);
	MHD_stop_daemon(d);
	return 0;
}
