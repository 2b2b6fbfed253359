// School time: every event is shown, and every time typed is read, in Europe/Brussels,
// whatever the device's own zone (a parent abroad still sees "18:00" for the party at
// 18:00). The API speaks RFC 3339 instants; these helpers turn them into Brussels days and
// times and back, with Intl's time-zone data (no library), daylight saving included.
// Pure functions of their arguments ("now" is passed in): web/tests/events-time.test.mjs.
export const SCHOOL_ZONE = 'Europe/Brussels';

const partsFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: SCHOOL_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

const pad = (n, width = 2) => String(n).padStart(width, '0');

/** The Brussels wall clock of an instant (ms since the epoch): {year, month, day, hour, minute, second}. */
export function wallClock(ms) {
  const out = {};
  for (const { type, value } of partsFormat.formatToParts(new Date(ms))) {
    if (type !== 'literal') out[type] = Number(value);
  }
  return { year: out.year, month: out.month, day: out.day, hour: out.hour, minute: out.minute, second: out.second };
}

/** Minutes Brussels is ahead of UTC at instant "ms" (60 in winter, 120 in summer). */
export function offsetMinutes(ms) {
  const w = wallClock(ms);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

function parseDay(day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '');
  return m ? { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) } : null;
}

function parseTime(time) {
  const m = /^(\d{2}):(\d{2})$/.exec(time || '');
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) return null;
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

/**
 * The instant (ms) of a Brussels day ("YYYY-MM-DD") and time ("HH:MM"); NaN when either is
 * not well formed. A time skipped by the spring change (02:30 on the last Sunday of March)
 * lands one hour later, as a clock would show it; a time seen twice in October is its first.
 */
export function brusselsInstant(day, time = '00:00') {
  const d = parseDay(day);
  const t = parseTime(time);
  if (!d || !t) return NaN;
  const wall = Date.UTC(d.year, d.month - 1, d.day, t.hour, t.minute);
  if (Number.isNaN(wall)) return NaN;
  // The offset at the wall time read as UTC is at most an hour off the true one: try the
  // offsets around it and keep the earliest instant whose Brussels clock shows that wall time.
  const candidates = [wall - offsetMinutes(wall - 3 * 3600000) * 60000, wall - offsetMinutes(wall + 3 * 3600000) * 60000];
  const exact = candidates.filter((ms) => {
    const w = wallClock(ms);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) === wall;
  });
  if (exact.length) return Math.min(...exact);
  return Math.max(...candidates); // in the spring gap: the clock shows an hour later
}

/** An instant as RFC 3339 with Brussels' offset: "2026-12-10T18:00:00+01:00". */
export function toRfc3339(ms) {
  const w = wallClock(ms);
  const off = offsetMinutes(ms);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** A form's Brussels day and time as the API's RFC 3339 text; '' when not well formed. */
export function fromBrusselsLocal(day, time = '00:00') {
  const ms = brusselsInstant(day, time);
  return Number.isNaN(ms) ? '' : toRfc3339(ms);
}

/** The Brussels day ("YYYY-MM-DD") of an RFC 3339 instant or of ms; '' when unreadable. */
export function dayOf(value) {
  const ms = typeof value === 'number' ? value : Date.parse(value || '');
  if (Number.isNaN(ms)) return '';
  const w = wallClock(ms);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** The Brussels time ("HH:MM") of an RFC 3339 instant; '' when unreadable. */
export function timeOf(value) {
  const ms = Date.parse(value || '');
  if (Number.isNaN(ms)) return '';
  const w = wallClock(ms);
  return `${pad(w.hour)}:${pad(w.minute)}`;
}

/** "YYYY-MM-DD" plus "n" days (calendar days, no time zone involved). */
export function addDays(day, n) {
  const d = parseDay(day);
  if (!d) return '';
  const date = new Date(Date.UTC(d.year, d.month - 1, d.day + n));
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** The Monday of the week "weeks" weeks after the one holding "now" (Brussels days). */
export function mondayOf(now, weeks = 0) {
  const today = dayOf(now);
  const d = parseDay(today);
  const weekday = new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay(); // 0 = Sunday
  return addDays(today, -((weekday + 6) % 7) + 7 * weeks);
}

/** {from, to, first, last}: a Brussels week (Monday 00:00 to the next Monday 00:00) as RFC 3339. */
export function weekRange(now, weeks = 0) {
  const first = mondayOf(now, weeks);
  const next = addDays(first, 7);
  return { from: fromBrusselsLocal(first), to: fromBrusselsLocal(next), first, last: addDays(next, -1) };
}

/** {from, to, first, last}: a Brussels calendar month, "months" months after the one of "now". */
export function monthRange(now, months = 0) {
  const d = parseDay(dayOf(now));
  const start = new Date(Date.UTC(d.year, d.month - 1 + months, 1));
  const end = new Date(Date.UTC(d.year, d.month + months, 1));
  const first = `${start.getUTCFullYear()}-${pad(start.getUTCMonth() + 1)}-01`;
  const next = `${end.getUTCFullYear()}-${pad(end.getUTCMonth() + 1)}-01`;
  return { from: fromBrusselsLocal(first), to: fromBrusselsLocal(next), first, last: addDays(next, -1) };
}

/** The Brussels day an all-day event ends on: its ends_at is the midnight after it (exclusive). */
export function lastDayOf(event) {
  if (!event?.ends_at) return dayOf(event?.starts_at);
  return dayOf(Date.parse(event.ends_at) - 60000);
}

/** Events grouped by their Brussels start day, in order: [{day, events}]. */
export function groupByDay(events) {
  const groups = [];
  for (const event of events || []) {
    const day = dayOf(event.starts_at);
    const last = groups[groups.length - 1];
    if (last && last.day === day) last.events.push(event);
    else groups.push({ day, events: [event] });
  }
  return groups;
}

// ---- display: Intl in the UI language, always in the school's zone -------------

const formats = new Map();
function format(tag, options) {
  const key = `${tag}|${JSON.stringify(options)}`;
  if (!formats.has(key)) formats.set(key, new Intl.DateTimeFormat(tag, { timeZone: SCHOOL_ZONE, ...options }));
  return formats.get(key);
}

const noon = (day) => brusselsInstant(day, '12:00');

/** "jeudi 10 décembre 2026" for a Brussels day. */
export function formatDay(day, tag) {
  const ms = noon(day);
  return Number.isNaN(ms) ? '' : format(tag, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(ms);
}

/** "18:00" in the UI language's way. */
export function formatTime(value, tag) {
  const ms = Date.parse(value || '');
  return Number.isNaN(ms) ? '' : format(tag, { hour: '2-digit', minute: '2-digit' }).format(ms);
}

/** "10 déc. 2026, 18:00" */
export function formatDateTimeShort(value, tag) {
  const ms = Date.parse(value || '');
  return Number.isNaN(ms) ? '' : format(tag, { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
}

/**
 * When an event happens, in words, with "t" for the few fixed phrases:
 * "jeudi 10 décembre 2026, 18:00 – 20:00", "… 18:00 – vendredi 11 décembre 2026, 02:00",
 * "samedi 12 décembre 2026 (toute la journée)", "… 12 … – dimanche 13 … (toute la journée)".
 */
export function describeWhen(event, tag, t) {
  if (!event) return '';
  const startDay = dayOf(event.starts_at);
  if (event.all_day) {
    const lastDay = lastDayOf(event);
    const days = lastDay && lastDay !== startDay ? `${formatDay(startDay, tag)} – ${formatDay(lastDay, tag)}` : formatDay(startDay, tag);
    return t('events.when.allDay', { days });
  }
  const start = `${formatDay(startDay, tag)}, ${formatTime(event.starts_at, tag)}`;
  if (!event.ends_at) return start;
  const endDay = dayOf(event.ends_at);
  const end = endDay === startDay ? formatTime(event.ends_at, tag) : `${formatDay(endDay, tag)}, ${formatTime(event.ends_at, tag)}`;
  return `${start} – ${end}`;
}

/** "18:00 – 20:00", "toute la journée": the time part of an agenda line. */
export function describeHours(event, tag, t) {
  if (event.all_day) return t('events.when.allDayShort');
  const start = formatTime(event.starts_at, tag);
  if (!event.ends_at) return start;
  const end = formatTime(event.ends_at, tag);
  return dayOf(event.ends_at) === dayOf(event.starts_at) ? `${start} – ${end}` : `${start} – ${formatDateTimeShort(event.ends_at, tag)}`;
}

/** Whether the sign-up deadline has passed at "now" (ms). */
export function signupClosed(event, now) {
  const deadline = Date.parse(event?.signup_deadline || '');
  return !Number.isNaN(deadline) && now > deadline;
}
