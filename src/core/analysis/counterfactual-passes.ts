/**
 * The softmax counterfactual's passes over its per-sample summary (counterfactual.ts): each one
 * reads the segments of log q_hat rows and class indices and returns counts or ranges, one named
 * function per question the engine asks of its samples. A sample counts as the weight of its true
 * class (the samples it stands for in a class-stratified sample, analysis/sample-cap.ts; 1 when
 * every sample was kept, and then every count is an integer in float64).
 */
import { softmaxScoreSlope } from '../focal';

/** One batch of the softmax engine's summary: log q_hat rows (row-major), class indices and observed (argmax p) classes. */
export interface PassSegment {
  logQ: Float32Array;
  targets: Int32Array;
  pred: Uint16Array;
}

/**
 * The per-sample summary of softmax probabilities: log q_hat_c = -log alpha0_c - log |f'(p_c)| (up
 * to a per-sample constant, which moves no argmax) of rows [r0, r1) of `raw` into the same rows of
 * `logQ` (which may be `raw` itself: each value is read before it is written), with each class's
 * lowest and highest value widened into `range` when given.
 */
export function logShares(
  raw: Float32Array | Float64Array,
  logQ: Float32Array,
  r0: number,
  r1: number,
  gamma: number,
  negLogA0: readonly number[],
  range?: { lo: Float64Array; hi: Float64Array },
): void {
  const C = negLogA0.length;
  for (let o = r0 * C; o < r1 * C; o += C) {
    for (let c = 0; c < C; c++) {
      logQ[o + c] = negLogA0[c]! - Math.log(softmaxScoreSlope(raw[o + c]!, gamma));
      if (range) {
        const v = logQ[o + c]!; // as stored (float32): the histogram bins what the passes read
        if (v < range.lo[c]!) range.lo[c] = v;
        if (v > range.hi[c]!) range.hi[c] = v;
      }
    }
  }
}

/** Score bins per class for the softmax calibration: fine enough to act as exact ranks on validation sets. */
export const CALIBRATION_BINS = 1024;

/** The bin of a score v >= lo (truncation is floor there); the maximum lands in the last bin. */
export function binOf(v: number, lo: number, scale: number): number {
  const b = ((v - lo) * scale) | 0;
  return b < CALIBRATION_BINS ? b : CALIBRATION_BINS - 1;
}

/** Each pass's parameters; results are Float64Arrays of counts (or a range's bounds). */
export interface PassParams {
  /** True counts [C], observed (argmax p) predicted and true-positive counts [C], and [total]. */
  observed: { C: number };
  /** Predicted and true-positive counts [K, C] of argmax_c (logA[k, c] + logQ_c). */
  counts: { C: number; K: number; logA: Float64Array };
  /** Difference arrays [C, G + 1] of the class0 sweep (counterfactual.ts sweep). */
  sweepClass0: { C: number; ts: Float64Array; asc: boolean };
  /** Difference arrays [C, G + 1] of the beta sweep. */
  sweepBeta: { C: number; values: Float64Array; slope: Float64Array };
  /** Samples and positives per (class, bin) of each class's own score. */
  histogram: { C: number; lo: Float64Array; scale: Float64Array };
  /**
   * Predicted and true-positive counts [K, C] of argmax_c fround(logA[k, c] + logShare[c, bin_c]):
   * the label-calibrated decision rule, compared in float32 (the pass tabulates the rounded sums per alpha, class and bin).
   */
  calibrated: { C: number; K: number; lo: Float64Array; scale: Float64Array; logA: Float64Array; logShare: Float64Array };
  /** Each class's lowest and highest log q_hat. */
  range: { C: number };
}

export type PassOp = keyof PassParams;

/** Per true class, then last for targets outside [0, C): the samples each kept one stands for. */
type Weights = Float64Array;

type Pass<P> = (segments: readonly PassSegment[], weights: Weights, params: P) => Float64Array[];

/** The stratum of a sample of class y: the class, or C for a target outside [0, C). */
export function stratumOf(y: number, C: number): number {
  return y >= 0 && y < C ? y : C;
}

/** The weight of a sample of class y. */
function weightOf(weights: Weights, y: number, C: number): number {
  return weights[stratumOf(y, C)]!;
}

function observed(segments: readonly PassSegment[], weights: Weights, { C }: PassParams['observed']): Float64Array[] {
  const kept = new Float64Array(C + 1);
  const predicted = new Float64Array(C);
  const tp = new Float64Array(C);
  for (const { targets, pred } of segments) {
    for (let i = 0; i < targets.length; i++) {
      const y = targets[i]!;
      const best = pred[i]!;
      const w = weightOf(weights, y, C);
      kept[stratumOf(y, C)]! += 1;
      predicted[best]! += w;
      if (best === y) tp[best]! += w;
    }
  }
  // true counts are whole: kept x (seen / kept), rounded back to the seen count it came from
  const strata = Float64Array.from(kept, (n, s) => Math.round(n * weights[s]!));
  const total = strata.reduce((a, b) => a + b, 0);
  return [strata.slice(0, C), predicted, tp, Float64Array.of(total)];
}

function counts(segments: readonly PassSegment[], weights: Weights, { C, K, logA }: PassParams['counts']): Float64Array[] {
  const predicted = new Float64Array(K * C);
  const tp = new Float64Array(K * C);
  for (const { logQ, targets } of segments) {
    for (let i = 0, o = 0; i < targets.length; i++, o += C) {
      const y = targets[i]!;
      const w = weightOf(weights, y, C);
      // argmax_c (logA[k, c] + logQ_c) under each of the K alphas
      for (let k = 0, base = 0; k < K; k++, base += C) {
        let best = 0;
        let bestV = logQ[o]! + logA[base]!;
        for (let c = 1; c < C; c++) {
          const v = logQ[o + c]! + logA[base + c]!;
          if (v > bestV) {
            bestV = v;
            best = c;
          }
        }
        predicted[base + best]! += w;
        if (best === y) tp[base + best]! += w;
      }
    }
  }
  return [predicted, tp];
}

/** Difference arrays of the sweeps: +w at the first grid index a sample predicts c, -w after the last. */
function marks(C: number, G: number): { pred: Float64Array; tpd: Float64Array; mark: (c: number, j0: number, j1: number, hit: boolean, w: number) => void } {
  const pred = new Float64Array(C * (G + 1));
  const tpd = new Float64Array(C * (G + 1));
  const mark = (c: number, j0: number, j1: number, hit: boolean, w: number) => {
    if (j1 <= j0) return;
    pred[c * (G + 1) + j0]! += w;
    pred[c * (G + 1) + j1]! -= w;
    if (hit) {
      tpd[c * (G + 1) + j0]! += w;
      tpd[c * (G + 1) + j1]! -= w;
    }
  };
  return { pred, tpd, mark };
}

function sweepClass0(segments: readonly PassSegment[], weights: Weights, { C, ts, asc }: PassParams['sweepClass0']): Float64Array[] {
  const G = ts.length;
  const { pred, tpd, mark } = marks(C, G);
  for (const { logQ, targets } of segments) {
    for (let i = 0, o = 0; i < targets.length; i++, o += C) {
      let k = 1;
      let m = logQ[o + 1]!;
      for (let c = 2; c < C; c++) if (logQ[o + c]! > m) { m = logQ[o + c]!; k = c; }
      const dlt = m - logQ[o]!; // class 0 wins iff t >= dlt
      const y = targets[i]!;
      const w = weightOf(weights, y, C);
      // first index where class 0 wins (asc) / last index where it wins (desc)
      let lo = 0;
      let hi = G;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const wins = ts[mid]! >= dlt;
        if (asc ? wins : !wins) hi = mid;
        else lo = mid + 1;
      }
      if (asc) {
        mark(k, 0, lo, y === k, w);
        mark(0, lo, G, y === 0, w);
      } else {
        mark(0, 0, lo, y === 0, w);
        mark(k, lo, G, y === k, w);
      }
    }
  }
  return [pred, tpd];
}

function sweepBeta(segments: readonly PassSegment[], weights: Weights, { C, values, slope }: PassParams['sweepBeta']): Float64Array[] {
  const G = values.length;
  const { pred, tpd, mark } = marks(C, G);
  const b0 = values[0]!;
  const bEnd = values[G - 1]!;
  const lowerBound = (b: number) => {
    let lo = 0;
    let hi = G;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (values[mid]! >= b) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  for (const { logQ, targets } of segments) {
    for (let i = 0, o = 0; i < targets.length; i++, o += C) {
      const y = targets[i]!;
      const w = weightOf(weights, y, C);
      let cur = 0;
      let bestV = logQ[o]! + b0 * slope[0]!;
      for (let c = 1; c < C; c++) {
        const v = logQ[o + c]! + b0 * slope[c]!;
        if (v > bestV) { bestV = v; cur = c; }
      }
      let b = b0;
      let j = 0;
      for (;;) {
        let next = Infinity;
        let nc = -1;
        for (let c = 0; c < C; c++) {
          const ds = slope[c]! - slope[cur]!;
          if (ds <= 0) continue;
          const x = (logQ[o + cur]! - logQ[o + c]!) / ds;
          if (x > b && (x < next || (x === next && slope[c]! > slope[nc]!))) { next = x; nc = c; }
        }
        if (nc < 0 || next > bEnd) {
          mark(cur, j, G, y === cur, w);
          break;
        }
        const jn = lowerBound(next);
        mark(cur, j, jn, y === cur, w);
        j = jn;
        b = next;
        cur = nc;
      }
    }
  }
  return [pred, tpd];
}

function histogram(segments: readonly PassSegment[], weights: Weights, { C, lo, scale }: PassParams['histogram']): Float64Array[] {
  const n = new Float64Array(C * CALIBRATION_BINS);
  const pos = new Float64Array(C * CALIBRATION_BINS);
  for (const { logQ, targets } of segments) {
    for (let i = 0, o = 0; i < targets.length; i++, o += C) {
      const y = targets[i]!;
      const w = weightOf(weights, y, C);
      for (let c = 0; c < C; c++) {
        const k = c * CALIBRATION_BINS + binOf(logQ[o + c]!, lo[c]!, scale[c]!);
        n[k]! += w;
        if (y === c) pos[k]! += w;
      }
    }
  }
  return [n, pos];
}

function calibrated(segments: readonly PassSegment[], weights: Weights, { C, K, lo, scale, logA, logShare }: PassParams['calibrated']): Float64Array[] {
  const B = CALIBRATION_BINS;
  const predicted = new Float64Array(K * C);
  const tp = new Float64Array(K * C);
  // fround(logA[k, c] + logShare[c, b]) for every (alpha, class, bin), once: a sample's sums are
  // then lookups of the float32 values a comparison of the rounded sums sees (the same argmax);
  // K x C x 1,024 floats, 200 KiB at 5 alphas of 10 classes
  const table = new Float32Array(K * C * B);
  for (let k = 0; k < K; k++) {
    for (let c = 0; c < C; c++) {
      const a = logA[k * C + c]!;
      const at = (k * C + c) * B;
      for (let b = 0; b < B; b++) table[at + b] = a + logShare[c * B + b]!;
    }
  }
  // each sample's bin of each class, found once for all K alphas
  const bin = new Int32Array(C);
  for (const { logQ, targets } of segments) {
    for (let i = 0, o = 0; i < targets.length; i++, o += C) {
      for (let c = 0; c < C; c++) bin[c] = c * B + binOf(logQ[o + c]!, lo[c]!, scale[c]!);
      const y = targets[i]!;
      const w = weightOf(weights, y, C);
      for (let k = 0, at = 0; k < K; k++, at += C * B) {
        let best = 0;
        let bestV = table[at + bin[0]!]!;
        for (let c = 1; c < C; c++) {
          const v = table[at + bin[c]!]!;
          if (v > bestV) {
            bestV = v;
            best = c;
          }
        }
        predicted[k * C + best]! += w;
        if (best === y) tp[k * C + best]! += w;
      }
    }
  }
  return [predicted, tp];
}

function range(segments: readonly PassSegment[], _weights: Weights, { C }: PassParams['range']): Float64Array[] {
  const lo = new Float64Array(C).fill(Infinity);
  const hi = new Float64Array(C).fill(-Infinity);
  for (const { logQ } of segments) {
    for (let o = 0; o < logQ.length; o += C) {
      for (let c = 0; c < C; c++) {
        const v = logQ[o + c]!;
        if (v < lo[c]!) lo[c] = v;
        if (v > hi[c]!) hi[c] = v;
      }
    }
  }
  return [lo, hi];
}

const PASSES: { [Op in PassOp]: Pass<PassParams[Op]> } = { observed, counts, sweepClass0, sweepBeta, histogram, calibrated, range };

/** Runs a pass over the engine's segments. */
export type PassRunner = <Op extends PassOp>(op: Op, params: PassParams[Op]) => Float64Array[];

export function passesOver(segments: readonly PassSegment[], weights: Weights): PassRunner {
  return (op, params) => (PASSES[op] as Pass<typeof params>)(segments, weights, params);
}
