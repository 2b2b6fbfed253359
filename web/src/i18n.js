// vue-i18n in Composition (non-legacy) mode. Messages are plain JSON and are
// compiled at run time by vue-i18n's JIT compiler into an AST that is
// interpreted: no `new Function`, so it runs under a CSP without 'unsafe-eval'.
import { createI18n } from 'vue-i18n';
import fr from './locales/fr.json';
import { browserLanguages, pickLocale } from './locale-pick.js';

export const LOCALES = ['fr', 'nl', 'en'];
export const DEFAULT_LOCALE = 'fr';
const STORAGE_KEY = 'schoolhub.locale';

// French is the fallback, so it is in the main bundle; Dutch and English are chunks of
// their own (web/vite.config.js), fetched when that language is first wanted. The service
// worker does not precache them (web/pwa/): a first visit loads one catalogue, not three.
const CATALOGUES = {
  nl: () => import('./locales/nl.json'),
  en: () => import('./locales/en.json'),
};

export function isLocale(value) {
  return LOCALES.includes(value);
}

// The language this device last used (chosen here, or a member's saved choice after
// signing in), else the first of the browser's languages the app speaks, else French.
function initialLocale() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (isLocale(saved)) return saved;
  } catch {
    /* storage unavailable (private mode): fall through */
  }
  return pickLocale(browserLanguages(), LOCALES, DEFAULT_LOCALE);
}

export const i18n = createI18n({
  legacy: false,
  globalInjection: true,
  locale: DEFAULT_LOCALE,
  fallbackLocale: DEFAULT_LOCALE,
  messages: { fr },
  missingWarn: false,
  fallbackWarn: false,
});

/** The BCP 47 tag of a UI locale, for Intl formatting ("fr" -> "fr-BE"). */
export function localeTag(locale) {
  return { fr: 'fr-BE', nl: 'nl-BE', en: 'en-GB' }[locale] || 'fr-BE';
}

/** The current UI locale ("fr" | "nl" | "en"). */
export function currentLocale() {
  return i18n.global.locale.value;
}

const loading = new Map(); // locale -> the promise of its catalogue being added

// The texts of screens in an on-demand chunk (the events screens), so that the main bundle does
// not carry them: French in that chunk, added when it runs; Dutch and English in chunks of their
// own, like the app's catalogues, fetched when that language is shown. Each group:
// {fr: messages, load: {nl: () => import(...), en: ...}, loaded: Set of the languages merged}.
const screenGroups = [];

function loadScreenTexts(locale) {
  return Promise.all(
    screenGroups.map((group) => {
      if (group.loaded.has(locale) || !group.load[locale]) return null;
      return group.load[locale]().then((module) => {
        i18n.global.mergeLocaleMessage(locale, module.default);
        group.loaded.add(locale);
      });
    }),
  );
}

/**
 * Adds the texts of an on-demand chunk's screens ({fr, load: {nl, en}}). Resolves once the
 * language shown has them (a failed load leaves French, the fallback, for those screens).
 */
export function addScreenTexts({ fr: french, load }) {
  i18n.global.mergeLocaleMessage(DEFAULT_LOCALE, french);
  screenGroups.push({ load, loaded: new Set([DEFAULT_LOCALE]) });
  return loadScreenTexts(currentLocale()).catch(() => {});
}

function loadCatalogue(locale) {
  if (i18n.global.availableLocales.includes(locale)) return Promise.resolve();
  if (!loading.has(locale)) {
    const load = CATALOGUES[locale]().then((module) => {
      i18n.global.setLocaleMessage(locale, module.default);
    });
    // A failed fetch (offline, and this language never loaded here) may be retried later.
    load.catch(() => loading.delete(locale));
    loading.set(locale, load);
  }
  return loading.get(locale);
}

// The latest request wins when two overlap (Dutch picked, then English before Dutch arrived).
let latest = 0;

/** Shows the app in "locale" once its catalogue is here; false when it could not be loaded
 * (the UI then stays in the language it was in). */
async function showLocale(locale) {
  const request = ++latest;
  try {
    await loadCatalogue(locale);
  } catch {
    return false;
  }
  // Screens already opened get their texts too; without them they fall back to French.
  await loadScreenTexts(locale).catch(() => {});
  if (request !== latest) return false;
  i18n.global.locale.value = locale;
  document.documentElement.lang = locale;
  return true;
}

/** Switches the UI language (loading its catalogue first) and remembers it on this device.
 * Resolves to whether it was applied. */
export async function applyLocale(locale) {
  if (!isLocale(locale) || !(await showLocale(locale))) return false;
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    /* ignore */
  }
  return true;
}

document.documentElement.lang = DEFAULT_LOCALE;
/** Settles once the first language is shown: main.js mounts the app after it, so a Dutch or
 * English device never sees French first. Never rejects (French stays if the load fails). */
export const firstLocaleShown = showLocale(initialLocale());
