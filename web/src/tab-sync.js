// What the tabs of the app tell each other, and how they take turns refreshing.
//
// All tabs share one refresh-token cookie, and the server rotates it on every use: a
// second refresh with the token the first one just used looks like a stolen token being
// replayed, and the server revokes the whole session. So a tab refreshes only while it
// holds a Web Lock shared by every tab of this origin; the next tab in line sends the
// cookie its predecessor's answer just set, which is valid. (Without Web Locks, on
// browsers older than 2022, tabs only take turns within themselves.)

const CHANNEL = 'schoolhub.session';
const LOCK = 'schoolhub.refresh';
const MESSAGES = new Set(['signed-in', 'signed-out']);
// Where the session lived before the refresh token moved into a cookie.
export const LEGACY_STORAGE_KEY = 'schoolhub.session';

/**
 * Opens the channel to the other tabs; "onMessage" gets 'signed-in' or 'signed-out'.
 * Returns {post(message), close()}; a no-op pair where BroadcastChannel is missing.
 */
export function openTabChannel(onMessage, Channel = globalThis.BroadcastChannel) {
  if (typeof Channel !== 'function') return { post() {}, close() {} };
  const channel = new Channel(CHANNEL);
  channel.onmessage = (event) => {
    if (MESSAGES.has(event.data)) onMessage(event.data);
  };
  return {
    post(message) {
      if (MESSAGES.has(message)) channel.postMessage(message);
    },
    close() {
      channel.close();
    },
  };
}

let localTurn = Promise.resolve();

/**
 * Runs "fn" when no other refresh runs: in any tab (Web Locks) or, without them, in
 * this tab. Resolves to fn's result.
 */
export function inRefreshTurn(fn, locks = globalThis.navigator?.locks) {
  if (locks && typeof locks.request === 'function') return locks.request(LOCK, fn);
  const run = localTurn.then(fn, fn);
  localTurn = run.catch(() => {});
  return run;
}

/** Removes the token pair that versions before the cookie kept in localStorage. */
export function forgetLegacyTokens(storage = globalThis.localStorage) {
  try {
    storage?.removeItem(LEGACY_STORAGE_KEY);
  } catch {
    /* storage unavailable: nothing was kept there either */
  }
}
