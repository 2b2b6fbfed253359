// What the sign-up card tells a family before the server decides (web/src/views/events/signup.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  expectedOutcome, freeSeats, isFull, myRegistrations, partyProblem, signupBlocked,
} from '../src/views/events/signup.js';

test('a party is 1 to 20 people', () => {
  assert.equal(partyProblem(1, 0), '');
  assert.equal(partyProblem(0, 1), '');
  assert.equal(partyProblem(10, 10), '');
  assert.equal(partyProblem(0, 0), 'empty');
  assert.equal(partyProblem(-1, 3), 'empty');
  assert.equal(partyProblem(1.5, 0), 'empty');
  assert.equal(partyProblem(15, 6), 'tooMany');
});

test('free seats and a full event', () => {
  assert.equal(freeSeats({ capacity: null, seats_taken: 12 }), null);
  assert.equal(freeSeats({ capacity: 10, seats_taken: 7 }), 3);
  assert.equal(freeSeats({ capacity: 10, seats_taken: 10 }), 0);
  assert.equal(isFull({ capacity: 10, seats_taken: 10 }), true);
  assert.equal(isFull({ capacity: 10, seats_taken: 9 }), false);
  assert.equal(isFull({ capacity: null, seats_taken: 900 }), false);
});

test('a new party is confirmed when it fits whole, else it waits', () => {
  const event = { capacity: 10, seats_taken: 7 };
  assert.equal(expectedOutcome(event, 3), 'confirmed');
  assert.equal(expectedOutcome(event, 4), 'waiting');
  assert.equal(expectedOutcome({ capacity: null, seats_taken: 70 }, 20), 'confirmed');
});

test('a confirmed party may grow into the free seats only; a waiting one keeps waiting', () => {
  const event = { capacity: 10, seats_taken: 8 };
  const mine = { status: 'confirmed', adults: 2, children: 1 };
  assert.equal(expectedOutcome(event, 5, mine), 'confirmed');
  assert.equal(expectedOutcome(event, 6, mine), 'refused');
  assert.equal(expectedOutcome(event, 1, { status: 'waiting', adults: 2, children: 0 }), 'waiting');
});

test('when sign-ups are open', () => {
  const now = Date.parse('2026-12-07T10:00:00Z');
  const open = { signup: 'family', status: 'published', starts_at: '2026-12-10T17:00:00Z', signup_deadline: null };
  assert.equal(signupBlocked(open, now), '');
  assert.equal(signupBlocked({ ...open, signup: 'none' }, now), 'none');
  assert.equal(signupBlocked({ ...open, status: 'cancelled' }, now), 'cancelled');
  assert.equal(signupBlocked({ ...open, status: 'proposed' }, now), 'proposed');
  assert.equal(signupBlocked({ ...open, signup_deadline: '2026-12-07T09:59:00Z' }, now), 'deadline');
  assert.equal(signupBlocked({ ...open, signup_deadline: '2026-12-07T10:01:00Z' }, now), '');
  assert.equal(signupBlocked({ ...open, starts_at: '2026-12-07T10:00:00Z' }, now), 'started');
});

test('my registrations: confirmed and waiting, each by start time', () => {
  const items = [
    { id: 'b', starts_at: '2026-12-12T10:00:00Z', registration: { status: 'confirmed' } },
    { id: 'x', starts_at: '2026-12-09T10:00:00Z', registration: null },
    { id: 'a', starts_at: '2026-12-10T10:00:00Z', registration: { status: 'confirmed' } },
    { id: 'w', starts_at: '2026-12-11T10:00:00Z', registration: { status: 'waiting', position: 2 } },
  ];
  const { confirmed, waiting } = myRegistrations(items);
  assert.deepEqual(confirmed.map((e) => e.id), ['a', 'b']);
  assert.deepEqual(waiting.map((e) => e.id), ['w']);
});
