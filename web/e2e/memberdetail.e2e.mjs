// The admin's page of one member (issue #15): from the members list, an admin opens a parent's
// page and sees their account, their child with its guardians, their SEL balance and their last
// sign-in; changes their role there; and the page explains the rule that keeps an active admin.
// The audit log's filter knows the retention purge's action. axe-checked. Registers its own
// members (finds them by their unique address).
import assert from 'node:assert/strict';
import {
  BASE, DESKTOP, apiJson, axe, expectText, finish, heading, main, newParent, promote,
  registerByApi, signInAs, stamp, step, tokenOf,
} from './lib.mjs';

const ADMIN = { first: 'Hélène', last: 'Dujardin', email: `helene.detail.${stamp}@example.be`, password: 'direction detail pass 1' };
const P = { first: 'Bruno', last: 'Vandamme', email: `bruno.detail.${stamp}@example.be`, password: 'parent detail pass 2' };

await finish(async () => {
  let parentId = '';

  await step('set-up: an admin, and a parent with a child', async () => {
    for (const person of [ADMIN, P]) assert.equal((await registerByApi(person)).status, 201);
    promote(ADMIN.email, 'admin');
    const token = await tokenOf(P);
    const child = await apiJson('POST', '/children', { first_name: 'Capucine', last_name: 'Vandamme', class_name: 'P2' }, token);
    assert.equal(child.status, 201, JSON.stringify(child.json));
    parentId = (await apiJson('GET', '/users/me', undefined, token)).json.id;
  });

  const { page } = await newParent('ADMIN', DESKTOP);

  await step('the admin opens the parent from the members list: account, child, balance', async () => {
    await page.goto(`${BASE}/signin`);
    await signInAs(page, ADMIN);
    await page.waitForURL(`${BASE}/`);
    await page.goto(`${BASE}/admin`);
    await main(page).getByLabel('Rechercher un membre').fill(P.email);
    await main(page).getByRole('button', { name: 'Rechercher' }).click();
    await main(page).getByTestId(`member-${P.email}`).getByRole('link', { name: `${P.first} ${P.last}` }).click();
    await page.waitForURL(`${BASE}/admin/members/${parentId}`);
    await expectText(heading(page), new RegExp(`^${P.first} ${P.last}$`));
    await expectText(main(page).getByTestId('member-email'), new RegExp(P.email.replace(/\./g, '\\.')));
    await expectText(main(page).getByTestId('member-children'), /Capucine Vandamme \(P2\)/);
    await expectText(main(page).getByTestId('member-children'), new RegExp(`${P.first} ${P.last}`));
    await expectText(main(page).getByTestId('member-balance'), /unité/);
    await expectText(main(page).getByTestId('member-status'), /^Actif$/);
    await expectText(main(page), /au moins un administrateur actif/);
    await axe(page, 'admin-member');
  });

  await step('the admin makes the parent a teacher on that page', async () => {
    await main(page).getByLabel(`Rôle de ${P.first} ${P.last}`).selectOption('teacher');
    await main(page).getByRole('button', { name: 'Changer le rôle' }).click();
    await expectText(main(page), new RegExp(`Le rôle de ${P.first} ${P.last} a été changé`));
    await expectText(main(page).getByTestId('member-role'), /Enseignant·e/);
    // The child and the balance stay on the page after the change.
    await expectText(main(page).getByTestId('member-children'), /Capucine/);
    const me = await apiJson('GET', '/users/me', undefined, await tokenOf(P));
    assert.equal(me.json.role, 'teacher');
  });

  await step("the audit log's action filter offers the retention purge's rows", async () => {
    await page.goto(`${BASE}/admin/audit`);
    const option = main(page).getByLabel('Action').locator('option[value="retention.purged"]');
    assert.equal((await option.textContent()).trim(), 'Purge de conservation (données expirées effacées)');
  });

  await step('an unknown member says so', async () => {
    await page.goto(`${BASE}/admin/members/3f2c8e1a-7b4d-4c9e-8a1f-0d2e3c4b5a69`);
    await expectText(main(page), /Ce membre n'existe pas ou a été supprimé/);
  });
});
