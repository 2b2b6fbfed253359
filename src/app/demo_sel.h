/* The demo school's time bank: SEL services and a few weeks of exchanges (demo_sel.c). */
#ifndef SCHOOLHUB_APP_DEMO_SEL_H
#define SCHOOLHUB_APP_DEMO_SEL_H

#include <stdbool.h>
#include <time.h>

#include "modules/sel/ledger_queries.h"
#include "schoolhub/store.h"

/* The demo members, in the order seed-demo creates (and prints) them. */
enum demo_member {
	DEMO_SOPHIE,  /* parent, fr */
	DEMO_MARC,    /* parent, fr; Sophie's partner */
	DEMO_ANKE,    /* parent, nl */
	DEMO_YOUSSEF, /* parent, fr */
	DEMO_CLAIRE,  /* teacher, fr */
	DEMO_ADMIN,
	DEMO_MEMBER_COUNT
};

/*
 * Writes the services of the demo members "ids" (indexed by enum demo_member) and, with
 * "with_history", their exchanges, inside the caller's write transaction, through the SEL
 * module's own queries: accounts open with their opening units at their first exchange,
 * every payment is booked within "limits", and the timestamps lie in the weeks before
 * "now". When the limits refuse one of the bookings, "*refused_r" is set and the caller
 * must roll back.
 */
enum sh_db_rc sh_demo_sel_seed(struct sh_conn *conn, const char *const ids[DEMO_MEMBER_COUNT],
			       const struct sh_sel_limits *limits, time_t now, bool with_history,
			       bool *refused_r);

#endif
