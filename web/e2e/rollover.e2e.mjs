// The school year's rollover screen (issue #15): an admin opens "Année scolaire", sees the
// server's dry run (each class's children moving up, the P6 children leaving the school, the
// counts per class), opens the confirmation and cancels it: nothing moves. The real run changes
// every child of the server, so it stays in the API suite (tests/api/rollover_suite.c); this
// file only previews and can run beside the others. A parent is sent home from the screen.
import assert from 'node:assert/strict';
import {
  BASE, DESKTOP, apiJson, axe, expectText, finish, heading, main, newParent, promote,
  registerByApi, shot, stamp, step, verifyEmailByApi, tokenOf, signInHome,
} from './lib.mjs';

const ADMIN = { first: 'Roxane', last: 'Direction', email: `roxane.admin.${stamp}@example.be`, password: 'rentrée scolaire pass 1' };
const P = { first: 'Hugo', last: 'Lemaire', email: `hugo.parent.${stamp}@example.be`, password: 'parent de deux pass 2' };
const LEAVER = `Salomé${stamp}`; // P6: leaves the school
const MOVER = `Arthur${stamp}`; // M3: moves to P1

await finish(async () => {
  let parentToken = '';

  await step('set-up: an admin, and a parent with a child in P6 and one in M3', async () => {
    for (const person of [ADMIN, P]) assert.equal((await registerByApi(person)).status, 201);
    promote(ADMIN.email, 'admin');
    await verifyEmailByApi(P);
    parentToken = await tokenOf(P);
    for (const [first, klass] of [[LEAVER, 'P6'], [MOVER, 'M3']]) {
      const r = await apiJson('POST', '/children', { first_name: first, last_name: P.last, class_name: klass }, parentToken);
      assert.equal(r.status, 201, JSON.stringify(r.json));
    }
  });

  const { page: pp } = await newParent('P', DESKTOP);

  await step('a parent opening the school-year screen is sent home', async () => {
    await signInHome(pp, P);
    await pp.goto(`${BASE}/admin/school-year`);
    await pp.waitForURL(`${BASE}/`);
  });

  const { page: ap } = await newParent('ADMIN', DESKTOP);

  await step('the admin previews the rollover: the moves per class and the leavers', async () => {
    await signInHome(ap, ADMIN);
    await ap.getByRole('link', { name: 'Administration' }).click();
    await ap.waitForURL(`${BASE}/admin`);
    await main(ap).getByRole('link', { name: 'Année scolaire' }).click();
    await ap.waitForURL(`${BASE}/admin/school-year`);
    await expectText(heading(ap), /^Année scolaire$/);
    await expectText(main(ap).getByTestId('rollover-preview'), /Aperçu pour l'année scolaire \d{4}-\d{4}/);
    await expectText(main(ap).getByTestId('rollover-class-M3'), new RegExp(`M3 vers P1[\\s\\S]*${MOVER}`));
    await expectText(main(ap).getByTestId('rollover-leavers'), new RegExp(`Quittent l'école[\\s\\S]*${LEAVER}`));
    const p6 = main(ap).getByTestId('rollover-counts').getByRole('row', { name: /^P6/ });
    await expectText(p6, /P6\s+[1-9]\d*\s+\d+/);
    await axe(ap, 'admin-school-year');
    await shot(ap, 'admin-school-year');
  });

  await step('the confirmation asks first; cancelling moves nobody', async () => {
    await main(ap).getByTestId('rollover-start').click();
    const dialog = ap.getByRole('dialog');
    await expectText(dialog, /Commencer la nouvelle année scolaire/);
    await expectText(dialog, /Impossible d'annuler/);
    await axe(ap, 'admin-school-year-confirm');
    await shot(ap, 'admin-school-year-confirm');
    await dialog.getByRole('button', { name: 'Annuler' }).click();
    const children = await apiJson('GET', '/children', undefined, parentToken);
    const classes = Object.fromEntries(children.json.items.map((c) => [c.first_name, [c.class_name, c.left_at]]));
    assert.deepEqual(classes[LEAVER], ['P6', null]);
    assert.deepEqual(classes[MOVER], ['M3', null]);
  });
});
