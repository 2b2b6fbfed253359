// The admins' analytics screen in the browser (issue #15): an admin opens it from the admin
// tabs and sees the weekly chart with its table (the chart's text alternative; counts of 1 to
// 4 read "< 5"), picks a period and downloads the figures as CSV; axe-checked. A parent has no
// administration entry and is sent home from the screen's address. Figures are school-wide on
// a shared server: the steps check their form, never exact counts (the API suite does).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  BASE, DESKTOP, MOBILE, axe, expectText, finish, heading, main, newParent, promote,
  registerByApi, stamp, step, signInHome,
} from './lib.mjs';

const ADMIN = { first: 'Odile', last: 'Dewitte', email: `odile.analytics.${stamp}@example.be`, password: 'chiffres admin pass 1' };
const P = { first: 'Bruno', last: 'Claes', email: `bruno.analytics.${stamp}@example.be`, password: 'simple parent pass 2' };

// A cell of a count: 0, "< 5", 5 or more (or "–" where a figure has no value).
const COUNT_CELL = /^(0|< 5|[5-9]|[1-9]\d+|–)$/;

await finish(async () => {
  await step('set-up: an admin and a parent', async () => {
    for (const person of [ADMIN, P]) assert.equal((await registerByApi(person)).status, 201);
    promote(ADMIN.email, 'admin');
  });

  const { page: ap } = await newParent('ADMIN', DESKTOP);

  await step('the admin opens Statistiques: a chart of the weeks and its table, "< 5" as such', async () => {
    await signInHome(ap, ADMIN);
    await ap.getByRole('link', { name: 'Administration' }).click();
    await ap.waitForURL(`${BASE}/admin`);
    await main(ap).getByRole('link', { name: 'Statistiques' }).click();
    await ap.waitForURL(`${BASE}/admin/analytics`);
    await expectText(heading(ap), /^Statistiques$/);
    const weekly = main(ap).getByTestId('analytics-weekly');
    await expectText(weekly, /Familles actives/);
    assert.ok((await weekly.locator('canvas').count()) >= 1, 'the weekly chart is drawn');
    const table = weekly.getByRole('table');
    const rows = await table.locator('tbody tr').count();
    assert.ok(rows >= 13, `13 weeks or more by default, got ${rows}`);
    for (const cell of await table.locator('tbody td').allTextContents()) {
      assert.match(cell.trim(), COUNT_CELL);
    }
    await expectText(main(ap), /Soldes SEL des membres/);
    await axe(ap, 'admin-analytics');
  });

  await step('the admin picks a period and downloads the same figures as CSV', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 20 * 86400000).toISOString().slice(0, 10);
    await main(ap).getByLabel('Du').fill(from);
    await main(ap).getByLabel('Au').fill(today);
    await main(ap).getByRole('button', { name: 'Afficher' }).click();
    const table = main(ap).getByTestId('analytics-weekly').getByRole('table');
    await expectText(table.locator('tbody'), /W\d\d/);
    const rows = await table.locator('tbody tr').count();
    assert.ok(rows >= 3 && rows <= 5, `20 days span 3 to 5 weeks, got ${rows}`);
    const [download] = await Promise.all([
      ap.waitForEvent('download'),
      main(ap).getByRole('button', { name: 'Télécharger en CSV' }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.match(csv, /^figure,period,category,value\r\n/);
    assert.match(csv, /\r\nactive_families,"\d{4}-W\d\d","","(0|< 5|\d{2,}|[5-9])"\r\n/);
    assert.doesNotMatch(csv, /,"[1-4]"\r\n/);
  });

  const { page: pp } = await newParent('P', MOBILE);

  await step('a parent has no administration entry, and the analytics address takes them home', async () => {
    await signInHome(pp, P);
    await expectText(heading(pp), /Bonjour/);
    assert.equal(await pp.getByRole('link', { name: 'Administration' }).count(), 0);
    assert.equal(await pp.getByRole('link', { name: 'Statistiques' }).count(), 0);
    await pp.goto(`${BASE}/admin/analytics`);
    await pp.waitForURL(`${BASE}/`);
    await expectText(heading(pp), /Bonjour/);
  });
});
