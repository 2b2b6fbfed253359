// The privacy notice's texts (3.4 KB compressed in French, the longest group of the app), kept
// out of the main bundle: few members read the notice, and a first visit stays within its
// budget (web/e2e/compress.e2e.mjs). French travels with the notice's chunk, Dutch and English
// in chunks of their own ("privacy-nl", "privacy-en"); the router shows the notice once
// "textsReady" has settled (src/router.js), so no key is ever seen bare.
import { addScreenTexts } from '../../i18n.js';
import fr from './locales/fr.json';

export const textsReady = addScreenTexts({
  fr,
  load: { nl: () => import('./locales/nl.json'), en: () => import('./locales/en.json') },
});
