// Cursor-paginated lists (every list endpoint answers {items, next_cursor}).
import { reactive, ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { errorMessage } from './composables.js';

/**
 * A list shown page by page: load() replaces it with the first page, load(true) appends the
 * next one. fetchPage(cursor) calls the API. A newer load wins over a slower older one (a
 * search typed fast), so results never arrive out of order.
 */
export function usePagedList(fetchPage) {
  const { t } = useI18n();
  const items = ref([]);
  const nextCursor = ref(null);
  const loading = ref(true);
  const loadingMore = ref(false);
  const error = ref('');
  let generation = 0;

  async function load(more = false) {
    const mine = ++generation;
    error.value = '';
    if (more) loadingMore.value = true;
    else loading.value = true;
    try {
      const page = await fetchPage(more ? nextCursor.value : undefined);
      if (mine !== generation) return;
      items.value = more ? [...items.value, ...(page?.items || [])] : page?.items || [];
      nextCursor.value = page?.next_cursor || null;
    } catch (err) {
      if (mine === generation) error.value = errorMessage(err, t);
    } finally {
      if (mine === generation) {
        loading.value = false;
        loadingMore.value = false;
      }
    }
  }

  // The same state as one reactive object for components/PagedList.vue (refs unwrapped).
  const pager = reactive({ items, nextCursor, loading, loadingMore, error, load });
  return { items, nextCursor, loading, loadingMore, error, load, pager };
}

/** Every page of a short list (a member's own services, open requests), up to "max" items. */
export async function fetchAll(fetchPage, max = 500) {
  const all = [];
  let cursor;
  do {
    const page = await fetchPage(cursor);
    all.push(...(page?.items || []));
    cursor = page?.next_cursor || undefined;
  } while (cursor && all.length < max);
  return all;
}
