/* JSON-lines logger on stderr; one write() per line so threads never interleave. */
#include "schoolhub/log.h"

#include <jansson.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static _Atomic int current_level = SH_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void sh_log_set_level(enum sh_log_level level)
{
	atomic_store(&current_level, (int)level);
}

enum sh_log_level sh_log_get_level(void)
{
	return (enum sh_log_level)atomic_load(&current_level);
}

int sh_log_parse_level(const char *name, enum sh_log_level *level_r)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, level_names[i]) == 0) {
			*level_r = (enum sh_log_level)i;
			return 0;
		}
	return -1;
}

static void write_line(const char *line, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, line, len);
		if (n <= 0)
			return; /* nowhere left to report a logging failure */
		line += n;
		len -= (size_t)n;
	}
}

void sh_log_json_line(enum sh_log_level level, const char *json)
{
	if ((int)level < atomic_load(&current_level))
		return;
	size_t len = strlen(json);
	char stack[2048];
	if (len + 1 < sizeof(stack)) {
		memcpy(stack, json, len);
		stack[len] = '\n';
		write_line(stack, len + 1);
	} else {
		write_line(json, len);
		write_line("\n", 1);
	}
}

void sh_log(enum sh_log_level level, const char *fmt, ...)
{
	if ((int)level < atomic_load(&current_level))
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);

	json_t *obj = json_pack("{s:s, s:s, s:s}", "ts", ts, "level", level_names[level], "msg", msg);
	char *line = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	if (line != NULL)
		sh_log_json_line(level, line);
	free(line);
	json_decref(obj);
}
