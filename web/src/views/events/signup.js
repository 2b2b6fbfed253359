// The rules of a family's sign-up as the screens show them before the server decides
// (src/modules/events/event_registrations.c decides, under the event's lock): a party of 1 to
// 20 people, confirmed when all of it fits in the seats left, else on the waiting list.
// Pure functions: web/tests/events-signup.test.mjs.
export const MAX_PARTY = 20;

/** '' when a party of "adults" and "children" may sign up, else why not: 'empty' | 'tooMany'. */
export function partyProblem(adults, children) {
  const total = adults + children;
  if (!Number.isInteger(adults) || !Number.isInteger(children) || adults < 0 || children < 0 || total < 1) return 'empty';
  if (total > MAX_PARTY) return 'tooMany';
  return '';
}

/** Seats still free (null: no limit). */
export function freeSeats(event) {
  if (event?.capacity === null || event?.capacity === undefined) return null;
  return Math.max(0, event.capacity - (event.seats_taken || 0));
}

/**
 * Whether a party of "total" people would wait: for a new sign-up, when it does not fit the
 * free seats; for a confirmed registration that grows, the server refuses instead (409
 * seats_unavailable), so that is 'refused'. Returns 'confirmed' | 'waiting' | 'refused'.
 */
export function expectedOutcome(event, total, registration = null) {
  const free = freeSeats(event);
  if (!registration) return free === null || total <= free ? 'confirmed' : 'waiting';
  if (registration.status === 'waiting') return 'waiting';
  const mine = registration.adults + registration.children;
  if (free === null || total <= mine + free) return 'confirmed';
  return 'refused';
}

/** Why a member cannot sign up now, or '': 'none' | 'proposed' | 'cancelled' | 'started' | 'deadline'. */
export function signupBlocked(event, now) {
  if (!event || event.signup !== 'family') return 'none';
  if (event.status === 'cancelled') return 'cancelled';
  if (event.status !== 'published') return 'proposed';
  if (now >= Date.parse(event.starts_at)) return 'started';
  const deadline = Date.parse(event.signup_deadline || '');
  if (!Number.isNaN(deadline) && now > deadline) return 'deadline';
  return '';
}

/** Whether the event is full (every seat taken). */
export function isFull(event) {
  const free = freeSeats(event);
  return free !== null && free === 0;
}

/** My registrations among agenda events, confirmed first, each group by start time. */
export function myRegistrations(items) {
  const mine = (items || []).filter((e) => e.registration);
  const byStart = (a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at);
  return {
    confirmed: mine.filter((e) => e.registration.status === 'confirmed').sort(byStart),
    waiting: mine.filter((e) => e.registration.status === 'waiting').sort(byStart),
  };
}
