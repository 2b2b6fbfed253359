/*
 * The retention purge (retention.h says what goes when). Erasures go through the paths
 * that already exist: sh_account_erase for an account (every module's erase hook, the
 * event log, the pseudonymised row: exactly a member's own deletion) and sh_child_delete
 * for a child; this file only decides who is due. Expired rows of the auth tables are
 * plain deletes, one statement per table.
 */
#include "modules/admin/retention.h"

#include <inttypes.h>
#include <stdlib.h>

#include "modules/children/child_queries.h"
#include "modules/users/account_erase.h"
#include "schoolhub/audit.h"
#include "schoolhub/log.h"
#include "schoolhub/mem.h"
#include "schoolhub/util.h"

/* Rows of the auth tables past their end (cutoff: $1, SH_RETENTION_MARGIN_S before now). */
struct expiry_rule {
	enum sh_purge_kind kind;
	const char *count_sql, *delete_sql;
};

#define EXPIRY_RULE(kind, table, where) \
	{kind, "SELECT COUNT(*) FROM " table " WHERE " where, "DELETE FROM " table " WHERE " where}

static const struct expiry_rule expiry_rules[] = {
	EXPIRY_RULE(SH_PURGE_SESSIONS, "refresh_tokens", "expires_at < $1"),
	EXPIRY_RULE(SH_PURGE_RESET_TOKENS, "password_resets", "expires_at < $1"),
	EXPIRY_RULE(SH_PURGE_LINK_TOKENS, "email_verifications", "expires_at < $1"),
	/* A used code stays: it records who joined with it (invites.used_by). */
	EXPIRY_RULE(SH_PURGE_LINK_TOKENS, "invites", "used_at IS NULL AND expires_at < $1"),
	/* The guessing windows are 15 minutes: a day later a row counts for nothing. */
	EXPIRY_RULE(SH_PURGE_LOGIN_ATTEMPTS, "login_failures", "failed_at < $1"),
	EXPIRY_RULE(SH_PURGE_LOGIN_ATTEMPTS, "auth_ip_attempts", "attempted_at < $1"),
};
#define EXPIRY_RULE_COUNT (sizeof(expiry_rules) / sizeof(expiry_rules[0]))

/* Who is due, for the two kinds erased one by one ($1: the cutoff). */
#define ACCOUNTS_DUE "FROM users WHERE deleted_at IS NULL AND NOT active AND deactivated_at < $1"
#define CHILDREN_DUE "FROM children WHERE left_at IS NOT NULL AND left_at < $1"

static const char *const kind_names[SH_PURGE_KIND_COUNT] = {
	[SH_PURGE_ACCOUNTS] = "accounts",
	[SH_PURGE_CHILDREN] = "children",
	[SH_PURGE_SESSIONS] = "sessions",
	[SH_PURGE_RESET_TOKENS] = "reset_tokens",
	[SH_PURGE_LINK_TOKENS] = "link_tokens",
	[SH_PURGE_LOGIN_ATTEMPTS] = "login_attempts",
};

const char *sh_purge_kind_name(enum sh_purge_kind kind)
{
	return kind < SH_PURGE_KIND_COUNT ? kind_names[kind] : "unknown";
}

/* One kind's run: its inputs, and what it erased (reset when the transaction reruns). */
struct kind_run {
	enum sh_purge_kind kind;
	const char *cutoff, *now;
	int64_t count;
	json_t *ids; /* the erased accounts' or children's ids, for the audit row */
};

/* The ids due in "k" (accounts or children), in id order, into "k->ids". */
static enum sh_db_rc due_ids(struct sh_conn *conn, struct kind_run *k)
{
	const char *sql = k->kind == SH_PURGE_ACCOUNTS ? "SELECT id " ACCOUNTS_DUE " ORDER BY id"
						       : "SELECT id " CHILDREN_DUE " ORDER BY id";
	struct sh_stmt *st = sh_query(conn, sql, SH_ARGS(SH_TEXT(k->cutoff)));
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW)
		json_array_append_new(k->ids, json_string(sh_stmt_col_text(st, 0)));
	sh_stmt_free(&st);
	return rc;
}

/* The kind's audit row, in the kind's own transaction (so erasures are never committed
 * without it): "retention.purged", no actor, the erased ids (none for the auth tables). */
static enum sh_db_rc audit_kind(struct sh_conn *conn, const struct kind_run *k)
{
	if (k->count == 0)
		return SH_DB_OK;
	size_t count = json_array_size(k->ids);
	const char **targets = sh_malloc((count + 1) * sizeof(*targets));
	for (size_t i = 0; i < count; i++)
		targets[i] = json_string_value(json_array_get(k->ids, i));
	enum sh_db_rc rc = sh_audit_append(conn, &(struct sh_audit_entry){
							 .action = "retention.purged",
							 .targets = targets,
							 .target_count = count});
	free(targets);
	return rc;
}

static enum sh_db_rc erase_due_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct kind_run *k = ctx;
	k->count = 0;
	json_array_clear(k->ids);
	enum sh_db_rc rc = due_ids(conn, k);
	size_t i;
	json_t *id;
	json_array_foreach(k->ids, i, id)
	{
		if (rc != SH_DB_OK)
			break;
		const char *text = json_string_value(id);
		rc = k->kind == SH_PURGE_ACCOUNTS ? sh_account_erase(conn, text, k->now)
						  : sh_child_delete(conn, text);
		k->count += rc == SH_DB_OK;
	}
	return rc == SH_DB_OK ? audit_kind(conn, k) : rc;
}

static enum sh_db_rc expire_in_tx(struct sh_conn *conn, void *ctx, bool *rollback_r)
{
	(void)rollback_r;
	struct kind_run *k = ctx;
	k->count = 0;
	for (size_t i = 0; i < EXPIRY_RULE_COUNT; i++) {
		if (expiry_rules[i].kind != k->kind)
			continue;
		int64_t changed = 0;
		enum sh_db_rc rc = sh_exec(conn, expiry_rules[i].delete_sql,
					   SH_ARGS(SH_TEXT(k->cutoff)), &changed);
		if (rc != SH_DB_OK)
			return rc;
		k->count += changed;
	}
	return audit_kind(conn, k);
}

/* What a dry run reports: the same WHERE clauses, counted. */
static enum sh_db_rc count_due(struct sh_conn *conn, struct kind_run *k)
{
	k->count = 0;
	if (k->kind == SH_PURGE_ACCOUNTS || k->kind == SH_PURGE_CHILDREN) {
		const char *sql = k->kind == SH_PURGE_ACCOUNTS ? "SELECT COUNT(*) " ACCOUNTS_DUE
							       : "SELECT COUNT(*) " CHILDREN_DUE;
		enum sh_db_rc rc = sh_query_int64(conn, sql, SH_ARGS(SH_TEXT(k->cutoff)), &k->count);
		return rc == SH_DB_ROW ? SH_DB_OK : rc;
	}
	for (size_t i = 0; i < EXPIRY_RULE_COUNT; i++) {
		if (expiry_rules[i].kind != k->kind)
			continue;
		int64_t n = 0;
		enum sh_db_rc rc = sh_query_int64(conn, expiry_rules[i].count_sql,
						  SH_ARGS(SH_TEXT(k->cutoff)), &n);
		if (rc != SH_DB_ROW)
			return rc;
		k->count += n;
	}
	return SH_DB_OK;
}

static void log_counts(const struct sh_purge_counts *c, long days)
{
	sh_log(SH_LOG_INFO,
	       "retention purge (%ld days): accounts=%" PRId64 " children=%" PRId64
	       " sessions=%" PRId64 " reset_tokens=%" PRId64 " link_tokens=%" PRId64
	       " login_attempts=%" PRId64,
	       days, c->n[SH_PURGE_ACCOUNTS], c->n[SH_PURGE_CHILDREN], c->n[SH_PURGE_SESSIONS],
	       c->n[SH_PURGE_RESET_TOKENS], c->n[SH_PURGE_LINK_TOKENS],
	       c->n[SH_PURGE_LOGIN_ATTEMPTS]);
}

enum sh_db_rc sh_retention_purge(struct sh_conn *conn, long retention_days, time_t now,
				 bool dry_run, struct sh_purge_counts *counts_r)
{
	char now_text[SH_TIME_LEN + 1], period_end[SH_TIME_LEN + 1], expiry_end[SH_TIME_LEN + 1];
	sh_time_format(now, now_text);
	sh_time_format(now - (time_t)retention_days * 24 * 3600, period_end);
	sh_time_format(now - SH_RETENTION_MARGIN_S, expiry_end);
	*counts_r = (struct sh_purge_counts){0};
	enum sh_db_rc rc = SH_DB_OK;
	int64_t total = 0;
	for (int kind = 0; kind < SH_PURGE_KIND_COUNT && rc == SH_DB_OK; kind++) {
		bool by_period = kind == SH_PURGE_ACCOUNTS || kind == SH_PURGE_CHILDREN;
		struct kind_run k = {.kind = (enum sh_purge_kind)kind,
				     .cutoff = by_period ? period_end : expiry_end,
				     .now = now_text,
				     .ids = json_array()};
		if (dry_run)
			rc = count_due(conn, &k);
		else
			rc = sh_conn_transaction(conn, SH_TX_WRITE,
						 by_period ? erase_due_in_tx : expire_in_tx, &k);
		if (rc == SH_DB_OK) {
			counts_r->n[kind] = k.count;
			total += k.count;
		}
		json_decref(k.ids);
	}
	/* The kinds already done are logged (and audited, each in its own transaction) even
	 * when a later one failed. */
	if (!dry_run && total > 0)
		log_counts(counts_r, retention_days);
	return rc;
}
