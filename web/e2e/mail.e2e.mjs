// E-mail verification in the browser (issue #13): a new parent sees the banner, can ask for
// the link again, opens the link read from the e-mail (the server's file outbox), and the
// banner is gone; a bad link says so; axe-checked in French and Dutch.
import assert from 'node:assert/strict';
import {
  BASE, MOBILE, axe, expectText, finish, mailTo, main, newParent, register, stamp, step,
} from './lib.mjs';

await finish(async () => {
  const C = { first: 'Chloé', last: 'Verhoeven', email: `chloe.${stamp}@example.be`, password: 'troisième parent 3' };
  const { page } = await newParent('C', MOBILE);

  await step('a new parent sees the verification banner and the e-mail is in the outbox', async () => {
    await register(page, C);
    const banner = page.getByTestId('verify-banner');
    await expectText(banner, /Vérifiez votre adresse e-mail/);
    await expectText(banner, new RegExp(C.email.replace(/\./g, '\\.')));
    await axe(page, 'verify-banner');
    const text = await mailTo(C.email, /verify-email\?token=/);
    assert.match(text, /Bonjour Chloé,/);
  });

  await step('"send again" right away asks to wait a minute', async () => {
    await page.getByTestId('verify-banner').getByRole('button', { name: 'Renvoyer le lien' }).click();
    await expectText(page.getByTestId('verify-banner'), /attendez une minute/);
  });

  await step('the link from the e-mail verifies the address and the banner goes', async () => {
    const text = await mailTo(C.email, /verify-email\?token=/);
    const token = /verify-email\?token=([A-Za-z0-9_-]+)/.exec(text)[1];
    await page.goto(`${BASE}/verify-email?token=${token}`);
    await expectText(main(page), /Merci : votre adresse e-mail est vérifiée/);
    assert.ok(!page.url().includes('token='), 'the token stayed in the address bar');
    await axe(page, 'verify-email-done');
    await main(page).getByRole('link', { name: 'Voir mes enfants' }).click();
    await page.waitForURL(/\/children/);
    assert.equal(await page.getByTestId('verify-banner').count(), 0, 'banner still shown');
  });

  await step('a used or forged link says it is not valid, in Dutch too', async () => {
    await page.goto(`${BASE}/verify-email?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
    await expectText(main(page), /Ce lien n'est pas ou plus valable/);
    await axe(page, 'verify-email-invalid');
    // The same page for a Dutch reader on another device, not signed in (the language
    // the app's switcher saved).
    const { context: nlContext, page: nl } = await newParent('D', MOBILE);
    await nlContext.addInitScript(() => localStorage.setItem('schoolhub.locale', 'nl'));
    await nl.goto(`${BASE}/verify-email?token=bad`);
    await expectText(main(nl), /Deze link is niet \(meer\) geldig/);
    await axe(nl, 'verify-email-invalid-nl');
  });
});
