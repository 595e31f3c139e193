/**
 * A bound on the per-sample data the counterfactual keeps, so that memory does not grow with the
 * size of the last epoch. Up to it an epoch's samples all go to the counterfactual as they arrive
 * (exact what-if rows); past it, a seeded sample of them does, the reservoir being the builder's
 * own store. The sample is the same on every run of the same input.
 * - softmax: stratified by true class. Each class keeps all its samples up to
 *   COUNTERFACTUAL_CLASS_CAP (fewer with many classes: 2^23 scores in all), then a uniform sample
 *   of that many, each standing for its class's samples / kept (weights in every count). A rare
 *   class is kept whole; a large one is estimated from 32,768 samples (a share's standard error
 *   at most 0.28 points), and every pass costs a fraction of the epoch.
 * - sigmoid, softmax with too many classes to stratify, and softmax when asked for every sample
 *   (`--what-if-samples all`): a uniform sample (algorithm R) of 2^23 scores.
 */
import { APPEND, ReservoirSlots, StratifiedSlots } from '../sample-reservoir';
import { counterfactualBuilder, sampleClass, type CounterfactualBuilder, type CounterfactualEngine, type CounterfactualSpec, type SampleBatch } from './counterfactual';
import { stratumOf } from './counterfactual-passes';

/** Scores (samples x columns) the counterfactual keeps at most: 32 MiB of float32. */
export const COUNTERFACTUAL_MAX_SCORES = 1 << 23;

/** Samples of one true class the softmax counterfactual keeps at most. */
export const COUNTERFACTUAL_CLASS_CAP = 1 << 15;

/** How the counterfactual's sample was taken, when the epoch was larger than the cap. */
export interface CounterfactualSample {
  seen: number;
  kept: number;
  /** Softmax: the samples each class keeps at most (null: one uniform sample of all samples). */
  perClass: number | null;
}

export interface CappedCounterfactual extends CounterfactualBuilder {
  /** How the samples were sampled, when the epoch was larger than the cap (else null). */
  sampled(): CounterfactualSample | null;
}

export interface SampleCapOptions {
  /** Default COUNTERFACTUAL_MAX_SCORES. */
  maxScores?: number;
  /** Softmax: samples of one class kept at most (default COUNTERFACTUAL_CLASS_CAP; Infinity: one uniform sample of maxScores). */
  samplesPerClass?: number;
  seed?: number;
}

export function cappedCounterfactual(spec: CounterfactualSpec, { maxScores = COUNTERFACTUAL_MAX_SCORES, samplesPerClass = COUNTERFACTUAL_CLASS_CAP, seed = 0x5eed }: SampleCapOptions = {}): CappedCounterfactual {
  const C = spec.numClasses;
  // one stratum per class and one for targets outside [0, C), all of them within maxScores; with
  // too many classes for one sample each (about 2,900 at 2^23 scores), one uniform sample
  const perClass = Math.min(samplesPerClass, Math.floor(maxScores / C / (C + 1)));
  const stratified = spec.kind === 'softmax' && perClass >= 1 && samplesPerClass !== Infinity;
  return stratified ? stratifiedCap(spec, perClass, seed) : uniformCap(spec, maxScores, seed);
}

function uniformCap(spec: CounterfactualSpec, maxScores: number, seed: number): CappedCounterfactual {
  const C = spec.numClasses;
  const cap = Math.max(1, Math.floor(maxScores / C));
  const builder = counterfactualBuilder(spec);
  const slots = new ReservoirSlots(cap, seed);

  const add = (batch: SampleBatch): void => {
    const n = batch.samples;
    // the first samples fill the reservoir; each later one may take a slot (sample-reservoir.ts)
    const fit = slots.fill(n);
    if (fit === n) builder.add(batch);
    else if (fit > 0) builder.add(firstRows(batch, fit, C));
    for (let i = fit; i < n; i++) {
      const slot = slots.next();
      if (slot >= 0) builder.replace(slot, batch, i);
    }
  };

  return {
    ...builder,
    add,
    sampled: () => (slots.seen > cap ? { seen: slots.seen, kept: cap, perClass: null } : null),
  };
}

function stratifiedCap(spec: CounterfactualSpec, cap: number, seed: number): CappedCounterfactual {
  const C = spec.numClasses;
  const builder = counterfactualBuilder(spec);
  const slots = new StratifiedSlots(C + 1, cap, seed);
  let fates = new Int32Array(0);
  let appendedRows = new Int32Array(0);

  const add = (batch: SampleBatch): void => {
    const n = batch.samples;
    const multiHot = batch.targetLayout === 'multi-hot';
    if (fates.length < n) {
      fates = new Int32Array(n);
      appendedRows = new Int32Array(n);
    }
    let appended = 0;
    for (let i = 0; i < n; i++) {
      const y = sampleClass(batch.targets, i, C, multiHot);
      const fate = slots.offer(stratumOf(y, C));
      fates[i] = fate;
      if (fate === APPEND) appendedRows[appended++] = i;
    }
    // the appended samples first (their slots are numbered in this order), then the replacements,
    // which may take the slot of a sample appended from this same batch
    if (appended === n) builder.add(batch);
    else if (appended > 0) builder.add(batch, appendedRows.subarray(0, appended));
    for (let i = 0; i < n; i++) if (fates[i]! >= 0) builder.replace(fates[i]!, batch, i);
  };

  return {
    ...builder,
    add,
    build: (classes: string[]): CounterfactualEngine => builder.build(classes, slots.weights()),
    sampled: () => (slots.sampled ? { seen: slots.totalSeen, kept: slots.totalKept, perClass: cap } : null),
  };
}

/** The first `rows` samples of a batch (views, no copy). */
function firstRows(batch: SampleBatch, rows: number, C: number): SampleBatch {
  const tw = batch.targetLayout === 'multi-hot' ? C : 1;
  const t = batch.targets;
  return {
    samples: rows,
    probabilities: batch.probabilities.subarray(0, rows * C),
    targets: ArrayBuffer.isView(t) ? (t as Int32Array).subarray(0, rows * tw) : Array.from({ length: rows * tw }, (_, i) => t[i]!),
    targetLayout: batch.targetLayout,
  };
}
