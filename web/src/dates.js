// Dates and times in the UI language.
import { localeTag } from './i18n.js';

/** Formats "YYYY-MM-DD" for display in the given locale (no time-zone shift). */
export function formatDate(iso, locale) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || '');
  if (!m) return iso || '';
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(localeTag(locale), { dateStyle: 'long', timeZone: 'UTC' }).format(date);
}

/** Formats an RFC 3339 timestamp as a local date and time. */
export function formatDateTime(value, locale) {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(localeTag(locale), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}
