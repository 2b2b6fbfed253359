// Messaging between two parents (issue #12), against the real server (tests/e2e/run.sh):
// A finds B in the member directory and writes to them; B, with the conversation open,
// sees the message arrive over the realtime channel without reloading, and replies; A sees
// the answer the same way. Then an edit, a deletion (a tombstone for both), the unread
// badge in B's list, and axe on the list, the new-conversation screen and the thread at
// 360 px. Every step failed on main (no Messages screens, no realtime client).
import assert from 'node:assert/strict';
import {
  BASE, apiJson, axe, expectText, finish, heading, main, newParent, problems, registerByApi, shot, signInAs, stamp, step,
} from './lib.mjs';

const PHONE = { width: 360, height: 740 };
const MA = { first: 'Bérénice', last: 'Messagère', email: `berenice.${stamp}@example.be`, password: 'messagerie parent a 1' };
const MB = { first: 'Corentin', last: 'Courrier', email: `corentin.${stamp}@example.be`, password: 'messagerie parent b 2' };

async function signIn(page, person) {
  await page.goto(`${BASE}/signin`);
  await signInAs(page, person);
  await page.waitForURL((url) => !/\/signin/.test(url.pathname));
}

const thread = (page) => page.getByTestId('thread');
const composer = (page) => main(page).getByLabel('Votre message');

/** Marks the page: a reload (or a navigation that loads the app again) forgets the mark. */
async function markPage(page) {
  await page.evaluate(() => { window.__notReloaded = true; });
}
async function assertNotReloaded(page) {
  assert.equal(await page.evaluate(() => window.__notReloaded === true), true, 'the page was reloaded');
}

await finish(async () => {
  for (const person of [MA, MB]) {
    const r = await registerByApi(person);
    assert.equal(r.status, 201, JSON.stringify(r.json));
  }
  const a = await newParent('A', PHONE);
  const b = await newParent('B', PHONE);
  const aSockets = new Set(); // the WebSockets A's current page opened and did not close
  a.page.on('load', () => aSockets.clear()); // a page load ends the previous page's sockets
  a.page.on('websocket', (ws) => {
    aSockets.add(ws);
    ws.on('close', () => aSockets.delete(ws));
  });
  let conversationUrl = '';

  await step('A opens Messages from the navigation: an empty list, axe clean at 360 px', async () => {
    await signIn(a.page, MA);
    await a.page.getByRole('navigation').getByRole('link', { name: 'Messages' }).click();
    await a.page.waitForURL(/\/messages$/);
    await expectText(heading(a.page), /Messages/);
    await expectText(main(a.page), /Aucune conversation/);
    await axe(a.page, 'messages list (empty, 360 px)');
  });

  await step('A finds B in the member directory and starts a direct conversation', async () => {
    await main(a.page).getByRole('link', { name: 'Nouveau message' }).first().click();
    await a.page.waitForURL(/\/messages\/new$/);
    await axe(a.page, 'new conversation (360 px)');
    await shot(a.page, 'messages-new');
    await main(a.page).getByLabel('À qui ?').fill('Courrier');
    await main(a.page).getByRole('button', { name: 'Corentin Courrier' }).click();
    await main(a.page).getByRole('button', { name: 'Écrire à Corentin' }).click();
    await a.page.waitForURL(/\/messages\/[0-9a-f-]{36}$/);
    conversationUrl = a.page.url();
    await expectText(heading(a.page), /Corentin Courrier/);
  });

  await step('B opens the same conversation from their list (no message yet)', async () => {
    await signIn(b.page, MB);
    await b.page.goto(`${BASE}/messages`);
    await main(b.page).getByRole('link', { name: /Bérénice Messagère/ }).click();
    await b.page.waitForURL(conversationUrl);
    await expectText(heading(b.page), /Bérénice Messagère/);
    await markPage(b.page);
  });

  await step('A sends a message; B sees it appear live, without reloading', async () => {
    await composer(a.page).fill('Bonjour Corentin, on partage le covoiturage jeudi ?');
    await main(a.page).getByRole('button', { name: 'Envoyer' }).click();
    await expectText(thread(a.page), /covoiturage jeudi/);
    await expectText(thread(b.page), /covoiturage jeudi/);
    await assertNotReloaded(b.page);
  });

  await step('B replies to the message; A sees the reply live, quoting it', async () => {
    await markPage(a.page);
    await thread(b.page).getByRole('button', { name: /Répondre/ }).first().click();
    await expectText(main(b.page), /Réponse à Bérénice/);
    await composer(b.page).fill('Avec plaisir, je prends les enfants à 8 h.');
    await composer(b.page).press('Enter');
    await expectText(thread(a.page), /je prends les enfants à 8 h/);
    await expectText(thread(a.page), /Bérénice Messagère: Bonjour Corentin/);
    await assertNotReloaded(a.page);
    await axe(b.page, 'conversation thread (360 px)');
    await shot(b.page, 'messages-thread');
  });

  await step('A edits the message; B sees the new text live, marked as edited', async () => {
    const mine = thread(a.page).locator('li', { hasText: 'covoiturage jeudi' }).first();
    await mine.getByRole('button', { name: 'Modifier' }).click();
    // The message is a form now (its text is in the field): found by the field's label.
    await thread(a.page).getByLabel('Modifier le message').fill('Bonjour Corentin, on partage le covoiturage vendredi ?');
    await thread(a.page).getByRole('button', { name: 'Enregistrer' }).click();
    await expectText(thread(b.page), /covoiturage vendredi[\s\S]*modifié/);
    await assertNotReloaded(b.page);
  });

  await step('B deletes their reply: both see "message supprimé" in its place', async () => {
    const reply = thread(b.page).locator('li', { hasText: 'je prends les enfants' }).first();
    await reply.getByRole('button', { name: 'Supprimer' }).click();
    await b.page.getByRole('dialog').getByRole('button', { name: 'Supprimer' }).click();
    await expectText(thread(b.page), /message supprimé/);
    await expectText(thread(a.page), /message supprimé/);
    assert.doesNotMatch(await thread(a.page).innerText(), /je prends les enfants/);
  });

  await step("B's list shows an unread badge for a message sent while B was elsewhere, live", async () => {
    await b.page.goto(`${BASE}/messages`);
    const row = main(b.page).getByRole('link', { name: /Bérénice Messagère/ });
    await expectText(row, /Vous/); // B's own last action… then A writes again
    await markPage(b.page);
    await composer(a.page).fill('Et samedi, la fête de l’école ?');
    await main(a.page).getByRole('button', { name: 'Envoyer' }).click();
    await expectText(row, /fête de l’école/);
    await expectText(row, /1\s*non lus/);
    await assertNotReloaded(b.page);
    await axe(b.page, 'messages list with an unread conversation (360 px)');
    await shot(b.page, 'messages-list');
  });

  await step('B reads the conversation: the read marker is posted and the badge goes', async () => {
    const posted = b.page.waitForRequest((r) => r.method() === 'POST' && /\/read$/.test(r.url()));
    await main(b.page).getByRole('link', { name: /Bérénice Messagère/ }).click();
    await expectText(thread(b.page), /fête de l’école/);
    assert.deepEqual((await posted).postDataJSON(), { seq: 3 });
    await main(b.page).getByRole('link', { name: /Toutes les conversations/ }).click();
    await expectText(main(b.page).getByRole('link', { name: /Bérénice Messagère/ }), /fête de l’école/);
    assert.doesNotMatch(await main(b.page).getByRole('link', { name: /Bérénice Messagère/ }).innerText(), /non lus/);
  });

  await step('a send whose answer is lost is retried with its client_id: the message is posted once', async () => {
    await a.page.goto(conversationUrl);
    await expectText(thread(a.page), /fête de l’école/);
    // The request reaches the server (the message is stored), the answer never reaches the page.
    let cut = true;
    await a.page.route('**/api/v1/conversations/*/messages', async (route) => {
      if (route.request().method() !== 'POST' || !cut) return route.fallback();
      cut = false;
      await route.fetch();
      await route.abort('connectionreset');
    });
    await composer(a.page).fill('Je confirme pour samedi.');
    await main(a.page).getByRole('button', { name: 'Envoyer' }).click();
    const retry = thread(a.page).getByRole('button', { name: 'Renvoyer' });
    await retry.waitFor();
    await retry.click();
    await retry.waitFor({ state: 'detached' });
    await expectText(thread(a.page), /Je confirme pour samedi/);
    // The page's own report of the cut connection is this test's doing, not a fault.
    for (let i = problems.length - 1; i >= 0; i -= 1) {
      if (/^\[A\] console error: .*ERR_CONNECTION_RESET/.test(problems[i])) problems.splice(i, 1);
    }
    await a.page.unroute('**/api/v1/conversations/*/messages');
    await a.page.reload();
    await expectText(thread(a.page), /Je confirme pour samedi/);
    const text = await thread(a.page).innerText();
    assert.equal(text.split('Je confirme pour samedi').length - 1, 1, text);
  });

  await step('the REST state matches: 4 messages, the deleted one a tombstone', async () => {
    const login = await apiJson('POST', '/auth/login', { email: MA.email, password: MA.password });
    const id = conversationUrl.split('/').pop();
    const page = await apiJson('GET', `/conversations/${id}/messages`, undefined, login.json.access_token);
    assert.equal(page.status, 200);
    assert.deepEqual(page.json.items.map((m) => [m.seq, m.deleted]), [[1, false], [2, true], [3, false], [4, false]]);
    assert.ok(page.json.items[0].edited_at);
  });

  await step('a long thread opens on its latest 30 messages; scrolling up loads the earlier ones', async () => {
    const id = conversationUrl.split('/').pop();
    const tokens = [];
    for (const person of [MA, MB]) {
      const login = await apiJson('POST', '/auth/login', { email: person.email, password: person.password });
      tokens.push(login.json.access_token);
    }
    for (let i = 1; i <= 30; i += 1) {
      const r = await apiJson('POST', `/conversations/${id}/messages`, { body: `Message numéro ${i}`, client_id: `bulk-${stamp}-${i}` }, tokens[i % 2]);
      assert.equal(r.status, 201, JSON.stringify(r.json));
    }
    await a.page.goto(conversationUrl);
    await expectText(thread(a.page), /Message numéro 30/);
    assert.doesNotMatch(await thread(a.page).innerText(), /covoiturage vendredi/);
    await a.page.locator('section.thread').evaluate((el) => { el.scrollTop = 0; });
    await expectText(thread(a.page), /covoiturage vendredi[\s\S]*Message numéro 30/);
    await expectText(main(a.page), /Début de la conversation/);
    assert.equal(await thread(a.page).locator('li').count(), 34);
  });

  await step('A creates a group with B; it appears in B\'s list live, marked as a group', async () => {
    await b.page.goto(`${BASE}/messages`);
    await markPage(b.page);
    await a.page.goto(`${BASE}/messages/new`);
    await main(a.page).getByLabel('Nom du groupe').fill('Covoiturage du jeudi');
    await main(a.page).getByLabel('Ajouter un membre').fill('Courrier');
    await main(a.page).getByRole('button', { name: 'Corentin Courrier' }).click();
    await expectText(main(a.page).getByRole('list', { name: 'Membres du groupe' }), /Corentin Courrier/);
    await main(a.page).getByRole('button', { name: 'Créer le groupe' }).click();
    await a.page.waitForURL(/\/messages\/[0-9a-f-]{36}$/);
    await expectText(heading(a.page), /Covoiturage du jeudi/);
    await expectText(main(b.page).getByRole('list', { name: 'Vos conversations' }), /Covoiturage du jeudi\s*Groupe/);
    await assertNotReloaded(b.page);
  });

  await step('signing out on another screen closes the realtime socket', async () => {
    assert.equal(aSockets.size, 1);
    await a.page.getByRole('navigation').getByRole('link', { name: 'Accueil' }).click();
    await a.page.getByRole('button', { name: 'Se déconnecter' }).click();
    await a.page.waitForURL(/\/signin/);
    const deadline = Date.now() + 5000;
    while (aSockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(aSockets.size, 0, 'the socket stayed open after sign-out');
  });
});
