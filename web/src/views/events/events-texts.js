// The events screens' texts in French, Dutch and English, added to vue-i18n when this chunk
// runs (src/i18n.js, addScreenTexts): the main bundle carries only the navigation entry.
// Every events view imports this module first. web/tests/i18n-keys.test.mjs checks the three
// files like the app's own catalogues.
import { addScreenTexts } from '../../i18n.js';
import fr from './locales/fr.json';
import nl from './locales/nl.json';
import en from './locales/en.json';

addScreenTexts({ fr, nl, en });
import './events.css';
