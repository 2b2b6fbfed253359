/* Configuration from environment variables (docs/CONFIG.md lists them). */
#ifndef SCHOOLHUB_CONFIG_H
#define SCHOOLHUB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "schoolhub/ip_range.h"
#include "schoolhub/log.h"
#include "schoolhub/modules.h" /* SH_MODULE_COUNT */

enum sh_env { SH_ENV_DEVELOPMENT, SH_ENV_PRODUCTION };
enum sh_registration { SH_REG_OPEN, SH_REG_INVITE, SH_REG_CLOSED, SH_REG_APPROVAL };

#define SH_MAX_CORS_ORIGINS 16
#define SH_MAX_TRUSTED_PROXIES 8
#define SH_MODULE_SLOTS SH_MODULE_COUNT /* one per bit of enum sh_module_id (modules.h) */

struct sh_config {
	char *host;
	unsigned port;
	char *database_url;
	enum sh_env env;
	char *secret_key; /* token signing key, >= 32 bytes */
	size_t secret_key_len;
	enum sh_registration registration;
	unsigned modules;         /* bit mask of SH_MODULE_* (see modules.h) */
	char *cors_origins[SH_MAX_CORS_ORIGINS];
	size_t cors_origin_count;
	enum sh_log_level log_level;
	unsigned threads;         /* worker threads of the HTTP pool */
	char *data_dir;
	char *metrics_token; /* SCHOOLHUB_METRICS_TOKEN: bearer token for /metrics; NULL = loopback only */
	bool sqlite_full_sync; /* SCHOOLHUB_SQLITE_SYNC: full (default) or normal */
	unsigned pg_statement_timeout_ms; /* SCHOOLHUB_PG_STATEMENT_TIMEOUT_MS, default 15000, 0 = off */
	unsigned pg_lock_timeout_ms;      /* SCHOOLHUB_PG_LOCK_TIMEOUT_MS, default 10000, 0 = off */

	/* Limits (environment overrides exist for tests and operators). */
	size_t max_body_bytes;          /* SCHOOLHUB_MAX_BODY_BYTES, default 1 MiB */
	unsigned max_connections;       /* SCHOOLHUB_MAX_CONNECTIONS, default 1024 */
	unsigned max_connections_per_ip;/* SCHOOLHUB_MAX_CONNECTIONS_PER_IP, default 64 */
	unsigned connection_timeout_s;  /* SCHOOLHUB_CONNECTION_TIMEOUT, default 30 */
	unsigned header_timeout_s;      /* SCHOOLHUB_HEADER_TIMEOUT_S: whole header block, default 10 */
	size_t connection_memory_bytes; /* per-connection buffer for headers, default 32 KiB */
	unsigned access_token_ttl_s;    /* 900 (the auth module's settings: auth_settings.h) */
	/* SCHOOLHUB_TRUSTED_PROXIES: peers whose X-Real-IP names the client, as written
	 * (an address or a CIDR block) and parsed (the range peers are matched against) */
	char *trusted_proxies[SH_MAX_TRUSTED_PROXIES];
	struct sh_ip_range trusted_proxy_ranges[SH_MAX_TRUSTED_PROXIES];
	size_t trusted_proxy_count;
	unsigned argon2_max_concurrent; /* concurrent password hashes, default = threads */
	unsigned password_slot_wait_ms; /* SCHOOLHUB_PASSWORD_SLOT_WAIT_MS, default 5000 */

	/* E-mail (src/mail, docs/CONFIG.md "E-mail"): without smtp_url, messages are written
	 * to data_dir/outbox. Never logged: smtp_password. */
	char *smtp_url;      /* SCHOOLHUB_SMTP_URL: smtp://host:port or smtps://host:port */
	char *smtp_user;     /* SCHOOLHUB_SMTP_USER */
	char *smtp_password; /* SCHOOLHUB_SMTP_PASSWORD */
	char *mail_from;     /* SCHOOLHUB_MAIL_FROM: "Name <address>" or an address */
	char *public_url;    /* SCHOOLHUB_PUBLIC_URL without a trailing '/': links in e-mails */
	/* Only a serving process runs the job worker threads (schoolhub serve and the API
	 * tests set it); migrate, seed-demo and the other commands never send anything. */
	bool job_worker;

	/* Each enabled module's own settings (its settings_load hook; read them through the
	 * module's typed accessor, e.g. sh_sel_settings), indexed by the bit of its id. */
	void *module_settings[SH_MODULE_SLOTS];
};

/*
 * Reads the environment into "cfg". "need_secret" is false for commands that never sign
 * tokens (migrate, user promote). On bad configuration returns -1 and sets "*error_r" to a
 * malloc'ed one-line message.
 */
int sh_config_load(struct sh_config *cfg, bool need_secret, char **error_r);
void sh_config_free(struct sh_config *cfg);

/* The text printed by "schoolhub serve --help". */
const char *sh_config_help(void);

#endif
