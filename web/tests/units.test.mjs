// web/src/units.js: one minus sign (U+2212) and one format for every amount on
// screen, and a refused payment told in the member's terms.
// Run: node --test web/tests/   (or `npm test` in web/)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  MINUS, formatDuration, formatNumber, formatUnits, limitMessage, signedUnits, splitUnits, unitsFrom,
} from '../src/units.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const messages = Object.fromEntries(
  ['fr', 'nl', 'en'].map((l) => [l, JSON.parse(readFileSync(join(root, 'src', 'locales', `${l}.json`), 'utf8'))]),
);
// vue-i18n's named interpolation, enough for these messages.
const tOf = (locale) => (key, params = {}) => {
  const text = key.split('.').reduce((o, k) => o?.[k], messages[locale]);
  assert.equal(typeof text, 'string', `${locale}: no message ${key}`);
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name]));
};
const fr = tOf('fr');
const nl = tOf('nl');
const en = tOf('en');

test('one minus sign: U+2212, never "-"', () => {
  assert.equal(MINUS, '\u2212');
  assert.equal(formatNumber(-30), '\u221230');
  assert.equal(formatNumber(0), '0');
  assert.equal(formatNumber(120), '120');
  assert.equal(signedUnits(-75), '\u221275');
  assert.equal(signedUnits(75), '+75');
  assert.equal(formatDuration(-30, fr), '\u221230 min');
  for (const n of [-300, -90, -1]) {
    for (const t of [fr, nl, en]) assert.ok(!formatUnits(n, t).includes('-'), formatUnits(n, t));
  }
});

test('one format: "N unités (durée)", the sign on both or neither', () => {
  assert.equal(formatUnits(-30, fr), '\u221230 unités (\u221230 min)');
  assert.equal(formatUnits(90, fr), '90 unités (1 h 30 min)');
  assert.equal(formatUnits(120, nl), '120 eenheden (2 u)');
  assert.equal(formatUnits(-300, en), '\u2212300 units (\u22125 h)');
});

test('one unit is singular', () => {
  assert.equal(formatUnits(1, fr), '1 unité (1 min)');
  assert.equal(formatUnits(-1, nl), '\u22121 eenheid (\u22121 min)');
  assert.equal(formatUnits(1, en), '1 unit (1 min)');
  assert.equal(formatUnits(2, en), '2 units (2 min)');
});

test('hours and minutes both ways', () => {
  assert.deepEqual(splitUnits(331), { hours: 5, minutes: 31 });
  assert.equal(unitsFrom('5', '31'), 331);
  assert.ok(Number.isNaN(unitsFrom('1.5', '0')));
});

const limits = { min: -300, max: 600 };

test('payer limit: the most I can pay, and my floor', () => {
  const problem = { code: 'payer_limit', max_units: 330 };
  assert.equal(
    limitMessage(problem, fr, { limits }),
    'Vous pouvez payer au plus 5 h 30 min (votre solde ne peut pas descendre sous \u22125 h).',
  );
  assert.equal(
    limitMessage(problem, en, { limits }),
    'You can pay at most 5 h 30 min (your balance may not go below \u22125 h).',
  );
  assert.match(limitMessage(problem, nl, { limits }), /^U kunt hoogstens 5 u 30 min betalen/);
  const nothing = limitMessage({ code: 'payer_limit', max_units: 0 }, fr, { limits });
  assert.match(nothing, /^Vous ne pouvez rien payer/);
  // Said once, never "payeur", never "1 unités".
  const text = limitMessage({ code: 'payer_limit', max_units: 1 }, fr, { limits });
  assert.ok(!/payeur|unités/.test(text), text);
});

test('payee limit: names the payee and their ceiling', () => {
  const problem = { code: 'payee_limit', max_units: 45 };
  assert.equal(
    limitMessage(problem, fr, { limits, payee: 'Youssef El Amrani' }),
    'Youssef El Amrani peut recevoir au plus 45 min (son solde ne peut pas dépasser 10 h).',
  );
  assert.match(limitMessage(problem, en, { limits }), /^This member can receive at most 45 min/);
  assert.match(limitMessage({ code: 'payee_limit', max_units: 0 }, nl, { limits, payee: 'Jan' }), /^Jan kan nu niets ontvangen/);
});

test('not a limit, or not enough to say it: no sentence', () => {
  assert.equal(limitMessage({ code: 'unknown_member' }, fr, { limits }), '');
  assert.equal(limitMessage({ code: 'payer_limit' }, fr, { limits }), '');
  assert.equal(limitMessage({ code: 'payer_limit', max_units: 10 }, fr, {}), '');
  assert.equal(limitMessage(null, fr, { limits }), '');
});
