/* Writing member events (events.h: no order lock, the realtime reader tolerates holes). */
#include "schoolhub/events.h"

enum sh_db_rc sh_event_add(struct sh_conn *conn, const char *user_id, const char *kind,
			   const char *data_json, int64_t *id_r)
{
	int64_t id = 0;
	enum sh_db_rc rc = sh_query_int64(
		conn,
		"INSERT INTO member_events (user_id, kind, data) VALUES ($1, $2, $3) "
		"RETURNING id",
		SH_ARGS(SH_TEXT(user_id), SH_TEXT(kind), SH_TEXT(data_json)), &id);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc;
	if (id_r != NULL)
		*id_r = id;
	return SH_DB_OK;
}

enum sh_db_rc sh_events_erase_member(struct sh_conn *conn, const char *user_id)
{
	return sh_exec(conn, "DELETE FROM member_events WHERE user_id = $1",
		       SH_ARGS(SH_TEXT(user_id)), NULL);
}
