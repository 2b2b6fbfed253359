// Changing the UI language: applied at once, remembered on this device, and
// saved in the profile when signed in.
import { applyLocale, isLocale } from './i18n.js';
import { users } from './api.js';
import { useSessionStore } from './stores/session.js';

export async function changeLocale(locale) {
  if (!isLocale(locale)) return;
  applyLocale(locale);
  const session = useSessionStore();
  if (session.signedIn && session.user?.locale !== locale) {
    try {
      session.setUser(await users.update({ locale }));
    } catch {
      // Not fatal: the choice is still kept locally and the profile page can retry.
    }
  }
}

/** After sign-in: the language saved in the profile wins. */
export function adoptUserLocale(user) {
  if (user && isLocale(user.locale)) applyLocale(user.locale);
}
