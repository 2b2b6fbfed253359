/* SchoolHub service worker: caches the app shell so the app opens from a phone's
 * home screen and without a network, and nothing else.
 *
 * - API data (/api/…) and the server's own endpoints are never cached: they are
 *   children's and families' data, and they must always be current.
 * - Pages (navigations) are network-first: after an upgrade the new index.html is
 *   always served; the cached copy is used only when the network is unreachable.
 * - /assets/* are content-hashed and immutable: cache-first, and whatever is fetched is
 *   kept. The Dutch and English catalogues (ON_DEMAND) are not precached: a page loads the
 *   one it needs; the worker keeps it when it goes through the worker, and at install takes
 *   the ones a page already loaded (an older cache of this app, or the browser's HTTP cache:
 *   on a first visit the page loads its language before the worker exists), so the app
 *   still opens offline in that language.
 * The precache list and the version are written in at build time (pwa/sw-plugin.js);
 * a new build is a new cache, and activating it deletes the old ones.
 */
const VERSION = '__SW_VERSION__';
const PRECACHE = __SW_PRECACHE__;
const ON_DEMAND = __SW_ON_DEMAND__;
const CACHE = `schoolhub-shell-${VERSION}`;
const SHELL = '/';
const NEVER_CACHED = ['/api/', '/health', '/ready', '/metrics'];

// The on-demand chunks this browser already has, without touching the network: a hashed
// name is the same bytes, whichever cache holds it.
async function keepLoadedOnDemand(cache) {
  await Promise.all(
    ON_DEMAND.map(async (url) => {
      try {
        let response = await caches.match(url);
        if (!response) response = await fetch(url, { cache: 'only-if-cached', mode: 'same-origin' });
        if (response.ok) await cache.put(url, response);
      } catch {
        /* never loaded here: cached when a page first fetches it */
      }
    }),
  );
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll([SHELL, ...PRECACHE]).then(() => keepLoadedOnDemand(cache)))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith('schoolhub-shell-') && k !== CACHE).map((k) => caches.delete(k))),
      )
      .then(() => self.clients.claim()),
  );
});

async function networkFirstPage(request) {
  try {
    const response = await fetch(request);
    // Only the app's own page may become the offline shell: not an image or the manifest
    // opened directly, and not a redirect (a browser refuses those for a navigation).
    const type = response.headers.get('Content-Type') || '';
    if (response.ok && !response.redirected && type.startsWith('text/html')) {
      const cache = await caches.open(CACHE);
      await cache.put(SHELL, response.clone());
    }
    return response;
  } catch (err) {
    const cached = await caches.match(SHELL, { cacheName: CACHE });
    if (cached) return cached;
    throw err;
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { cacheName: CACHE });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

async function networkFirst(request) {
  try {
    return await fetch(request);
  } catch (err) {
    const cached = await caches.match(request, { cacheName: CACHE });
    if (cached) return cached;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (NEVER_CACHED.some((prefix) => url.pathname.startsWith(prefix))) return;
  if (request.mode === 'navigate') {
    event.respondWith(networkFirstPage(request));
  } else if (url.pathname.startsWith('/assets/')) {
    event.respondWith(cacheFirst(request));
  } else {
    event.respondWith(networkFirst(request));
  }
});
