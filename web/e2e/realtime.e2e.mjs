// The realtime channel from a real browser (issue #12): the app's page finds the socket in
// GET /api/v1/config (realtime_url), its Content-Security-Policy lets it connect there, the
// server accepts the page's Origin and the access token, answers ping; a page of another
// origin is refused (4403). The protocol itself is tested by tests/realtime.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  BASE, MOBILE, finish, newParent, registerByApi, stamp, step,
} from './lib.mjs';

/** In the page: opens realtime_url, authenticates, pings; the frames it got, or the close. */
function openSocket(page, token) {
  return page.evaluate(async (accessToken) => {
    const config = await (await fetch('/api/v1/config')).json();
    if (!config.realtime_url) return { error: 'no realtime_url' };
    const url = new URL(config.realtime_url, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol;
    return new Promise((resolve) => {
      const frames = [];
      const ws = new WebSocket(url.href);
      const timer = setTimeout(() => resolve({ error: 'timeout', frames }), 5000);
      ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token: accessToken, last_event_id: null }));
      ws.onmessage = (m) => {
        const frame = JSON.parse(m.data);
        frames.push(frame);
        if (frame.type === 'ready') ws.send(JSON.stringify({ type: 'ping' }));
        if (frame.type === 'pong') {
          clearTimeout(timer);
          ws.close();
          resolve({ frames });
        }
      };
      ws.onclose = (e) => {
        clearTimeout(timer);
        resolve({ closed: e.code, frames });
      };
    });
  }, token);
}

await finish(async () => {
  const R = { first: 'Rémi', last: 'Temps-Réel', email: `remi.${stamp}@example.be`, password: 'temps reel passe 12' };
  const { status, json } = await registerByApi(R);
  assert.equal(status, 201);
  const { page } = await newParent('R', MOBILE);

  await step('the app page opens the realtime socket, is accepted and gets ready and pong', async () => {
    await page.goto(`${BASE}/`);
    const got = await openSocket(page, json.access_token);
    assert.deepEqual(got.frames, [{ type: 'ready', last_event_id: 0 }, { type: 'pong' }], JSON.stringify(got));
  });

  await step('a bad token is refused with 4401', async () => {
    const got = await openSocket(page, `${json.access_token}x`);
    assert.equal(got.closed, 4401, JSON.stringify(got));
  });

  await step('a page of another origin is refused with 4403', async () => {
    // Another origin's page: a blank page from a server of the test's own on this host
    // (a page the browser makes up is a public one, which Chromium's local-network checks
    // keep from 127.0.0.1 before the server is even asked).
    const site = createServer((req, res) => res.end('<!doctype html><title>other</title>'));
    await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
    const other = await page.context().newPage();
    await other.goto(`http://127.0.0.1:${site.address().port}/`);
    const url = await page.evaluate(async () => (await (await fetch('/api/v1/config')).json()).realtime_url);
    const code = await other.evaluate((u) => new Promise((resolve) => {
      const ws = new WebSocket(u);
      ws.onclose = (e) => resolve(e.code);
    }), url);
    assert.equal(code, 4403);
    await other.close();
    site.close();
  });
});
