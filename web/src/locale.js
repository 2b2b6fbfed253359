// Changing the UI language: applied at once, remembered on this device, and
// saved in the profile when signed in.
//
// Which language wins: before sign-in, this device's last language or the browser's
// (i18n.js); at sign-in, the member's saved choice, unless they picked a language on
// this page before signing in: that fresh choice is what they want now, so it stays and
// becomes their saved choice.
import { applyLocale, isLocale } from './i18n.js';
import { users } from './api.js';
import { useSessionStore } from './stores/session.js';

// Kept for the tab (sessionStorage), so a reload of the sign-in page does not forget it.
const PICKED_KEY = 'schoolhub.localePickedBeforeSignIn';
function picked() {
  try {
    const value = sessionStorage.getItem(PICKED_KEY);
    return isLocale(value) ? value : null;
  } catch {
    return null; // storage unavailable: the profile's language wins, as before
  }
}
function setPicked(locale) {
  try {
    if (locale) sessionStorage.setItem(PICKED_KEY, locale);
    else sessionStorage.removeItem(PICKED_KEY);
  } catch {
    /* ignore */
  }
}

async function saveInProfile(session, locale) {
  if (!session.signedIn || session.user?.locale === locale) return;
  try {
    session.setUser(await users.update({ locale }));
  } catch {
    // Not fatal: the choice is still kept locally and the profile page can retry.
  }
}

export async function changeLocale(locale) {
  // Dutch and English are loaded on first use (i18n.js): nothing is saved when that fails.
  if (!isLocale(locale) || !(await applyLocale(locale))) return;
  const session = useSessionStore();
  if (!session.signedIn) {
    setPicked(locale);
    return;
  }
  await saveInProfile(session, locale);
}

/** After sign-in or registration: the language picked just before wins, else the profile's. */
export async function adoptUserLocale(user) {
  const wanted = picked();
  setPicked(null);
  if (wanted) {
    if (await applyLocale(wanted)) await saveInProfile(useSessionStore(), wanted);
    return;
  }
  if (user && isLocale(user.locale)) await applyLocale(user.locale);
}
