/*
 * Configuration from the environment. Every problem is reported as one line so an
 * operator sees exactly what to fix; nothing is half-applied.
 */
#include "schoolhub/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schoolhub/mem.h"
#include "schoolhub/modules.h"

static const char help_text[] =
	"Environment variables:\n"
	"  SCHOOLHUB_HOST            address to listen on (default 127.0.0.1)\n"
	"  SCHOOLHUB_PORT            TCP port (default 8080)\n"
	"  DATABASE_URL              sqlite:///relative.db, sqlite:////absolute.db or\n"
	"                            postgresql://user:pass@host:port/db\n"
	"                            (default sqlite:///./data/schoolhub.db)\n"
	"  SCHOOLHUB_ENV             production (default) or development (a laptop: open\n"
	"                            registration, a generated secret, the demo seeder)\n"
	"  SCHOOLHUB_SECRET_KEY      token signing key, at least 32 bytes (required in production;\n"
	"                            development generates one in the data directory)\n"
	"  SCHOOLHUB_REGISTRATION    open, invite, approval or closed (default: open in development,\n"
	"                            invite in production)\n"
	"  SCHOOLHUB_MODULES         comma list of enabled modules (default: all)\n"
	"  SCHOOLHUB_CORS_ORIGINS    comma list of allowed browser origins (default: none)\n"
	"  SCHOOLHUB_LOG_LEVEL       debug, info, warn or error (default info)\n"
	"  SCHOOLHUB_THREADS         HTTP worker threads (default: number of cores)\n"
	"  SCHOOLHUB_DATA_DIR        data directory (default ./data)\n"
	"  SCHOOLHUB_SQLITE_SYNC     full (default: every acknowledged write survives a power\n"
	"                            cut) or normal (faster; a power cut may lose the last ones)\n"
	"  SCHOOLHUB_PG_STATEMENT_TIMEOUT_MS  PostgreSQL: longest statement, in ms (default\n"
	"                            15000; 0 = no limit)\n"
	"  SCHOOLHUB_PG_LOCK_TIMEOUT_MS       PostgreSQL: longest wait for a row or table lock,\n"
	"                            in ms (default 10000; 0 = no limit)\n"
	"  SCHOOLHUB_METRICS_TOKEN   bearer token required by /metrics (default: unset, and\n"
	"                            /metrics answers loopback clients only)\n"
	"  SCHOOLHUB_MAX_BODY_BYTES  largest accepted request body (default 1048576)\n"
	"  SCHOOLHUB_MAX_CONNECTIONS total open connections (default 1024)\n"
	"  SCHOOLHUB_MAX_CONNECTIONS_PER_IP  open connections per client address (default 64)\n"
	"  SCHOOLHUB_CONNECTION_TIMEOUT      seconds of inactivity before a connection is\n"
	"                            dropped (default 30)\n"
	"  SCHOOLHUB_HEADER_TIMEOUT_S        seconds a connection has to send a request's whole\n"
	"                            header block, counted from the connection or the previous\n"
	"                            reply (default 10)\n"
	"  SCHOOLHUB_PASSWORD_SLOT_WAIT_MS   milliseconds a login waits for a free password-\n"
	"                            hashing slot before 429 (default 5000, at most half\n"
	"                            the connection timeout)\n"
	"  SCHOOLHUB_TRUSTED_PROXIES comma list of reverse-proxy addresses or CIDR blocks\n"
	"                            whose X-Real-IP names the client for the login limits\n"
	"                            (default: none, nobody is trusted)\n"
	"  SCHOOLHUB_SMTP_URL        smtp://host:port (STARTTLS when offered) or smtps://host:port\n"
	"                            (default: unset, e-mails are written to DATA_DIR/outbox)\n"
	"  SCHOOLHUB_SMTP_USER       SMTP login (default: none)\n"
	"  SCHOOLHUB_SMTP_PASSWORD   SMTP password (never logged)\n"
	"  SCHOOLHUB_MAIL_FROM       sender, \"Name <address>\" or an address (required in\n"
	"                            production with an SMTP URL)\n"
	"  SCHOOLHUB_PUBLIC_URL      https://school.example: the app's address in e-mail links\n"
	"                            (required in production with an SMTP URL; default\n"
	"                            http://localhost:PORT)\n"
	"Module settings (read only when the module is enabled):\n";

const char *sh_config_help(void)
{
	return help_text;
}

static int fail(char **error_r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char **error_r, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	*error_r = sh_strdup(buf);
	return -1;
}

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return (v != NULL && *v != '\0') ? v : fallback;
}

/* Reads an unsigned integer in [min, max]; the default applies when unset. */
static int env_uint(const char *name, unsigned long def, unsigned long min, unsigned long max,
		    unsigned long *out, char **error_r)
{
	const char *v = getenv(name);
	if (v == NULL || *v == '\0') {
		*out = def;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || v[0] == '-' || n < min || n > max)
		return fail(error_r, "%s: expected a whole number between %lu and %lu, got \"%s\"",
			    name, min, max, v);
	*out = n;
	return 0;
}

/*
 * Development convenience: a random key kept in DATA_DIR/secret.key (0600), so tokens
 * survive restarts without the operator having to invent a secret.
 */
static int load_dev_secret(struct sh_config *cfg, char **error_r)
{
	if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST)
		return fail(error_r, "SCHOOLHUB_DATA_DIR: cannot create %s: %s", cfg->data_dir,
			    strerror(errno));
	size_t plen = strlen(cfg->data_dir) + sizeof("/secret.key");
	char *path = sh_malloc(plen);
	snprintf(path, plen, "%s/secret.key", cfg->data_dir);

	int rc = -1;
	char buf[129];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n >= 32) {
			buf[n] = '\0';
			buf[strcspn(buf, "\r\n")] = '\0';
			if (strlen(buf) >= 32) {
				cfg->secret_key = sh_strdup(buf);
				rc = 0;
				goto out;
			}
		}
		rc = fail(error_r, "%s is unreadable or shorter than 32 bytes; delete it to regenerate",
			  path);
		goto out;
	}
	char *key = NULL;
	unsigned char raw[32];
	randombytes_buf(raw, sizeof(raw));
	key = sh_malloc(65);
	sodium_bin2hex(key, 65, raw, sizeof(raw));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, key, 64) != 64 || close(fd) != 0) {
		rc = fail(error_r, "cannot write %s: %s", path, strerror(errno));
		sh_free(&key);
		goto out;
	}
	cfg->secret_key = key;
	rc = 0;
out:
	sh_free(&path);
	return rc;
}

static int parse_cors(struct sh_config *cfg, const char *list, char **error_r)
{
	const char *p = list;
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		while (len > 0 && (*p == ' '))
			p++, len--;
		size_t trimmed = len;
		while (trimmed > 0 && p[trimmed - 1] == ' ')
			trimmed--;
		if (trimmed > 0) {
			if (trimmed == 1 && *p == '*')
				return fail(error_r, "SCHOOLHUB_CORS_ORIGINS: \"*\" is not allowed; list the origins");
			if (strncmp(p, "http://", 7) != 0 && strncmp(p, "https://", 8) != 0)
				return fail(error_r, "SCHOOLHUB_CORS_ORIGINS: \"%.*s\" is not an http(s) origin",
					    (int)trimmed, p);
			if (cfg->cors_origin_count == SH_MAX_CORS_ORIGINS)
				return fail(error_r, "SCHOOLHUB_CORS_ORIGINS: at most %d origins",
					    SH_MAX_CORS_ORIGINS);
			cfg->cors_origins[cfg->cors_origin_count++] = sh_strndup(p, trimmed);
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* Addresses and CIDR blocks (ip_range.h); a host name or a malformed entry is refused: a
 * proxy list that silently trusted nobody, or everybody, would be worse than no start. */
static int parse_trusted_proxies(struct sh_config *cfg, const char *list, char **error_r)
{
	const char *p = list;
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		char item[INET6_ADDRSTRLEN + 5]; /* an address and "/128" */
		size_t start = strspn(p, " ");
		size_t end = len;
		while (end > start && p[end - 1] == ' ')
			end--;
		if (end > start) {
			if (end - start >= sizeof(item))
				return fail(error_r, "SCHOOLHUB_TRUSTED_PROXIES: \"%.*s\" is not an address",
					    (int)(end - start), p + start);
			memcpy(item, p + start, end - start);
			item[end - start] = '\0';
			struct sh_ip_range range;
			if (sh_ip_range_parse(item, &range) != 0)
				return fail(error_r,
					    "SCHOOLHUB_TRUSTED_PROXIES: \"%s\" is not an IP address or "
					    "CIDR block",
					    item);
			if (cfg->trusted_proxy_count == SH_MAX_TRUSTED_PROXIES)
				return fail(error_r, "SCHOOLHUB_TRUSTED_PROXIES: at most %d entries",
					    SH_MAX_TRUSTED_PROXIES);
			cfg->trusted_proxy_ranges[cfg->trusted_proxy_count] = range;
			cfg->trusted_proxies[cfg->trusted_proxy_count++] = sh_strdup(item);
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* Where to listen, where the data lives, who may read /metrics. */
static int load_places(struct sh_config *cfg, char **error_r)
{
	unsigned long n;
	cfg->host = sh_strdup(env_or("SCHOOLHUB_HOST", "127.0.0.1"));
	if (env_uint("SCHOOLHUB_PORT", 8080, 0, 65535, &n, error_r) != 0)
		return -1;
	cfg->port = (unsigned)n;
	cfg->database_url = sh_strdup(env_or("DATABASE_URL", "sqlite:///./data/schoolhub.db"));
	cfg->data_dir = sh_strdup(env_or("SCHOOLHUB_DATA_DIR", "./data"));
	const char *metrics_token = getenv("SCHOOLHUB_METRICS_TOKEN");
	if (metrics_token != NULL && *metrics_token != '\0') {
		if (strlen(metrics_token) < 16)
			return fail(error_r, "SCHOOLHUB_METRICS_TOKEN: must be at least 16 characters");
		cfg->metrics_token = sh_strdup(metrics_token);
	}
	return 0;
}

/* SCHOOLHUB_ENV and the registration mode it defaults; "*defaulted_r" when ENV is unset. */
static int load_environment(struct sh_config *cfg, bool *defaulted_r, char **error_r)
{
	/* Unset means production: a server someone forgot to configure must not open its
	 * registration, invent its own secret or accept the demo seeder. */
	const char *env_set = getenv("SCHOOLHUB_ENV");
	*defaulted_r = env_set == NULL || *env_set == '\0';
	const char *env = *defaulted_r ? "production" : env_set;
	if (strcmp(env, "development") == 0)
		cfg->env = SH_ENV_DEVELOPMENT;
	else if (strcmp(env, "production") == 0)
		cfg->env = SH_ENV_PRODUCTION;
	else
		return fail(error_r, "SCHOOLHUB_ENV: expected development or production, got \"%s\"",
			    env);

	const char *reg = env_or("SCHOOLHUB_REGISTRATION",
				 cfg->env == SH_ENV_PRODUCTION ? "invite" : "open");
	if (strcmp(reg, "open") == 0)
		cfg->registration = SH_REG_OPEN;
	else if (strcmp(reg, "invite") == 0)
		cfg->registration = SH_REG_INVITE;
	else if (strcmp(reg, "closed") == 0)
		cfg->registration = SH_REG_CLOSED;
	else if (strcmp(reg, "approval") == 0)
		cfg->registration = SH_REG_APPROVAL;
	else
		return fail(error_r, "SCHOOLHUB_REGISTRATION: expected open, invite, approval or closed, got \"%s\"",
			    reg);
	return 0;
}

/* Durability and the PostgreSQL timeouts. */
static int load_storage(struct sh_config *cfg, char **error_r)
{
	unsigned long n;
	const char *sync = env_or("SCHOOLHUB_SQLITE_SYNC", "full");
	if (strcmp(sync, "full") == 0)
		cfg->sqlite_full_sync = true;
	else if (strcmp(sync, "normal") == 0)
		cfg->sqlite_full_sync = false;
	else
		return fail(error_r, "SCHOOLHUB_SQLITE_SYNC: expected full or normal, got \"%s\"", sync);

	if (env_uint("SCHOOLHUB_PG_STATEMENT_TIMEOUT_MS", 15000, 0, 3600000, &n, error_r) != 0)
		return -1;
	cfg->pg_statement_timeout_ms = (unsigned)n;
	if (env_uint("SCHOOLHUB_PG_LOCK_TIMEOUT_MS", 10000, 0, 3600000, &n, error_r) != 0)
		return -1;
	cfg->pg_lock_timeout_ms = (unsigned)n;
	return 0;
}

/* The enabled modules, then their own settings (each module parses its own). */
static int load_modules(struct sh_config *cfg, char **error_r)
{
	const char *modules = getenv("SCHOOLHUB_MODULES");
	if (modules != NULL && *modules != '\0') {
		if (sh_modules_parse(modules, &cfg->modules, error_r) != 0)
			return -1;
	} else {
		cfg->modules = sh_modules_all();
	}
	return sh_modules_settings_load(cfg->modules, cfg->module_settings, error_r);
}

/* Browser origins, logging and the worker pool. */
static int load_server(struct sh_config *cfg, char **error_r)
{
	unsigned long n;
	if (parse_cors(cfg, env_or("SCHOOLHUB_CORS_ORIGINS", ""), error_r) != 0)
		return -1;
	const char *level = env_or("SCHOOLHUB_LOG_LEVEL", "info");
	if (sh_log_parse_level(level, &cfg->log_level) != 0)
		return fail(error_r, "SCHOOLHUB_LOG_LEVEL: expected debug, info, warn or error, got \"%s\"",
			    level);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (env_uint("SCHOOLHUB_THREADS", cores > 0 ? (unsigned long)cores : 2, 1, 256, &n,
		     error_r) != 0)
		return -1;
	cfg->threads = (unsigned)n;
	/* argon2 is CPU- and memory-bound: more parallel hashes than cores only queue inside
	 * the kernel while holding 19 MiB each. */
	long online = cores > 0 ? cores : 2;
	cfg->argon2_max_concurrent = cfg->threads < (unsigned)online ? cfg->threads : (unsigned)online;
	return 0;
}

/* What one client may hold: body size, connections, timeouts. */
static int load_http_limits(struct sh_config *cfg, char **error_r)
{
	unsigned long n;
	if (env_uint("SCHOOLHUB_MAX_BODY_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024, &n,
		     error_r) != 0)
		return -1;
	cfg->max_body_bytes = n;
	if (env_uint("SCHOOLHUB_MAX_CONNECTIONS", 1024, 4, 65536, &n, error_r) != 0)
		return -1;
	cfg->max_connections = (unsigned)n;
	if (env_uint("SCHOOLHUB_MAX_CONNECTIONS_PER_IP", 64, 1, 65536, &n, error_r) != 0)
		return -1;
	cfg->max_connections_per_ip = (unsigned)n;
	if (env_uint("SCHOOLHUB_CONNECTION_TIMEOUT", 30, 1, 3600, &n, error_r) != 0)
		return -1;
	cfg->connection_timeout_s = (unsigned)n;
	/* Inactivity alone never ends a connection that trickles a byte now and then. */
	if (env_uint("SCHOOLHUB_HEADER_TIMEOUT_S", 10, 1, 3600, &n, error_r) != 0)
		return -1;
	cfg->header_timeout_s = (unsigned)n;
	cfg->connection_memory_bytes = 32 * 1024; /* request line + headers; MHD answers 431 beyond */
	return 0;
}

/* Password hashing, the access-token lifetime and the proxies believed about clients
 * (the auth module owns its guessing limits and refresh tokens: auth_settings.c). */
static int load_passwords_and_proxies(struct sh_config *cfg, char **error_r)
{
	unsigned long n;
	if (env_uint("SCHOOLHUB_PASSWORD_SLOT_WAIT_MS", 5000, 0, 60000, &n, error_r) != 0)
		return -1;
	cfg->password_slot_wait_ms = (unsigned)n;
	cfg->access_token_ttl_s = 15 * 60;
	return parse_trusted_proxies(cfg, env_or("SCHOOLHUB_TRUSTED_PROXIES", ""), error_r);
}

/* A header value or URL must not smuggle a line break (header injection) or a space. */
static bool one_line(const char *s, bool allow_space)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || (!allow_space && *s == ' '))
			return false;
	return true;
}

/* E-mail: SMTP or the file outbox, the sender and the links' base. Fail closed: a
 * production server that would mail links to nowhere (or to the wrong host) refuses to
 * start, and credentials go in their own variables so the URL itself may be logged. */
static int load_mail(struct sh_config *cfg, char **error_r)
{
	const char *url = env_or("SCHOOLHUB_SMTP_URL", NULL);
	if (url != NULL) {
		const char *host = strstr(url, "://");
		if ((strncmp(url, "smtp://", 7) != 0 && strncmp(url, "smtps://", 8) != 0) ||
		    !one_line(url, false) || host[3] == '\0')
			return fail(error_r, "SCHOOLHUB_SMTP_URL: expected smtp://host[:port] or "
					     "smtps://host[:port]");
		if (strchr(host + 3, '@') != NULL)
			return fail(error_r, "SCHOOLHUB_SMTP_URL: put the login in SCHOOLHUB_SMTP_USER "
					     "and SCHOOLHUB_SMTP_PASSWORD, not in the URL");
		cfg->smtp_url = sh_strdup(url);
	}
	const char *user = env_or("SCHOOLHUB_SMTP_USER", NULL);
	const char *password = env_or("SCHOOLHUB_SMTP_PASSWORD", NULL);
	if ((user != NULL) != (password != NULL))
		return fail(error_r, "SCHOOLHUB_SMTP_USER and SCHOOLHUB_SMTP_PASSWORD go together");
	cfg->smtp_user = user ? sh_strdup(user) : NULL;
	cfg->smtp_password = password ? sh_strdup(password) : NULL;
	bool strict = cfg->env == SH_ENV_PRODUCTION && cfg->smtp_url != NULL;
	const char *from = env_or("SCHOOLHUB_MAIL_FROM", NULL);
	if (from == NULL && strict)
		return fail(error_r, "SCHOOLHUB_MAIL_FROM: required in production with SCHOOLHUB_SMTP_URL");
	if (from != NULL && (strchr(from, '@') == NULL || !one_line(from, true)))
		return fail(error_r, "SCHOOLHUB_MAIL_FROM: expected an address or \"Name <address>\"");
	cfg->mail_from = sh_strdup(from ? from : "SchoolHub <no-reply@schoolhub.invalid>");
	const char *pub = env_or("SCHOOLHUB_PUBLIC_URL", NULL);
	if (pub == NULL && strict)
		return fail(error_r, "SCHOOLHUB_PUBLIC_URL: required in production with "
				     "SCHOOLHUB_SMTP_URL (the address in e-mail links, e.g. "
				     "https://school.example)");
	if (pub != NULL && ((strncmp(pub, "http://", 7) != 0 && strncmp(pub, "https://", 8) != 0) ||
			    !one_line(pub, false) || strpbrk(pub, "\"'<>?#") != NULL))
		return fail(error_r, "SCHOOLHUB_PUBLIC_URL: expected http(s)://host[:port][/path]");
	char fallback[64];
	snprintf(fallback, sizeof(fallback), "http://localhost:%u", cfg->port);
	size_t len = strlen(pub ? pub : fallback);
	cfg->public_url = sh_strndup(pub ? pub : fallback, len);
	while (len > 0 && cfg->public_url[len - 1] == '/')
		cfg->public_url[--len] = '\0';
	return 0;
}

/* The token signing key: given, required in production, generated in development. */
static int load_secret(struct sh_config *cfg, bool need_secret, bool env_defaulted,
		       char **error_r)
{
	const char *secret = getenv("SCHOOLHUB_SECRET_KEY");
	if (secret != NULL && *secret != '\0') {
		if (strlen(secret) < 32)
			return fail(error_r, "SCHOOLHUB_SECRET_KEY: must be at least 32 bytes (got %zu)",
				    strlen(secret));
		cfg->secret_key = sh_strdup(secret);
	} else if (need_secret) {
		if (cfg->env == SH_ENV_PRODUCTION)
			return fail(error_r,
				    "SCHOOLHUB_SECRET_KEY: required when SCHOOLHUB_ENV=production%s "
				    "(at least 32 random bytes, e.g. SCHOOLHUB_SECRET_KEY=$(openssl rand "
				    "-hex 32)); to try SchoolHub on a laptop, set SCHOOLHUB_ENV=development",
				    env_defaulted ? ", the default when SCHOOLHUB_ENV is unset" : "");
		if (load_dev_secret(cfg, error_r) != 0)
			return -1;
	}
	cfg->secret_key_len = cfg->secret_key ? strlen(cfg->secret_key) : 0;
	return 0;
}

/* One concern at a time, in the order an operator reads docs/CONFIG.md; the first problem
 * stops the load and nothing of it is kept. */
int sh_config_load(struct sh_config *cfg, bool need_secret, char **error_r)
{
	memset(cfg, 0, sizeof(*cfg));
	*error_r = NULL;
	bool env_defaulted = false;
	if (load_places(cfg, error_r) != 0 || load_environment(cfg, &env_defaulted, error_r) != 0 ||
	    load_storage(cfg, error_r) != 0 || load_modules(cfg, error_r) != 0 ||
	    load_server(cfg, error_r) != 0 || load_http_limits(cfg, error_r) != 0 ||
	    load_passwords_and_proxies(cfg, error_r) != 0 || load_mail(cfg, error_r) != 0 ||
	    load_secret(cfg, need_secret, env_defaulted, error_r) != 0) {
		sh_config_free(cfg);
		return -1;
	}
	return 0;
}

void sh_config_free(struct sh_config *cfg)
{
	sh_free(&cfg->host);
	sh_free(&cfg->database_url);
	if (cfg->secret_key != NULL)
		sodium_memzero(cfg->secret_key, strlen(cfg->secret_key));
	sh_free(&cfg->secret_key);
	sh_free(&cfg->data_dir);
	sh_free(&cfg->metrics_token);
	sh_free(&cfg->smtp_url);
	sh_free(&cfg->smtp_user);
	if (cfg->smtp_password != NULL)
		sodium_memzero(cfg->smtp_password, strlen(cfg->smtp_password));
	sh_free(&cfg->smtp_password);
	sh_free(&cfg->mail_from);
	sh_free(&cfg->public_url);
	for (size_t i = 0; i < cfg->cors_origin_count; i++)
		sh_free(&cfg->cors_origins[i]);
	cfg->cors_origin_count = 0;
	for (size_t i = 0; i < cfg->trusted_proxy_count; i++)
		sh_free(&cfg->trusted_proxies[i]);
	cfg->trusted_proxy_count = 0;
	for (size_t i = 0; i < SH_MODULE_SLOTS; i++)
		sh_free(&cfg->module_settings[i]);
}
