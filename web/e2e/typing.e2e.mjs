// The typing indicator (issue #12), against the real server (tests/e2e/run.sh): two parents
// with a direct conversation open; B types and A's thread says so over the realtime channel
// (the server relays "typing" to the conversation's other members), then it fades. The
// screens and the client existed; the server dropped every "typing" frame before, so the
// first step failed on the code before this change.
import assert from 'node:assert/strict';
import {
  BASE, apiJson, expectText, finish, main, newParent, registerByApi, signInAs, stamp, step,
} from './lib.mjs';

const TA = { first: 'Tamara', last: 'Tapeuse', email: `tamara.${stamp}@example.be`, password: 'typing parent a 1' };
const TB = { first: 'Ulysse', last: 'Urgent', email: `ulysse.${stamp}@example.be`, password: 'typing parent b 2' };

async function openConversation(page, person, id) {
  await page.goto(`${BASE}/signin`);
  await signInAs(page, person);
  await page.waitForURL((url) => !/\/signin/.test(url.pathname));
  await page.goto(`${BASE}/messages/${id}`);
  await main(page).getByLabel('Votre message').waitFor();
}

await finish(async () => {
  const ra = await registerByApi(TA);
  const rb = await registerByApi(TB);
  assert.equal(ra.status, 201, JSON.stringify(ra.json));
  assert.equal(rb.status, 201, JSON.stringify(rb.json));
  const conv = await apiJson('POST', '/conversations', { kind: 'direct', user_id: rb.json.user.id }, ra.json.access_token);
  assert.equal(conv.status, 201, JSON.stringify(conv.json));
  const a = await newParent('A');
  const b = await newParent('B');
  const indicator = (page) => main(page).locator('p.typing');

  await step('B types in the conversation: A sees "Ulysse écrit…" live', async () => {
    await openConversation(a.page, TA, conv.json.id);
    await openConversation(b.page, TB, conv.json.id);
    // The sockets open after the screens: B keeps typing (the client says so at most every
    // 3 s) until A's thread shows it.
    let seen = false;
    for (let i = 0; i < 5 && !seen; i++) {
      await main(b.page).getByLabel('Votre message').pressSequentially('Bonjour', { delay: 20 });
      seen = await expectText(indicator(a.page), /Ulysse écrit/, 3500).then(() => true, () => false);
    }
    assert.ok(seen, 'A never saw B typing');
    assert.equal((await indicator(b.page).textContent()).trim(), '', 'B sees themselves typing');
  });

  await step('B stops typing: the indicator goes after a few seconds', async () => {
    await expectText(indicator(a.page), /^\s*$/, 10000);
  });
});
