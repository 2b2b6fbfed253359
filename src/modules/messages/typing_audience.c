/*
 * The typing indicator's audience (module "messages"): the realtime channel asks, for a
 * member's "typing" frame, whether the sender belongs to the conversation and who else
 * does (include/schoolhub/realtime.h, sh_typing_audience_fn). The same membership rules
 * as the REST routes (membership_sql.h), so a class conversation's derived members count.
 */
#include <string.h>

#include "modules/messages/membership_sql.h"
#include "modules/messages/messages.h"
#include "schoolhub/realtime.h"
#include "schoolhub/store.h"

#define TYPING_MAX_AUDIENCE 2000 /* a class conversation is a few dozen families */

int sh_msg_typing_audience(struct sh_conn *conn, struct sh_arena *arena, const char *user_id,
			   const char *conversation_id, const char ***others_r, size_t *count_r)
{
	*others_r = NULL;
	*count_r = 0;
	int64_t member = 0;
	enum sh_db_rc rc = sh_query_int64(
		conn, "SELECT COUNT(*) FROM conversations c WHERE c.id = $1 AND "
		      SH_IS_MEMBER("c.id", "$2"),
		SH_ARGS(SH_TEXT(conversation_id), SH_TEXT(user_id)), &member);
	if (rc != SH_DB_ROW)
		return -1;
	if (member == 0)
		return 0;
	struct sh_stmt *st = sh_query(conn, "SELECT DISTINCT k.user_id FROM (" SH_MEMBERS_OF("$1")
					    ") k WHERE k.user_id <> $2 LIMIT 2000",
				      SH_ARGS(SH_TEXT(conversation_id), SH_TEXT(user_id)));
	if (st == NULL)
		return -1;
	const char **ids = sh_arena_alloc(arena, sizeof(*ids) * TYPING_MAX_AUDIENCE);
	size_t n = 0;
	while (n < TYPING_MAX_AUDIENCE && (rc = sh_stmt_step(st)) == SH_DB_ROW)
		ids[n++] = sh_arena_strdup(arena, sh_stmt_col_text(st, 0));
	sh_stmt_free(&st);
	if (rc < 0)
		return -1;
	*others_r = ids;
	*count_r = n;
	return 1;
}

/* The module's init: hands the audience to the channel (started later, in serve). */
int sh_msg_init(struct sh_app *app, char **error_r)
{
	(void)error_r;
	sh_realtime_set_typing_audience(app, sh_msg_typing_audience);
	return 0;
}
