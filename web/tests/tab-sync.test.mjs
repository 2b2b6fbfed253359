// Tabs of the app: the channel they talk on, the refresh turns, the legacy token key.
// Run: node --test web/tests/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forgetLegacyTokens, inRefreshTurn, LEGACY_STORAGE_KEY, openTabChannel } from '../src/tab-sync.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
// Channel messages arrive asynchronously: waits (at most 2 s) until "done()" holds.
async function until(done) {
  for (let i = 0; i < 100 && !done(); i++) await tick();
}

test('a sign-in or sign-out in one tab reaches the other tabs, not itself', async () => {
  const heardA = [];
  const heardB = [];
  const a = openTabChannel((m) => heardA.push(m));
  const b = openTabChannel((m) => heardB.push(m));
  try {
    a.post('signed-in');
    b.post('signed-out');
    await until(() => heardA.length && heardB.length);
    await tick();
    assert.deepEqual(heardB, ['signed-in']);
    assert.deepEqual(heardA, ['signed-out']);
  } finally {
    a.close();
    b.close();
  }
});

test('only the two known messages travel: no token can be sent or received', async () => {
  const heard = [];
  const listener = openTabChannel((m) => heard.push(m));
  const sender = openTabChannel(() => {});
  const raw = new BroadcastChannel('schoolhub.session');
  try {
    sender.post({ access_token: 'x' });
    sender.post('refresh-token=abc');
    raw.postMessage({ type: 'signed-in', token: 'x' });
    raw.postMessage('signed-out'); // a known one last: once it is heard, the others were dropped
    await until(() => heard.length);
    assert.deepEqual(heard, ['signed-out']);
  } finally {
    raw.close();
    listener.close();
    sender.close();
  }
});

test('without BroadcastChannel the channel is a harmless no-op', () => {
  const channel = openTabChannel(() => assert.fail('no message expected'), null);
  channel.post('signed-in');
  channel.close();
});

test('without Web Locks, refreshes in a tab take turns and a failure does not stop the next', async () => {
  const log = [];
  const slow = (name, ms, fail) => async () => {
    log.push(`start ${name}`);
    await new Promise((resolve) => setTimeout(resolve, ms));
    log.push(`end ${name}`);
    if (fail) throw new Error(name);
    return name;
  };
  const first = inRefreshTurn(slow('one', 30, true), null);
  const second = inRefreshTurn(slow('two', 5), null);
  await assert.rejects(first, /one/);
  assert.equal(await second, 'two');
  assert.deepEqual(log, ['start one', 'end one', 'start two', 'end two']);
});

test('with Web Locks, the turn is the shared "schoolhub.refresh" lock', async () => {
  const asked = [];
  const locks = {
    request(name, fn) {
      asked.push(name);
      return Promise.resolve().then(fn);
    },
  };
  assert.equal(await inRefreshTurn(async () => 42, locks), 42);
  assert.deepEqual(asked, ['schoolhub.refresh']);
});

test('the token pair older versions kept in localStorage is removed', () => {
  const kept = new Map([
    [LEGACY_STORAGE_KEY, '{"accessToken":"a","refreshToken":"r"}'],
    ['schoolhub.locale', 'nl'],
  ]);
  const storage = { removeItem: (k) => kept.delete(k) };
  forgetLegacyTokens(storage);
  assert.deepEqual([...kept.keys()], ['schoolhub.locale']);
  forgetLegacyTokens({
    removeItem() {
      throw new Error('SecurityError');
    },
  });
});
