// The events screens in the browser (issue #14): an admin creates an event with three places
// and a parent's proposal is published by the admin; a parent signs up two adults with the
// steppers, a second family of two does not fit and waits (position 1), the first withdraws
// and the second is promoted; the organiser sees the registrations and downloads them as CSV;
// the organiser adds a volunteer shift, a parent volunteers and withdraws, volunteers again and
// the organiser confirms her attendance (her SEL balance grows by the reward; a reward past
// her maximum balance confirms nobody and says why); the calendar feed
// address is shown once, copied, as a QR code, serves the event and stops when revoked. Times are shown in Brussels while the
// browsers run in UTC. axe-checked on every new screen, in French and once in Dutch.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import decodeQR from '@paulmillr/qr/decode.js';
import {
  BASE, DESKTOP, MOBILE, apiJson, axe, expectText, finish, heading, main, newParent, promote,
  registerByApi, signInAs, stamp, step, tokenOf,
} from './lib.mjs';

const ADMIN = { first: 'Nadia', last: 'Direction', email: `nadia.admin.${stamp}@example.be`, password: 'direction agenda pass 1' };
const P1 = { first: 'Amina', last: 'Benali', email: `amina.events.${stamp}@example.be`, password: 'maman agenda pass 2' };
const P2 = { first: 'Bruno', last: 'Claes', email: `bruno.events.${stamp}@example.be`, password: 'papa agenda pass 3' };
const PARTY = `Fête de l'hiver ${stamp}`;
const MARKET = `Marché de Noël ${stamp}`;

// The event's day: two days from now in Brussels, as the form wants it ("YYYY-MM-DD").
const brusselsDay = (ms) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels', year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
const DAY = brusselsDay(Date.now() + 2 * 86400000);
const TODAY = brusselsDay(Date.now());
// Which month of the agenda shows it: this one or the next.
const MONTH_OFFSET = DAY.slice(0, 7) === TODAY.slice(0, 7) ? 0 : 1;

/**
 * The text of a QR code drawn as one SVG path of "M x y h1v1h-1z" squares on a size × size grid.
 * The decoder (@paulmillr/qr) fails on about 1 random code in 100 read upright (measured on
 * 600 feed addresses: 8 failed, every one of them read when turned), and the feed token is
 * random: so, as a phone would, it is read again turned by 90°, 180° and 270° before failing.
 */
function decodeQrPath(size, d) {
  const scale = 4;
  const width = size * scale;
  const squares = [...d.matchAll(/M(\d+) (\d+)h1v1h-1z/g)].map(([, x, y]) => [Number(x), Number(y)]);
  let lastError;
  for (let turns = 0; turns < 4; turns++) {
    const data = new Uint8Array(width * width * 4).fill(255);
    for (let [x, y] of squares) {
      for (let t = 0; t < turns; t++) [x, y] = [size - 1 - y, x];
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const i = ((y * scale + dy) * width + x * scale + dx) * 4;
          data[i] = data[i + 1] = data[i + 2] = 0;
        }
      }
    }
    try {
      return decodeQR({ width, height: width, data });
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

// Signs in, then loads the app afresh: the sign-in page's document never reaches "network
// idle" in these runs, and axe() waits for it (10 s per screen, measured) until a new load.
async function signIn(page, person) {
  await page.goto(`${BASE}/signin`);
  await signInAs(page, person);
  await page.waitForURL(`${BASE}/`);
  await page.goto(`${BASE}/`);
}

await finish(async () => {
  let partyId = '';

  await step('set-up: an admin and two parents (through the API)', async () => {
    for (const person of [ADMIN, P1, P2]) assert.equal((await registerByApi(person)).status, 201);
    promote(ADMIN.email, 'admin');
    const config = await apiJson('GET', '/config');
    assert.ok(config.json.modules.includes('events'), 'the events module is on');
  });

  const { page: ap } = await newParent('ADMIN', DESKTOP);

  await step('the admin reaches the agenda from the navigation and creates an event (18:00 in Brussels, 3 places)', async () => {
    await signIn(ap, ADMIN);
    await ap.getByRole('link', { name: 'Agenda', exact: true }).click();
    await ap.waitForURL(/\/events$/);
    await expectText(heading(ap), /^Agenda$/);
    await axe(ap, 'events-agenda-admin');
    await main(ap).getByRole('link', { name: 'Nouvel événement' }).click();
    await expectText(heading(ap), /^Nouvel événement$/);
    const form = main(ap).locator('form');
    await form.getByRole('button', { name: 'Publier' }).click();
    await expectText(form, /Ce champ est obligatoire/);
    await expectText(form, /Choisissez toute l'école ou au moins une classe/);
    await axe(ap, 'events-new-errors');
    await form.getByLabel('Titre').fill(PARTY);
    await form.getByLabel('Lieu').fill('Préau');
    await form.getByRole('group', { name: 'Début' }).getByLabel('Jour').fill(DAY);
    await form.getByRole('group', { name: 'Début' }).getByLabel('Heure').fill('18:00');
    await form.getByRole('group', { name: 'Fin' }).getByLabel('Jour').fill(DAY);
    await form.getByRole('group', { name: 'Fin' }).getByLabel('Heure').fill('20:00');
    await form.getByLabel("Toute l'école").check();
    await form.getByText('Inscriptions des familles').click();
    await form.getByLabel('Nombre de places (adultes et enfants)').fill('3');
    await form.getByRole('button', { name: 'Publier' }).click();
    await ap.waitForURL(/\/events\/[0-9a-f-]{36}$/);
    partyId = ap.url().split('/').pop();
    await expectText(heading(ap), new RegExp(PARTY));
    // Brussels time on a browser in UTC: the API holds 17:00Z (winter) or 16:00Z (summer).
    await expectText(main(ap).getByTestId('event-when'), /18:00 – 20:00/);
    await expectText(main(ap).getByTestId('event-seats'), /0 places prises sur 3/);
    const api = await apiJson('GET', `/events/${partyId}`, undefined, await tokenOf(ADMIN));
    assert.equal(api.json.status, 'published');
    assert.equal(api.json.capacity, 3);
    assert.equal(api.json.signup, 'family');
    assert.equal(new Intl.DateTimeFormat('fr-BE', { timeZone: 'Europe/Brussels', hour: '2-digit', minute: '2-digit' })
      .format(Date.parse(api.json.starts_at)), '18:00');
    await axe(ap, 'event-page-organiser');
  });

  const { page: p1 } = await newParent('P1', MOBILE);

  await step("a parent proposes an event; the admin publishes it from the agenda's proposals", async () => {
    await signIn(p1, P1);
    await p1.goto(`${BASE}/events`);
    await main(p1).getByRole('link', { name: 'Proposer un événement' }).click();
    await expectText(heading(p1), /^Proposer un événement$/);
    const form = main(p1).locator('form');
    await form.getByLabel('Titre').fill(MARKET);
    await form.getByText('Toute la journée').first().click();
    await form.getByRole('group', { name: 'Début' }).getByLabel('Jour').fill(DAY);
    await form.getByRole('group', { name: 'Dernier jour' }).getByLabel('Jour').fill(DAY);
    await form.getByLabel("Toute l'école").check();
    await axe(p1, 'events-propose');
    await form.getByRole('button', { name: 'Envoyer la proposition' }).click();
    await p1.waitForURL(/\/events\/[0-9a-f-]{36}$/);
    await expectText(main(p1), /la direction doit encore la publier/);
    await expectText(main(p1).getByTestId('event-when'), /\(toute la journée\)/);
    await axe(p1, 'event-page-proposed');

    await ap.goto(`${BASE}/events`);
    const proposals = main(ap).getByTestId('proposals');
    await expectText(proposals, new RegExp(MARKET));
    await axe(ap, 'events-agenda-proposals');
    await proposals.getByRole('button', { name: new RegExp(`Publier — ${MARKET}`) }).click();
    await expectText(proposals, new RegExp(`« ${MARKET} » est publié`));
    await p1.goto(`${BASE}/events?view=month&offset=${MONTH_OFFSET}`);
    const item = main(p1).getByTestId('event-item').filter({ hasText: MARKET });
    await expectText(item, /Toute la journée/);
    assert.equal(await item.getByText('Proposé').count(), 0);
  });

  await step('the first parent finds the event in the month and signs up two adults with the steppers', async () => {
    await p1.goto(`${BASE}/events`);
    await main(p1).getByRole('button', { name: 'Ce mois-ci' }).click();
    if (MONTH_OFFSET) await main(p1).getByRole('button', { name: /Mois suivant/ }).click();
    await p1.waitForURL(/view=month/);
    const item = main(p1).getByTestId('event-item').filter({ hasText: PARTY });
    await expectText(item, /18:00 – 20:00/);
    await axe(p1, 'events-agenda-month');
    await main(p1).getByRole('button', { name: 'Par classe' }).click();
    await p1.waitForURL(/view=class&class=M1/);
    await expectText(main(p1).getByTestId('agenda-period'), /^M1 — .+ : à partir d'aujourd'hui$/);
    assert.equal(await main(p1).getByLabel('Classe').inputValue(), 'M1');
    await axe(p1, 'events-agenda-class');
    await main(p1).getByRole('button', { name: 'Ce mois-ci' }).click();
    if (MONTH_OFFSET) await main(p1).getByRole('button', { name: /Mois suivant/ }).click();
    await item.getByRole('link', { name: PARTY }).click();
    await expectText(heading(p1), new RegExp(PARTY));
    const signup = main(p1).getByTestId('signup');
    assert.equal(await signup.getByLabel('Adultes').inputValue(), '1');
    assert.equal(await signup.getByRole('button', { name: 'Un adulte de moins' }).isDisabled(), false);
    await signup.getByRole('button', { name: 'Un adulte de plus' }).click();
    assert.equal(await signup.getByLabel('Adultes').inputValue(), '2');
    assert.equal(await signup.getByRole('button', { name: 'Un enfant de moins' }).isDisabled(), true);
    await axe(p1, 'event-signup');
    await signup.getByRole('button', { name: "S'inscrire" }).click();
    await expectText(signup, /C'est noté : vous êtes inscrit/);
    await expectText(signup.getByTestId('my-registration'), /Vous êtes inscrit \(adultes : 2, enfants : 0\)/);
    await expectText(main(p1).getByTestId('event-seats'), /2 places prises sur 3/);
    await axe(p1, 'event-registered');
  });

  const { page: p2 } = await newParent('P2', MOBILE);

  await step('a second family of two does not fit the last place: it waits, position 1', async () => {
    await signIn(p2, P2);
    await p2.goto(`${BASE}/events/${partyId}`);
    const signup = main(p2).getByTestId('signup');
    await signup.getByRole('button', { name: 'Un enfant de plus' }).click();
    await expectText(signup.getByTestId('signup-hint'), /Places libres : 1\. Votre inscription ira sur la liste d'attente/);
    await signup.getByRole('button', { name: "S'inscrire" }).click();
    await expectText(signup, /L'événement est complet : vous êtes sur la liste d'attente, en position 1/);
    await expectText(signup.getByTestId('my-registration'), /liste d'attente, en position 1 \(adultes : 1, enfants : 1\)/);
    await expectText(main(p2).getByTestId('event-seats'), /2 places prises sur 3 · 1 en liste d'attente/);
    await axe(p2, 'event-waiting');
    await p2.goto(`${BASE}/events`);
    await main(p2).getByRole('link', { name: 'Mes inscriptions' }).click();
    await expectText(heading(p2), /^Mes inscriptions$/);
    const waiting = main(p2).getByTestId('mine-waiting');
    await expectText(waiting, new RegExp(`${PARTY}[\\s\\S]*Liste d'attente : n° 1`));
    await expectText(waiting, /Adultes : 1, enfants : 1/);
    await axe(p2, 'events-mine');
  });

  await step('the first parent withdraws; the waiting family is promoted', async () => {
    await p1.reload();
    const signup = main(p1).getByTestId('signup');
    await signup.getByRole('button', { name: 'Me désinscrire' }).click();
    const dialog = p1.getByRole('dialog');
    await expectText(dialog, /vos places rendues aux familles en attente/);
    await axe(p1, 'event-withdraw-dialog');
    await dialog.getByRole('button', { name: 'Me désinscrire' }).click();
    await expectText(signup, /Vous êtes désinscrit/);
    await signup.getByRole('button', { name: "S'inscrire" }).waitFor();
    await p2.goto(`${BASE}/events/${partyId}`);
    await expectText(main(p2).getByTestId('my-registration'), /Vous êtes inscrit \(adultes : 1, enfants : 1\)/);
    await expectText(main(p2).getByTestId('event-seats'), /^2 places prises sur 3$/);
    await p2.goto(`${BASE}/events/mine`);
    await expectText(main(p2).getByTestId('mine-confirmed'), new RegExp(PARTY));
    assert.equal(await main(p2).getByTestId('mine-waiting').count(), 0);
  });

  await step('the organiser sees the registrations and downloads them as CSV', async () => {
    await ap.goto(`${BASE}/events/${partyId}`);
    const organiser = main(ap).getByTestId('organiser');
    await expectText(organiser.getByTestId('registration-totals'), /2 places prises, 0 inscriptions en attente/);
    const row = organiser.getByRole('row', { name: /Bruno Claes/ });
    await expectText(row, /Bruno Claes\s+1\s+1\s+Inscrit/);
    assert.equal(await organiser.getByRole('row', { name: /Amina Benali/ }).count(), 0);
    await axe(ap, 'event-registrations');
    const [download] = await Promise.all([
      ap.waitForEvent('download'),
      organiser.getByRole('button', { name: 'Télécharger la liste (CSV)' }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.match(csv, /Bruno/);
    assert.match(download.suggestedFilename(), /\.csv$/);
  });

  await step('volunteer shifts: the organiser adds one, a parent volunteers, then withdraws', async () => {
    await ap.goto(`${BASE}/events/${partyId}`);
    const shifts = main(ap).getByTestId('shifts');
    await expectText(shifts, /Aucun créneau de bénévoles/);
    const form = shifts.locator('form');
    await form.getByLabel('Tâche').fill('Bar à crêpes');
    await form.getByLabel('De', { exact: true }).fill('18:00');
    await form.getByLabel('À', { exact: true }).fill('19:00');
    await form.getByLabel('Nombre de bénévoles').fill('2');
    await form.getByLabel('Récompense (unités SEL)').fill('60');
    await form.getByRole('button', { name: 'Ajouter le créneau' }).click();
    await expectText(form, /Créneau ajouté/);
    const shift = shifts.getByTestId('shift').filter({ hasText: 'Bar à crêpes' });
    await expectText(shift, /18:00 – 19:00[\s\S]*0 bénévoles sur 2 · récompense : 60 unités \(1 h\)/);
    await axe(ap, 'event-shifts-organiser');

    await p1.goto(`${BASE}/events/${partyId}`);
    const mine = main(p1).getByTestId('shift').filter({ hasText: 'Bar à crêpes' });
    await mine.getByRole('button', { name: /Je viens aider/ }).click();
    await expectText(mine, /Merci ! Vous êtes inscrit comme bénévole/);
    await expectText(mine, /1 bénévoles sur 2/);
    await axe(p1, 'event-shifts-volunteer');
    const listed = await apiJson('GET', `/events/${partyId}/shifts`, undefined, await tokenOf(P1));
    assert.equal(listed.json.items[0].volunteered, true);
    await mine.getByRole('button', { name: /Je me retire/ }).click();
    await expectText(mine, /Vous vous êtes retiré de ce créneau/);
    await expectText(mine, /0 bénévoles sur 2/);
  });

  await step("the organiser confirms a volunteer's attendance: the volunteer's SEL balance grows by the reward", async () => {
    const token = await tokenOf(P1);
    const before = (await apiJson('GET', '/sel/balance', undefined, token)).json.balance;
    await p1.goto(`${BASE}/events/${partyId}`);
    const mine = main(p1).getByTestId('shift').filter({ hasText: 'Bar à crêpes' });
    await mine.getByRole('button', { name: /Je viens aider/ }).click();
    await expectText(mine, /Merci ! Vous êtes inscrit comme bénévole/);

    await ap.goto(`${BASE}/events/${partyId}`);
    const shift = main(ap).getByTestId('shift').filter({ hasText: 'Bar à crêpes' });
    const list = shift.getByTestId('shift-volunteers');
    await expectText(list, /Bénévoles pour « Bar à crêpes »[\s\S]*Amina Benali/);
    await axe(ap, 'event-shift-volunteers');
    const confirm = list.getByRole('button', { name: /Confirmer la présence/ });
    assert.equal(await confirm.isDisabled(), true, 'nothing ticked: nothing to confirm');
    await list.getByRole('checkbox', { name: 'Amina Benali' }).check();
    await confirm.click();
    await expectText(list, /Présence confirmée : Amina Benali\. Chacun a reçu 60 unités \(1 h\)/);
    await expectText(list.getByTestId('shift-volunteer'), /Amina Benali — présence confirmée, récompense versée/);
    assert.equal(await list.getByRole('checkbox').count(), 0);
    await axe(ap, 'event-shift-attendance-confirmed');
    const after = (await apiJson('GET', '/sel/balance', undefined, token)).json.balance;
    assert.equal(after, before + 60);
    await p1.reload();
    await expectText(main(p1).getByTestId('shift').filter({ hasText: 'Bar à crêpes' }), /Votre présence est confirmée/);
  });

  await step('a reward past the volunteer\'s maximum balance: nobody is confirmed, and the organiser is told why', async () => {
    const admin = await tokenOf(ADMIN);
    const big = await apiJson('POST', `/events/${partyId}/shifts`, {
      title: 'Rangement', starts_at: `${DAY}T17:00:00Z`, ends_at: `${DAY}T18:00:00Z`, slots: 1, reward_units: 600,
    }, admin);
    assert.equal(big.status, 201, JSON.stringify(big.json));
    const joined = await apiJson('POST', `/events/${partyId}/shifts/${big.json.id}/volunteers`, undefined, await tokenOf(P1));
    assert.equal(joined.status, 201, JSON.stringify(joined.json));
    await ap.reload();
    const list = main(ap).getByTestId('shift').filter({ hasText: 'Rangement' }).getByTestId('shift-volunteers');
    await list.getByRole('checkbox', { name: 'Amina Benali' }).check();
    await list.getByRole('button', { name: /Confirmer la présence/ }).click();
    await expectText(list, /Personne n'a été confirmé : la récompense ferait dépasser/);
    assert.equal(await list.getByRole('checkbox', { name: 'Amina Benali' }).isChecked(), true);
    await axe(ap, 'event-shift-payee-limit');
  });

  await step('"in my calendar": the feed address shown once, copied, serving the event; revoked, it stops', async () => {
    const { context, page: fp } = await newParent('P2-feed', DESKTOP);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
    await signIn(fp, P2);
    await fp.goto(`${BASE}/events`);
    await main(fp).getByRole('link', { name: 'Dans mon calendrier' }).click();
    await expectText(heading(fp), /^Dans mon calendrier$/);
    await axe(fp, 'events-feed');
    await main(fp).getByRole('button', { name: "Créer mon adresse d'abonnement" }).click();
    const address = main(fp).getByRole('textbox', { name: "Adresse d'abonnement" });
    await address.waitFor();
    const url = await address.inputValue();
    assert.match(url, /\/ical\/[A-Za-z0-9_-]{43}\.ics$/);
    await main(fp).getByRole('button', { name: "Copier l'adresse" }).click();
    await expectText(main(fp), /Adresse copiée/);
    assert.equal(await fp.evaluate(() => navigator.clipboard.readText()), url);
    // The QR code says the same address: its SVG squares read back into pixels and decoded.
    const qr = main(fp).getByRole('img', { name: "Code QR de votre adresse d'abonnement" });
    const [viewBox, d] = await Promise.all([qr.getAttribute('viewBox'), qr.locator('path').getAttribute('d')]);
    assert.equal(decodeQrPath(Number(viewBox.split(' ')[2]), d), url);
    await axe(fp, 'events-feed-address');
    // The feed as a calendar application reads it (at this server: the public URL may name another host).
    const feedPath = new URL(url).pathname;
    const feed = await fetch(`${BASE}${feedPath}`);
    assert.equal(feed.status, 200);
    assert.match(await feed.text(), new RegExp(`SUMMARY:${PARTY}`));
    await main(fp).getByRole('button', { name: 'Révoquer mon adresse' }).click();
    await fp.getByRole('dialog').getByRole('button', { name: 'Révoquer mon adresse' }).click();
    await expectText(main(fp), /Adresse révoquée/);
    assert.equal((await fetch(`${BASE}${feedPath}`)).status, 404);
  });

  await step('a Dutch parent reads the event in Dutch (Brussels time); an unknown event reads "not addressed to you"', async () => {
    const { context, page: nl } = await newParent('P2-nl', MOBILE);
    await context.addInitScript(() => localStorage.setItem('schoolhub.locale', 'nl'));
    await nl.goto(`${BASE}/signin`);
    await main(nl).getByLabel('E-mailadres').fill(P2.email);
    await main(nl).getByLabel('Wachtwoord').fill(P2.password);
    await main(nl).getByRole('button', { name: 'Aanmelden' }).click();
    await nl.waitForURL(`${BASE}/`);
    await nl.goto(`${BASE}/events/${partyId}`);
    await expectText(main(nl).getByTestId('my-registration'), /U bent ingeschreven \(volwassenen: 1, kinderen: 1\)/);
    await expectText(main(nl).getByTestId('event-when'), /18:00 – 20:00/);
    await axe(nl, 'event-page-nl');
    await nl.goto(`${BASE}/events/00000000-0000-4000-8000-000000000000`);
    await expectText(main(nl), /Deze activiteit bestaat niet of is niet voor u bestemd/);
  });
});
