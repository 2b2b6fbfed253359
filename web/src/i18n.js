// vue-i18n in Composition (non-legacy) mode. Messages are plain JSON and are
// compiled at run time by vue-i18n's JIT compiler into an AST that is
// interpreted: no `new Function`, so it runs under a CSP without 'unsafe-eval'.
import { createI18n } from 'vue-i18n';
import fr from './locales/fr.json';
import nl from './locales/nl.json';
import en from './locales/en.json';
import { browserLanguages, pickLocale } from './locale-pick.js';

export const LOCALES = ['fr', 'nl', 'en'];
export const DEFAULT_LOCALE = 'fr';
const STORAGE_KEY = 'schoolhub.locale';

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
const firstLocale = initialLocale();

export const i18n = createI18n({
  legacy: false,
  globalInjection: true,
  locale: firstLocale,
  fallbackLocale: 'fr',
  messages: { fr, nl, en },
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

/** Switches the UI language and remembers it on this device. */
export function applyLocale(locale) {
  if (!isLocale(locale)) return;
  i18n.global.locale.value = locale;
  document.documentElement.lang = locale;
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    /* ignore */
  }
}

document.documentElement.lang = firstLocale;
