// The classes screens' API calls (issue #15), in their on-demand chunk rather than src/api.js.
import { api, query } from '../../api.js';

const classPath = (name) => `/classes/${encodeURIComponent(name)}`;

export const schoolClasses = {
  /** The nine classes with their counts and staff. */
  list: () => api.get('/classes'),
  /** The class's children and their photo consent (its staff and admins; audited). */
  photoConsents: (name) => api.get(`${classPath(name)}/photo-consents`),
  /** Admins: replaces the class's staff; answers the class as list() shows it. */
  setStaff: (name, userIds) => api.put(`/admin/classes/${encodeURIComponent(name)}/staff`, { user_ids: userIds }),
};

/** Admins: the active teachers and admins, who may staff a class (first page of each role). */
export async function staffCandidates() {
  const pages = await Promise.all(
    ['teacher', 'admin'].map((role) => api.get(`/admin/users${query({ role, status: 'active', limit: 100 })}`)),
  );
  return pages
    .flatMap((page) => page?.items || [])
    .sort((a, b) => `${a.last_name} ${a.first_name}`.localeCompare(`${b.last_name} ${b.first_name}`));
}
