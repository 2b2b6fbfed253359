// Browser test of trust in the SEL's screens (issue #11, items 1-6): a new member
// sees the welcome units in the history from the first day; a declined request
// reads as a request, never as a payment; a refused payment says the most it
// could be, in the member's terms and once; accepting a request asks first and
// then says it is done; one minus sign and one format for amounts; the
// statement names itself, has hours, and dates a request and its payment.
// Sophie pays in the browser (390×844); Youssef and Lina act through the API.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  BASE, DESKTOP, MOBILE, PRIVACY_VERSION, TIMEOUT, apiJson, axe, expectText, finish, main, newParent, register, signInAs, stamp, step,
} from './lib.mjs';

const MINUS = '\u2212';
const SOPHIE = { first: 'Sophie', last: 'Dubois-Noël', email: `sophie.${stamp}@example.be`, password: 'sophie pays in hours 1' };
const YOUSSEF = { first: 'Youssef', last: 'El Amrani', email: `youssef.${stamp}@example.be`, password: 'youssef asks politely 2' };
const LINA = { first: 'Lina', last: 'Peeters', email: `lina.${stamp}@example.be`, password: 'lina fills the jar 3' };

async function apiMember(person) {
  const r = await apiJson('POST', '/auth/register', {
    email: person.email, password: person.password, first_name: person.first, last_name: person.last,
    privacy_version: PRIVACY_VERSION,
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return { token: r.json.access_token, id: r.json.user.id };
}
async function apiOk(method, path, body, token, status = 201) {
  const r = await apiJson(method, path, body, token);
  assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.json)}`);
  return r.json;
}
const items = (page) => page.getByTestId('history').locator('li.tx');

await finish(async () => {
  const s = await newParent('Sophie', MOBILE);
  const ps = s.page;
  let sophie;
  let youssef;
  let lina;

  await step('a new member sees the welcome units as the first line of the history', async () => {
    await register(ps, SOPHIE);
    sophie = await apiJson('POST', '/auth/login', { email: SOPHIE.email, password: SOPHIE.password });
    assert.equal(sophie.status, 200);
    sophie = { token: sophie.json.access_token, id: sophie.json.user?.id };
    if (!sophie.id) sophie.id = (await apiOk('GET', '/users/me', undefined, sophie.token, 200)).id;
    await ps.goto(`${BASE}/sel/history`);
    await expectText(ps.getByTestId('history'), /Unités de bienvenue de l'école[\s\S]*\+120/);
    assert.equal(await main(ps).getByText("Pas encore d'échange").count(), 0);
    await ps.goto(`${BASE}/`);
    await expectText(main(ps), /Unités de bienvenue de l'école/);
    await axe(ps, 'ledgerui history of a new member');
  });

  await step('a declined request reads as a request, without a signed amount', async () => {
    youssef = await apiMember(YOUSSEF);
    lina = await apiMember(LINA);
    // Sophie pays Youssef 75; Youssef asks 75 for the same ride; Sophie declines.
    await apiOk('POST', '/sel/transactions', { to_user_id: youssef.id, units: 75, description: 'Covoiturage piscine' }, sophie.token);
    const asked = await apiOk('POST', '/sel/transactions', { from_user_id: sophie.id, units: 75, description: 'Covoiturage piscine' }, youssef.token);
    await apiOk('POST', `/sel/transactions/${asked.id}/decline`, undefined, sophie.token, 200);
    await ps.goto(`${BASE}/sel/history`);
    await expectText(ps.getByTestId('history'), /Demande de Youssef El Amrani — refusée/);
    const declined = items(ps).filter({ hasText: 'Demande de Youssef El Amrani — refusée' });
    const paid = items(ps).filter({ hasText: 'Payé à Youssef El Amrani' });
    assert.equal(await paid.count(), 1, 'one payment to Youssef, not two');
    const declinedText = await declined.innerText();
    assert.ok(!declinedText.includes(`${MINUS}75`) && !declinedText.includes('-75') && !declinedText.includes('+75'), declinedText);
    assert.match(await paid.innerText(), new RegExp(`${MINUS}75`));
    await ps.goto(`${BASE}/`);
    await expectText(main(ps), /Demande de Youssef El Amrani — refusée/);
    const onHome = await main(ps).locator('li.tx', { hasText: 'refusée' }).innerText();
    assert.ok(!onHome.includes('Payé à') && !onHome.includes(`${MINUS}75`), onHome);
    await axe(ps, 'ledgerui home with a declined request');
  });

  await step('one minus sign and one format: "−30 unités (−30 min)"', async () => {
    await apiOk('POST', '/sel/transactions', { to_user_id: youssef.id, units: 75, description: 'Atelier vélo' }, sophie.token);
    await ps.goto(`${BASE}/`);
    const balance = await expectText(ps.getByTestId('balance'), /30/);
    assert.match(balance.replace(/\s+/g, ' '), new RegExp(`^${MINUS}30 unités \\(${MINUS}30 min\\)$`));
    assert.ok(!balance.includes('-'), `ASCII minus in "${balance}"`);
    const range = await main(ps).locator('.balance-card').innerText();
    assert.ok(!/-\d/.test(range), `ASCII minus in "${range}"`);
  });

  await step('a payment past my minimum says the most I can pay, once, and sets it', async () => {
    await ps.goto(`${BASE}/sel/pay`);
    const m = main(ps);
    await m.getByLabel('Qui payez-vous ?').fill('Youss');
    await m.getByRole('button', { name: 'Youssef El Amrani' }).click();
    // −30 now, −300 at most: 4 h 30 min is the most; 4 h 31 min is refused.
    await m.getByLabel('Heures').fill('4');
    await m.getByLabel('Minutes').fill('31');
    await m.getByRole('button', { name: 'Payer maintenant' }).click();
    const sentence = `Vous pouvez payer au plus 4 h 30 min (votre solde ne peut pas descendre sous ${MINUS}5 h).`;
    await expectText(m, new RegExp(sentence.replace(/[()]/g, '\\$&')));
    const text = await m.innerText();
    assert.equal(text.split('Vous pouvez payer au plus').length - 1, 1, text);
    assert.ok(!/payeur|1 unités/.test(text), text);
    assert.equal(await m.getByLabel('Heures').inputValue(), '4');
    assert.equal(await m.getByLabel('Minutes').inputValue(), '30');
    await axe(ps, 'ledgerui payer limit');
  });

  await step('over the 15 h cap the hint is printed once', async () => {
    const m = main(ps);
    await m.getByLabel('Heures').fill('16');
    await m.getByLabel('Minutes').fill('0');
    await m.getByRole('button', { name: 'Payer maintenant' }).click();
    await expectText(m.locator('fieldset .field__error'), /Entre 1 minute et 15 heures/);
    const text = await m.innerText();
    assert.equal(text.split('Entre 1 minute et 15 heures').length - 1, 1, text);
  });

  await step("a payment past the payee's maximum names them and their ceiling", async () => {
    // Youssef: 120 + 150 = 270; Lina brings him to 570: he can receive 30 more.
    await apiOk('POST', '/sel/transactions', { to_user_id: youssef.id, units: 300 }, lina.token);
    const m = main(ps);
    await m.getByLabel('Heures').fill('1');
    await m.getByLabel('Minutes').fill('0');
    await m.getByRole('button', { name: 'Payer maintenant' }).click();
    await expectText(m, /Youssef El Amrani peut recevoir au plus 30 min \(son solde ne peut pas dépasser 10 h\)/);
    assert.equal(await m.getByLabel('Heures').inputValue(), '0');
    assert.equal(await m.getByLabel('Minutes').inputValue(), '30');
    await axe(ps, 'ledgerui payee limit');
  });

  await step('the limit sentence in Dutch and English too', async () => {
    const m = main(ps);
    for (const [lang, pattern] of [
      ['nl', new RegExp(`U kunt hoogstens 4 u 30 min betalen \\(uw saldo mag niet onder ${MINUS}5 u zakken\\)`)],
      ['en', new RegExp(`You can pay at most 4 h 30 min \\(your balance may not go below ${MINUS}5 h\\)`)],
    ]) {
      // The reload below reads the member's saved language: wait until the switch is saved.
      await Promise.all([
        ps.waitForResponse((r) => r.url().endsWith('/api/v1/users/me') && r.request().method() === 'PATCH'),
        ps.locator('header').getByRole('combobox').selectOption(lang),
      ]);
      await ps.goto(`${BASE}/sel/pay`);
      // Lina (at −180) could receive much more: Sophie's own floor binds.
      await m.locator('input:not([type="number"])').first().fill('Lina');
      await m.getByRole('button', { name: 'Lina Peeters' }).click();
      const [hours, minutes] = await m.locator('input[type="number"]').all();
      await hours.fill('4');
      await minutes.fill('31');
      await m.locator('button[type="submit"]').click();
      await expectText(m, pattern);
      await axe(ps, `ledgerui payer limit ${lang}`);
    }
    await ps.locator('header').getByRole('combobox').selectOption('fr');
  });

  await step('accepting a request asks first (amount, balance before and after), then says it is done', async () => {
    const asked = await apiOk('POST', '/sel/transactions', { from_user_id: sophie.id, units: 15, description: 'Pain du vendredi' }, lina.token);
    await ps.goto(`${BASE}/sel/requests`);
    const m = main(ps);
    await expectText(m, /Pain du vendredi/);
    await m.getByRole('button', { name: /Accepter et payer/ }).first().click();
    const dialog = ps.getByRole('dialog');
    await dialog.waitFor();
    await expectText(dialog, new RegExp(
      `Vous payez 15 unités \\(15 min\\) à Lina Peeters\\. Votre solde passera de ${MINUS}30 unités \\(${MINUS}30 min\\) à ${MINUS}45 unités \\(${MINUS}45 min\\)`,
    ));
    await axe(ps, 'ledgerui accept confirmation');
    // Nothing is paid before the confirmation.
    const still = await apiOk('GET', `/sel/transactions/${asked.id}`, undefined, sophie.token, 200);
    assert.equal(still.status, 'pending');
    await dialog.getByRole('button', { name: 'Payer 15 min' }).click();
    await expectText(m, new RegExp(`Paiement effectué : vous avez payé 15 unités \\(15 min\\) à Lina Peeters\\. Votre solde : ${MINUS}45 unités`));
    await dialog.waitFor({ state: 'hidden', timeout: TIMEOUT });
    const done = await apiOk('GET', `/sel/transactions/${asked.id}`, undefined, sophie.token, 200);
    assert.equal(done.status, 'completed');
    await axe(ps, 'ledgerui request accepted');
  });

  await step('on a desktop home too: accepting asks first, and cancelling pays nothing', async () => {
    const asked = await apiOk('POST', '/sel/transactions', { from_user_id: sophie.id, units: 5, description: 'Timbres' }, youssef.token);
    const d = await newParent('Sophie desktop', DESKTOP);
    await d.page.goto(`${BASE}/signin`);
    await signInAs(d.page, SOPHIE);
    const waiting = main(d.page).locator('section', { hasText: 'En attente de votre réponse' });
    await expectText(waiting, /Youssef El Amrani vous demande un paiement[\s\S]*Timbres/);
    await waiting.getByRole('button', { name: /Accepter et payer/ }).click();
    const dialog = d.page.getByRole('dialog');
    await expectText(dialog, new RegExp(`Vous payez 5 unités \\(5 min\\) à Youssef El Amrani\\. Votre solde passera de ${MINUS}45 unités`));
    await axe(d.page, 'ledgerui accept confirmation on the desktop home');
    await d.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: TIMEOUT });
    const still = await apiOk('GET', `/sel/transactions/${asked.id}`, undefined, sophie.token, 200);
    assert.equal(still.status, 'pending');
    await expectText(d.page.getByTestId('balance'), new RegExp(`${MINUS}45`));
    await apiOk('POST', `/sel/transactions/${asked.id}/decline`, undefined, sophie.token, 200);
    await d.context.close();
  });

  await step('a request paid days later shows both dates in the history', async () => {
    const asked = await apiOk('POST', '/sel/transactions', { from_user_id: sophie.id, units: 10, description: 'Soupe' }, lina.token);
    await apiOk('POST', `/sel/transactions/${asked.id}/accept`, undefined, sophie.token, 200);
    // The request was made three days before it was paid (the answer shifted in the page).
    const listing = (url) => url.pathname === '/api/v1/sel/transactions';
    await ps.route(listing, async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      for (const tx of body.items || []) {
        if (tx.id === asked.id) tx.created_at = new Date(Date.parse(tx.completed_at) - 3 * 86400000).toISOString();
      }
      await route.fulfill({ response, json: body });
    });
    await ps.goto(`${BASE}/sel/history`);
    const item = items(ps).filter({ hasText: 'Soupe' });
    await expectText(item, /Demandé le .+ · payé le .+/);
    await ps.unroute(listing);
    await axe(ps, 'ledgerui history with two dates');
  });

  await step('the statement: named for the member and the period, hours, no raw id column', async () => {
    await ps.goto(`${BASE}/sel/history`);
    const [download] = await Promise.all([
      ps.waitForEvent('download'),
      main(ps).getByRole('button', { name: 'Télécharger le relevé' }).click(),
    ]);
    // The statement is named for Brussels days: between 23:00 and 00:00 UTC (22:00 in summer)
    // the UTC date is still yesterday's there.
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels' }).format(new Date());
    assert.equal(download.suggestedFilename(), `releve-sel-sophie-dubois-noel-${today}-${today}.csv`);
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.slice(1).trim().split('\r\n');
    assert.equal(lines[0], 'date;demandé le;type;membre;description;unités;heures;solde;référence');
    assert.match(lines[1], /^\d{4}-\d\d-\d\d;;"ouverture";"SEL";"";120;2,00;120;"[0-9a-f-]{36}"$/);
    assert.match(csv, /"Youssef El Amrani";"Covoiturage piscine";-75;-1,25;45;/);
    assert.ok(!csv.includes('refus'), 'a declined request is not in the statement');
  });
});
