/* Appending to the audit log and checking its hash chain (see audit.h). */
#include "schoolhub/audit.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "schoolhub/mem.h"
#include "schoolhub/util.h"

/* Each field as "<length>:<bytes>;", NULL as "-;": no two rows encode alike. */
static void hash_field(crypto_hash_sha256_state *st, const char *value)
{
	char len[24];
	if (value == NULL) {
		crypto_hash_sha256_update(st, (const unsigned char *)"-;", 2);
		return;
	}
	size_t n = strlen(value);
	int w = snprintf(len, sizeof(len), "%zu:", n);
	crypto_hash_sha256_update(st, (const unsigned char *)len, (unsigned long long)w);
	crypto_hash_sha256_update(st, (const unsigned char *)value, n);
	crypto_hash_sha256_update(st, (const unsigned char *)";", 1);
}

void sh_audit_row_hash(const struct sh_audit_row *row, char out[SH_AUDIT_HASH_LEN + 1])
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char seq[24];
	snprintf(seq, sizeof(seq), "%" PRId64, row->seq);
	crypto_hash_sha256_init(&st);
	hash_field(&st, "schoolhub-audit-v1");
	hash_field(&st, row->prev_hash);
	hash_field(&st, seq);
	hash_field(&st, row->created_at);
	hash_field(&st, row->actor_id);
	hash_field(&st, row->action);
	hash_field(&st, row->target_ids);
	hash_field(&st, row->request_id);
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(out, SH_AUDIT_HASH_LEN + 1, digest, sizeof(digest));
}

/* The targets joined by commas (malloc'ed): one id per child of a whole-school
 * announcement's audience can make it long. */
static char *join_targets(const struct sh_audit_entry *e)
{
	size_t size = 1;
	for (size_t i = 0; i < e->target_count; i++)
		if (e->targets[i] != NULL)
			size += strlen(e->targets[i]) + 1;
	char *buf = sh_malloc(size);
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < e->target_count; i++) {
		if (e->targets[i] == NULL)
			continue;
		size_t n = strlen(e->targets[i]);
		if (used > 0)
			buf[used++] = ',';
		memcpy(buf + used, e->targets[i], n + 1);
		used += n;
	}
	return buf;
}

/* Moves the head one row on and reads the previous hash: on PostgreSQL the UPDATE locks
 * the head until the caller's COMMIT, so appends take turns and the chain never forks. */
static enum sh_db_rc head_advance(struct sh_conn *conn, int64_t *seq_r, char prev[SH_AUDIT_HASH_LEN + 1])
{
	struct sh_stmt *st = NULL;
	enum sh_db_rc rc = sh_query_row(conn,
					"UPDATE audit_head SET seq = seq + 1 WHERE id = 1 "
					"RETURNING seq, hash",
					SH_ARGS(), &st);
	if (rc == SH_DB_ROW) {
		const char *hash = sh_stmt_col_text(st, 1);
		*seq_r = sh_stmt_col_int64(st, 0);
		if (hash == NULL || strlen(hash) != SH_AUDIT_HASH_LEN)
			rc = SH_DB_ERROR;
		else
			memcpy(prev, hash, SH_AUDIT_HASH_LEN + 1);
	} else if (rc == SH_DB_OK) {
		rc = SH_DB_ERROR; /* migration 0017 writes the head: it cannot be missing */
	}
	sh_stmt_free(&st);
	return rc == SH_DB_ROW ? SH_DB_OK : rc;
}

enum sh_db_rc sh_audit_append(struct sh_conn *conn, const struct sh_audit_entry *e)
{
	if (e->action == NULL)
		return SH_DB_ERROR;
	char prev[SH_AUDIT_HASH_LEN + 1], hash[SH_AUDIT_HASH_LEN + 1], now[SH_TIME_LEN + 1];
	int64_t seq = 0;
	enum sh_db_rc rc = head_advance(conn, &seq, prev);
	if (rc != SH_DB_OK)
		return rc;
	char *targets = join_targets(e);
	sh_time_now(now);
	struct sh_audit_row row = {seq, now, e->actor_id, e->action, targets, e->request_id, prev, NULL};
	sh_audit_row_hash(&row, hash);
	rc = sh_exec(conn,
		     "INSERT INTO audit_log (seq, created_at, actor_id, action, target_ids, "
		     "request_id, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		     SH_ARGS(SH_INT(seq), SH_TEXT(now), SH_TEXT(e->actor_id), SH_TEXT(e->action),
			     SH_TEXT(targets), SH_TEXT(e->request_id), SH_TEXT(prev), SH_TEXT(hash)),
		     NULL);
	for (size_t i = 0; rc == SH_DB_OK && i < e->target_count; i++) {
		/* The same id twice in one entry is one target. */
		bool repeated = e->targets[i] == NULL;
		for (size_t k = 0; k < i && !repeated && e->target_count <= SH_AUDIT_DEDUP_MAX; k++)
			repeated = e->targets[k] != NULL && strcmp(e->targets[k], e->targets[i]) == 0;
		if (!repeated)
			rc = sh_exec(conn, "INSERT INTO audit_targets (target_id, seq) VALUES ($1, $2)",
				     SH_ARGS(SH_TEXT(e->targets[i]), SH_INT(seq)), NULL);
	}
	if (rc == SH_DB_OK)
		rc = sh_exec(conn, "UPDATE audit_head SET hash = $1 WHERE id = 1",
			     SH_ARGS(SH_TEXT(hash)), NULL);
	sh_free(&targets);
	return rc;
}

/* Checks one row against the running chain; the reason it breaks it, or NULL. */
static const char *row_fault(const struct sh_audit_row *row, int64_t expected_seq,
			     const char *expected_prev)
{
	char hash[SH_AUDIT_HASH_LEN + 1];
	if (row->seq != expected_seq)
		return "a row is missing before this one";
	if (row->prev_hash == NULL || strcmp(row->prev_hash, expected_prev) != 0)
		return "its link to the previous row does not match";
	sh_audit_row_hash(row, hash);
	if (row->hash == NULL || strcmp(row->hash, hash) != 0)
		return "its content does not match its hash (edited)";
	return NULL;
}

/* The head must name the last row: rows removed from the end show here. */
static enum sh_db_rc head_check(struct sh_conn *conn, int64_t last_seq, const char *last_hash,
				int64_t *bad_seq_r, const char **reason_r)
{
	struct sh_stmt *st = NULL;
	enum sh_db_rc rc = sh_query_row(conn, "SELECT seq, hash FROM audit_head WHERE id = 1",
					SH_ARGS(), &st);
	if (rc == SH_DB_ROW) {
		int64_t seq = sh_stmt_col_int64(st, 0);
		const char *hash = sh_stmt_col_text(st, 1);
		if (seq != last_seq || hash == NULL || strcmp(hash, last_hash) != 0) {
			*bad_seq_r = seq > last_seq ? last_seq + 1 : seq;
			*reason_r = "the chain's head does not name the last row (rows removed)";
		}
		rc = SH_DB_OK;
	} else if (rc == SH_DB_OK) {
		*bad_seq_r = last_seq + 1;
		*reason_r = "the chain's head is missing";
	}
	sh_stmt_free(&st);
	return rc;
}

enum sh_db_rc sh_audit_verify(struct sh_conn *conn, int64_t *rows_r, int64_t *bad_seq_r,
			      const char **reason_r)
{
	char running[SH_AUDIT_HASH_LEN + 1];
	memset(running, '0', SH_AUDIT_HASH_LEN);
	running[SH_AUDIT_HASH_LEN] = '\0';
	*rows_r = 0;
	*bad_seq_r = 0;
	*reason_r = NULL;
	int64_t expected = 1;
	struct sh_stmt *st = sh_query(conn,
				      "SELECT seq, created_at, actor_id, action, target_ids, "
				      "request_id, prev_hash, hash FROM audit_log ORDER BY seq",
				      SH_ARGS());
	enum sh_db_rc rc;
	while ((rc = sh_stmt_step(st)) == SH_DB_ROW) {
		struct sh_audit_row row = {
			sh_stmt_col_int64(st, 0), sh_stmt_col_time(st, 1), sh_stmt_col_text(st, 2),
			sh_stmt_col_text(st, 3),  sh_stmt_col_text(st, 4), sh_stmt_col_text(st, 5),
			sh_stmt_col_text(st, 6),  sh_stmt_col_text(st, 7),
		};
		const char *fault = row_fault(&row, expected, running);
		if (fault != NULL) {
			*bad_seq_r = expected; /* this row, or the first one missing before it */
			*reason_r = fault;
			break;
		}
		memcpy(running, row.hash, SH_AUDIT_HASH_LEN + 1);
		expected++;
		(*rows_r)++;
	}
	sh_stmt_free(&st);
	if (rc != SH_DB_OK && rc != SH_DB_ROW)
		return rc;
	if (*reason_r != NULL)
		return SH_DB_OK;
	return head_check(conn, expected - 1, running, bad_seq_r, reason_r);
}
