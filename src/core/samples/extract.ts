/**
 * `focal-lens samples`: one epoch's per-sample scores and targets from a prediction dump, for the
 * report webview's live what-if and p_t histograms. The JSON report keeps summaries only; this
 * reads the dump again and keeps the chunks of one epoch, capped at `maxSamples` by seeded
 * reservoir sampling (a uniform sample whatever the dump's order), so what reaches the webview is
 * bounded whatever the epoch's size.
 */
import { openDumpOfSplit, chunkLayout, type OpenDumpOptions, type PredictionChunk } from '../readers';
import type { EpochSamples } from './format';
import { SampleReservoir } from '../sample-reservoir';

export interface ExtractOptions extends Pick<OpenDumpOptions, 'lenient' | 'split' | 'signal' | 'displayBase'> {
  epoch: number;
  /** At most this many samples are kept; more are sampled uniformly. */
  maxSamples: number;
  /** Seed of the sampling (the same file gives the same sample). */
  seed?: number;
}


/**
 * The samples of one epoch. Throws a RangeError when the dump has no such epoch (the message lists
 * the epochs it has), InputError on bad input as the analysis does.
 */
export async function extractEpochSamples(paths: string[], opts: ExtractOptions): Promise<EpochSamples> {
  if (!(opts.maxSamples >= 1)) throw new RangeError(`maxSamples must be at least 1, got ${opts.maxSamples}`);
  const { dump } = await openDumpOfSplit(paths, {
    lenient: opts.lenient ?? false,
    ...(opts.split !== undefined ? { split: opts.split } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.displayBase !== undefined ? { displayBase: opts.displayBase } : {}),
  });
  let reservoir: SampleReservoir | null = null;
  let first: PredictionChunk | null = null;
  const epochs = new Set<number>();
  for await (const chunk of dump.chunks) {
    epochs.add(chunk.epoch);
    if (chunk.epoch !== opts.epoch) continue;
    if (!first) {
      first = chunk;
      reservoir = new SampleReservoir(chunk.numClasses, chunk.targetLayout === 'multi-hot', Math.floor(opts.maxSamples), opts.seed ?? 1);
    }
    reservoir!.add(chunk.scores, chunk.targets, chunk.samples);
  }
  if (!first || !reservoir) {
    const have = [...epochs].sort((a, b) => a - b);
    throw new RangeError(`${dump.files[0] ?? paths[0]}: no epoch ${opts.epoch} (epochs: ${have.slice(0, 20).join(', ')}${have.length > 20 ? ', ...' : ''})`);
  }
  const C = first.numClasses;
  return {
    epoch: opts.epoch,
    samples: reservoir.kept,
    total: reservoir.seen,
    sampled: reservoir.seen > reservoir.kept,
    numClasses: C,
    scoreKind: first.scoreKind,
    targetLayout: first.targetLayout,
    layout: chunkLayout(first),
    scores: reservoir.scores,
    targets: reservoir.targets,
  };
}
