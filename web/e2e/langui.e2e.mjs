// Languages, labels on phones, the privacy notice, small account frictions and the staff's
// home (issue #11 items 7, 8, 11, 12, 13), against the real server (tests/e2e/run.sh).
// Each step failed on the app before these changes.
import assert from 'node:assert/strict';
import {
  BASE, MOBILE, PRIVACY_VERSION, TIMEOUT, apiJson, axe, browser, settle, expectText, finish, heading, main, problems,
  promote, registerByApi, stamp, step, verifyEmailByApi,
} from './lib.mjs';

const PHONE = { width: 360, height: 740 };
const P = { first: 'Paula', last: 'Dupont', email: `paula.${stamp}@example.be`, password: 'langue et vie privée 1' };
const Q = { first: 'Quentin', last: 'Dupont', email: `quentin.${stamp}@example.be`, password: 'co-parent connu 22' };
const M = { first: 'Mira', last: 'Janssens', email: `mira.${stamp}@example.be`, password: 'my saved language 3' };
const T = { first: 'Thérèse', last: 'Lambert', email: `therese.${stamp}@example.be`, password: 'enseignante p3 44' };
const D = { first: 'Didier', last: 'Claes', email: `didier.${stamp}@example.be`, password: 'direction ecole 55' };

/** A browser context whose navigator.languages is "languages" (first = most preferred). */
async function visitor(who, { languages = ['fr-BE'], viewport = MOBILE } = {}) {
  const context = await browser.newContext({ viewport, locale: languages[0], acceptDownloads: true });
  await context.addInitScript((langs) => {
    Object.defineProperty(Navigator.prototype, 'languages', { get: () => langs, configurable: true });
    Object.defineProperty(Navigator.prototype, 'language', { get: () => langs[0], configurable: true });
  }, languages);
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('pageerror', (e) => problems.push(`[${who}] page error: ${e.message} @ ${page.url()}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`[${who}] console error: ${m.text()} @ ${page.url()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 500) problems.push(`[${who}] HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return { context, page };
}

/** Signs in whatever the UI language (fields found by their autocomplete, not their words). */
async function signIn(page, person) {
  if (!/\/signin/.test(page.url())) await page.goto(`${BASE}/signin`);
  await main(page).locator('input[autocomplete="username"]').fill(person.email);
  await main(page).locator('input[autocomplete="current-password"]').fill(person.password);
  await main(page).locator('button[type="submit"]').click();
}

async function signOut(page) {
  await page.locator('.topbar__tools > button').click(); // the sign-out button (the bell is a button too)
  await page.waitForURL(/\/signin/);
}

async function tokenOf(person) {
  const r = await apiJson('POST', '/auth/login', { email: person.email, password: person.password });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.access_token;
}

const lang = (page) => page.evaluate(() => document.documentElement.lang);

/**
 * Every visible label on the screen that is cut: text wider than its own box, an ellipsis
 * doing the cutting, a label outside the box of a scrolling or clipping ancestor (the old
 * nav and SEL tabs hid "Mijn profi…" and "H…" that way), off the screen, or a page that
 * scrolls sideways.
 */
async function cutLabels(page) {
  await settle(page);
  return page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const bad = [];
    const selector = 'nav a, .tabs a, button, a.btn, .quick-action, label, h1, h2, .badge, .lang';
    for (const el of document.querySelectorAll(selector)) {
      if (el.closest('.visually-hidden, dialog:not([open]), .skip-link')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const text = (el.innerText || '').replace(/\s+/g, ' ').trim().slice(0, 40);
      if (!text && !el.classList.contains('lang')) continue;
      const cs = getComputedStyle(el);
      const name = `${el.tagName.toLowerCase()} "${text}"`;
      if (cs.display !== 'inline' && el.scrollWidth > el.clientWidth + 1) bad.push(`${name}: text wider than its box`);
      if (cs.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth) bad.push(`${name}: ellipsis`);
      if (r.left < -1 || r.right > vw + 1) bad.push(`${name}: off screen (${Math.round(r.left)}..${Math.round(r.right)} of ${vw})`);
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const ps = getComputedStyle(p);
        if (ps.overflowX === 'visible' && ps.overflowY === 'visible') continue;
        const pr = p.getBoundingClientRect();
        if (r.left < pr.left - 1 || r.right > pr.right + 1) bad.push(`${name}: clipped by ${p.tagName.toLowerCase()}.${p.className}`);
        break;
      }
    }
    if (document.documentElement.scrollWidth > vw + 1) bad.push(`the page scrolls sideways (${document.documentElement.scrollWidth} px)`);
    return [...new Set(bad)];
  });
}

await finish(async () => {
  let childUrl = '';

  await step("a browser's languages choose the app's before sign-in (nl-BE -> Dutch, first supported wins, else French)", async () => {
    const cases = [
      { languages: ['nl-BE', 'nl'], heading: /^Aanmelden$/, lang: 'nl' },
      { languages: ['de-DE', 'en-US', 'nl-BE'], heading: /^Sign in$/, lang: 'en' },
      { languages: ['de-DE', 'nl_BE'], heading: /^Aanmelden$/, lang: 'nl' },
      { languages: ['es-ES', 'de'], heading: /^Se connecter$/, lang: 'fr' },
    ];
    for (const c of cases) {
      const { context, page } = await visitor(c.languages.join(','), { languages: c.languages });
      await page.goto(`${BASE}/signin`);
      await expectText(heading(page), c.heading);
      assert.equal(await lang(page), c.lang, `${c.languages}: <html lang>`);
      if (c.lang === 'nl') await axe(page, 'signin-nl-browser');
      await context.close();
    }
  });

  await step("once signed in the member's saved language wins; one picked on the sign-in screen sticks and is saved", async () => {
    assert.equal((await registerByApi(M, { locale: 'en' })).status, 201);
    const { context, page } = await visitor('M', { languages: ['nl-BE'] });
    await page.goto(`${BASE}/signin`);
    await expectText(heading(page), /^Aanmelden$/);
    await signIn(page, M);
    await page.waitForURL(`${BASE}/`);
    await expectText(heading(page), /Hello Mira/);
    assert.equal(await lang(page), 'en');
    await signOut(page);
    // On the sign-in screen (English now: this device's last language), Mira picks Dutch.
    await expectText(heading(page), /^Sign in$/);
    await page.locator('.lang__select').selectOption('nl');
    await expectText(heading(page), /^Aanmelden$/);
    await signIn(page, M);
    await page.waitForURL(`${BASE}/`);
    await expectText(heading(page), /Hallo Mira/);
    assert.equal(await lang(page), 'nl');
    // ... and it became her saved choice: another device signs in in Dutch.
    const deadline = Date.now() + TIMEOUT;
    let saved = '';
    while (Date.now() < deadline && saved !== 'nl') {
      saved = (await apiJson('GET', '/users/me', undefined, await tokenOf(M))).json.locale;
      if (saved !== 'nl') await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(saved, 'nl', 'the choice made before sign-in was not saved in the profile');
    await context.close();
  });

  await step('the privacy notice: required to register (422 privacy_not_accepted), in fr/nl/en, version on the account', async () => {
    // The API refuses a registration without the notice in force, and writes nothing.
    const bare = await apiJson('POST', '/auth/register', { email: `nobody.${stamp}@example.be`, password: 'no notice at all 1', first_name: 'No', last_name: 'Notice' });
    assert.equal(bare.status, 422, JSON.stringify(bare.json));
    assert.equal(bare.json.code, 'privacy_not_accepted');
    const stale = await registerByApi({ ...P, email: `stale.${stamp}@example.be` }, { privacy_version: '2020-01-01' });
    assert.equal(stale.status, 422);
    assert.equal(stale.json.code, 'privacy_not_accepted');
    assert.equal((await apiJson('POST', '/auth/login', { email: `nobody.${stamp}@example.be`, password: 'no notice at all 1' })).status, 401);

    // The form: not ticked -> said at the box, no account; the link opens the notice.
    const { context, page } = await visitor('P', { languages: ['fr-BE'] });
    await page.goto(`${BASE}/register`);
    const m = main(page);
    await m.getByLabel('Prénom').fill(P.first);
    await m.getByLabel('Nom', { exact: true }).fill(P.last);
    await m.getByLabel('Adresse e-mail').fill(P.email);
    await m.getByLabel('Mot de passe', { exact: true }).fill(P.password);
    const box = m.getByLabel("J'ai lu la notice de confidentialité et je l'accepte");
    assert.equal(await box.isChecked(), false);
    await m.getByRole('button', { name: 'Créer mon compte' }).click();
    await expectText(m.locator('.field--invalid'), /acceptez la notice de confidentialité/);
    assert.equal(await box.getAttribute('aria-invalid'), 'true');
    await axe(page, 'register-privacy-missing');
    assert.equal((await apiJson('POST', '/auth/login', { email: P.email, password: P.password })).status, 401);
    assert.equal(await m.getByRole('link', { name: /Lire la notice de confidentialité/ }).getAttribute('href'), '/privacy');
    await box.check();
    await m.getByRole('button', { name: 'Créer mon compte' }).click();
    await page.waitForURL(/\/children/);

    // The account carries the version, and the export says so.
    const exported = await apiJson('GET', '/users/me/export', undefined, await tokenOf(P));
    assert.equal(exported.status, 200);
    assert.equal(exported.json.privacy.version, PRIVACY_VERSION);
    assert.match(exported.json.privacy.accepted_at, /^\d{4}-\d{2}-\d{2}T/);

    // The notice, linked from the profile, in the three languages.
    await page.goto(`${BASE}/profile`);
    await main(page).getByRole('link', { name: /Notice de confidentialité/ }).click();
    await page.waitForURL(/\/privacy$/);
    const expected = {
      fr: [/Notice de confidentialité/, /combien de temps/i, /Autorité de protection des données/, /30 jours/, /Ancien membre/],
      nl: [/Privacyverklaring/, /hoe lang/i, /Gegevensbeschermingsautoriteit/, /30 dagen/, /Voormalig lid/],
      en: [/Privacy notice/, /for how long/i, /Data Protection Authority/, /30 days/, /Former member/],
    };
    for (const code of ['fr', 'nl', 'en']) {
      await page.locator('.lang__select').selectOption(code);
      for (const re of expected[code]) await expectText(main(page), re);
      await axe(page, `privacy-${code}`);
    }
    await page.locator('.lang__select').selectOption('fr');
    await context.close();
  });

  await step('after a wrong password the cursor is back in the password field', async () => {
    const { context, page } = await visitor('P-wrong', { languages: ['fr-BE'] });
    await page.goto(`${BASE}/signin`);
    await main(page).getByLabel('Adresse e-mail').fill(P.email);
    await main(page).getByLabel('Mot de passe').fill('not the password');
    await main(page).getByRole('button', { name: 'Se connecter' }).click();
    await expectText(main(page).locator('[role="alert"]').last(), /mot de passe incorrect/i);
    const focused = await page.evaluate(() => ({
      type: document.activeElement?.getAttribute('type'),
      autocomplete: document.activeElement?.getAttribute('autocomplete'),
      selected: document.activeElement?.selectionEnd - document.activeElement?.selectionStart,
    }));
    assert.deepEqual(focused, { type: 'password', autocomplete: 'current-password', selected: 'not the password'.length });
    await context.close();
  });

  // Parent P, on a phone 360 px wide, for the rest.
  const { page } = await visitor('P', { languages: ['fr-BE'], viewport: PHONE });
  await signIn(page, P);
  await page.waitForURL(`${BASE}/`);

  await step('a child with the same name and class as one in the family asks for confirmation', async () => {
    const addChild = async (first, last, className) => {
      await page.goto(`${BASE}/children/new`);
      const m = main(page);
      await m.getByLabel('Prénom').fill(first);
      await m.getByLabel('Nom', { exact: true }).fill(last);
      await m.getByLabel('Classe').selectOption(className);
      await m.getByRole('button', { name: "Ajouter l'enfant" }).click();
    };
    const count = async () => (await apiJson('GET', '/children', undefined, await tokenOf(P))).json.items.length;
    await addChild('Zoé', 'Dupont', 'P2');
    await page.waitForURL(/\/children\/[0-9a-f-]{36}/);
    childUrl = page.url();
    assert.equal(await count(), 1);
    // Same child again (other case, no accent): a question, not a second Zoé.
    await addChild('zoe', 'DUPONT', 'P2');
    const dialog = page.getByRole('dialog');
    await expectText(dialog, /Zoé Dupont est déjà dans votre famille/);
    await axe(page, 'child-duplicate-confirm');
    await dialog.getByRole('button', { name: 'Annuler' }).click();
    await page.waitForTimeout(300);
    assert.match(page.url(), /\/children\/new$/);
    assert.equal(await count(), 1, 'added without confirmation');
    // Another class is another child: no question.
    await addChild('Zoé', 'Dupont', 'M1');
    await page.waitForURL(/\/children\/[0-9a-f-]{36}/);
    assert.equal(await count(), 2);
    // Confirmed: added.
    await addChild('Zoé', 'Dupont', 'P2');
    await page.getByRole('dialog').getByRole('button', { name: "Oui, l'ajouter quand même" }).click();
    await page.waitForURL(/\/children\/[0-9a-f-]{36}/);
    assert.equal(await count(), 3);
  });

  await step("linking a co-parent offers the family's known co-parent, without retyping the address", async () => {
    assert.equal((await registerByApi(Q)).status, 201);
    await verifyEmailByApi(Q); // invitations show only to a confirmed address
    const pToken = await tokenOf(P);
    const qToken = await tokenOf(Q);
    const firstId = new URL(childUrl).pathname.split('/').pop();
    // Q already co-parents the first Zoé (invited by address, accepted).
    assert.equal((await apiJson('POST', `/children/${firstId}/guardians`, { email: Q.email }, pToken)).status, 202);
    const invs = (await apiJson('GET', '/guardian-invitations', undefined, qToken)).json.items;
    assert.equal((await apiJson('POST', `/guardian-invitations/${invs[0].id}/accept`, undefined, qToken)).status, 200);
    // A new child: Quentin is offered by name.
    await page.goto(`${BASE}/children/new`);
    const m = main(page);
    await m.getByLabel('Prénom').fill('Noé');
    await m.getByLabel('Nom', { exact: true }).fill('Dupont');
    await m.getByLabel('Classe').selectOption('M3');
    await m.getByRole('button', { name: "Ajouter l'enfant" }).click();
    await page.waitForURL(/\/children\/[0-9a-f-]{36}/);
    const noeId = new URL(page.url()).pathname.split('/').pop();
    await expectText(main(page).locator('.known-co-parents'), /Quentin Dupont/);
    await axe(page, 'child-known-co-parent');
    await main(page).getByRole('button', { name: 'Inviter Quentin Dupont' }).click();
    await expectText(main(page), /Invitation envoyée à Quentin Dupont/);
    assert.equal(await main(page).locator('.known-co-parents').count(), 0, 'still offered after the invitation');
    // Quentin receives it and accepts: he guards Noé too.
    const received = (await apiJson('GET', '/guardian-invitations', undefined, qToken)).json.items;
    const forNoe = received.find((i) => i.child?.first_name === 'Noé');
    assert.ok(forNoe, JSON.stringify(received));
    assert.equal((await apiJson('POST', `/guardian-invitations/${forNoe.id}/accept`, undefined, qToken)).status, 200);
    const noe = (await apiJson('GET', `/children/${noeId}`, undefined, pToken)).json;
    assert.ok(noe.guardians.some((g) => g.first_name === 'Quentin'), JSON.stringify(noe.guardians));
  });

  await step('no label is cut at 360 px wide, on every main screen, in French, Dutch and English', async () => {
    const screens = ['/', '/sel', '/sel/mine', '/sel/requests', '/sel/history', '/sel/pay', '/sel/request', '/sel/services/new', '/children', new URL(childUrl).pathname, '/children/new', '/profile', '/privacy'];
    const cut = [];
    for (const code of ['fr', 'nl', 'en']) {
      await page.goto(`${BASE}/profile`);
      await page.locator('.lang__select').selectOption(code);
      await page.waitForFunction((c) => document.documentElement.lang === c, code);
      for (const path of screens) {
        await page.goto(`${BASE}${path}`);
        for (const b of await cutLabels(page)) cut.push(`${code} ${path}: ${b}`);
      }
    }
    // Signed out too: sign-in and registration.
    for (const languages of [['fr-BE'], ['nl-BE'], ['en-GB']]) {
      const v = await visitor(`guest-${languages[0]}`, { languages, viewport: PHONE });
      for (const path of ['/signin', '/register']) {
        await v.page.goto(`${BASE}${path}`);
        for (const b of await cutLabels(v.page)) cut.push(`${languages[0]} ${path}: ${b}`);
      }
      await v.context.close();
    }
    assert.deepEqual(cut, []);
  });

  await step('admins and teachers land on a home made for staff, not on the parents\' one', async () => {
    for (const [person, role, roleText] of [[T, 'teacher', /membre de l'équipe enseignante/], [D, 'admin', /administrateur·rice de l'école/]]) {
      assert.equal((await registerByApi(person)).status, 201);
      promote(person.email, role);
      const v = await visitor(role, { languages: ['fr-BE'] });
      await signIn(v.page, person);
      await v.page.waitForURL(`${BASE}/`);
      const m = main(v.page);
      await expectText(m, roleText);
      await expectText(m, /Ce que vous pouvez faire/);
      const text = await m.innerText();
      assert.ok(!/Mon solde|Ajoutez vos enfants/.test(text), `parent home shown to ${role}: ${text.slice(0, 200)}`);
      await axe(v.page, `staff-home-${role}`);
      if (role === 'admin') {
        await m.getByRole('button', { name: "Créer un code d'inscription" }).click();
        await expectText(m.getByTestId('invite-code'), /Code d'inscription : \S{8,}/);
        await axe(v.page, 'staff-home-admin-code');
      } else {
        assert.equal(await m.getByRole('button', { name: "Créer un code d'inscription" }).count(), 0);
      }
      await v.page.goto(`${BASE}/children`);
      await expectText(main(v.page), /Si vous êtes aussi parent/);
      assert.ok(!/Ajoutez vos enfants pour suivre/.test(await main(v.page).innerText()));
      await v.context.close();
    }
  });
});
