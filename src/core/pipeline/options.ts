/**
 * What an analysis takes and reports while it runs: the options every face builds (CLI flags, the
 * extension's request, tests), progress events; the usage error that names what is missing lives in ../errors.ts.
 */
import type { AlphaConvention, LossKind, Objective } from '../report';
import { selectBackend, type BackendPreference, type SelectedBackend } from '../compute/backend';
import type { VerdictThresholds } from '../analysis/verdict';
import type { SampleCapOptions } from '../analysis/sample-cap';

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
  /** Folders to look for an installed TensorFlow native package in, before the bundle's own (compute/backend.ts). */
  nativeBackendPaths?: string[];
  lenient?: boolean;
  /**
   * Softmax: samples of each class of the last epoch the counterfactual keeps (default 32,768, the
   * rest a weighted sample); Infinity: every sample, up to 2^23 scores (analysis/sample-cap.ts).
   */
  whatIfSamplesPerClass?: number;
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

export { UsageError, isUsageError } from '../errors';

export function abortError(): Error {
  const e = new Error('analysis aborted');
  e.name = 'AbortError';
  return e;
}

/**
 * The tfjs backend the kernels run on. One that cannot load throws a UsageError that names it
 * (each face says how to install it).
 */
export function analysisBackend(opts: Pick<AnalyzeOptions, 'backend' | 'nativeBackendPaths'>): Promise<SelectedBackend> {
  return selectBackend(opts.backend ?? 'auto', opts.nativeBackendPaths ? { nativePaths: opts.nativeBackendPaths } : {});
}

/** The counterfactual's sample bounds the options ask for (analysis/sample-cap.ts). */
export function sampleCapOf(opts: Pick<AnalyzeOptions, 'whatIfSamplesPerClass'>): SampleCapOptions {
  return opts.whatIfSamplesPerClass !== undefined ? { samplesPerClass: opts.whatIfSamplesPerClass } : {};
}
