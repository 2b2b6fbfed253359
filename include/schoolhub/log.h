/* Structured logging: one JSON object per line on stderr. Never log secrets. */
#ifndef SCHOOLHUB_LOG_H
#define SCHOOLHUB_LOG_H

enum sh_log_level { SH_LOG_DEBUG, SH_LOG_INFO, SH_LOG_WARN, SH_LOG_ERROR };

void sh_log_set_level(enum sh_log_level level);
enum sh_log_level sh_log_get_level(void);
/* Parses "debug", "info", "warn", "error"; returns -1 for anything else. */
int sh_log_parse_level(const char *name, enum sh_log_level *level_r);

/* Logs {"ts":..,"level":..,"msg":"<formatted>"}. */
void sh_log(enum sh_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes one pre-built JSON object as a line (used by the access log). */
void sh_log_json_line(enum sh_log_level level, const char *json);

#define sh_log_debug(...) sh_log(SH_LOG_DEBUG, __VA_ARGS__)
#define sh_log_info(...) sh_log(SH_LOG_INFO, __VA_ARGS__)
#define sh_log_warn(...) sh_log(SH_LOG_WARN, __VA_ARGS__)
#define sh_log_error(...) sh_log(SH_LOG_ERROR, __VA_ARGS__)

#endif
