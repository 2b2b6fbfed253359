// Accept / decline / cancel a pending request from any list: one request at a
// time per transaction, the error shown on that transaction, and the list item
// replaced by the server's answer so every screen shows the new state. An
// accepted request says what was paid and the balance it left (`notices`); a
// limit that refused it says, in the member's terms, the most it could be.
import { reactive } from 'vue';
import { useI18n } from 'vue-i18n';
import { ApiError, sel } from '../../api.js';
import { errorMessage } from '../../composables.js';
import { formatUnits, limitMessage } from '../../units.js';
import { personName } from './sel-helpers.js';

export function useTransactionActions(onChanged) {
  const { t } = useI18n();
  const busy = reactive({});
  const errors = reactive({});
  const notices = reactive({});

  // The balance now (null when it cannot be read): for the notice and the limits.
  const currentBalance = () => sel.balance().catch(() => null);

  async function explain(err, tx) {
    const problem = err instanceof ApiError ? err.problem : null;
    if (problem && (problem.code === 'payer_limit' || problem.code === 'payee_limit')) {
      const b = await currentBalance();
      const limits = b ? { min: b.min_balance, max: b.max_balance } : null;
      const text = limitMessage(problem, t, { limits, payee: personName(tx.to, t) });
      if (text) return text;
    }
    return errorMessage(err, t);
  }

  async function act(list, tx, action) {
    if (busy[tx.id]) return;
    busy[tx.id] = true;
    delete errors[tx.id];
    delete notices[tx.id];
    try {
      const updated = await sel[action](tx.id);
      const i = list.findIndex((x) => x.id === tx.id);
      if (i >= 0 && updated) list.splice(i, 1, updated);
      if (action === 'accept') {
        const b = await currentBalance();
        const said = { amount: formatUnits(tx.units, t), name: personName(tx.to, t) };
        notices[tx.id] = b
          ? t('sel.acceptedNotice', { ...said, balance: formatUnits(b.balance, t) })
          : t('sel.acceptedNoticeShort', said);
      }
      if (onChanged) await onChanged(updated, action);
    } catch (err) {
      errors[tx.id] = await explain(err, tx);
    } finally {
      delete busy[tx.id];
    }
  }

  return { busy, errors, notices, act };
}
