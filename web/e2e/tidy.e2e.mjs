// The review findings of session 7 that show in the browser (helper "tidy"):
// - the conversation list names each direct conversation from the list itself (its "peer"):
//   no GET /conversations/{id} per direct conversation;
// - a conversation with no message yet shows no time (the class conversations were created
//   by a migration, whose date meant nothing to a parent).
// Both steps failed on main (one GET per direct conversation; "6 déc. 2026, 00:00").
import assert from 'node:assert/strict';
import {
  BASE, apiJson, expectText, finish, main, newParent, registerByApi, signInAs, stamp, step,
  tokenOf,
} from './lib.mjs';

const TA = { first: 'Philippine', last: 'Pairs', email: `philippine.${stamp}@example.be`, password: 'liste des pairs a 1' };
const TB = { first: 'Gaspard', last: 'Gauthier', email: `gaspard.${stamp}@example.be`, password: 'liste des pairs b 2' };
const TC = { first: 'Ysaline', last: 'Yserbyt', email: `ysaline.${stamp}@example.be`, password: 'liste des pairs c 3' };

await finish(async () => {
  for (const person of [TA, TB, TC]) {
    const r = await registerByApi(person);
    assert.equal(r.status, 201, JSON.stringify(r.json));
  }
  const token = await tokenOf(TA);
  for (const other of [TB, TC]) {
    const me = await apiJson('GET', '/users/me', undefined, await tokenOf(other));
    const r = await apiJson('POST', '/conversations', { kind: 'direct', user_id: me.json.id }, token);
    assert.equal(r.status, 201, JSON.stringify(r.json));
  }
  // A child in P4: A is in P4's class conversation, where nobody has written yet.
  const child = await apiJson('POST', '/children', { first_name: 'Octave', last_name: 'Pairs', class_name: 'P4' }, token);
  assert.equal(child.status, 201, JSON.stringify(child.json));

  const a = await newParent('A');
  const detailReads = [];
  a.page.on('request', (req) => {
    const path = new URL(req.url()).pathname;
    if (req.method() === 'GET' && /^\/api\/v1\/conversations\/[^/]+$/.test(path)) detailReads.push(path);
  });

  await step('the list names both direct conversations without one request per conversation', async () => {
    await a.page.goto(`${BASE}/signin`);
    await signInAs(a.page, TA);
    await a.page.waitForURL((url) => !/\/signin/.test(url.pathname));
    await a.page.goto(`${BASE}/messages`);
    const list = main(a.page).locator('.conv-list');
    await expectText(list, /Gaspard Gauthier/);
    await expectText(list, /Ysaline Yserbyt/);
    assert.deepEqual(detailReads, [], 'the list read conversations one by one');
  });

  await step('the class conversation with no message shows no time', async () => {
    const row = main(a.page).locator('.conv', { hasText: 'Classe P4' });
    await expectText(row, /Pas encore de message/);
    assert.equal(await row.locator('.conv__time').count(), 0, await row.innerText());
  });
});
