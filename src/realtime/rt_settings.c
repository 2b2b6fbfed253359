/* The realtime channel's settings, read from the environment when it starts. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "realtime/rt_private.h"
#include "schoolhub/mem.h"

static int fail(char **error_r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char **error_r, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	*error_r = sh_strdup(buf);
	return -1;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return (v != NULL && *v != '\0') ? v : NULL;
}

static int env_long(const char *name, long def, long min, long max, long *out, char **error_r)
{
	const char *v = env(name);
	if (v == NULL) {
		*out = def;
		return 0;
	}
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return fail(error_r, "%s: expected a whole number between %ld and %ld, got \"%.40s\"",
			    name, min, max, v);
	*out = n;
	return 0;
}

/* A URL the browser can open: a path on the app's origin, or an absolute ws(s):// URL. */
static bool url_acceptable(const char *url)
{
	if (strpbrk(url, " \t\r\n\"'<>;,") != NULL || strlen(url) > 200)
		return false;
	if (url[0] == '/')
		return url[1] != '/';
	if (strncmp(url, "ws://", 5) == 0)
		return url[5] != '\0' && url[5] != '/';
	if (strncmp(url, "wss://", 6) == 0)
		return url[6] != '\0' && url[6] != '/';
	return false;
}

const char *sh_realtime_help(void)
{
	return "Realtime channel (docs/REALTIME.md):\n"
	       "  SCHOOLHUB_REALTIME_PORT   WebSocket port, or off (default: the HTTP port + 1)\n"
	       "  SCHOOLHUB_REALTIME_URL    realtime_url for the app, /ws behind a proxy (default:\n"
	       "                            built from the request's host and the port)\n"
	       "  REDIS_URL                 redis://[:password@]host[:port][/db], the instances'\n"
	       "                            doorbell (default: none, this instance only)\n"
	       "  SCHOOLHUB_REALTIME_POLL_MS      event log read without Redis (default: 1000)\n"
	       "  SCHOOLHUB_REALTIME_RECHECK_S    socket accounts re-read (default: 30)\n"
	       "  SCHOOLHUB_REALTIME_QUEUE_BYTES  one socket's send queue (default: 1048576)\n"
	       "  SCHOOLHUB_REALTIME_MAX_SOCKETS  sockets per member (default: 5)\n"
	       "  SCHOOLHUB_REALTIME_MAX_PER_IP   sockets per client address (default: 256)\n"
	       "  SCHOOLHUB_EVENTS_KEEP_DAYS      member_events kept, 0 = all (default: 30)\n";
}

int rt_settings_load(struct rt_settings *s, unsigned http_port, char **error_r)
{
	memset(s, 0, sizeof(*s));
	*error_r = NULL;
	const char *port = env("SCHOOLHUB_REALTIME_PORT");
	long n = 0;
	if (port != NULL && strcmp(port, "off") == 0) {
		s->port = -1;
	} else {
		/* Beside the HTTP port by default; a kernel-chosen one when that is too. */
		long def = http_port == 0 ? 0 : (long)http_port + 1;
		if (def > 65535)
			return fail(error_r, "SCHOOLHUB_REALTIME_PORT: set it (SCHOOLHUB_PORT is 65535)");
		if (env_long("SCHOOLHUB_REALTIME_PORT", def, 0, 65535, &n, error_r) != 0)
			return -1;
		s->port = (int)n;
	}
	const char *url = env("SCHOOLHUB_REALTIME_URL");
	if (url != NULL && !url_acceptable(url))
		return fail(error_r, "SCHOOLHUB_REALTIME_URL: expected a path such as /ws or a "
				     "ws:// or wss:// URL");
	const char *redis = env("REDIS_URL");
	if (redis != NULL && strncmp(redis, "redis://", 8) != 0)
		return fail(error_r, "REDIS_URL: expected redis://[:password@]host[:port][/db]");
	if (env_long("SCHOOLHUB_REALTIME_POLL_MS", 1000, 50, 60000, &s->poll_ms, error_r) != 0 ||
	    env_long("SCHOOLHUB_REALTIME_RECHECK_S", 30, 1, 3600, &s->recheck_s, error_r) != 0 ||
	    env_long("SCHOOLHUB_REALTIME_QUEUE_BYTES", 1024 * 1024, 16384, 64L * 1024 * 1024,
		     &s->queue_bytes, error_r) != 0 ||
	    env_long("SCHOOLHUB_REALTIME_MAX_SOCKETS", 5, 1, 100, &s->max_sockets, error_r) != 0 ||
	    env_long("SCHOOLHUB_REALTIME_MAX_PER_IP", 256, 1, 65536, &s->max_per_ip, error_r) != 0 ||
	    env_long("SCHOOLHUB_EVENTS_KEEP_DAYS", 30, 0, 3650, &s->keep_days, error_r) != 0)
		return -1;
	s->url = url ? sh_strdup(url) : NULL;
	s->redis_url = redis ? sh_strdup(redis) : NULL;
	return 0;
}

void rt_settings_free(struct rt_settings *s)
{
	sh_free(&s->url);
	sh_free(&s->redis_url);
}
