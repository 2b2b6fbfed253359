// The admin's member page explains 409 last_admin in its own words, in fr, nl (formal) and en
// (web/src/views/admin/member-problems.js and the admin chunk's texts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { memberProblemKey } from '../src/views/admin/member-problems.js';

const texts = (code) =>
  JSON.parse(readFileSync(new URL(`../src/views/admin/locales/${code}.json`, import.meta.url), 'utf8'));

test('409 last_admin gets its own explanation, anything else the generic message', () => {
  assert.equal(memberProblemKey({ status: 409, code: 'last_admin' }), 'admin.member.lastAdmin');
  assert.equal(memberProblemKey({ status: 409, code: 'member_deactivated' }), null);
  assert.equal(memberProblemKey({ status: 422, code: 'last_admin' }), null);
  assert.equal(memberProblemKey(new Error('network')), null);
  assert.equal(memberProblemKey(undefined), null);
});

test('the explanation says what to do, in every language, Dutch with "u" only', () => {
  const said = { fr: /autre membre administrateur/, nl: /ander lid beheerder/, en: /another member administrator/ };
  for (const code of ['fr', 'nl', 'en']) {
    const member = texts(code).admin.member;
    assert.match(member.lastAdmin, said[code]);
    assert.ok(member.lastAdminRule.length > 20);
  }
  const nl = JSON.stringify(texts('nl').admin.member);
  assert.doesNotMatch(nl, /\b(je|jij|jouw|jullie)\b/i);
});
