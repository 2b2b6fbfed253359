// Forgotten passwords and e-mailed invitations in the browser (issue #13): "Mot de passe
// oublié ?" on the sign-in page, the same confirmation for a known and an unknown address,
// the link read from the e-mail (the server's file outbox) opens the new-password page,
// which refuses a weak password, then signs the parent out everywhere; the old password and
// the used link no longer work; the Dutch page; an admin e-mails an invitation whose code
// registers a family from the e-mail's link. axe on every screen.
import assert from 'node:assert/strict';
import {
  BASE, MOBILE, apiJson, axe, expectText, finish, mailTo, main, newParent, newVisitor, promote,
  registerByApi, signInAs, stamp, step,
} from './lib.mjs';

const R = { first: 'Rania', last: 'Haddad', email: `rania.${stamp}@example.be`, password: 'mon ancien mot de passe' };
const NEW_PASSWORD = 'une toute nouvelle phrase';
const linkOf = (text) => /reset-password\?token=([A-Za-z0-9_-]+)/.exec(text)[1];

await finish(async () => {
  assert.equal((await registerByApi(R)).status, 201);
  const { page } = await newParent('R', MOBILE);

  await step('"Mot de passe oublié ?" on the sign-in page asks for the address', async () => {
    await page.goto(`${BASE}/signin`);
    await main(page).getByRole('link', { name: 'Mot de passe oublié ?' }).click();
    await page.waitForURL(/\/forgot-password$/);
    await expectText(main(page).locator('h1'), /Mot de passe oublié/);
    await axe(page, 'forgot-password');
    await main(page).getByRole('button', { name: 'Envoyer le lien' }).click();
    await expectText(main(page), /Ce champ est obligatoire/);
  });

  await step('a known and an unknown address get the same confirmation', async () => {
    const confirmations = [];
    for (const email of [`nobody.${stamp}@example.be`, R.email]) {
      await page.goto(`${BASE}/forgot-password`);
      await main(page).getByLabel('Adresse e-mail').fill(email);
      await main(page).getByRole('button', { name: 'Envoyer le lien' }).click();
      const status = main(page).getByRole('status').filter({ hasText: /lien vient d'y être envoyé/ });
      await expectText(status, /Si un compte SchoolHub utilise l'adresse/);
      confirmations.push((await status.innerText()).replace(email, '<address>'));
    }
    assert.equal(confirmations[0], confirmations[1]);
    await axe(page, 'forgot-password-sent');
  });

  await step('the e-mailed link opens the new-password page, which refuses a weak password', async () => {
    const text = await mailTo(R.email, /reset-password\?token=/);
    assert.match(text, /Bonjour Rania,/);
    await page.goto(`${BASE}/reset-password?token=${linkOf(text)}`);
    await expectText(main(page).locator('h1'), /Nouveau mot de passe/);
    assert.ok(!page.url().includes('token='), 'the token stayed in the address bar');
    await axe(page, 'reset-password');
    await main(page).getByLabel('Nouveau mot de passe', { exact: true }).fill('court');
    await main(page).getByLabel('Confirmer le nouveau mot de passe').fill('court');
    await main(page).getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
    await expectText(main(page), /au moins 12 caractères/);
  });

  await step('a new password, then sign in with it; the old one is refused', async () => {
    // A session of R elsewhere, which the reset must end.
    const before = await apiJson('POST', '/auth/login', { email: R.email, password: R.password });
    assert.equal(before.status, 200);
    await main(page).getByLabel('Nouveau mot de passe', { exact: true }).fill(NEW_PASSWORD);
    await main(page).getByLabel('Confirmer le nouveau mot de passe').fill(NEW_PASSWORD);
    await main(page).getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
    await expectText(main(page), /Votre mot de passe est changé/);
    await axe(page, 'reset-password-done');
    const refresh = await apiJson('POST', '/auth/refresh', { refresh_token: before.json.refresh_token });
    assert.equal(refresh.status, 401, 'the other session survived the reset');
    const old = await apiJson('POST', '/auth/login', { email: R.email, password: R.password });
    assert.equal(old.status, 401);
    await main(page).getByRole('link', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/signin/);
    await signInAs(page, { ...R, password: NEW_PASSWORD });
    await page.waitForURL(`${BASE}/`);
  });

  await step('the used link says it is not valid, and offers a new one; the pages in Dutch and English', async () => {
    const text = await mailTo(R.email, /reset-password\?token=/);
    const { page: fresh } = await newParent('R2', MOBILE);
    await fresh.goto(`${BASE}/reset-password?token=${linkOf(text)}`);
    await fresh.getByLabel('Nouveau mot de passe', { exact: true }).fill('encore une autre phrase');
    await fresh.getByLabel('Confirmer le nouveau mot de passe').fill('encore une autre phrase');
    await main(fresh).getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
    await expectText(main(fresh), /Ce lien n'est pas ou plus valable/);
    await axe(fresh, 'reset-password-invalid');
    await main(fresh).getByRole('link', { name: 'Demander un nouveau lien' }).click();
    await fresh.waitForURL(/\/forgot-password$/);
    const { page: nl } = await newVisitor('R-nl', MOBILE, 'nl-BE');
    await nl.goto(`${BASE}/reset-password?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
    await expectText(main(nl).locator('h1'), /Nieuw wachtwoord/);
    await axe(nl, 'reset-password-nl');
    await nl.goto(`${BASE}/forgot-password`);
    await expectText(main(nl).locator('h1'), /Wachtwoord vergeten/);
    await axe(nl, 'forgot-password-nl');
    const { page: en } = await newVisitor('R-en', MOBILE, 'en-GB');
    await en.goto(`${BASE}/signin`);
    await main(en).getByRole('link', { name: 'Forgot your password?' }).click();
    await expectText(main(en).locator('h1'), /Forgotten password/);
    await axe(en, 'forgot-password-en');
    await en.goto(`${BASE}/reset-password?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
    await expectText(main(en).locator('h1'), /New password/);
    await axe(en, 'reset-password-en');
  });

  await step('an admin e-mails an invitation; its link registers the family with the code', async () => {
    const admin = { first: 'Ada', last: 'Directrice', email: `ada.${stamp}@example.be`, password: 'direction école 2026' };
    assert.equal((await registerByApi(admin)).status, 201);
    promote(admin.email, 'admin');
    const { page: a } = await newParent('admin', MOBILE);
    await a.goto(`${BASE}/signin`);
    await signInAs(a, admin);
    await a.waitForURL(`${BASE}/`);
    const family = `famille.${stamp}@example.be`;
    await main(a).getByLabel(/Adresse e-mail de la famille/).fill(family);
    await main(a).getByLabel("Langue de l'e-mail").selectOption('nl');
    await main(a).getByRole('button', { name: "Créer un code d'inscription" }).click();
    await expectText(main(a).getByTestId('invite-sent'), new RegExp(`Envoyé par e-mail à ${family.replace(/\./g, '\\.')}`));
    const shown = /Code d'inscription : (\S+)/.exec(await main(a).getByTestId('invite-code').innerText())[1];
    await axe(a, 'staff-home-invite-sent');
    const text = await mailTo(family, /register\?invite=/);
    assert.match(text, /Uw uitnodigingscode: /);
    const code = /register\?invite=([A-Z0-9-]+)/.exec(text)[1];
    assert.equal(code, shown);
    const { page: f } = await newVisitor('family', MOBILE, 'nl-BE');
    await f.goto(`${BASE}/register?invite=${code}`);
    assert.equal(await main(f).getByLabel(/Uitnodigingscode/).inputValue(), code);
  });
});
