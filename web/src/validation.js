// Client-side checks mirror the server's rules; the server stays the authority
// (its field errors are shown the same way).
export const MIN_PASSWORD_LENGTH = 12;

export function passwordProblem(value, t) {
  if (!value) return t('validation.required');
  // Count code points, not UTF-16 units, like the server is expected to.
  if ([...value].length < MIN_PASSWORD_LENGTH) {
    return t('validation.passwordTooShort', { min: MIN_PASSWORD_LENGTH });
  }
  return '';
}

export function emailProblem(value, t) {
  const v = (value || '').trim();
  if (!v) return t('validation.required');
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) return t('validation.email');
  return '';
}

/** "YYYY-MM-DD" of today, in local time (for <input type="date" max>). */
export function todayIso() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
