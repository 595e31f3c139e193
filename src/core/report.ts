/**
 * The analysis report: the stable JSON contract printed by `focal-lens analyze --format json`,
 * read by the extension, the webviews and the inline hints. Field names are part of the contract
 * (documented in README.md); add fields, never rename them.
 */
import type { BinnedApproximation } from './analysis/binned';

/** Convention ids: what a scalar alpha means (the table is src/core/conventions.ts). */
export type AlphaConvention = 'positive' | 'negative' | 'class0-alpha' | 'class0-complement' | 'uniform' | 'vector';

export type LossKind = 'sigmoid' | 'softmax';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export type VerdictStatus = 'healthy' | 'drifting' | 'collapsed';

export type Objective = 'macro-f1' | 'balanced-accuracy' | 'accuracy';

export interface BalanceFactors {
  /** alpha / (1 - alpha) (sigmoid) or alpha_c / mean alpha of the other classes (softmax). */
  alpha: number;
  /** n+ / n-. */
  count: number;
  /** Mean modulated gradient of positives versus negatives, alpha and counts divided out. */
  gamma: number;
}

export interface ClassEpochStats {
  class: string;
  count: number;
  trueShare: number;
  predShare: number;
  recall: number;
  precision: number;
  f1: number;
  focalSum: number;
  meanWeightPos: number;
  meanWeightNeg: number;
  /** G+: summed |dFL/dz| over positives, the effective positive weight. */
  gradPos: number;
  /** G-: summed |dFL/dz| over negatives, the effective negative weight. */
  gradNeg: number;
  /** G+ / G-. */
  balance: number;
  factors: BalanceFactors;
}

export interface EpochReport {
  epoch: number;
  samples: number;
  focalSum: number;
  ceSum: number;
  perClass: ClassEpochStats[];
}

export interface Verdict {
  status: VerdictStatus;
  /**
   * How alphaDriven was decided: the counterfactual at a neutral alpha (per-sample probabilities),
   * or section 4's decision rule alone (metric logs: alpha's pull points at the class the model
   * collapsed onto; a dump or a retrain at neutral alpha would confirm it).
   */
  alphaDrivenBy?: 'counterfactual' | 'decision-rule';
  /** The observations behind the status, each naming its metric and file. */
  evidence?: string[];
  /** The class the model collapsed (or drifts) onto; null when healthy. */
  class: string | null;
  onsetEpoch: number | null;
  alphaDriven: boolean;
  message: string;
  /** Status of every epoch (drifting looks back over the window ending at that epoch). */
  perEpoch?: Array<{ epoch: number; status: VerdictStatus; class: string | null }>;
}

export interface WhatIfClass {
  class: string;
  predShare: number;
  recall: number;
  precision: number;
  f1: number;
}

export interface WhatIfRow {
  /** Scalar alpha in the log's convention, or the per-class vector for softmax vectors. */
  alpha: number | number[];
  perClass: WhatIfClass[];
  macroF1: number;
  balancedAccuracy: number;
  accuracy: number;
  /** Which row this is: the logged alpha, the neutral alpha', the suggestion, or a --what-if value. */
  label?: 'logged' | 'neutral' | 'suggested' | 'what-if';
}

export interface Suggestion {
  objective: Objective;
  alpha: number | number[];
  /** The objective's value now (at the logged alpha). */
  current: number;
  /** The objective's value the counterfactual expects at the suggested alpha. */
  expected: number;
  /** Vector suggestions: alpha_c proportional to s_c^-beta. */
  beta?: number;
}

/** One class at one evaluation of a metric log (what was logged, and what could be derived). */
export interface ObservedClass {
  class: string;
  recall?: number;
  precision?: number;
  f1?: number;
  ap?: number;
  support?: number;
  predShare?: number;
  trueShare?: number;
  /** Predicted / true share (recall / precision when the shares are unknown). */
  ratio?: number;
  /** A class the log does not name (detection background; a binary log's negatives). */
  implicit?: boolean;
}

export interface ObservedEpoch {
  /** As the log numbers it (see `observed.epochKey`). */
  epoch: number;
  step?: number;
  perClass: ObservedClass[];
}

/** The metric log a verdict was judged from, evaluation by evaluation. */
export interface ObservedSeries {
  file: string;
  format: string;
  split: string;
  epochKey: 'epoch' | 'step' | 'iteration';
  /** How shares were derived where the log does not say them. */
  derived: string[];
  epochs: ObservedEpoch[];
}

/** A file of the run and what it contributed. */
export interface InputSource {
  file: string;
  /** Registry format id. */
  format: string;
  /** The format as people call it ("Lightning metrics.csv"). */
  label: string;
  role: 'predictions' | 'metrics' | 'config';
  /** What it contributed, in words ("the verdict", "alpha, gamma", "agrees: drifting", "same content as X"). */
  used: string;
}

/** What the report could not compute from the run, and how to get it. */
export interface ReportLimits {
  /** What the verdict was judged from, in words. */
  judgedFrom: string;
  cannotCompute: string[];
  /** The dump writer for the run's framework, to get per-sample predictions. */
  howTo?: { framework: string; title: string; install: string; code: string };
}

export interface InputIssue {
  file: string;
  line?: number;
  byteOffset?: number;
  message: string;
}

/** What the report recomputed from: per-sample predictions, binned PR curves, or logged metrics only. */
export type AnalysisBasis = 'predictions' | 'pr-curves' | 'metrics';

export interface AnalysisReport {
  /** The tfjs backend that ran; null when nothing was recomputed on one (metric logs, PR-curve bins). */
  backend: BackendName | null;
  /** Absent in reports of prediction dumps written before run folders were read: 'predictions'. */
  basis?: AnalysisBasis;
  /** Human-readable backend detail (package, SIMD, threads). */
  backendDetail?: string;
  /** The epoch whose per-sample probabilities fed the counterfactual (the last), null when none. */
  counterfactualEpoch?: number | null;
  /** Caveats in words (e.g. interleaved epochs, no probabilities kept). */
  notes?: string[];
  input: {
    files: string[];
    format: string;
    samples: number;
    epochs: number;
    /** Records skipped under --lenient, with the first few reasons. */
    skipped?: number;
    issues?: InputIssue[];
    /** The run folder, when one was given. */
    run?: string;
    /** Every file of the run that was read, and for what. */
    sources?: InputSource[];
  };
  loss: {
    kind: LossKind;
    alpha: number | null;
    alphaVector: number[] | null;
    /** null only when the run does not record it (a metric log without config): see `unknown`. */
    gamma: number | null;
    convention: AlphaConvention;
    /** Settings no source gave (metric logs only; a dump's analysis asks for them instead). */
    unknown?: Array<'alpha' | 'gamma' | 'convention'>;
    /** Where each setting came from: "csv/version_0/hparams.yaml:1 (alpha)", "flag --gamma", "YOLOv5 FocalLoss default". */
    origin?: Partial<Record<'alpha' | 'gamma' | 'convention' | 'kind', string>>;
    /** Sigmoid decision threshold on p (default 0.5). */
    threshold?: number;
  };
  classes: string[];
  epochs: EpochReport[];
  verdict: Verdict;
  whatIf: WhatIfRow[];
  suggestion: Suggestion | null;
  /** Metric logs: the series the verdict was judged from. */
  observed?: ObservedSeries;
  /** Metric logs and PR curves: what was judged from what, what could not be computed, how to get it. */
  limits?: ReportLimits;
  /** PR curves: how the epochs' numbers were estimated from binned probabilities (bin count, bounds). */
  approximation?: BinnedApproximation & { file: string; tag: string };
}
