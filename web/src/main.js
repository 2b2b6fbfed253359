import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { i18n } from './i18n.js';
import { router } from './router.js';
import { setSessionExpiredHandler } from './api.js';
import './styles/main.css';

const app = createApp(App);
app.use(createPinia());
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

app.mount('#app');

// Installable app: the service worker caches the app shell (never API data).
// Only in a production build: Vite's dev server serves modules, not the shell.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
      /* no offline shell on this browser; the app works the same online */
    });
  });
}
