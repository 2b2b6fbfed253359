// Notifications in the browser (issue #13): the bell in the top bar counts and lists what
// happened (a payment received), opening one marks it read, "mark all read" clears the
// count; the preferences screen saves per-kind e-mail choices and quiet hours; the
// unsubscribe link of a notification e-mail (read from the server's outbox) works without a
// session, a forged one says so; every screen axe-checked, in French and Dutch.
import assert from 'node:assert/strict';
import {
  BASE, DESKTOP, MOBILE, apiJson, axe, expectText, finish, mailTo, main, newParent, newVisitor,
  register, registerByApi, stamp, step, verifyEmailByApi,
} from './lib.mjs';

await finish(async () => {
  const E = { first: 'Emma', last: 'Claes', email: `emma.${stamp}@example.be`, password: 'cloche parent 5' };
  const F = { first: 'Farid', last: 'Haddad', email: `farid.${stamp}@example.be`, password: 'payeur parent 6' };
  const { page } = await newParent('E', DESKTOP);
  await register(page, E);
  await verifyEmailByApi(E);
  assert.equal((await registerByApi(F)).status, 201);
  await verifyEmailByApi(F);
  const login = await apiJson('POST', '/auth/login', { email: F.email, password: F.password });
  const fToken = login.json.access_token;
  const eLogin = await apiJson('POST', '/auth/login', { email: E.email, password: E.password });
  const eToken = eLogin.json.access_token;
  const eId = (await apiJson('GET', '/users/me', undefined, eToken)).json.id;
  const pay = async (units, asking = false) => {
    const body = { units, description: 'Covoiturage piscine' };
    body[asking ? 'from_user_id' : 'to_user_id'] = eId;
    const r = await apiJson('POST', '/sel/transactions', body, fToken);
    assert.equal(r.status, 201, JSON.stringify(r.json));
  };
  const bell = () => page.getByTestId('bell');

  await step('a payment received shows on the bell with its count, listed in French', async () => {
    await pay(5);
    await page.goto(`${BASE}/children`);
    await expectText(page.getByTestId('bell-count'), /^1$/);
    assert.equal(await bell().getAttribute('aria-label'), 'Notifications, 1 non lues');
    await bell().click();
    const panel = page.locator('#bell-panel');
    await expectText(panel, /Paiement reçu/);
    await expectText(panel, /Farid Haddad vous a payé 5 unités\./);
    await axe(page, 'notifications-bell');
  });

  await step('opening a notification marks it read and follows its link', async () => {
    await page.locator('#bell-panel').getByRole('button', { name: /Paiement reçu/ }).click();
    await page.waitForURL(/\/sel$/);
    await page.waitForFunction(() => !document.querySelector('[data-testid="bell-count"]'));
    const list = await apiJson('GET', '/notifications', undefined, eToken);
    assert.equal(list.json.unread_count, 0);
  });

  await step('"mark all read" clears the count', async () => {
    await pay(2);
    await pay(3);
    await page.goto(`${BASE}/children`);
    await expectText(page.getByTestId('bell-count'), /^2$/);
    await bell().click();
    await page.locator('#bell-panel').getByRole('button', { name: 'Tout marquer comme lu' }).click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="bell-count"]'));
    assert.equal((await apiJson('GET', '/notifications', undefined, eToken)).json.unread_count, 0);
  });

  await step('the preferences screen saves e-mail choices and quiet hours', async () => {
    if (!(await page.locator('#bell-panel').isVisible())) await bell().click();
    await page.locator('#bell-panel').getByRole('link', { name: 'Préférences de notification' }).click();
    await page.waitForURL(/\/settings\/notifications/);
    const m = main(page);
    await expectText(m.locator('h1'), /Préférences de notification/);
    await m.getByLabel('Paiement reçu', { exact: true }).selectOption('weekly');
    // No quiet hours for this parent, so the request below is e-mailed whatever the hour.
    await m.getByLabel('Début', { exact: true }).fill('00:00');
    await m.getByLabel('Fin', { exact: true }).fill('00:00');
    await m.getByLabel('Aussi tout le week-end').uncheck();
    await m.getByLabel('Heure du résumé quotidien').selectOption('8');
    await axe(page, 'notification-settings');
    await m.getByRole('button', { name: 'Enregistrer' }).click();
    await expectText(m, /Vos préférences sont enregistrées/);
    const prefs = (await apiJson('GET', '/users/me/notifications', undefined, eToken)).json;
    assert.equal(prefs.kinds.payment_received.email, 'weekly');
    assert.equal(prefs.quiet_hours.start, '00:00');
    assert.equal(prefs.quiet_hours.weekends, false);
    assert.equal(prefs.digest_hour, 8);
  });

  await step('the e-mail of a request has a one-click unsubscribe link that works without a session', async () => {
    await pay(4, true);
    const text = await mailTo(E.email, /unsubscribe\?token=/);
    assert.match(text, /vous demande 4 unités/);
    const token = /unsubscribe\?token=([A-Za-z0-9._-]+)/.exec(text)[1];
    const { page: visitor } = await newVisitor('E-mailbox', MOBILE, 'fr-BE');
    await visitor.goto(`${BASE}/unsubscribe?token=${token}`);
    const m = main(visitor);
    await expectText(m, /Ne plus recevoir ce type d'e-mail/);
    await axe(visitor, 'unsubscribe-confirm');
    await m.getByRole('button', { name: 'Me désabonner' }).click();
    await expectText(m, /vous ne recevrez plus d'e-mail « Demande de paiement »/);
    await axe(visitor, 'unsubscribe-done');
    const prefs = (await apiJson('GET', '/users/me/notifications', undefined, eToken)).json;
    assert.equal(prefs.kinds.payment_request.email, 'off');
  });

  await step('a forged unsubscribe link says it is not valid, in Dutch too', async () => {
    const forged = `${eId}.announcement.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
    const { page: v } = await newVisitor('forger', MOBILE, 'fr-BE');
    await v.goto(`${BASE}/unsubscribe?token=${forged}`);
    await main(v).getByRole('button', { name: 'Me désabonner' }).click();
    await expectText(main(v), /Ce lien de désabonnement n'est pas valable/);
    const { page: nl } = await newVisitor('forger-nl', MOBILE, 'nl');
    await nl.goto(`${BASE}/unsubscribe?token=${forged}`);
    await main(nl).getByRole('button', { name: 'Mij uitschrijven' }).click();
    await expectText(main(nl), /Deze uitschrijflink is niet geldig/);
    await axe(nl, 'unsubscribe-invalid-nl');
    const prefs = (await apiJson('GET', '/users/me/notifications', undefined, eToken)).json;
    assert.equal(prefs.kinds.announcement.email, 'immediate');
  });
});
