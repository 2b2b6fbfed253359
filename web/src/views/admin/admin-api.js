// The admin API (issue #15: members, the audit log, module switches). It lives with the admin
// screens, in their on-demand chunk, rather than in src/api.js: nothing of it weighs on a
// first visit, and only admins ever load it (docs/PERFORMANCE.md).
import { api, query } from '../../api.js';

const memberPath = (id) => `/admin/users/${encodeURIComponent(id)}`;

export const members = {
  /** {q, role, class, status (active|pending|deactivated), limit, cursor}, in id order. */
  list: (params) => api.get(`/admin/users${query(params)}`),
  /** {role} and/or {status: active|deactivated}; 409 last_admin. */
  update: (id, fields) => api.patch(memberPath(id), fields),
  passwordReset: (id) => api.post(`${memberPath(id)}/password-reset`),
  approve: (id) => api.post(`${memberPath(id)}/approve`),
  /** Erases the pending account. */
  refuse: (id) => api.post(`${memberPath(id)}/refuse`),
};

export const audit = {
  /** {actor, action, target, from, to, limit, cursor}: newest first. */
  list: (params) => api.get(`/admin/audit${query(params)}`),
  /** The same page as CSV (a Response). */
  csv: (params) => api.get(`/admin/audit${query(params)}`, { raw: true, headers: { Accept: 'text/csv' } }),
};

export const moduleSwitches = {
  /** {name: on} for every module SCHOOLHUB_MODULES enables. */
  get: () => api.get('/admin/modules'),
  /** Changes the modules named; answers every module's state. */
  set: (changes) => api.put('/admin/modules', changes),
};

/** Modules an admin can never switch off (the server refuses: not_switchable). */
export const ALWAYS_ON = ['auth', 'users', 'jobs', 'admin'];

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
