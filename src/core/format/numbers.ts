/**
 * Numbers for people, in every face (CLI text and Markdown, verdict sentences, hints and hovers,
 * the webviews): one module, two registers.
 * - In a sentence, short: `4%`, `3.8%`, `0.962`, `12x` (proseNumber, prosePercent, proseTimes).
 * - In a table column, aligned: `21.2%`, `3.51%`, `0.810`, `2.46e-4` (tableNumber, tablePercent).
 * And significant digits without trailing zeros (`0.25`, `1.333`) for weights (significant).
 */

/** A share in a sentence: whole percent from 10%, one decimal from 1%, two below; never "100%" for 99.97%. */
export function prosePercent(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const p = v * 100;
  if (p > 99 && p < 100) return `${Math.min(99.9, Math.round(p * 10) / 10)}%`;
  if (p === 0 || p >= 10) return `${Math.round(p)}%`;
  if (p >= 1) return `${(Math.round(p * 10) / 10).toString()}%`;
  return `${(Math.round(p * 100) / 100).toString()}%`;
}

/** A number in a sentence: three decimals at most, trailing zeros dropped. */
export function proseNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return (Math.round(v * 1000) / 1000).toString();
}

/** A ratio in a sentence: `12x`, `3.8x`. */
export function proseTimes(v: number): string {
  return `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10}x`;
}

/** A share in a table column: a fixed number of decimals that keeps three significant digits. */
export function tablePercent(v: number): string {
  if (!Number.isFinite(v)) return '-';
  const p = v * 100;
  if (p === 0) return '0%';
  if (p >= 10) return `${p.toFixed(1)}%`;
  if (p >= 0.1) return `${p.toFixed(2)}%`;
  return `${p.toFixed(3)}%`;
}

/** A number in a table column: `digits` decimals, fewer from 100, exponent outside [1e-3, 1e5). */
export function tableNumber(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : v < 0 ? '-inf' : '-';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  return v.toFixed(digits);
}

/**
 * `digits` significant digits, trailing zeros dropped (weights: `x0.25`, `x1.333`); with
 * `exponent`, an exponent outside [1e-3, 1e5) so that a chart label stays short.
 */
export function significant(v: number, digits = 4, exponent = false): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (exponent && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(digits)).toString();
}

/** A share with `digits` decimals, trailing zeros dropped unless `fixed`. */
export function percentDigits(v: number, digits = 1, fixed = false): string {
  if (!Number.isFinite(v)) return '-';
  const s = (v * 100).toFixed(digits);
  return `${fixed ? s : Number(s)}%`;
}
