// The admin screens' texts, kept out of the main bundle (src/i18n.js, addScreenTexts): French
// in this chunk, Dutch and English in chunks of their own ("admin-nl", "admin-en") fetched when
// that language is shown. The router shows an admin screen once "textsReady" has settled.
import { addScreenTexts } from '../../i18n.js';
import fr from './locales/fr.json';

export const textsReady = addScreenTexts({
  fr,
  load: { nl: () => import('./locales/nl.json'), en: () => import('./locales/en.json') },
});
