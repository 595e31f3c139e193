/**
 * A bound on the per-sample data the counterfactual keeps: up to a cap an epoch's samples all go
 * to the counterfactual as they arrive (exact what-if rows); past it, a seeded uniform sample of
 * them does (reservoir sampling, algorithm R, the reservoir being the builder's own store), so
 * memory does not grow with the size of the last epoch. The sample is the same on every run of
 * the same input.
 */
import { ReservoirSlots } from '../sample-reservoir';
import { counterfactualBuilder, type CounterfactualBuilder, type CounterfactualEngine, type CounterfactualSpec, type SampleBatch } from './counterfactual';

/** Scores (samples x columns) the counterfactual keeps at most: 32 MiB of float32. */
export const COUNTERFACTUAL_MAX_SCORES = 1 << 23;

export interface CappedCounterfactual extends CounterfactualBuilder {
  /** Samples seen and samples kept, when the epoch was larger than the cap (else null). */
  sampled(): { seen: number; kept: number } | null;
}

export function cappedCounterfactual(spec: CounterfactualSpec, maxScores = COUNTERFACTUAL_MAX_SCORES, seed = 0x5eed): CappedCounterfactual {
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
    add,
    build: (classes: string[]): CounterfactualEngine => builder.build(classes),
    discard: () => builder.discard(),
    workWhile: (waiting) => builder.workWhile(waiting),
    replace: (slot, batch, i) => builder.replace(slot, batch, i),
    sampled: () => (slots.seen > cap ? { seen: slots.seen, kept: cap } : null),
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
