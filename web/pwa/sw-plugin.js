// Vite plugin: writes sw.js into the build with the list of files to precache
// (every emitted asset plus the public files the shell needs) and a version
// derived from their content-hashed names, so each build gets its own cache.
// Chunks whose entry module matches `onDemand` (the Dutch and English catalogues) are
// not precached: they are listed apart, cached by the worker once a page has fetched them.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TEMPLATE = fileURLToPath(new URL('./sw.template.js', import.meta.url));
const PUBLIC_FILES = ['/favicon.svg', '/manifest.webmanifest', '/icons/icon-192.png', '/icons/icon-512.png'];

/**
 * Whether an emitted file is a chunk loaded on demand: its entry module matches "onDemand",
 * or it is a manual chunk named in "onDemandChunks" (one chunk of several screens has no
 * single entry module).
 */
function isOnDemand(file, onDemand, onDemandChunks = []) {
  if (file.type !== 'chunk') return false;
  if (onDemandChunks.includes(file.name)) return true;
  return Boolean(onDemand) && Boolean(file.facadeModuleId) && onDemand.test(file.facadeModuleId);
}

export function serviceWorker({ onDemand, onDemandChunks } = {}) {
  return {
    name: 'schoolhub-service-worker',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const names = Object.keys(bundle).filter((name) => name.startsWith('assets/')).sort();
      const lazy = names.filter((name) => isOnDemand(bundle[name], onDemand, onDemandChunks)).map((name) => `/${name}`);
      const assets = names.filter((name) => !isOnDemand(bundle[name], onDemand, onDemandChunks)).map((name) => `/${name}`);
      const precache = [...assets, ...PUBLIC_FILES];
      const version = createHash('sha256').update([...precache, ...lazy].join('\n')).digest('hex').slice(0, 16);
      const source = readFileSync(TEMPLATE, 'utf8')
        .replace("'__SW_VERSION__'", JSON.stringify(version))
        .replace('__SW_PRECACHE__', JSON.stringify(precache))
        .replace('__SW_ON_DEMAND__', JSON.stringify(lazy));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}
