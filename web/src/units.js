// SEL time units: 60 units are one hour of help. Parents think in hours and
// minutes, the ledger counts units; these helpers translate between the two.
//
// One way to write amounts everywhere on screen: a negative number takes the
// minus sign U+2212 (never "-"), and an amount with its meaning in time reads
// "−30 unités (−30 min)" (formatUnits). The statement file keeps ASCII "-": a
// spreadsheet must read its cells as numbers.
export const UNITS_PER_HOUR = 60;
export const MINUS = '\u2212';

/** Splits a unit count into whole hours and remaining minutes (sign dropped). */
export function splitUnits(units) {
  const abs = Math.abs(Math.trunc(Number(units) || 0));
  return { hours: Math.floor(abs / UNITS_PER_HOUR), minutes: abs % UNITS_PER_HOUR };
}

/** Units from an hours + minutes pair typed in a form; NaN when not whole numbers. */
export function unitsFrom(hours, minutes) {
  const h = hours === '' || hours === null || hours === undefined ? 0 : Number(hours);
  const m = minutes === '' || minutes === null || minutes === undefined ? 0 : Number(minutes);
  if (!Number.isInteger(h) || !Number.isInteger(m) || h < 0 || m < 0) return NaN;
  return h * UNITS_PER_HOUR + m;
}

/** A whole number as the app writes it: "−30", "0", "120". */
export function formatNumber(n) {
  const v = Math.trunc(Number(n) || 0);
  return v < 0 ? `${MINUS}${Math.abs(v)}` : String(v);
}

/** "1 h 30 min", "45 min", "2 h" in the UI language, with a minus sign when negative. */
export function formatDuration(units, t) {
  const { hours, minutes } = splitUnits(units);
  const sign = Math.trunc(Number(units) || 0) < 0 ? MINUS : '';
  if (hours && minutes) return sign + t('units.hoursMinutes', { h: hours, m: minutes });
  if (hours) return sign + t('units.hours', { h: hours });
  return sign + t('units.minutes', { m: minutes });
}

/** "90 unités (1 h 30 min)", "1 unité (1 min)", "−30 unités (−30 min)": the one format of an amount. */
export function formatUnits(units, t) {
  const n = Math.trunc(Number(units) || 0);
  const key = Math.abs(n) === 1 ? 'units.withDurationOne' : 'units.withDuration';
  return t(key, { n: formatNumber(n), duration: formatDuration(n, t) });
}

/** "+90" / "−90" for a booking seen from one member's account. */
export function signedUnits(units) {
  const n = Math.trunc(Number(units) || 0);
  if (n > 0) return `+${n}`;
  if (n < 0) return `${MINUS}${Math.abs(n)}`;
  return '0';
}

/**
 * A refused payment (409 payer_limit / payee_limit) in the member's terms: the most
 * it could be right now (the problem's max_units) and the limit behind it, e.g.
 * "Vous pouvez payer au plus 5 h 30 min (votre solde ne peut pas descendre sous −5 h)."
 * "limits": {min, max} (GET /sel/balance's min_balance, max_balance); "payee": the
 * payee's name. '' when the problem is not a limit or lacks what the sentence needs.
 */
export function limitMessage(problem, t, { limits, payee } = {}) {
  const code = problem?.code;
  const most = problem?.max_units;
  if ((code !== 'payer_limit' && code !== 'payee_limit') || !Number.isInteger(most) || !limits) return '';
  const payer = code === 'payer_limit';
  const bound = formatDuration(payer ? limits.min : limits.max, t);
  const nothing = most <= 0;
  if (payer) {
    return nothing
      ? t('sel.limit.payerNothing', { bound })
      : t('sel.limit.payer', { most: formatDuration(most, t), bound });
  }
  const name = payee || t('sel.limit.someone');
  return nothing
    ? t('sel.limit.payeeNothing', { name, bound })
    : t('sel.limit.payee', { name, most: formatDuration(most, t), bound });
}

/**
 * Where a balance sits on the allowed range, as a 0–100 percentage for a gauge.
 * Values outside the range (possible after an admin's forced correction) are clamped.
 */
export function gaugePercent(balance, min, max) {
  if (!(max > min)) return 0;
  const p = ((balance - min) / (max - min)) * 100;
  return Math.min(100, Math.max(0, p));
}
