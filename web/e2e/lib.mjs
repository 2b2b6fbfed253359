// What every browser test shares (tests/e2e/run.sh runs each web/e2e/*.e2e.mjs
// against one real server and sets E2E_BASE_URL): the browser, parents in their
// own contexts, steps that report and stop at the first failure, API calls from
// outside the browser, axe-core checks and screenshots. A test file calls
// finish() last: it fails the run on any axe violation, page error, CSP
// violation or 5xx seen, closes the browser and sets the exit status.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { PRIVACY_VERSION } from '../src/privacy.js';

export const BASE = process.env.E2E_BASE_URL;
export const SHOTS = process.env.E2E_SCREENSHOTS || '';
assert.ok(BASE, 'E2E_BASE_URL is not set (run tests/e2e/run.sh)');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
export const MOBILE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };
export const TIMEOUT = 10000;

export const stamp = Date.now().toString(36);
export const A = { first: 'Élodie', last: 'Martin', email: `elodie.${stamp}@example.be`, password: 'premier mot de passe 1' };
export const B = { first: 'Thomas', last: 'Leroy', email: `thomas.${stamp}@example.be`, password: 'second parent pass 2' };

export const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

// ---- settling a screen --------------------------------------------------------
// Chromium's "networkidle" (no connection for 500 ms) never comes while the app holds its
// realtime WebSocket open from the page's load, so waiting for it cost a 10 s timeout on
// those screens (most of the browser step's time). Instead every context's HTTP requests
// are counted per page (WebSockets are not requests here), and a screen is settled when
// none has been in flight for QUIET_MS and nothing shows `.loading`.
const QUIET_MS = 300;
const inflight = new WeakMap(); // page -> {reqs: requests in flight, since: when the last ended}
function pageState(page) {
  let st = inflight.get(page);
  if (!st) inflight.set(page, (st = { reqs: new Set(), since: Date.now() }));
  return st;
}
function trackRequests(context) {
  const pageOf = (r) => {
    try {
      return r.frame().page();
    } catch {
      return null; // a service worker's own request: no page waits for it
    }
  };
  context.on('request', (r) => {
    const page = pageOf(r);
    if (!page) return;
    const st = pageState(page);
    // A new document: the old one's requests end without any event (a session refresh cut
    // by page.goto stayed "in flight" forever), so the count starts again from this one.
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) st.reqs.clear();
    st.reqs.add(r);
  });
  const done = (r) => {
    const page = pageOf(r);
    if (!page) return;
    const st = pageState(page);
    st.reqs.delete(r);
    st.since = Date.now();
  };
  // Its answer's head is enough: a request the service worker answers never reports
  // "requestfinished" to the page (seen with the session refresh at start-up).
  context.on('response', (resp) => done(resp.request()));
  context.on('requestfinished', done);
  context.on('requestfailed', done);
}
const newContextUntracked = browser.newContext.bind(browser);
browser.newContext = async (...args) => {
  const context = await newContextUntracked(...args);
  trackRequests(context);
  return context;
};

/** Waits until the page has had no HTTP request in flight for QUIET_MS and shows no `.loading`. */
export async function settle(page) {
  await page.waitForLoadState('load').catch(() => {});
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const st = pageState(page);
    if (st.reqs.size === 0 && Date.now() - st.since >= QUIET_MS) break;
    if (Date.now() > deadline) break; // a screen that polls: judge it as it is
    await new Promise((r) => setTimeout(r, 50));
  }
  await page.locator('.loading').first().waitFor({ state: 'detached', timeout: TIMEOUT }).catch(() => {});
}

// ---- bookkeeping -------------------------------------------------------------
export const problems = []; // page errors, CSP violations, unexpected 5xx: each fails the run
export const axeResults = []; // {screen, violations}
let failed = false;
export const failedStep = () => failed;

export async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (err) {
    failed = true;
    console.log(`FAIL ${name}: ${err.message.split('\n').slice(0, 6).join('\n     ')}`);
    throw err;
  }
}

export async function newParent(who, viewport) {
  return newVisitor(who, viewport, 'fr-BE');
}

/** A fresh browser context whose language is "locale" (navigator.languages), watched like newParent's. */
export async function newVisitor(who, viewport, locale) {
  const context = await browser.newContext({ viewport, locale, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('pageerror', (e) => problems.push(`[${who}] page error: ${e.message} @ ${page.url()}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) {
      problems.push(`[${who}] console error: ${m.text()} @ ${page.url()}`);
    }
  });
  page.on('response', (r) => {
    if (r.status() >= 500) problems.push(`[${who}] HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return { context, page };
}

export const main = (page) => page.locator('main');
export const heading = (page) => page.locator('main h1').first();

/** A JSON call to the API outside any browser (another device of a parent). */
export async function apiJson(method, path, body, token) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${BASE}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = response.status === 204 ? null : await response.json().catch(() => null);
  return { status: response.status, json };
}

/** Signs "person" in through the API (no browser) and returns their access token. */
export async function tokenOf(person) {
  const r = await apiJson('POST', '/auth/login', { email: person.email, password: person.password });
  assert.equal(r.status, 200, `login ${person.email}: ${JSON.stringify(r.json)}`);
  return r.json.access_token;
}

/** Another device of "person" signs in and out: every access token of the account ends. */
export async function otherDeviceSignsOut(person) {
  const login = await apiJson('POST', '/auth/login', { email: person.email, password: person.password });
  assert.equal(login.status, 200);
  const out = await apiJson('POST', '/auth/logout', { refresh_token: login.json.refresh_token }, login.json.access_token);
  assert.equal(out.status, 204);
}

/** The refresh-token cookie of a browser context, its attributes checked; undefined if none. */
export async function sessionCookie(context) {
  const cookie = (await context.cookies()).find((c) => c.name === 'schoolhub_refresh');
  if (cookie) {
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/api/v1/auth/session');
  }
  return cookie;
}

/** No token where a script in the page could read it: not in document.cookie nor in storage. */
export async function assertNoTokenInPage(page) {
  const seen = await page.evaluate(() => ({
    cookie: document.cookie,
    stored: [localStorage, sessionStorage].flatMap((s) => Object.keys(s).map((k) => `${k}=${s.getItem(k)}`)),
  }));
  assert.ok(!/schoolhub_refresh/.test(seen.cookie), `document.cookie: ${seen.cookie}`);
  for (const entry of seen.stored) {
    assert.ok(!/token|eyJ|schoolhub\.session/i.test(entry), `storage holds ${entry}`);
  }
}

export async function signInAs(page, person) {
  await main(page).getByLabel('Adresse e-mail').fill(person.email);
  await main(page).getByLabel('Mot de passe').fill(person.password);
  await main(page).getByRole('button', { name: 'Se connecter' }).click();
}

/** Opens the sign-in screen, signs "person" in and waits for the home screen. */
export async function signInHome(page, person) {
  await page.goto(`${BASE}/signin`);
  await signInAs(page, person);
  await page.waitForURL(`${BASE}/`);
}

/** Waits until the locator's text matches. */
export async function expectText(locator, pattern, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    last = (await locator.innerText().catch(() => '')) || '';
    if (pattern.test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${pattern} in: ${last.replace(/\s+/g, ' ').slice(0, 400)}`);
}

/**
 * Waits until the locator matches exactly n elements. A count read at once races the screen:
 * a heading is drawn before its list arrives, and a new search's answer replaces the old list
 * a moment after the click.
 */
export async function expectCount(locator, n, message = '', timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last = -1;
  while (Date.now() < deadline) {
    last = await locator.count();
    if (last === n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${n} elements, found ${last}${message ? `: ${message}` : ''}`);
}

export async function balanceOf(page) {
  await page.goto(`${BASE}/`);
  const text = await expectText(page.getByTestId('balance'), /-?\d+/);
  return Number(/(-?\d+)/.exec(text.replace('−', '-'))[1]);
}

/** axe-core on the current screen: serious and critical violations fail the run. */
export async function axe(page, screen) {
  await settle(page);
  // Runs in the page through the DevTools protocol, so the app's CSP still applies to the app.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  axeResults.push({ screen, checked: result.passes.length, violations: bad });
}

export async function shot(page, name) {
  if (!SHOTS) return;
  await settle(page);
  const size = page.viewportSize();
  await page.screenshot({ path: join(SHOTS, `${name}-${size.width}x${size.height}.png`), fullPage: false });
}

export async function register(page, person) {
  await page.goto(`${BASE}/register`);
  const m = main(page);
  await m.getByLabel('Prénom').fill(person.first);
  await m.getByLabel('Nom', { exact: true }).fill(person.last);
  await m.getByLabel('Adresse e-mail').fill(person.email);
  await m.getByLabel('Mot de passe', { exact: true }).fill(person.password);
  await m.getByLabel("J'ai lu la notice de confidentialité").check();
  await m.getByRole('button', { name: 'Créer mon compte' }).click();
  await page.waitForURL(/\/children/);
  await expectText(heading(page), /Mes enfants/);
}

/** The privacy notice version a registration accepts (web/src/privacy.js). */
export { PRIVACY_VERSION };

/** Registers "person" through the API (no browser); returns {status, json}. */
export function registerByApi(person, extra = {}) {
  return apiJson('POST', '/auth/register', {
    email: person.email,
    password: person.password,
    first_name: person.first,
    last_name: person.last,
    privacy_version: PRIVACY_VERSION,
    ...extra,
  });
}

/** Gives the account of "email" a role with `schoolhub user promote` on the test's database. */
export function promote(email, role) {
  const bin = process.env.E2E_SCHOOLHUB_BIN;
  assert.ok(bin, 'E2E_SCHOOLHUB_BIN is not set (run tests/e2e/run.sh)');
  execFileSync(bin, ['user', 'promote', email, '--role', role], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The last step of every test file: axe and problems checked, browser closed, exit status set. */
export async function finish(run) {
  let exitCode = 0;
  try {
    await run();
    await step('accessibility: no serious or critical axe violation on any screen', async () => {
      const bad = axeResults.filter((r) => r.violations.length);
      console.log(`     axe checked ${axeResults.length} screens`);
      for (const r of bad) {
        for (const v of r.violations) {
          console.log(`     ${r.screen}: ${v.impact} ${v.id}: ${v.help}`);
          for (const n of v.nodes.slice(0, 3)) console.log(`       ${n.target.join(' ')} — ${n.failureSummary.replace(/\n/g, ' ')}`);
        }
      }
      assert.equal(bad.length, 0, `${bad.length} screens with serious/critical violations`);
    });
    await step('no page error, CSP violation or 5xx during the run', async () => {
      assert.deepEqual(problems, []);
    });
  } catch (err) {
    exitCode = 1;
    if (!failed) console.log(`FAIL ${err.stack}`);
    if (problems.length) console.log(`problems seen:\n  ${problems.join('\n  ')}`);
  } finally {
    await browser.close();
  }
  process.exit(exitCode);
}

// ---- e-mail ------------------------------------------------------------------
// The server of tests/e2e/run.sh has no SMTP URL: its e-mails are files in its outbox
// (E2E_OUTBOX), one RFC 5322 message each, bodies in base64.
export const OUTBOX = process.env.E2E_OUTBOX || '';

/** The text part of the newest e-mail to "email" whose text matches "pattern", waiting for it. */
export async function mailTo(email, pattern = /./, timeout = TIMEOUT) {
  assert.ok(OUTBOX, 'E2E_OUTBOX is not set (run tests/e2e/run.sh)');
  const until = Date.now() + timeout;
  for (;;) {
    let names = [];
    try {
      names = readdirSync(OUTBOX).filter((n) => n.endsWith('.eml') && !n.startsWith('.'));
    } catch {
      /* not created before the first e-mail */
    }
    for (const name of names.sort().reverse()) {
      const msg = readFileSync(join(OUTBOX, name), 'utf8');
      const to = /^To: (.*)$/m.exec(msg);
      if (!to || to[1].trim() !== email) continue;
      const part = /Content-Type: text\/plain[^\n]*\r?\nContent-Transfer-Encoding: base64\r?\n\r?\n([\s\S]*?)\r?\n--/.exec(msg);
      const text = part ? Buffer.from(part[1].replace(/\s+/g, ''), 'base64').toString('utf8') : '';
      if (pattern.test(text)) return text;
    }
    if (Date.now() > until) throw new Error(`no e-mail to ${email} matching ${pattern}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Opens the verification link e-mailed to "person" in "page", as they would. */
/** Confirms a member's address outside any browser: the link's token from the outbox, posted. */
export async function verifyEmailByApi(person) {
  const text = await mailTo(person.email, /verify-email\?token=/);
  const token = /verify-email\?token=([A-Za-z0-9_-]+)/.exec(text)[1];
  const r = await apiJson('POST', '/auth/verify-email', { token });
  assert.equal(r.status, 200, `verify-email: ${JSON.stringify(r.json)}`);
}

export async function verifyEmail(page, person) {
  const text = await mailTo(person.email, /verify-email\?token=/);
  const token = /verify-email\?token=([A-Za-z0-9_-]+)/.exec(text)[1];
  await page.goto(`${BASE}/verify-email?token=${token}`);
  await expectText(main(page), /adresse e-mail est vérifiée/);
}
