/**
 * Stage 1 of the pipeline: the loss settings. Alpha, gamma and convention from the flags over the
 * dump's meta over the run's (or the linked) config, with where each came from and where a config
 * disagrees; then, once the first chunk shows the dump's layout, the resolved loss the kernels and
 * the counterfactual take.
 */
import type { AlphaConvention, AnalysisReport, LossKind, SettingMismatch, SettingSource } from '../report';
import type { DumpMeta, PredictionChunk } from '../readers/types';
import { chunkLayout } from '../readers/types';
import type { RunContents } from '../run/read-run';
import { runConfig } from '../run/run-settings';
import { resolveClassAlpha, type ResolvedLoss } from '../focal';
import type { CounterfactualSpec } from '../analysis/counterfactual';
import { CONVENTION_INFO, CONVENTIONS, lookupConvention } from '../conventions';
import { UsageError, type AnalyzeOptions } from './options';

export interface LossSettings {
  alpha: number | number[] | null;
  gamma: number;
  convention: AlphaConvention | undefined;
  /** A library name from the meta (`torchvision`, `keras`) whose meaning may need the loss kind. */
  conventionName?: string;
  sources: { alpha: SettingSource; gamma: SettingSource; convention: SettingSource };
  mismatches: SettingMismatch[];
}


/** The dump's name in messages: its file, or its first file and how many more. */
export function metaName(files: readonly string[]): string {
  return files.length === 1 ? files[0]! : `${files[0]!} (and ${files.length - 1} more)`;
}

export interface DumpSettings {
  loss: LossSettings;
  /** Class names: the flag's, the meta's or the run configs'. */
  classes: string[] | null;
  /** Where each setting came from, in words. */
  origin: NonNullable<AnalysisReport['loss']['origin']>;
}

/** A dump's loss settings: flags over its meta (completed from the run's configs) over the linked config. */
export function dumpSettings(opts: AnalyzeOptions, run: RunContents, meta: DumpMeta, where: string): DumpSettings {
  const fromRun = runConfig(run.settings);
  const loss = resolveSettings({ ...opts, config: { ...fromRun.config, ...(opts.config ?? {}) } }, fromRun.meta(meta), where);
  return { loss, classes: opts.classes ?? meta.classes ?? fromRun.classes ?? null, origin: fromRun.origins(loss.sources, where, opts) };
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
    const gammaToo = opts.gamma === undefined && meta.gamma === undefined && cfg.gamma === undefined;
    throw new UsageError(`alpha is not in ${where}'s meta${gammaToo ? ' (nor is gamma)' : ''}`, { missing: gammaToo ? ['alpha', 'gamma'] : ['alpha'] });
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
    throw new UsageError(`gamma is not in ${where}'s meta`, { missing: ['gamma'] });
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

export interface Resolved {
  loss: ResolvedLoss;
  kind: LossKind;
  layout: 'binary' | 'multilabel' | 'softmax';
  convention: AlphaConvention;
  alphaScalar: number | null;
  alphaVector: number[] | null;
}

export function resolveLoss(opts: AnalyzeOptions, settings: LossSettings, meta: DumpMeta, chunk: PredictionChunk, where: string): Resolved {
  const kind = lossKind(opts, meta, chunk);
  const C = chunk.numClasses;
  const layout: Resolved['layout'] = kind === 'softmax' ? 'softmax' : C === 1 ? 'binary' : 'multilabel';
  if (kind === 'softmax' && C < 2) throw new UsageError(`${where} has one score column per sample: a softmax loss needs one per class`, { option: 'loss', loss: kind, columns: C });
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
        `alpha ${a} is a scalar and the loss is softmax: nothing says which classes it weighs (class 0, every class but 0, or every class alike)`,
        { missing: ['convention'], alpha: a, loss: kind, columns: C },
      );
    }
  }
  if (!CONVENTION_INFO[convention].kinds.includes(kind)) {
    throw new UsageError(`convention '${convention}' is a softmax convention; a sigmoid focal loss uses 'positive' or 'negative' (or a weight per class)`, { option: 'convention', loss: kind, columns: C });
  }
  if (convention === 'vector' && typeof a === 'number') throw new UsageError(`convention 'vector' needs a weight per class (${C} values), got the scalar ${a}`, { option: 'alpha', loss: kind, columns: C });
  if (Array.isArray(a) && a.length !== C) {
    throw new UsageError(`the alpha vector has ${a.length} values but ${where} has ${C} score column${C === 1 ? ' (a binary head takes one scalar alpha)' : 's'}`, { option: 'alpha', loss: kind, columns: C });
  }
  let classAlpha: number[] | null;
  try {
    classAlpha = resolveClassAlpha(kind, C, a, convention);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const threshold = opts.threshold ?? 0.5;
  if (!(threshold > 0 && threshold < 1)) throw new UsageError(`the decision threshold must be between 0 and 1, got ${threshold}`, { option: 'threshold' });
  return {
    loss: { kind, gamma: settings.gamma, classAlpha, threshold, numClasses: C },
    kind,
    layout,
    convention,
    alphaScalar: typeof a === 'number' ? a : null,
    alphaVector: Array.isArray(a) ? a.slice() : kind === 'softmax' ? classAlpha : null,
  };
}

function tidy(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(7)) : v;
}

/** What the counterfactual needs of the resolved loss (the run's alpha as the engine takes it). */
export function counterfactualSpec(r: Resolved): CounterfactualSpec {
  const a = r.loss.classAlpha;
  return {
    kind: r.kind,
    numClasses: r.loss.numClasses,
    gamma: r.loss.gamma,
    alpha0: r.kind === 'sigmoid' ? (a ? (r.loss.numClasses === 1 ? a[0]! : a) : null) : a,
    threshold: r.loss.threshold,
  };
}

/** A config value the log disagrees with, as a note says it (the log's value is the one used). */
export function mismatchNote(m: SettingMismatch): string {
  return `The config${m.configSource ? ` (${m.configSource})` : ''} says ${m.parameter} ${settingText(m.config)}, the log recorded ${settingText(m.log)}: the analysis uses the log's value, which is what the run trained with.`;
}

export function settingText(v: number | number[] | string | null): string {
  return v === null ? 'off' : Array.isArray(v) ? `[${v.join(', ')}]` : String(v);
}
