/**
 * The analysis pipeline: options -> prediction-dump reader -> one EpochAccumulator per epoch ->
 * verdict, what-if rows and suggestion from the last epoch's counterfactual -> AnalysisReport.
 *
 * Streaming: when epochs arrive in order (the usual case) one accumulator is alive at a time, and
 * the counterfactual of the newest epoch digests its per-sample probabilities batch by batch as the
 * kernels produce them (the last epoch is not known until the dump ends; a previous epoch's is
 * dropped as soon as a later epoch starts), so peak memory does not grow with the number of epochs
 * and the counterfactual's set-up overlaps with the readers' parsing. When an epoch reappears after
 * a later one (interleaved files), the dump is read again with one accumulator per epoch alive
 * (their state is small) and the counterfactual fed for the largest epoch only.
 */
import type { AlphaConvention, AnalysisReport, EpochReport, LossKind, Objective, WhatIfRow } from './report';
import type { DumpMeta, PredictionChunk } from './readers/types';
import { chunkLayout } from './readers/types';
import { openPredictionDump, type PredictionDump } from './readers/index';
import { selectBackend, type BackendPreference } from './compute/backend';
import { EpochAccumulator, type EpochResult } from './compute/epoch-accumulator';
import { resolveClassAlpha, type ResolvedLoss } from './focal';
import {
  conventionVector,
  counterfactualBuilder,
  minPositiveShare,
  round4,
  type CounterfactualBuilder,
  type CounterfactualEngine,
  type CounterfactualSpec,
} from './analysis/counterfactual';
import { DEFAULT_THRESHOLDS, verdict as judge, type VerdictThresholds } from './analysis/verdict';
import { suggest } from './analysis/suggestion';
import { CONVENTION_INFO, CONVENTIONS, lookupConvention, positiveWeightOf } from './conventions';
import { InputError } from './readers/errors';
import { scanRun } from './readers/scan';
import { readRun, originWords, runIssues, type RunContents } from './run/read-run';
import { givenSettings, withRunSettings } from './run/run-settings';
import { chooseSettings, type FoundSetting } from './run/settings';
import { analyzeMetricRun, corroborate } from './run/analyze-metrics';
import { binnedRun } from './run/analyze-binned';

export { CONVENTIONS } from './conventions';
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
  /** A library name from the meta (`torchvision`, `keras`) whose meaning may need the loss kind. */
  conventionName?: string;
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
  let conventionName: string | undefined;
  if (convention === undefined && meta.convention !== undefined && meta.convention !== null) {
    if (CONVENTIONS.includes(meta.convention as AlphaConvention)) convention = meta.convention as AlphaConvention;
    else conventionName = meta.convention;
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
  return { alpha, gamma, convention, ...(conventionName !== undefined ? { conventionName } : {}) };
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
  if (convention === undefined && settings.conventionName !== undefined) {
    const found = lookupConvention(settings.conventionName, kind);
    if (!found.ok) throw new UsageError(`${where}'s meta: ${found.reason}`);
    convention = found.convention;
  }
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
  if (!CONVENTION_INFO[convention].kinds.includes(kind)) {
    throw new UsageError(`convention '${convention}' is a softmax convention; a sigmoid focal loss uses 'positive' or 'negative' (or an --alpha-vector)`);
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

  const scan = await scanRun(opts.paths, { ...(opts.displayBase !== undefined ? { displayBase: opts.displayBase } : {}), ...(signal ? { signal } : {}) });
  const run = await readRun(scan, signal ? { signal } : {});
  const given = givenSettings(opts);
  if (scan.dumps.length === 0) return analyzeWithoutDump(opts, run, given, th, progress);

  progress({ phase: 'backend', message: `selecting the ${opts.backend ?? 'auto'} backend` });
  let backend;
  try {
    backend = await selectBackend(opts.backend ?? 'auto');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }

  const open = () =>
    openPredictionDump(opts.paths, {
      sources: scan.dumps,
      lenient: opts.lenient ?? false,
      ...(opts.split !== undefined ? { split: opts.split } : {}),
      ...(signal ? { signal } : {}),
      ...(opts.displayBase !== undefined ? { displayBase: opts.displayBase } : {}),
      onProgress: (bytesRead, totalBytes) =>
        progress({ phase: 'read', bytesRead, totalBytes, fraction: totalBytes > 0 ? bytesRead / totalBytes : undefined, message: `read ${bytesRead} of ${totalBytes} bytes` }),
    });

  let dump = await open();
  const where = metaName(dump);
  // the run's configs fill in what the dump's meta does not record (the meta is what the run used)
  const { meta: runMeta, origin, notes: settingNotes } = withRunSettings(dump.meta, where, opts, run.settings);
  let settings: LossSettings;
  try {
    settings = resolveSettings(opts, runMeta, where);
  } catch (e) {
    await discard(dump);
    throw e;
  }
  const classesOpt = opts.classes ?? runMeta.classes ?? null;

  let resolved: Resolved | null = null;
  const results: EpochResult[] = [];
  let lastCounterfactual: CounterfactualBuilder | null = null;
  const notes: string[] = [...settingNotes];
  let interleaved = false;

  // pass 1: streaming, one accumulator alive
  {
    let cur: { epoch: number; acc: EpochAccumulator; counterfactual: CounterfactualBuilder } | null = null;
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
    const chunks = whileWaiting(dump.chunks, (next) => (cur as { counterfactual: CounterfactualBuilder } | null)?.counterfactual.workWhile(next));
    for await (const chunk of chunks) {
      if (signal?.aborted) throw abortError();
      if (!resolved) resolved = resolveLoss(opts, settings, dump.meta, chunk, where);
      if (!cur || cur.epoch !== chunk.epoch) {
        finishCur();
        if (finished.has(chunk.epoch)) {
          interleaved = true;
          break;
        }
        // a later epoch started: the previous one is not the last
        (lastCounterfactual as CounterfactualBuilder | null)?.discard();
        lastCounterfactual = null;
        const cf = counterfactualBuilder(counterfactualSpec(resolved));
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
    (lastCounterfactual as CounterfactualBuilder | null)?.discard();
    lastCounterfactual = null;
    dump = await open();
    const accs = new Map<number, EpochAccumulator>();
    let maxEpoch = -Infinity;
    // the largest epoch is not known up front: keep the raw chunks of the largest epoch seen so far
    let kept: PredictionChunk[] = [];
    for await (const chunk of dump.chunks) {
      if (signal?.aborted) throw abortError();
      let acc = accs.get(chunk.epoch);
      if (!acc) {
        acc = new EpochAccumulator(resolved!.loss, classesOpt);
        accs.set(chunk.epoch, acc);
      }
      acc.add(chunk);
      if (chunk.epoch > maxEpoch) {
        maxEpoch = chunk.epoch;
        kept = [];
      }
      if (chunk.epoch === maxEpoch) kept.push(copyChunk(chunk));
    }
    const epochs = [...accs.keys()].sort((x, y) => x - y);
    for (const e of epochs) {
      results.push({ report: accs.get(e)!.finish(e).report });
      progress({ phase: 'epoch', epoch: e, epochsDone: results.length, message: `epoch ${e} done` });
    }
    if (kept.length) {
      const cf = counterfactualBuilder(counterfactualSpec(resolved!));
      const probe = new EpochAccumulator(resolved!.loss, classesOpt, { onBatch: (b) => cf.add(b) });
      for (const c of kept) probe.add(c);
      probe.finish(maxEpoch);
      lastCounterfactual = cf;
    }
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
  const cf = lastCounterfactual as CounterfactualBuilder | null;
  const engine: CounterfactualEngine | null = cf ? cf.build(classes) : null;
  if (!engine) notes.push('No per-sample probabilities were kept for the last epoch: no counterfactual, what-if or suggestion.');

  const { whatIf, suggestion, verdict: v } = judgeRun({ epochs, engine, resolved: r, opts, thresholds: th, classes });

  const { skipped, issues } = dump.issues();
  const chosen = chooseSettings([...given, ...run.settings]);
  const report: AnalysisReport = {
    backend: backend.name,
    backendDetail: backend.detail,
    basis: 'predictions',
    input: {
      files: dump.files,
      format: dump.format,
      samples: epochs.reduce((s, e) => s + e.samples, 0),
      epochs: epochs.length,
      ...(skipped > 0 ? { skipped, issues } : {}),
      ...(scan.root !== null ? { run: scan.root } : {}),
      sources: [
        { file: dump.files.join(', '), format: dump.format, label: 'prediction dump', role: 'predictions', used: 'every number (recomputed)' },
        ...corroborate(run, chosen, th, v),
        ...run.configSources,
      ],
    },
    loss: {
      kind: r.kind,
      alpha: r.alphaScalar,
      alphaVector: r.alphaVector,
      gamma: r.loss.gamma,
      convention: r.convention,
      threshold: r.loss.threshold,
      ...(Object.keys(origin).length ? { origin } : {}),
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
 * A run without a prediction dump: from TensorBoard PR curves when it has them and records alpha
 * and gamma (an estimate from binned probabilities), else judged from its metric logs alone.
 */
async function analyzeWithoutDump(opts: AnalyzeOptions, run: RunContents, given: FoundSetting[], th: VerdictThresholds, progress: (e: AnalyzeProgress) => void): Promise<AnalysisReport> {
  const where = run.scan.root ?? opts.paths[0]!;
  if (run.logs.length === 0) {
    const configs = run.configSources.map((c) => c.file);
    throw new InputError({ file: where }, `no prediction dump or metric log here${configs.length ? `, only configs (${configs.join(', ')})` : ''}: give the run's logs or a prediction dump`, 'unsupported');
  }
  const chosen = chooseSettings([...given, ...run.settings]);
  const notes: string[] = [];
  const binned = binnedRun(run, chosen);
  if (binned && 'reason' in binned) notes.push(`No estimate of the focal loss from PR curves: ${binned.reason}.`);
  if (!binned || 'reason' in binned) {
    const report = analyzeMetricRun(run, { given, thresholds: th, notes });
    progress({ phase: 'done', fraction: 1, message: `verdict: ${report.verdict.status}` });
    return report;
  }
  const weight = binned.alpha === null || binned.alpha < 0 ? null : positiveWeightOf(binned.convention, binned.alpha);
  const heads = binned.layout === 'binary' ? 1 : binned.classes.length;
  const resolved: Resolved = {
    loss: { kind: 'sigmoid', gamma: binned.gamma, classAlpha: weight === null ? null : new Array<number>(heads).fill(weight), threshold: 0.5, numClasses: heads },
    kind: 'sigmoid',
    layout: binned.layout,
    convention: binned.convention,
    alphaScalar: binned.alpha,
    alphaVector: null,
  };
  const { whatIf, suggestion, verdict: v } = judgeRun({ epochs: binned.epochs, engine: binned.engine, resolved, opts, thresholds: th, classes: binned.classes });
  const curveFile = binned.log.files.map((f) => f.head.name).join(', ');
  const last = binned.epochs[binned.epochs.length - 1]!;
  notes.push(binned.approximation.note);
  const report: AnalysisReport = {
    backend: null,
    basis: 'pr-curves',
    input: {
      files: run.logs.flatMap((l) => l.files.map((f) => f.head.name)),
      format: binned.log.log.format,
      samples: binned.epochs.reduce((s, e) => s + e.samples, 0),
      epochs: binned.epochs.length,
      ...(runIssues(run) ?? {}),
      ...(run.scan.root !== null ? { run: run.scan.root } : {}),
      sources: [
        { file: curveFile, format: binned.log.log.format, label: binned.log.files[0]!.format.label, role: 'metrics', used: `PR curve${binned.curves.length > 1 ? 's' : ''} ${binned.curves.map((c) => `'${c.tag}'`).join(', ')} (${binned.approximation.numThresholds} thresholds): every number, estimated` },
        ...corroborate(run, chosen, th, v, binned.log),
        ...run.configSources,
        ...run.scan.duplicates.map((d) => ({ file: d.file, format: 'duplicate', label: 'duplicate', role: 'config' as const, used: `same content as ${d.sameAs}: read once` })),
      ],
    },
    loss: { kind: 'sigmoid', alpha: binned.alpha, alphaVector: null, gamma: binned.gamma, convention: binned.convention, threshold: 0.5, origin: originWords(chosen) },
    classes: binned.classes,
    epochs: binned.epochs,
    verdict: {
      status: v.status,
      class: v.class,
      onsetEpoch: v.onsetEpoch,
      alphaDriven: v.alphaDriven,
      alphaDrivenBy: 'counterfactual',
      message: v.message,
      perEpoch: v.perEpoch.map((p) => ({ epoch: p.epoch, status: p.status, class: p.onto })),
    },
    whatIf,
    suggestion,
    counterfactualEpoch: last.epoch,
    limits: {
      judgedFrom: `the PR curve${binned.curves.length > 1 ? 's' : ''} ${binned.curves.map((c) => `'${c.tag}'`).join(', ')} in ${curveFile}: ${binned.approximation.numThresholds} probability bins per evaluation`,
      cannotCompute: ['exact per-sample focal sums: they are estimated from the bins (exact bounds in approximation.focalBounds)'],
    },
    approximation: { ...binned.approximation, file: curveFile, tag: binned.curves.map((c) => c.tag).join(', ') },
    notes,
  };
  progress({ phase: 'done', fraction: 1, message: `verdict: ${v.status}` });
  return report;
}

interface JudgeInput {
  epochs: EpochReport[];
  /** The last epoch's counterfactual (per-sample or binned), null when none could be built. */
  engine: CounterfactualEngine | null;
  resolved: Resolved;
  opts: AnalyzeOptions;
  thresholds: VerdictThresholds;
  classes: string[];
}

/** What-if rows, the suggestion and the verdict of recomputed epochs (from a dump or PR-curve bins). */
function judgeRun({ epochs, engine, resolved: r, opts, thresholds: th, classes }: JudgeInput): { whatIf: WhatIfRow[]; suggestion: AnalysisReport['suggestion']; verdict: ReturnType<typeof judge> } {
  const lastEpoch = epochs[epochs.length - 1]!;
  // evaluate an alpha of the log's convention
  const C = r.loss.numClasses;
  // the engine takes softmax vectors and sigmoid positive weights
  const toEngine = (a: number | number[]): number | number[] =>
    Array.isArray(a) ? a : r.kind === 'softmax' ? conventionVector(r.convention, a, C) : positiveWeightOf(r.convention, a);
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
  const verdict = judge(
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

  return { whatIf, suggestion, verdict };
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

function copyChunk(c: PredictionChunk): PredictionChunk {
  return { ...c, scores: c.scores.slice(), targets: c.targets.slice() };
}
