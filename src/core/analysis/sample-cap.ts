/**
 * A bound on the per-sample data the counterfactual keeps: up to a cap an epoch's samples all go
 * to the counterfactual as they arrive (exact what-if rows); past it, a seeded uniform sample of
 * them does (reservoir sampling, algorithm R), so memory does not grow with the size of the last
 * epoch. The sample is the same on every run of the same input.
 */
import { seededRandom } from '../seeded-random';
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
  let exact: CounterfactualBuilder | null = counterfactualBuilder(spec);
  // The reservoir: a copy of what the exact builder got while under the cap, a sample after.
  let probs = new Float32Array(0);
  let targets: Int32Array | Uint8Array = new Int32Array(0);
  let layout: SampleBatch['targetLayout'] = 'index';
  let kept = 0;
  let seen = 0;
  const random = seededRandom(seed);

  const room = (n: number, multiHot: boolean): void => {
    if (probs.length >= n * C) return;
    const size = Math.min(cap, Math.max(n, 2 * Math.floor(probs.length / C), 256));
    const p = new Float32Array(size * C);
    p.set(probs.subarray(0, kept * C));
    probs = p;
    const t = multiHot ? new Uint8Array(size * C) : new Int32Array(size);
    t.set(targets.subarray(0, kept * (multiHot ? C : 1)));
    targets = t;
  };
  const put = (slot: number, batch: SampleBatch, i: number): void => {
    const p = batch.probabilities;
    for (let c = 0; c < C; c++) probs[slot * C + c] = p[i * C + c]!;
    if (batch.targetLayout === 'multi-hot') for (let c = 0; c < C; c++) targets[slot * C + c] = batch.targets[i * C + c]!;
    else targets[slot] = batch.targets[i]!;
  };

  const add = (batch: SampleBatch): void => {
    const multiHot = batch.targetLayout === 'multi-hot';
    layout = batch.targetLayout;
    if (exact && seen + batch.samples <= cap) {
      // copied before the builder gets the batch: it may overwrite the probabilities in place
      room(kept + batch.samples, multiHot);
      probs.set(batch.probabilities.subarray(0, batch.samples * C), kept * C);
      const tw = multiHot ? C : 1;
      for (let i = 0; i < batch.samples * tw; i++) targets[kept * tw + i] = batch.targets[i]!;
      kept += batch.samples;
      seen += batch.samples;
      exact.add(batch);
      return;
    }
    if (exact) {
      exact.discard();
      exact = null;
      room(cap, multiHot);
    }
    for (let i = 0; i < batch.samples; i++) {
      seen++;
      if (kept < cap) put(kept++, batch, i);
      else {
        const j = Math.floor(random() * seen);
        if (j < cap) put(j, batch, i);
      }
    }
  };

  return {
    add,
    build(classes: string[]): CounterfactualEngine {
      if (exact) return exact.build(classes);
      const sample = counterfactualBuilder(spec);
      sample.add({ samples: kept, probabilities: probs.subarray(0, kept * C), targets: targets.subarray(0, kept * (layout === 'multi-hot' ? C : 1)), targetLayout: layout });
      return sample.build(classes);
    },
    discard(): void {
      exact?.discard();
      exact = null;
      probs = new Float32Array(0);
      targets = new Int32Array(0);
      kept = 0;
    },
    workWhile(waiting: Promise<unknown>): void {
      exact?.workWhile(waiting);
    },
    sampled: () => (exact ? null : { seen, kept }),
  };
}
