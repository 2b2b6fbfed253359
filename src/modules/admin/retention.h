/*
 * The retention purge (issue #15): what the school keeps no longer than it must.
 *
 * One function, sh_retention_purge, run by the daily job (retention_job.c) and by
 * `schoolhub purge [--dry-run]` (src/app/cli_purge.c). Each kind runs in its own write
 * transaction, so a failure in one leaves the others done; every kind is idempotent (a
 * second run finds nothing), and two instances running it at once take turns on the
 * write transaction (SQLite's lock, PostgreSQL's SERIALIZABLE retried).
 *
 * - accounts: deactivated by an admin longer than the retention period (users.
 *   deactivated_at), erased through the one GDPR erase path (sh_account_erase), exactly as
 *   when a member deletes their account;
 * - children: archived as leavers (children.left_at) longer than the period, erased
 *   through the children module's delete (their guardianships and invitations go with
 *   them);
 * - sessions, reset_tokens, link_tokens, login_attempts: rows past their expiry (or their
 *   guessing window) by more than SH_RETENTION_MARGIN_S, whatever the period.
 *
 * Each kind that erases anything appends its audit row "retention.purged" (actor: the
 * system; targets: the erased accounts' or children's ids, none for the auth tables' rows)
 * IN THE SAME TRANSACTION as its erasures: no erasure is ever committed unaudited. The run
 * logs the counts per kind.
 */
#ifndef SCHOOLHUB_ADMIN_RETENTION_H
#define SCHOOLHUB_ADMIN_RETENTION_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "schoolhub/modules.h"
#include "schoolhub/jobs.h"
#include "schoolhub/store.h"

/* Expired tokens and old attempts stay this long after they stopped counting. */
#define SH_RETENTION_MARGIN_S (24 * 3600)

enum sh_purge_kind {
	SH_PURGE_ACCOUNTS,
	SH_PURGE_CHILDREN,
	SH_PURGE_SESSIONS,       /* refresh tokens past expires_at */
	SH_PURGE_RESET_TOKENS,   /* password_resets past expires_at */
	SH_PURGE_LINK_TOKENS,    /* e-mail verifications, unused invitation codes */
	SH_PURGE_LOGIN_ATTEMPTS, /* login_failures, auth_ip_attempts */
	SH_PURGE_KIND_COUNT
};

/* "accounts", "children", ... as the CLI prints them and the log line says. */
const char *sh_purge_kind_name(enum sh_purge_kind kind);

struct sh_purge_counts {
	int64_t n[SH_PURGE_KIND_COUNT];
};

/*
 * Purges what is past "retention_days" (accounts, children) or its expiry (the rest) at
 * "now". "dry_run": counts what would go and changes nothing (no audit row, no log).
 * "*counts_r" gets the rows per kind. SH_DB_OK, or the first store error (the kinds
 * before it are done and audited).
 */
enum sh_db_rc sh_retention_purge(struct sh_conn *conn, long retention_days, time_t now,
				 bool dry_run, struct sh_purge_counts *counts_r);

/* The admin module's settings (retention_settings.c). */
struct sh_retention_settings {
	long days; /* SCHOOLHUB_RETENTION_DAYS */
};
extern const struct sh_module_setting sh_retention_setting_table[1];
int sh_retention_settings_load(void **settings_r, char **error_r);
/* The loaded settings, or the defaults when the admin module is not enabled. */
const struct sh_retention_settings *sh_retention_settings(const struct sh_config *cfg);

/* The daily job (retention_job.c): its kind, and the next run queued once across
 * instances (at 02:00 UTC, on the notification clock). */
#define SH_RETENTION_JOB "admin.retention_purge"
enum sh_job_outcome sh_retention_job(struct sh_app *app, struct sh_conn *conn,
				     const struct sh_job *job, const char **error_r);
enum sh_db_rc sh_retention_schedule_next(struct sh_conn *conn);
int sh_retention_init(struct sh_app *app, char **error_r);

#endif
