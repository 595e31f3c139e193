/**
 * Stage 2 of the pipeline: the dump's epochs. One EpochAccumulator per epoch (the tfjs kernels),
 * the newest epoch's per-sample probabilities fed to its counterfactual as they come.
 *
 * Streaming: when epochs arrive in order (the usual case) one accumulator is alive at a time, and
 * the counterfactual of the newest epoch digests its per-sample probabilities batch by batch as the
 * kernels produce them (the last epoch is not known until the dump ends; a previous epoch's is
 * dropped as soon as a later epoch starts), so peak memory does not grow with the number of epochs
 * and the counterfactual's set-up overlaps with the readers' parsing; past a cap it keeps a seeded
 * sample of the epoch's samples (per class for softmax, analysis/sample-cap.ts), so memory does not
 * grow with the size of the epoch either. When an epoch reappears after a later one (interleaved
 * files), the dump is read again with one accumulator per epoch alive (their state is small;
 * chunks are queued per epoch up to a budget and fed one epoch at a time) and the counterfactual
 * fed for the largest epoch only.
 */
import type { EpochReport } from '../report';
import type { PredictionChunk } from '../readers/types';
import { openDumpOfSplit, type PredictionDump } from '../readers/index';
import type { DumpSource } from '../readers/dump-source';
import { InputError } from '../readers/errors';
import { EpochAccumulator, type EpochResult } from '../compute/epoch-accumulator';
import { cappedCounterfactual, type CappedCounterfactual } from '../analysis/sample-cap';
import { abortError, sampleCapOf, UsageError, type AnalyzeOptions, type AnalyzeProgress } from './options';
import { counterfactualSpec, resolveLoss, type LossSettings, type Resolved } from './settings';

/**
 * Open the run's dump; a dump that names its split (the focal_lens writer does) is judged on that
 * split only. Returns the opener too: the interleaved-epochs pass reads the dump again. The first
 * pass's chunks share their buffers (the kernels' staging copies what it keeps); the opener's are
 * fresh.
 */
export async function openDump(sources: DumpSource[], opts: AnalyzeOptions, progress: (event: AnalyzeProgress) => void): Promise<{ dump: PredictionDump; open: () => Promise<PredictionDump>; split: string | undefined }> {
  return openDumpOfSplit(opts.paths, {
    sources,
    reuseBuffers: true,
    lenient: opts.lenient ?? false,
    ...(opts.split !== undefined ? { split: opts.split } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.displayBase !== undefined ? { displayBase: opts.displayBase } : {}),
    onProgress: (bytesRead, totalBytes) =>
      progress({ phase: 'read', bytesRead, totalBytes, fraction: totalBytes > 0 ? bytesRead / totalBytes : undefined, message: `reading: ${mb(bytesRead)} of ${mb(totalBytes)}` }),
  });
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
}

export interface EpochsRead {
  resolved: Resolved;
  /** In epoch order. */
  epochs: EpochReport[];
  /** The last epoch's counterfactual, fed while it was read (null when nothing was kept). */
  counterfactual: CappedCounterfactual | null;
  notes: string[];
  /** The dump as last opened (a second pass reopens it): its issues() are the run's. */
  dump: PredictionDump;
}

export interface ReadEpochsInput {
  dump: PredictionDump;
  /** Opens the same dump again (the interleaved-epochs pass). */
  reopen: () => Promise<PredictionDump>;
  opts: AnalyzeOptions;
  settings: LossSettings;
  classesOpt: string[] | null;
  /** The dump's name in messages. */
  where: string;
  split: string | undefined;
  progress: (event: AnalyzeProgress) => void;
}

export async function readEpochs({ dump, reopen, opts, settings, classesOpt, where, split, progress }: ReadEpochsInput): Promise<EpochsRead> {
  const signal = opts.signal;
  const sampleCap = sampleCapOf(opts);
  let resolved: Resolved | null = null;
  const results: EpochResult[] = [];
  let lastCounterfactual: CappedCounterfactual | null = null;
  const notes: string[] = [];
  let interleaved = false;

  // pass 1: streaming, one accumulator alive
  {
    // An epoch below the dump's tail epoch is not the last: it gets no counterfactual (no
    // per-sample data kept, none read back from the kernels).
    const later = dump.tailEpoch;
    let cur: { epoch: number; acc: EpochAccumulator; counterfactual: CappedCounterfactual | null } | null = null;
    const finished = new Set<number>();
    const finishCur = () => {
      if (!cur) return;
      results.push(cur.acc.finish(cur.epoch));
      finished.add(cur.epoch);
      lastCounterfactual = cur.counterfactual;
      progress({ phase: 'epoch', epoch: cur.epoch, epochsDone: results.length, message: `epoch ${cur.epoch} done` });
      cur = null;
    };
    // while the readers' workers parse the next chunk, the current epoch's counterfactual works on
    const chunks = whileWaiting(dump.chunks, (next) => (cur as { counterfactual: CappedCounterfactual | null } | null)?.counterfactual?.workWhile(next));
    for await (const chunk of chunks) {
      if (signal?.aborted) throw abortError();
      if (!resolved) resolved = resolveLoss(opts, settings, dump.meta, chunk, where);
      if (!cur || cur.epoch !== chunk.epoch) {
        finishCur();
        if (finished.has(chunk.epoch)) {
          interleaved = true;
          break;
        }
        checkEpochCount(finished.size + 1, resolved.loss.numClasses, where);
        // a later epoch started: the previous one is not the last
        (lastCounterfactual as CappedCounterfactual | null)?.discard();
        lastCounterfactual = null;
        const cf = later !== undefined && chunk.epoch < later ? null : cappedCounterfactual(counterfactualSpec(resolved), sampleCap);
        cur = { epoch: chunk.epoch, acc: new EpochAccumulator(resolved.loss, classesOpt, cf ? { onBatch: (b) => cf.add(b) } : {}), counterfactual: cf };
      }
      cur.acc.add(chunk);
    }
    if (!interleaved) finishCur();
  }

  // The tail promised a later epoch that the stream never delivered (a record it rejected): the
  // last epoch read has no counterfactual, and the second pass builds one.
  const again = interleaved || (results.length > 0 && (lastCounterfactual as CappedCounterfactual | null) === null);
  if (again) {
    // pass 2: aggregate by epoch, keep probabilities for the largest epoch only.
    notes.push(
      interleaved
        ? 'Epochs are interleaved across records or files: the dump was read twice (first pass to find that out).'
        : 'The dump was read twice: the first pass kept no samples of the epoch it ended with (the last records are of a later epoch, or were skipped).',
    );
    results.length = 0;
    (lastCounterfactual as CappedCounterfactual | null)?.discard();
    lastCounterfactual = null;
    dump = await reopen();
    const loss = resolved!.loss;
    const accs = new Map<number, EpochAccumulator>();
    let maxEpoch = -Infinity;
    let cf: CappedCounterfactual | null = null;
    // Chunks wait in per-epoch queues up to a budget, then go to their accumulators one epoch at a
    // time, each letting go of its staging after: memory is bounded however many epochs
    // interleave, and every chunk is handled once (linear in the input).
    const queued = new Map<number, PredictionChunk[]>();
    let queuedScores = 0;
    const drain = () => {
      for (const [e, list] of queued) {
        const acc = accs.get(e)!;
        for (const c of list) acc.add(c);
        acc.release();
      }
      queued.clear();
      queuedScores = 0;
    };
    for await (const chunk of dump.chunks) {
      if (signal?.aborted) throw abortError();
      const e = chunk.epoch;
      if (!accs.has(e)) {
        checkEpochCount(accs.size + 1, loss.numClasses, where);
        if (e > maxEpoch) {
          // the largest epoch so far is the only one whose samples the counterfactual needs
          maxEpoch = e;
          cf?.discard();
          const feed = (cf = cappedCounterfactual(counterfactualSpec(resolved!), sampleCap));
          accs.set(e, new EpochAccumulator(loss, classesOpt, { onBatch: (b) => e === maxEpoch && feed.add(b) }));
        } else accs.set(e, new EpochAccumulator(loss, classesOpt));
      }
      let list = queued.get(e);
      if (!list) queued.set(e, (list = []));
      list.push(chunk);
      queuedScores += chunk.samples * chunk.numClasses;
      if (queuedScores >= INTERLEAVED_QUEUE_SCORES) drain();
    }
    drain();
    const epochs = [...accs.keys()].sort((x, y) => x - y);
    for (const e of epochs) {
      results.push({ report: accs.get(e)!.finish(e).report });
      progress({ phase: 'epoch', epoch: e, epochsDone: results.length, message: `epoch ${e} done` });
    }
    lastCounterfactual = cf;
  } else {
    results.sort((x, y) => x.report.epoch - y.report.epoch);
  }

  if (!resolved || results.length === 0) {
    const { skipped } = dump.issues();
    throw new UsageError(`${where}: no samples to analyse${split ? ` in split '${split}'` : ''}${skipped ? ` (${skipped} samples skipped as unreadable)` : ''}`);
  }
  return { resolved, epochs: results.map((x) => x.report), counterfactual: lastCounterfactual, notes, dump };
}

/** The items of `source`; `onWait` sees each pending next() the consumer is about to wait for. */
async function* whileWaiting<T>(source: AsyncIterable<T>, onWait: (next: Promise<unknown>) => void): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      const next = it.next();
      onWait(next);
      const r = await next;
      if (r.done) {
        done = true;
        return;
      }
      yield r.value;
    }
  } finally {
    // the consumer stopped early (break, throw): let the readers close their files and workers
    if (!done) await it.return?.(undefined);
  }
}

/** Scores queued in the interleaved-epochs pass before they go to their accumulators (16 MiB). */
const INTERLEAVED_QUEUE_SCORES = 1 << 22;

/** Distinct epochs (or steps) of one analysis, and epochs x reported classes (the report's size). */
export const MAX_EPOCHS = 20_000;
export const MAX_EPOCH_CELLS = 1 << 19;

/** Throws when `epochs` distinct epochs of a dump with `columns` score columns exceed the limits. */
export function checkEpochCount(epochs: number, columns: number, where: string): void {
  const classes = columns === 1 ? 2 : columns;
  if (epochs > MAX_EPOCHS || epochs * classes > MAX_EPOCH_CELLS) {
    throw new InputError(
      { file: where },
      `expected at most ${Math.min(MAX_EPOCHS, Math.floor(MAX_EPOCH_CELLS / classes))} distinct epochs (or steps) with ${classes} classes, found more: per-epoch results would not fit a report (a mutated epoch column? analyse a split or a range of epochs)`,
    );
  }
}
