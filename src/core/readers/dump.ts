/**
 * Prediction-dump readers: JSONL (+ gzip), CSV (+ gzip), .npy sets, .npz (single or a folder of
 * per-epoch files), safetensors. One entry point, {@link openPredictionDump}; see README.md here.
 */
import { stat } from 'node:fs/promises';
import { arrayChunks, type ArraySet } from './arrays';
import { InputError, IssueLog } from './errors';
import { SCORE_LOGIT_KEYS, SCORE_PROB_KEYS, TARGET_KEYS, EPOCH_KEYS, type ArrayDumpSource, type ArraysContext, type DumpSource } from './dump-source';
import { displayName, scanRun } from './scan';
import { defaultWorkers, openTextFile, PARALLEL_MIN_BYTES, tailEpoch, type PositionedBlock } from './text-reader';
import type { BlockResult } from './text-parse';
import type { InputIssue } from '../report';
import type { DumpLayout, DumpMeta, PredictionChunk, ScoreKind } from './types';

export { InputError, isInputError, MAX_KEPT_ISSUES } from './errors';
export type { DumpLayout, DumpMeta, PredictionChunk, ScoreKind, TargetLayout, SourcePosition } from './types';
export { chunkLayout } from './types';

/** Options of {@link openPredictionDump}. */
export interface OpenDumpOptions {
  /** Skip bad records (counted, first 20 reasons kept) instead of throwing on the first. Default false. */
  lenient?: boolean;
  /** Keep only records of this split ("train" | "val" ...); records without a split are kept. */
  split?: string;
  /** Called as bytes are read (compressed bytes for gzip), with the total size of all input files. */
  onProgress?(bytesRead: number, totalBytes: number): void;
  /** Abort reading: openPredictionDump or the chunk iterator then throws an Error named "AbortError". */
  signal?: AbortSignal;
  /** Maximum samples per chunk. Default 65536. */
  chunkSize?: number;
  /**
   * Parse threads for big uncompressed CSV/JSONL files (>= 16 MiB). Default: cores - 1 (1..4);
   * 0 parses on the calling thread. Needs dist/parse-worker.js next to the bundle (else in-thread).
   */
  workers?: number;
  /** Uncompressed text files at least this big go to the worker pool. Default 16 MiB (tuning, tests). */
  parallelMinBytes?: number;
  /** Bytes per worker task, cut at line ends. Default 4 MiB (tuning, tests). */
  parallelRangeBytes?: number;
  /** Longest accepted text line (one record). Default 16 MiB; longer lines are an error, never an OOM. */
  maxLineBytes?: number;
  /** Base for file names in messages (default: process.cwd(); absolute paths outside it stay absolute). */
  displayBase?: string;
  /** Sources already found by a run scan (then `paths` only names the input for messages). */
  sources?: DumpSource[];
  /**
   * Chunks reuse buffers: a chunk is then valid only until the next one is requested (for a
   * consumer that copies what it keeps, as the kernels' staging does: no fresh pages per chunk).
   * Array dumps (.npy, .npz, safetensors) fill two sets of chunk buffers in turn; large text files
   * hand each parsed block's buffers back to the parse workers. Default false.
   */
  reuseBuffers?: boolean;
}

/** Format ids reported in {@link PredictionDump.format} (and the report's input.format). */
export type DumpFormat = 'jsonl' | 'jsonl.gz' | 'csv' | 'csv.gz' | 'npy' | 'npz' | 'npz-folder' | 'safetensors' | 'mixed';

/** An opened dump: metadata up front, samples as a single-use async stream of chunks. */
export interface PredictionDump {
  format: DumpFormat;
  /** Every data file that will be read, in reading order. */
  files: string[];
  /**
   * Metadata: the JSONL `{"meta": ...}` line or safetensors `__metadata__` of the first file
   * (later files' metadata is merged in as they are read, without overriding).
   */
  meta: DumpMeta;
  /** What the epoch numbers are: "step" for step-only logs (grouped by step). */
  epochKey: 'epoch' | 'step' | 'iteration';
  /**
   * Read before the stream starts: the largest epoch among the last records of the first file when
   * it is uncompressed text (readers/text-reader.ts tailEpoch), or the epoch in the name of the
   * latest per-epoch array file. An epoch below it is not the last one the stream delivers. A hint
   * for saving work, not a promise (a record the stream rejects may have given it).
   */
  tailEpoch?: number;
  /**
   * The samples. Ordering guarantees: files in {@link files} order; within a file, record order.
   * Every chunk holds one (epoch, split) and at most chunkSize samples; consecutive chunks may share
   * an epoch and an epoch may reappear later (interleaved logs, several files), so aggregate by epoch.
   * All chunks share numClasses, scoreKind, targetLayout and layout (a file that differs throws).
   * Iterate once. Throws {@link InputError} on bad input (strict mode), AbortError when aborted.
   */
  chunks: AsyncIterable<PredictionChunk>;
  /** Samples skipped so far under `lenient` (exact count; a bad batch line counts its rows) and the first reasons with positions. */
  issues(): { skipped: number; issues: InputIssue[] };
}

function pickKey<T>(names: Map<string, T>, keys: string[]): [string, T] | undefined {
  for (const k of keys) {
    const v = names.get(k);
    if (v !== undefined) return [k, v];
  }
  return undefined;
}

/** Meta of a later file fills in what the first did not record, never overriding it. */
export function mergeMeta(into: DumpMeta, from: DumpMeta): void {
  for (const [k, v] of Object.entries(from) as [keyof DumpMeta, unknown][]) {
    if (into[k] === undefined) (into as Record<string, unknown>)[k] = v;
  }
}

/** The prediction dumps among the paths (files, or run folders walked by the registry). */
async function dumpSourcesOf(paths: string[], base: string, signal?: AbortSignal): Promise<DumpSource[]> {
  const scan = await scanRun(paths, { displayBase: base, ...(signal ? { signal } : {}) });
  if (scan.dumps.length > 0) return scan.dumps;
  const logs = scan.files.filter((f) => f.format.role !== 'predictions').map((f) => `${f.head.name} (${f.format.label})`);
  throw new InputError(
    { file: scan.root ?? displayName(paths[0]!, base) },
    `no prediction dump here${logs.length ? `, only ${logs.slice(0, 5).join(', ')}${logs.length > 5 ? ', ...' : ''}` : ''}: per-sample logits and targets are needed to recompute the loss`,
    'unsupported',
  );
}

/**
 * Open a prediction dump: one or more files or folders (see README.md in this folder for every
 * accepted layout). Reads only the heads of the files (format, CSV header, JSONL meta line) before
 * returning; samples are read as `chunks` is iterated, a bounded window at a time, so memory does
 * not grow with file size or epoch count.
 *
 * @throws InputError when a path is missing, empty, or not a recognised dump (with file and position).
 */
export async function openPredictionDump(paths: string[], options: OpenDumpOptions = {}): Promise<PredictionDump> {
  const base = options.displayBase ?? process.cwd();
  const sources = options.sources ?? (await dumpSourcesOf(paths, base, options.signal));
  const log = new IssueLog(options.lenient ?? false);
  const chunkSize = Math.max(1, options.chunkSize ?? 65536);
  const files = [...new Set(sources.flatMap((s) => s.paths))];
  let total = 0;
  for (const f of files) total += (await stat(f)).size;
  let done = 0;
  const onBytes = (n: number) => {
    done += n;
    options.onProgress?.(Math.min(done, total), total);
  };
  const textOpts = {
    lenient: options.lenient ?? false,
    maxLineBytes: options.maxLineBytes ?? 16 << 20,
    chunkSize,
    workers: options.workers ?? defaultWorkers(),
    parallelMinBytes: options.parallelMinBytes ?? PARALLEL_MIN_BYTES,
    ...(options.parallelRangeBytes !== undefined ? { rangeBytes: options.parallelRangeBytes } : {}),
    reuseBuffers: options.reuseBuffers ?? false,
    onBytes,
    ...(options.split !== undefined ? { split: options.split } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const arraysCtx: ArraysContext = { display: (p) => displayName(p, base), onBytes };
  const format = dumpFormat(sources, paths);
  const meta: DumpMeta = {};
  let epochKey: PredictionDump['epochKey'] = 'epoch';

  // Open the first text source eagerly so meta (JSONL) and the CSV header are known up front.
  const first = sources[0]!;
  let firstText: { blocks: AsyncGenerator<PositionedBlock>; name: string } | undefined;
  let tail: number | undefined;
  if (first.family === 'text') {
    const name = displayName(first.paths[0]!, base);
    const t = await openTextFile(first.paths[0]!, name, first.kind, first.gzip, textOpts, log, {});
    mergeMeta(meta, t.plan.meta);
    epochKey = t.plan.epochKey;
    firstText = { blocks: t.blocks, name };
    // a hint: a tail that cannot be read leaves the work as it was
    tail = await tailEpoch(t.plan).catch(() => undefined);
  } else {
    if (first.peekMeta) mergeMeta(meta, await first.peekMeta(arraysCtx));
    tail = await arraysTailEpoch(sources, { ...arraysCtx, onBytes: () => undefined }).catch(() => undefined);
  }

  const check = shapeCheck();

  async function* textChunks(blocks: AsyncGenerator<PositionedBlock>, name: string): AsyncGenerator<PredictionChunk> {
    let any = false;
    for await (const { result: r, firstLine } of blocks) {
      const fatal = logBlockIssues(r, firstLine, name, log);
      if (fatal) throw fatal;
      for (const chunk of blockChunks(r, chunkSize)) {
        any = true;
        yield check(chunk, name);
      }
    }
    // A header (or meta line) and nothing else is an error; records all of another split are not.
    if (!any && log.skipped === 0 && options.split === undefined) throw new InputError({ file: name }, 'expected at least one record after the header, found none');
  }

  async function* arraysOf(src: ArrayDumpSource): AsyncGenerator<PredictionChunk> {
    const opened = await src.open(arraysCtx);
    try {
      const { refs, file } = opened;
      if (opened.meta) mergeMeta(meta, opened.meta);
      const s = pickKey(refs, SCORE_LOGIT_KEYS) ?? pickKey(refs, SCORE_PROB_KEYS);
      const t = pickKey(refs, TARGET_KEYS);
      const names = [...refs.keys()].join(', ') || 'none';
      if (!s) throw new InputError({ file }, `expected an array named logits (or scores) or probs, got ${names}`);
      if (!t) throw new InputError({ file }, `expected an array named targets (or labels, y) next to "${s[0]}", got ${names}`);
      const e = pickKey(refs, EPOCH_KEYS);
      const set: ArraySet = {
        file,
        scores: s[1],
        scoreKind: SCORE_LOGIT_KEYS.includes(s[0]) ? 'logits' : 'probs',
        targets: t[1],
        fixedEpoch: src.nameEpoch ?? 0,
        ...(e ? { epoch: e[1] } : {}),
      };
      const ao = {
        chunkSize,
        checkSoftmaxSum: meta.loss !== 'sigmoid_focal',
        reuseBuffers: options.reuseBuffers ?? false,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(meta.split !== undefined ? { split: meta.split } : {}),
      };
      for await (const c of arrayChunks(set, ao, log)) yield check(c, file);
    } finally {
      await opened.close();
    }
  }

  async function* all(): AsyncGenerator<PredictionChunk> {
    for (let i = 0; i < sources.length; i++) {
      const src = sources[i]!;
      if (src.family === 'text') {
        let blocks: AsyncGenerator<PositionedBlock>;
        let name: string;
        if (i === 0 && firstText) ({ blocks, name } = firstText);
        else {
          name = displayName(src.paths[0]!, base);
          const t = await openTextFile(src.paths[0]!, name, src.kind, src.gzip, textOpts, log, {});
          mergeMeta(meta, t.plan.meta);
          blocks = t.blocks;
        }
        yield* textChunks(blocks, name);
      } else yield* arraysOf(src);
    }
  }

  return {
    format,
    files: files.map((f) => displayName(f, base)),
    meta,
    epochKey,
    ...(tail !== undefined ? { tailEpoch: tail } : {}),
    chunks: all(),
    issues: () => log.snapshot(),
  };
}

/**
 * The tail epoch of per-epoch array files (`epoch_003.npz`, ...): the epoch in the name of the
 * latest one, when that file has no epoch array of its own (which would say otherwise).
 */
async function arraysTailEpoch(sources: readonly DumpSource[], ctx: ArraysContext): Promise<number | undefined> {
  let latest: ArrayDumpSource | undefined;
  for (const s of sources) if (s.family === 'arrays' && s.nameEpoch !== undefined && (!latest || s.nameEpoch > latest.nameEpoch!)) latest = s;
  if (!latest || sources.length < 2) return undefined;
  const opened = await latest.open(ctx);
  try {
    return pickKey(opened.refs, EPOCH_KEYS) ? undefined : latest.nameEpoch;
  } finally {
    await opened.close();
  }
}

/** What the dump is, as the report says it: one format, `npz-folder` for per-epoch files of one folder given, else `mixed`. */
export function dumpFormat(sources: readonly DumpSource[], paths: readonly string[]): DumpFormat {
  const kinds = new Set(sources.map((s) => s.format + (s.family === 'text' && s.gzip ? '.gz' : '')));
  const format: DumpFormat = kinds.size > 1 ? 'mixed' : (([...kinds][0] as DumpFormat) ?? 'mixed');
  return format === 'npz' && sources.length > 1 && paths.length === 1 ? 'npz-folder' : format;
}

/**
 * Every chunk of a dump has the shape of the first (score columns, score kind, layout): a check
 * that remembers the first chunk and refuses a file that differs.
 */
export function shapeCheck(): (chunk: PredictionChunk, file: string) => PredictionChunk {
  let shape: { C: number; kind: ScoreKind; layout: DumpLayout; file: string } | undefined;
  return (c, file) => {
    const layout = c.layout as DumpLayout;
    if (!shape) shape = { C: c.numClasses, kind: c.scoreKind, layout, file };
    else if (shape.C !== c.numClasses || shape.kind !== c.scoreKind || shape.layout !== layout) {
      throw new InputError({ file }, `mixed record shapes across files: expected ${shape.layout} ${shape.kind} with ${shape.C} class${shape.C === 1 ? '' : 'es'} like ${shape.file}, got ${layout} ${c.scoreKind} with ${c.numClasses}`);
    }
    return c;
  };
}

/**
 * A parsed block's bad records into the issue log (positions made absolute from the block's first
 * line); returns the strict mode's error when the block stopped at one (its earlier rows are good).
 */
export function logBlockIssues(r: BlockResult, firstLine: number, name: string, log: IssueLog): InputError | undefined {
  for (const it of r.issues) log.add({ file: name, line: firstLine + it.localLine, byteOffset: it.byteOffset, message: it.message });
  if (r.skipped > r.issues.length) log.skipped += r.skipped - r.issues.length;
  return r.fatal ? new InputError({ file: name, line: firstLine + r.fatal.localLine }, r.fatal.message, 'record') : undefined;
}

/** A parsed block's rows as chunks: runs of one (epoch, split), at most chunkSize samples each. */
export function* blockChunks(r: BlockResult, chunkSize: number): Generator<PredictionChunk> {
  if (r.rows === 0 || !r.layout) return;
  const L = r.layout;
  const C = L.numClasses;
  const multi = L.targetLayout === 'multi-hot';
  const tw = multi ? C : 1;
  const layout: DumpLayout = multi ? 'multilabel' : C === 1 ? 'binary' : 'softmax';
  let s = 0;
  while (s < r.rows) {
    const e = r.epochs[s]!;
    const sp = r.splitCodes[s]!;
    let t = s + 1;
    const lim = Math.min(r.rows, s + chunkSize);
    while (t < lim && r.epochs[t] === e && r.splitCodes[t] === sp) t++;
    const chunk: PredictionChunk = {
      epoch: e,
      scoreKind: L.scoreKind,
      numClasses: C,
      scores: r.scores.subarray(s * C, t * C),
      targetLayout: L.targetLayout,
      targets: r.targets.subarray(s * tw, t * tw),
      samples: t - s,
      layout,
    };
    if (sp !== 255) chunk.split = r.splitNames[sp];
    yield chunk;
    s = t;
  }
}

/**
 * Release an opened dump that will not be read (a dump has no close(): start the stream and
 * return it, which runs the readers' finally blocks that close their file handles).
 */
export async function discardDump(dump: PredictionDump): Promise<void> {
  const it = dump.chunks[Symbol.asyncIterator]();
  try {
    await it.next();
  } catch {
    // bad input does not matter here: the caller is not reading this dump
  } finally {
    await it.return?.(undefined);
  }
}

/**
 * Open a dump for one split: `options.split`, or else the split its meta names (the focal_lens
 * writer records one), since a dump judged on its training and validation records mixed would be
 * judged on neither. Returns the opener too, for callers that read the dump twice.
 */
export async function openDumpOfSplit(paths: string[], options: OpenDumpOptions = {}): Promise<{ dump: PredictionDump; open: () => Promise<PredictionDump>; split: string | undefined }> {
  let split = options.split;
  const open = (reuseBuffers: boolean) => openPredictionDump(paths, { ...options, reuseBuffers, ...(split !== undefined ? { split } : {}) });
  let dump = await open(options.reuseBuffers ?? false);
  if (split === undefined && dump.meta.split !== undefined) {
    // nothing was read yet: reopen with the split
    split = dump.meta.split;
    await discardDump(dump);
    dump = await open(options.reuseBuffers ?? false);
  }
  // a second pass may keep its chunks (the interleaved-epochs pass queues them): fresh buffers
  return { dump, open: () => open(false), split };
}

/** Read a whole dump into per-epoch sample counts (a convenience for tests and small tools). */
export async function countSamples(dump: PredictionDump): Promise<Map<number, number>> {
  const m = new Map<number, number>();
  for await (const c of dump.chunks) m.set(c.epoch, (m.get(c.epoch) ?? 0) + c.samples);
  return m;
}
