// The app's one realtime channel (realtime.js bound to the session and the API). Loaded by
// the messaging views only (a dynamic import keeps it out of the first-visit bundle); it
// stays open while the member is signed in, and closes on sign-out.
import { effectScope, watch } from 'vue';
import { createRealtimeClient, socketUrl } from './realtime.js';
import { messaging, refreshSession } from './api.js';
import { useSessionStore } from './stores/session.js';

let client = null;

/** The channel, opened on first use. Views listen with client.on(...) and unsubscribe on unmount. */
export function useRealtime() {
  if (client) {
    client.start();
    return client;
  }
  const session = useSessionStore();
  client = createRealtimeClient({
    WebSocket: window.WebSocket,
    resolveUrl: async () => socketUrl((await messaging.config())?.realtime_url ?? null, window.location.href),
    getToken: () => session.accessToken,
    // The API client may have refreshed already since the socket authenticated.
    refreshToken: async (used) => (session.accessToken && session.accessToken !== used ? true : refreshSession()),
  });
  // A detached scope: the first caller is a screen, and the watch must outlive it (a
  // sign-out on another screen still closes the socket).
  effectScope(true).run(() =>
    watch(
      () => session.signedIn,
      (signedIn) => (signedIn ? client.start() : client.stop()),
    ),
  );
  // Back online, or the tab visible again: try now rather than at the end of the back-off.
  window.addEventListener('online', () => session.signedIn && client.start());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && session.signedIn) client.start();
  });
  if (session.signedIn) client.start();
  return client;
}
