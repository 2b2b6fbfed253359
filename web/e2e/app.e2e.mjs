// Browser test of the whole web app against the real server (tests/e2e/run.sh
// starts it and sets E2E_BASE_URL). Two parents in two browser contexts:
// register, add a child, invite the co-parent (who accepts), offer a service, find and pay it,
// request and accept a payment, hit a balance limit, switch to Dutch; axe-core
// checks every screen (no serious or critical violation) and screenshots of
// the main screens are written at 390×844 and 1280×800.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import {
  A, B, BASE, DESKTOP, SHOTS, TIMEOUT, MOBILE, apiJson, axe, balanceOf, browser, expectText, finish, heading, main,
  newParent, otherDeviceSignsOut, register, sessionCookie, settle, assertNoTokenInPage, shot, signInAs, step, verifyEmail,
} from './lib.mjs';
await finish(async () => {
  const a = await newParent('A', MOBILE);
  const pa = a.page;
  const b = await newParent('B', DESKTOP);
  const pb = b.page;
  let childUrl = '';
  let serviceUrl = '';

  await step('signed out: / leads to sign-in, in French', async () => {
    await pa.goto(`${BASE}/`);
    await pa.waitForURL(/\/signin/);
    await expectText(heading(pa), /Se connecter/);
    assert.equal(await pa.evaluate(() => document.documentElement.lang), 'fr');
    await axe(pa, 'signin');
    await pa.goto(`${BASE}/register`);
    await expectText(heading(pa), /Créer un compte/);
    await axe(pa, 'register');
  });

  await step('the app is installable: manifest and service worker', async () => {
    const manifest = await pa.evaluate(async () => {
      const link = document.querySelector('link[rel="manifest"]');
      const r = await fetch(link.href);
      return { type: r.headers.get('content-type'), body: await r.json() };
    });
    assert.match(manifest.type, /application\/manifest\+json/);
    assert.equal(manifest.body.start_url, '/');
    assert.ok(manifest.body.icons.some((i) => i.sizes === '512x512'));
    const sw = await pa.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return reg.active ? reg.active.scriptURL : '';
    });
    assert.match(sw, /\/sw\.js$/);
    // The shell is cached, API answers never are.
    const cached = await pa.evaluate(async () => {
      const names = await caches.keys();
      const urls = [];
      for (const n of names) for (const r of await (await caches.open(n)).keys()) urls.push(new URL(r.url).pathname);
      return urls;
    });
    assert.ok(cached.includes('/'), `shell not cached: ${cached.join(' ')}`);
    assert.ok(cached.some((u) => u.startsWith('/assets/')), 'no asset cached');
    assert.ok(!cached.some((u) => u.startsWith('/api/')), 'API data cached');
  });

  await step('parent A registers and adds a child', async () => {
    await register(pa, A);
    await axe(pa, 'children-empty');
    await main(pa).getByRole('link', { name: 'Ajouter un enfant' }).first().click();
    await pa.waitForURL(/\/children\/new/);
    const m = main(pa);
    await m.getByLabel('Prénom').fill('Léa');
    await m.getByLabel('Nom', { exact: true }).fill('Martin');
    await m.getByLabel('Classe').selectOption('P3');
    await axe(pa, 'child-new');
    await m.getByRole('button', { name: "Ajouter l'enfant" }).click();
    await pa.waitForURL(/\/children\/[0-9a-f-]{36}/);
    childUrl = pa.url();
    await expectText(main(pa), /inviter l'autre parent/i);
  });

  await step('parent B registers in another browser context', async () => {
    await register(pb, B);
    // Invitations are shown only to a verified address (issue #10): B opens the link.
    await verifyEmail(pb, B);
  });

  await step('A invites B as co-parent; B accepts and sees the child', async () => {
    const m = main(pa);
    await m.getByLabel("Adresse e-mail de l'autre parent").fill(B.email);
    await m.getByRole('button', { name: "Envoyer l'invitation" }).click();
    // The same words whether or not the address has an account: never "not found".
    await expectText(m, /Invitation enregistrée pour/);
    await expectText(m.locator('.pending-invitations'), new RegExp(B.email.replace(/\./g, '\\.')));
    await axe(pa, 'child-edit');
    // Nothing is shared before B accepts.
    await pb.goto(`${BASE}/children`);
    await expectText(main(pb), /Élodie Martin vous invite à suivre Léa \(P3\)/);
    await expectText(main(pb), /Aucun enfant pour l'instant/);
    assert.equal(await main(pb).locator('.child-list').count(), 0, 'B sees the child before accepting');
    await axe(pb, 'invitations-received');
    await main(pb).getByRole('button', { name: 'Accepter Léa' }).click();
    await expectText(main(pb), /Vous suivez maintenant Léa/);
    await expectText(main(pb), /Léa Martin[\s\S]*P3/);
    await expectText(main(pb), /Élodie Martin/);
    await axe(pb, 'children-list');
    // A sees B among the guardians and no invitation left waiting.
    await pa.reload();
    await expectText(main(pa).locator('.guardian-list'), /Thomas Leroy/);
    assert.equal(await main(pa).locator('.pending-invitations').count(), 0, 'invitation still pending');
  });

  await step('A offers a service', async () => {
    await pa.goto(`${BASE}/`);
    await expectText(pa.getByTestId('balance'), /120/);
    await axe(pa, 'home');
    await main(pa).getByRole('link', { name: 'Proposer un service' }).click();
    await pa.waitForURL(/\/sel\/services\/new/);
    const m = main(pa);
    await m.getByLabel('Je propose ce service').check();
    await m.getByLabel('Titre').fill("Garde d'enfants le mercredi après-midi");
    await m.getByLabel('Description').fill('Chez moi, avec goûter. Jusqu’à 3 enfants.');
    await m.getByLabel('Catégorie').selectOption('childcare');
    await axe(pa, 'service-new');
    await m.getByRole('button', { name: 'Publier' }).click();
    await pa.waitForURL(/\/sel\/services\/[0-9a-f-]{36}$/);
    serviceUrl = pa.url();
    await expectText(heading(pa), /Garde d'enfants le mercredi/);
    await expectText(main(pa), /Garde d'enfants/);
    await axe(pa, 'service-detail-owner');
    await pa.goto(`${BASE}/sel/mine`);
    await expectText(main(pa), /Garde d'enfants le mercredi/);
    await axe(pa, 'my-services');
  });

  await step('A edits a second service, then withdraws it from "my services"', async () => {
    await pa.goto(`${BASE}/sel/services/new`);
    const m = main(pa);
    await m.getByLabel('Je cherche ce service').check();
    await m.getByLabel('Titre').fill('Réparer un vélo');
    await m.getByLabel('Catégorie').selectOption('repairs');
    await m.getByLabel('Unités par heure').fill('0');
    await m.getByRole('button', { name: 'Publier' }).click();
    await expectText(m, /Un nombre entier de 1 à 600/); // refused in the form, nothing sent
    await m.getByLabel('Unités par heure').fill('45');
    await m.getByRole('button', { name: 'Publier' }).click();
    await pa.waitForURL(/\/sel\/services\/[0-9a-f-]{36}$/);
    await main(pa).getByRole('link', { name: 'Modifier' }).click();
    await pa.waitForURL(/\/edit$/);
    await expectText(heading(pa), /Modifier le service/);
    await axe(pa, 'service-edit');
    await main(pa).getByLabel('Titre').fill('Réparer un vélo d’enfant');
    await main(pa).getByRole('button', { name: 'Enregistrer' }).click();
    await expectText(heading(pa), /Réparer un vélo d’enfant/);
    await expectText(main(pa), /Demandé par[\s\S]*45 unités par heure \(45 min\)/);
    await pa.goto(`${BASE}/sel/mine`);
    const card = main(pa).locator('li', { hasText: 'Réparer un vélo d’enfant' });
    await card.getByRole('button', { name: /Retirer/ }).click();
    const dialog = pa.getByRole('dialog');
    await expectText(dialog, /Retirer ce service/);
    await axe(pa, 'withdraw-dialog');
    await dialog.getByRole('button', { name: 'Retirer' }).click();
    await expectText(main(pa), /« Réparer un vélo d’enfant » a été retiré/);
    await expectText(card, /Retiré/); // still listed for its owner, to publish it again
    await pa.goto(`${BASE}/sel?q=velo`);
    await expectText(main(pa), /Aucun service trouvé/);
    await pa.goto(`${BASE}/sel/mine`);
    await axe(pa, 'my-services-withdrawn');
    await card.getByRole('button', { name: /Republier/ }).click();
    await expectText(main(pa), /« Réparer un vélo d’enfant » est de retour dans l'annuaire/);
    await pa.goto(`${BASE}/sel?q=velo`);
    await main(pa).getByRole('link', { name: 'Réparer un vélo d’enfant' }).waitFor();
  });

  await step('B finds the service in the directory and pays for it', async () => {
    await pb.goto(`${BASE}/sel`);
    await main(pb).getByLabel('Rechercher').fill('GARDE enfants');
    await main(pb).getByLabel('Catégorie').selectOption('childcare');
    const link = main(pb).getByRole('link', { name: "Garde d'enfants le mercredi après-midi" });
    await link.waitFor();
    await axe(pb, 'directory');
    await link.click();
    await pb.waitForURL(serviceUrl);
    await expectText(main(pb), /Proposé par[\s\S]*Élodie Martin/);
    await axe(pb, 'service-detail');
    await main(pb).getByRole('link', { name: 'Payer Élodie' }).click();
    await pb.waitForURL(/\/sel\/pay\?/);
    const m = main(pb);
    await expectText(m, /Élodie Martin/);
    await m.getByLabel('Heures').fill('1');
    await m.getByLabel('Minutes').fill('30');
    await expectText(pb.getByTestId('units-preview'), /Soit 90 unités \(1 h 30 min\)/);
    await axe(pb, 'pay');
    await m.getByRole('button', { name: 'Payer maintenant' }).click();
    await expectText(m, /Vous avez payé 1 h 30 min à Élodie/);
  });

  await step('both parents see the new balances', async () => {
    assert.equal(await balanceOf(pb), 30);
    assert.equal(await balanceOf(pa), 210);
    await expectText(main(pa), /Reçu de Thomas Leroy[\s\S]*\+90/);
  });

  await step('A asks B for payment; B accepts; both histories show it', async () => {
    await pa.goto(`${BASE}/sel/request`);
    const m = main(pa);
    await m.getByLabel('Qui doit vous payer ?').fill('Ler');
    await m.getByRole('button', { name: 'Thomas Leroy' }).click();
    await m.getByLabel('Heures').fill('0');
    await m.getByLabel('Minutes').fill('45');
    await m.getByLabel('Pour quoi ?').fill('Covoiturage piscine');
    await axe(pa, 'request');
    await m.getByRole('button', { name: 'Envoyer la demande' }).click();
    await expectText(m, /Votre demande a été envoyée à Thomas/);

    await pb.goto(`${BASE}/`);
    const waiting = main(pb).locator('section', { hasText: 'En attente de votre réponse' });
    await expectText(waiting, /Élodie Martin vous demande un paiement[\s\S]*Covoiturage piscine/);
    await pb.goto(`${BASE}/sel/requests`);
    await expectText(main(pb), /Covoiturage piscine/);
    await axe(pb, 'requests');
    await main(pb).getByRole('button', { name: /Accepter et payer/ }).first().click();
    await pb.getByRole('dialog').getByRole('button', { name: 'Payer 45 min' }).click();
    await expectText(main(pb), /Paiement effectué/);
    assert.equal(await balanceOf(pb), -15);
    assert.equal(await balanceOf(pa), 255);

    await pb.goto(`${BASE}/sel/history`);
    await expectText(pb.getByTestId('history'), /Covoiturage piscine[\s\S]*−45/);
    await axe(pb, 'history');
    await pa.goto(`${BASE}/sel/history`);
    await expectText(pa.getByTestId('history'), /Covoiturage piscine[\s\S]*\+45/);
    await expectText(pa.getByTestId('history'), /Thomas Leroy[\s\S]*\+90/);
  });

  await step('the statement downloads as a spreadsheet file', async () => {
    const [download] = await Promise.all([
      pa.waitForEvent('download'),
      main(pa).getByRole('button', { name: 'Télécharger le relevé' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^releve-sel-elodie-martin-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.equal(csv.charCodeAt(0), 0xfeff, 'no byte-order mark');
    const lines = csv.slice(1).trim().split('\r\n');
    assert.match(lines[0], /^date;demandé le;type;membre;description;unités;heures;solde;référence$/);
    assert.equal(lines.length, 4, csv); // header, opening, payment, request
    assert.match(lines[3], /Thomas Leroy.*Covoiturage piscine.*;45;0,75;255;"[0-9a-f-]{36}"$/);
  });

  await step('keyboard only: skip link, then a quick action', async () => {
    await pa.goto(`${BASE}/`);
    await expectText(pa.getByTestId('balance'), /255/);
    await pa.keyboard.press('Tab');
    assert.equal(await pa.evaluate(() => document.activeElement.className), 'skip-link');
    let found = false;
    for (let i = 0; i < 20 && !found; i++) {
      await pa.keyboard.press('Tab');
      found = await pa.evaluate(() => document.activeElement.getAttribute('href') === '/sel/request');
    }
    assert.ok(found, 'the "ask for payment" quick action cannot be reached with Tab');
    const outline = await pa.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'no visible focus');
    await pa.keyboard.press('Enter');
    await pa.waitForURL(/\/sel\/request$/);
  });

  await step('a payment past the limit shows the localised error and books nothing', async () => {
    await pb.goto(`${BASE}/sel/pay`);
    const m = main(pb);
    await m.getByLabel('Qui payez-vous ?').fill('Élo');
    await m.getByRole('button', { name: 'Élodie Martin' }).click();
    // 5 h = 300 units: B would land on −315 (minimum −300); A's 555 stays under +600.
    await m.getByLabel('Heures').fill('5');
    await m.getByLabel('Minutes').fill('0');
    await m.getByRole('button', { name: 'Payer maintenant' }).click();
    const fieldError = m.locator('fieldset .field__error');
    await expectText(fieldError, /Vous pouvez payer au plus 4 h 45 min \(votre solde ne peut pas descendre sous −5 h\)/);
    await axe(pb, 'pay-limit-error');
    assert.equal(await balanceOf(pb), -15);
  });

  await step('switching to Dutch changes the whole screen', async () => {
    await pa.goto(`${BASE}/sel`);
    await pa.locator('header').getByRole('combobox').selectOption('nl');
    await expectText(heading(pa), /Ruilsysteem \(LETS\)/);
    assert.equal(await pa.evaluate(() => document.documentElement.lang), 'nl');
    const french = ["Système d'échange", 'Rechercher', 'Catégorie', 'Proposer', 'Mes enfants', 'Accueil', 'Se déconnecter', 'Offre', 'unités par heure'];
    for (const path of ['/sel', '/', '/sel/history', '/children', '/profile']) {
      await pa.goto(`${BASE}${path}`);
      await settle(pa);
      const text = await pa.locator('body').innerText();
      const left = french.filter((w) => text.includes(w));
      assert.deepEqual(left, [], `French left on ${path}: ${left.join(', ')}`);
      await axe(pa, `nl ${path}`);
    }
    await expectText(main(pa), /Mijn profiel|Mijn gegevens/);
    // The choice is saved in the profile: signing in on another device comes up in Dutch.
    const other = await newParent('A2', MOBILE);
    await other.page.goto(`${BASE}/signin`);
    await main(other.page).getByLabel('Adresse e-mail').fill(A.email);
    await main(other.page).getByLabel('Mot de passe').fill(A.password);
    await main(other.page).getByRole('button', { name: 'Se connecter' }).click();
    await expectText(heading(other.page), /Hallo Élodie/);
    await expectText(main(other.page), /Mijn saldo/);
    assert.equal(await other.page.evaluate(() => document.documentElement.lang), 'nl');
    await other.context.close();
  });

  await step('session: survives a reload, refreshes a dead access token once, ends cleanly', async () => {
    await pb.goto(`${BASE}/sel/history`);
    // What versions before the cookie kept in localStorage is removed at the next load.
    await pb.evaluate(() => localStorage.setItem('schoolhub.session', '{"accessToken":"eyJ.old","refreshToken":"old"}'));
    await pb.reload();
    await expectText(heading(pb), /Historique/);
    await assertNoTokenInPage(pb);
    const before = await sessionCookie(b.context);
    // Another device of B signs out: every access token of the account ends at once,
    // this browser's included; its next request refreshes once and the page loads.
    await otherDeviceSignsOut(B);
    await pb.locator('header').getByRole('link', { name: 'Accueil' }).click();
    await expectText(pb.getByTestId('balance'), /−15/);
    const after = await sessionCookie(b.context);
    assert.notEqual(after.value, before.value, 'the refresh token was not rotated');
    // Access token and cookie both dead: back to sign-in, with the reason.
    await b.context.clearCookies();
    await otherDeviceSignsOut(B);
    await pb.locator('header').getByRole('link', { name: 'Mon profil' }).click();
    await pb.waitForURL(/\/signin\?.*expired=1/);
    await expectText(main(pb), /Votre session a expiré/);
    await signInAs(pb, B);
    await pb.waitForURL(/\/profile$/);
    // Sign out: the cookie is gone and protected pages lead to sign-in, even after a reload.
    await pb.locator('header').getByRole('button', { name: 'Se déconnecter' }).click();
    await pb.waitForURL(/\/signin/);
    assert.equal(await sessionCookie(b.context), undefined, 'the cookie outlived the sign-out');
    await pb.goto(`${BASE}/sel`);
    await pb.waitForURL(/\/signin/);
    await signInAs(pb, B);
    await pb.waitForURL(/\/sel$/);
    await assertNoTokenInPage(pb);
  });

  await step('session: tabs follow each other and never race each other out', async () => {
    // A new tab restores the session from the cookie.
    const tab2 = await b.context.newPage();
    tab2.setDefaultTimeout(TIMEOUT);
    await tab2.goto(`${BASE}/sel/history`);
    await expectText(heading(tab2), /Historique/);
    // Both tabs find their access token dead at the same moment and must refresh with the
    // one cookie. They take turns (a Web Lock): the second sends the cookie the first
    // one's answer set, instead of replaying the rotated token (which would revoke the
    // session). A third tab holds the turn first, so both are seen waiting for it.
    const holder = await b.context.newPage();
    await holder.goto(`${BASE}/children`);
    await expectText(heading(holder), /enfants/i);
    await holder.evaluate(
      () =>
        new Promise((held) => {
          navigator.locks.request('schoolhub.refresh', () => new Promise((release) => {
            window.releaseTurn = release;
            held();
          }));
        }),
    );
    const refreshes = [];
    for (const [name, page] of [['one', pb], ['two', tab2]]) {
      page.on('request', (r) => r.url().endsWith('/auth/session/refresh') && refreshes.push(`${name} sent`));
      page.on('response', (r) => r.url().endsWith('/auth/session/refresh') && refreshes.push(`${name} ${r.status()}`));
    }
    await otherDeviceSignsOut(B);
    await Promise.all([
      pb.locator('header').getByRole('link', { name: 'Accueil' }).click(),
      tab2.locator('header').getByRole('link', { name: 'Accueil' }).click(),
    ]);
    await pb.waitForTimeout(1000);
    assert.deepEqual(refreshes, [], 'a tab refreshed while another held the turn');
    await holder.evaluate(() => window.releaseTurn());
    await expectText(pb.getByTestId('balance'), /−15/);
    await expectText(tab2.getByTestId('balance'), /−15/);
    assert.equal(refreshes.length, 4, refreshes.join(', '));
    const [first, firstDone, second, secondDone] = refreshes;
    const who = first.split(' ')[0];
    const other = who === 'one' ? 'two' : 'one';
    assert.deepEqual([first, firstDone, second, secondDone], [`${who} sent`, `${who} 200`, `${other} sent`, `${other} 200`]);
    await holder.close();
    await pb.reload();
    await expectText(pb.getByTestId('balance'), /−15/);
    // Signing out in one tab signs the other out.
    await pb.locator('header').getByRole('button', { name: 'Se déconnecter' }).click();
    await tab2.waitForURL(/\/signin\?redirect=/);
    // Signing in in one tab signs the other in.
    await signInAs(pb, B);
    await pb.waitForURL(`${BASE}/`);
    await tab2.waitForURL(/\/$/);
    await expectText(tab2.getByTestId('balance'), /−15/);
    await tab2.close();
  });

  await step('session: "sign out everywhere" ends every device', async () => {
    const device = await apiJson('POST', '/auth/login', { email: B.email, password: B.password });
    assert.equal(device.status, 200);
    const tab2 = await b.context.newPage();
    await tab2.goto(`${BASE}/sel/history`);
    await expectText(heading(tab2), /Historique/);
    await pb.goto(`${BASE}/profile`);
    await main(pb).getByRole('button', { name: 'Se déconnecter partout' }).click();
    await pb.waitForURL(/\/signin\?everywhere=1/);
    await expectText(main(pb), /déconnecté·e de tous vos appareils/);
    await tab2.waitForURL(/\/signin/);
    await tab2.close();
    assert.equal(await sessionCookie(b.context), undefined);
    const refused = await apiJson('POST', '/auth/refresh', { refresh_token: device.json.refresh_token });
    assert.equal(refused.status, 401, 'the other device kept its session');
    const me = await apiJson('GET', '/users/me', undefined, device.json.access_token);
    assert.equal(me.status, 401, "the other device's access token still works");
    await signInAs(pb, B);
    await pb.waitForURL(`${BASE}/`);
  });

  await step('screens B has not visited yet pass axe too', async () => {
    await pb.goto(`${BASE}/profile`);
    await expectText(heading(pb), /Mon profil/);
    await axe(pb, 'profile');
    await pb.goto(`${BASE}/sel/services/new`);
    await axe(pb, 'service-new-desktop');
    await pb.goto(`${BASE}/no-such-page`);
    await axe(pb, 'not-found');
  });

  if (SHOTS) {
    await step('screenshots', async () => {
      mkdirSync(SHOTS, { recursive: true });
      const c = await browser.newContext({ locale: 'fr-BE' });
      const p = await c.newPage();
      await p.goto(`${BASE}/signin`);
      for (const vp of [MOBILE, DESKTOP]) {
        await p.setViewportSize(vp);
        await p.goto(`${BASE}/signin`);
        await shot(p, 'signin');
      }
      await c.close();
      // Parent B, in French, on the main screens.
      for (const vp of [MOBILE, DESKTOP]) {
        await pb.setViewportSize(vp);
        for (const [name, path] of [
          ['home', '/'],
          ['sel-directory', '/sel'],
          ['sel-service', new URL(serviceUrl).pathname],
          ['sel-history', '/sel/history'],
          ['children', '/children'],
          ['profile', '/profile'],
        ]) {
          await pb.goto(`${BASE}${path}`);
          await shot(pb, name);
        }
        await pb.goto(`${BASE}/sel/pay`);
        await main(pb).getByLabel('Qui payez-vous ?').fill('Élo');
        await main(pb).getByRole('button', { name: 'Élodie Martin' }).click();
        await shot(pb, 'sel-pay');
      }
      // Parent A in Dutch.
      for (const vp of [MOBILE, DESKTOP]) {
        await pa.setViewportSize(vp);
        await pa.goto(`${BASE}/`);
        await shot(pa, 'home-nl');
      }
    });
  }
});
