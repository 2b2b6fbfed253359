import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { firstLocaleShown, i18n } from './i18n.js';
import { router, safeRedirect } from './router.js';
import { refreshSession, setSessionExpiredHandler } from './api.js';
import { useSessionStore } from './stores/session.js';
import './styles/main.css';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
app.use(i18n);
app.use(router);

// The refresh token was refused: the session store is already cleared; go to
// sign-in and come back here afterwards.
setSessionExpiredHandler(() => {
  const current = router.currentRoute.value;
  if (current.name === 'signin') return;
  router.replace({
    name: 'signin',
    query: current.meta.requiresAuth ? { redirect: current.fullPath, expired: '1' } : { expired: '1' },
  });
});

// Another tab signed in: this one restores the session from the cookie they share,
// and leaves the sign-in or registration page it was showing.
useSessionStore(pinia).whenOtherTabSignsIn(async () => {
  let restored = false;
  try {
    restored = await refreshSession();
  } catch {
    /* the next request will try again */
  }
  const current = router.currentRoute.value;
  if (restored && current.meta.guestOnly) router.replace(safeRedirect(current.query.redirect));
});

// The device's language, when it is not French, arrives in a chunk of its own: mounting waits
// for it, so the first render is already in that language. (No top-level await: es2020.)
firstLocaleShown.then(() => app.mount('#app'));

// Installable app: the service worker caches the app shell (never API data).
// Only in a production build: Vite's dev server serves modules, not the shell.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
      /* no offline shell on this browser; the app works the same online */
    });
  });
}
