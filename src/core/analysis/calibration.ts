/**
 * Label calibration of a score (docs/method.md, "Label-calibrated share"): isotonic regression of
 * 0/1 labels on the score by pool-adjacent-violators, and the ranking quality (AUC) of the score.
 *
 * Both work on score groups in ascending score order: a group is a run of equal scores (exact) or
 * one bin of a fine histogram (softmax, where sorting every class column would cost too much).
 */

/** Samples and positives of consecutive score groups, ascending by score. */
export interface ScoreGroups {
  n: ArrayLike<number>;
  positives: ArrayLike<number>;
  length: number;
}

/** Isotonic blocks: consecutive groups pooled until the positive share is strictly increasing. */
export interface IsotonicFit {
  /** Index of each block's first group; blocks cover the groups in order. */
  start: Int32Array;
  n: Float64Array;
  positives: Float64Array;
  blocks: number;
}

/**
 * Pool adjacent violators: the non-decreasing step function of the score closest (least squares)
 * to the labels; each block's value is its positive share.
 */
export function poolAdjacentViolators(groups: ScoreGroups): IsotonicFit {
  const m = groups.length;
  const start = new Int32Array(m);
  const n = new Float64Array(m);
  const pos = new Float64Array(m);
  let k = 0;
  for (let g = 0; g < m; g++) {
    const gn = groups.n[g]!;
    if (gn <= 0) continue;
    start[k] = g;
    n[k] = gn;
    pos[k] = groups.positives[g]!;
    k++;
    // merge while the previous block's share is not below this one's (cross-multiplied: no division)
    while (k > 1 && pos[k - 2]! * n[k - 1]! >= pos[k - 1]! * n[k - 2]!) {
      n[k - 2]! += n[k - 1]!;
      pos[k - 2]! += pos[k - 1]!;
      k--;
    }
  }
  return { start: start.subarray(0, k), n: n.subarray(0, k), positives: pos.subarray(0, k), blocks: k };
}

/** Samples and positives in the blocks whose positive share exceeds `share` (the top blocks). */
export function aboveShare(fit: IsotonicFit, share: number): { n: number; positives: number } {
  let total = 0;
  let positives = 0;
  for (let b = fit.blocks - 1; b >= 0; b--) {
    if (fit.positives[b]! <= share * fit.n[b]!) break;
    total += fit.n[b]!;
    positives += fit.positives[b]!;
  }
  return { n: total, positives };
}

/** Per group, the positive share of its isotonic block. */
export function blockShares(fit: IsotonicFit, groups: number): Float64Array {
  const out = new Float64Array(groups);
  for (let b = 0; b < fit.blocks; b++) {
    const end = b + 1 < fit.blocks ? fit.start[b + 1]! : groups;
    out.fill(fit.positives[b]! / fit.n[b]!, b === 0 ? 0 : fit.start[b]!, end);
  }
  return out;
}

/** AUC: the chance that a positive scores above a negative (ties count half). NaN without both. */
export function aucOfGroups(groups: ScoreGroups): number {
  let negBelow = 0;
  let pairs = 0;
  let P = 0;
  for (let g = 0; g < groups.length; g++) {
    const p = groups.positives[g]!;
    const neg = groups.n[g]! - p;
    pairs += p * (negBelow + 0.5 * neg);
    negBelow += neg;
    P += p;
  }
  return P > 0 && negBelow > 0 ? pairs / (P * negBelow) : NaN;
}

/** Groups of equal values from two ascending arrays: the positives' and the negatives' scores. */
export function mergeSortedGroups(pos: Float64Array, neg: Float64Array): ScoreGroups {
  const n: number[] = [];
  const positives: number[] = [];
  let i = 0;
  let j = 0;
  while (i < pos.length || j < neg.length) {
    const v = j >= neg.length || (i < pos.length && pos[i]! <= neg[j]!) ? pos[i]! : neg[j]!;
    let cp = 0;
    let cn = 0;
    while (i < pos.length && pos[i] === v) {
      i++;
      cp++;
    }
    while (j < neg.length && neg[j] === v) {
      j++;
      cn++;
    }
    n.push(cp + cn);
    positives.push(cp);
  }
  return { n, positives, length: n.length };
}

/**
 * One-sided binomial tail: P(X >= k) (upper) or P(X <= k) (lower) for X ~ Binomial(n, p), summed
 * exactly in log space (no underflow for large n).
 */
export function binomialTail(k: number, n: number, p: number, side: 'upper' | 'lower'): number {
  n = Math.round(n);
  k = Math.round(k);
  if (n <= 0) return 1;
  if (p <= 0) return side === 'upper' ? (k <= 0 ? 1 : 0) : 1;
  if (p >= 1) return side === 'upper' ? 1 : k >= n ? 1 : 0;
  const lo = side === 'upper' ? Math.max(0, k) : 0;
  const hi = side === 'upper' ? n : Math.min(n, k);
  if (lo > hi) return 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  // log pmf(0) = n log q; pmf(j + 1) / pmf(j) = (n - j) / (j + 1) * p / q
  let logPmf = n * lq;
  let max = -Infinity;
  const terms: number[] = [];
  for (let j = 0; j <= hi; j++) {
    if (j >= lo) {
      terms.push(logPmf);
      if (logPmf > max) max = logPmf;
    }
    logPmf += Math.log((n - j) / (j + 1)) + lp - lq;
  }
  let sum = 0;
  for (const t of terms) sum += Math.exp(t - max);
  return Math.min(1, Math.exp(max + Math.log(sum)));
}
