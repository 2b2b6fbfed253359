/* Writing member events (see events.h for why the order lock exists). */
#include "schoolhub/events.h"

/* Any constant both the writers agree on; distinct from the migration lock (migrate.c). */
#define PG_EVENTS_LOCK "4242001"

enum sh_db_rc sh_events_lock(struct sh_conn *conn)
{
	if (sh_db_kind(sh_conn_db(conn)) != SH_DB_POSTGRES)
		return SH_DB_OK;
	return sh_exec(conn, "SELECT pg_advisory_xact_lock(" PG_EVENTS_LOCK ")", SH_ARGS(), NULL);
}

enum sh_db_rc sh_event_add(struct sh_conn *conn, const char *user_id, const char *kind,
			   const char *data_json, int64_t *id_r)
{
	enum sh_db_rc rc = sh_events_lock(conn);
	if (rc != SH_DB_OK)
		return rc;
	int64_t id = 0;
	rc = sh_query_int64(conn,
			    "INSERT INTO member_events (user_id, kind, data) VALUES ($1, $2, $3) "
			    "RETURNING id",
			    SH_ARGS(SH_TEXT(user_id), SH_TEXT(kind), SH_TEXT(data_json)),
			    &id);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc;
	if (id_r != NULL)
		*id_r = id;
	return SH_DB_OK;
}

enum sh_db_rc sh_events_erase_member(struct sh_conn *conn, const char *user_id)
{
	return sh_exec(conn, "DELETE FROM member_events WHERE user_id = $1", SH_ARGS(SH_TEXT(user_id)),
		       NULL);
}
