/* Every SQL statement of the admins' member management (member_routes.c). */
#ifndef SCHOOLHUB_ADMIN_MEMBER_QUERIES_H
#define SCHOOLHUB_ADMIN_MEMBER_QUERIES_H

#include <stdbool.h>
#include <stdint.h>

#include "schoolhub/arena.h"
#include "schoolhub/json_writer.h"
#include "schoolhub/store.h"

/* A member as the admins' list shows it (arena strings). */
struct admin_member {
	const char *id, *email, *first_name, *last_name, *phone, *locale, *role, *created_at,
		*last_login_at;
	bool active;
	bool pending; /* registered under approval, not approved yet */
};

/* The filters of GET /api/v1/admin/users, each NULL when absent (already checked). */
struct admin_member_filter {
	const char *q_like; /* a LIKE pattern (wildcards of the query escaped with '\') */
	const char *role, *class_name, *after_id;
	int status; /* -1 any, 0 deactivated, 1 active (approved), 2 pending */
	int limit;
};

/* Writes each member matching "f" (by id) into "w" as admin_member_write does; "*count_r"
 * rows, "*last_id_r" the last one's id (arena). SH_DB_OK or an error. */
enum sh_db_rc admin_members_list(struct sh_conn *conn, struct sh_arena *arena,
				 const struct admin_member_filter *f, struct sh_jw *w,
				 int *count_r, const char **last_id_r);
/* The member "id" (not erased): SH_DB_ROW with "*m", SH_DB_OK when none, or an error. */
enum sh_db_rc admin_member_get(struct sh_conn *conn, struct sh_arena *arena, const char *id,
			       struct admin_member *m);
void admin_member_write(struct sh_jw *w, const struct admin_member *m);

/* The member's children, each with its guardians, into "w" as an array; the children's
 * ids into "ids" (arena, up to "max", "*n_r" of them) for the audit row. */
enum sh_db_rc admin_member_children(struct sh_conn *conn, struct sh_arena *arena,
				    const char *id, struct sh_jw *w, const char **ids,
				    size_t max, size_t *n_r);
/* The member's SEL balance in minutes: SH_DB_ROW with "*units_r", SH_DB_OK when the
 * member has no account, or an error. */
enum sh_db_rc admin_member_balance(struct sh_conn *conn, const char *id, int64_t *units_r);

/* Active admins other than "id". */
enum sh_db_rc admin_other_admins(struct sh_conn *conn, const char *id, int64_t *count_r);
/* Lets a member waiting for approval in. */
enum sh_db_rc admin_member_approve(struct sh_conn *conn, const char *id, const char *now);
enum sh_db_rc admin_member_set_role(struct sh_conn *conn, const char *id, const char *role,
				    const char *now);
/* Deactivates (sessions revoked, tokens voided) or reactivates "id". */
enum sh_db_rc admin_member_set_active(struct sh_conn *conn, const char *id, bool active,
				      const char *now);

#endif
