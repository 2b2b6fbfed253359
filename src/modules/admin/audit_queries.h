/* Reading the audit log: the admins' filtered list and a member's own accesses. */
#ifndef SCHOOLHUB_ADMIN_AUDIT_QUERIES_H
#define SCHOOLHUB_ADMIN_AUDIT_QUERIES_H

#include <jansson.h>
#include <stdint.h>

#include "schoolhub/arena.h"
#include "schoolhub/audit.h"
#include "schoolhub/store.h"

/* The filters of GET /api/v1/admin/audit, each NULL when absent (already checked). */
struct admin_audit_filter {
	const char *actor, *action, *target, *from, *to;
	int64_t before_seq; /* the cursor: rows with a smaller seq; 0 for the first page */
	int limit;
};

/* Called for each row, newest first; the row's strings live until the next call. */
typedef void admin_audit_row_fn(void *ctx, const struct sh_audit_row *row);

/* Up to f->limit rows matching "f" (newest first) through "fn". SH_DB_OK or an error. */
enum sh_db_rc admin_audit_list(struct sh_conn *conn, struct sh_arena *arena,
			       const struct admin_audit_filter *f, admin_audit_row_fn *fn, void *ctx);

/* Who looked at "user_id"'s data or their children's, by someone else: into "items" as
 * {at, actor_id, action}, oldest first (the member's GDPR export). */
enum sh_db_rc admin_audit_accesses_of(struct sh_conn *conn, const char *user_id, json_t *items);

#endif
