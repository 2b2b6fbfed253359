// The event form's fields <-> the API's event (pure: web/tests/events-form.test.mjs). Days and
// times are typed in Brussels; an all-day event is sent as the Brussels midnights of its first
// day and of the day after its last (the end is exclusive, like iCalendar's DTEND).
import { CLASSES } from '../../classes.js';
import { addDays, dayOf, fromBrusselsLocal, lastDayOf, timeOf } from './event-time.js';

export function emptyForm(today) {
  return {
    title: '', description: '', location: '', all_day: false,
    start_day: today, start_time: '', end_day: today, end_time: '',
    school: false, classes: [], signup: false, capacity: '', deadline_day: '', deadline_time: '',
  };
}

/** The form's fields of an event from the API. */
export function formOf(event) {
  const allDay = Boolean(event.all_day);
  return {
    title: event.title || '',
    description: event.description || '',
    location: event.location || '',
    all_day: allDay,
    start_day: dayOf(event.starts_at),
    start_time: allDay ? '' : timeOf(event.starts_at),
    end_day: allDay ? lastDayOf(event) : event.ends_at ? dayOf(event.ends_at) : dayOf(event.starts_at),
    end_time: allDay || !event.ends_at ? '' : timeOf(event.ends_at),
    school: Boolean(event.audience?.school),
    classes: [...(event.audience?.classes || [])],
    signup: event.signup === 'family',
    capacity: event.capacity === null || event.capacity === undefined ? '' : String(event.capacity),
    deadline_day: event.signup_deadline ? dayOf(event.signup_deadline) : '',
    deadline_time: event.signup_deadline ? timeOf(event.signup_deadline) : '',
  };
}

/**
 * {body, errors}: the API's body for the form, and the fields the member must fix
 * ({field: reason key}: 'required' | 'endBeforeStart' | 'capacity' | 'audience').
 */
export function bodyOf(form) {
  const errors = {};
  const body = {
    title: form.title.trim(),
    description: form.description.trim(),
    location: form.location.trim(),
    all_day: form.all_day,
  };
  if (!body.title) errors.title = 'required';
  if (form.all_day) {
    body.starts_at = fromBrusselsLocal(form.start_day);
    const last = form.end_day || form.start_day;
    body.ends_at = fromBrusselsLocal(addDays(last, 1));
    if (!body.starts_at) errors.starts_at = 'required';
    else if (body.ends_at && Date.parse(body.ends_at) <= Date.parse(body.starts_at)) errors.ends_at = 'endBeforeStart';
  } else {
    body.starts_at = fromBrusselsLocal(form.start_day, form.start_time);
    if (!body.starts_at) errors.starts_at = 'required';
    if (form.end_time) {
      body.ends_at = fromBrusselsLocal(form.end_day || form.start_day, form.end_time);
      if (!body.ends_at) errors.ends_at = 'required';
      else if (body.starts_at && Date.parse(body.ends_at) <= Date.parse(body.starts_at)) errors.ends_at = 'endBeforeStart';
    } else {
      body.ends_at = null;
    }
  }
  const classes = CLASSES.filter((c) => form.classes.includes(c));
  if (form.school) body.audience = { school: true };
  else if (classes.length) body.audience = { classes };
  else errors.audience = 'audience';
  body.signup = form.signup ? 'family' : 'none';
  if (form.signup) {
    const text = String(form.capacity ?? '').trim();
    const capacity = text === '' ? null : Number(text);
    if (capacity !== null && (!Number.isInteger(capacity) || capacity < 1)) errors.capacity = 'capacity';
    body.capacity = capacity;
    if (form.deadline_day) {
      body.signup_deadline = fromBrusselsLocal(form.deadline_day, form.deadline_time || '23:59');
    } else {
      body.signup_deadline = null;
    }
  } else {
    body.capacity = null;
    body.signup_deadline = null;
  }
  return { body, errors };
}
