// The UI language a browser gets before anyone chose one here: the first of the
// browser's preferred languages (navigator.languages, most preferred first) that the
// app speaks, matched on the language alone ("nl-BE" -> "nl", "en-US" -> "en"), so a
// German-speaking parent who also reads Dutch gets Dutch; the school's language otherwise.
// No imports: web/tests/locale-pick.test.mjs runs it under plain Node.
export function pickLocale(preferred, supported, fallback) {
  for (const tag of Array.isArray(preferred) ? preferred : []) {
    if (typeof tag !== 'string') continue;
    const language = tag.trim().toLowerCase().split(/[-_]/)[0];
    if (supported.includes(language)) return language;
  }
  return fallback;
}

/** The browser's preferred languages, most preferred first ([] when unknown). */
export function browserLanguages(nav = globalThis.navigator) {
  if (!nav) return [];
  if (Array.isArray(nav.languages) && nav.languages.length) return nav.languages;
  return nav.language ? [nav.language] : [];
}
