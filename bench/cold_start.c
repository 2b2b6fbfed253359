/*
 * Cold start for scripts/bench.sh: the time from exec() of the server to its first
 * "200" answer to GET /ready, polled every 0.5 ms over a raw socket (a curl loop would
 * spend more time starting curl than the server takes to start). Runs the command
 * RUNS times, stopping it with SIGTERM after each, and prints every time and the median.
 *
 * usage: bench_cold_start PORT RUNS COMMAND [ARGS...]   (the environment is passed on)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* true when GET /ready on 127.0.0.1:"port" answers 200. */
static int ready(unsigned port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 0;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int ok = 0;
	static const char req[] = "GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
	char buf[16] = "";
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    write(fd, req, sizeof(req) - 1) == (ssize_t)(sizeof(req) - 1)) {
		ssize_t n = 0, r;
		while (n < 12 && (r = read(fd, buf + n, (size_t)(12 - n))) > 0)
			n += r;
		ok = n >= 12 && memcmp(buf + 8, " 200", 4) == 0;
	}
	close(fd);
	return ok;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s PORT RUNS COMMAND [ARGS...]\n", argv[0]);
		return 2;
	}
	unsigned port = (unsigned)atoi(argv[1]);
	int runs = atoi(argv[2]);
	if (port == 0 || runs < 1 || runs > 100) {
		fprintf(stderr, "bench_cold_start: bad PORT or RUNS\n");
		return 2;
	}
	double *ms = calloc((size_t)runs, sizeof(double));
	if (ms == NULL)
		return 1;
	if (ready(port)) {
		fprintf(stderr, "bench_cold_start: something already answers on port %u\n", port);
		return 1;
	}
	for (int i = 0; i < runs; i++) {
		double t0 = now_ms();
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			execvp(argv[3], argv + 3);
			perror("exec");
			_exit(127);
		}
		int status;
		ms[i] = -1;
		while (now_ms() - t0 < 10000) {
			if (ready(port)) {
				ms[i] = now_ms() - t0;
				break;
			}
			if (waitpid(pid, &status, WNOHANG) == pid) {
				fprintf(stderr, "bench_cold_start: the server exited before it was ready\n");
				return 1;
			}
			usleep(500);
		}
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
		if (ms[i] < 0) {
			fprintf(stderr, "bench_cold_start: not ready after 10 s\n");
			return 1;
		}
	}
	printf("cold start to first 200 /ready (ms):");
	for (int i = 0; i < runs; i++)
		printf(" %.1f", ms[i]);
	qsort(ms, (size_t)runs, sizeof(double), cmp_double);
	printf("\nmedian %.1f\n", ms[runs / 2]);
	free(ms);
	return 0;
}
