/*
 * The audit log (issue #15, migration 0017): one append-only row per admin action and per
 * look by staff or an admin at a child's data. Who (the actor's id), what (an action name
 * such as "member.role_changed"), on which ids, under which request id, when: ids only,
 * never the personal data itself.
 *
 * A row is written IN THE SAME TRANSACTION as the action it records, so an action exists
 * if and only if its row does. Rows form a hash chain: each carries the previous row's
 * hash and its own, SHA-256 over that previous hash and its canonical fields
 * (sh_audit_row_hash), so an edit, a removed row or a gap shows when sh_audit_verify
 * recomputes the chain. Triggers refuse UPDATE and DELETE on both backends.
 *
 * Appends take turns on the chain's head row (audit_head): the first statement of an
 * append updates it, which on PostgreSQL locks it until the caller's COMMIT. Append LAST
 * in a transaction, so the lock is held for a commit, not for the rest of the work.
 *
 *	const char *targets[] = {child_id, guardian_id};
 *	rc = sh_audit_append(conn, &(struct sh_audit_entry){
 *		.actor_id = req->user.id, .action = "member.viewed", .targets = targets,
 *		.target_count = 2, .request_id = req->request_id});
 */
#ifndef SCHOOLHUB_AUDIT_H
#define SCHOOLHUB_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "schoolhub/store.h"

#define SH_AUDIT_HASH_LEN 64 /* lower-case hex of a SHA-256 */
#define SH_AUDIT_MAX_TARGETS 32 /* what a caller with a fixed array plans for */
#define SH_AUDIT_DEDUP_MAX 64   /* up to this many targets, repeats are dropped; a longer
				 * list (an audience's children) must hold distinct ids */

struct sh_audit_entry {
	const char *actor_id;       /* NULL: the command line or the system */
	const char *action;         /* "invite.created", "member.viewed" ... */
	const char *const *targets; /* ids the action is about (members, children, a class);
				     * NULL entries are skipped, repeats kept once in audit_targets */
	size_t target_count;
	const char *request_id;     /* NULL outside a request */
};

/* Appends one row inside the caller's transaction (call it last). SH_DB_OK or an error. */
enum sh_db_rc sh_audit_append(struct sh_conn *conn, const struct sh_audit_entry *e);

/* One row as stored, the fields the hash covers ("prev_hash" included). */
struct sh_audit_row {
	int64_t seq;
	const char *created_at, *actor_id, *action, *target_ids, *request_id, *prev_hash, *hash;
};
/* The row's hash: SHA-256 over "prev_hash" and each field, length-prefixed so no two
 * different rows encode alike. "out" gets SH_AUDIT_HASH_LEN hex digits and a NUL. */
void sh_audit_row_hash(const struct sh_audit_row *row, char out[SH_AUDIT_HASH_LEN + 1]);

/*
 * Recomputes the whole chain. "*bad_seq_r" gets 0 when it holds, or the seq of the first
 * row that breaks it (an edited row, a missing row, a wrong link; or the head's seq when
 * rows after the last one are missing), and "*reason_r" a static phrase saying how.
 * "*rows_r" gets the number of rows checked. SH_DB_OK, or a store error.
 */
enum sh_db_rc sh_audit_verify(struct sh_conn *conn, int64_t *rows_r, int64_t *bad_seq_r,
			      const char **reason_r);

#endif
