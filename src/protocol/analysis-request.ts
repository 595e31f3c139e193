/**
 * What the extension asks the engine for, and the `focal-lens analyze` arguments that say it: the
 * extension runs the CLI in a child process, so this is the one place the two meet (a unit test
 * parses these arguments with the CLI's own parser).
 */
import { DEFAULT_THRESHOLDS, type VerdictThresholds } from '../core/analysis/verdict';

/** The verdict thresholds a user can set (focalLens.collapse.*, the CLI's threshold flags); docs/method.md "Verdict". */
export type CollapseThresholds = Pick<VerdictThresholds, 'minClassCount' | 'vanishRecall' | 'dominantShare' | 'dominantMaxTrueShare' | 'driftRatio' | 'driftWindow' | 'severeRatio'>;

export interface CollapseThresholdSpec {
  /** The CLI flag. */
  flag: string;
  default: number;
  /** Inclusive bounds, and whether the value must be a whole number. */
  min: number;
  max?: number;
  integer?: boolean;
  /** A ratio: more than `min`, never equal. */
  aboveMin?: boolean;
}

/** Each user-settable threshold: its flag, default (the verdict's) and valid range, in one table. */
export const COLLAPSE_THRESHOLDS: { readonly [K in keyof CollapseThresholds]: CollapseThresholdSpec } = {
  minClassCount: { flag: '--min-class-count', default: DEFAULT_THRESHOLDS.minClassCount, min: 1, integer: true },
  vanishRecall: { flag: '--vanish-recall', default: DEFAULT_THRESHOLDS.vanishRecall, min: 0, max: 1 },
  dominantShare: { flag: '--dominant-share', default: DEFAULT_THRESHOLDS.dominantShare, min: 0, max: 1 },
  dominantMaxTrueShare: { flag: '--dominant-max-true-share', default: DEFAULT_THRESHOLDS.dominantMaxTrueShare, min: 0, max: 1 },
  driftRatio: { flag: '--drift-ratio', default: DEFAULT_THRESHOLDS.driftRatio, min: 1, aboveMin: true },
  driftWindow: { flag: '--drift-window', default: DEFAULT_THRESHOLDS.driftWindow, min: 2, integer: true },
  severeRatio: { flag: '--severe-ratio', default: DEFAULT_THRESHOLDS.severeRatio, min: 1, aboveMin: true },
};

export const COLLAPSE_THRESHOLD_KEYS = Object.keys(COLLAPSE_THRESHOLDS) as (keyof CollapseThresholds)[];

/** Whether a value fits a threshold's range; the reason in words when not. */
export function collapseThresholdProblem(key: keyof CollapseThresholds, value: number): string | null {
  const spec = COLLAPSE_THRESHOLDS[key];
  if (!Number.isFinite(value)) return 'expects a number';
  if (spec.integer && !Number.isInteger(value)) return 'expects a whole number';
  if (spec.aboveMin ? value <= spec.min : value < spec.min) return `must be ${spec.aboveMin ? 'more than' : 'at least'} ${spec.min}`;
  if (spec.max !== undefined && value > spec.max) return `must be at most ${spec.max}`;
  return null;
}

export interface AnalysisRequest {
  logPaths: string[];
  /** null: the loss has no alpha. */
  alpha?: number | number[] | null;
  gamma?: number;
  convention?: string;
  /** Skip unreadable records (counted and reported) instead of stopping at the first. */
  lenient?: boolean;
  /**
   * The settings of the config file the log is linked from: they fill in what the log's meta
   * lacks, and never override it (the log records what the run trained with).
   */
  config?: { alpha?: number | number[] | null; gamma?: number; convention?: string; source?: string };
  /** tfjs backend preference (the focalLens.computeBackend setting). */
  backend?: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  /** Sigmoid decision threshold (focalLens.threshold). */
  threshold?: number;
  /** What the suggestion maximises (focalLens.objective). */
  objective?: 'macro-f1' | 'balanced-accuracy' | 'accuracy';
  /** Softmax samples of each class the what-if uses (focalLens.whatIfSamplesPerClass); 0: every sample. */
  whatIfSamplesPerClass?: number;
  /** Verdict thresholds that differ from the defaults (focalLens.collapse.*). */
  collapse?: Partial<CollapseThresholds>;
  /** Folders holding an installed TensorFlow native package (the extension's global storage, focalLens.nativeBackendPath). */
  nativeBackendPaths?: string[];
}

/** The CLI arguments after `analyze` (or `watch`, which takes the same) for a request: JSON output, JSON progress events. */
export function analysisArgs(request: AnalysisRequest): string[] {
  const args = ['--format', 'json', '--progress', 'json'];
  // `--flag=value` keeps a negative number from reading as an option.
  if (request.backend) args.push(`--backend=${request.backend}`);
  if (Array.isArray(request.alpha)) args.push(`--alpha-vector=${request.alpha.join(',')}`);
  else if (request.alpha !== undefined) args.push(`--alpha=${request.alpha === null ? 'off' : request.alpha}`);
  if (request.gamma !== undefined) args.push(`--gamma=${request.gamma}`);
  if (request.convention !== undefined) args.push(`--convention=${request.convention}`);
  if (request.threshold !== undefined) args.push(`--threshold=${request.threshold}`);
  if (request.objective !== undefined) args.push(`--objective=${request.objective}`);
  if (request.whatIfSamplesPerClass !== undefined) args.push(`--what-if-samples=${request.whatIfSamplesPerClass === 0 ? 'all' : request.whatIfSamplesPerClass}`);
  for (const key of COLLAPSE_THRESHOLD_KEYS) {
    const v = request.collapse?.[key];
    if (v !== undefined) args.push(`${COLLAPSE_THRESHOLDS[key].flag}=${v}`);
  }
  for (const dir of request.nativeBackendPaths ?? []) args.push(`--native-backend=${dir}`);
  if (request.lenient) args.push('--lenient');
  const cfg = request.config;
  if (cfg) {
    if (Array.isArray(cfg.alpha)) args.push(`--config-alpha-vector=${cfg.alpha.join(',')}`);
    else if (cfg.alpha !== undefined) args.push(`--config-alpha=${cfg.alpha === null ? 'off' : cfg.alpha}`);
    if (cfg.gamma !== undefined) args.push(`--config-gamma=${cfg.gamma}`);
    if (cfg.convention !== undefined) args.push(`--config-convention=${cfg.convention}`);
    if (cfg.source !== undefined) args.push(`--config-source=${cfg.source}`);
  }
  // after `--` a path is a path, even one that starts with a dash
  return [...args, '--', ...request.logPaths];
}
