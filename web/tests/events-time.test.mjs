// The events screens read and show every time in Europe/Brussels, whatever the device's zone
// (web/src/views/events/event-time.js). These run under the zone of the machine running the
// tests and once more, below, under another one: the answers must not change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  addDays, brusselsInstant, dayOf, describeHours, describeWhen, fromBrusselsLocal, groupByDay, lastDayOf,
  mondayOf, monthRange, offsetMinutes, signupClosed, timeOf, toRfc3339, weekRange,
} from '../src/views/events/event-time.js';

const t = (key, params = {}) => `${key}${Object.keys(params).length ? JSON.stringify(params) : ''}`;

test('winter and summer offsets of Brussels', () => {
  assert.equal(offsetMinutes(Date.parse('2026-12-10T12:00:00Z')), 60);
  assert.equal(offsetMinutes(Date.parse('2026-07-01T12:00:00Z')), 120);
});

test('a Brussels day and time become RFC 3339 with the offset of that day', () => {
  assert.equal(fromBrusselsLocal('2026-12-10', '18:00'), '2026-12-10T18:00:00+01:00');
  assert.equal(fromBrusselsLocal('2026-06-20', '09:30'), '2026-06-20T09:30:00+02:00');
  assert.equal(Date.parse(fromBrusselsLocal('2026-12-10', '18:00')), Date.parse('2026-12-10T17:00:00Z'));
  assert.equal(fromBrusselsLocal('2026-12-10'), '2026-12-10T00:00:00+01:00');
  assert.equal(fromBrusselsLocal('10/12/2026', '18:00'), '');
  assert.equal(fromBrusselsLocal('2026-12-10', '25:00'), '');
  assert.equal(fromBrusselsLocal('', ''), '');
});

test('across the end of daylight saving time (last Sunday of October 2026: the 25th)', () => {
  // 02:30 happens twice that night: the first one (summer time) is taken.
  assert.equal(fromBrusselsLocal('2026-10-25', '02:30'), '2026-10-25T02:30:00+02:00');
  assert.equal(brusselsInstant('2026-10-25', '02:30'), Date.parse('2026-10-25T00:30:00Z'));
  assert.equal(fromBrusselsLocal('2026-10-25', '03:30'), '2026-10-25T03:30:00+01:00');
  assert.equal(fromBrusselsLocal('2026-10-24', '20:00'), '2026-10-24T20:00:00+02:00');
  assert.equal(fromBrusselsLocal('2026-10-25', '20:00'), '2026-10-25T20:00:00+01:00');
  // An evening across the change lasts one hour more than the clock says.
  const ms = brusselsInstant('2026-10-25', '04:00') - brusselsInstant('2026-10-24', '22:00');
  assert.equal(ms, 7 * 3600000);
  assert.equal(timeOf('2026-10-25T00:30:00Z'), '02:30');
  assert.equal(timeOf('2026-10-25T01:30:00Z'), '02:30');
});

test('a time skipped in spring (last Sunday of March 2027: the 28th) lands an hour later', () => {
  assert.equal(fromBrusselsLocal('2027-03-28', '02:30'), '2027-03-28T03:30:00+02:00');
  assert.equal(fromBrusselsLocal('2027-03-28', '01:59'), '2027-03-28T01:59:00+01:00');
});

test('the Brussels day of an instant, not the UTC one', () => {
  assert.equal(dayOf('2026-12-10T23:30:00Z'), '2026-12-11');
  assert.equal(dayOf('2026-12-10T22:59:00Z'), '2026-12-10');
  assert.equal(dayOf('2026-07-01T22:30:00Z'), '2026-07-02');
  assert.equal(dayOf('nonsense'), '');
  assert.equal(toRfc3339(Date.parse('2026-12-10T23:30:00Z')), '2026-12-11T00:30:00+01:00');
});

test('calendar days add across months and years', () => {
  assert.equal(addDays('2026-12-30', 3), '2027-01-02');
  assert.equal(addDays('2026-03-01', -1), '2026-02-28');
});

test('this week runs Monday to Monday in Brussels, a Sunday evening included', () => {
  // Sunday 6 December 2026, 23:30 in Brussels (22:30 UTC): still the week of Monday the 30th.
  const sunday = Date.parse('2026-12-06T22:30:00Z');
  assert.equal(mondayOf(sunday), '2026-11-30');
  // 23:30 UTC is already Monday the 7th in Brussels.
  assert.equal(mondayOf(Date.parse('2026-12-06T23:30:00Z')), '2026-12-07');
  const week = weekRange(sunday);
  assert.deepEqual(week, {
    from: '2026-11-30T00:00:00+01:00', to: '2026-12-07T00:00:00+01:00', first: '2026-11-30', last: '2026-12-06',
  });
  assert.equal(weekRange(sunday, 1).first, '2026-12-07');
  assert.equal(weekRange(sunday, -1).last, '2026-11-29');
  // The week of the October change: Monday 19th (summer) to Monday 26th (winter).
  const october = weekRange(Date.parse('2026-10-22T10:00:00Z'));
  assert.equal(october.from, '2026-10-19T00:00:00+02:00');
  assert.equal(october.to, '2026-10-26T00:00:00+01:00');
});

test('this month, and the months around it', () => {
  const now = Date.parse('2026-12-31T23:30:00Z'); // already 1 January 2027 in Brussels
  assert.deepEqual(monthRange(now), {
    from: '2027-01-01T00:00:00+01:00', to: '2027-02-01T00:00:00+01:00', first: '2027-01-01', last: '2027-01-31',
  });
  assert.equal(monthRange(now, -1).first, '2026-12-01');
  assert.equal(monthRange(now, 2).from, '2027-03-01T00:00:00+01:00');
  assert.equal(monthRange(now, 3).from, '2027-04-01T00:00:00+02:00');
});

test('an all-day event ends the day before its exclusive end', () => {
  const oneDay = { all_day: true, starts_at: '2026-12-11T23:00:00Z', ends_at: '2026-12-12T23:00:00Z' };
  assert.equal(lastDayOf(oneDay), '2026-12-12');
  const twoDays = { all_day: true, starts_at: '2026-12-11T23:00:00Z', ends_at: '2026-12-13T23:00:00Z' };
  assert.equal(lastDayOf(twoDays), '2026-12-13');
  assert.equal(lastDayOf({ all_day: true, starts_at: '2026-12-11T23:00:00Z', ends_at: null }), '2026-12-12');
});

test('events grouped by their Brussels day, in the order given', () => {
  const groups = groupByDay([
    { id: 1, starts_at: '2026-12-10T08:00:00Z' },
    { id: 2, starts_at: '2026-12-10T22:30:00Z' },
    { id: 3, starts_at: '2026-12-10T23:30:00Z' },
  ]);
  assert.deepEqual(groups.map((g) => [g.day, g.events.map((e) => e.id)]), [
    ['2026-12-10', [1, 2]],
    ['2026-12-11', [3]],
  ]);
  assert.deepEqual(groupByDay([]), []);
});

test('when an event happens, in words, in the UI language and the school zone', () => {
  const party = { starts_at: '2026-12-10T17:00:00Z', ends_at: '2026-12-10T19:00:00Z', all_day: false };
  assert.equal(describeWhen(party, 'fr-BE', t), 'jeudi 10 décembre 2026, 18:00 – 20:00');
  assert.equal(describeWhen(party, 'nl-BE', t), 'donderdag 10 december 2026, 18:00 – 20:00');
  assert.equal(describeHours(party, 'en-GB', t), '18:00 – 20:00');
  const night = { starts_at: '2026-12-10T21:00:00Z', ends_at: '2026-12-11T01:00:00Z', all_day: false };
  assert.equal(describeWhen(night, 'fr-BE', t), 'jeudi 10 décembre 2026, 22:00 – vendredi 11 décembre 2026, 02:00');
  const open = { starts_at: '2026-12-10T17:00:00Z', ends_at: null, all_day: false };
  assert.equal(describeWhen(open, 'fr-BE', t), 'jeudi 10 décembre 2026, 18:00');
  const fair = { starts_at: '2026-12-11T23:00:00Z', ends_at: '2026-12-13T23:00:00Z', all_day: true };
  assert.equal(describeWhen(fair, 'fr-BE', t), 'events.when.allDay{"days":"samedi 12 décembre 2026 – dimanche 13 décembre 2026"}');
  assert.equal(describeHours(fair, 'fr-BE', t), 'events.when.allDayShort');
});

test('the sign-up deadline', () => {
  const event = { signup_deadline: '2026-12-08T22:59:00Z' };
  assert.equal(signupClosed(event, Date.parse('2026-12-08T22:58:00Z')), false);
  assert.equal(signupClosed(event, Date.parse('2026-12-08T23:00:00Z')), true);
  assert.equal(signupClosed({ signup_deadline: null }, Date.now()), false);
});

test('the same answers on a device in another time zone', { skip: process.env.EVENTS_TIME_CHILD ? 'the child run' : false }, () => {
  for (const zone of ['America/Los_Angeles', 'Asia/Tokyo']) {
    // Without the parent's NODE_TEST_CONTEXT, the child reports in plain TAP.
    const { NODE_TEST_CONTEXT, ...env } = process.env;
    const out = execFileSync(process.execPath, ['--test-reporter=tap', fileURLToPath(import.meta.url)], {
      env: { ...env, TZ: zone, EVENTS_TIME_CHILD: '1' },
      encoding: 'utf8',
    });
    assert.match(out, /# pass 12\n# fail 0/, `under TZ=${zone}:\n${out}`);
  }
});
