/*
 * Brussels time for the iCalendar writer. The EU rule is computed once in the project
 * (the notifications module's clock, checked against the system's zoneinfo by
 * tests/unit/test_notify_clock.c); this is the one place the writer asks it, so moving
 * that function into the core changes one line here.
 */
#include "schoolhub/ical.h"

#include "modules/notifications/notify.h"

long sh_ical_brussels_offset(time_t t)
{
	return notify_brussels_offset(t);
}
