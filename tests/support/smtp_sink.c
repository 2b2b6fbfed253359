/* The SMTP sink of the tests (see smtp_sink.h). */
#include "smtp_sink.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "schoolhub/mem.h"

static void die(const char *what)
{
	fprintf(stderr, "smtp sink: %s (%s)\n", what, strerror(errno));
	exit(1);
}

unsigned th_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		die("cannot find a free port");
	close(fd);
	return ntohs(a.sin_port);
}

/* The port the sink wrote to DIR/.port once it listens (0 while there is none yet). */
static unsigned published_port(const char *dir)
{
	char path[96];
	snprintf(path, sizeof(path), "%s/.port", dir);
	FILE *f = fopen(path, "r");
	unsigned port = 0;
	if (f != NULL) {
		if (fscanf(f, "%u", &port) != 1 || port > 65535)
			port = 0;
		fclose(f);
	}
	return port;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

void th_smtp_sink_start(struct th_smtp_sink *s, unsigned port, bool hang)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/sh-smtp-XXXXXX");
	if (mkdtemp(s->dir) == NULL)
		die("mkdtemp");
	char portbuf[16];
	/* Port 0: the sink binds a port the kernel picks and tells us which. Choosing a free
	 * port here and handing it over would leave a gap while python starts, in which another
	 * process (a test server of a parallel ctest job) may bind it: connect() would then
	 * succeed against that stranger and every e-mail go to it. */
	snprintf(portbuf, sizeof(portbuf), "%u", port);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		/* The sink ends with the test program, even when a failed assertion skipped
		 * th_smtp_sink_stop, and holds none of its pipes. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		char log[96];
		snprintf(log, sizeof(log), "%s/.sink.log", s->dir);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		/* Debian's interpreter first: python3-aiosmtpd is installed for it, and a
		 * python3 earlier on PATH (pyenv, a venv) may not have it. */
		const char *py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
		execlp(py, py, SH_SOURCE_DIR "/tests/support/smtp_sink.py", s->dir, portbuf,
		       hang ? "--hang" : NULL, (char *)NULL);
		_exit(127);
	}
	s->pid = pid;
	for (int i = 0; i < 600; i++) {
		s->port = published_port(s->dir);
		if (s->port != 0)
			return;
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			s->pid = 0;
			/* Its log says why: python3-aiosmtpd missing, or the port asked for taken. */
			fprintf(stderr, "smtp sink: python3 %s/tests/support/smtp_sink.py exited "
					"(see %s/.sink.log)\n", SH_SOURCE_DIR, s->dir);
			exit(1);
		}
		sleep_ms(50);
	}
	errno = ETIMEDOUT;
	die("the sink did not publish its port within 30 s");
}

void th_smtp_sink_stop(struct th_smtp_sink *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		int status;
		waitpid(s->pid, &status, 0);
		s->pid = 0;
	}
	DIR *d = opendir(s->dir);
	struct dirent *de;
	char path[512];
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", s->dir, de->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(s->dir);
}

size_t th_dir_count(const char *dir)
{
	size_t n = 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	if (d != NULL)
		closedir(d);
	return n;
}

size_t th_smtp_sink_count(const struct th_smtp_sink *s)
{
	return th_dir_count(s->dir);
}

static char *read_file(const char *path);

/* Says so, with the sink's log, when the sink's process has ended (it is not reaped here:
 * th_smtp_sink_stop does that): a wait for mail to a dead sink would otherwise look like a
 * server that never sent it. */
static void report_if_dead(const struct th_smtp_sink *s)
{
	siginfo_t info = {0};
	if (s->pid <= 0 || waitid(P_PID, (id_t)s->pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
	    info.si_pid != s->pid)
		return;
	fprintf(stderr, "smtp sink (pid %d, port %u) has ended; its log:\n", (int)s->pid, s->port);
	char path[96];
	snprintf(path, sizeof(path), "%s/.sink.log", s->dir);
	char *log = read_file(path);
	fprintf(stderr, "%s\n", log ? log : "(none)");
	free(log);
}

bool th_smtp_sink_wait(const struct th_smtp_sink *s, size_t n, double timeout_s)
{
	for (double waited = 0; waited < timeout_s; waited += 0.05) {
		if (th_smtp_sink_count(s) >= n)
			return true;
		sleep_ms(50);
	}
	report_if_dead(s);
	return th_smtp_sink_count(s) >= n;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			buf = sh_realloc(buf, cap);
		}
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (buf == NULL)
		buf = sh_strdup("");
	else
		buf[len] = '\0';
	return buf;
}

char *th_smtp_sink_message(const struct th_smtp_sink *s, size_t i)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%06zu.eml", s->dir, i + 1);
	return read_file(path);
}

char *th_smtp_sink_message_to(const struct th_smtp_sink *s, const char *to)
{
	for (size_t i = 0; i < th_smtp_sink_count(s); i++) {
		char *msg = th_smtp_sink_message(s, i);
		char *hdr = msg ? th_mail_header(msg, "To") : NULL;
		bool match = hdr != NULL && strcasecmp(hdr, to) == 0;
		free(hdr);
		if (match)
			return msg;
		free(msg);
	}
	return NULL;
}

char *th_mail_header(const char *msg, const char *name)
{
	size_t nlen = strlen(name);
	const char *end = strstr(msg, "\r\n\r\n");
	const char *p = msg;
	while (p != NULL && (end == NULL || p < end)) {
		if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			const char *v = p + nlen + 1;
			char *out = sh_strdup("");
			size_t len = 0;
			for (;;) {
				const char *eol = strstr(v, "\r\n");
				if (eol == NULL)
					eol = v + strlen(v);
				while (v < eol && (*v == ' ' || *v == '\t'))
					v++;
				out = sh_realloc(out, len + (size_t)(eol - v) + 2);
				if (len > 0)
					out[len++] = ' ';
				memcpy(out + len, v, (size_t)(eol - v));
				len += (size_t)(eol - v);
				out[len] = '\0';
				if (*eol == '\0' || (eol[2] != ' ' && eol[2] != '\t'))
					break;
				v = eol + 2;
			}
			return out;
		}
		p = strstr(p, "\r\n");
		if (p != NULL)
			p += 2;
	}
	return NULL;
}

char *th_mail_part(const char *msg, const char *type)
{
	char needle[128];
	snprintf(needle, sizeof(needle), "Content-Type: %s", type);
	const char *part = strstr(msg, needle);
	if (part == NULL)
		return NULL;
	const char *body = strstr(part, "\r\n\r\n");
	if (body == NULL)
		return NULL;
	body += 4;
	const char *stop = strstr(body, "\r\n--");
	size_t len = stop ? (size_t)(stop - body) : strlen(body);
	unsigned char *out = sh_malloc(len + 1);
	size_t out_len = 0;
	if (sodium_base642bin(out, len, body, len, "\r\n", &out_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(out);
		return NULL;
	}
	out[out_len] = '\0';
	return (char *)out;
}

char *th_mail_token(const char *msg)
{
	char *text = th_mail_part(msg, "text/plain");
	if (text == NULL)
		return NULL;
	const char *t = strstr(text, "token=");
	char *token = NULL;
	if (t != NULL) {
		t += 6;
		size_t n = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
		token = sh_strndup(t, n);
	}
	free(text);
	return token;
}
