/**
 * The analysis pipeline: options -> prediction-dump reader -> one EpochAccumulator per epoch ->
 * verdict, what-if rows and suggestion from the last epoch's counterfactual -> AnalysisReport.
 *
 * Streaming: when epochs arrive in order (the usual case) one accumulator is alive at a time, and
 * the counterfactual of the newest epoch digests its per-sample probabilities batch by batch as the
 * kernels produce them (the last epoch is not known until the dump ends; a previous epoch's is
 * dropped as soon as a later epoch starts), so peak memory does not grow with the number of epochs
 * and the counterfactual's set-up overlaps with the readers' parsing; past a cap it keeps a seeded
 * uniform sample of the epoch's samples (analysis/sample-cap.ts), so memory does not grow with the
 * size of the epoch either. When an epoch reappears after a later one (interleaved files), the dump
 * is read again with one accumulator per epoch alive (their state is small; chunks are queued per
 * epoch up to a budget and fed one epoch at a time) and the counterfactual fed for the largest
 * epoch only.
 */
import type { AlphaConvention, AnalysisReport, LossKind, Objective, WhatIfRow } from './report';
import type { DumpMeta, PredictionChunk } from './readers/types';
import { chunkLayout } from './readers/types';
import { openPredictionDump, type PredictionDump } from './readers/index';
import { selectBackend, type BackendPreference } from './compute/backend';
import { EpochAccumulator, type EpochResult } from './compute/epoch-accumulator';
import { resolveClassAlpha, type ResolvedLoss } from './focal';
import { conventionVector, minPositiveShare, round4, type CounterfactualEngine, type CounterfactualSpec } from './analysis/counterfactual';
import { cappedCounterfactual, COUNTERFACTUAL_MAX_SCORES, type CappedCounterfactual } from './analysis/sample-cap';
import { InputError, quoted } from './readers/errors';
import { DEFAULT_THRESHOLDS, verdict as judge, type VerdictThresholds } from './analysis/verdict';
import { suggest } from './analysis/suggestion';

export const CONVENTIONS: AlphaConvention[] = ['positive', 'class0-alpha', 'class0-complement', 'uniform', 'vector'];
export const OBJECTIVES: Objective[] = ['macro-f1', 'balanced-accuracy', 'accuracy'];

export interface AnalyzeProgress {
  phase: 'backend' | 'read' | 'epoch' | 'counterfactual' | 'done';
  /** read: bytes read so far and the total size of the input files. */
  bytesRead?: number;
  totalBytes?: number;
  /** epoch: the epoch just finished, and how many are finished. */
  epoch?: number;
  epochsDone?: number;
  /** 0..1 when known (reading dominates: it follows the bytes). */
  fraction?: number;
  message: string;
}

export interface AnalyzeOptions {
  /** Files or folders of prediction dumps. */
  paths: string[];
  /** Scalar alpha (overrides the log's meta); null = alpha off. */
  alpha?: number | null;
  /** Per-class alpha vector (overrides alpha and the meta). */
  alphaVector?: number[];
  gamma?: number;
  /** What a scalar alpha means (section 3). Default: meta, else `positive` for sigmoid, `vector` for a vector. */
  convention?: AlphaConvention;
  /** Sigmoid or softmax; default from the meta's `loss`, else from the dump's layout. */
  loss?: LossKind;
  classes?: string[];
  split?: string;
  /** Sigmoid decision threshold (default 0.5). */
  threshold?: number;
  /** Extra counterfactual rows: scalars in the log's convention, or vectors. */
  whatIf?: Array<number | number[]>;
  objective?: Objective;
  backend?: BackendPreference;
  lenient?: boolean;
  verdictThresholds?: Partial<VerdictThresholds>;
  onProgress?: (event: AnalyzeProgress) => void;
  signal?: AbortSignal;
  /** Base directory for file names in the report and messages. */
  displayBase?: string;
}

/** Bad usage: a missing or contradictory option. The message says how to fix it. CLI exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'E_FOCAL_LENS_USAGE';

  /** Loss settings neither the flags nor the log's meta gave: a front end can ask for them. */
  constructor(
    message: string,
    readonly missing: readonly ('alpha' | 'gamma')[] = [],
  ) {
    super(message);
  }
}

export function isUsageError(err: unknown): err is UsageError {
  return err instanceof UsageError || (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'E_FOCAL_LENS_USAGE');
}

interface LossSettings {
  alpha: number | number[] | null;
  gamma: number;
  convention: AlphaConvention | undefined;
}

function abortError(): Error {
  const e = new Error('analysis aborted');
  e.name = 'AbortError';
  return e;
}

function metaName(dump: PredictionDump): string {
  return dump.files.length === 1 ? dump.files[0]! : `${dump.files[0]!} (and ${dump.files.length - 1} more)`;
}

/** Alpha, gamma and convention from flags over meta; throws UsageError when something is unknown. */
export function resolveSettings(opts: AnalyzeOptions, meta: DumpMeta, where: string): LossSettings {
  let convention: AlphaConvention | undefined = opts.convention;
  if (convention !== undefined && !CONVENTIONS.includes(convention)) {
    throw new UsageError(`unknown convention '${String(convention)}': use one of ${CONVENTIONS.join(', ')}`);
  }
  if (convention === undefined && meta.convention !== undefined && meta.convention !== null) {
    if (!CONVENTIONS.includes(meta.convention as AlphaConvention)) {
      throw new UsageError(`${where}'s meta has convention ${quoted(meta.convention)}, which is none of ${CONVENTIONS.join(', ')}: pass --convention`);
    }
    convention = meta.convention as AlphaConvention;
  }
  let alpha: number | number[] | null;
  if (opts.alphaVector && opts.alphaVector.length) {
    alpha = opts.alphaVector.slice();
    if (opts.convention === undefined) convention = 'vector';
  } else if (opts.alpha !== undefined) {
    alpha = opts.alpha;
    if (opts.convention === undefined && convention === 'vector') convention = undefined; // the meta's 'vector' does not fit a scalar flag
  } else if (meta.alpha !== undefined) {
    alpha = meta.alpha === null ? null : Array.isArray(meta.alpha) ? meta.alpha.slice() : meta.alpha;
    if (Array.isArray(alpha) && convention === undefined) convention = 'vector';
  } else {
    throw new UsageError(
      `alpha is not in ${where}'s meta: pass --alpha 0.25 (a scalar; with a sigmoid loss the torchvision "positive" convention: positives x0.25, negatives x0.75), ` +
        '--alpha-vector 0.25,0.75,... (one weight per class), or --alpha off (the loss has no alpha)',
      opts.gamma === undefined && meta.gamma === undefined ? ['alpha', 'gamma'] : ['alpha'],
    );
  }
  // values read as float32 (0.10000000149011612) print as written (0.1)
  if (typeof alpha === 'number') alpha = tidy(alpha);
  else if (Array.isArray(alpha)) alpha = alpha.map(tidy);
  if (typeof alpha === 'number' && !Number.isFinite(alpha)) throw new UsageError(`alpha must be a number, got ${alpha}`);
  if (Array.isArray(alpha) && alpha.some((a) => !Number.isFinite(a) || a < 0)) throw new UsageError(`alpha vector must hold non-negative numbers, got ${alpha.join(',')}`);
  const gamma = opts.gamma ?? (meta.gamma !== undefined && meta.gamma !== null ? tidy(meta.gamma) : meta.gamma);
  if (gamma === undefined || gamma === null) {
    throw new UsageError(`gamma is not in ${where}'s meta: pass --gamma 2 (the paper's and torchvision's default; 1.5 in YOLOv5/ultralytics)`, ['gamma']);
  }
  if (!Number.isFinite(gamma) || gamma < 0) throw new UsageError(`gamma must be a number >= 0, got ${gamma}`);
  return { alpha, gamma, convention };
}

/** Loss kind from the option, the meta, or the chunk layout. */
function lossKind(opts: AnalyzeOptions, meta: DumpMeta, chunk: PredictionChunk): LossKind {
  if (opts.loss) return opts.loss;
  if (meta.loss === 'sigmoid_focal') return 'sigmoid';
  if (meta.loss === 'softmax_focal') return 'softmax';
  return chunkLayout(chunk) === 'softmax' ? 'softmax' : 'sigmoid';
}

interface Resolved {
  loss: ResolvedLoss;
  kind: LossKind;
  layout: 'binary' | 'multilabel' | 'softmax';
  convention: AlphaConvention;
  alphaScalar: number | null;
  alphaVector: number[] | null;
}

function resolveLoss(opts: AnalyzeOptions, settings: LossSettings, meta: DumpMeta, chunk: PredictionChunk, where: string): Resolved {
  const kind = lossKind(opts, meta, chunk);
  const C = chunk.numClasses;
  const layout: Resolved['layout'] = kind === 'softmax' ? 'softmax' : C === 1 ? 'binary' : 'multilabel';
  if (kind === 'softmax' && C < 2) throw new UsageError(`${where} has one score column per sample: a softmax loss needs one per class (or pass --loss sigmoid)`);
  let convention = settings.convention;
  const a = settings.alpha;
  if (convention === undefined) {
    if (Array.isArray(a)) convention = 'vector';
    else if (kind === 'sigmoid' || a === null || (typeof a === 'number' && a < 0)) convention = 'positive';
    else {
      throw new UsageError(
        `alpha ${a} is a scalar and the loss is softmax: say what it means with --convention class0-alpha (class 0 x${a}, others x${round4(1 - a)}; Focal-Loss-Pytorch), ` +
          `class0-complement (class 0 x${round4(1 - a)}, others x${a}; kornia, MONAI) or uniform (every class x${a}; Keras), or pass --alpha-vector`,
      );
    }
  }
  if (kind === 'sigmoid' && (convention === 'class0-alpha' || convention === 'class0-complement')) {
    throw new UsageError(`convention '${convention}' is a softmax convention; a sigmoid focal loss uses 'positive' (or an --alpha-vector)`);
  }
  if (convention === 'vector' && typeof a === 'number') throw new UsageError(`convention 'vector' needs --alpha-vector with ${C} values, got the scalar ${a}`);
  if (Array.isArray(a) && a.length !== C) {
    throw new UsageError(`the alpha vector has ${a.length} values but ${where} has ${C} score column${C === 1 ? '' : 's'}${C === 1 ? ' (binary head: pass --alpha instead)' : ''}`);
  }
  let classAlpha: number[] | null;
  try {
    classAlpha = resolveClassAlpha(kind, C, a, convention);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const threshold = opts.threshold ?? 0.5;
  if (!(threshold > 0 && threshold < 1)) throw new UsageError(`--threshold must be between 0 and 1, got ${threshold}`);
  return {
    loss: { kind, gamma: settings.gamma, classAlpha, threshold, numClasses: C },
    kind,
    layout,
    convention,
    alphaScalar: typeof a === 'number' ? a : null,
    alphaVector: Array.isArray(a) ? a.slice() : kind === 'softmax' ? classAlpha : null,
  };
}

export async function analyze(opts: AnalyzeOptions): Promise<AnalysisReport> {
  const progress = opts.onProgress ?? (() => undefined);
  const signal = opts.signal;
  if (!opts.paths.length) throw new UsageError('no input: give one or more prediction dumps (files or folders)');
  if (opts.objective && !OBJECTIVES.includes(opts.objective)) throw new UsageError(`unknown objective '${String(opts.objective)}': use ${OBJECTIVES.join(', ')}`);
  const th: VerdictThresholds = { ...DEFAULT_THRESHOLDS, ...(opts.verdictThresholds ?? {}) };
  if (signal?.aborted) throw abortError();

  progress({ phase: 'backend', message: `selecting the ${opts.backend ?? 'auto'} backend` });
  let backend;
  try {
    backend = await selectBackend(opts.backend ?? 'auto');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }

  const open = () =>
    openPredictionDump(opts.paths, {
      lenient: opts.lenient ?? false,
      ...(opts.split !== undefined ? { split: opts.split } : {}),
      ...(signal ? { signal } : {}),
      ...(opts.displayBase !== undefined ? { displayBase: opts.displayBase } : {}),
      onProgress: (bytesRead, totalBytes) =>
        progress({ phase: 'read', bytesRead, totalBytes, fraction: totalBytes > 0 ? bytesRead / totalBytes : undefined, message: `read ${bytesRead} of ${totalBytes} bytes` }),
    });

  let dump = await open();
  const where = metaName(dump);
  let settings: LossSettings;
  try {
    settings = resolveSettings(opts, dump.meta, where);
  } catch (e) {
    await discard(dump);
    throw e;
  }
  const classesOpt = opts.classes ?? dump.meta.classes ?? null;

  let resolved: Resolved | null = null;
  const results: EpochResult[] = [];
  let lastCounterfactual: CappedCounterfactual | null = null;
  const notes: string[] = [];
  let interleaved = false;

  // pass 1: streaming, one accumulator alive
  {
    let cur: { epoch: number; acc: EpochAccumulator; counterfactual: CappedCounterfactual } | null = null;
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
    const chunks = whileWaiting(dump.chunks, (next) => (cur as { counterfactual: CappedCounterfactual } | null)?.counterfactual.workWhile(next));
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
        const cf = cappedCounterfactual(counterfactualSpec(resolved));
        cur = { epoch: chunk.epoch, acc: new EpochAccumulator(resolved.loss, classesOpt, { onBatch: (b) => cf.add(b) }), counterfactual: cf };
      }
      cur.acc.add(chunk);
    }
    if (!interleaved) finishCur();
  }

  if (interleaved) {
    // pass 2: epochs interleave; aggregate by epoch, keep probabilities for the largest epoch only.
    notes.push('Epochs are interleaved across records or files: the dump was read twice (first pass to find that out).');
    results.length = 0;
    (lastCounterfactual as CappedCounterfactual | null)?.discard();
    lastCounterfactual = null;
    dump = await open();
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
          const feed = (cf = cappedCounterfactual(counterfactualSpec(resolved!)));
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
    throw new UsageError(`${where}: no samples to analyse${opts.split ? ` in split '${opts.split}'` : ''}${skipped ? ` (${skipped} records skipped as bad)` : ''}`);
  }
  const r = resolved;
  const epochs = results.map((x) => x.report);
  const classes = epochs[0]!.perClass.map((c) => c.class);
  const lastEpoch = epochs[epochs.length - 1]!;

  // counterfactual
  if (signal?.aborted) throw abortError();
  progress({ phase: 'counterfactual', message: `counterfactual alpha from epoch ${lastEpoch.epoch}` });
  const cf = lastCounterfactual as CappedCounterfactual | null;
  const engine: CounterfactualEngine | null = cf ? cf.build(classes) : null;
  if (!engine) notes.push('No per-sample probabilities were kept for the last epoch: no counterfactual, what-if or suggestion.');
  const sampled = cf?.sampled();
  if (engine && sampled) {
    notes.push(`The what-if rows and the suggestion come from a seeded uniform sample of ${sampled.kept} of the ${sampled.seen} samples of epoch ${lastEpoch.epoch} (the counterfactual keeps at most ${COUNTERFACTUAL_MAX_SCORES} scores); the per-epoch numbers use every sample.`);
  }

  // evaluate an alpha of the log's convention
  const C = r.loss.numClasses;
  const toEngine = (a: number | number[]): number | number[] => (r.kind === 'softmax' && !Array.isArray(a) ? conventionVector(r.convention, a, C) : a);
  const evaluate = (a: number | number[], label: WhatIfRow['label']): WhatIfRow => {
    const row = engine!.evaluate(toEngine(a));
    return { ...row, alpha: Array.isArray(a) ? a.slice() : a, label };
  };
  const loggedAlpha: number | number[] =
    r.alphaVector && (r.convention === 'vector' || r.alphaScalar === null) ? r.alphaVector : (r.alphaScalar !== null && r.alphaScalar >= 0 ? r.alphaScalar : 0.5);
  const neutralAlpha: number | number[] =
    r.kind === 'softmax' && (r.convention === 'vector' || r.convention === 'uniform')
      ? new Array<number>(C).fill(round4(1 / C))
      : 0.5;

  const whatIf: WhatIfRow[] = [];
  let neutralRow: WhatIfRow | null = null;
  let suggestion: AnalysisReport['suggestion'] = null;
  if (engine) {
    const seen = new Set<string>();
    const push = (row: WhatIfRow) => {
      const key = JSON.stringify(row.alpha);
      if (seen.has(key)) return;
      seen.add(key);
      whatIf.push(row);
    };
    const observed = { ...engine.observed(), alpha: loggedAlpha, label: 'logged' as const };
    push(observed);
    neutralRow = evaluate(neutralAlpha, 'neutral');
    push(neutralRow);
    for (const a of opts.whatIf ?? []) {
      if (Array.isArray(a) && a.length !== C) throw new UsageError(`--what-if vector has ${a.length} values for ${C} score columns`);
      push(evaluate(a, 'what-if'));
    }
    const trueShares = engine.classes.map((name) => lastEpoch.perClass.find((c) => c.class === name)?.trueShare ?? 0);
    const s = suggest(
      engine,
      { kind: r.kind, layout: r.layout, convention: r.convention, trueShares, objective: opts.objective ?? 'macro-f1', observed },
      (a) => evaluate(a, 'suggested'),
    );
    suggestion = { objective: s.objective, alpha: s.alpha, current: s.current, expected: s.expected, ...(s.beta !== undefined ? { beta: s.beta } : {}) };
    push({ ...s.row, alpha: s.alpha, label: 'suggested' });
  }

  const perClassAlpha = (cls: string): number | null => {
    if (r.kind !== 'sigmoid') return null;
    if (!r.loss.classAlpha) return 0.5;
    if (r.loss.numClasses === 1) return r.loss.classAlpha[0]!;
    const i = classes.indexOf(cls);
    return i >= 0 ? (r.loss.classAlpha[i] ?? null) : null;
  };
  const v = judge(
    epochs,
    {
      kind: r.kind,
      layout: r.layout,
      alpha: r.alphaScalar,
      alphaVector: r.alphaVector,
      gamma: r.loss.gamma,
      convention: r.convention,
      threshold: r.loss.threshold,
      neutral: neutralRow,
      neutralAlpha: engine ? neutralAlpha : null,
      classAlpha: perClassAlpha,
      minShare: (cls) => {
        const a = perClassAlpha(cls);
        return a === null ? null : minPositiveShare(a, r.loss.gamma, r.loss.threshold);
      },
    },
    th,
  );

  const { skipped, issues } = dump.issues();
  const report: AnalysisReport = {
    backend: backend.name,
    backendDetail: backend.detail,
    input: {
      files: dump.files,
      format: dump.format,
      samples: epochs.reduce((s, e) => s + e.samples, 0),
      epochs: epochs.length,
      ...(skipped > 0 ? { skipped, issues } : {}),
    },
    loss: {
      kind: r.kind,
      alpha: r.alphaScalar,
      alphaVector: r.alphaVector,
      gamma: r.loss.gamma,
      convention: r.convention,
      threshold: r.loss.threshold,
    },
    classes,
    epochs,
    verdict: {
      status: v.status,
      class: v.class,
      onsetEpoch: v.onsetEpoch,
      alphaDriven: v.alphaDriven,
      message: v.message,
      perEpoch: v.perEpoch.map((p) => ({ epoch: p.epoch, status: p.status, class: p.onto })),
    },
    whatIf,
    suggestion,
    counterfactualEpoch: engine ? lastEpoch.epoch : null,
  };
  if (notes.length) report.notes = notes;
  progress({ phase: 'done', fraction: 1, message: `verdict: ${v.status}` });
  return report;
}

/**
 * Release an opened dump that will not be read (the reader has no close(): start the stream and
 * return it, which runs the readers' finally blocks that close their file handles).
 */
async function discard(dump: PredictionDump): Promise<void> {
  const it = dump.chunks[Symbol.asyncIterator]();
  try {
    await it.next();
  } catch {
    // bad input does not matter here: the caller is already failing
  } finally {
    await it.return?.(undefined);
  }
}

function tidy(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(7)) : v;
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

/** What the counterfactual needs of the resolved loss (the run's alpha as the engine takes it). */
function counterfactualSpec(r: Resolved): CounterfactualSpec {
  const a = r.loss.classAlpha;
  return {
    kind: r.kind,
    numClasses: r.loss.numClasses,
    gamma: r.loss.gamma,
    alpha0: r.kind === 'sigmoid' ? (a ? (r.loss.numClasses === 1 ? a[0]! : a) : null) : a,
    threshold: r.loss.threshold,
  };
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
