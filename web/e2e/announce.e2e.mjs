// Announcements in the browser (issue #12): a teacher publishes to the class they staff
// (only that class is offered), a parent of a child in it reads it, opens its page as an
// e-mail's "I agree" link would (which acknowledges nothing) and confirms with the button;
// the teacher sees the tally per child. axe-checked in French and Dutch.
import assert from 'node:assert/strict';
import {
  BASE, DESKTOP, MOBILE, apiJson, axe, expectText, finish, heading, main, newParent, promote,
  registerByApi, stamp, step, tokenOf, signInHome,
} from './lib.mjs';

const T = { first: 'Sophie', last: 'Janssens', email: `sophie.teacher.${stamp}@example.be`, password: 'enseignante P3 pass 1' };
const ADMIN = { first: 'Marc', last: 'Dubois', email: `marc.admin.${stamp}@example.be`, password: 'direction école pass 2' };
const P = { first: 'Amina', last: 'Benali', email: `amina.${stamp}@example.be`, password: 'maman de Yasmine 3' };
const TITLE = `Excursion au zoo ${stamp}`;

await finish(async () => {
  let announcementId = '';
  let childId = '';

  await step('set-up: a teacher of P3, an admin, a parent with a child in P3 (through the API)', async () => {
    for (const person of [T, ADMIN, P]) assert.equal((await registerByApi(person)).status, 201);
    promote(T.email, 'teacher');
    promote(ADMIN.email, 'admin');
    const me = await apiJson('GET', '/users/me', undefined, await tokenOf(T));
    const staff = await apiJson('PUT', '/admin/classes/P3/staff', { user_ids: [me.json.id] }, await tokenOf(ADMIN));
    assert.equal(staff.status, 200);
    const child = await apiJson('POST', '/children', { first_name: 'Yasmine', last_name: 'Benali', class_name: 'P3' }, await tokenOf(P));
    assert.equal(child.status, 201);
    childId = child.json.id;
  });

  const { page: tp } = await newParent('T', DESKTOP);

  await step('the teacher publishes to P3, the only class offered, asking parents to confirm', async () => {
    await signInHome(tp, T);
    await tp.getByRole('link', { name: 'Annonces', exact: true }).click();
    await tp.waitForURL(/\/announcements$/);
    await expectText(heading(tp), /^Annonces$/);
    const form = main(tp).locator('form');
    await form.getByLabel('P3 — ', { exact: false }).waitFor();
    assert.equal(await form.getByRole('checkbox').count(), 1, 'a teacher of P3 is offered only P3');
    assert.equal(await form.getByLabel("Toute l'école").count(), 0, 'a teacher cannot address the school');
    await axe(tp, 'announcements-teacher');
    await form.getByRole('button', { name: 'Publier' }).click();
    await expectText(form, /Ce champ est obligatoire/);
    await form.getByLabel('Titre').fill(TITLE);
    await form.getByLabel('Message').fill('Départ à 8 h 30.\nPrévoir un pique-nique.');
    await form.getByLabel('P3 — ', { exact: false }).check();
    await form.getByText("Demander aux parents de confirmer").click();
    assert.equal(await form.getByRole('switch').isChecked(), true);
    await form.getByRole('button', { name: 'Publier' }).click();
    await expectText(form, /Annonce publiée/);
    const card = main(tp).getByTestId('announcement').filter({ hasText: TITLE });
    await expectText(card, /De Sophie Janssens · classes P3/);
    const list = await apiJson('GET', '/announcements', undefined, await tokenOf(T));
    const created = list.json.items.find((a) => a.title === TITLE);
    assert.ok(created, 'not published');
    assert.deepEqual(created.audience, { classes: ['P3'] });
    assert.equal(created.requires_ack, true);
    announcementId = created.id;
    await axe(tp, 'announcements-published');
  });

  const { page: pp } = await newParent('P', MOBILE);

  await step("the parent sees it with the confirmation button; opening its page (the e-mail's link) confirms nothing", async () => {
    await signInHome(pp, P);
    await pp.goto(`${BASE}/announcements`);
    const card = main(pp).getByTestId('announcement').filter({ hasText: TITLE });
    await expectText(card, /Prévoir un pique-nique/);
    await card.getByRole('button', { name: "J'ai lu et je suis d'accord" }).waitFor();
    await axe(pp, 'announcements-parent');
    await pp.goto(`${BASE}/announcements/${announcementId}`);
    await expectText(heading(pp), new RegExp(TITLE));
    await main(pp).getByRole('button', { name: "J'ai lu et je suis d'accord" }).waitFor();
    const tally = await apiJson('GET', `/announcements/${announcementId}/acks`, undefined, await tokenOf(T));
    assert.equal(tally.status, 200);
    // Other files' families may have children in P3 too: only Yasmine is looked at.
    assert.equal(tally.json.totals.acknowledged, 0, 'a GET acknowledged');
    assert.equal(tally.json.items.find((i) => i.child.id === childId).acknowledged, false);
    await axe(pp, 'announcement-page-parent');
  });

  await step('the parent confirms with the button', async () => {
    await main(pp).getByRole('button', { name: "J'ai lu et je suis d'accord" }).click();
    await expectText(main(pp), /Merci : votre confirmation est enregistrée/);
    await expectText(main(pp), /Vous avez confirmé avoir lu et être d'accord/);
    assert.equal(await main(pp).getByRole('button', { name: "J'ai lu et je suis d'accord" }).count(), 0);
    const tally = await apiJson('GET', `/announcements/${announcementId}/acks`, undefined, await tokenOf(T));
    assert.equal(tally.json.totals.acknowledged, 1);
    const row = tally.json.items.find((i) => i.child.id === childId);
    assert.equal(row.acknowledged, true);
    assert.equal(row.acknowledged_by.first_name, 'Amina');
    await pp.reload();
    await expectText(main(pp), /Vous avez confirmé avoir lu et être d'accord/);
  });

  await step('the teacher sees the tally per child; so does a Dutch-speaking admin', async () => {
    await tp.goto(`${BASE}/announcements/${announcementId}`);
    const tally = main(tp).getByTestId('tally');
    await expectText(tally.getByTestId('tally-totals'), /^Confirmés : 1 sur \d+$/);
    await expectText(tally.getByRole('row', { name: /Yasmine Benali/ }), /Yasmine Benali\s+P3\s+Par Amina Benali/);
    await axe(tp, 'announcement-tally');
    const { context, page: ap } = await newParent('ADMIN', MOBILE);
    await context.addInitScript(() => localStorage.setItem('schoolhub.locale', 'nl'));
    await ap.goto(`${BASE}/signin`);
    await main(ap).getByLabel('E-mailadres').fill(ADMIN.email);
    await main(ap).getByLabel('Wachtwoord').fill(ADMIN.password);
    await main(ap).getByRole('button', { name: 'Aanmelden' }).click();
    await ap.waitForURL(`${BASE}/`);
    await ap.goto(`${BASE}/announcements/${announcementId}`);
    await expectText(ap.getByTestId('tally-totals'), /^Bevestigd: 1 van \d+$/);
    await axe(ap, 'announcement-tally-nl');
    await ap.goto(`${BASE}/announcements`);
    await expectText(heading(ap), /^Mededelingen$/);
    await ap.getByLabel('De hele school').waitFor();
    await axe(ap, 'announcements-admin-nl');
  });

  await step('someone it is not addressed to gets "not addressed to you"', async () => {
    const O = { first: 'Omer', last: 'Peeters', email: `omer.${stamp}@example.be`, password: 'autre parent pass 4' };
    assert.equal((await registerByApi(O)).status, 201);
    const { page: op } = await newParent('O', MOBILE);
    await signInHome(op, O);
    await op.goto(`${BASE}/announcements/${announcementId}`);
    await expectText(main(op), /Cette annonce n'existe pas ou ne vous est pas adressée/);
    await op.goto(`${BASE}/announcements`);
    await expectText(main(op), /Aucune annonce pour le moment/);
    await axe(op, 'announcements-empty');
  });
});
