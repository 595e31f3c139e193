/**
 * The counterfactual of docs/method.md ("Counterfactual") on tfjs, for the report webview's live
 * what-if: the same decisions as analysis/counterfactual.ts's loss-minimum engine, batched on
 * whatever backend tfjs runs (WebGPU, WebGL, wasm, cpu), so that moving an alpha slider
 * recomputes one epoch's predicted shares, recall, precision, F1 and balanced accuracy at once.
 *
 * Set-up (once per epoch): the per-sample inferred local shares, kept on the backend:
 * - sigmoid (binary, or C one-vs-rest heads): q_hat = (1 - a0) g-(p) / (a0 g+(p) + (1 - a0) g-(p)),
 *   [N, C]; under alpha' a sample is predicted positive in column c when q_hat > q*(alpha'_c, gamma', t);
 * - softmax: log q_hat_c = -log a0_c - log |f'(p_c)|, [N, C]; under alpha' the prediction is
 *   argmax_c (log alpha'_c + log q_hat_c).
 * Per alpha': one comparison (sigmoid) or one argmax (softmax) over the samples, and sums; counts
 * become a WhatIfRow through the engine's own rowFromCounts.
 *
 * Computed in float32 (the engine uses float64): a sample whose q_hat lies within float32 rounding
 * of q* may be decided the other way, so counts can differ from the engine's by a handful.
 * gamma' enters the sigmoid decision through q*(alpha', gamma', t) only, which does not depend on
 * gamma at t = 0.5 (docs/method.md, "Decision rule"); softmax decisions do not depend on it at all.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conventionVector, rowFromCounts, sigmoidColumnCounts, type CounterfactualCounts } from '../analysis/counterfactual';
import { positiveWeightOf } from '../conventions';
import { resolveClassAlpha } from '../focal';
import type { AlphaConvention, AnalysisReport, LossKind, WhatIfRow } from '../report';
import type { EpochSamples } from '../samples/format';
import { CLIP_HI, CLIP_LO } from './kernels';

export interface WhatIfSpec {
  kind: LossKind;
  /** The alpha of the run, as the engine takes it: sigmoid per-column positive weights (one number for all; null = off), softmax the class vector (null = equal). */
  alpha0: number | number[] | null;
  /** The gamma of the run: the probabilities were trained under it (it shapes q_hat). */
  gamma0: number;
  threshold: number;
  /** Names of the reported classes (binary heads: [negative, positive]). */
  classes: string[];
  /** What a scalar alpha of the report means. */
  convention: AlphaConvention;
}

/** The kernel's spec for one epoch of a report (the alpha of the run resolved as the analysis resolves it). */
export function whatIfSpec(report: Pick<AnalysisReport, 'loss' | 'classes'>, numClasses: number): WhatIfSpec {
  const { kind, alpha, alphaVector, convention } = report.loss;
  const given = convention === 'vector' || alpha === null ? alphaVector : alpha;
  const classAlpha = resolveClassAlpha(kind, numClasses, kind === 'sigmoid' && Array.isArray(given) && numClasses === 1 ? given[given.length - 1] : given, convention);
  return {
    kind,
    alpha0: kind === 'sigmoid' ? (classAlpha ? (numClasses === 1 ? classAlpha[0]! : classAlpha) : null) : classAlpha,
    gamma0: report.loss.gamma ?? 0,
    threshold: report.loss.threshold ?? 0.5,
    classes: report.classes,
    convention,
  };
}

/** The alpha the run trained with, in the report's convention (as its 'logged' what-if row has it). */
export function loggedAlpha(report: Pick<AnalysisReport, 'loss'>): number | number[] {
  const { alpha, alphaVector, convention } = report.loss;
  if (alphaVector && (convention === 'vector' || alpha === null)) return alphaVector;
  return alpha !== null && alpha >= 0 ? alpha : 0.5;
}

/** An alpha of the report's convention as the engine takes it: softmax vectors, sigmoid positive weights. */
export function engineAlpha(spec: Pick<WhatIfSpec, 'kind' | 'convention'>, numClasses: number, alpha: number | number[]): number | number[] {
  if (Array.isArray(alpha)) return alpha;
  return spec.kind === 'softmax' ? conventionVector(spec.convention, alpha, numClasses) : positiveWeightOf(spec.convention, alpha);
}

/** Engine positive weight of a column: alpha off or negative weighs both sides 1, the decisions of 0.5. */
function columnAlpha(alpha: number | number[] | null, col: number): number {
  if (alpha === null) return 0.5;
  if (Array.isArray(alpha)) return alpha[col] ?? 0.5;
  return alpha < 0 ? 0.5 : alpha;
}

export class WhatIfKernel {
  private readonly N: number;
  private readonly C: number;
  /** sigmoid: q_hat [N, C]; softmax: log q_hat [N, C]. */
  private readonly shares: tf.Tensor2D;
  /** sigmoid: 0/1 targets [N, C]; null for softmax (counted in JS from `targetIndex`). */
  private readonly y: tf.Tensor2D | null;
  private readonly positives: number[];
  private readonly targetIndex: Int32Array | null;
  private logits = false;

  constructor(
    samples: EpochSamples,
    private readonly spec: WhatIfSpec,
  ) {
    const N = (this.N = samples.samples);
    const C = (this.C = samples.numClasses);
    const logits = samples.scoreKind === 'logits';
    if (spec.kind === 'sigmoid') {
      const targets = sigmoidTargets(samples);
      this.positives = Array.from({ length: C }, (_, c) => {
        let n = 0;
        for (let i = c; i < targets.length; i += C) n += targets[i]!;
        return n;
      });
      this.targetIndex = null;
      this.y = tf.keep(tf.tensor2d(targets, [N, C]));
      this.logits = logits;
      const a0 = Array.from({ length: C }, (_, c) => columnAlpha(spec.alpha0, c));
      this.shares = byRows(samples.scores, N, C, (s) => inferredShares(sigmoidParts(s, logits), a0, spec.gamma0));
    } else {
      this.y = null;
      this.targetIndex = softmaxTargets(samples);
      this.positives = new Array<number>(C).fill(0);
      for (const t of this.targetIndex) if (t >= 0 && t < C) this.positives[t]!++;
      const alpha0 = spec.alpha0 === null ? new Array<number>(C).fill(1) : conventionVector('vector', spec.alpha0, C);
      const negLogA0 = alpha0.map((a) => -Math.log(a > 0 ? a : 1e-7));
      this.shares = byRows(samples.scores, N, C, (s) => {
        const P = tf.clipByValue(logits ? tf.softmax(s) : s, CLIP_LO, CLIP_HI);
        const g = spec.gamma0;
        const logp = tf.log(P);
        const logq = tf.log1p(tf.neg(P));
        // |f'(p)| = (1-p)^g / p - g (1-p)^(g-1) log p
        const slope = g === 0 ? tf.reciprocal(P) : tf.sub(tf.div(tf.exp(tf.mul(logq, g)), P), tf.mul(tf.mul(tf.exp(tf.mul(logq, g - 1)), logp), g));
        return tf.sub(tf.tensor2d(negLogA0, [1, C]), tf.log(slope));
      });
    }
  }

  /**
   * q*(alpha'_c, gamma', t) per column, [1, C]: the inferred share at p = t, by the very float32
   * operations that give the samples' q_hat (from the logit of t for logit dumps), so that at
   * alpha' = alpha0 a sample at p = t is decided as the run decided it (not positive), as the
   * float64 engine does. alpha 1 or 0 are limits: everything or nothing positive.
   */
  private minShares(alphas: number[], gamma: number): tf.Tensor2D {
    const C = alphas.length;
    const t = this.spec.threshold;
    return tf.tidy(() => {
      const at = tf.fill([1, C], this.logits ? Math.log(t / (1 - t)) : t);
      const inner = inferredShares(sigmoidParts(at, this.logits), alphas.map((a) => Math.min(Math.max(a, 1e-7), 1 - 1e-7)), gamma);
      const limits = alphas.map((a) => (a >= 1 ? -1 : a <= 0 ? 2 : NaN));
      if (limits.every(Number.isNaN)) return inner as tf.Tensor2D;
      const isLimit = tf.tensor2d(limits.map((l) => (Number.isNaN(l) ? 0 : 1)), [1, C], 'bool');
      return tf.where(isLimit, tf.tensor2d(limits.map((l) => (Number.isNaN(l) ? 0 : l)), [1, C]), inner) as tf.Tensor2D;
    });
  }

  get samples(): number {
    return this.N;
  }

  /** Counts under alpha' (in the engine's form: see engineAlpha) and gamma'. */
  async counts(alpha: number | number[], gamma = this.spec.gamma0): Promise<CounterfactualCounts> {
    const { N, C } = this;
    if (this.spec.kind === 'sigmoid') {
      const qStar = this.minShares(Array.from({ length: C }, (_, c) => (Array.isArray(alpha) ? (alpha[c] ?? 0.5) : alpha)), gamma);
      const sums = tf.tidy(() => {
        const pred = tf.step(tf.sub(this.shares, qStar));
        return tf.sum(tf.stack([pred, tf.mul(pred, this.y!)]), 1);
      });
      const [pred, tp] = splitRows((await sums.data()) as Float32Array, C);
      sums.dispose();
      qStar.dispose();
      return sigmoidColumnCounts(N, this.positives, pred, tp);
    }
    const vector = Array.isArray(alpha) ? alpha : conventionVector('vector', alpha, C);
    const argmax = tf.tidy(() => tf.argMax(tf.add(this.shares, tf.tensor2d(vector.map((a) => Math.log(a > 0 ? a : 1e-7)), [1, C])), 1));
    const decided = (await argmax.data()) as Int32Array;
    argmax.dispose();
    const predicted = new Float64Array(C);
    const tp = new Float64Array(C);
    const targets = this.targetIndex!;
    for (let i = 0; i < N; i++) {
      const k = decided[i]!;
      predicted[k]!++;
      if (targets[i] === k) tp[k]!++;
    }
    return { count: Float64Array.from(this.positives), predicted, tp, total: N };
  }

  /** The what-if row under alpha' (the report's convention) and gamma'. */
  async evaluate(alpha: number | number[], gamma = this.spec.gamma0): Promise<WhatIfRow> {
    const counts = await this.counts(engineAlpha(this.spec, this.C, alpha), gamma);
    const row = rowFromCounts(alpha, this.spec.classes, counts, this.spec.kind === 'sigmoid' && this.C > 1);
    return row;
  }

  dispose(): void {
    this.shares.dispose();
    this.y?.dispose();
  }
}

/** Rows per set-up step: the intermediates of one step stay small (the wasm heap never shrinks). */
const SETUP_ROWS = 1 << 17;

/** `f` of the rows of a [N, C] score array, step by step, as one kept tensor. */
function byRows(scores: Float32Array, N: number, C: number, f: (s: tf.Tensor2D) => tf.Tensor): tf.Tensor2D {
  const out = new Float32Array(N * C);
  for (let start = 0; start < N; start += SETUP_ROWS) {
    const rows = Math.min(SETUP_ROWS, N - start);
    const part = tf.tidy(() => f(tf.tensor2d(scores.subarray(start * C, (start + rows) * C), [rows, C])));
    out.set(part.dataSync() as Float32Array, start * C);
    part.dispose();
  }
  return tf.tensor2d(out, [N, C]);
}

/** q_hat = (1 - a) g-(p) / (a g+(p) + (1 - a) g-(p)) with a per column; 0.5 where both gradients vanish. */
function inferredShares({ p, q, logp, logq }: ReturnType<typeof sigmoidParts>, alpha: number[], g: number): tf.Tensor {
  const a = tf.tensor2d(alpha, [1, alpha.length]);
  // g+(p) = (1-p)^g [(1-p) - g p log p], g-(p) = p^g [p - g (1-p) log(1-p)]
  const gPos = tf.mul(tf.exp(tf.mul(logq, g)), tf.sub(q, tf.mul(tf.mul(p, logp), g)));
  const gNeg = tf.mul(tf.exp(tf.mul(logp, g)), tf.sub(p, tf.mul(tf.mul(q, logq), g)));
  const num = tf.mul(tf.sub(1, a), gNeg);
  const den = tf.add(tf.mul(a, gPos), num);
  return tf.where(tf.greater(den, 0), tf.div(num, den), tf.fill(den.shape, 0.5));
}

/** p, 1 - p and their logs; from logits without cancellation, from probabilities clipped (as the kernels do). */
function sigmoidParts(s: tf.Tensor, logits: boolean): { p: tf.Tensor; q: tf.Tensor; logp: tf.Tensor; logq: tf.Tensor } {
  if (logits) {
    const l = tf.log1p(tf.exp(tf.neg(tf.abs(s))));
    return { p: tf.sigmoid(s), q: tf.sigmoid(tf.neg(s)), logp: tf.neg(tf.add(tf.relu(tf.neg(s)), l)), logq: tf.neg(tf.add(tf.relu(s), l)) };
  }
  const p = tf.clipByValue(s, CLIP_LO, CLIP_HI);
  return { p, q: tf.sub(1, p), logp: tf.log(p), logq: tf.log1p(tf.neg(p)) };
}

/** 0/1 targets [N, C] of sigmoid heads: multi-hot as given; index targets as one-hot (binary: the 0/1 label). */
function sigmoidTargets(s: EpochSamples): Float32Array {
  const { samples: N, numClasses: C } = s;
  const out = new Float32Array(N * C);
  if (s.targetLayout === 'multi-hot') {
    for (let i = 0; i < N * C; i++) out[i] = s.targets[i]! > 0 ? 1 : 0;
  } else if (C === 1) {
    for (let i = 0; i < N; i++) out[i] = s.targets[i]! > 0 ? 1 : 0;
  } else {
    for (let i = 0; i < N; i++) {
      const t = s.targets[i]!;
      if (t >= 0 && t < C) out[i * C + t] = 1;
    }
  }
  return out;
}

/** Class index per sample for softmax (a multi-hot row: its last set class, as the engine reads it). */
function softmaxTargets(s: EpochSamples): Int32Array {
  if (s.targetLayout === 'index') return Int32Array.from(s.targets);
  const { samples: N, numClasses: C } = s;
  const out = new Int32Array(N);
  for (let i = 0; i < N; i++) for (let c = 0; c < C; c++) if (s.targets[i * C + c]! > 0) out[i] = c;
  return out;
}

function splitRows(values: Float32Array, C: number): [number[], number[]] {
  return [Array.from(values.subarray(0, C)), Array.from(values.subarray(C, 2 * C))];
}
