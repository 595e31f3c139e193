/**
 * Per-epoch accumulation of the per-class quantities over PredictionChunks (docs/method.md,
 * "Per-sample pieces" and "Per class and epoch").
 *
 * Usage: select a backend (backend.ts), then per epoch:
 *
 *     const acc = new EpochAccumulator(loss, classes, { onBatch: (b) => counterfactual.add(b) });
 *     for (const chunk of chunksOfThisEpoch) acc.add(chunk);
 *     const { report } = acc.finish(epoch);
 *
 * Chunks are staged into batches of about 2^18 scores, each batch runs one tf.tidy kernel
 * (kernels.ts) and returns float32 sums over blocks of 256 samples (softmax: float32 per-sample
 * values, grouped by true class here), which are added here in float64. Counts are exact integers
 * counted in JS. Everything is synchronous (dataSync).
 *
 * Class definitions (ClassEpochStats):
 * - sigmoid, C >= 2 heads (multi-label / one-vs-rest, index or multi-hot targets): class c is head c;
 *   positives y_c = 1, negatives y_c = 0. focalSum = FL+ + FL- of that head, so the per-class
 *   focalSums add up to the epoch focalSum (= torchvision sigmoid_focal_loss, reduction "sum").
 *   With index targets, an index outside [0, C) (e.g. -1 or C for background) makes every head 0.
 * - sigmoid binary (numClasses 1): classes are [negative, positive] (names from `classes`, default
 *   "negative", "positive"). "positive" is the head: positives y = 1. "negative" is the same head
 *   seen from the other side: its positives are the y = 0 samples, so negative.gradPos = positive.gradNeg,
 *   negative.gradNeg = positive.gradPos, its balance is the reciprocal, its alpha factor (1-alpha)/alpha,
 *   and it is predicted when p <= threshold. focalSum: positive = FL over y = 1, negative = FL over
 *   y = 0; they add up to the epoch focalSum (nothing counted twice).
 * - softmax: class c positives y = c, negatives y != c. focalSum = FL over y = c; meanWeightPos =
 *   mean over y = c of alpha_c (1 - p_t)^gamma, meanWeightNeg = mean over y != c of alpha_y (1 - p_t)^gamma;
 *   gradPos = sum over y = c of |h| p_t (1 - p_t), gradNeg = sum over y != c of |h| p_t p_c.
 *
 * Balance factors (alpha * count * gamma = balance = gradPos / gradNeg):
 * - sigmoid: alpha = alpha / (1 - alpha) (1 when alpha is off), count = n+ / n-,
 *   gamma = (G+ / n+ / alpha) / (G- / n- / (1 - alpha)).
 * - softmax: alpha = alpha_c / abar_c where abar_c = sum_{k != c} n_k alpha_k / sum_{k != c} n_k is the
 *   count-weighted mean alpha of the samples of the other classes (the alpha that weights class c's
 *   negatives); count = n_c / (N - n_c); gamma = (G+ / n+ / alpha_c) / (G- / n- / abar_c).
 * Undefined ratios (zero denominator: no positives, nothing predicted, G- = 0) are reported as 0.
 * recall = TP / n+, precision = TP / predicted, f1 = 2 P R / (P + R).
 */

import type { ClassEpochStats, EpochReport } from '../report';
import type { SampleBatch } from '../analysis/counterfactual';
import type { PredictionChunk, ScoreKind } from '../readers/types';
import { classStats, type ResolvedLoss } from '../focal';
import { BLOCK, CLIP_HI, CLIP_LO, SIGMOID_Q, SOFTMAX_Q, sigmoidKernel, softmaxKernel } from './kernels';

export type { ResolvedLoss } from '../focal';

export interface EpochAccumulatorOptions {
  /**
   * Receives each kernel batch's per-sample probabilities (row-major, numClasses values a sample, 1
   * for binary: p of the positive class; sigmoid p or softmax p, after clipping for probability
   * inputs) and targets (softmax: class indices; binary: 0/1; multi-label: multi-hot rows), both
   * valid during the call only (the arrays are reused batch after batch), in sample order. For the
   * counterfactual, which copies the samples it keeps rather than an epoch's probabilities.
   */
  onBatch?: (batch: SampleBatch) => void;
  /**
   * Scores per kernel batch (samples x columns), rounded to blocks; default 2^18: a kernel's
   * intermediates are all alive until its tidy ends and the wasm heap never shrinks, so the batch
   * bounds the heap (about 100 MiB at 2^20, under 30 at 2^18, for no measurable loss of speed).
   */
  batchScores?: number;
}

export interface EpochResult {
  report: EpochReport;
}

/** Default class names: binary ["negative", "positive"], otherwise "class_0".."class_{C-1}". */
export function defaultClassNames(kind: ResolvedLoss['kind'], numClasses: number): string[] {
  if (kind === 'sigmoid' && numClasses === 1) return ['negative', 'positive'];
  return Array.from({ length: numClasses }, (_, i) => `class_${i}`);
}

export class EpochAccumulator {
  private readonly loss: ResolvedLoss;
  private readonly C: number;
  private readonly classes: string[];
  private readonly onBatch: ((batch: SampleBatch) => void) | undefined;
  /** Samples per kernel batch. */
  private readonly maxCap: number;
  private scoreKind: ScoreKind | null = null;

  // staging: allocated as samples arrive, doubling up to maxCap (an epoch of a few samples, or
  // thousands of epochs alive at once, cost what they hold, not a whole batch each)
  private cap = 0;
  private fill = 0;
  private sScores = new Float32Array(0);
  private sY: Float32Array | null = null; // sigmoid, column-major [C, cap]
  private sT: Int32Array | null = null; // softmax, [cap]
  /** Softmax, filled at flush (kernels.ts's SoftmaxBatch): row-major [cap, C] complement of the one-hot targets. */
  private sOthers: Float32Array | null = null;
  /** Softmax, filled at flush: [cap] the target's shifted logit or clipped probability, its class's alpha. */
  private sTarget: Float32Array | null = null;
  private sTargetAlpha: Float32Array | null = null;
  /** Softmax: the kernel's per-sample values [SOFTMAX_Q.length, cap], read back batch after batch. */
  private sPerSample: Float32Array | null = null;
  /** The kernel reads each batch's probabilities back here for onBatch (row-major [cap, C]). */
  private sProbabilities: Float32Array | null = null;
  private sValid = new Float32Array(0);

  // float64 accumulators
  private samples = 0;
  private readonly countPos: Float64Array; // exact, from JS
  /** sigmoid: [2][Q][C]; softmax: by true class [Q][C]. */
  private readonly acc: Float64Array;
  private readonly predCount: Float64Array;
  private readonly truePos: Float64Array;
  private readonly accGradNeg: Float64Array;

  constructor(loss: ResolvedLoss, classes?: string[] | null, opts: EpochAccumulatorOptions = {}) {
    const C = loss.numClasses;
    if (!Number.isInteger(C) || C < 1) throw new RangeError(`numClasses must be a positive integer, got ${C}`);
    if (loss.kind === 'softmax' && C < 2) throw new RangeError('a softmax focal loss needs at least 2 classes');
    if (!(loss.gamma >= 0) || !Number.isFinite(loss.gamma)) throw new RangeError(`gamma must be >= 0, got ${loss.gamma}`);
    if (loss.classAlpha && loss.classAlpha.length !== C) {
      throw new RangeError(`classAlpha has ${loss.classAlpha.length} values for ${C} classes`);
    }
    this.loss = loss;
    this.C = C;
    const nNames = loss.kind === 'sigmoid' && C === 1 ? 2 : C;
    this.classes = classes && classes.length === nNames ? classes.slice() : defaultClassNames(loss.kind, C);
    this.onBatch = opts.onBatch;
    const batchScores = opts.batchScores ?? 1 << 18;
    this.maxCap = Math.max(BLOCK, Math.floor(batchScores / C / BLOCK) * BLOCK);
    this.acc = new Float64Array((loss.kind === 'sigmoid' ? 2 * SIGMOID_Q.length : SOFTMAX_Q.length) * C);
    this.predCount = new Float64Array(C);
    this.truePos = new Float64Array(C);
    this.accGradNeg = new Float64Array(C);
    this.countPos = new Float64Array(C);
  }

  /** Add one chunk (synchronous; runs a kernel each time the staging batch fills up). */
  add(chunk: PredictionChunk): void {
    const C = this.C;
    if (chunk.numClasses !== C) {
      throw new RangeError(`chunk has ${chunk.numClasses} score columns, the loss expects ${C}`);
    }
    if (this.scoreKind === null) this.scoreKind = chunk.scoreKind;
    else if (this.scoreKind !== chunk.scoreKind) {
      this.flush();
      this.scoreKind = chunk.scoreKind;
    }
    const n = chunk.samples;
    const multiHot = chunk.targetLayout === 'multi-hot';
    if (chunk.scores.length < n * C) throw new RangeError(`chunk has ${chunk.scores.length} scores for ${n} samples x ${C}`);
    if (chunk.targets.length < (multiHot ? n * C : n)) throw new RangeError('chunk has fewer targets than samples');
    let start = 0;
    while (start < n) {
      if (this.fill + (n - start) > this.cap && this.cap < this.maxCap) this.grow(this.fill + (n - start));
      const take = Math.min(n - start, this.cap - this.fill);
      this.stage(chunk, start, take, multiHot);
      start += take;
      if (this.fill === this.cap) this.flush();
    }
    this.samples += n;
  }

  /** Room for `need` staged samples (at most a batch), keeping what is staged. */
  private grow(need: number): void {
    const C = this.C;
    const old = this.cap;
    const cap = Math.min(this.maxCap, Math.max(old * 2, Math.ceil(need / BLOCK) * BLOCK));
    const f = this.fill;
    const valid = new Float32Array(cap);
    valid.set(this.sValid.subarray(0, f));
    this.sValid = valid;
    const scores = new Float32Array(cap * C);
    if (this.loss.kind === 'sigmoid') {
      // column-major [C, cap]: each column moves to its new stride
      const y = new Float32Array(cap * C);
      for (let c = 0; c < C; c++) {
        scores.set(this.sScores.subarray(c * old, c * old + f), c * cap);
        if (this.sY) y.set(this.sY.subarray(c * old, c * old + f), c * cap);
      }
      this.sY = y;
    } else {
      scores.set(this.sScores.subarray(0, f * C));
      const t = new Int32Array(cap);
      if (this.sT) t.set(this.sT.subarray(0, f));
      this.sT = t;
      this.sOthers = new Float32Array(cap * C);
      this.sTarget = new Float32Array(cap);
      this.sTargetAlpha = this.loss.classAlpha ? new Float32Array(cap) : null;
      this.sPerSample = new Float32Array(SOFTMAX_Q.length * cap);
    }
    this.sScores = scores;
    if (this.onBatch) this.sProbabilities = new Float32Array(cap * C);
    this.cap = cap;
  }

  /**
   * Run the kernel on what is staged and let go of the staging buffers (they come back as
   * samples do): for callers that keep many accumulators alive at once.
   */
  release(): void {
    this.flush();
    this.cap = 0;
    this.sScores = new Float32Array(0);
    this.sValid = new Float32Array(0);
    this.sY = this.loss.kind === 'sigmoid' ? new Float32Array(0) : null;
    this.sT = this.loss.kind === 'sigmoid' ? null : new Int32Array(0);
    this.sOthers = this.sTarget = this.sTargetAlpha = this.sPerSample = null;
    this.sProbabilities = null;
  }

  private stage(chunk: PredictionChunk, start: number, take: number, multiHot: boolean): void {
    const C = this.C;
    const cap = this.cap;
    const f = this.fill;
    const scores = chunk.scores;
    const targets = chunk.targets;
    this.sValid.fill(1, f, f + take);
    if (this.sY) {
      const sY = this.sY;
      const sS = this.sScores;
      const cnt = this.countPos;
      if (C === 1) {
        sS.set(scores.subarray(start, start + take), f);
        let pos = 0;
        for (let i = 0; i < take; i++) {
          const t = targets[start + i];
          if (t !== 0 && t !== 1) throw new RangeError(`binary target must be 0 or 1, got ${t} (sample ${start + i})`);
          sY[f + i] = t;
          pos += t;
        }
        cnt[0] += pos;
      } else {
        for (let i = 0; i < take; i++) {
          const row = (start + i) * C;
          for (let c = 0; c < C; c++) sS[c * cap + f + i] = scores[row + c];
        }
        if (multiHot) {
          for (let i = 0; i < take; i++) {
            const row = (start + i) * C;
            for (let c = 0; c < C; c++) {
              const t = targets[row + c] ? 1 : 0;
              sY[c * cap + f + i] = t;
              cnt[c] += t;
            }
          }
        } else {
          for (let c = 0; c < C; c++) sY.fill(0, c * cap + f, c * cap + f + take);
          for (let i = 0; i < take; i++) {
            const t = targets[start + i];
            if (t >= 0 && t < C) {
              sY[t * cap + f + i] = 1;
              cnt[t] += 1;
            }
          }
        }
      }
    } else {
      const sT = this.sT as Int32Array;
      this.sScores.set(scores.subarray(start * C, (start + take) * C), f * C);
      const cnt = this.countPos;
      if (multiHot) {
        for (let i = 0; i < take; i++) {
          const row = (start + i) * C;
          let best = -1;
          for (let c = 0; c < C; c++) if (targets[row + c]) { best = c; break; }
          if (best < 0) throw new RangeError(`softmax sample ${start + i} has an all-zero one-hot target`);
          sT[f + i] = best;
          cnt[best] += 1;
        }
      } else {
        for (let i = 0; i < take; i++) {
          const t = targets[start + i];
          if (!(t >= 0 && t < C)) throw new RangeError(`softmax target ${t} outside [0, ${C}) (sample ${start + i})`);
          sT[f + i] = t;
          cnt[t] += 1;
        }
      }
    }
    this.fill = f + take;
  }

  /** Run the kernel on the staged samples (padding the tail to a whole block). */
  private flush(): void {
    const real = this.fill;
    if (real === 0 || this.scoreKind === null) return;
    const C = this.C;
    const cap = this.cap;
    const n = Math.ceil(real / BLOCK) * BLOCK;
    // Zero the padding: scores 0, targets 0 / class 0, valid 0 (every sum masks with valid or y).
    this.sValid.fill(0, real, n);
    const kl = { gamma: this.loss.gamma, classAlpha: this.loss.classAlpha, threshold: this.loss.threshold };
    if (this.sY) {
      // Column-major staging has stride cap: compact to [C, n] when the batch is short.
      let scores = this.sScores;
      let y = this.sY;
      if (n !== cap && C > 1) {
        scores = new Float32Array(C * n);
        y = new Float32Array(C * n);
        for (let c = 0; c < C; c++) {
          scores.set(this.sScores.subarray(c * cap, c * cap + real), c * n);
          y.set(this.sY.subarray(c * cap, c * cap + real), c * n);
        }
      } else {
        for (let c = 0; c < C; c++) {
          scores.fill(0, c * cap + real, c * cap + n);
          y.fill(0, c * cap + real, c * cap + n);
        }
        if (n !== cap) {
          scores = scores.subarray(0, n);
          y = y.subarray(0, n);
        }
      }
      const res = sigmoidKernel(
        { scoreKind: this.scoreKind, C, n, scores, y, valid: this.sValid.subarray(0, n) },
        kl,
        this.sProbabilities,
        real,
      );
      const nb = n / BLOCK;
      const Q = SIGMOID_Q.length;
      const s = res.sums;
      for (let side = 0; side < 2; side++) {
        for (let q = 0; q < Q; q++) {
          for (let c = 0; c < C; c++) {
            const base = ((side * Q + q) * C + c) * nb;
            let tot = 0;
            for (let b = 0; b < nb; b++) tot += s[base + b];
            this.acc[(side * Q + q) * C + c] += tot;
          }
        }
      }
      if (this.onBatch && res.probabilities) {
        const targets = C === 1 ? this.sY.subarray(0, real) : multiHotRows(this.sY, cap, C, real);
        this.onBatch({ samples: real, probabilities: res.probabilities, targets, targetLayout: C === 1 ? 'index' : 'multi-hot' });
      }
    } else {
      const sT = this.sT as Int32Array;
      this.sScores.fill(0, real * C, n * C);
      sT.fill(0, real, n);
      this.stageSoftmaxRows(n, real);
      const res = softmaxKernel(
        {
          scoreKind: this.scoreKind,
          C,
          n,
          scores: this.sScores.subarray(0, n * C),
          others: (this.sOthers as Float32Array).subarray(0, n * C),
          target: (this.sTarget as Float32Array).subarray(0, n),
          targetAlpha: this.sTargetAlpha ? this.sTargetAlpha.subarray(0, n) : null,
          valid: this.sValid.subarray(0, n),
        },
        kl,
        this.sPerSample as Float32Array,
        this.sProbabilities,
        real,
      );
      addByClass(res.perSample, sT, real, C, SOFTMAX_Q.length, this.acc);
      const nb = n / BLOCK;
      for (let c = 0; c < C; c++) {
        let tot = 0;
        for (let b = 0; b < nb; b++) tot += res.gradNeg[b * C + c];
        this.accGradNeg[c] += tot;
      }
      if (this.onBatch && res.probabilities) this.onBatch({ samples: real, probabilities: res.probabilities, targets: sT.subarray(0, real), targetLayout: 'index' });
    }
    this.fill = 0;
  }

  /**
   * The softmax kernel's inputs that JS finds cheaper than tfjs, in one pass over the staged rows:
   * each row's argmax (the predicted class, counted here), its logits shifted by their maximum (in
   * place), the target's column, the complement of the one-hot target and the target's alpha.
   * Padded rows (class 0, scores 0) get a clipped probability as their target, never 0.
   */
  private stageSoftmaxRows(n: number, real: number): void {
    const sT = this.sT as Int32Array;
    const others = this.sOthers as Float32Array;
    others.fill(1, 0, n * this.C);
    stageTargets(this.sScores, sT, this.C, n, real, this.scoreKind === 'logits', others, this.sTarget as Float32Array, this.predCount, this.truePos);
    const alpha = this.sTargetAlpha;
    const classAlpha = this.loss.classAlpha;
    if (alpha && classAlpha) for (let i = 0; i < n; i++) alpha[i] = classAlpha[sT[i]!]!;
  }

  /** Flush, and build the epoch's report. */
  finish(epoch: number): EpochResult {
    this.flush();
    return { report: this.loss.kind === 'sigmoid' ? this.sigmoidReport(epoch) : this.softmaxReport(epoch) };
  }

  private sigmoidReport(epoch: number): EpochReport {
    const C = this.C;
    const Q = SIGMOID_Q.length;
    const N = this.samples;
    const get = (side: number, q: (typeof SIGMOID_Q)[number], c: number) => this.acc[(side * Q + SIGMOID_Q.indexOf(q)) * C + c];
    const perClass: ClassEpochStats[] = [];
    let focalSum = 0;
    let ceSum = 0;
    for (let c = 0; c < C; c++) {
      const nPos = this.countPos[c];
      const nNeg = N - nPos;
      const flPos = get(0, 'focal', c);
      const flNeg = get(1, 'focal', c);
      const wPos = get(0, 'weight', c);
      const wNeg = get(1, 'weight', c);
      const gPos = get(0, 'grad', c);
      const gNeg = get(1, 'grad', c);
      const tp = get(0, 'pred', c);
      const fp = get(1, 'pred', c);
      focalSum += flPos + flNeg;
      ceSum += get(0, 'ce', c) + get(1, 'ce', c);
      const a = this.loss.classAlpha ? this.loss.classAlpha[c] : null;
      const aPos = a === null ? 1 : a;
      const aNeg = a === null ? 1 : 1 - a;
      const pos = { count: nPos, weightSum: wPos, gradMass: gPos, alpha: aPos };
      const neg = { count: nNeg, weightSum: wNeg, gradMass: gNeg, alpha: aNeg };
      if (C === 1) {
        perClass.push(
          classStats(this.classes[0], N, { pos: neg, neg: pos, predicted: N - tp - fp, truePositives: nNeg - fp, focalSum: flNeg }),
          classStats(this.classes[1], N, { pos, neg, predicted: tp + fp, truePositives: tp, focalSum: flPos }),
        );
      } else {
        perClass.push(classStats(this.classes[c], N, { pos, neg, predicted: tp + fp, truePositives: tp, focalSum: flPos + flNeg }));
      }
    }
    return { epoch, samples: N, focalSum, ceSum, perClass };
  }

  private softmaxReport(epoch: number): EpochReport {
    const C = this.C;
    const N = this.samples;
    const col = (q: (typeof SOFTMAX_Q)[number], c: number) => this.acc[SOFTMAX_Q.indexOf(q) * C + c];
    const alpha = this.loss.classAlpha ?? new Array<number>(C).fill(1);
    let focalSum = 0;
    let ceSum = 0;
    let wTotal = 0;
    let alphaWeighted = 0;
    for (let c = 0; c < C; c++) {
      focalSum += col('focal', c);
      ceSum += col('ce', c);
      wTotal += col('weight', c);
      alphaWeighted += this.countPos[c] * alpha[c];
    }
    const perClass: ClassEpochStats[] = [];
    for (let c = 0; c < C; c++) {
      const nPos = this.countPos[c];
      const nNeg = N - nPos;
      const wPos = col('weight', c);
      // Count-weighted mean alpha of the other classes (unweighted when they have no samples).
      let aBar: number;
      if (nNeg > 0) aBar = (alphaWeighted - nPos * alpha[c]) / nNeg;
      else aBar = C > 1 ? (alpha.reduce((s, x) => s + x, 0) - alpha[c]) / (C - 1) : 1;
      perClass.push(
        classStats(this.classes[c], N, {
          pos: { count: nPos, weightSum: wPos, gradMass: col('gradPos', c), alpha: alpha[c] },
          neg: { count: nNeg, weightSum: wTotal - wPos, gradMass: this.accGradNeg[c], alpha: aBar },
          predicted: this.predCount[c],
          truePositives: this.truePos[c],
          focalSum: col('focal', c),
        }),
      );
    }
    return { epoch, samples: N, focalSum, ceSum, perClass };
  }
}

// The per-row loops of a flush, as plain functions of typed arrays: they run once a batch over
// every sample, and small monomorphic functions are optimised sooner than a flush() that does
// everything (which ran them partly unoptimised, boxing every number).

/**
 * Softmax rows [0, n): each row's first argmax (of clipped values for probabilities, as the kernel
 * clips) is its predicted class, counted for the real rows; the target's column of `others` is
 * zeroed; logits are shifted by their row's maximum in place and the target's shifted logit kept,
 * probabilities keep the target's clipped probability.
 */
function stageTargets(sc: Float32Array, sT: Int32Array, C: number, n: number, real: number, logits: boolean, others: Float32Array, target: Float32Array, predCount: Float64Array, truePos: Float64Array): void {
  for (let i = 0, o = 0; i < n; i++, o += C) {
    const y = sT[i]!;
    others[o + y] = 0;
    let best = 0;
    let m = logits ? sc[o]! : clip(sc[o]!);
    for (let c = 1; c < C; c++) {
      const x = logits ? sc[o + c]! : clip(sc[o + c]!);
      if (x > m) {
        m = x;
        best = c;
      }
    }
    if (i < real) {
      predCount[best]! += 1;
      if (best === y) truePos[best]! += 1;
    }
    if (logits) {
      for (let c = 0; c < C; c++) sc[o + c]! -= m;
      target[i] = sc[o + y]!;
    } else target[i] = clip(sc[o + y]!);
  }
}

/** Adds Q per-sample quantities ([Q, real] values) into acc [Q, C] by the samples' true classes. */
function addByClass(values: Float32Array, sT: Int32Array, real: number, C: number, Q: number, acc: Float64Array): void {
  for (let q = 0; q < Q; q++) {
    const base = q * C;
    const from = q * real;
    for (let i = 0; i < real; i++) acc[base + sT[i]!]! += values[from + i]!;
  }
}

/** A probability clipped to the kernels' float32 bounds. */
function clip(p: number): number {
  return p < CLIP_LO ? CLIP_LO : p > CLIP_HI ? CLIP_HI : p;
}

/** Row-major multi-hot rows of the first `rows` samples of column-major [C, stride] 0/1 staging. */
function multiHotRows(y: Float32Array, stride: number, C: number, rows: number): Uint8Array {
  const out = new Uint8Array(rows * C);
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < rows; i++) out[i * C + c] = y[c * stride + i];
  }
  return out;
}
