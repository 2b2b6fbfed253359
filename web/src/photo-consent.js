// Photo consent (issue #15): a child's "yes", "no" or "ask" as a badge, the same on the
// guardian's list of children and on the staff's class list.
export const PHOTO_CONSENTS = ['yes', 'no', 'ask'];

const BADGES = { yes: 'badge--offer', no: 'badge--declined', ask: 'badge--pending' };
const LABELS = { yes: 'photoConsent.badgeYes', no: 'photoConsent.badgeNo', ask: 'photoConsent.badgeAsk' };

/** The badge's modifier class; anything unknown is shown as "ask", the careful answer. */
export const consentBadge = (value) => BADGES[value] || BADGES.ask;
/** The badge's locale key. */
export const consentLabel = (value) => LABELS[value] || LABELS.ask;

/** {yes, no, ask}: how many children of "items" have each answer. */
export function consentCounts(items) {
  const counts = { yes: 0, no: 0, ask: 0 };
  for (const item of items || []) counts[PHOTO_CONSENTS.includes(item.photo_consent) ? item.photo_consent : 'ask']++;
  return counts;
}
