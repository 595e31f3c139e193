/**
 * Approximate per-class sigmoid focal quantities from binned probabilities: a PR curve of
 * TensorBoard's pr_curves plugin (or any TP / FP counts of "p >= threshold" at T evenly spaced
 * thresholds i / (T - 1)) is a histogram of p per true class, enough to estimate what the engine
 * computes exactly from per-sample probabilities (focal-math.md sections 1, 4, 5).
 *
 * Bins. TensorBoard buckets p into floor(p (T - 1)) (torch.utils.tensorboard compute_curve and the
 * TF pr_curve op) and stores TP[i] / FP[i] = positives / negatives with bucket >= i. So bin i < T - 1
 * holds p in [i / (T - 1), (i + 1) / (T - 1)) with TP[i] - TP[i + 1] positives, and bin T - 1 holds
 * p = 1 exactly (float32 saturation) with TP[T - 1] positives; FP likewise for negatives.
 *
 * Within-bin estimate (chosen by measurement on truth.json's runs and on the synthetic curves of
 * scripts/golden/make_binned_golden.py, see test/unit/analysis-binned.test.ts): per class, the cumulative count as a function of p is a
 * monotone cubic through the bin edges (Fritsch-Carlson), so the density inside a bin follows its
 * neighbours instead of being flat; each bin's sum of f(p) is its count times the 8-point
 * Gauss-Legendre average of f against that density. Tried and measured worse overall: the midpoint,
 * a flat density in p, a linear density from the neighbours' slope, a flat density in logit, and a
 * Gaussian tail in logit space for the end bins (better when a class sits deep in the lowest bin,
 * worse when the edge is near its mode). The p = 1 bin is the point p = 1 (clipped to 1 - 1e-7).
 *
 * Every focal sum also gets exact bounds: FL is monotone in p inside a bin, so the count times the
 * values at the bin's ends bracket it (the bracket of the lowest bin of the positives is wide:
 * -log p is unbounded there, and clipped at 1e-7).
 */
import type { ClassEpochStats, EpochReport } from '../report';
import { classStats, crossEntropy, type SideSums, focalLoss, lossMultiplier, sigmoidGradMagnitude } from '../focal';
import { inferredShare, minPositiveShare, rowFromCounts, type CounterfactualCounts, type CounterfactualEngine } from './counterfactual';
import { aboveShare, aucOfGroups, poolAdjacentViolators, type IsotonicFit, type ScoreGroups } from './calibration';

/** Counts per bin of one class's p (see the module comment for the bins). */
export interface BinnedHistogram {
  /** T: the curve's thresholds; there are T bins (T - 1 intervals and p = 1). */
  numThresholds: number;
  /** Samples with y = 1 per bin. */
  positives: Float64Array;
  /** Samples with y = 0 per bin. */
  negatives: Float64Array;
}

/**
 * The histogram behind a PR curve's TP and FP rows (counts of p >= i / (T - 1)).
 * @throws RangeError when TP or FP grows with the threshold (not a PR curve of counts).
 */
export function histogramFromCurve(curve: { numThresholds: number; tp: ArrayLike<number>; fp: ArrayLike<number> }): BinnedHistogram {
  const T = curve.numThresholds;
  if (T < 2 || curve.tp.length !== T || curve.fp.length !== T) throw new RangeError(`a PR curve needs T >= 2 thresholds and T values per row, got T = ${T}`);
  const bins = (row: ArrayLike<number>, name: string) => {
    const out = new Float64Array(T);
    for (let i = 0; i < T; i++) {
      const d = row[i]! - (i + 1 < T ? row[i + 1]! : 0);
      // float32 sums of weighted counts may wobble in the last bits
      if (!(d >= -1e-6 * Math.max(1, row[0]!))) throw new RangeError(`${name} at threshold ${i} is smaller than at threshold ${i + 1}: not counts of p >= threshold`);
      out[i] = Math.max(0, d);
    }
    return out;
  };
  return { numThresholds: T, positives: bins(curve.tp, 'TP'), negatives: bins(curve.fp, 'FP') };
}

// 8-point Gauss-Legendre on [0, 1]
const GL_T = [0.019855071751231856, 0.10166676129318664, 0.2372337950418355, 0.4082826787521751, 0.5917173212478249, 0.7627662049581645, 0.8983332387068134, 0.9801449282487681];
const GL_W = [0.05061426814518813, 0.11119051722668724, 0.15685332293894363, 0.18134189168918100, 0.18134189168918100, 0.15685332293894363, 0.11119051722668724, 0.05061426814518813];

/**
 * One class's p as a monotone cubic cumulative count through the bin edges, plus the point mass at
 * p = 1: the within-bin estimate of the module comment.
 */
export class BinnedDistribution {
  readonly total: number;
  private readonly T: number;
  private readonly width: number;
  /** Cumulative count at edge i / (T - 1), i = 0..T-1 (edge T - 1 = 1, before the p = 1 bin). */
  private readonly cum: Float64Array;
  /** d(cum)/dp at the edges. */
  private readonly slope: Float64Array;
  private readonly atOne: number;

  constructor(counts: Float64Array) {
    const T = counts.length;
    this.T = T;
    this.width = 1 / (T - 1);
    this.cum = new Float64Array(T);
    for (let i = 1; i < T; i++) this.cum[i] = this.cum[i - 1]! + counts[i - 1]!;
    this.atOne = counts[T - 1]!;
    this.total = this.cum[T - 1]! + this.atOne;
    this.slope = monotoneSlopes(this.cum, this.width);
  }

  /** Estimated count with p >= t (exact when t is an edge). */
  countAtOrAbove(t: number): number {
    if (t <= 0) return this.total;
    if (t > 1) return 0;
    if (t === 1) return this.atOne;
    let x = t / this.width;
    // a threshold of the curve counts exactly, whatever the rounding of t / width
    if (Math.abs(x - Math.round(x)) < 1e-9) x = Math.round(x);
    const i = Math.min(this.T - 2, Math.floor(x));
    return this.total - this.hermite(i, x - i);
  }

  /** The sum of f(p) over the class's samples, estimated bin by bin. */
  sum(f: (p: number) => number): number {
    let s = this.atOne > 0 ? this.atOne * f(1) : 0;
    for (let i = 0; i + 1 < this.T; i++) {
      const count = this.cum[i + 1]! - this.cum[i]!;
      if (count <= 0) continue;
      let acc = 0;
      let norm = 0;
      for (let k = 0; k < GL_T.length; k++) {
        const w = GL_W[k]! * Math.max(0, this.density(i, GL_T[k]!));
        acc += w * f((i + GL_T[k]!) * this.width);
        norm += w;
      }
      // a flat density when the spline has none left in this bin (cannot happen for a monotone fit; guards rounding)
      if (norm <= 0) {
        for (let k = 0; k < GL_T.length; k++) acc += GL_W[k]! * f((i + GL_T[k]!) * this.width);
        norm = 1;
      }
      s += (count * acc) / norm;
    }
    return s;
  }

  /** [lower, upper] of the sum of a function monotone in p (f at the ends of each bin). */
  bounds(f: (p: number) => number): [number, number] {
    let lo = this.atOne * f(1);
    let hi = lo;
    for (let i = 0; i + 1 < this.T; i++) {
      const count = this.cum[i + 1]! - this.cum[i]!;
      if (count <= 0) continue;
      const a = f(i * this.width);
      const b = f((i + 1) * this.width);
      lo += count * Math.min(a, b);
      hi += count * Math.max(a, b);
    }
    return [lo, hi];
  }

  /** Cumulative count at edge i plus fraction u of bin i. */
  private hermite(i: number, u: number): number {
    const h = this.width;
    const u2 = u * u;
    const u3 = u2 * u;
    return (2 * u3 - 3 * u2 + 1) * this.cum[i]! + (u3 - 2 * u2 + u) * h * this.slope[i]! + (-2 * u3 + 3 * u2) * this.cum[i + 1]! + (u3 - u2) * h * this.slope[i + 1]!;
  }

  /** d(cum)/dp at fraction u of bin i. */
  private density(i: number, u: number): number {
    const h = this.width;
    const u2 = u * u;
    return ((6 * u2 - 6 * u) * this.cum[i]! + (3 * u2 - 4 * u + 1) * h * this.slope[i]! + (-6 * u2 + 6 * u) * this.cum[i + 1]! + (3 * u2 - 2 * u) * h * this.slope[i + 1]!) / h;
  }
}

/** Fritsch-Carlson slopes of a monotone cubic through (i h, y_i): the curve never decreases. */
function monotoneSlopes(y: Float64Array, h: number): Float64Array {
  const n = y.length;
  const m = new Float64Array(n);
  const d = (k: number) => (y[k + 1]! - y[k]!) / h;
  if (n === 2) {
    m[0] = m[1] = d(0);
    return m;
  }
  for (let k = 1; k < n - 1; k++) {
    const a = d(k - 1);
    const b = d(k);
    // equal spacing: the harmonic mean of the neighbouring secants, 0 at a flat step or an extremum
    m[k] = a > 0 && b > 0 ? (2 * a * b) / (a + b) : 0;
  }
  const end = (k: number, first: number, second: number) => {
    const s = (3 * first - second) / 2;
    m[k] = first === 0 || s <= 0 ? 0 : Math.min(s, 3 * first);
  };
  end(0, d(0), d(1));
  end(n - 1, d(n - 2), d(n - 3));
  return m;
}

/** A sigmoid focal loss as the binned estimate needs it. */
export interface BinnedLoss {
  /** Weight of y = 1 (1 - alpha on y = 0); null or negative = alpha off. */
  alpha: number | null;
  gamma: number;
  /** Decision threshold on p; default 0.5. */
  threshold?: number;
}

/** How the numbers of a binned report were made, for the report to show. */
export interface BinnedApproximation {
  source: 'pr-curve';
  /** The curve's thresholds T: probabilities are known to within 1 / (T - 1). */
  numThresholds: number;
  estimator: 'monotone-cubic-cdf';
  /** The threshold is one of the curve's: predicted counts, recall and precision are exact. */
  thresholdExact: boolean;
  /** Exact brackets of each class's focal sum (same order as perClass). */
  focalBounds: Array<{ class: string; lower: number; upper: number }>;
  /** In words, for the report's notes. */
  note: string;
}

export interface BinnedEpoch {
  report: EpochReport;
  approximation: BinnedApproximation;
}

/** a_t of y = 1 and y = 0 (1 and 1 when alpha is off: null or negative, as fvcore's -1). */
function alphaWeights(loss: BinnedLoss): { aPos: number; aNeg: number } {
  const off = loss.alpha === null || loss.alpha < 0;
  return { aPos: off ? 1 : loss.alpha!, aNeg: off ? 1 : 1 - loss.alpha! };
}

/** Per-class sums of one head (one histogram). */
interface HeadSums {
  nPos: number;
  nNeg: number;
  flPos: number;
  flNeg: number;
  cePos: number;
  ceNeg: number;
  wPos: number;
  wNeg: number;
  gPos: number;
  gNeg: number;
  /** Predicted positive (p >= threshold), and true positives among them. */
  predicted: number;
  tp: number;
  boundsPos: [number, number];
  boundsNeg: [number, number];
  thresholdExact: boolean;
}

/** A head's positives and negatives as classStats reads them. */
function sides(s: HeadSums, aPos: number, aNeg: number): { pos: SideSums; neg: SideSums } {
  return {
    pos: { count: s.nPos, weightSum: s.wPos, gradMass: s.gPos, alpha: aPos },
    neg: { count: s.nNeg, weightSum: s.wNeg, gradMass: s.gNeg, alpha: aNeg },
  };
}

function headSums(h: BinnedHistogram, loss: BinnedLoss): HeadSums {
  const pos = new BinnedDistribution(h.positives);
  const neg = new BinnedDistribution(h.negatives);
  const { gamma } = loss;
  const { aPos, aNeg } = alphaWeights(loss);
  const flPos = (p: number) => focalLoss(p, gamma, aPos);
  const flNeg = (p: number) => focalLoss(1 - p, gamma, aNeg);
  const t = loss.threshold ?? 0.5;
  const edge = t * (h.numThresholds - 1);
  const thresholdExact = Math.abs(edge - Math.round(edge)) < 1e-9;
  const tp = pos.countAtOrAbove(t);
  return {
    nPos: pos.total,
    nNeg: neg.total,
    flPos: pos.sum(flPos),
    flNeg: neg.sum(flNeg),
    cePos: pos.sum((p) => crossEntropy(p)),
    ceNeg: neg.sum((p) => crossEntropy(1 - p)),
    wPos: pos.sum((p) => lossMultiplier(p, gamma, aPos)),
    wNeg: neg.sum((p) => lossMultiplier(1 - p, gamma, aNeg)),
    gPos: pos.sum((p) => sigmoidGradMagnitude(p, gamma, aPos)),
    gNeg: neg.sum((p) => sigmoidGradMagnitude(1 - p, gamma, aNeg)),
    predicted: tp + neg.countAtOrAbove(t),
    tp,
    boundsPos: pos.bounds(flPos),
    boundsNeg: neg.bounds(flNeg),
    thresholdExact,
  };
}

function approximation(T: number, thresholdExact: boolean, focalBounds: BinnedApproximation['focalBounds']): BinnedApproximation {
  const exactness = thresholdExact ? 'predicted shares, recall and precision are exact' : 'the threshold is not one of the curve\'s, so predicted shares, recall and precision are estimated too';
  return {
    source: 'pr-curve',
    numThresholds: T,
    estimator: 'monotone-cubic-cdf',
    thresholdExact,
    focalBounds,
    note: `Estimated from a PR curve with ${T} thresholds (${T} probability bins of width 1/${T - 1}), not from per-sample probabilities: focal sums, weights and gradient masses are approximate (exact bounds in focalBounds); ${exactness}.`,
  };
}

/**
 * A binary head's epoch from its PR curve histogram: classes [negative, positive] with the
 * accumulator's binary definitions (epoch-accumulator.ts), estimated.
 */
export function binnedBinaryEpoch(epoch: number, h: BinnedHistogram, loss: BinnedLoss, classes: [string, string] = ['negative', 'positive']): BinnedEpoch {
  const s = headSums(h, loss);
  const { aPos, aNeg } = alphaWeights(loss);
  const N = s.nPos + s.nNeg;
  const { pos, neg } = sides(s, aPos, aNeg);
  const perClass: ClassEpochStats[] = [
    classStats(classes[0], N, { pos: neg, neg: pos, predicted: N - s.predicted, truePositives: s.nNeg - (s.predicted - s.tp), focalSum: s.flNeg }),
    classStats(classes[1], N, { pos, neg, predicted: s.predicted, truePositives: s.tp, focalSum: s.flPos }),
  ];
  return {
    report: { epoch, samples: N, focalSum: s.flPos + s.flNeg, ceSum: s.cePos + s.ceNeg, perClass },
    approximation: approximation(h.numThresholds, s.thresholdExact, [
      { class: classes[0], lower: s.boundsNeg[0], upper: s.boundsNeg[1] },
      { class: classes[1], lower: s.boundsPos[0], upper: s.boundsPos[1] },
    ]),
  };
}

/**
 * One-vs-rest sigmoid heads (one PR curve per class, e.g. a detector's per-class curves): class c
 * is head c with the accumulator's multi-head definitions (focalSum = FL+ + FL- of the head).
 */
export function binnedOneVsRestEpoch(epoch: number, heads: BinnedHistogram[], loss: BinnedLoss, classes: string[]): BinnedEpoch {
  const perClass: ClassEpochStats[] = [];
  const focalBounds: BinnedApproximation['focalBounds'] = [];
  let focalSum = 0;
  let ceSum = 0;
  let samples = 0;
  let thresholdExact = true;
  const { aPos, aNeg } = alphaWeights(loss);
  heads.forEach((h, c) => {
    const s = headSums(h, loss);
    const N = s.nPos + s.nNeg;
    samples = Math.max(samples, N);
    focalSum += s.flPos + s.flNeg;
    ceSum += s.cePos + s.ceNeg;
    thresholdExact &&= s.thresholdExact;
    const name = classes[c] ?? `class_${c}`;
    perClass.push(classStats(name, N, { ...sides(s, aPos, aNeg), predicted: s.predicted, truePositives: s.tp, focalSum: s.flPos + s.flNeg }));
    focalBounds.push({ class: name, lower: s.boundsPos[0] + s.boundsNeg[0], upper: s.boundsPos[1] + s.boundsNeg[1] });
  });
  return {
    report: { epoch, samples, focalSum, ceSum, perClass },
    approximation: approximation(heads[0]?.numThresholds ?? 0, thresholdExact, focalBounds),
  };
}

/**
 * The counterfactual of counterfactual.ts (focal-math.md section 5) for binned data: q_hat is
 * increasing in p, so "q_hat > q*(alpha')" is "p > p*(alpha')" with p* found by bisection, and the
 * counts above p* come from the same monotone cubic as the estimate (exact at the curve's
 * thresholds, smooth between them). Binary (one histogram) or one-vs-rest (one per class).
 */
export function binnedCounterfactual(heads: BinnedHistogram[], loss: BinnedLoss, classes: string[]): CounterfactualEngine {
  const binary = heads.length === 1;
  const t = loss.threshold ?? 0.5;
  const alpha0 = loss.alpha === null || loss.alpha < 0 ? 0.5 : loss.alpha; // off: the same decisions as 0.5
  const cols = heads.map((h) => ({ pos: new BinnedDistribution(h.positives), neg: new BinnedDistribution(h.negatives) }));
  const names = binary ? [classes[0] ?? 'negative', classes[1] ?? 'positive'] : heads.map((_, c) => classes[c] ?? `class_${c}`);
  const N = Math.max(0, ...cols.map(({ pos, neg }) => pos.total + neg.total));
  const toCounts = (pred: number[], tp: number[]): CounterfactualCounts => {
    if (binary) {
      const np = cols[0]!.pos.total;
      const nn = cols[0]!.neg.total;
      return {
        count: Float64Array.from([nn, np]),
        predicted: Float64Array.from([N - pred[0]!, pred[0]!]),
        tp: Float64Array.from([nn - (pred[0]! - tp[0]!), tp[0]!]),
        total: N,
      };
    }
    return { count: Float64Array.from(cols, (c) => c.pos.total), predicted: Float64Array.from(pred), tp: Float64Array.from(tp), total: N * cols.length };
  };
  const countsAbove = (pOf: (col: number) => number) => {
    const pred: number[] = [];
    const tp: number[] = [];
    cols.forEach(({ pos, neg }, col) => {
      const p = pOf(col);
      const tpc = pos.countAtOrAbove(p);
      tp.push(tpc);
      pred.push(tpc + neg.countAtOrAbove(p));
    });
    return toCounts(pred, tp);
  };
  const counts = (alpha: number | number[]): CounterfactualCounts =>
    countsAbove((col) => {
      const a = Array.isArray(alpha) ? (alpha[col] ?? 0.5) : alpha;
      // alpha 1 or 0 are limits: everything / nothing positive
      if (a >= 1) return 0;
      if (a <= 0) return 2;
      return decisionProbability(minPositiveShare(a, loss.gamma, t), alpha0, loss.gamma);
    });
  // the label-calibrated estimate of docs/method.md: isotonic regression of the labels on the bins
  // (a bin is one score group), and each head's AUC from the same groups
  const groups: ScoreGroups[] = heads.map((h) => ({ n: Float64Array.from(h.positives, (p, i) => p + h.negatives[i]!), positives: h.positives, length: h.positives.length }));
  let fits: IsotonicFit[] | null = null;
  const calibratedCounts = (alpha: number | number[]): CounterfactualCounts => {
    fits ??= groups.map(poolAdjacentViolators);
    const f = fits;
    const pred: number[] = [];
    const tp: number[] = [];
    heads.forEach((_, col) => {
      const a = Array.isArray(alpha) ? (alpha[col] ?? 0.5) : alpha;
      const sel = aboveShare(f[col]!, a >= 1 ? -1 : a <= 0 ? 2 : minPositiveShare(a, loss.gamma, t));
      pred.push(sel.n);
      tp.push(sel.positives);
    });
    return toCounts(pred, tp);
  };
  return {
    kind: 'sigmoid',
    classes: names,
    samples: N,
    oneVsRest: !binary,
    counts,
    evaluate: (alpha) => rowFromCounts(alpha, names, counts(alpha), !binary),
    evaluateMany: (alphas) => alphas.map((alpha) => rowFromCounts(alpha, names, counts(alpha), !binary)),
    trueCounts: () => toCounts(cols.map(() => 0), cols.map(() => 0)),
    observed: () => rowFromCounts(loss.alpha ?? 0.5, names, countsAbove(() => t), !binary),
    calibratedCounts,
    evaluateCalibrated: (alpha) => rowFromCounts(alpha, names, calibratedCounts(alpha), !binary),
    evaluateCalibratedMany: (alphas) => alphas.map((alpha) => rowFromCounts(alpha, names, calibratedCounts(alpha), !binary)),
    auc: () => {
      const aucs = groups.map(aucOfGroups);
      // a binary head's two reported classes share one ranking
      return binary ? [aucs[0]!, aucs[0]!] : aucs;
    },
  };
}

/** The p at which the inferred share of a model trained at alpha0 reaches qStar (q_hat increases with p). */
function decisionProbability(qStar: number, alpha0: number, gamma: number): number {
  let lo = 0;
  let hi = 1;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (inferredShare(mid, alpha0, gamma) > qStar) hi = mid;
    else lo = mid;
  }
  return hi;
}
