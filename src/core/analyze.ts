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
import type { AlphaConvention, AnalysisReport, EpochReport, LossKind, Objective, SettingMismatch, SettingSource, SuggestionDetail, WhatIfEstimate, WhatIfRow } from './report';
import type { DumpMeta, PredictionChunk } from './readers/types';
import { chunkLayout } from './readers/types';
import { openPredictionDump, type PredictionDump } from './readers/index';
import { selectBackend, type BackendPreference } from './compute/backend';
import { EpochAccumulator, type EpochResult } from './compute/epoch-accumulator';
import { resolveClassAlpha, type ResolvedLoss } from './focal';
import { conventionVector, minPositiveShare, round4, type CounterfactualEngine, type CounterfactualSpec } from './analysis/counterfactual';
import { cappedCounterfactual, COUNTERFACTUAL_MAX_SCORES, type CappedCounterfactual } from './analysis/sample-cap';
import { DEFAULT_THRESHOLDS, epochShares, fmtNum, verdict as judge, type VerdictThresholds } from './analysis/verdict';
import { suggest, type SuggestionOutcome } from './analysis/suggestion';
import { explainBalance } from './analysis/explanation';
import { CONVENTION_INFO, CONVENTIONS, lookupConvention, positiveWeightOf } from './conventions';
import { InputError } from './readers/errors';
import { scanRun } from './readers/scan';
import { readRun, originWords, runIssues, type RunContents } from './run/read-run';
import { givenSettings, runConfig } from './run/run-settings';
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
  /** The focal_lens Python package's folder, for the dump snippet a metrics-only report shows (default: its PyPI name). */
  pythonPackage?: string;
  /**
   * Loss settings of the config file the log was linked from. Unlike the flags they do not override
   * the log: the log's meta records what the run trained with, so it wins, and every disagreement is
   * reported (configMismatches). They fill in what the meta lacks.
   */
  config?: ConfigSettings;
}

export interface ConfigSettings {
  alpha?: number | number[] | null;
  gamma?: number;
  convention?: AlphaConvention;
  /** Where the values are, for messages (e.g. "configs/train.py:12"). */
  source?: string;
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
  sources: { alpha: SettingSource; gamma: SettingSource; convention: SettingSource };
  mismatches: SettingMismatch[];
}

function abortError(): Error {
  const e = new Error('analysis aborted');
  e.name = 'AbortError';
  return e;
}

function metaName(dump: PredictionDump): string {
  return dump.files.length === 1 ? dump.files[0]! : `${dump.files[0]!} (and ${dump.files.length - 1} more)`;
}

/**
 * Alpha, gamma and convention: flags over the log's meta over the linked config; throws UsageError
 * when something is unknown. A config value the meta contradicts is reported, not used.
 */
export function resolveSettings(opts: AnalyzeOptions, meta: DumpMeta, where: string): LossSettings {
  const cfg = opts.config ?? {};
  const sources: LossSettings['sources'] = { alpha: 'default', gamma: 'default', convention: 'default' };
  const mismatches: SettingMismatch[] = [];
  const at = cfg.source !== undefined ? { configSource: cfg.source } : {};
  let convention: AlphaConvention | undefined = opts.convention;
  if (convention !== undefined) {
    if (!CONVENTIONS.includes(convention)) throw new UsageError(`unknown convention '${String(convention)}': use one of ${CONVENTIONS.join(', ')}`);
    sources.convention = 'flag';
  }
  let conventionName: string | undefined;
  if (convention === undefined && meta.convention !== undefined && meta.convention !== null) {
    sources.convention = 'log';
    if (CONVENTIONS.includes(meta.convention as AlphaConvention)) {
      convention = meta.convention as AlphaConvention;
      if (cfg.convention !== undefined && cfg.convention !== convention) mismatches.push({ parameter: 'convention', log: convention, config: cfg.convention, ...at });
    } else conventionName = meta.convention; // a library name: resolved with the loss kind (resolveLoss)
  }
  if (convention === undefined && conventionName === undefined && cfg.convention !== undefined) {
    convention = cfg.convention;
    sources.convention = 'config';
  }
  let alpha: number | number[] | null;
  if (opts.alphaVector && opts.alphaVector.length) {
    alpha = opts.alphaVector.slice();
    sources.alpha = 'flag';
    if (opts.convention === undefined) convention = 'vector';
  } else if (opts.alpha !== undefined) {
    alpha = opts.alpha;
    sources.alpha = 'flag';
    if (opts.convention === undefined && convention === 'vector') convention = undefined; // the meta's 'vector' does not fit a scalar flag
  } else if (meta.alpha !== undefined) {
    alpha = meta.alpha === null ? null : Array.isArray(meta.alpha) ? meta.alpha.slice() : meta.alpha;
    sources.alpha = 'log';
    if (Array.isArray(alpha) && convention === undefined) convention = 'vector';
    if (cfg.alpha !== undefined && !sameSetting(cfg.alpha, alpha)) mismatches.push({ parameter: 'alpha', log: tidySetting(alpha), config: tidySetting(cfg.alpha), ...at });
  } else if (cfg.alpha !== undefined) {
    alpha = Array.isArray(cfg.alpha) ? cfg.alpha.slice() : cfg.alpha;
    sources.alpha = 'config';
    if (Array.isArray(alpha) && convention === undefined) convention = 'vector';
  } else {
    throw new UsageError(
      `alpha is not in ${where}'s meta: pass --alpha 0.25 (a scalar; with a sigmoid loss the torchvision "positive" convention: positives x0.25, negatives x0.75), ` +
        '--alpha-vector 0.25,0.75,... (one weight per class), or --alpha off (the loss has no alpha)',
      opts.gamma === undefined && meta.gamma === undefined && cfg.gamma === undefined ? ['alpha', 'gamma'] : ['alpha'],
    );
  }
  alpha = tidySetting(alpha);
  if (typeof alpha === 'number' && !Number.isFinite(alpha)) throw new UsageError(`alpha must be a number, got ${alpha}`);
  if (Array.isArray(alpha) && alpha.some((a) => !Number.isFinite(a) || a < 0)) throw new UsageError(`alpha vector must hold non-negative numbers, got ${alpha.join(',')}`);
  let gamma: number | null | undefined;
  if (opts.gamma !== undefined) {
    gamma = opts.gamma;
    sources.gamma = 'flag';
  } else if (meta.gamma !== undefined && meta.gamma !== null) {
    gamma = tidy(meta.gamma);
    sources.gamma = 'log';
    if (cfg.gamma !== undefined && !sameSetting(cfg.gamma, gamma)) mismatches.push({ parameter: 'gamma', log: gamma, config: tidy(cfg.gamma), ...at });
  } else if (cfg.gamma !== undefined) {
    gamma = cfg.gamma;
    sources.gamma = 'config';
  } else gamma = meta.gamma;
  if (gamma === undefined || gamma === null) {
    throw new UsageError(`gamma is not in ${where}'s meta: pass --gamma 2 (the paper's and torchvision's default; 1.5 in YOLOv5/ultralytics)`, ['gamma']);
  }
  if (!Number.isFinite(gamma) || gamma < 0) throw new UsageError(`gamma must be a number >= 0, got ${gamma}`);
  return { alpha, gamma, convention, sources, mismatches, ...(conventionName !== undefined ? { conventionName } : {}) };
}

/** Values read as float32 (0.10000000149011612) print as written (0.1). */
function tidySetting<T extends number | number[] | null>(v: T): T {
  return (typeof v === 'number' ? tidy(v) : Array.isArray(v) ? v.map(tidy) : v) as T;
}

function sameSetting(a: number | number[] | null, b: number | number[] | null): boolean {
  const x = tidySetting(a);
  const y = tidySetting(b);
  if (Array.isArray(x) || Array.isArray(y)) return Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((v, i) => v === y[i]);
  return x === y;
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
  if (!opts.paths.length) throw new UsageError('no input: give a run folder, a training log or a prediction dump');
  if (opts.objective && !OBJECTIVES.includes(opts.objective)) throw new UsageError(`unknown objective '${String(opts.objective)}': use ${OBJECTIVES.join(', ')}`);
  const th: VerdictThresholds = { ...DEFAULT_THRESHOLDS, ...(opts.verdictThresholds ?? {}) };
  if (signal?.aborted) throw abortError();

  const scan = await scanRun(opts.paths, { ...(opts.displayBase !== undefined ? { displayBase: opts.displayBase } : {}), ...(signal ? { signal } : {}) });
  const run = await readRun(scan, signal ? { signal } : {});
  const given = givenSettings(opts);
  if (scan.dumps.length === 0) return analyzeWithoutDump(opts, run, given, th, progress);
  // the run's configs fill in what the dump's meta does not record (the meta is what the run used);
  // a config the editor linked comes first
  const fromRun = runConfig(run.settings);
  const withConfig: AnalyzeOptions = { ...opts, config: { ...fromRun.config, ...(opts.config ?? {}) } };

  progress({ phase: 'backend', message: `selecting the ${opts.backend ?? 'auto'} backend` });
  let backend;
  try {
    backend = await selectBackend(opts.backend ?? 'auto');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }

  let split = opts.split;
  const open = () =>
    openPredictionDump(opts.paths, {
      sources: scan.dumps,
      lenient: opts.lenient ?? false,
      ...(split !== undefined ? { split } : {}),
      ...(signal ? { signal } : {}),
      ...(opts.displayBase !== undefined ? { displayBase: opts.displayBase } : {}),
      onProgress: (bytesRead, totalBytes) =>
        progress({ phase: 'read', bytesRead, totalBytes, fraction: totalBytes > 0 ? bytesRead / totalBytes : undefined, message: `reading: ${mb(bytesRead)} of ${mb(totalBytes)}` }),
    });

  let dump = await open();
  if (split === undefined && dump.meta.split !== undefined) {
    // a dump that names its split (the focal_lens writer does) is judged on that split only; nothing was read yet
    split = dump.meta.split;
    await discard(dump);
    dump = await open();
  }
  const where = metaName(dump);
  let settings: LossSettings;
  try {
    settings = resolveSettings(withConfig, fromRun.meta(dump.meta), where);
  } catch (e) {
    await discard(dump);
    throw e;
  }
  const classesOpt = opts.classes ?? dump.meta.classes ?? fromRun.classes ?? null;

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
    throw new UsageError(`${where}: no samples to analyse${split ? ` in split '${split}'` : ''}${skipped ? ` (${skipped} records skipped as bad)` : ''}`);
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

  const { whatIf, suggestion, suggestionDetail, verdict: v, explanation, ranking } = judgeRun({ epochs, engine, resolved: r, opts, thresholds: th, classes });

  const { skipped, issues } = dump.issues();
  const perEpochSamples = new Set(epochs.map((e) => e.samples));
  for (const m of settings.mismatches) {
    notes.push(
      `The config${m.configSource ? ` (${m.configSource})` : ''} says ${m.parameter} ${settingText(m.config)}, the log recorded ${settingText(m.log)}: the analysis uses the log's value, which is what the run trained with.`,
    );
  }
  const origin = fromRun.origins(settings.sources, where, opts);
  const report: AnalysisReport = {
    backend: backend.name,
    backendDetail: backend.detail,
    basis: 'predictions',
    input: {
      files: dump.files,
      format: dump.format,
      samples: epochs.reduce((s, e) => s + e.samples, 0),
      epochs: epochs.length,
      samplesPerEpoch: perEpochSamples.size === 1 ? epochs[0]!.samples : null,
      ...(skipped > 0 ? { skipped, issues } : {}),
      ...(scan.root !== null ? { run: scan.root } : {}),
      sources: [
        { file: dump.files.join(', '), format: dump.format, label: 'prediction dump', role: 'predictions', used: 'every number (recomputed)' },
        ...corroborate(run, chooseSettings([...given, ...run.settings]), th, v),
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
      attribution: v.attribution ?? null,
      atRisk: v.atRisk ?? [],
    },
    whatIf,
    suggestion,
    suggestionDetail,
    explanation,
    ranking,
    counterfactualEpoch: engine ? lastEpoch.epoch : null,
    settingSources: settings.sources,
    configMismatches: settings.mismatches,
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
    const report = analyzeMetricRun(run, { given, thresholds: th, notes, ...(opts.pythonPackage ? { pythonPackage: opts.pythonPackage } : {}) });
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
  const { whatIf, suggestion, suggestionDetail, verdict: v, explanation, ranking } = judgeRun({ epochs: binned.epochs, engine: binned.engine, resolved, opts, thresholds: th, classes: binned.classes });
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
      attribution: v.attribution ?? null,
      atRisk: v.atRisk ?? [],
    },
    whatIf,
    suggestion,
    suggestionDetail,
    explanation,
    ranking,
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

interface Judged {
  whatIf: WhatIfRow[];
  suggestion: AnalysisReport['suggestion'];
  suggestionDetail: SuggestionDetail;
  verdict: ReturnType<typeof judge>;
  explanation: AnalysisReport['explanation'];
  ranking: AnalysisReport['ranking'];
}

/**
 * What-if rows, the suggestion, the verdict and the balance explanation of recomputed epochs (from
 * a dump or PR-curve bins).
 */
function judgeRun({ epochs, engine, resolved: r, opts, thresholds: th, classes }: JudgeInput): Judged {
  const lastEpoch = epochs[epochs.length - 1]!;
  // evaluate an alpha of the log's convention: the loss-minimum estimate, and beside it the label-calibrated one
  const C = r.loss.numClasses;
  // the engine takes softmax vectors and sigmoid positive weights
  const toEngine = (a: number | number[]): number | number[] =>
    Array.isArray(a) ? a : r.kind === 'softmax' ? conventionVector(r.convention, a, C) : positiveWeightOf(r.convention, a);
  // A softmax calibrated row costs a pass over every sample: each alpha once (the neutral and the
  // suggested rows come back), and the alphas known together in one pass.
  const calibratedRows = new Map<string, WhatIfEstimate>();
  // the rows every report has: computed along with whatever is asked first
  const alwaysNeeded: Array<number | number[]> = [];
  const prefetchCalibrated = (asked: Array<number | number[]>): void => {
    const alphas = [...asked, ...alwaysNeeded];
    const missing = alphas.filter((a, i) => !calibratedRows.has(JSON.stringify(a)) && alphas.findIndex((b) => JSON.stringify(b) === JSON.stringify(a)) === i);
    if (!missing.length) return;
    engine!.evaluateCalibratedMany(missing.map(toEngine)).forEach(({ perClass, macroF1, balancedAccuracy, accuracy }, i) => {
      calibratedRows.set(JSON.stringify(missing[i]), { perClass, macroF1, balancedAccuracy, accuracy });
    });
  };
  const calibratedOf = (a: number | number[]): WhatIfEstimate => {
    prefetchCalibrated([a]);
    return calibratedRows.get(JSON.stringify(a))!;
  };
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
  let suggested: { alpha: number | number[]; row: WhatIfRow } | null = null;
  let suggestionDetail: SuggestionDetail = {
    status: 'no-probabilities',
    message: 'No suggestion: no per-sample probabilities of the last epoch for the counterfactual.',
    excluded: 0,
    trivial: null,
  };
  let ranking: AnalysisReport['ranking'] = null;
  if (engine) {
    const seen = new Set<string>();
    const push = (row: WhatIfRow) => {
      const key = JSON.stringify(row.alpha);
      if (seen.has(key)) return;
      seen.add(key);
      whatIf.push(row);
    };
    const observed = { ...engine.observed(), alpha: loggedAlpha, label: 'logged' as const };
    alwaysNeeded.push(loggedAlpha, neutralAlpha, ...(opts.whatIf ?? []));
    push(observed);
    neutralRow = evaluate(neutralAlpha, 'neutral');
    push(neutralRow);
    for (const a of opts.whatIf ?? []) {
      if (Array.isArray(a) && a.length !== C) throw new UsageError(`--what-if vector has ${a.length} values for ${C} score columns`);
      push(evaluate(a, 'what-if'));
    }
    const aucs = engine.auc();
    ranking = { epoch: lastEpoch.epoch, perClass: engine.classes.map((name, i) => ({ class: name, auc: Number.isFinite(aucs[i]!) ? aucs[i]! : null })) };
    const lastShares = epochShares(lastEpoch);
    const reference = engine.classes.map((name) => lastShares.find((c) => c.class === name) ?? { class: name, count: 0, trueShare: 0, predShare: 0, recall: 0 });
    const trueShares = engine.classes.map((name) => lastEpoch.perClass.find((c) => c.class === name)?.trueShare ?? 0);
    const objective = opts.objective ?? 'macro-f1';
    const outcome = suggest(
      engine,
      {
        kind: r.kind,
        layout: r.layout,
        convention: r.convention,
        trueShares,
        objective,
        observed,
        reference,
        thresholds: th,
        calibrated: (a) => ({ ...calibratedOf(a), alpha: a }),
        prefetchCalibrated,
      },
      (a) => evaluate(a, 'suggested'),
    );
    const s = outcome.suggestion;
    if (s) {
      suggestion = { objective: s.objective, alpha: s.alpha, current: s.current, expected: s.expected, ...(s.beta !== undefined ? { beta: s.beta } : {}) };
      suggested = { alpha: s.alpha, row: s.row };
      push({ ...s.row, alpha: s.alpha, label: 'suggested' });
    }
    suggestionDetail = suggestionWords(s, outcome, objective, engine.classes, ranking, r.layout);
    // after the suggestion's guard, whose first batch of calibrated rows included these
    for (const w of whatIf) w.calibrated = calibratedOf(w.alpha);
  }
  // a line chart over alpha needs the rows in alpha order (vectors keep their order: logged, neutral, suggested)
  if (whatIf.every((w) => typeof w.alpha === 'number')) whatIf.sort((a, b) => (a.alpha as number) - (b.alpha as number));

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
      neutralCalibrated: engine ? { ...neutralRow!, ...calibratedOf(neutralAlpha) } : null,
      neutralShareThreshold: r.kind === 'sigmoid' ? minPositiveShare(0.5, r.loss.gamma, r.loss.threshold) : 0.5,
      suggestion: suggested,
    },
    th,
  );

  // the binary head's 'negative' class is the head seen from the other side: its own alpha is 1 - alpha
  const negativeOfBinary = (cls: string): boolean => r.layout === 'binary' && classes.length === 2 && cls === classes[0];
  const explanation = explainBalance(lastEpoch, {
    kind: r.kind,
    layout: r.layout,
    gamma: r.loss.gamma,
    threshold: r.loss.threshold,
    alphaVector: r.kind === 'softmax' ? r.loss.classAlpha : null,
    classAlpha: (cls) => {
      const a = perClassAlpha(cls);
      return a === null ? null : negativeOfBinary(cls) ? 1 - a : a;
    },
    minShare: (cls) => {
      const a = perClassAlpha(cls);
      if (a === null) return null;
      const q = minPositiveShare(a, r.loss.gamma, r.loss.threshold);
      return negativeOfBinary(cls) ? 1 - q : q;
    },
    mirror: negativeOfBinary,
  });

  return { whatIf, suggestion, suggestionDetail, verdict: v, explanation, ranking };
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

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
}

function settingText(v: number | number[] | string | null): string {
  return v === null ? 'off' : Array.isArray(v) ? `[${v.join(', ')}]` : String(v);
}

/** Why there is (or is no) suggestion, in words. */
function suggestionWords(
  s: { alpha: number | number[] } | null,
  outcome: SuggestionOutcome,
  objective: Objective,
  classes: string[],
  ranking: NonNullable<AnalysisReport['ranking']>,
  layout: 'binary' | 'multilabel' | 'softmax',
): SuggestionDetail {
  const detail = (status: SuggestionDetail['status'], message: string): SuggestionDetail => ({
    status,
    message,
    excluded: outcome.excluded,
    trivial: outcome.trivial,
    ...(outcome.band ? { band: outcome.band } : {}),
  });
  const trivial = `${layout === 'multilabel' ? 'predicting no class for any sample' : 'predicting the majority class for every sample'} (${objective} ${fmtNum(outcome.trivial)})`;
  const one = !!outcome.band && outcome.band[0] === outcome.band[1];
  const band = outcome.band ? (one ? `alpha ${outcome.band[0]}` : `alphas ${outcome.band[0]} to ${outcome.band[1]}`) : 'a few alphas';
  if (s) {
    return detail(
      'suggested',
      `Alpha ${settingText(s.alpha)} gives the best ${objective} among the alphas that neither estimate (from the probabilities, from the labels) judges collapsed or drifting, and whose neighbours are safe too.`,
    );
  }
  const aucs = ranking.perClass.filter((c) => c.auc !== null);
  const auc = layout === 'binary' ? `AUC ${fmtNum(aucs[aucs.length - 1]?.auc ?? NaN)}` : aucs.map((c) => `'${c.class}' AUC ${fmtNum(c.auc!)}`).join(', ');
  if (outcome.reason === 'unstable') {
    return detail(
      'unstable',
      `No suggestion: only ${band} ${one ? 'neither collapses nor drifts' : 'neither collapse nor drift'} by both estimates while beating ${trivial}, at best by ${fmtNum((outcome.bestUnstable ?? outcome.trivial) - outcome.trivial)}, ` +
        `and ${one ? 'its' : 'their'} neighbouring alphas do not: the outcome changes too fast there for a counterfactual to be trusted. The ranking quality is ${auc} (0.5 is chance). ` +
        'Retrain at a few alphas in that range to find a stable one, or improve the features if the gain is not worth it.',
    );
  }
  if (outcome.reason === 'estimates-disagree') {
    return detail(
      'estimates-disagree',
      `No suggestion: extrapolated from this run's probabilities every alpha collapses or drifts, but its labels say ${band} would not (and would beat ${trivial}). ` +
        'The two disagree when a run is far from its loss minimum (see the balance explanation); retrain at an alpha in that range, or train this run longer first.',
    );
  }
  const what = layout === 'binary' && classes.length === 2 ? `'${classes[1]}' from '${classes[0]}'` : 'the classes';
  return detail(
    'no-separation',
    `No suggestion: no alpha makes this model separate ${what} on these features. No alpha that neither estimate judges collapsed or drifting does better than ${trivial}. ` +
      `The ranking quality is ${auc} (0.5 is chance): look at the features, the model capacity or the learning rate.`,
  );
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
