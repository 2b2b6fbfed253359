// Browser test of the SEL directory's search (issue #11 item 9, issue #10): a French
// parent offers "Réparation de vélos"; a Dutch-speaking parent types Dutch words into the
// directory's search field and finds it through its category (repairs: "fiets",
// "herstellingen"), with plurals, accents and capitals not mattering; the field's hint
// says how search works and is tied to the field.
import assert from 'node:assert/strict';
import { BASE, MOBILE, apiJson, axe, expectText, finish, main, newParent, register, stamp, step } from './lib.mjs';

const FR = { first: 'Gaëlle', last: 'Dufour', email: `gaelle.${stamp}@example.be`, password: 'velo et chaine 12' };
const NL = { first: 'Wouter', last: 'Claes', email: `wouter.${stamp}@example.be`, password: 'fiets en bel 3456' };
const TITLE = `Réparation de vélos ${stamp}`;

await finish(async () => {
  const fr = await newParent('FR', MOBILE);
  const nl = await newParent('NL', MOBILE);
  const m = main(nl.page);
  const results = () => m.getByRole('list', { name: 'Services trouvés' });

  /** Types "q" into the directory's search field; waits for the app's request of that
   * search and for the list it shows. Returns the titles the server answered. */
  async function searchFor(q) {
    const answered = nl.page.waitForResponse((r) => {
      const url = new URL(r.url());
      return url.pathname === '/api/v1/sel/services' && url.searchParams.get('q') === q.trim();
    });
    await m.getByLabel('Rechercher', { exact: true }).fill(q);
    const response = await answered;
    assert.equal(response.status(), 200);
    await m.locator('.loading').first().waitFor({ state: 'detached' }).catch(() => {});
    return (await response.json()).items.map((s) => s.title);
  }

  await step('a French parent offers a bike repair service, in French', async () => {
    await register(fr.page, FR);
    const login = await apiJson('POST', '/auth/login', { email: FR.email, password: FR.password });
    assert.equal(login.status, 200);
    const created = await apiJson(
      'POST',
      '/sel/services',
      { title: TITLE, description: 'Freins, dérailleurs et crevaisons.', category: 'repairs', kind: 'offer' },
      login.json.access_token,
    );
    assert.equal(created.status, 201);
  });

  await step('a Dutch-speaking parent signs up and opens the time bank directory', async () => {
    await register(nl.page, NL);
    await nl.page.goto(`${BASE}/sel`);
    await m.getByLabel('Rechercher', { exact: true }).waitFor();
  });

  await step('the search field says how search works, tied to the field', async () => {
    const field = m.getByLabel('Rechercher', { exact: true });
    const hintId = await field.getAttribute('aria-describedby');
    assert.ok(hintId, 'the search field has no aria-describedby');
    await expectText(nl.page.locator(`#${hintId}`), /catégorie en français, néerlandais ou anglais/);
    await expectText(nl.page.locator(`#${hintId}`), /pluriels/);
    await axe(nl.page, 'sel-directory-search-hint');
  });

  await step('a Dutch-speaking parent searching "fiets" finds the French "Réparation de vélos"', async () => {
    const titles = await searchFor('fiets');
    assert.ok(titles.includes(TITLE), `fiets found: ${titles.join(' | ')}`);
    await expectText(results(), new RegExp(TITLE));
  });

  await step('the Dutch category name in the plural, and French words with accents or not, find it too', async () => {
    for (const q of ['herstellingen', 'FIETSEN', 'velo', 'Réparations vélo', 'freins']) {
      const titles = await searchFor(q);
      assert.ok(titles.includes(TITLE), `${q} found: ${titles.join(' | ')}`);
      await expectText(results(), new RegExp(TITLE));
    }
  });

  await step('a word that begins no word of it does not find it', async () => {
    const titles = await searchFor(`elos ${stamp}`);
    assert.deepEqual(titles, []);
    await expectText(m, /Aucun service trouvé/);
  });
});
