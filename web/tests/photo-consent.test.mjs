// The photo-consent badges and counts of the children list and the class list (issue #15).
// Run: node --test web/tests/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consentBadge, consentCounts, consentLabel } from '../src/photo-consent.js';

test('each answer has its badge and label; anything else shows as "ask", the careful one', () => {
  assert.equal(consentBadge('yes'), 'badge--offer');
  assert.equal(consentBadge('no'), 'badge--declined');
  assert.equal(consentBadge('ask'), 'badge--pending');
  assert.equal(consentLabel('no'), 'photoConsent.badgeNo');
  for (const odd of [undefined, null, true, false, 'YES', '']) {
    assert.equal(consentBadge(odd), 'badge--pending');
    assert.equal(consentLabel(odd), 'photoConsent.badgeAsk');
  }
});

test('counts per answer, an unknown answer counted as "ask"', () => {
  assert.deepEqual(consentCounts([]), { yes: 0, no: 0, ask: 0 });
  assert.deepEqual(consentCounts(undefined), { yes: 0, no: 0, ask: 0 });
  const items = ['yes', 'no', 'ask', 'yes', true].map((photo_consent) => ({ photo_consent }));
  assert.deepEqual(consentCounts(items), { yes: 2, no: 1, ask: 2 });
});
