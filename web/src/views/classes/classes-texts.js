// The classes screens' texts (issue #15), kept out of the main bundle like the admin screens'
// (src/i18n.js, addScreenTexts): French in this chunk, Dutch and English in chunks of their
// own ("classes-nl", "classes-en"). The router shows a classes screen once "textsReady" settles.
import { addScreenTexts } from '../../i18n.js';
import fr from './locales/fr.json';

export const textsReady = addScreenTexts({
  fr,
  load: { nl: () => import('./locales/nl.json'), en: () => import('./locales/en.json') },
});
