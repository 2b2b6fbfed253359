// The realtime channel's client (protocol v1, docs/REALTIME.md): one WebSocket per tab,
// authenticated with the access token in its first frame, resumed from the last event id
// after any drop, events handed to the listeners once each and in order.
//
//   const rt = createRealtime({ url, token: () => session.accessToken, refresh, storage });
//   const off = rt.on('message.created', (data, event) => { ... });
//   rt.onResync(() => reloadWhatIsShown());
//   rt.start(); ... rt.stop();
//
// "url" is GET /api/v1/config's realtime_url (an absolute ws(s):// URL or a path on the
// page's origin). "refresh" gets a new access token (the API's refresh) and resolves true
// when it did. "storage" keeps the last event id per member across reloads (localStorage;
// any object with getItem/setItem). Nothing here reads or writes the token itself.

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30000;
const NO_RETRY = new Set([4403, 4400, 1009]); // refused for good, or a client bug

/** The socket URL for "realtimeUrl" seen from a page at "pageHref". */
export function socketUrl(realtimeUrl, pageHref) {
  const u = new URL(realtimeUrl, pageHref);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  if (u.protocol === 'https:') u.protocol = 'wss:';
  return u.href;
}

/** The next wait after "attempt" failures: doubling from 1 s to 30 s, with up to 30% jitter. */
export function retryDelay(attempt, random = Math.random) {
  const base = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt);
  return Math.round(base * (1 + 0.3 * random()));
}

export function createRealtime({
  url, token, refresh, storage, memberId,
  WebSocketImpl = globalThis.WebSocket,
  pageHref = globalThis.location?.href,
  timers = globalThis,
}) {
  const listeners = new Map(); // kind -> Set of functions
  const resyncListeners = new Set();
  const key = `schoolhub.realtime.last.${memberId}`;
  let ws = null;
  let running = false;
  let attempt = 0;
  let retryTimer = null;
  let lastId = Number(storage?.getItem(key)) || null;
  let state = 'idle';
  let position = null; // "ready"'s last_event_id: where a resync leaves the client

  const setLast = (id) => {
    lastId = id;
    storage?.setItem(key, String(id));
  };

  function emit(frame) {
    if (lastId !== null && frame.id <= lastId) return; // seen already (another socket, a race)
    setLast(frame.id);
    for (const fn of listeners.get(frame.event) || []) fn(frame.data, frame);
    for (const fn of listeners.get('*') || []) fn(frame.data, frame);
  }

  function onFrame(frame) {
    if (frame.type === 'ready') {
      state = 'ready';
      attempt = 0;
      position = frame.last_event_id;
      // The replay (ids up to "position") follows: only a first connection starts there.
      if (lastId === null) setLast(position);
    } else if (frame.type === 'event') {
      emit(frame);
    } else if (frame.type === 'resync') {
      setLast(position); // nothing was replayed: what is shown is reloaded instead
      for (const fn of resyncListeners) fn();
    }
  }

  function schedule() {
    if (!running) return;
    state = 'waiting';
    retryTimer = timers.setTimeout(connect, retryDelay(attempt++));
  }

  async function onClose(code) {
    ws = null;
    if (!running) return;
    if (NO_RETRY.has(code)) {
      state = 'refused';
      running = false;
      return;
    }
    if (code === 4401 && !(await refresh())) {
      state = 'signed-out'; // no token to be had: the app signs out
      running = false;
      return;
    }
    schedule();
  }

  function connect() {
    retryTimer = null;
    if (!running) return;
    const accessToken = token();
    if (!accessToken) {
      schedule();
      return;
    }
    state = 'connecting';
    const socket = new WebSocketImpl(socketUrl(url, pageHref));
    ws = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'auth', token: accessToken, last_event_id: lastId }));
    };
    socket.onmessage = (m) => {
      let frame;
      try {
        frame = JSON.parse(m.data);
      } catch {
        return;
      }
      if (ws === socket) onFrame(frame);
    };
    socket.onclose = (e) => {
      if (ws === socket) onClose(e.code);
    };
  }

  return {
    start() {
      if (running || !url) return;
      running = true;
      connect();
    },
    stop() {
      running = false;
      state = 'idle';
      if (retryTimer !== null) timers.clearTimeout(retryTimer);
      retryTimer = null;
      const socket = ws;
      ws = null;
      socket?.close(1000);
    },
    /** Calls "fn(data, event)" for each event of "kind" ('*': every kind); returns "off". */
    on(kind, fn) {
      if (!listeners.has(kind)) listeners.set(kind, new Set());
      listeners.get(kind).add(fn);
      return () => listeners.get(kind).delete(fn);
    },
    /** "fn()" when the server could not replay what was missed: reload what is shown. */
    onResync(fn) {
      resyncListeners.add(fn);
      return () => resyncListeners.delete(fn);
    },
    get state() {
      return state;
    },
    get lastEventId() {
      return lastId;
    },
  };
}
