/**
 * `focal-lens samples`: one epoch's per-sample scores and targets from a prediction dump, for the
 * report webview's live what-if and p_t histograms. The JSON report keeps summaries only; this
 * reads the dump again and keeps the chunks of one epoch, capped at `maxSamples` by seeded
 * reservoir sampling (a uniform sample whatever the dump's order), so what reaches the webview is
 * bounded whatever the epoch's size.
 */
import { openPredictionDump, chunkLayout, type OpenDumpOptions, type PredictionChunk, type PredictionDump } from '../readers';
import type { EpochSamples } from './format';

export interface ExtractOptions extends Pick<OpenDumpOptions, 'lenient' | 'split' | 'signal' | 'displayBase'> {
  epoch: number;
  /** At most this many samples are kept; more are sampled uniformly. */
  maxSamples: number;
  /** Seed of the sampling (the same file gives the same sample). */
  seed?: number;
}

/** mulberry32: a small, fast, seedable generator (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Growable typed arrays holding whole samples (row-major), up to `cap` of them. */
class Reservoir {
  scores: Float32Array;
  targets: Int32Array | Uint8Array;
  kept = 0;
  seen = 0;
  private readonly random: () => number;

  constructor(
    private readonly C: number,
    private readonly multiHot: boolean,
    private readonly cap: number,
    seed: number,
  ) {
    const initial = Math.min(cap, 1 << 16);
    this.scores = new Float32Array(initial * C);
    this.targets = multiHot ? new Uint8Array(initial * C) : new Int32Array(initial);
    this.random = seededRandom(seed);
  }

  add(chunk: PredictionChunk): void {
    const { C } = this;
    const per = this.multiHot ? C : 1;
    for (let i = 0; i < chunk.samples; i++, this.seen++) {
      let slot: number;
      if (this.kept < this.cap) {
        slot = this.kept++;
        this.grow(this.kept);
      } else {
        // Algorithm R: the n-th sample replaces a random slot with probability cap / n
        slot = Math.floor(this.random() * (this.seen + 1));
        if (slot >= this.cap) continue;
      }
      this.scores.set(chunk.scores.subarray(i * C, i * C + C), slot * C);
      if (per === 1) this.targets[slot] = chunk.targets[i]!;
      else this.targets.set(chunk.targets.subarray(i * per, i * per + per), slot * per);
    }
  }

  private grow(needed: number): void {
    const rows = this.scores.length / this.C;
    if (needed <= rows) return;
    const next = Math.min(this.cap, Math.max(needed, rows * 2));
    const scores = new Float32Array(next * this.C);
    scores.set(this.scores);
    this.scores = scores;
    const targets = this.multiHot ? new Uint8Array(next * this.C) : new Int32Array(next);
    targets.set(this.targets);
    this.targets = targets;
  }
}

async function openForSplit(paths: string[], opts: ExtractOptions): Promise<PredictionDump> {
  const base: OpenDumpOptions = {
    lenient: opts.lenient ?? false,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.displayBase !== undefined ? { displayBase: opts.displayBase } : {}),
  };
  if (opts.split !== undefined) return openPredictionDump(paths, { ...base, split: opts.split });
  const dump = await openPredictionDump(paths, base);
  if (dump.meta.split === undefined) return dump;
  // as the analysis does: a dump that names its split is read for that split only
  // started and stopped, as the analysis discards a dump, so that the readers close their files
  const it = dump.chunks[Symbol.asyncIterator]();
  try {
    await it.next();
  } finally {
    await it.return?.(undefined);
  }
  return openPredictionDump(paths, { ...base, split: dump.meta.split });
}

/**
 * The samples of one epoch. Throws a RangeError when the dump has no such epoch (the message lists
 * the epochs it has), InputError on bad input as the analysis does.
 */
export async function extractEpochSamples(paths: string[], opts: ExtractOptions): Promise<EpochSamples> {
  if (!(opts.maxSamples >= 1)) throw new RangeError(`maxSamples must be at least 1, got ${opts.maxSamples}`);
  const dump = await openForSplit(paths, opts);
  let reservoir: Reservoir | null = null;
  let first: PredictionChunk | null = null;
  const epochs = new Set<number>();
  for await (const chunk of dump.chunks) {
    epochs.add(chunk.epoch);
    if (chunk.epoch !== opts.epoch) continue;
    if (!first) {
      first = chunk;
      reservoir = new Reservoir(chunk.numClasses, chunk.targetLayout === 'multi-hot', Math.floor(opts.maxSamples), opts.seed ?? 1);
    }
    reservoir!.add(chunk);
  }
  if (!first || !reservoir) {
    const have = [...epochs].sort((a, b) => a - b);
    throw new RangeError(`${dump.files[0] ?? paths[0]}: no epoch ${opts.epoch} (epochs: ${have.slice(0, 20).join(', ')}${have.length > 20 ? ', ...' : ''})`);
  }
  const C = first.numClasses;
  const per = first.targetLayout === 'multi-hot' ? C : 1;
  return {
    epoch: opts.epoch,
    samples: reservoir.kept,
    total: reservoir.seen,
    sampled: reservoir.seen > reservoir.kept,
    numClasses: C,
    scoreKind: first.scoreKind,
    targetLayout: first.targetLayout,
    layout: chunkLayout(first),
    scores: reservoir.scores.subarray(0, reservoir.kept * C),
    targets: reservoir.targets.subarray(0, reservoir.kept * per),
  };
}
