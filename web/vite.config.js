import { fileURLToPath, URL } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { serviceWorker } from './pwa/sw-plugin.js';

// The server sends a strict CSP (script-src 'self'; style-src 'self'; no
// 'unsafe-eval', no 'unsafe-inline'), so the build must:
//  - emit no inline <script> (Vite's default for a module entry) and extract all
//    CSS to files (cssCodeSplit keeps per-route CSS as <link>ed files);
//  - never compile i18n messages with `new Function`: vue-i18n's JIT mode
//    compiles messages to an AST that is interpreted, no eval involved;
//  - use Vue's runtime-only build (templates are precompiled by @vitejs/plugin-vue).
// Chunks: the main bundle (everything main.js imports), the sign-in and registration
// pages with what only they use ("auth": what a first visit needs beside the main bundle),
// and every other screen in one chunk ("screens"), not one chunk per view and per shared
// component. The service worker precaches them on the first visit (all but the Dutch and
// English catalogues, fetched when that language is used), and brotli compresses
// small files badly (each starts with an empty window): the 31 chunks of one per view weighed
// 31.6 KB apart, 19.9 KB together. web/e2e/compress.e2e.mjs measures a first visit
// (docs/PERFORMANCE.md). Rollup moves a manual chunk's dependencies into it, so the main
// bundle's modules are named too, or Vue would leave the main bundle for "screens".
function importedBy(id, getModuleInfo, test) {
  // Whether "id" or a module importing it, directly or not, passes "test" (static imports).
  const seen = new Set([id]);
  const queue = [id];
  while (queue.length > 0) {
    const info = getModuleInfo(queue.shift());
    if (!info) continue;
    if (test(info)) return true;
    for (const importer of info.importers) {
      if (!seen.has(importer)) {
        seen.add(importer);
        queue.push(importer);
      }
    }
  }
  return false;
}

// The catalogues of the languages other than French (src/i18n.js imports them on demand):
// one chunk each, "locale-nl" and "locale-en", which the service worker does not precache.
const ON_DEMAND_CATALOGUE = /\/src\/locales\/(nl|en)\.json$/;

// The messaging screens and the realtime client: a chunk of their own, fetched when a member
// first opens Messages (not precached: see ON_DEMAND below), so they weigh nothing on a
// first visit.
const MESSAGING = /\/src\/(views\/messages\/|realtime(-app)?\.js)/;

// Screens a member opens now and then, never on a first visit: announcements, notification
// settings and the unsubscribe page, the forgotten-password pages. One chunk fetched when
// first needed (not precached either), so they do not weigh on the sign-in page ("auth") or
// the first visit's "screens".
const NOW_AND_THEN =
  /\/src\/views\/(announcements\/|notifications\/|privacy\/|auth\/(ForgotPassword|ResetPassword)View\.vue)/;
// The privacy notice (in "more" with its French texts): Dutch and English texts as chunks
// "privacy-nl", "privacy-en".
const PRIVACY_CATALOGUE = /\/src\/views\/privacy\/locales\/(nl|en)\.json$/;

// The events screens (agenda, sign-ups, shifts, calendar feed; issue #14) with their own API
// calls and their French texts: one chunk fetched when a member first opens the agenda, not
// precached; their Dutch and English texts are chunks of their own ("events-nl", "events-en"),
// fetched when that language is shown (src/i18n.js addScreenTexts).
const EVENTS = /\/src\/views\/events\//;
const EVENTS_CATALOGUE = /\/src\/views\/events\/locales\/(nl|en)\.json$/;
// The admin screens (members, audit log, module switches; issue #15): only admins open them, so
// they are a chunk of their own fetched on first use, not precached, with their Dutch and
// English texts as chunks "admin-nl", "admin-en" (like the events screens').
const ADMIN = /\/src\/views\/admin\//;
const ADMIN_CATALOGUE = /\/src\/views\/admin\/locales\/(nl|en)\.json$/;
// The classes screens (class staff and photo consent; issue #15): only teachers and admins open
// them, a chunk of their own fetched on first use, not precached, with "classes-nl"/"classes-en".
const CLASSES = /\/src\/views\/classes\//;
const CLASSES_CATALOGUE = /\/src\/views\/classes\/locales\/(nl|en)\.json$/;
// The chart library of the admins' analytics screen: in the admin chunk, never the main bundle.
const ADMIN_CHARTS = /\/node_modules\/uplot\//;
// The QR code encoder of the calendar feed page: fetched only when a feed address is shown.
const QR_ENCODER = /\/node_modules\/@paulmillr\/qr\//;

function chunkOf(id, { getModuleInfo }) {
  const catalogue = ON_DEMAND_CATALOGUE.exec(id);
  if (catalogue) return `locale-${catalogue[1]}`;
  const eventsCatalogue = EVENTS_CATALOGUE.exec(id);
  if (eventsCatalogue) return `events-${eventsCatalogue[1]}`;
  const adminCatalogue = ADMIN_CATALOGUE.exec(id);
  if (adminCatalogue) return `admin-${adminCatalogue[1]}`;
  const privacyCatalogue = PRIVACY_CATALOGUE.exec(id);
  if (privacyCatalogue) return `privacy-${privacyCatalogue[1]}`;
  const classesCatalogue = CLASSES_CATALOGUE.exec(id);
  if (classesCatalogue) return `classes-${classesCatalogue[1]}`;
  if (QR_ENCODER.test(id)) return 'qr';
  if (ADMIN_CHARTS.test(id)) return 'admin';
  if (importedBy(id, getModuleInfo, (info) => info.isEntry)) return 'index';
  if (NOW_AND_THEN.test(id)) return 'more';
  if (importedBy(id, getModuleInfo, (info) => /\/src\/views\/auth\//.test(info.id))) return 'auth';
  if (MESSAGING.test(id)) return 'messages';
  if (EVENTS.test(id)) return 'events';
  if (ADMIN.test(id)) return 'admin';
  if (CLASSES.test(id)) return 'classes';
  return 'screens';
}

export default defineConfig({
  plugins: [vue(), serviceWorker({ onDemand: ON_DEMAND_CATALOGUE, onDemandChunks: ['messages', 'more', 'events', 'events-nl', 'events-en', 'qr', 'admin', 'admin-nl', 'admin-en', 'classes', 'classes-nl', 'classes-en', 'privacy-nl', 'privacy-en'] })],
  resolve: {
    alias: {
      '@': fileURLToPath(new URL('./src', import.meta.url)),
      // ESM bundler build of vue-i18n (tree-shakable, honours the flags below).
      'vue-i18n': 'vue-i18n/dist/vue-i18n.esm-bundler.js',
    },
  },
  define: {
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'false',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
    __INTLIFY_JIT_COMPILATION__: 'true',
    __INTLIFY_DROP_MESSAGE_COMPILER__: 'false',
  },
  build: {
    target: 'es2020',
    // A CSP-friendly build: no modulepreload polyfill (it is an inline-free module
    // anyway, but not needed by our target browsers).
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 200,
    rollupOptions: { output: { manualChunks: chunkOf } },
  },
  server: {
    // `npm run dev` talks to a local server on :8080 for /api.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
