// What every SEL screen needs: the categories (labels come localised from the
// server, cached per language), who a transaction is with from my point of view,
// and a fresh Idempotency-Key per payment attempt.
import { ref, watch } from 'vue';
import { useI18n } from 'vue-i18n';
import { sel } from '../../api.js';

const categoryCache = new Map(); // locale -> Promise<[{code,label}]>

/** Reactive list of categories in the current language. */
export function useCategories() {
  const { locale } = useI18n();
  const categories = ref([]);
  const load = (lang) => {
    if (!categoryCache.has(lang)) {
      const p = sel.categories().then((data) => (Array.isArray(data?.items) ? data.items : []));
      p.catch(() => categoryCache.delete(lang)); // a failure is retried next time
      categoryCache.set(lang, p);
    }
    categoryCache
      .get(lang)
      .then((items) => {
        if (locale.value === lang) categories.value = items;
      })
      .catch(() => {});
  };
  watch(locale, load, { immediate: true });
  const labelOf = (code) => categories.value.find((c) => c.code === code)?.label || code;
  return { categories, labelOf };
}

export function personName(party, t) {
  if (!party) return t('sel.systemAccount');
  return `${party.first_name ?? ''} ${party.last_name ?? ''}`.trim();
}

/**
 * A transaction seen by member `meId`: the other party, whether units came in or went out,
 * and whether it waits for me (I am the payer of a pending request) or for them.
 */
export function viewOf(tx, meId) {
  const outgoing = tx.from_user_id === meId;
  return {
    outgoing,
    other: outgoing ? tx.to : tx.from,
    signed: outgoing ? -tx.units : tx.units,
    waitsForMe: tx.status === 'pending' && tx.from_user_id === meId,
    waitsForOther: tx.status === 'pending' && tx.to_user_id === meId,
  };
}

/** A random key for one payment attempt: a retry of the same attempt books at most once. */
export function newIdempotencyKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
