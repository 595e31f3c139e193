/**
 * A bound on the per-sample data the counterfactual keeps: up to a cap an epoch's samples all go
 * to the counterfactual as they arrive (exact what-if rows); past it, a seeded uniform sample of
 * them does (reservoir sampling, algorithm R), so memory does not grow with the size of the last
 * epoch. The sample is the same on every run of the same input.
 */
import { SampleReservoir } from '../sample-reservoir';
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
  // A copy of what the exact builder got while under the cap, a sample after.
  let reservoir: SampleReservoir | null = null;
  let layout: SampleBatch['targetLayout'] = 'index';

  const add = (batch: SampleBatch): void => {
    layout = batch.targetLayout;
    reservoir ??= new SampleReservoir(C, layout === 'multi-hot', cap, seed, 256);
    const underCap = exact !== null && reservoir.seen + batch.samples <= cap;
    // copied before the builder gets the batch: it may overwrite the probabilities in place
    reservoir.add(batch.probabilities, batch.targets, batch.samples);
    if (underCap) exact!.add(batch);
    else if (exact) {
      exact.discard();
      exact = null;
    }
  };

  return {
    add,
    build(classes: string[]): CounterfactualEngine {
      if (exact) return exact.build(classes);
      const sample = counterfactualBuilder(spec);
      if (reservoir) sample.add({ samples: reservoir.kept, probabilities: reservoir.scores, targets: reservoir.targets, targetLayout: layout });
      return sample.build(classes);
    },
    discard(): void {
      exact?.discard();
      exact = null;
      reservoir = null;
    },
    workWhile(waiting: Promise<unknown>): void {
      exact?.workWhile(waiting);
    },
    sampled: () => (exact || !reservoir ? null : { seen: reservoir.seen, kept: reservoir.kept }),
  };
}
