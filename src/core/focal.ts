/**
 * Scalar reference formulas (docs/method.md, "Per-sample pieces", "Per class and epoch" and the
 * per-sample pieces of "Counterfactual").
 *
 * Pure TypeScript, float64, no tfjs and no Node imports: the webview's loss explorer bundles this
 * file for the browser, and the unit tests use it as the readable statement of the contract that the
 * batched tfjs kernels (src/core/compute/) implement.
 *
 * Notation: `pt` is the probability of the true outcome (sigmoid: p if y = 1, 1 - p if y = 0;
 * softmax: p_y), `alphaT` the alpha weight of that outcome (a_t), `gamma` the focusing parameter.
 */

import type { AlphaConvention, ClassEpochStats, LossKind } from './report';

/** Probabilities are clipped to [PROB_EPS, 1 - PROB_EPS] before any log or power (docs/method.md). */
export const PROB_EPS = 1e-7;

/** The loss settings the compute engine works with, after a convention has been applied. */
export interface ResolvedLoss {
  kind: LossKind;
  gamma: number;
  /**
   * sigmoid: per-head alpha applied to y = 1 (1 - alpha to y = 0); null = alpha off (a_t = 1).
   * softmax: alpha_c per class; null = all 1.
   * Length numClasses (1 for a binary head).
   */
  classAlpha: number[] | null;
  /** Sigmoid decision threshold on p (default 0.5). Ignored by softmax (argmax). */
  threshold: number;
  /**
   * Score columns per sample: 1 for a binary sigmoid head (one logit / probability of the positive
   * class), C for a C-head sigmoid (multi-label / one-vs-rest) or a C-class softmax.
   */
  numClasses: number;
}

/** Clip a probability to [PROB_EPS, 1 - PROB_EPS]. NaN stays NaN. */
export function clipProb(p: number): number {
  return p < PROB_EPS ? PROB_EPS : p > 1 - PROB_EPS ? 1 - PROB_EPS : p;
}

/** p_t and a_t for a sigmoid output p with label y (alpha < 0 or null: a_t = 1). */
export function sigmoidTarget(p: number, y: 0 | 1, alpha: number | null = null): { pt: number; alphaT: number } {
  const alphaT = alpha === null || alpha < 0 ? 1 : y === 1 ? alpha : 1 - alpha;
  return { pt: y === 1 ? p : 1 - p, alphaT };
}

/** CE = -log(p_t). */
export function crossEntropy(pt: number): number {
  return -Math.log(clipProb(pt));
}

/** (1 - p_t)^gamma, the focal modulating factor. */
export function modulatingFactor(pt: number, gamma: number): number {
  if (gamma === 0) return 1;
  return Math.pow(1 - clipProb(pt), gamma);
}

/** w = a_t (1 - p_t)^gamma: the per-sample loss multiplier versus cross-entropy (FL = w CE). */
export function lossMultiplier(pt: number, gamma: number, alphaT = 1): number {
  return alphaT * modulatingFactor(pt, gamma);
}

/** FL = -a_t (1 - p_t)^gamma log(p_t). */
export function focalLoss(pt: number, gamma: number, alphaT = 1): number {
  return lossMultiplier(pt, gamma, alphaT) * crossEntropy(pt);
}

/**
 * Sigmoid |dFL/dz| = a_t (1 - p_t)^gamma [ (1 - p_t) - gamma p_t log(p_t) ]  (gamma = 0: a_t (1 - p_t)).
 * Also equals the softmax target-class gradient |h| p_t (1 - p_t) (see {@link softmaxGradPos}).
 */
export function sigmoidGradMagnitude(pt: number, gamma: number, alphaT = 1): number {
  const p = clipProb(pt);
  const omp = 1 - p;
  if (gamma === 0) return alphaT * omp;
  return alphaT * Math.pow(omp, gamma) * (omp - gamma * p * Math.log(p));
}

/** Softmax h = dFL/dp_t = a_y [ gamma (1 - p_t)^(gamma - 1) log(p_t) - (1 - p_t)^gamma / p_t ]  (h <= 0). */
export function softmaxDlossDpt(pt: number, gamma: number, alphaT = 1): number {
  const p = clipProb(pt);
  const omp = 1 - p;
  const first = gamma === 0 ? 0 : gamma * Math.pow(omp, gamma - 1) * Math.log(p);
  return alphaT * (first - Math.pow(omp, gamma) / p);
}

/** Softmax |dFL/dz_y| = |h| p_t (1 - p_t): what a sample adds to G+ of its own class. */
export function softmaxGradPos(pt: number, gamma: number, alphaT = 1): number {
  return sigmoidGradMagnitude(pt, gamma, alphaT);
}

/** Softmax |dFL/dz_c| = |h| p_t p_c for c != y: what a sample adds to G- of class c. */
export function softmaxGradNeg(pt: number, pc: number, gamma: number, alphaT = 1): number {
  const p = clipProb(pt);
  const omp = 1 - p;
  // |h| p_t = a [ (1-p)^gamma - gamma (1-p)^(gamma-1) p log p ], written without (1-p)^(gamma-1) / p blowing up.
  const hpt =
    gamma === 0 ? alphaT : alphaT * Math.pow(omp, gamma - 1) * (omp - gamma * p * Math.log(p));
  return hpt * pc;
}

/** Section 5: g+(p) = (1 - p)^gamma [ (1 - p) - gamma p log p ] (the y = 1 gradient without alpha). */
export function gPlus(p: number, gamma: number): number {
  return sigmoidGradMagnitude(p, gamma, 1);
}

/** Section 5: g-(p) = p^gamma [ p - gamma (1 - p) log(1 - p) ] (the y = 0 gradient without alpha). */
export function gMinus(p: number, gamma: number): number {
  return sigmoidGradMagnitude(1 - p, gamma, 1);
}

/** Section 5 softmax: |f'(p)| = (1 - p)^gamma / p - gamma (1 - p)^(gamma - 1) log p. */
export function softmaxScoreSlope(p: number, gamma: number): number {
  // the default gamma without Math.pow (the bulk of the counterfactual's set-up): fdlibm's pow
  // returns x * x for y = 2 and x for y = 1, so this is the general formula bit for bit
  if (gamma === 2) {
    const c = clipProb(p);
    const q = 1 - c;
    return (q * q) / c - 2 * q * Math.log(c);
  }
  return -softmaxDlossDpt(p, gamma, 1);
}

export interface BalanceDecomposition {
  /** B = G+ / G-. */
  balance: number;
  /** alphaPos / alphaNeg. */
  alpha: number;
  /** n+ / n-. */
  count: number;
  /** (G+ / n+ / alphaPos) / (G- / n- / alphaNeg). */
  gamma: number;
}

/**
 * The balance B = G+ / G- and its three factors, alpha * count * gamma = B (section 1).
 * alphaPos / alphaNeg: sigmoid alpha and 1 - alpha (1 and 1 when alpha is off); softmax alpha_c and
 * the count-weighted mean alpha of the other classes. A zero denominator gives 0 for that ratio
 * (then the product identity cannot hold and callers should show "n/a").
 */
export function balanceFactors(
  gradPos: number,
  gradNeg: number,
  countPos: number,
  countNeg: number,
  alphaPos: number,
  alphaNeg: number,
): BalanceDecomposition {
  const alpha = ratio(alphaPos, alphaNeg);
  const count = ratio(countPos, countNeg);
  const gamma = ratio(ratio(ratio(gradPos, countPos), alphaPos), ratio(ratio(gradNeg, countNeg), alphaNeg));
  return { balance: ratio(gradPos, gradNeg), alpha, count, gamma };
}

/** a / b, or 0 when b is 0 (JSON has no Infinity / NaN). */
export function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/**
 * Section 3: turn the alpha a library was given (scalar, list or null) plus its convention into
 * the engine's per-class alpha.
 *
 * - sigmoid: `positive`: the scalar is the y = 1 weight of every head (1 - alpha on y = 0); `negative`
 *   the reverse (alpha on y = 0, 1 - alpha on y = 1); a list
 *   is per head (`vector`). `uniform` (a pure scale, no y=1/y=0 split) returns null, as do null and a
 *   scalar < 0 (fvcore / detectron2 -1 = off).
 * - softmax: `class0-alpha` (and `negative`) [a, 1-a, ...], `class0-complement` [1-a, a, ...], `uniform` [a, a, ...],
 *   `vector` the list itself. `positive` with softmax is read as "alpha on the non-background
 *   classes", i.e. `class0-complement` (for 2 classes: [1 - a, a], alpha on class 1). null or a
 *   scalar < 0: null (all 1).
 *
 * @param numClasses score columns: 1 for a binary sigmoid head, C otherwise.
 * @throws RangeError for a list of the wrong length, a scalar with `vector`, or a softmax-only
 *   convention (`class0-*`) with a sigmoid loss.
 */
export function resolveClassAlpha(
  kind: LossKind,
  numClasses: number,
  alpha: number | number[] | null | undefined,
  convention: AlphaConvention,
): number[] | null {
  if (alpha === null || alpha === undefined) return null;
  if (Array.isArray(alpha)) {
    if (alpha.length !== numClasses) {
      throw new RangeError(`alpha has ${alpha.length} values but the ${kind} head has ${numClasses} classes`);
    }
    return alpha.slice();
  }
  if (!Number.isFinite(alpha)) throw new RangeError(`alpha must be a finite number, got ${alpha}`);
  if (alpha < 0) return null;
  const fill = (v: number) => new Array<number>(numClasses).fill(v);
  if (kind === 'sigmoid') {
    switch (convention) {
      case 'positive':
        return fill(alpha);
      case 'negative':
        return fill(1 - alpha);
      case 'uniform':
        // A pure scale on both outcomes is not expressible as a y=1 / y=0 split; a scale does not move
        // the balance, so treat it as off.
        return null;
      case 'vector':
        throw new RangeError('convention "vector" needs a list of alphas, got a scalar');
      default:
        throw new RangeError(`convention "${convention}" is a softmax convention; a sigmoid focal loss uses "positive"`);
    }
  }
  switch (convention) {
    case 'class0-alpha':
    case 'negative':
      return fill(1 - alpha).map((v, i) => (i === 0 ? alpha : v));
    case 'class0-complement':
    case 'positive':
      return fill(alpha).map((v, i) => (i === 0 ? 1 - alpha : v));
    case 'uniform':
      return fill(alpha);
    case 'vector':
      throw new RangeError('convention "vector" needs a list of alphas, got a scalar');
  }
  throw new RangeError(`unknown alpha convention "${String(convention)}"`);
}

/** Sums over one side of a class: its own samples (positives) or everyone else's (negatives). */
export interface SideSums {
  count: number;
  /** Sum of the loss multipliers alpha_t (1 - p_t)^gamma. */
  weightSum: number;
  /** Sum of |dFL/dz| (the gradient mass). */
  gradMass: number;
  /** alpha_t of this side (1 when the loss has no alpha). */
  alpha: number;
}

/** What one class's ClassEpochStats is computed from. */
export interface ClassSums {
  pos: SideSums;
  neg: SideSums;
  /** Samples predicted as the class, and how many of them are the class. */
  predicted: number;
  truePositives: number;
  focalSum: number;
}

/**
 * One class's ClassEpochStats from its sums (see src/core/compute/epoch-accumulator.ts for what
 * positives and negatives are per head kind): counts, shares, recall / precision / F1 from the
 * predicted count and true positives, the loss sum, mean multipliers from the multiplier sums, the
 * gradient masses and the balance factors ({@link balanceFactors}). The negative class of a binary
 * head is the same call with `pos` and `neg` swapped.
 */
export function classStats(name: string, N: number, sums: ClassSums): ClassEpochStats {
  const { pos, neg } = sums;
  const recall = ratio(sums.truePositives, pos.count);
  const precision = ratio(sums.truePositives, sums.predicted);
  const f = balanceFactors(pos.gradMass, neg.gradMass, pos.count, neg.count, pos.alpha, neg.alpha);
  return {
    class: name,
    count: pos.count,
    trueShare: ratio(pos.count, N),
    predShare: ratio(sums.predicted, N),
    recall,
    precision,
    f1: ratio(2 * precision * recall, precision + recall),
    focalSum: sums.focalSum,
    meanWeightPos: ratio(pos.weightSum, pos.count),
    meanWeightNeg: ratio(neg.weightSum, neg.count),
    gradPos: pos.gradMass,
    gradNeg: neg.gradMass,
    balance: f.balance,
    factors: { alpha: f.alpha, count: f.count, gamma: f.gamma },
  };
}
