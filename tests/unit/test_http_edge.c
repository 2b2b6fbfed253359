/*
 * The HTTP edge's own machinery, without libmicrohttpd: the header-deadline watchdog on
 * socket pairs (who gets closed, when, and who does not) and the warning summary (one line
 * at once, then a count per interval), its lines read back from a captured stderr.
 */
#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/header_deadline.h"
#include "http/log_summary.h"

static const char farewell[] = "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n";

static _Atomic int expired_count;

static void count_expired(void *arg)
{
	(void)arg;
	atomic_fetch_add(&expired_count, 1);
}

static struct sh_header_deadline *start_one_second(void)
{
	atomic_store(&expired_count, 0);
	struct sh_hd_hooks hooks = {.expired = count_expired};
	struct sh_header_deadline *hd =
		sh_header_deadline_start(1, farewell, sizeof(farewell) - 1, hooks);
	ck_assert_ptr_nonnull(hd);
	return hd;
}

/* What the client end reads within "ms": the bytes (NUL-terminated) and whether it saw EOF. */
static bool read_until_eof(int fd, int ms, char *buf, size_t cap)
{
	size_t len = 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (poll(&p, 1, ms) > 0) {
		ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
		if (n <= 0) {
			buf[len] = '\0';
			return true;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	return false;
}

START_TEST(incomplete_header_block_is_closed_with_the_farewell)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct sh_header_deadline *hd = start_one_second();
	struct sh_hd_conn *conn = sh_header_deadline_watch(hd, sv[0]);
	char buf[256];
	ck_assert_msg(!read_until_eof(sv[1], 700, buf, sizeof(buf)), "closed before the deadline");
	ck_assert_msg(read_until_eof(sv[1], 1500, buf, sizeof(buf)), "not closed at the deadline");
	ck_assert_str_eq(buf, farewell);
	/* The watchdog calls the hook after the shutdown the client just saw, outside its lock:
	 * give it a moment (asserting at once failed now and then on a busy machine). */
	for (int i = 0; i < 100 && atomic_load(&expired_count) == 0; i++)
		usleep(10 * 1000);
	ck_assert_int_eq(atomic_load(&expired_count), 1);
	/* The handler arrives too late: the request must not be served. */
	ck_assert(!sh_header_deadline_headers_in(conn));
	sh_header_deadline_forget(hd, &conn);
	ck_assert_ptr_null(conn);
	sh_header_deadline_stop(&hd);
	ck_assert_ptr_null(hd);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* What a stopping server waits for: a request on its way (a fresh connection, or bytes not
 * yet read), never an idle kept-alive connection. */
START_TEST(arriving_counts_requests_on_their_way)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct sh_header_deadline *hd = start_one_second();
	ck_assert_uint_eq(sh_header_deadline_arriving(hd), 0);
	struct sh_hd_conn *conn = sh_header_deadline_watch(hd, sv[0]);
	ck_assert_uint_eq(sh_header_deadline_arriving(hd), 1); /* accepted, nothing served */
	ck_assert(sh_header_deadline_headers_in(conn));
	ck_assert_uint_eq(sh_header_deadline_arriving(hd), 0); /* in the handler */
	sh_header_deadline_rearm(conn);
	ck_assert_uint_eq(sh_header_deadline_arriving(hd), 0); /* served, idle */
	ck_assert_int_eq(send(sv[1], "GET / HTTP/1.1\r\n", 16, 0), 16);
	ck_assert_uint_eq(sh_header_deadline_arriving(hd), 1); /* the next one, unread */
	sh_header_deadline_forget(hd, &conn);
	ck_assert_uint_eq(sh_header_deadline_arriving(hd), 0);
	sh_header_deadline_stop(&hd);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(complete_header_block_stops_the_clock_until_the_reply)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct sh_header_deadline *hd = start_one_second();
	struct sh_hd_conn *conn = sh_header_deadline_watch(hd, sv[0]);
	ck_assert(sh_header_deadline_headers_in(conn));
	ck_assert(sh_header_deadline_headers_in(conn)); /* asked again: still in */
	char buf[256];
	ck_assert_msg(!read_until_eof(sv[1], 1800, buf, sizeof(buf)),
		      "closed while the request was being served");
	/* The reply is sent and the connection kept: the next request has a second. */
	sh_header_deadline_rearm(conn);
	ck_assert_msg(!read_until_eof(sv[1], 600, buf, sizeof(buf)), "closed before the deadline");
	ck_assert_msg(read_until_eof(sv[1], 1500, buf, sizeof(buf)),
		      "idle kept-alive connection not closed");
	sh_header_deadline_forget(hd, &conn);
	sh_header_deadline_stop(&hd);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(unread_bytes_mean_the_server_is_behind)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct sh_header_deadline *hd = start_one_second();
	struct sh_hd_conn *conn = sh_header_deadline_watch(hd, sv[0]);
	/* The client sent its request; nobody has read it yet (a worker blocked elsewhere). */
	ck_assert_int_eq(send(sv[1], "GET / HTTP/1.1\r\n\r\n", 18, 0), 18);
	char buf[256];
	ck_assert_msg(!read_until_eof(sv[1], 1800, buf, sizeof(buf)),
		      "closed although its bytes were waiting to be read");
	/* Once read, the deadline applies again. */
	ck_assert_int_eq(recv(sv[0], buf, sizeof(buf), 0), 18);
	ck_assert_msg(read_until_eof(sv[1], 1000, buf, sizeof(buf)), "not closed once read");
	sh_header_deadline_forget(hd, &conn);
	sh_header_deadline_stop(&hd);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* Runs "fn" with stderr going to a file; returns the lines written, malloc'ed. */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/test-http-edge-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	fn(arg);
	dup2(saved, STDERR_FILENO);
	close(saved);
	off_t size = lseek(fd, 0, SEEK_END);
	char *text = calloc(1, (size_t)size + 1);
	ck_assert_int_eq(pread(fd, text, (size_t)size, 0), size);
	close(fd);
	unlink(path);
	return text;
}

static int count(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

struct flood {
	struct sh_log_summary *s;
	int times;
	const char *kind;
};

static void note_many(void *arg)
{
	struct flood *f = arg;
	for (int i = 0; i < f->times; i++)
		sh_log_summary_note(f->s, SH_LOG_WARN, f->kind, f->kind);
}

static void flush(void *arg)
{
	sh_log_summary_flush(arg);
}

START_TEST(a_flood_is_one_line_then_a_count)
{
	sh_log_set_level(SH_LOG_WARN);
	struct sh_log_summary *s = sh_log_summary_create(1);
	struct flood refused = {s, 1000, "connection refused"};
	struct flood other = {s, 3, "malformed request"};
	char *text = capture_stderr(note_many, &refused);
	ck_assert_int_eq(count(text, "connection refused"), 1);
	ck_assert_int_eq(count(text, "more in the last"), 0);
	free(text);
	text = capture_stderr(note_many, &other); /* another kind has its own first line */
	ck_assert_int_eq(count(text, "malformed request"), 1);
	free(text);
	text = capture_stderr(flush, s); /* the interval is not over */
	ck_assert_str_eq(text, "");
	free(text);
	usleep(1100 * 1000);
	text = capture_stderr(flush, s);
	ck_assert_int_eq(count(text, "connection refused (999 more in the last 1 s)"), 1);
	ck_assert_int_eq(count(text, "malformed request (2 more in the last 1 s)"), 1);
	free(text);
	/* A quiet interval ends the summary: the next one is logged at once again. */
	usleep(1100 * 1000);
	text = capture_stderr(flush, s);
	ck_assert_str_eq(text, "");
	free(text);
	struct flood again = {s, 1, "connection refused"};
	text = capture_stderr(note_many, &again);
	ck_assert_int_eq(count(text, "connection refused"), 1);
	free(text);
	sh_log_summary_destroy(&s);
	ck_assert_ptr_null(s);
}
END_TEST

static void note_distinct(void *arg)
{
	struct sh_log_summary *s = arg;
	char kind[32];
	for (int i = 0; i < 500; i++) {
		snprintf(kind, sizeof(kind), "warning number %d", i);
		sh_log_summary_note(s, SH_LOG_WARN, kind, kind);
	}
}

static void destroy(void *arg)
{
	sh_log_summary_destroy(arg);
}

START_TEST(ever_new_kinds_are_still_bounded)
{
	sh_log_set_level(SH_LOG_WARN);
	struct sh_log_summary *s = sh_log_summary_create(10);
	char *text = capture_stderr(note_distinct, s);
	/* 15 kinds of their own, then one shared slot whose first line is the last logged. */
	ck_assert_int_eq(count(text, "warning number"), 16);
	free(text);
	text = capture_stderr(destroy, &s);
	ck_assert_int_eq(count(text, "(other repeated warnings) (484 more"), 1);
	free(text);
}
END_TEST

static void note_two_new(void *arg)
{
	sh_log_summary_note(arg, SH_LOG_WARN, "epoll failed", "epoll failed");
	sh_log_summary_note(arg, SH_LOG_WARN, "thread failed", "thread failed");
}

/* Kinds that have gone quiet give their slots back: two new warnings, days after fifteen
 * others filled the slots, are each logged, not one of them counted as "other". */
START_TEST(quiet_kinds_free_their_slots)
{
	sh_log_set_level(SH_LOG_WARN);
	struct sh_log_summary *s = sh_log_summary_create(1);
	char *text = capture_stderr(note_distinct, s);
	free(text);
	usleep(1100 * 1000);
	text = capture_stderr(flush, s); /* ends every interval */
	free(text);
	usleep(1100 * 1000);
	text = capture_stderr(flush, s); /* the shared slot's repeats were counted above */
	free(text);
	text = capture_stderr(note_two_new, s);
	ck_assert_int_eq(count(text, "epoll failed"), 1);
	ck_assert_int_eq(count(text, "thread failed"), 1);
	free(text);
	text = capture_stderr(destroy, &s);
	ck_assert_str_eq(text, "");
	free(text);
}
END_TEST

static void note_new_flood(void *arg)
{
	char kind[32];
	for (int i = 0; i < 100; i++) {
		snprintf(kind, sizeof(kind), "new flood %d", i);
		sh_log_summary_note(arg, SH_LOG_WARN, kind, kind);
	}
}

/* While the shared slot is counting a flood of ever-new kinds, quiet slots are not handed
 * out: the flood stays one line per interval, not one per kind. */
START_TEST(a_flood_of_new_kinds_takes_no_freed_slot)
{
	sh_log_set_level(SH_LOG_WARN);
	struct sh_log_summary *s = sh_log_summary_create(1);
	char *text = capture_stderr(note_distinct, s);
	free(text);
	usleep(1100 * 1000);
	text = capture_stderr(flush, s); /* named slots close; the shared one counts on */
	ck_assert_int_eq(count(text, "(other repeated warnings) (484 more"), 1);
	free(text);
	text = capture_stderr(note_new_flood, s);
	ck_assert_int_eq(count(text, "new flood"), 0);
	free(text);
	text = capture_stderr(destroy, &s);
	ck_assert_int_eq(count(text, "(other repeated warnings) (100 more"), 1);
	free(text);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("http_edge");
	TCase *tc = tcase_create("http_edge");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, incomplete_header_block_is_closed_with_the_farewell);
	tcase_add_test(tc, complete_header_block_stops_the_clock_until_the_reply);
	tcase_add_test(tc, unread_bytes_mean_the_server_is_behind);
	tcase_add_test(tc, arriving_counts_requests_on_their_way);
	tcase_add_test(tc, a_flood_is_one_line_then_a_count);
	tcase_add_test(tc, ever_new_kinds_are_still_bounded);
	tcase_add_test(tc, quiet_kinds_free_their_slots);
	tcase_add_test(tc, a_flood_of_new_kinds_takes_no_freed_slot);
	suite_add_tcase(su, tc);
	SRunner *sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
