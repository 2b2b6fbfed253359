// Accept / decline / cancel a pending request from any list: one request at a
// time per transaction, the error shown on that transaction, and the list item
// replaced by the server's answer so every screen shows the new state.
import { reactive } from 'vue';
import { useI18n } from 'vue-i18n';
import { sel } from '../../api.js';
import { errorMessage } from '../../composables.js';

export function useTransactionActions(onChanged) {
  const { t } = useI18n();
  const busy = reactive({});
  const errors = reactive({});

  async function act(list, tx, action) {
    if (busy[tx.id]) return;
    busy[tx.id] = true;
    delete errors[tx.id];
    try {
      const updated = await sel[action](tx.id);
      const i = list.findIndex((x) => x.id === tx.id);
      if (i >= 0 && updated) list.splice(i, 1, updated);
      if (onChanged) await onChanged(updated, action);
    } catch (err) {
      errors[tx.id] = errorMessage(err, t);
    } finally {
      delete busy[tx.id];
    }
  }

  return { busy, errors, act };
}
