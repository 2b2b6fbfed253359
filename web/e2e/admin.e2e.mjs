// The admin screens in the browser (issue #15): an admin finds a member, changes their role,
// deactivates and reactivates them (each confirmed), sees the audit rows and downloads them as
// CSV, switches a module off and on; a parent sees none of it. Registration by approval: the
// rig's server registers openly, so one account is made pending with `schoolhub user pending`
// (the state `SCHOOLHUB_REGISTRATION=approval` gives a new account); that member sees the
// waiting screen instead of errors, and the admin finds them with the "pending" filter and
// approves them. axe-checked on every new screen.
// e2e: alone (it switches a module off for its whole server, and finds members by name: it
// runs after the groups on a fresh server of its own, tests/e2e/run.sh)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  BASE, DESKTOP, MOBILE, apiJson, axe, expectCount, expectText, finish, heading, main, newParent,
  promote, registerByApi, stamp, step, tokenOf, signInHome,
} from './lib.mjs';

const ADMIN = { first: 'Nadia', last: 'Lambert', email: `nadia.admin.${stamp}@example.be`, password: 'direction admin pass 1' };
const M = { first: 'Quentin', last: 'Verhoeven', email: `quentin.${stamp}@example.be`, password: 'futur enseignant pass 2' };
const W = { first: 'Lucie', last: 'Renard', email: `lucie.pending.${stamp}@example.be`, password: 'en attente pass 3' };

/** What registration by approval does to a new account: `schoolhub user pending` on the rig's database. */
function makePending(email) {
  const bin = process.env.E2E_SCHOOLHUB_BIN;
  assert.ok(bin, 'E2E_SCHOOLHUB_BIN is not set (run tests/e2e/run.sh)');
  execFileSync(bin, ['user', 'pending', email], { stdio: ['ignore', 'pipe', 'pipe'] });
}

const memberCard = (page, person) => main(page).getByTestId(`member-${person.email}`);

await finish(async () => {
  let memberId = '';

  await step('set-up: an admin, a parent, and a parent whose registration waits for approval', async () => {
    for (const person of [ADMIN, M, W]) assert.equal((await registerByApi(person)).status, 201);
    promote(ADMIN.email, 'admin');
    makePending(W.email);
    const me = await apiJson('GET', '/users/me', undefined, await tokenOf(M));
    memberId = me.json.id;
    const pending = await apiJson('GET', '/sel/services', undefined, await tokenOf(W));
    assert.equal(pending.status, 403);
    assert.equal(pending.json.code, 'pending_approval');
  });

  const { page: mp } = await newParent('M', MOBILE);

  await step('a parent has no administration link, and /admin takes them home', async () => {
    await signInHome(mp, M);
    await expectText(heading(mp), /Bonjour/);
    assert.equal(await mp.getByRole('link', { name: 'Administration' }).count(), 0);
    await mp.goto(`${BASE}/admin`);
    await mp.waitForURL(`${BASE}/`);
    await expectText(heading(mp), /Bonjour/);
  });

  const { page: ap } = await newParent('ADMIN', DESKTOP);

  await step('the admin finds the parent by name and makes them a teacher', async () => {
    await signInHome(ap, ADMIN);
    await ap.getByRole('link', { name: 'Administration' }).click();
    await ap.waitForURL(`${BASE}/admin`);
    await expectText(heading(ap), /^Administration$/);
    await main(ap).getByLabel('Rechercher un membre').fill(M.last);
    await main(ap).getByRole('button', { name: 'Rechercher' }).click();
    const card = memberCard(ap, M);
    await expectText(card, /Parent/);
    await expectCount(main(ap).locator('[data-testid^="member-"]'), 1, 'the search finds one member');
    await axe(ap, 'admin-members');
    await card.getByLabel(`Rôle de ${M.first} ${M.last}`).selectOption('teacher');
    await card.getByRole('button', { name: 'Changer le rôle' }).click();
    await expectText(main(ap), new RegExp(`Le rôle de ${M.first} ${M.last} a été changé`));
    await expectText(card, /Enseignant·e/);
    const me = await apiJson('GET', '/users/me', undefined, await tokenOf(M));
    assert.equal(me.json.role, 'teacher');
  });

  await step('deactivating asks first, then signs the member out; reactivating lets them in again', async () => {
    const card = memberCard(ap, M);
    await card.getByRole('button', { name: 'Désactiver' }).click();
    const dialog = ap.getByRole('dialog');
    await expectText(dialog, new RegExp(`Désactiver le compte de ${M.first} ${M.last}`));
    await axe(ap, 'admin-members-confirm');
    await dialog.getByRole('button', { name: 'Annuler' }).click();
    assert.equal((await apiJson('POST', '/auth/login', { email: M.email, password: M.password })).status, 200, 'cancel changes nothing');
    await card.getByRole('button', { name: 'Désactiver' }).click();
    await dialog.getByRole('button', { name: 'Désactiver' }).click();
    await expectText(card, /Désactivé/);
    assert.notEqual((await apiJson('POST', '/auth/login', { email: M.email, password: M.password })).status, 200);
    await card.getByRole('button', { name: 'Réactiver' }).click();
    await dialog.getByRole('button', { name: 'Réactiver' }).click();
    await expectText(card, /Actif/);
    assert.equal((await apiJson('POST', '/auth/login', { email: M.email, password: M.password })).status, 200);
  });

  await step('the audit log shows the role change about that member, and downloads it as CSV', async () => {
    await main(ap).getByRole('link', { name: "Journal d'audit" }).click();
    await ap.waitForURL(`${BASE}/admin/audit`);
    await expectText(heading(ap), /^Journal d'audit$/);
    await main(ap).getByLabel('Action').selectOption('member.role_changed');
    await main(ap).getByLabel('Identifiant concerné').fill(memberId);
    await main(ap).getByRole('button', { name: 'Filtrer' }).click();
    const row = main(ap).getByTestId('audit-member.role_changed').filter({ hasText: memberId });
    await expectText(row, /Rôle changé/);
    await expectCount(main(ap).locator('[data-testid^="audit-"]'), 1, 'the filter keeps one row');
    await axe(ap, 'admin-audit');
    const [download] = await Promise.all([
      ap.waitForEvent('download'),
      main(ap).getByRole('button', { name: 'Télécharger (CSV)' }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.match(csv, /member\.role_changed/);
    assert.match(csv, new RegExp(memberId));
  });

  await step('the admin switches the events module off (its menu entry goes) and on again', async () => {
    await main(ap).getByRole('link', { name: 'Modules' }).click();
    await ap.waitForURL(`${BASE}/admin/modules`);
    await expectText(heading(ap), /^Modules$/);
    const events = main(ap).getByRole('switch', { name: /Événements/ });
    assert.equal(await events.isChecked(), true);
    assert.equal(await main(ap).getByRole('switch', { name: /Membres|users|auth/ }).count(), 0, 'core modules cannot be switched');
    await axe(ap, 'admin-modules');
    await main(ap).getByText('Événements', { exact: true }).click();
    await expectText(main(ap), /Le module « Événements » est désactivé/);
    assert.equal(await events.isChecked(), false);
    const off = await apiJson('GET', '/config');
    assert.ok(!off.json.modules.includes('events'), 'events still on');
    await ap.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Agenda' }).waitFor({ state: 'detached' });
    await main(ap).getByText('Événements', { exact: true }).click();
    await expectText(main(ap), /Le module « Événements » est activé/);
    assert.equal(await events.isChecked(), true);
    const on = await apiJson('GET', '/config');
    assert.ok(on.json.modules.includes('events'), 'events still off');
    await ap.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Agenda' }).waitFor();
  });

  await step('in Dutch, the admin screens show their Dutch texts (a chunk of their own)', async () => {
    await ap.getByLabel('Langue', { exact: true }).selectOption('nl');
    await main(ap).getByRole('link', { name: 'Leden' }).click();
    await ap.waitForURL(`${BASE}/admin`);
    await expectText(heading(ap), /^Beheer$/);
    await main(ap).getByLabel('Status').selectOption('pending');
    await expectText(memberCard(ap, W), /Wacht op goedkeuring/);
    await axe(ap, 'admin-members-nl');
    await main(ap).getByRole('link', { name: 'Auditlogboek' }).click();
    await expectText(heading(ap), /^Auditlogboek$/);
    await expectText(main(ap), /Rol gewijzigd/);
    await ap.getByLabel('Taal', { exact: true }).selectOption('fr');
    await expectText(heading(ap), /^Journal d'audit$/);
  });

  const { page: wp } = await newParent('W', MOBILE);

  await step('a member waiting for approval sees the waiting screen, not errors; the profile opens', async () => {
    await signInHome(wp, W);
    await expectText(heading(wp), /Votre compte attend une approbation/);
    await axe(wp, 'pending-approval');
    await wp.goto(`${BASE}/sel`);
    await expectText(heading(wp), /Votre compte attend une approbation/);
    assert.equal(await main(wp).getByRole('alert').filter({ hasText: /./ }).count(), 0, 'no error shown');
    await main(wp).getByRole('link', { name: 'Voir mon profil' }).click();
    await wp.waitForURL(`${BASE}/profile`);
    await expectText(heading(wp), /Mon profil/);
  });

  await step('the admin finds them with the "pending" filter and approves them; the app then opens', async () => {
    await main(ap).getByRole('link', { name: 'Membres' }).click();
    await ap.waitForURL(`${BASE}/admin`);
    await main(ap).getByLabel('Statut').selectOption('pending');
    const card = memberCard(ap, W);
    await expectText(card, /En attente d'approbation/);
    assert.equal(await memberCard(ap, M).count(), 0, 'an active member is not pending');
    await axe(ap, 'admin-members-pending');
    await card.getByRole('button', { name: 'Approuver' }).click();
    await expectText(main(ap), new RegExp(`Le compte de ${W.first} ${W.last} est approuvé`));
    await expectText(card, /Actif/);
    await wp.goto(`${BASE}/`);
    await expectText(heading(wp), /Bonjour/);
    assert.equal((await apiJson('GET', '/sel/services', undefined, await tokenOf(W))).status, 200);
  });
});
