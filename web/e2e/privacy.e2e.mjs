// The privacy notice of 2026-12-09 (2026-12-08 by helper "privacy", session 7; the retention
// purge's periods added by helper "retention", session 8): what the events, calendar
// and audit modules keep, and the new version date, in fr, nl and en. The notice is public:
// no account needed. Both steps failed on the app before this change (the notice was
// dated 7 December 2026 and said nothing of events, the calendar address or shifts).
import assert from 'node:assert/strict';
import { BASE, PRIVACY_VERSION, axe, expectText, finish, main, newVisitor, step } from './lib.mjs';

const EXPECTED = {
  fr: [
    /Version du 9 décembre 2026/,
    /un an, sauf si l'école en a décidé autrement/,
    /Les événements : ceux que vous créez ou proposez/,
    /liste d'attente/,
    /adresse d'abonnement/,
    /créneaux de bénévoles/,
    /présence n'a pas été confirmée/,
    /adresse e-mail de chaque membre inscrit/,
    /le prénom et le nom de chaque bénévole/,
    /journal d'audit/,
  ],
  nl: [
    /Versie van 9 december 2026/,
    /een jaar, tenzij de school anders besliste/,
    /Activiteiten: de activiteiten die u aanmaakt of voorstelt/,
    /wachtlijst/,
    /abonnementsadres/,
    /vrijwilligersshifts/,
    /aanwezigheid niet bevestigd werd/,
    /e-mailadres van elk ingeschreven lid/,
    /de voornaam en de naam van elke vrijwilliger/,
    /auditlogboek/,
  ],
  en: [
    /Version of (9 December|December 9,) 2026/,
    /one year, unless the school decided otherwise/,
    /Events: the events you create or propose/,
    /waiting list/,
    /subscription address/,
    /volunteer shifts/,
    /attendance was not confirmed/,
    /e-mail address of each member signed up/,
    /first and last name of each volunteer/,
    /audit log/,
  ],
};

await finish(async () => {
  const { context, page } = await newVisitor('privacy', undefined, 'fr-BE');

  await step('the notice is version 2026-12-09 and says what events, the calendar, the audit log, photo consent and the retention purge keep (fr/nl/en)', async () => {
    assert.equal(PRIVACY_VERSION, '2026-12-09');
    await page.goto(`${BASE}/privacy`);
    for (const code of ['fr', 'nl', 'en']) {
      await page.locator('.lang__select').selectOption(code);
      for (const re of EXPECTED[code]) await expectText(main(page), re);
      await axe(page, `privacy-2026-12-09-${code}`);
    }
  });

  await step('the Dutch notice addresses the parent with "u", never "je/jij/jouw"', async () => {
    await page.locator('.lang__select').selectOption('nl');
    const text = await expectText(main(page), /abonnementsadres/);
    assert.doesNotMatch(text, /\b(je|jij|jouw|jullie)\b/i);
    await page.locator('.lang__select').selectOption('fr');
  });

  await context.close();
});
