// web/src/realtime.js: the realtime channel's client logic (protocol v1, docs/REALTIME.md)
// driven with a fake socket and fake timers. The real server is exercised by
// web/e2e/messages.e2e.mjs. Run: node --test web/tests/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BACKOFF_MAX_MS, PING_EVERY_MS, PONG_WITHIN_MS, backoffDelay, createRealtimeClient, socketUrl,
} from '../src/realtime.js';

/** A WebSocket stand-in: records what the client sends; the test plays the server. */
class FakeSocket {
  static all = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    this.closed = false;
    FakeSocket.all.push(this);
  }
  send(text) {
    this.sent.push(JSON.parse(text));
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  // the server's side
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  frame(obj) {
    this.onmessage?.({ data: JSON.stringify(obj) });
  }
  serverClose(code) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

/** Timers run by hand: advance(ms) fires what is due, in order. */
function fakeTimers() {
  let now = 0;
  let seq = 0;
  const pending = new Map();
  return {
    setTimeout(fn, ms) {
      seq += 1;
      pending.set(seq, { at: now + ms, fn });
      return seq;
    },
    clearTimeout(id) {
      pending.delete(id);
    },
    async advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...pending.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        pending.delete(due[0]);
        now = due[1].at;
        due[1].fn();
        await flush();
      }
      now = end;
    },
    delays: () => [...pending.values()].map((t) => t.at - now),
    get now() {
      return now;
    },
  };
}

const flush = () => new Promise((r) => setImmediate(r));

function setup(overrides = {}) {
  FakeSocket.all = [];
  const timers = fakeTimers();
  const state = { token: 'tok-1', refreshes: 0, refreshAnswer: true };
  const client = createRealtimeClient({
    WebSocket: FakeSocket,
    resolveUrl: async () => 'ws://school.test:8081/',
    getToken: () => state.token,
    refreshToken: async () => {
      state.refreshes += 1;
      if (state.refreshAnswer === true) state.token = `tok-${state.refreshes + 1}`;
      return state.refreshAnswer;
    },
    timers,
    random: () => 0.5,
    now: () => timers.now,
    ...overrides,
  });
  const seen = { events: [], resyncs: 0, typing: [], statuses: [] };
  client.on('event', (kind, data, id) => seen.events.push({ kind, data, id }));
  client.on('resync', () => { seen.resyncs += 1; });
  client.on('typing', (f) => seen.typing.push(f));
  client.on('status', (s) => seen.statuses.push(s));
  return { client, timers, state, seen, sock: () => FakeSocket.all[FakeSocket.all.length - 1] };
}

/** setup(), started, its socket open and, given "lastEventId", made live by ready at that id. */
async function connectedClient(lastEventId, overrides) {
  const t = setup(overrides);
  t.client.start();
  await flush();
  t.sock().open();
  if (lastEventId !== undefined) t.sock().frame({ type: 'ready', last_event_id: lastEventId });
  return t;
}

test('socketUrl: a path opens on the page origin with the matching scheme; absolute ws URLs stay', () => {
  assert.equal(socketUrl('/ws', 'https://ecole.be/messages'), 'wss://ecole.be/ws');
  assert.equal(socketUrl('/ws', 'http://127.0.0.1:8080/'), 'ws://127.0.0.1:8080/ws');
  assert.equal(socketUrl('ws://127.0.0.1:8081/', 'http://127.0.0.1:8080/'), 'ws://127.0.0.1:8081/');
  assert.equal(socketUrl(null, 'http://x/'), null);
  assert.equal(socketUrl('ftp://x/', 'http://x/'), null);
});

test('backoffDelay doubles from 1 s to 30 s, drawn between half the ceiling and the ceiling', () => {
  assert.equal(backoffDelay(0, () => 0), 500);
  assert.equal(backoffDelay(0, () => 1), 1000);
  assert.equal(backoffDelay(3, () => 0.5), 6000);
  assert.equal(backoffDelay(40, () => 1), BACKOFF_MAX_MS);
  assert.equal(backoffDelay(40, () => 0), BACKOFF_MAX_MS / 2);
});

test('auth is the first frame, with no position at first; ready makes it live', async () => {
  const { client, sock, seen } = setup();
  client.start();
  await flush();
  assert.equal(sock().url, 'ws://school.test:8081/');
  sock().open();
  assert.deepEqual(sock().sent, [{ type: 'auth', token: 'tok-1', last_event_id: null }]);
  sock().frame({ type: 'ready', last_event_id: 7 });
  assert.equal(client.status, 'live');
  assert.equal(client.lastEventId, 7);
  assert.deepEqual(seen.statuses, ['connecting', 'live']);
});

test('events are delivered once, in order; an id at or below the last is dropped', async () => {
  const { client, sock, seen } = await connectedClient(3);
  sock().frame({ type: 'event', id: 4, event: 'message.created', data: { seq: 1 } });
  sock().frame({ type: 'event', id: 4, event: 'message.created', data: { seq: 1 } });
  sock().frame({ type: 'event', id: 2, event: 'message.created', data: { seq: 0 } });
  sock().frame({ type: 'event', id: 5, event: 'read.updated', data: { read_seq: 1 } });
  assert.deepEqual(seen.events.map((e) => e.id), [4, 5]);
  assert.equal(seen.events[0].kind, 'message.created');
  assert.equal(client.lastEventId, 5);
});

test('a dropped connection reconnects after a jittered back-off and resumes from the last id', async () => {
  const { client, sock, timers, seen } = await connectedClient(10);
  sock().frame({ type: 'event', id: 11, event: 'message.created', data: {} });
  sock().serverClose(1006);
  await flush();
  assert.equal(client.status, 'waiting');
  assert.equal(FakeSocket.all.length, 1);
  await timers.advance(749);
  assert.equal(FakeSocket.all.length, 1, 'not before the back-off');
  await timers.advance(1);
  assert.equal(FakeSocket.all.length, 2);
  sock().open();
  assert.deepEqual(sock().sent[0], { type: 'auth', token: 'tok-1', last_event_id: 11 });
  // A replay from the server after ready: the new ids arrive, nothing twice.
  sock().frame({ type: 'ready', last_event_id: 12 });
  sock().frame({ type: 'event', id: 11, event: 'message.created', data: {} });
  sock().frame({ type: 'event', id: 12, event: 'message.edited', data: {} });
  assert.deepEqual(seen.events.map((e) => e.id), [11, 12]);
});

test('failures in a row wait longer each time, up to 30 s; ready resets the back-off', async () => {
  const { client, sock, timers } = setup();
  client.start();
  await flush();
  const waits = [];
  for (let i = 0; i < 7; i += 1) {
    sock().serverClose(1006);
    await flush();
    waits.push(Math.max(...timers.delays()));
    await timers.advance(waits[i]);
  }
  assert.deepEqual(waits, [750, 1500, 3000, 6000, 12000, 22500, 22500]);
  sock().open();
  sock().frame({ type: 'ready', last_event_id: 0 });
  sock().serverClose(1006);
  await flush();
  assert.equal(Math.max(...timers.delays()), 750);
});

test('close 4401: the access token is refreshed and the socket reopens at once with the new one', async () => {
  const { sock, state, seen } = await connectedClient(20);
  sock().serverClose(4401);
  await flush();
  await flush();
  assert.equal(state.refreshes, 1);
  assert.equal(FakeSocket.all.length, 2);
  sock().open();
  assert.deepEqual(sock().sent[0], { type: 'auth', token: 'tok-2', last_event_id: 20 });
  assert.ok(!seen.statuses.includes('signed-out'));
});

test('close 4401 with no session left: the client stops (the app shows sign-in)', async () => {
  const { client, sock, state } = setup();
  state.refreshAnswer = false;
  client.start();
  await flush();
  sock().open();
  sock().serverClose(4401);
  await flush();
  await flush();
  assert.equal(client.status, 'signed-out');
  assert.equal(FakeSocket.all.length, 1);
});

test('a token refused again right after a refresh is not retried in a tight loop', async () => {
  const { client, sock, timers, state } = await connectedClient();
  sock().serverClose(4401);
  await flush();
  await flush();
  assert.equal(FakeSocket.all.length, 2);
  sock().open();
  sock().serverClose(4401);
  await flush();
  await flush();
  assert.equal(state.refreshes, 2);
  assert.equal(FakeSocket.all.length, 2, 'waits for the back-off');
  assert.equal(client.status, 'waiting');
  await timers.advance(1000);
  assert.equal(FakeSocket.all.length, 3);
});

test('close 4408 (slow reader) reconnects soon with the last id; 4403 gives up', async () => {
  const { client, sock, timers } = await connectedClient(5);
  sock().frame({ type: 'event', id: 6, event: 'message.created', data: {} });
  sock().serverClose(4408);
  await flush();
  assert.ok(Math.max(...timers.delays()) <= 250);
  await timers.advance(250);
  sock().open();
  assert.equal(sock().sent[0].last_event_id, 6);
  sock().serverClose(4403);
  await flush();
  assert.equal(client.status, 'refused');
  await timers.advance(60000);
  assert.equal(FakeSocket.all.length, 2);
});

test('close 4400 or 1009 (a client bug) is not retried', async () => {
  for (const code of [4400, 1009]) {
    const { client, sock, timers } = await connectedClient();
    sock().serverClose(code);
    await flush();
    assert.equal(client.status, 'refused');
    await timers.advance(60000);
    assert.equal(FakeSocket.all.length, 1);
  }
});

test('resync is passed on (the views reload by REST) and typing frames too', async () => {
  const { sock, seen } = await connectedClient(1500);
  sock().frame({ type: 'resync' });
  sock().frame({ type: 'typing', conversation_id: 'c1', user_id: 'u2' });
  sock().frame({ type: 'something.new' });
  assert.equal(seen.resyncs, 1);
  assert.deepEqual(seen.typing, [{ type: 'typing', conversation_id: 'c1', user_id: 'u2' }]);
});

test('typing is sent at most once every 3 s per conversation, only when live', async () => {
  const { client, sock, timers } = setup();
  client.start();
  await flush();
  assert.equal(client.sendTyping('c1'), false);
  sock().open();
  sock().frame({ type: 'ready', last_event_id: 0 });
  assert.equal(client.sendTyping('c1'), true);
  assert.equal(client.sendTyping('c1'), false);
  assert.equal(client.sendTyping('c2'), true);
  await timers.advance(3000);
  assert.equal(client.sendTyping('c1'), true);
  const typing = sock().sent.filter((f) => f.type === 'typing').map((f) => f.conversation_id);
  assert.deepEqual(typing, ['c1', 'c2', 'c1']);
});

test('a socket silent past the ping and its pong window is replaced', async () => {
  const { sock, timers } = await connectedClient(9);
  await timers.advance(PING_EVERY_MS);
  assert.deepEqual(sock().sent.at(-1), { type: 'ping' });
  const first = sock();
  await timers.advance(PONG_WITHIN_MS);
  assert.equal(first.closed, true);
  await timers.advance(1000);
  assert.equal(FakeSocket.all.length, 2);
  sock().open();
  assert.equal(sock().sent[0].last_event_id, 9);
});

test('a pong in time keeps the socket', async () => {
  const { sock, timers } = await connectedClient(0);
  await timers.advance(PING_EVERY_MS);
  sock().frame({ type: 'pong' });
  await timers.advance(PONG_WITHIN_MS);
  assert.equal(FakeSocket.all.length, 1);
  assert.equal(sock().closed, false);
});

test('the channel switched off (realtime_url null): no socket, no retry', async () => {
  const { client, timers } = setup({ resolveUrl: async () => null });
  client.start();
  await flush();
  assert.equal(client.status, 'off');
  await timers.advance(60000);
  assert.equal(FakeSocket.all.length, 0);
});

test('stop closes the socket, forgets the position and never reconnects', async () => {
  const { client, sock, timers } = await connectedClient(4);
  client.stop();
  assert.equal(sock().closed, true);
  assert.equal(client.lastEventId, null);
  await timers.advance(60000);
  assert.equal(FakeSocket.all.length, 1);
});
