// SEL time units: 60 units are one hour of help. Parents think in hours and
// minutes, the ledger counts units; these helpers translate between the two.
export const UNITS_PER_HOUR = 60;

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

/** "1 h 30 min", "45 min", "2 h" in the UI language, with a minus sign when negative. */
export function formatDuration(units, t) {
  const { hours, minutes } = splitUnits(units);
  const sign = Number(units) < 0 ? '−' : '';
  if (hours && minutes) return sign + t('units.hoursMinutes', { h: hours, m: minutes });
  if (hours) return sign + t('units.hours', { h: hours });
  return sign + t('units.minutes', { m: minutes });
}

/** "90 units · 1 h 30 min" — the number the ledger uses, and what it means in time. */
export function formatUnits(units, t) {
  return t('units.withDuration', { n: units, duration: formatDuration(units, t) });
}

/** "+90" / "−90" for a booking seen from one member's account. */
export function signedUnits(units) {
  const n = Math.trunc(Number(units) || 0);
  if (n > 0) return `+${n}`;
  if (n < 0) return `−${Math.abs(n)}`;
  return '0';
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
