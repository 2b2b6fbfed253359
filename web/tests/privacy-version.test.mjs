// The privacy notice version the app sends at registration must be the one the server
// accepts (SH_PRIVACY_VERSION), or nobody could register (issue #11 item 11).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRIVACY_VERSION } from '../src/privacy.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('web/src/privacy.js and src/modules/users/privacy.h name the same version', () => {
  const header = readFileSync(join(root, 'src', 'modules', 'users', 'privacy.h'), 'utf8');
  const m = /#define\s+SH_PRIVACY_VERSION\s+"([^"]+)"/.exec(header);
  assert.ok(m, 'SH_PRIVACY_VERSION not found in privacy.h');
  assert.equal(PRIVACY_VERSION, m[1]);
  assert.match(PRIVACY_VERSION, /^\d{4}-\d{2}-\d{2}$/, 'the version is the date the text takes effect');
});
