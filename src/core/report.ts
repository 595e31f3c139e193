/**
 * The analysis report: the stable JSON contract printed by `focal-lens analyze --format json`,
 * read by the extension, the webviews and the inline hints. Field names are part of the contract
 * (documented in README.md); add fields, never rename them. docs/method.md says how every number
 * is computed and where.
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
  /** attribution.state === 'alpha'. */
  alphaDriven: boolean;
  message: string;
  /** Status of every epoch (drifting looks back over the window ending at that epoch). */
  perEpoch?: Array<{ epoch: number; status: VerdictStatus; class: string | null }>;
  /** Whether alpha drives the collapse or drift, and the evidence; null when healthy or without probabilities. */
  attribution?: Attribution | null;
  /** Classes the model mostly misses or alpha under-serves, whatever the status. */
  atRisk?: ClassAtRisk[];
}

/**
 * 'alpha': at the neutral alpha the collapse (drift) would not happen; 'not-alpha': it would
 * still happen; 'uncertain': the labels significantly contradict the loss-minimum estimate, so
 * only retraining at the neutral alpha can tell (docs/method.md, "Attribution").
 */
export type AttributionState = 'alpha' | 'not-alpha' | 'uncertain';

/** One estimate of the neutral-alpha run, for the class the verdict names. */
export interface NeutralEstimate {
  /** Predicted share of the verdict's class at the neutral alpha. */
  predShare: number;
  /** The lowest recall of any class with enough samples at the neutral alpha. */
  minRecall: number;
  /** This estimate judges the neutral alpha collapsed. */
  collapsed: boolean;
  /** This estimate alone would call the verdict alpha-driven. */
  alphaDriven: boolean;
}

export interface Attribution {
  state: AttributionState;
  neutralAlpha: number | number[];
  /** The class whose share decides (the class collapsed or drifting onto). */
  class: string;
  /** Section 5: local shares inferred from the probabilities, assuming the run is at its loss minimum. */
  lossMinimum: NeutralEstimate;
  /** Local shares read from the labels (isotonic regression on the score): no loss-minimum assumption. */
  calibrated: NeutralEstimate;
  /**
   * One-sided binomial p-value that the labels contradict the loss-minimum estimate on the samples
   * where the two estimates decide differently; null when they agree.
   */
  disagreementP: number | null;
  /** G+/G- of the class at the last epoch (1 at the loss minimum of its bias). */
  balance: number;
  /** The balance is within the equilibrium band: the loss-minimum assumption is plausible. */
  nearMinimum: boolean;
  /** What to retrain to settle an 'uncertain' attribution. */
  settle?: string;
}

export interface ClassAtRisk {
  class: string;
  /** low-recall: the model misses most of the class; under-served: another alpha finds clearly more of it. */
  reasons: Array<'low-recall' | 'under-served'>;
  recall: number;
  f1: number;
  /** under-served: the alpha (the suggestion) and the recall the counterfactual expects there. */
  betterAlpha?: number | number[];
  betterRecall?: number;
  message: string;
}

/** Which side a factor favours: the class's positives (pushes its logit up), its negatives, or neither. */
export type FactorDirection = 'positives' | 'negatives' | 'neutral';

/**
 * Why a class's balance G+/G- is what it is (docs/method.md, "Balance explanation"). Near the loss
 * minimum G+ ~ G- whatever alpha is, so the gamma factor is then whatever cancels alpha x counts:
 * the model's compensation (positives kept hard, negatives easy, or the reverse), not a cause.
 */
export interface ClassBalanceExplanation {
  class: string;
  balance: number;
  /** G+ and G- within the equilibrium band: the push on the class's bias has (almost) cancelled. */
  balanced: boolean;
  /** alpha factor x count factor: the imbalance the loss sets before the model reacts. */
  imposed: number;
  directions: { alpha: FactorDirection; count: FactorDirection; gamma: FactorDirection };
  /** Which of alpha and counts the gamma factor offsets; 'none' when they (nearly) cancel each other. */
  compensates: 'alpha' | 'counts' | 'alpha-and-counts' | 'none';
  /** The decision threshold (section 4) and the knob that sets it. */
  threshold: {
    /**
     * 'alpha': alpha alone (sigmoid at threshold 0.5, softmax); 'alpha-and-gamma': sigmoid at another
     * threshold; 'threshold': alpha neutral, the threshold (with gamma) sets it; 'none': alpha neutral, threshold 0.5.
     */
    knob: 'alpha' | 'alpha-and-gamma' | 'threshold' | 'none';
    /** Sigmoid: the least local share of the class predicted as the class (0.5 at neutral alpha). */
    minShare: number | null;
    /** Softmax: the local share of the class relative to each other class needed to win, lowest and highest. */
    relativeShare?: [number, number];
  };
  /** One short line for tables. */
  summary: string;
  /** The binary head's 'negative' class: the positive class's explanation seen from the other side (renderers may skip it). */
  mirror?: boolean;
  /** The full explanation in words. */
  sentence: string;
  /** The same without its leading equation (for views that show the equation themselves). */
  detail: string;
}

export interface BalanceExplanation {
  epoch: number;
  perClass: ClassBalanceExplanation[];
}

export interface WhatIfClass {
  class: string;
  predShare: number;
  recall: number;
  precision: number;
  f1: number;
}

/** Metrics of one estimate of a what-if row. */
export interface WhatIfEstimate {
  perClass: WhatIfClass[];
  macroF1: number;
  balancedAccuracy: number;
  accuracy: number;
}

export interface WhatIfRow extends WhatIfEstimate {
  /** Scalar alpha in the log's convention, or the per-class vector for softmax vectors. */
  alpha: number | number[];
  /** Which row this is: the logged alpha, the neutral alpha', the suggestion, or a --what-if value. */
  label?: 'logged' | 'neutral' | 'suggested' | 'what-if';
  /**
   * The same alpha under the label-calibrated estimate (local shares from the labels, not from the
   * loss minimum). The two bracket what retraining gives; see docs/method.md, "Fidelity".
   */
  calibrated?: WhatIfEstimate;
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

/** Why there is (or is no) suggestion. */
export interface SuggestionDetail {
  /**
   * suggested; no-separation: no alpha that neither estimate judges collapsed or drifting beats
   * predicting the majority class; unstable: some do, but none whose neighbouring alphas do too
   * (the outcome changes too fast there to suggest one); estimates-disagree: the probabilities find
   * no such alpha, the labels do (a run far from its loss minimum); no-probabilities.
   */
  status: 'suggested' | 'no-separation' | 'unstable' | 'estimates-disagree' | 'no-probabilities';
  message: string;
  /** Grid alphas the loss-minimum counterfactual judges collapsed or drifting. */
  excluded: number;
  /** The objective of predicting the majority class for every sample. */
  trivial: number | null;
  /** No suggestion, scalar grids: the lowest and highest alpha that passes the status guard and beats the trivial classifier. */
  band?: [number, number];
}

/** How well the last epoch's scores rank each class above the rest, whatever the threshold. */
export interface Ranking {
  epoch: number;
  perClass: Array<{ class: string; auc: number | null }>;
}

/** A loss setting where the config the log was linked from and the log disagree. */
export interface SettingMismatch {
  parameter: 'alpha' | 'gamma' | 'convention';
  /** What the log recorded (used: it is what the run trained with). */
  log: number | number[] | string | null;
  /** What the config says. */
  config: number | number[] | string | null;
  /** Where the config value is (e.g. "configs/train.py:12"). */
  configSource?: string;
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
    /** Samples in each epoch when they all have the same number; null when they differ. */
    samplesPerEpoch?: number | null;
    /** Samples skipped under --lenient (a bad batch line counts its rows), with the first few reasons. */
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
  /** Sorted by alpha when every row's alpha is a scalar. */
  whatIf: WhatIfRow[];
  suggestion: Suggestion | null;
  /** Metric logs: the series the verdict was judged from. */
  observed?: ObservedSeries;
  /** Metric logs and PR curves: what was judged from what, what could not be computed, how to get it. */
  limits?: ReportLimits;
  /** PR curves: how the epochs' numbers were estimated from binned probabilities (bin count, bounds). */
  approximation?: BinnedApproximation & { file: string; tag: string };
  suggestionDetail?: SuggestionDetail;
  /** Balance explanation per class of the last epoch. */
  explanation?: BalanceExplanation;
  ranking?: Ranking | null;
  /** Where each loss setting came from: a flag, the log's meta, or the linked config (used only when the log lacks it). */
  settingSources?: { alpha: SettingSource; gamma: SettingSource; convention: SettingSource };
  /** Settings the linked config and the log disagree on; the log's value is used. */
  configMismatches?: SettingMismatch[];
}

export type SettingSource = 'flag' | 'log' | 'config' | 'default';
