// The realtime client (web/src/realtime.js): auth first, resume from the last event id,
// each event once, resync, and what each close code leads to. The WebSocket here is a
// stand-in driven by the test (Node has none); the real one is exercised against the real
// server by web/e2e/realtime.e2e.mjs and tests/realtime.
// Run: node --test web/tests/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRealtime, retryDelay, socketUrl } from '../src/realtime.js';

function harness({ refreshOk = true } = {}) {
  const sockets = [];
  class FakeSocket {
    constructor(url) {
      this.url = url;
      this.sent = [];
      this.closedWith = null;
      sockets.push(this);
    }
    send(text) { this.sent.push(JSON.parse(text)); }
    close(code) { this.closedWith = code; }
    // driven by the test:
    open() { this.onopen?.(); }
    frame(obj) { this.onmessage?.({ data: JSON.stringify(obj) }); }
    drop(code) { this.onclose?.({ code }); }
  }
  const waits = [];
  const timers = {
    setTimeout: (fn, ms) => { waits.push({ fn, ms }); return waits.length; },
    clearTimeout: () => {},
  };
  const store = new Map();
  const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v) };
  let tokens = 0;
  const refreshed = [];
  const rt = createRealtime({
    url: '/ws', memberId: 'm1', storage, timers, WebSocketImpl: FakeSocket,
    pageHref: 'https://school.example/messages',
    token: () => `token-${tokens}`,
    refresh: async () => { refreshed.push(true); tokens++; return refreshOk; },
  });
  return { rt, sockets, waits, store, refreshed };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

test('the socket URL: a path on the page origin, ws for http and wss for https', () => {
  assert.equal(socketUrl('/ws', 'https://school.example/x'), 'wss://school.example/ws');
  assert.equal(socketUrl('/ws', 'http://127.0.0.1:8080/'), 'ws://127.0.0.1:8080/ws');
  assert.equal(socketUrl('ws://127.0.0.1:8081/', 'http://127.0.0.1:8080/'), 'ws://127.0.0.1:8081/');
});

test('back-off doubles from 1 s to 30 s, jitter on top', () => {
  assert.equal(retryDelay(0, () => 0), 1000);
  assert.equal(retryDelay(3, () => 0), 8000);
  assert.equal(retryDelay(10, () => 0), 30000);
  assert.equal(retryDelay(0, () => 1), 1300);
});

test('auth first, then each event once, in order, to its listeners', () => {
  const { rt, sockets, store } = harness();
  const got = [];
  rt.on('message.created', (data, e) => got.push([e.id, data.n]));
  rt.start();
  sockets[0].open();
  assert.deepEqual(sockets[0].sent, [{ type: 'auth', token: 'token-0', last_event_id: null }]);
  sockets[0].frame({ type: 'ready', last_event_id: 10 });
  sockets[0].frame({ type: 'event', id: 11, event: 'message.created', data: { n: 1 } });
  sockets[0].frame({ type: 'event', id: 11, event: 'message.created', data: { n: 1 } });
  sockets[0].frame({ type: 'event', id: 12, event: 'read.updated', data: {} });
  sockets[0].frame({ type: 'event', id: 13, event: 'message.created', data: { n: 2 } });
  assert.deepEqual(got, [[11, 1], [13, 2]]);
  assert.equal(store.get('schoolhub.realtime.last.m1'), '13');
});

test('a drop reconnects after the back-off and resumes from the last event id', () => {
  const { rt, sockets, waits } = harness();
  const got = [];
  rt.on('*', (_, e) => got.push(e.id));
  rt.start();
  sockets[0].open();
  sockets[0].frame({ type: 'ready', last_event_id: 4 });
  sockets[0].frame({ type: 'event', id: 5, event: 'message.edited', data: {} });
  sockets[0].drop(1006);
  assert.equal(waits.length, 1);
  waits[0].fn();
  sockets[1].open();
  assert.deepEqual(sockets[1].sent[0], { type: 'auth', token: 'token-0', last_event_id: 5 });
  sockets[1].frame({ type: 'ready', last_event_id: 7 });
  sockets[1].frame({ type: 'event', id: 6, event: 'message.edited', data: {} });
  sockets[1].frame({ type: 'event', id: 7, event: 'message.edited', data: {} });
  assert.deepEqual(got, [5, 6, 7]);
});

test('resync: the listeners reload and the position moves to ready\'s', () => {
  const { rt, sockets } = harness();
  let reloads = 0;
  rt.onResync(() => reloads++);
  rt.start();
  sockets[0].open();
  sockets[0].frame({ type: 'ready', last_event_id: 2 });
  sockets[0].drop(4408);
  rt.stop();
  rt.start();
  sockets[1].open();
  sockets[1].frame({ type: 'ready', last_event_id: 5000 });
  sockets[1].frame({ type: 'resync' });
  assert.equal(reloads, 1);
  assert.equal(rt.lastEventId, 5000);
});

test('4401: a new token, then a reconnection with it; no token to be had: signed out', async () => {
  const { rt, sockets, waits, refreshed } = harness();
  rt.start();
  sockets[0].open();
  sockets[0].drop(4401);
  await flush();
  assert.equal(refreshed.length, 1);
  waits[0].fn();
  sockets[1].open();
  assert.equal(sockets[1].sent[0].token, 'token-1');

  const other = harness({ refreshOk: false });
  other.rt.start();
  other.sockets[0].drop(4401);
  await flush();
  assert.equal(other.rt.state, 'signed-out');
  assert.equal(other.waits.length, 0);
});

test('4403 and protocol errors are not retried; stop closes without retrying', () => {
  for (const code of [4403, 4400, 1009]) {
    const { rt, sockets, waits } = harness();
    rt.start();
    sockets[0].drop(code);
    assert.equal(rt.state, 'refused');
    assert.equal(waits.length, 0);
  }
  const { rt, sockets, waits } = harness();
  rt.start();
  rt.stop();
  assert.equal(sockets[0].closedWith, 1000);
  sockets[0].drop(1000);
  assert.equal(waits.length, 0);
});
