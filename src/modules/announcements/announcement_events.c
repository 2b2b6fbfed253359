/* "announcement.created" for everyone an announcement reaches, in its own transaction. */
#include "modules/announcements/announcement_events.h"

#include "schoolhub/events.h"

#define KIND "announcement.created"

/* A guardian of a child in the frozen audience of $1. */
#define GUARDIAN_OF_AUDIENCE(user)                                                        \
	"EXISTS (SELECT 1 FROM announcement_children ac "                                  \
	" JOIN child_guardians g ON g.child_id = ac.child_id "                             \
	" WHERE ac.announcement_id = $1 AND g.user_id = " user ")"

#define ACTIVE "u.active AND u.deleted_at IS NULL"

/* The announcement as written by sh_announcement_write with "ack_state". */
static const char *data_for(struct sh_arena *arena, struct sh_announcement *a, int ack_state)
{
	struct sh_jw w;
	sh_jw_init(&w, arena);
	a->ack_state = ack_state;
	sh_announcement_write(&w, a);
	return sh_jw_text(&w, NULL);
}

enum sh_db_rc sh_ann_events_created(struct sh_conn *conn, struct sh_arena *arena,
				    const char *id, const char *author_id)
{
	/* Read as the author, who is always addressed; only "acknowledged" differs by member. */
	struct sh_ann_viewer author = {.id = author_id, .staff = true, .admin = false};
	struct sh_announcement a;
	enum sh_db_rc rc = sh_ann_get(conn, arena, &author, id, &a);
	if (rc != SH_DB_ROW)
		return rc == SH_DB_OK ? SH_DB_ERROR : rc; /* written in this transaction */
	const char *for_guardians = data_for(arena, &a, a.requires_ack ? 0 : -1);
	const char *for_others = data_for(arena, &a, -1);
	rc = sh_exec(conn,
		     "INSERT INTO member_events (user_id, kind, data) "
		     "SELECT u.id, $2, $3 FROM users u WHERE " ACTIVE
		     " AND " GUARDIAN_OF_AUDIENCE("u.id"),
		     SH_ARGS(SH_TEXT(id), SH_TEXT(KIND), SH_TEXT(for_guardians)), NULL);
	/* The author, every admin, and the staff: of its classes, or every teacher for the
	 * school; a guardian among them got the guardians' event above. */
	if (rc == SH_DB_OK)
		rc = sh_exec(conn,
			     "INSERT INTO member_events (user_id, kind, data) "
			     "SELECT u.id, $2, $3 FROM users u WHERE " ACTIVE
			     " AND NOT " GUARDIAN_OF_AUDIENCE("u.id") " AND (u.id = $4 "
			     " OR u.role = 'admin' OR (u.role = 'teacher' AND ($5 OR EXISTS ("
			     "  SELECT 1 FROM announcement_classes k JOIN class_staff s "
			     "  ON s.class_name = k.class_name "
			     "  WHERE k.announcement_id = $1 AND s.user_id = u.id))))",
			     SH_ARGS(SH_TEXT(id), SH_TEXT(KIND), SH_TEXT(for_others),
				     SH_TEXT(author_id), SH_BOOL(a.classes == NULL)),
			     NULL);
	return rc;
}
