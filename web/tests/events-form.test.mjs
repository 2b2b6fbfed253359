// The event form <-> the API's event (web/src/views/events/event-form.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyOf, emptyForm, formOf } from '../src/views/events/event-form.js';

const filled = (fields) => ({ ...emptyForm('2026-12-10'), title: 'Fête', school: true, ...fields });

test('an evening event: Brussels times with their offset, the school as audience', () => {
  const { body, errors } = bodyOf(filled({ start_time: '18:00', end_time: '20:00', location: ' Préau ' }));
  assert.deepEqual(errors, {});
  assert.equal(body.starts_at, '2026-12-10T18:00:00+01:00');
  assert.equal(body.ends_at, '2026-12-10T20:00:00+01:00');
  assert.equal(body.location, 'Préau');
  assert.deepEqual(body.audience, { school: true });
  assert.equal(body.signup, 'none');
  assert.equal(body.capacity, null);
});

test('an all-day event of two days ends at the midnight after its last day', () => {
  const { body, errors } = bodyOf(filled({ all_day: true, start_day: '2026-10-24', end_day: '2026-10-25' }));
  assert.deepEqual(errors, {});
  assert.equal(body.starts_at, '2026-10-24T00:00:00+02:00');
  assert.equal(body.ends_at, '2026-10-26T00:00:00+01:00');
  assert.equal(body.all_day, true);
});

test('sign-ups with a capacity and a deadline (the end of its day by default)', () => {
  const { body, errors } = bodyOf(filled({ start_time: '18:00', signup: true, capacity: '40', deadline_day: '2026-12-08' }));
  assert.deepEqual(errors, {});
  assert.equal(body.signup, 'family');
  assert.equal(body.capacity, 40);
  assert.equal(body.signup_deadline, '2026-12-08T23:59:00+01:00');
  assert.equal(bodyOf(filled({ start_time: '18:00', signup: true })).body.capacity, null);
});

test('what the member must fix', () => {
  assert.deepEqual(bodyOf({ ...emptyForm('2026-12-10') }).errors, { title: 'required', starts_at: 'required', audience: 'audience' });
  assert.equal(bodyOf(filled({ start_time: '18:00', end_time: '17:00' })).errors.ends_at, 'endBeforeStart');
  assert.equal(bodyOf(filled({ start_time: '18:00', signup: true, capacity: '0' })).errors.capacity, 'capacity');
  assert.equal(bodyOf(filled({ start_time: '18:00', signup: true, capacity: '2.5' })).errors.capacity, 'capacity');
  const classes = bodyOf(filled({ school: false, classes: ['P4', 'M1'], start_time: '09:00' })).body.audience;
  assert.deepEqual(classes, { classes: ['M1', 'P4'] }, 'in school order');
});

test('an event from the API back into the form, and out again unchanged', () => {
  const event = {
    title: 'Marché de Noël', description: 'Vin chaud', location: 'Cour', all_day: false,
    starts_at: '2026-12-10T17:00:00Z', ends_at: '2026-12-10T19:00:00Z',
    audience: { classes: ['P3'] }, signup: 'family', capacity: 40, signup_deadline: '2026-12-08T22:59:00Z',
  };
  const form = formOf(event);
  assert.equal(form.start_time, '18:00');
  assert.equal(form.deadline_time, '23:59');
  const { body } = bodyOf(form);
  assert.equal(Date.parse(body.starts_at), Date.parse(event.starts_at));
  assert.equal(Date.parse(body.ends_at), Date.parse(event.ends_at));
  assert.equal(Date.parse(body.signup_deadline), Date.parse(event.signup_deadline));
  assert.deepEqual(body.audience, { classes: ['P3'] });
  const allDay = formOf({ ...event, all_day: true, starts_at: '2026-12-11T23:00:00Z', ends_at: '2026-12-13T23:00:00Z' });
  assert.equal(allDay.start_day, '2026-12-12');
  assert.equal(allDay.end_day, '2026-12-13');
});
