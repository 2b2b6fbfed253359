// Photo consent in the browser (issue #15): a parent answers "no" for their child on the
// child's page (three choices, "ask" explained), and a teacher of that class sees the answer
// in the class's photo-consent list, with the counts; a teacher of another class cannot open
// it; an admin sees the nine classes and changes a class's staff. axe-checked in French and
// Dutch.
import assert from 'node:assert/strict';
import {
  BASE, DESKTOP, MOBILE, apiJson, axe, expectText, finish, heading, main, newParent, promote,
  registerByApi, shot, stamp, step, PRIVACY_VERSION, expectCount, tokenOf, signInHome,
} from './lib.mjs';

const T = { first: 'Nadia', last: 'Claes', email: `nadia.teacher.${stamp}@example.be`, password: 'enseignante M2 photo 1' };
const OTHER = { first: 'Jan', last: 'Wouters', email: `jan.teacher.${stamp}@example.be`, password: 'leerkracht M3 foto 2' };
const ADMIN = { first: 'Luc', last: 'Direction', email: `luc.admin.${stamp}@example.be`, password: 'direction photo pass 3' };
const P = { first: 'Chloé', last: 'Maes', email: `chloe.${stamp}@example.be`, password: 'maman de Lina photo 4' };
const CHILD = { first_name: 'Lina', last_name: `Maes${stamp}`, class_name: 'M2' };

await finish(async () => {
  let childId = '';

  await step('set-up: a teacher of M2, a teacher of M3, a parent with a child in M2 (through the API)', async () => {
    for (const person of [T, ADMIN, P]) assert.equal((await registerByApi(person)).status, 201);
    assert.equal((await registerByApi(OTHER, { locale: 'nl' })).status, 201); // the app then speaks Dutch to him
    promote(T.email, 'teacher');
    promote(OTHER.email, 'teacher');
    promote(ADMIN.email, 'admin');
    const admin = await tokenOf(ADMIN);
    for (const [person, cls] of [[T, 'M2'], [OTHER, 'M3']]) {
      const me = await apiJson('GET', '/users/me', undefined, await tokenOf(person));
      const staff = await apiJson('PUT', `/admin/classes/${cls}/staff`, { user_ids: [me.json.id] }, admin);
      assert.equal(staff.status, 200);
    }
    const child = await apiJson('POST', '/children', CHILD, await tokenOf(P));
    assert.equal(child.status, 201);
    childId = child.json.id;
  });

  const { page: pp } = await newParent('P', MOBILE);

  await step("the parent answers « Non » on the child's page; « ask » is explained and was the default", async () => {
    await signInHome(pp, P);
    await pp.goto(`${BASE}/children/${childId}`);
    await expectText(heading(pp), /Lina/);
    const choice = main(pp).getByRole('group', { name: 'Photos de votre enfant' });
    await expectText(choice, /L'enseignant vous demande votre accord avant chaque photo/);
    await expectText(choice, /Personne n'a encore répondu/);
    assert.equal(await choice.getByRole('radio', { name: /Me demander à chaque fois/ }).isChecked(), true);
    await axe(pp, 'child-photo-consent-fr');
    await shot(pp, 'child-photo-consent');
    await choice.getByRole('radio', { name: /^Non/ }).check();
    await main(pp).getByRole('button', { name: 'Enregistrer' }).click();
    await expectText(main(pp), /Les informations ont été enregistrées|enregistr/);
    await expectText(choice, /Réponse donnée par Chloé Maes le/);
    const stored = await apiJson('GET', `/children/${childId}`, undefined, await tokenOf(P));
    assert.equal(stored.json.photo_consent, 'no');
    await pp.goto(`${BASE}/children`);
    await expectText(main(pp).locator('.child-card').filter({ hasText: 'Lina' }), /Pas de photos/);
  });

  await step('the teacher of M2 opens Classes, then the photo consent of M2: Lina is « Pas de photos »', async () => {
    const { page: tp } = await newParent('T', DESKTOP);
    await signInHome(tp, T);
    await tp.getByRole('link', { name: 'Classes', exact: true }).click();
    await tp.waitForURL(/\/classes$/);
    const list = main(tp).getByTestId('class-list');
    await expectText(list, /Nadia Claes/);
    assert.equal(await list.locator('li').count(), 1, 'a teacher sees only the class they staff');
    await axe(tp, 'classes-teacher-fr');
    await list.getByRole('link', { name: /Accord photo/ }).click();
    await tp.waitForURL(/\/classes\/M2$/);
    const row = main(tp).getByTestId('consent-table').getByRole('row').filter({ hasText: CHILD.last_name });
    await expectText(row, /Pas de photos/);
    await expectText(main(tp).getByTestId('consent-counts'), /Non : 1/);
    await expectText(main(tp), /journal d'audit/);
    await axe(tp, 'class-consents-teacher-fr');
    await shot(tp, 'class-photo-consents');
    await tp.context().close();
  });

  await step('in Dutch too; a teacher of M3 is refused the list of M2', async () => {
    const { page: op } = await newParent('O', DESKTOP);
    await signInHome(op, OTHER);
    await op.goto(`${BASE}/classes`);
    await expectText(heading(op), /^Klassen$/);
    await expectText(main(op).getByTestId('class-list'), /Jan Wouters/);
    await axe(op, 'classes-teacher-nl');
    const refused = await apiJson('GET', '/classes/M2/photo-consents', undefined, await tokenOf(OTHER));
    assert.equal(refused.status, 403);
    await op.context().close();
  });

  await step('the privacy notice (version 2026-12-09) says who sees the answer about photos, fr/nl/en', async () => {
    assert.equal(PRIVACY_VERSION, '2026-12-09');
    const { page: vp } = await newParent('V', MOBILE);
    await vp.goto(`${BASE}/privacy`);
    const says = {
      fr: [/votre réponse pour les photos \(oui, non, ou vous demander à chaque fois\)/, /les enseignants de la classe de votre enfant/, /liste des accords photo d'une classe/],
      nl: [/uw antwoord over foto's/, /de leerkrachten van de klas van uw kind/, /lijst met fototoestemmingen van een klas/],
      en: [/your answer about photos/, /the teachers of your child's class/, /a class's photo-consent list/],
    };
    for (const code of ['fr', 'nl', 'en']) {
      await vp.locator('.lang__select').selectOption(code);
      for (const re of says[code]) await expectText(main(vp), re);
    }
    await vp.context().close();
  });

  await step("an admin sees all nine classes and adds the teacher of M2 to M3's staff", async () => {
    const { page: ap } = await newParent('A', DESKTOP);
    await signInHome(ap, ADMIN);
    await ap.goto(`${BASE}/classes`);
    await expectText(heading(ap), /^Classes$/);
    await expectCount(main(ap).getByTestId('class-list').locator('li'), 9);
    await ap.goto(`${BASE}/classes/M3`);
    await expectText(main(ap).getByTestId('class-staff'), /Jan Wouters/);
    await main(ap).getByRole('button', { name: "Modifier l'équipe" }).click();
    await main(ap).getByRole('checkbox', { name: 'Nadia Claes' }).check();
    await axe(ap, 'class-staff-admin-fr');
    await main(ap).getByRole('button', { name: "Enregistrer l'équipe" }).click();
    await expectText(main(ap), /L'équipe a été enregistrée/);
    await expectText(main(ap).getByTestId('class-staff'), /Nadia Claes/);
    const classes = await apiJson('GET', '/classes', undefined, await tokenOf(ADMIN));
    const m3 = classes.json.items.find((c) => c.name === 'M3');
    assert.deepEqual(m3.staff.map((m) => m.last_name).sort(), ['Claes', 'Wouters']);
    await ap.context().close();
  });
});
