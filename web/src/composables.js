import { reactive, ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { ApiError } from './api.js';

/** Turns any thrown error into a message for the alert area. */
export function errorMessage(err, t) {
  if (err instanceof ApiError) {
    if (err.status === 0) return t('errors.network');
    if (err.problem && (err.problem.title || err.problem.detail)) return err.summary;
    return t('errors.http', { status: err.status });
  }
  return t('errors.unexpected');
}

/**
 * Form state shared by every form: busy flag, page-level error, per-field
 * errors (from the problem's errors[] or from client-side checks).
 */
export function useForm() {
  const { t } = useI18n();
  const busy = ref(false);
  const error = ref('');
  const fieldErrors = reactive({});

  function reset() {
    error.value = '';
    for (const key of Object.keys(fieldErrors)) delete fieldErrors[key];
  }

  /** Client-side checks: {field: message|''}; returns true when all pass. */
  function check(rules) {
    reset();
    let ok = true;
    for (const [field, message] of Object.entries(rules)) {
      if (message) {
        fieldErrors[field] = message;
        ok = false;
      }
    }
    if (!ok) error.value = t('errors.checkFields');
    return ok;
  }

  /**
   * Runs an async action; on failure fills error/fieldErrors and returns undefined.
   * options.passwordField: on a form that only re-checks the member's password, the
   * server's generic "wrong email or password" is shown as "wrong password" on that field.
   * options.codeFields: {problem code: field} — a problem about one field (e.g. a payment
   * that would break the payer's limit is about the amount) is shown next to that field.
   */
  async function run(action, options = {}) {
    if (busy.value) return undefined;
    reset();
    busy.value = true;
    try {
      return await action();
    } catch (err) {
      let message = errorMessage(err, t);
      if (options.passwordField && err instanceof ApiError && err.problem?.code === 'invalid_credentials') {
        fieldErrors[options.passwordField] = t('errors.wrongPassword');
        error.value = t('errors.checkFields');
        return undefined;
      }
      const codeField = err instanceof ApiError ? options.codeFields?.[err.problem?.code] : undefined;
      if (codeField) {
        fieldErrors[codeField] = message;
        error.value = t('errors.checkFields');
        return undefined;
      }
      if (err instanceof ApiError) {
        Object.assign(fieldErrors, err.fieldErrors);
        // Don't say the same thing twice: the field already shows it.
        if (Object.values(err.fieldErrors).includes(message)) message = t('errors.checkFields');
      }
      error.value = message;
      return undefined;
    } finally {
      busy.value = false;
    }
  }

  return { busy, error, fieldErrors, reset, check, run };
}
