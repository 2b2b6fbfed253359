/* The realtime events of announcements (schoolhub/events.h). */
#ifndef SCHOOLHUB_ANNOUNCEMENT_EVENTS_H
#define SCHOOLHUB_ANNOUNCEMENT_EVENTS_H

#include "modules/announcements/announcement_queries.h"

/*
 * Writes one "announcement.created" event for every member the new announcement "id" is
 * addressed to (the rule of announcement_queries.h), inside the publishing transaction
 * and last in it (an event id held open holds back live events: events.h). Each event's
 * data is the announcement as that member sees it: "acknowledged" false for a guardian
 * asked to confirm, null for everyone else. The caller rings sh_events_wake after COMMIT.
 */
enum sh_db_rc sh_ann_events_created(struct sh_conn *conn, struct sh_arena *arena,
				    const char *id, const char *author_id);

#endif
