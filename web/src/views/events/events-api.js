// The events API (issue #14: agenda, sign-ups and the waiting list, volunteer shifts, the
// calendar feed). It lives with the events screens, in their on-demand chunk, rather than in
// src/api.js: nothing of it weighs on a first visit (docs/PERFORMANCE.md).
import { api, query } from '../../api.js';

const eventPath = (id) => `/events/${encodeURIComponent(id)}`;
const shiftPath = (id, shiftId) => `${eventPath(id)}/shifts/${encodeURIComponent(shiftId)}`;

export const events = {
  /** {from, to, class, status, limit, cursor}: addressed to me, by start time; status=proposed: proposals. */
  list: (params) => api.get(`/events${query(params)}`),
  get: (id) => api.get(eventPath(id)),
  /** Staff: published at once; a parent's is a proposal until an admin publishes it. */
  create: (data) => api.post('/events', data),
  update: (id, fields) => api.patch(eventPath(id), fields),
  publish: (id) => api.post(`${eventPath(id)}/publish`),
  cancel: (id, reason) => api.post(`${eventPath(id)}/cancel`, { reason }),
  /** 201 {status: confirmed|waiting, position}. */
  register: (id, adults, children) => api.post(`${eventPath(id)}/registrations`, { adults, children }),
  changeRegistration: (id, adults, children) => api.patch(`${eventPath(id)}/registrations/me`, { adults, children }),
  withdraw: (id) => api.del(`${eventPath(id)}/registrations/me`),
  /** The organiser's list; as CSV (a Response) with csv = true. */
  registrations: (id) => api.get(`${eventPath(id)}/registrations`),
  registrationsCsv: (id) => api.get(`${eventPath(id)}/registrations`, { raw: true, headers: { Accept: 'text/csv' } }),
  /** One event as an iCalendar file (a Response). */
  ics: (id) => api.get(`${eventPath(id)}.ics`, { raw: true, headers: { Accept: 'text/calendar' } }),
};

export const shifts = {
  list: (id) => api.get(`${eventPath(id)}/shifts`),
  create: (id, data) => api.post(`${eventPath(id)}/shifts`, data),
  volunteer: (id, shiftId) => api.post(`${shiftPath(id, shiftId)}/volunteers`),
  withdraw: (id, shiftId) => api.del(`${shiftPath(id, shiftId)}/volunteers/me`),
  /** The organiser's (and admins') list: names, attendance_confirmed, reward_transaction_id. */
  volunteers: (id, shiftId) => api.get(`${shiftPath(id, shiftId)}/volunteers`),
  /** The organiser confirms who came: each is credited the shift's reward once. */
  attendance: (id, shiftId, userIds) => api.post(`${shiftPath(id, shiftId)}/attendance`, { user_ids: userIds }),
};

export const calendarFeed = {
  /** A new private feed URL (shown once; any earlier one stops working). */
  create: () => api.post('/calendar/feed'),
  revoke: () => api.del('/calendar/feed'),
};

/** Saves a Response as a file named by its Content-Disposition, else "fallback". */
export async function saveResponse(response, fallback) {
  const header = response.headers.get('Content-Disposition') || '';
  const name = /filename="([^"]+)"/.exec(header)?.[1] || fallback;
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
