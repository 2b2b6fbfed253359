// Which language a browser gets before anyone chose one (issue #11 item 7).
// Run: node --test web/tests/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserLanguages, pickLocale } from '../src/locale-pick.js';

const APP = ['fr', 'nl', 'en'];

test('a Belgian Dutch browser gets Dutch', () => {
  assert.equal(pickLocale(['nl-BE', 'nl', 'en'], APP, 'fr'), 'nl');
});

test('the first language the app speaks wins, in the browser order', () => {
  assert.equal(pickLocale(['de-DE', 'en-US', 'nl-BE'], APP, 'fr'), 'en');
  assert.equal(pickLocale(['de-DE', 'nl_BE', 'en'], APP, 'fr'), 'nl');
  assert.equal(pickLocale(['FR-be'], APP, 'nl'), 'fr');
});

test('a browser speaking none of them gets the fallback', () => {
  assert.equal(pickLocale(['de-DE', 'es'], APP, 'fr'), 'fr');
  assert.equal(pickLocale([], APP, 'fr'), 'fr');
  assert.equal(pickLocale(undefined, APP, 'fr'), 'fr');
  assert.equal(pickLocale([null, 42, ''], APP, 'fr'), 'fr');
});

test('navigator.languages first, navigator.language when it is missing', () => {
  assert.deepEqual(browserLanguages({ languages: ['nl-BE', 'fr'], language: 'nl-BE' }), ['nl-BE', 'fr']);
  assert.deepEqual(browserLanguages({ languages: [], language: 'en-GB' }), ['en-GB']);
  assert.deepEqual(browserLanguages({}), []);
  assert.deepEqual(browserLanguages(undefined), []);
});
