// The three locale files must have exactly the same keys, every key used in
// the sources must exist, and messages must stay valid vue-i18n syntax.
// Run: node --test web/tests/   (or `npm test` in web/)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const LOCALES = ['fr', 'nl', 'en'];
// The app's catalogues, plus those of screens in an on-demand chunk (src/views/<group>/locales/,
// added to vue-i18n when their chunk runs: src/i18n.js addScreenTexts), checked as one.
const screenCatalogues = (l) =>
  readdirSync(join(root, 'src', 'views'))
    .map((group) => join(root, 'src', 'views', group, 'locales', `${l}.json`))
    .filter((file) => { try { return statSync(file).isFile(); } catch { return false; } })
    .map((file) => JSON.parse(readFileSync(file, 'utf8')));
const messages = Object.fromEntries(
  LOCALES.map((l) => [
    l,
    Object.assign(JSON.parse(readFileSync(join(root, 'src', 'locales', `${l}.json`), 'utf8')), ...screenCatalogues(l)),
  ]),
);

function flatten(obj, prefix = '', out = new Map()) {
  for (const [key, value] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === 'object') flatten(value, path, out);
    else out.set(path, value);
  }
  return out;
}
const flat = Object.fromEntries(LOCALES.map((l) => [l, flatten(messages[l])]));
const allKeys = new Set(LOCALES.flatMap((l) => [...flat[l].keys()]));

for (const locale of LOCALES) {
  test(`${locale}.json has every key`, () => {
    const missing = [...allKeys].filter((k) => !flat[locale].has(k)).sort();
    assert.deepEqual(missing, [], `missing in ${locale}.json: ${missing.join(', ')}`);
  });

  test(`${locale}.json messages are non-empty strings in valid syntax`, () => {
    for (const [key, value] of flat[locale]) {
      assert.equal(typeof value, 'string', `${locale}:${key} is not a string`);
      assert.ok(value.trim().length > 0, `${locale}:${key} is empty`);
      // "@" starts a linked message and "|" separates plural forms in vue-i18n.
      assert.ok(!/[@|]/.test(value), `${locale}:${key} contains "@" or "|"`);
      const braces = value.replace(/\{[a-zA-Z_][a-zA-Z0-9_]*\}/g, '');
      assert.ok(!/[{}]/.test(braces), `${locale}:${key} has a malformed {placeholder}`);
    }
  });

  test(`${locale}.json uses the same placeholders as fr.json`, () => {
    const names = (s) => (s.match(/\{[a-zA-Z0-9_]+\}/g) || []).sort().join(',');
    for (const [key, value] of flat.fr) {
      if (flat[locale].has(key)) {
        assert.equal(names(flat[locale].get(key)), names(value), `${locale}:${key} placeholders differ`);
      }
    }
  });
}

test('every literal key used in the sources exists', () => {
  const files = [];
  (function walk(dir) {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(vue|js)$/.test(name)) files.push(p);
    }
  })(join(root, 'src'));
  const used = new Set();
  for (const file of files) {
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/\$?\bt[ce]?\(\s*'([a-zA-Z][\w]*(?:\.[\w]+)+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size > 20, 'expected to find the keys used in the sources');
  const unknown = [...used].filter((k) => !flat.fr.has(k)).sort();
  assert.deepEqual(unknown, [], `used but not defined: ${unknown.join(', ')}`);
});
