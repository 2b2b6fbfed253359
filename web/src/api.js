// The API client: JSON over fetch, same origin, under /api/v1.
//
// - Sends the current UI locale as Accept-Language (the server localises its
//   problem+json titles and messages from it).
// - Sends the access token as `Authorization: Bearer` (it lives in memory only).
// - Says `X-SchoolHub-Client: web`: the server then keeps the refresh token in an
//   HttpOnly cookie that only /auth/session/refresh and /auth/session/logout receive,
//   and checks that those two requests carry this header and come from this origin.
// - On a 401, refreshes once (with the cookie) and retries the request once.
//   The refresh token is single-use (rotated) and shared by every tab, so refreshes
//   take turns across tabs (tab-sync.js), and concurrent 401s in a tab share one.
// - If the refresh fails, the session is cleared and the app is sent to sign-in.
// - Errors are thrown as ApiError, built from RFC 9457 problem+json.
import { useSessionStore } from './stores/session.js';
import { currentLocale } from './i18n.js';
import { inRefreshTurn } from './tab-sync.js';

const BASE = '/api/v1';

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 for a network failure
   * @param {object} problem the problem+json body (or a stand-in)
   */
  constructor(status, problem = {}) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.code = problem.code || null;
    /** {field: message} from problem.errors[] */
    this.fieldErrors = {};
    if (Array.isArray(problem.errors)) {
      for (const e of problem.errors) {
        if (e && e.field && !this.fieldErrors[e.field]) {
          this.fieldErrors[e.field] = e.message || e.code || '';
        }
      }
    }
  }

  /** A message for the page-level alert (title and detail from the server). */
  get summary() {
    const { title, detail } = this.problem;
    if (title && detail && detail !== title) return `${title} — ${detail}`;
    return title || detail || this.message;
  }
}

let onSessionExpired = () => {};
/** Registers what to do when the session is gone (set once by main.js). */
export function setSessionExpiredHandler(fn) {
  onSessionExpired = fn;
}

let refreshPromise = null;

async function parseError(response) {
  let problem = {};
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      problem = (await response.json()) || {};
    } catch {
      problem = {};
    }
  }
  if (!problem.status) problem.status = response.status;
  return new ApiError(response.status, problem);
}

// A 401 about a password the user typed (e.g. the current password when
// deleting the account) is not about the token: it must not trigger a refresh.
async function isCredentialError(response) {
  try {
    const problem = await response.clone().json();
    return typeof problem?.code === 'string' && /password|credential/i.test(problem.code);
  } catch {
    return false;
  }
}

async function send(method, path, { body, token, signal, extraHeaders } = {}) {
  const headers = {
    Accept: 'application/json, application/problem+json',
    'Accept-Language': currentLocale(),
    'X-SchoolHub-Client': 'web',
    ...extraHeaders,
  };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    return await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal,
    });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, { code: 'network_error' });
  }
}

/**
 * Exchanges the cookie's refresh token for a new access token (and a new cookie). One
 * runs at a time in a tab (callers arriving meanwhile share it) and across tabs (see
 * tab-sync.js). Resolves to true when a new access token is stored, false when there is
 * no session; throws when the server could not tell (network, 5xx).
 */
export function refreshSession() {
  if (refreshPromise) return refreshPromise;
  const session = useSessionStore();
  const epoch = session.epoch;
  refreshPromise = inRefreshTurn(async () => {
    const response = await send('POST', '/auth/session/refresh');
    if (!response.ok) {
      // Network trouble or a 5xx is not proof that the session is dead.
      if (response.status >= 500) throw await parseError(response);
      return false;
    }
    const pair = await response.json();
    // Signed out meanwhile (here or in another tab): that answer is not wanted any more.
    if (session.epoch !== epoch) return false;
    session.setTokens(pair);
    return true;
  }).finally(() => {
    refreshPromise = null;
  });
  return refreshPromise;
}

let restorePromise = null;

/**
 * On load: restores the session from the cookie, once. Resolves when known (signed in or
 * not); the router waits for it before deciding where a page may go.
 */
export function restoreSession() {
  if (!restorePromise) {
    restorePromise = refreshSession().catch(() => false);
  }
  return restorePromise;
}

function expire() {
  const session = useSessionStore();
  session.clear('expired'); // the handler below navigates (App.vue's watcher stands aside)
  onSessionExpired();
}

/**
 * Calls the API and returns the parsed JSON body (null for 204).
 * options: body (object), auth (default true), raw (return the Response),
 * refresh (default true: try a refresh on 401), signal, headers (extra request headers).
 */
export async function request(method, path, options = {}) {
  const { body, auth = true, raw = false, refresh = true, signal, headers: extraHeaders } = options;
  const session = useSessionStore();

  // A refresh already in flight: wait for it rather than spend a request on a 401.
  if (auth && refreshPromise) {
    try {
      await refreshPromise;
    } catch {
      /* handled by the request below */
    }
  }

  let token = auth ? session.accessToken : null;
  let response = await send(method, path, { body, token, signal, extraHeaders });

  if (response.status === 401 && auth && refresh && token && !(await isCredentialError(response))) {
    let ok;
    if (session.accessToken && session.accessToken !== token) {
      ok = true; // someone else refreshed while this request was out
    } else {
      ok = await refreshSession();
    }
    if (!ok) {
      expire();
      throw await parseError(response);
    }
    token = session.accessToken;
    response = await send(method, path, { body, token, signal, extraHeaders });
    if (response.status === 401) {
      expire();
      throw await parseError(response);
    }
  }

  if (!response.ok) {
    const error = await parseError(response);
    // An account waiting for an admin's approval: the app shows the waiting screen.
    if (response.status === 403 && error.code === 'pending_approval') session.markPending();
    throw error;
  }
  if (raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  if (!type.includes('json')) return null;
  return response.json();
}

export const api = {
  get: (path, opts) => request('GET', path, opts),
  post: (path, body, opts) => request('POST', path, { ...opts, body }),
  patch: (path, body, opts) => request('PATCH', path, { ...opts, body }),
  put: (path, body, opts) => request('PUT', path, { ...opts, body }),
  del: (path, body, opts) => request('DELETE', path, { ...opts, body }),
};

// ---- endpoints -------------------------------------------------------------

export const auth = {
  login: (email, password) => api.post('/auth/login', { email, password }, { auth: false }),
  register: (data) => api.post('/auth/register', data, { auth: false }),
  /** Ends this browser's session (the cookie is the proof; no access token needed). */
  logout: () => api.post('/auth/session/logout', undefined, { auth: false, refresh: false }),
  /** Ends every session of the account, on every device. */
  logoutAll: () => api.post('/auth/logout-all'),
  /** Sends the verification link again to the signed-in account's address. */
  requestVerification: () => api.post('/auth/verify-email/request'),
  /** Uses a verification link's token (works signed in or not). */
  verifyEmail: (token) => api.post('/auth/verify-email', { token }, { auth: false }),
  /** Asks for a "forgotten password" link (the answer is the same for every address). */
  requestPasswordReset: (email) =>
    api.post('/auth/password-reset/request', { email }, { auth: false }),
  /** Sets a new password with a reset link's token; every session of the account ends. */
  resetPassword: (token, password) =>
    api.post('/auth/password-reset', { token, password }, { auth: false, refresh: false }),
};

export const users = {
  me: () => api.get('/users/me'),
  update: (fields) => api.patch('/users/me', fields),
  changePassword: (current_password, new_password) =>
    api.post('/users/me/password', { current_password, new_password }),
  exportData: () => api.get('/users/me/export', { raw: true }),
  deleteAccount: (password) => api.del('/users/me', { password }),
};

const childPath = (id) => `/children/${encodeURIComponent(id)}`;

export const children = {
  list: () => api.get('/children'),
  get: (id) => api.get(childPath(id)),
  create: (data) => api.post('/children', data),
  update: (id, fields) => api.patch(childPath(id), fields),
  remove: (id) => api.del(childPath(id)),
  // Always 202 with the same body, whether or not the address has an account.
  inviteGuardian: (id, email, relationship) =>
    api.post(`${childPath(id)}/guardians`, relationship ? { email, relationship } : { email }),
  // A co-parent of another of the family's children, named by id: the server knows the address.
  inviteKnownGuardian: (id, userId, relationship) =>
    api.post(`${childPath(id)}/guardians`, relationship ? { user_id: userId, relationship } : { user_id: userId }),
  invitations: (id) => api.get(`${childPath(id)}/guardian-invitations`),
  removeGuardian: (id, userId) =>
    api.del(`${childPath(id)}/guardians/${encodeURIComponent(userId)}`),
};

// What staff can do before the admin area exists (admins only; the server checks the role).
export const admin = {
  /** A registration code; with {email, locale} the server also e-mails it there. */
  createInvite: (body = {}) => api.post('/admin/invites', body),
};

const invitationPath = (id) => `/guardian-invitations/${encodeURIComponent(id)}`;

// Co-parent invitations addressed to the signed-in member, and those a guardian withdraws.
export const invitations = {
  mine: () => api.get('/guardian-invitations'),
  accept: (id) => api.post(`${invitationPath(id)}/accept`),
  decline: (id) => api.post(`${invitationPath(id)}/decline`),
  withdraw: (id) => api.del(invitationPath(id)),
};

export const query = (params) => {
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== '') qs.set(key, String(value));
  }
  const text = qs.toString();
  return text ? `?${text}` : '';
};

export const directory = {
  search: (q, limit = 10, opts) => api.get(`/users${query({ q, limit })}`, opts),
};

const servicePath = (id) => `/sel/services/${encodeURIComponent(id)}`;
const transactionPath = (id) => `/sel/transactions/${encodeURIComponent(id)}`;

export const sel = {
  categories: () => api.get('/sel/categories'),
  services: (filters) => api.get(`/sel/services${query(filters)}`),
  service: (id) => api.get(servicePath(id)),
  createService: (data) => api.post('/sel/services', data),
  updateService: (id, fields) => api.patch(servicePath(id), fields),
  withdrawService: (id) => api.del(servicePath(id)),
  balance: () => api.get('/sel/balance'),
  transactions: (filters) => api.get(`/sel/transactions${query(filters)}`),
  transaction: (id) => api.get(transactionPath(id)),
  /** Pays a member now, or (with from_user_id) asks them for payment. */
  createTransaction: (data, idempotencyKey) =>
    api.post('/sel/transactions', data, { headers: { 'Idempotency-Key': idempotencyKey } }),
  accept: (id) => api.post(`${transactionPath(id)}/accept`),
  decline: (id) => api.post(`${transactionPath(id)}/decline`),
  cancel: (id) => api.post(`${transactionPath(id)}/cancel`),
  statement: (from, to) => api.get(`/sel/statement.csv${query({ from, to })}`, { raw: true }),
};

const announcementPath = (id) => `/announcements/${encodeURIComponent(id)}`;

// Announcements addressed to the signed-in member; staff publish, guardians acknowledge.
export const announcements = {
  /** {limit, cursor}: newest first, a page at a time. */
  list: (params) => api.get(`/announcements${query(params)}`),
  get: (id) => api.get(announcementPath(id)),
  publish: (data) => api.post('/announcements', data),
  // "I have read and agree": only ever a POST (a link followed by a mail scanner is a GET).
  acknowledge: (id) => api.post(`${announcementPath(id)}/ack`),
  tally: (id) => api.get(`${announcementPath(id)}/acks`),
  classes: () => api.get('/classes'),
};

// The bell, notification preferences and one-click unsubscribe (module notifications).
export const notifications = {
  list: (params) => api.get(`/notifications${query(params)}`),
  read: (id) => api.post(`/notifications/${encodeURIComponent(id)}/read`),
  readAll: () => api.post('/notifications/read-all'),
  preferences: () => api.get('/users/me/notifications'),
  savePreferences: (prefs) => request('PUT', '/users/me/notifications', { body: prefs }),
  /** The e-mail's link: no session, the signed token is the authority. */
  unsubscribe: (token) =>
    api.post(`/notifications/unsubscribe${query({ token })}`, undefined, { auth: false, refresh: false }),
};

// ---- messages (conversations, their members and messages; issue #12) ----------------
const conversationPath = (id) => `/conversations/${encodeURIComponent(id)}`;

export const messaging = {
  conversations: (cursor, limit = 30) => api.get(`/conversations${query({ limit, cursor })}`),
  conversation: (id) => api.get(conversationPath(id)),
  /** The pair's direct conversation: 201 new, 200 the one they already have. */
  startDirect: (userId) => api.post('/conversations', { kind: 'direct', user_id: userId }),
  createGroup: (title, memberIds) => api.post('/conversations', { kind: 'group', title, member_ids: memberIds }),
  update: (id, fields) => api.patch(conversationPath(id), fields),
  /** before/after: seqs (GET ...messages?before=N: the page before N, oldest first). */
  messages: (id, { before, after, limit = 30 } = {}) =>
    api.get(`${conversationPath(id)}/messages${query({ before, after, limit })}`),
  /** client_id makes a retry of the same send answer the first message instead of a second one. */
  post: (id, body, clientId, replyTo) =>
    api.post(`${conversationPath(id)}/messages`, { body, client_id: clientId, ...(replyTo ? { reply_to: replyTo } : {}) }),
  markRead: (id, seq) => api.post(`${conversationPath(id)}/read`, { seq }),
  edit: (messageId, body) => api.patch(`/messages/${encodeURIComponent(messageId)}`, { body }),
  remove: (messageId) => api.del(`/messages/${encodeURIComponent(messageId)}`),
  config: () => api.get('/config', { auth: false }),
};
