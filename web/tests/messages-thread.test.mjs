// web/src/views/messages/thread.js: a thread's messages merged by id in seq order (a live
// event, a page loaded on scrolling up and a send's answer may bring the same message), the
// edit window, retry keys. Run: node --test web/tests/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EDIT_WINDOW_MS, conversationName, editable, mergeMessages, newClientId, personName } from '../src/views/messages/thread.js';

const msg = (id, seq, extra = {}) => ({ id, seq, body: `m${seq}`, deleted: false, created_at: '2026-12-06T12:00:00Z', ...extra });

test('mergeMessages keeps seq order and one copy of each message, the newest version winning', () => {
  const shown = [msg('b', 2), msg('c', 3)];
  const merged = mergeMessages(shown, [msg('a', 1), msg('c', 3, { body: 'edited' }), msg('d', 4)]);
  assert.deepEqual(merged.map((m) => m.seq), [1, 2, 3, 4]);
  assert.equal(merged.find((m) => m.id === 'c').body, 'edited');
  assert.deepEqual(shown.map((m) => m.seq), [2, 3], 'the shown list is not changed in place');
});

test('a tombstone replaces the message in its place', () => {
  const merged = mergeMessages([msg('a', 1), msg('b', 2)], [msg('a', 1, { deleted: true, body: null })]);
  assert.deepEqual(merged.map((m) => [m.seq, m.deleted]), [[1, true], [2, false]]);
});

test('editable: within 15 minutes of sending, never a deleted message', () => {
  const at = Date.parse('2026-12-06T12:00:00Z');
  assert.equal(editable(msg('a', 1), at + EDIT_WINDOW_MS - 1000), true);
  assert.equal(editable(msg('a', 1), at + EDIT_WINDOW_MS), false);
  assert.equal(editable(msg('a', 1, { deleted: true }), at), false);
  assert.equal(editable(msg('a', 1, { created_at: 'nonsense' }), at), false);
});

test('newClientId: a fresh key each time, within the server\'s 1-64 printable ASCII', () => {
  const ids = new Set(Array.from({ length: 100 }, () => newClientId()));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^[\x21-\x7e]{1,64}$/);
});

test('personName: first and last name, nothing for an erased author', () => {
  assert.equal(personName({ first_name: 'Bérénice', last_name: 'Messagère' }), 'Bérénice Messagère');
  assert.equal(personName(null), '');
});

test('a direct conversation is named after its peer, from the list item itself', () => {
  const t = (key, params) => (params ? `${key}:${params.name}` : key);
  const peer = { id: 'p', first_name: 'Corentin', last_name: 'Courrier' };
  assert.equal(conversationName({ id: 'c1', kind: 'direct', peer }, t), 'Corentin Courrier');
  assert.equal(conversationName({ id: 'c2', kind: 'direct', peer: null }, t), 'messages.directConversation');
  assert.equal(conversationName({ kind: 'group', title: 'Sortie', peer: null }, t), 'Sortie');
  assert.equal(conversationName({ kind: 'group', title: null }, t), 'messages.untitledGroup');
  assert.equal(conversationName({ kind: 'class', class_name: 'P3' }, t), 'messages.classChannel:P3');
});
