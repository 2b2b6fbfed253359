// The realtime channel's client (protocol v1, docs/REALTIME.md): one WebSocket that brings
// the member's events (new, edited and deleted messages, conversation changes, read
// markers…) as they are committed.
//
// This file is the protocol's logic only, with no Vue and no browser globals: the socket
// class, the timers, the token and the URL are handed in, so web/tests/realtime.test.mjs
// drives it with a fake socket. realtime-app.js binds it to the session and the API.
//
// - First frame: {"type":"auth","token","last_event_id"}; "ready" answers it.
// - Events carry an id that increases for this member on every socket: the last one
//   processed is kept, sent again on reconnection (the server replays what was missed),
//   and an id at or below it (a reconnection racing a delivery) is dropped.
// - "resync": the server could not replay (too many, or purged): the views reload by REST.
// - Close 4401 (token expired or refused): refresh the access token, then reconnect at
//   once; 4408 (we read too slowly) and 1001 (server stopping): reconnect; 4403 (not the
//   app's origin), 4400 and 1009 (a frame we should never have sent): give up. Every other close: back-off, 1 s doubling to 30 s, with jitter
//   so that a restarted server is not hit by every tab in the same instant.
// - A ping every 25 s: a socket whose pong does not come within 10 s is dead (a laptop
//   that slept, a proxy that dropped it) and is replaced.

export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_MAX_MS = 30000;
export const PING_EVERY_MS = 25000;
export const PONG_WITHIN_MS = 10000;
export const TYPING_EVERY_MS = 3000;

const OPEN = 1;

/**
 * The socket's address from GET /api/v1/config's realtime_url: an absolute ws(s):// URL is
 * used as it is; a path (or an http(s) URL) is resolved against the page and given the
 * WebSocket scheme that matches (wss on an https page). null when the channel is off.
 */
export function socketUrl(realtimeUrl, pageHref) {
  if (!realtimeUrl || typeof realtimeUrl !== 'string') return null;
  const url = new URL(realtimeUrl, pageHref);
  if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return null;
  return url.href;
}

/**
 * The wait before reconnection attempt "attempt" (0 for the first): the ceiling doubles from
 * 1 s to 30 s and the wait is drawn between half the ceiling and the ceiling ("random" is
 * Math.random or a test's own).
 */
export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * options:
 *   WebSocket        the socket class (window.WebSocket, or a fake)
 *   resolveUrl()     async: the socket's URL, or null when the channel is off
 *   getToken()       the current access token, or null when signed out
 *   refreshToken(t)  async: true when a new access token is stored, false when the session is gone
 *                    ("t" is the token the socket was refused with: the app may have one newer)
 *   timers           {setTimeout, clearTimeout} (defaults: the global ones)
 *   random           () => [0, 1) for the jitter
 *   now              () => ms, for the typing throttle
 */
export function createRealtimeClient(options) {
  const {
    WebSocket: Socket,
    resolveUrl,
    getToken,
    refreshToken,
    timers = { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (t) => clearTimeout(t) },
    random = Math.random,
    now = () => Date.now(),
  } = options;

  const listeners = { event: new Set(), resync: new Set(), typing: new Set(), status: new Set() };
  let socket = null;
  let running = false;
  let status = 'idle'; // idle | connecting | live | waiting | off | refused | signed-out
  let lastEventId = null;
  let attempt = 0;
  let retryTimer = null;
  let pingTimer = null;
  let pongTimer = null;
  let authToken = null; // the token of the last auth frame
  let refusedTokens = 0; // 4401s in a row: a token that is refused even fresh is not retried at once
  const typingSentAt = new Map();

  function emit(kind, ...args) {
    for (const fn of [...listeners[kind]]) {
      try {
        fn(...args);
      } catch (err) {
        // One view's listener failing must not stop the others nor the socket.
        console.warn('realtime listener failed', err); // eslint-disable-line no-console
      }
    }
  }

  function setStatus(next) {
    if (status === next) return;
    status = next;
    emit('status', next);
  }

  function clearTimers() {
    for (const t of [retryTimer, pingTimer, pongTimer]) if (t) timers.clearTimeout(t);
    retryTimer = pingTimer = pongTimer = null;
  }

  function send(frame) {
    if (socket && socket.readyState === OPEN) socket.send(JSON.stringify(frame));
  }

  function schedulePing() {
    if (pingTimer) timers.clearTimeout(pingTimer);
    pingTimer = timers.setTimeout(() => {
      pingTimer = null;
      send({ type: 'ping' });
      pongTimer = timers.setTimeout(() => {
        pongTimer = null;
        // No answer: the connection is gone without a close; replace it.
        drop();
        scheduleReconnect(0);
      }, PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  function onFrame(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return; // not ours to fix: the server sends JSON objects only
    }
    if (!frame || typeof frame !== 'object') return;
    // Any frame proves the connection alive.
    if (pongTimer) {
      timers.clearTimeout(pongTimer);
      pongTimer = null;
    }
    schedulePing();
    switch (frame.type) {
      case 'ready':
        attempt = 0;
        refusedTokens = 0;
        // With no position yet, the server's is ours: a reconnection resumes from there.
        if (lastEventId === null && Number.isInteger(frame.last_event_id)) lastEventId = frame.last_event_id;
        setStatus('live');
        break;
      case 'event':
        if (!Number.isInteger(frame.id)) return;
        if (lastEventId !== null && frame.id <= lastEventId) return; // seen already
        lastEventId = frame.id;
        emit('event', frame.event, frame.data || {}, frame.id);
        break;
      case 'resync':
        emit('resync');
        break;
      case 'typing':
        if (typeof frame.conversation_id === 'string') emit('typing', frame);
        break;
      default:
        break; // pong, or a kind this version does not know
    }
  }

  /** Forgets the current socket without reacting to its close. */
  function drop() {
    clearTimers();
    if (!socket) return;
    const old = socket;
    socket = null;
    old.onopen = old.onmessage = old.onclose = old.onerror = null;
    try {
      old.close();
    } catch {
      /* already closed */
    }
  }

  function scheduleReconnect(delay) {
    if (!running) return;
    setStatus('waiting');
    if (retryTimer) timers.clearTimeout(retryTimer);
    retryTimer = timers.setTimeout(() => {
      retryTimer = null;
      connect();
    }, delay);
  }

  async function onClose(code) {
    socket = null;
    clearTimers();
    if (!running) return;
    // 4403: not the app's origin; 4400 and 1009: a frame this client should never send.
    // Retrying cannot help either.
    if (code === 4403 || code === 4400 || code === 1009) {
      running = false;
      setStatus('refused');
      return;
    }
    if (code === 4401) {
      refusedTokens += 1;
      let ok = false;
      try {
        ok = await refreshToken(authToken);
      } catch {
        ok = null; // the server could not tell (network, 5xx): try again later
      }
      if (!running) return;
      if (ok === false) {
        running = false;
        setStatus('signed-out');
        return;
      }
      if (ok && refusedTokens === 1) {
        connect(); // a fresh token: at once, silently
        return;
      }
    }
    if (code === 4408 || code === 1001) {
      // Nothing is lost: reconnect soon and resume from the last id (a little jitter still).
      scheduleReconnect(backoffDelay(0, random) / 4);
      return;
    }
    scheduleReconnect(backoffDelay(attempt, random));
    attempt += 1;
  }

  async function connect() {
    if (!running || socket) return;
    const token = getToken();
    if (!token) {
      running = false;
      setStatus('signed-out');
      return;
    }
    setStatus('connecting');
    let url;
    try {
      url = await resolveUrl();
    } catch {
      url = undefined;
    }
    if (!running || socket) return;
    if (url === null) {
      running = false;
      setStatus('off');
      return;
    }
    if (url === undefined) {
      scheduleReconnect(backoffDelay(attempt, random));
      attempt += 1;
      return;
    }
    let ws;
    try {
      ws = new Socket(url);
    } catch {
      scheduleReconnect(backoffDelay(attempt, random));
      attempt += 1;
      return;
    }
    socket = ws;
    ws.onopen = () => {
      // The token read now, not before the URL lookup: a refresh may have happened meanwhile.
      authToken = getToken();
      ws.send(JSON.stringify({ type: 'auth', token: authToken, last_event_id: lastEventId }));
      schedulePing();
    };
    ws.onmessage = (m) => {
      if (socket === ws) onFrame(m.data);
    };
    ws.onclose = (e) => {
      if (socket === ws) onClose(e.code);
    };
    ws.onerror = () => {
      /* a close follows */
    };
  }

  return {
    /** Opens the channel (again) if it is not open; resumes from the last event. */
    start() {
      if (running) {
        // Waiting for a retry: a nudge (the tab is back, the network too) tries now.
        if (!socket && retryTimer) {
          timers.clearTimeout(retryTimer);
          retryTimer = null;
          connect();
        }
        return;
      }
      running = true;
      attempt = 0;
      refusedTokens = 0;
      connect();
    },
    /** Closes the channel and forgets the position (sign-out). */
    stop() {
      running = false;
      drop();
      lastEventId = null;
      typingSentAt.clear();
      setStatus('idle');
    },
    /** Says "typing" in a conversation, at most once every 3 s per conversation. */
    sendTyping(conversationId) {
      const t = now();
      const last = typingSentAt.get(conversationId);
      if (last !== undefined && t - last < TYPING_EVERY_MS) return false;
      if (!socket || socket.readyState !== OPEN || status !== 'live') return false;
      typingSentAt.set(conversationId, t);
      send({ type: 'typing', conversation_id: conversationId });
      return true;
    },
    /** Listens to 'event' (kind, data, id), 'resync' (), 'typing' (frame), 'status' (s). */
    on(kind, fn) {
      listeners[kind].add(fn);
      return () => listeners[kind].delete(fn);
    },
    get status() {
      return status;
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}
