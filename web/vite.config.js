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
export default defineConfig({
  plugins: [vue(), serviceWorker()],
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
  },
  server: {
    // `npm run dev` talks to a local server on :8080 for /api.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
