// The admin API (issue #15: members, the audit log, module switches). It lives with the admin
// screens, in their on-demand chunk, rather than in src/api.js: nothing of it weighs on a
// first visit, and only admins ever load it (docs/PERFORMANCE.md).
import { api, query } from '../../api.js';
import { appendCsvPage, nextCursorOf } from './audit-csv.js';

const memberPath = (id) => `/admin/users/${encodeURIComponent(id)}`;

export const members = {
  /** {q, role, class, status (active|pending|deactivated), limit, cursor}, in id order. */
  list: (params) => api.get(`/admin/users${query(params)}`),
  /** One member with children, guardians, SEL balance and last sign-in (an audited look). */
  get: (id) => api.get(memberPath(id)),
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

export const analytics = {
  /** {from, to} (Brussels days, both optional): the figures, counts of 1-4 as "< 5". */
  get: (params) => api.get(`/admin/analytics${query(params)}`),
  /** The same figures as CSV (a Response). */
  csv: (params) => api.get(`/admin/analytics${query({ ...params, format: 'csv' })}`, { raw: true }),
};

export const moduleSwitches = {
  /** {name: on} for every module SCHOOLHUB_MODULES enables. */
  get: () => api.get('/admin/modules'),
  /** Changes the modules named; answers every module's state. */
  set: (changes) => api.put('/admin/modules', changes),
};

export const schoolYear = {
  /** {dry_run, force}: the moves (planned with dry_run, done without); 409 already_rolled_over. */
  rollover: (body) => api.post('/admin/school-year/rollover', body),
};

/** Modules an admin can never switch off (the server refuses: not_switchable). */
export const ALWAYS_ON = ['auth', 'users', 'jobs', 'admin'];

/**
 * Every row the filters select as one CSV text (one header line), page after page of 100 rows,
 * at most "maxPages" pages; {text, complete: false} when more rows were left out.
 */
export async function auditCsv(filters, maxPages = 50) {
  let text = '';
  let cursor;
  for (let page = 0; page < maxPages; page++) {
    const response = await audit.csv({ ...filters, limit: 100, cursor });
    text = appendCsvPage(text, await response.text(), page === 0);
    cursor = nextCursorOf(response.headers.get('Link'));
    if (!cursor) return { text, complete: true };
  }
  return { text, complete: false };
}

/** Offers "text" as a file named "name" to download. */
export function saveText(text, name, type = 'text/csv') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
