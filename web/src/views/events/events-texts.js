// The events screens' texts, kept out of the main bundle (src/i18n.js, addScreenTexts): French
// in this chunk, Dutch and English in chunks of their own ("events-nl", "events-en") fetched
// when that language is shown. The router shows an events screen once "textsReady" has settled
// (src/router.js), so no key is ever seen bare. web/tests/i18n-keys.test.mjs checks the three
// files like the app's own catalogues.
import { addScreenTexts } from '../../i18n.js';
import fr from './locales/fr.json';
import './events.css';

export const textsReady = addScreenTexts({
  fr,
  load: { nl: () => import('./locales/nl.json'), en: () => import('./locales/en.json') },
});
